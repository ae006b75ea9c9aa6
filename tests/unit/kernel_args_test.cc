// Unit tests of the guest kernel-argument allow-list (harness/campaign/
// kernel_args.h) and the scenario key that uses it: allowed arguments pass,
// the rig's own and anything unlisted are refused with the JSON path, and
// the README documents every allowed name.
// Must not: boot a guest (tests/e2e/kernel_log_flood.sh boots with kernel_args).
#include <fstream>
#include <sstream>
#include <string>

#include "gtest/gtest.h"
#include "harness/campaign/kernel_args.h"
#include "harness/campaign/scenario.h"
#include "nlohmann/json.hpp"

namespace flashfault::campaign {
namespace {

std::string ErrorOf(const nlohmann::json& args) {
  const nlohmann::json j = {{"name", "t"}, {"geometry", "slc-2k-128m"}, {"workload", "ubi-attach"},
                            {"kernel_args", args}};
  absl::StatusOr<Scenario> s = ParseScenario(j, "s.json");
  return s.ok() ? "ok" : std::string(s.status().message());
}

TEST(KernelArgsTest, AllowedArgumentsPass) {
  for (const char* a : {"log_buf_len=16M", "log_buf_len=8388608", "ubi.fm_autoconvert=1",
                        "ubi.mtd=0,2048", "ubi.dyndbg=+p", "ubifs.dyndbg=+p", "slub_debug",
                        "slub_debug=FZPU", "slab_nomerge", "page_poison=1", "init_on_free=0",
                        "rcupdate.rcu_cpu_stall_timeout=60", "watchdog_thresh=20"}) {
    EXPECT_TRUE(ValidateKernelArg(a).ok()) << a << ": " << ValidateKernelArg(a).message();
  }
  const nlohmann::json j = {{"name", "t"}, {"geometry", "slc-2k-128m"}, {"workload", "ubi-attach"},
                            {"kernel_args", {"log_buf_len=16M", "ubi.fm_autoconvert=1"}}};
  absl::StatusOr<Scenario> s = ParseScenario(j, "s.json");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->kernel_args, (std::vector<std::string>{"log_buf_len=16M", "ubi.fm_autoconvert=1"}));
}

TEST(KernelArgsTest, TheRigsOwnAndUnlistedAreRefusedWithThePath) {
  EXPECT_EQ(ErrorOf({"log_buf_len=8M", "console=ttyS1"}).rfind(
                "s.json: $.kernel_args[1]: \"console=ttyS1\" is not allowed: the rig's console", 0),
            0u)
      << ErrorOf({"log_buf_len=8M", "console=ttyS1"});
  for (const char* a : {"init=/bin/sh", "rdinit=/x", "panic=0", "root=/dev/sda", "quiet",
                        "loglevel=8", "printk.devkmsg=off", "panic_on_warn", "oops=panic"}) {
    EXPECT_NE(ErrorOf({a}).find("is not allowed"), std::string::npos) << a << ": " << ErrorOf({a});
  }
  EXPECT_NE(ErrorOf({"nokaslr"}).find("$.kernel_args[0]: \"nokaslr\" is not in the allow-list"),
            std::string::npos)
      << ErrorOf({"nokaslr"});
  // Values are checked too, and nothing can smuggle a second argument in.
  EXPECT_NE(ErrorOf({"log_buf_len=1G"}).find("log_buf_len takes a size up to 64M"), std::string::npos);
  EXPECT_NE(ErrorOf({"page_poison=yes"}).find("page_poison takes 0 or 1"), std::string::npos);
  EXPECT_NE(ErrorOf({"ubi.mtd=0 init=/bin/sh"}).find("$.kernel_args[0]: \"ubi.mtd=0 init=/bin/sh\":"),
            std::string::npos)
      << ErrorOf({"ubi.mtd=0 init=/bin/sh"});
  EXPECT_NE(ErrorOf({"a b"}).find("is not a kernel argument"), std::string::npos);
  EXPECT_NE(ErrorOf({"ubi."}).find("not in the allow-list"), std::string::npos);
  EXPECT_EQ(ErrorOf({""}), "s.json: $.kernel_args[0]: an empty kernel argument");
  EXPECT_EQ(ErrorOf({7}), "s.json: $.kernel_args[0]: expected a string");
  EXPECT_EQ(ErrorOf("log_buf_len=8M"), "s.json: $.kernel_args: expected an array of kernel arguments");
}

TEST(KernelArgsTest, TheReadmeDocumentsEveryAllowedName) {
  std::ifstream in(std::string(FF_SOURCE_DIR) + "/corpora/scenarios/README.md");
  std::stringstream text;
  text << in.rdbuf();
  for (const AllowedKernelArg& a : AllowedKernelArgs()) {
    const std::string shown = a.name.back() == '.' ? a.name + "*" : a.name;
    EXPECT_NE(text.str().find("`" + shown + "`"), std::string::npos) << shown;
  }
}

}  // namespace
}  // namespace flashfault::campaign

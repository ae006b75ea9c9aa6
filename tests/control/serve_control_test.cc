// The real `flashfault serve --fd 3 --control DIR` process, driven by the
// protocol tests' fake kernel: the control directory shows live counters
// that change with I/O, snapshots export the served content, and
// `flashfault ctl` reads and drives it with the documented exit statuses.
// SIGTERM leaves no mount behind.
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/control/control_test_util.h"
#include "tests/protocol/fake_kernel.h"
#include "tests/unit/flash_image_builder.h"

namespace flashfault::control_test {
namespace {

namespace fs = std::filesystem;
using protocol_test::FakeKernel;
constexpr uint32_t kInband = 1;
constexpr uint64_t kPage = 2048, kOob = 64, kBlock = 64 * kPage;

// Runs the binary with `argv`; returns its exit status; stdout into *out.
int Flashfault(std::vector<std::string> argv, std::string* out = nullptr) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return -1;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    ::close(pipefd[0]);
    std::vector<char*> args{const_cast<char*>(FF_FLASHFAULT_BIN)};
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (out) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

class ServeControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RequireFuse();
    base_ = fs::temp_directory_path() / absl::StrCat("ff-serve-control-", ::getpid());
    fs::remove_all(base_);
    fs::create_directories(base_);
    dir_ = (base_ / "ctl").string();
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    server_ = ::fork();
    if (server_ == 0) {
      ::dup2(sv[1], 3);  // dup2 clears close-on-exec on the copy
      ::execl(FF_FLASHFAULT_BIN, FF_FLASHFAULT_BIN, "serve", "--preset", "slc-2k-64m", "--fd", "3",
              "--control", dir_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(sv[1]);
    kernel_fd_ = sv[0];
    kernel_ = std::make_unique<FakeKernel>(sv[0]);
    ASSERT_EQ(kernel_->Init().error, 0);
    // The mount happens before INIT is served, so it is there by now.
    ASSERT_TRUE(IsMounted(dir_)) << dir_ << " is not mounted";
  }
  void TearDown() override {
    if (server_ > 0) StopServer();
    fs::remove_all(base_);
  }
  int StopServer() {
    ::kill(server_, SIGTERM);
    int status = 0;
    ::waitpid(server_, &status, 0);
    server_ = -1;
    ::close(kernel_fd_);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  nlohmann::json Stats() { return nlohmann::json::parse(Slurp(dir_ + "/stats.json")); }

  fs::path base_;
  std::string dir_;
  pid_t server_ = -1;
  int kernel_fd_ = -1;
  std::unique_ptr<FakeKernel> kernel_;
};

TEST_F(ServeControlTest, StatsAreJsonAndFollowTheIo) {
  nlohmann::json before = Stats();
  EXPECT_EQ(before["device"]["write_ops"], 0);
  EXPECT_EQ(before["session"]["requests"], 1);  // INIT
  ASSERT_EQ(kernel_->Erase(kBlock, kBlock), 0);
  ASSERT_EQ(kernel_->Write(kBlock, std::vector<uint8_t>(kPage, 0x5a), kInband).error, 0);
  ASSERT_EQ(kernel_->Read(kBlock, kPage, kInband).error, 0);
  ASSERT_EQ(kernel_->MarkBad(5 * kBlock), 0);
  nlohmann::json after = Stats();
  EXPECT_EQ(after["device"]["erase_ops"], 1);
  EXPECT_EQ(after["device"]["write_ops"], 1);
  EXPECT_EQ(after["device"]["read_ops"], 1);
  EXPECT_EQ(after["device"]["write_bytes"], kPage);
  EXPECT_EQ(after["session"]["requests"], 5);
  EXPECT_EQ(after["erases"]["total"], 2);  // the erase and the markbad's erase
  EXPECT_EQ(after["bad_blocks"], 1);
  EXPECT_EQ(Slurp(dir_ + "/blocks/bad"), "5\n");
  const std::string counts = Slurp(dir_ + "/blocks/erase_counts");
  EXPECT_EQ(counts.substr(0, 8), "0 0\n1 1\n");
  EXPECT_EQ(std::count(counts.begin(), counts.end(), '\n'), 512);
  nlohmann::json g = nlohmann::json::parse(Slurp(dir_ + "/geometry"));
  EXPECT_EQ(g["page_size"], kPage);
}

// The live map by meaning: a PEB given EC and VID headers through the
// served device shows as mapped to its volume and LEB, and the device
// changes neither its counters nor its cells by being looked at.
TEST_F(ServeControlTest, TheLiveMapShowsWhatTheFlashHoldsNow) {
  using namespace test_images;
  nlohmann::json map = nlohmann::json::parse(Slurp(dir_ + "/map.json"));
  EXPECT_EQ(map["format"], "erased");
  Buf page(kPage, 0xFF);
  const Buf ec = EcHeader(), vid = VidHeader(0, 3, 77);
  std::copy(ec.begin(), ec.end(), page.begin());
  std::copy(vid.begin(), vid.end(), page.begin() + kVidOff);
  ASSERT_EQ(kernel_->Write(7 * kBlock, page, kInband).error, 0);
  const nlohmann::json before = Stats();
  map = nlohmann::json::parse(Slurp(dir_ + "/map.json"));
  EXPECT_EQ(map["format"], "ubi");
  EXPECT_EQ(map["pebs"][7]["use"], "mapped");
  EXPECT_EQ(map["pebs"][7]["vol_id"], 0);
  EXPECT_EQ(map["pebs"][7]["lnum"], 3);
  EXPECT_NE(Slurp(dir_ + "/map").find("ubi"), std::string::npos);
  EXPECT_EQ(Stats()["device"], before["device"]);  // looking counts no read
}

// A script written into the control directory takes effect at once; an
// invalid one is refused with the validator's message and the old one stays.
TEST_F(ServeControlTest, ScriptReplacementTakesEffectAtOnce) {
  const std::string good = (base_ / "fail.json").string();
  {
    std::ofstream(good) << R"({"seed": 3, "faults": [{"id": "pf", "kind": "program_fail",
        "where": {"blocks": 2}, "when": {"ops": ["write"], "nth_match": 2}}]})";
  }
  EXPECT_EQ(Flashfault({"ctl", dir_, "script", good}), 0);
  ASSERT_EQ(kernel_->Erase(2 * kBlock, kBlock), 0);
  EXPECT_EQ(kernel_->Write(2 * kBlock, std::vector<uint8_t>(kPage, 1), kInband).soft_error, 0);
  // The second write into block 2 fails as a program failure (-EIO).
  EXPECT_EQ(kernel_->Write(2 * kBlock + kPage, std::vector<uint8_t>(kPage, 1), kInband).soft_error,
            -EIO);
  nlohmann::json stats = Stats();
  EXPECT_EQ(stats["faults"]["faults"][0]["id"], "pf");
  EXPECT_EQ(stats["faults"]["faults"][0]["fires"], 1);

  const std::string bad = (base_ / "bad.json").string();
  { std::ofstream(bad) << R"({"faults": [{"id": "x", "kind": "program_fail", "where": {"blocks": 9999}}]})"; }
  EXPECT_EQ(Flashfault({"ctl", dir_, "script", bad}), 2);
  EXPECT_NE(Slurp(dir_ + "/last_error").find("$.faults[0].where.blocks"), std::string::npos);
  std::string active;
  EXPECT_EQ(Flashfault({"ctl", dir_, "script"}, &active), 0);
  EXPECT_EQ(nlohmann::json::parse(active)["faults"][0]["id"], "pf");
}

TEST_F(ServeControlTest, CtlDrivesTheServerWithDocumentedExitCodes) {
  ASSERT_EQ(kernel_->Erase(0, kBlock), 0);
  ASSERT_EQ(kernel_->Write(0, std::vector<uint8_t>(kPage, 0xa5), kInband).error, 0);
  std::string out;
  EXPECT_EQ(Flashfault({"ctl", dir_, "stats", "--json"}, &out), 0);
  EXPECT_EQ(nlohmann::json::parse(out)["device"]["write_ops"], 1);
  EXPECT_EQ(Flashfault({"ctl", dir_, "stats"}, &out), 0);
  EXPECT_NE(out.find("write_ops:"), std::string::npos);
  EXPECT_EQ(Flashfault({"ctl", dir_, "bad"}, &out), 0);
  EXPECT_EQ(out, "");

  // A snapshot holds what the kernel wrote, in the nanddump layout.
  const std::string snap = (base_ / "snap.bin").string();
  EXPECT_EQ(Flashfault({"ctl", dir_, "snapshot", snap}), 0);
  ASSERT_EQ(fs::file_size(snap), 512 * 64 * (kPage + kOob));
  std::string image;
  ASSERT_EQ(ReadFile(snap, &image), 0);
  EXPECT_EQ(image.substr(0, kPage), std::string(kPage, '\xa5'));
  EXPECT_EQ(image.substr(kPage + kOob, kPage), std::string(kPage, '\xff'));
  // Refused by the server as bad input: exit 2, the reason on stderr.
  EXPECT_EQ(Flashfault({"ctl", dir_, "snapshot", dir_ + "/x.bin"}), 2);

  // Power commands go to the fault layer: after a cut every request fails
  // with -EIO until power comes back, and the data is still there.
  EXPECT_EQ(Flashfault({"ctl", dir_, "power-cut"}), 0);
  EXPECT_EQ(Stats()["faults"]["powered"], false);
  EXPECT_EQ(kernel_->Read(0, kPage, kInband).error, -EIO);
  EXPECT_EQ(Flashfault({"ctl", dir_, "power-on"}), 0);
  protocol_test::IoReply back = kernel_->Read(0, kPage, kInband);
  ASSERT_EQ(back.error, 0);
  EXPECT_EQ(back.data, std::vector<uint8_t>(kPage, 0xa5));
  // The active script (none given: an empty plan), and its replacement.
  EXPECT_EQ(Flashfault({"ctl", dir_, "script"}, &out), 0);
  EXPECT_EQ(nlohmann::json::parse(out)["faults"].size(), 0u);
  // Without --events there is no log to show: the server says why.
  EXPECT_EQ(Flashfault({"ctl", dir_, "events", "-n", "5"}), 1);
  EXPECT_NE(Slurp(dir_ + "/last_error").find("--events"), std::string::npos);

  // Usage errors: exit 2.
  EXPECT_EQ(Flashfault({"ctl", dir_, "frobnicate"}), 2);
  EXPECT_EQ(Flashfault({"ctl", dir_}), 2);
  EXPECT_EQ(Flashfault({"ctl", dir_, "snapshot"}), 2);
  EXPECT_EQ(Flashfault({"ctl", dir_, "stats", "--bogus"}), 2);
  EXPECT_EQ(Flashfault({"ctl", base_.string(), "stats"}), 2);  // not a control dir
  EXPECT_EQ(Flashfault({"ctl", "--help"}), 0);

  // After SIGTERM: exit 0, no mount left, and ctl says it is no control dir.
  EXPECT_EQ(StopServer(), 0);
  EXPECT_FALSE(IsMounted(dir_));
  EXPECT_EQ(Flashfault({"ctl", dir_, "stats"}), 2);
}

TEST_F(ServeControlTest, ANonEmptyControlDirectoryIsRefused) {
  const std::string busy = (base_ / "busy").string();
  fs::create_directories(busy + "/something");
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(sv[1], 3);
    ::execl(FF_FLASHFAULT_BIN, FF_FLASHFAULT_BIN, "serve", "--preset", "slc-2k-64m", "--fd", "3",
            "--control", busy.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(sv[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(sv[0]);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_FALSE(IsMounted(busy));
}

}  // namespace
}  // namespace flashfault::control_test

namespace flashfault::control_test {
namespace {

// `flashfault workload` against a live control directory: the counter it
// reads is faults.ops, exec brackets every op with it, and check classifies
// ops by it (a cut before the counter means nothing had started).
TEST_F(ServeControlTest, WorkloadExecBracketsOpsWithTheFlashCounter) {
  ASSERT_EQ(kernel_->Erase(kBlock, kBlock), 0);
  ASSERT_EQ(kernel_->Write(kBlock, std::vector<uint8_t>(kPage, 0x5a), kInband).error, 0);
  const uint64_t ops = Stats()["faults"]["ops"].get<uint64_t>();
  ASSERT_GT(ops, 0u);
  std::string out;
  ASSERT_EQ(Flashfault({"workload", "counter", "--ctl", dir_}, &out), 0);
  EXPECT_EQ(out, absl::StrCat(ops, "\n"));
  const std::string root = (base_ / "root").string(), log = (base_ / "ops.jsonl").string();
  fs::create_directories(root);
  ASSERT_EQ(Flashfault({"workload", "exec", "--builtin", "basic-durability", "--root", root, "--log", log, "--ctl",
                        dir_}),
            0);
  std::ifstream in(log);
  std::string line;
  std::getline(in, line);  // the header
  size_t records = 0;
  while (std::getline(in, line)) {
    const nlohmann::json r = nlohmann::json::parse(line);
    EXPECT_EQ(r["flash_before"], ops) << line;  // nothing talks to this flash meanwhile
    EXPECT_EQ(r["flash_after"], ops) << line;
    ++records;
  }
  EXPECT_GT(records, 10u);
  EXPECT_EQ(Flashfault({"workload", "check", "--log", log, "--cut", std::to_string(ops), "--root", root}), 0);
  EXPECT_EQ(Flashfault({"workload", "check", "--log", log, "--cut", "0", "--root", root}), 3);
}

}  // namespace
}  // namespace flashfault::control_test

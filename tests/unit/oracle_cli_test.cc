// `flashfault workload` for real on the host: exec runs every built-in and a
// few mixes on a temporary directory (no kernel, no flash counters), check
// with --cut end must be clean, and after corrupting the tree it must name
// the right rule; log-op and data build a shell workload's log; the space
// check passes on a clean tree and fails on a leak it cannot see.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "harness/campaign/oracle/builtin_workloads.h"
#include "harness/campaign/oracle/content.h"

namespace flashfault::oracle {
namespace {

namespace fs = std::filesystem;

int RunCli(const std::string& args, std::string* out, bool merge_stderr = false) {
  const std::string cmd = std::string(FF_FLASHFAULT_BIN) + " " + args + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  std::FILE* p = popen(cmd.c_str(), "r");
  out->clear();
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  return WEXITSTATUS(pclose(p));
}

class TempDir {
 public:
  explicit TempDir(const std::string& base = "") {
    std::string tmpl = (base.empty() ? fs::temp_directory_path().string() : base) + "/ff-oracle-XXXXXX";
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs a workload into `dir`/root, logging to `dir`/ops.jsonl.
void Exec(const TempDir& dir, const std::string& what) {
  fs::create_directories(dir.path() + "/root");
  std::string out;
  ASSERT_EQ(RunCli(absl::StrCat("workload exec ", what, " --root ", dir.path(), "/root --log ", dir.path(), "/ops.jsonl"),
                   &out, true),
            0)
      << out;
}

int Check(const TempDir& dir, std::string* out, const std::string& extra = "") {
  return RunCli(absl::StrCat("workload check --log ", dir.path(), "/ops.jsonl --cut end --root ", dir.path(), "/root ",
                             extra),
                out);
}

TEST(WorkloadCliTest, EveryBuiltinRunsAndChecksCleanAtTheEnd) {
  for (const std::string& name : BuiltinWorkloadNames()) {
    SCOPED_TRACE(name);
    TempDir dir;
    Exec(dir, "--builtin " + name);
    std::string out;
    EXPECT_EQ(Check(dir, &out), 0) << out;
    EXPECT_EQ(out, "");
    for (const char* fs_name : {"ubifs", "jffs2"}) EXPECT_EQ(Check(dir, &out, absl::StrCat("--fs ", fs_name)), 0) << out;
  }
  for (int seed : {2, 3, 4}) {
    SCOPED_TRACE(seed);
    TempDir dir;
    Exec(dir, absl::StrCat("--builtin mix --seed ", seed, " --length 300"));
    std::string out;
    EXPECT_EQ(Check(dir, &out), 0) << out;
  }
}

TEST(WorkloadCliTest, CorruptionIsReportedWithTheRightRule) {
  TempDir dir;
  Exec(dir, "--builtin basic-durability");
  const std::string root = dir.path() + "/root";
  std::string out;
  ASSERT_EQ(Check(dir, &out), 0) << out;
  {
    std::fstream f(root + "/d/a", std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(5000);
    char c = 0;
    f.read(&c, 1);
    f.seekp(5000);
    c = static_cast<char>(c ^ 0x5a);
    f.write(&c, 1);
  }
  EXPECT_EQ(Check(dir, &out), 3);
  EXPECT_NE(out.find("sync.data d/a: 1 byte(s) wrong, the first at offset 5000"), std::string::npos) << out;
  fs::remove(root + "/d/b");
  std::ofstream(root + "/zzz") << "x";
  EXPECT_EQ(Check(dir, &out, "--json"), 3);
  std::vector<std::string> rules;
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    rules.push_back(nlohmann::json::parse(line)["rule"].get<std::string>() + " " +
                    nlohmann::json::parse(line)["path"].get<std::string>());
  }
  EXPECT_EQ(rules, (std::vector<std::string>{"sync.data d/a", "sync.missing d/b", "name.unexpected zzz"}));
}

TEST(WorkloadCliTest, FailingOpsAreLoggedAndIgnored) {
  TempDir dir;
  const std::string file = dir.path() + "/w.json";
  std::ofstream(file) << R"({"name": "failing", "ops": [
      {"op": "create", "path": "a"},
      {"op": "symlink", "target": "a", "path": "s"},
      {"op": "write", "path": "s", "offset": 0, "length": 10, "seed": 1},
      {"op": "rename", "from": "nothere", "to": "b"},
      {"op": "close", "handle": "never-opened"},
      {"op": "write", "path": "a", "offset": 5, "length": 10, "seed": 2},
      {"op": "sync"}]})";
  Exec(dir, "--workload " + file);
  std::ifstream log(dir.path() + "/ops.jsonl");
  std::vector<int> errnos;
  for (std::string line; std::getline(log, line);) {
    const nlohmann::json j = nlohmann::json::parse(line);
    if (j.contains("errno")) errnos.push_back(j["errno"].get<int>());
  }
  EXPECT_EQ(errnos, (std::vector<int>{0, 0, ELOOP, ENOENT, EBADF, 0, 0}));
  std::string out;
  EXPECT_EQ(Check(dir, &out), 0) << out;
  std::ifstream f(dir.path() + "/root/a", std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::string want(5, '\0');
  want.resize(15);
  FillData(2, 0, reinterpret_cast<uint8_t*>(want.data() + 5), 10);
  EXPECT_EQ(content, want);
}

TEST(WorkloadCliTest, BadInputExitsTwo) {
  TempDir dir;
  std::string out;
  fs::create_directories(dir.path() + "/root");
  std::ofstream(dir.path() + "/root/stray") << "x";
  EXPECT_EQ(RunCli(absl::StrCat("workload exec --builtin basic-durability --root ", dir.path(), "/root --log ",
                                dir.path(), "/ops.jsonl"), &out, true), 2);
  EXPECT_NE(out.find("not empty (holds \"stray\")"), std::string::npos) << out;
  std::ofstream(dir.path() + "/bad.json") << R"({"name":"b","ops":[{"op":"write","path":"a"}]})";
  EXPECT_EQ(RunCli(absl::StrCat("workload exec --workload ", dir.path(), "/bad.json --root ", dir.path(), " --log x"),
                   &out, true), 2);
  EXPECT_NE(out.find("$.ops[0]: \"write\" needs \"offset\""), std::string::npos) << out;
  std::ofstream(dir.path() + "/ops.jsonl") << "{\"flashfault_op_log\":1}\n{\"index\":3}\n";
  EXPECT_EQ(RunCli(absl::StrCat("workload check --log ", dir.path(), "/ops.jsonl --cut end --root ", dir.path()), &out,
                   true), 2);
  EXPECT_NE(out.find("ops.jsonl:2: expected index 0, found 3"), std::string::npos) << out;
  EXPECT_EQ(RunCli("workload check --log x --cut soon --root /", &out, true), 2);
  EXPECT_EQ(RunCli("workload frobnicate", &out, true), 2);
}

TEST(WorkloadCliTest, ShellWorkloadLogsThroughLogOp) {
  TempDir dir;
  const std::string root = dir.path() + "/root", log = dir.path() + "/ops.jsonl";
  fs::create_directories(root);
  std::string out;
  ASSERT_EQ(RunCli(absl::StrCat("workload data --seed 5 --length 9000 > ", root, "/f"), &out), 0);
  auto log_op = [&](const std::string& op, const std::string& ret) {
    return RunCli(absl::StrCat("workload log-op --log ", log, " --op '", op, "' --ret ", ret), &out, true);
  };
  ASSERT_EQ(log_op(R"({"op":"create","path":"f"})", "0"), 0) << out;
  ASSERT_EQ(log_op(R"({"op":"write","path":"f","offset":0,"length":9000,"seed":5})", "9000"), 0) << out;
  ASSERT_EQ(log_op(R"({"op":"rename","from":"nothere","to":"g"})", "-1 --errno 2"), 0) << out;
  ASSERT_EQ(log_op(R"({"op":"sync"})", "0"), 0) << out;
  EXPECT_EQ(log_op(R"({"op":"sync","path":"x"})", "0"), 2);
  EXPECT_EQ(RunCli(absl::StrCat("workload check --log ", log, " --cut end --root ", root), &out), 0) << out;
  std::ofstream(root + "/f", std::ios::app) << "tail";
  EXPECT_EQ(RunCli(absl::StrCat("workload check --log ", log, " --cut end --root ", root), &out), 3);
  EXPECT_NE(out.find("sync.size f"), std::string::npos) << out;
}

uint64_t FreeBytes(const std::string& root) {
  std::string out;
  EXPECT_EQ(RunCli("workload space --root " + root, &out), 0);
  uint64_t n = 0;
  EXPECT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(out), &n)) << out;
  return n;
}

TEST(WorkloadCliTest, SpaceCheckPassesCleanAndCatchesAHiddenLeak) {
  // /dev/shm: a tmpfs, so free space moves only with what lives in it.
  const std::string base = fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path().string();
  TempDir dir(base);
  const std::string root = dir.path() + "/root";
  fs::create_directories(root);
  const uint64_t baseline = FreeBytes(root);
  Exec(dir, "--builtin eraseblock-crossing");
  std::string out;
  const std::string check = absl::StrCat("workload space-check --root ", root, " --slack 4m --baseline-free ");
  EXPECT_EQ(RunCli(check + std::to_string(baseline), &out), 0) << out;
  EXPECT_TRUE(fs::is_empty(root));
  // Fake baselines: far above the free space fails, zero passes.
  EXPECT_EQ(RunCli(check + std::to_string(FreeBytes(root) + (64 << 20)), &out), 3) << out;
  EXPECT_NE(out.find("space.leak"), std::string::npos) << out;
  EXPECT_EQ(RunCli(absl::StrCat("workload space-check --root ", root, " --baseline-free 0 --json"), &out), 0) << out;
  EXPECT_TRUE(nlohmann::json::parse(out)["ok"].get<bool>());
  // A leak nothing under the root shows: an unlinked file still open.
  const std::string hidden = root + "/hidden";
  const int fd = open(hidden.c_str(), O_CREAT | O_RDWR, 0600);
  ASSERT_GE(fd, 0);
  std::vector<uint8_t> block(1 << 20);
  FillData(1, 0, block.data(), block.size());
  for (int i = 0; i < 32; ++i) ASSERT_EQ(write(fd, block.data(), block.size()), static_cast<ssize_t>(block.size()));
  unlink(hidden.c_str());
  EXPECT_EQ(RunCli(check + std::to_string(baseline), &out), 3) << out;
  EXPECT_NE(out.find("space.leak"), std::string::npos) << out;
  close(fd);
  EXPECT_EQ(RunCli(check + std::to_string(baseline), &out), 0) << out;
  EXPECT_EQ(RunCli(absl::StrCat("workload space-check --root ", root, " --baseline-free 1 --slack lots"), &out, true), 2);
}

}  // namespace
}  // namespace flashfault::oracle

// The control filesystem mounted for real (FUSE in a temp dir) over a fake
// ControlTarget, used with ordinary file I/O: every node reads, scripts are
// replaced or refused with the message readable, commands reach the
// target, modes are owner-only, and Stop() leaves no mount behind.
#include "harness/control/control_fs.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atomic>
#include <filesystem>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/control/server_nodes.h"
#include "nlohmann/json.hpp"
#include "tests/control/control_test_util.h"

namespace flashfault::control {
namespace {

namespace fs = std::filesystem;
using control_test::IsMounted;
using control_test::ReadFile;
using control_test::RequireFuse;
using control_test::Slurp;
using control_test::WriteFile;

// Called on the FUSE thread while the test thread inspects it: atomics and
// a mutex, no plain shared fields.
class FakeTarget final : public ControlTarget {
 public:
  absl::StatusOr<nlohmann::ordered_json> Geometry() override {
    return nlohmann::ordered_json{{"name", "fake"}, {"block_count", 3}};
  }
  absl::StatusOr<nlohmann::ordered_json> Stats() override {
    return nlohmann::ordered_json{{"stats_calls", ++stats_calls}};
  }
  absl::StatusOr<std::vector<uint64_t>> EraseCounts() override {
    return std::vector<uint64_t>{3, 0, 7};
  }
  absl::StatusOr<std::vector<uint32_t>> BadBlocks() override { return std::vector<uint32_t>{2}; }
  absl::StatusOr<DeviceMap> MapByMeaning() override {
    return DeviceMap{"format: ubi\n", nlohmann::ordered_json{{"format", "ubi"}, {"maps", ++map_calls}}};
  }
  absl::StatusOr<std::string> Script() override {
    std::lock_guard<std::mutex> l(mu);
    return script;
  }
  // Fake validation: a JSON object with a "faults" array.
  absl::Status ReplaceScript(absl::string_view json) override {
    nlohmann::json j = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
    if (j.is_discarded()) return absl::InvalidArgumentError("not JSON");
    if (!j.is_object() || !j.contains("faults") || !j["faults"].is_array()) {
      return absl::InvalidArgumentError("$.faults: missing or not an array");
    }
    std::lock_guard<std::mutex> l(mu);
    script = std::string(json);
    return absl::OkStatus();
  }
  absl::StatusOr<std::vector<std::string>> EventTail(size_t max_lines) override {
    std::vector<std::string> all;
    for (int i = 0; i < 1500; ++i) all.push_back(absl::StrCat("{\"op\":", i, "}"));
    return std::vector<std::string>(all.end() - std::min(max_lines, all.size()), all.end());
  }
  absl::Status PowerCut() override {
    if (powered_off.exchange(true)) return absl::FailedPreconditionError("power is already off");
    ++power_cuts;
    return absl::OkStatus();
  }
  absl::Status PowerOn() override {
    powered_off = false;
    ++power_ons;
    return absl::OkStatus();
  }
  absl::Status Snapshot(const std::string& path) override {
    std::lock_guard<std::mutex> l(mu);
    snapshots.push_back(path);
    return absl::OkStatus();
  }

  std::atomic<int> stats_calls{0}, power_cuts{0}, power_ons{0}, map_calls{0};
  std::atomic<bool> powered_off{false};
  std::mutex mu;
  std::string script = "{\"faults\": []}\n";
  std::vector<std::string> snapshots;
};

class ControlFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RequireFuse();
    base_ = fs::temp_directory_path() / absl::StrCat("ff-control-", ::getpid(), "-",
                                                     ::testing::UnitTest::GetInstance()
                                                         ->current_test_info()
                                                         ->name());
    fs::remove_all(base_);
    dir_ = (base_ / "ctl").string();  // does not exist yet: Mount creates it
    absl::StatusOr<std::unique_ptr<ControlFs>> m =
        ControlFs::Mount(dir_, BuildServerNodes(target_, dir_));
    ASSERT_TRUE(m.ok()) << m.status();
    cfs_ = std::move(*m);
  }
  void TearDown() override {
    if (cfs_) cfs_->Stop();
    fs::remove_all(base_);
  }
  std::string P(const std::string& name) const { return dir_ + "/" + name; }

  FakeTarget target_;
  fs::path base_;
  std::string dir_;
  std::unique_ptr<ControlFs> cfs_;
};

TEST_F(ControlFsTest, EveryNodeReadsWithPlainFileIo) {
  EXPECT_TRUE(IsMounted(dir_));
  EXPECT_EQ(Slurp(P("about")).rfind(kAboutFirstLine, 0), 0u);
  nlohmann::json g = nlohmann::json::parse(Slurp(P("geometry")));
  EXPECT_EQ(g["name"], "fake");
  nlohmann::json s = nlohmann::json::parse(Slurp(P("stats.json")));
  EXPECT_EQ(s["stats_calls"], 1);
  EXPECT_EQ(Slurp(P("blocks/erase_counts")), "0 3\n1 0\n2 7\n");
  EXPECT_EQ(Slurp(P("blocks/bad")), "2\n");
  EXPECT_EQ(Slurp(P("script")), "{\"faults\": []}\n");
  const std::string events = Slurp(P("events"));
  EXPECT_EQ(std::count(events.begin(), events.end(), '\n'), static_cast<long>(kEventTailLines));
  EXPECT_EQ(events.substr(events.size() - 12), "{\"op\":1499}\n");
  EXPECT_EQ(Slurp(P(kLastErrorFile)), "");
  // The listing is the node set, nothing more.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"about", "blocks", "commands", "events", "geometry",
                                             "last_error", "map", "map.json", "script",
                                             "stats.json"}));
  EXPECT_EQ(Slurp(P("map")), "format: ubi\n");
  EXPECT_EQ(nlohmann::json::parse(Slurp(P("map.json")))["format"], "ubi");
}

TEST_F(ControlFsTest, EachOpenSeesItsOwnSnapshot) {
  const int a = ::open(P("stats.json").c_str(), O_RDONLY);
  const int b = ::open(P("stats.json").c_str(), O_RDONLY);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  // Byte-by-byte reads of the first open still see the first snapshot.
  std::string first;
  char c;
  while (::read(a, &c, 1) == 1) first.push_back(c);
  std::string second(4096, '\0');
  second.resize(static_cast<size_t>(std::max<ssize_t>(0, ::read(b, second.data(), 4096))));
  ::close(a);
  ::close(b);
  EXPECT_EQ(nlohmann::json::parse(first)["stats_calls"], 1);
  EXPECT_EQ(nlohmann::json::parse(second)["stats_calls"], 2);
  // pread at an offset works too (the snapshot is seekable).
  const int d = ::open(P("blocks/erase_counts").c_str(), O_RDONLY);
  char buf[4] = {};
  EXPECT_EQ(::pread(d, buf, 3, 4), 3);
  ::close(d);
  EXPECT_EQ(std::string(buf), "1 0");
}

TEST_F(ControlFsTest, ValidScriptReplacesInvalidIsRefusedAndOldStays) {
  const std::string valid = "{\"faults\": [{\"kind\": \"power_cut\"}]}\n";
  EXPECT_EQ(WriteFile(P("script"), valid), 0);
  EXPECT_EQ(Slurp(P("script")), valid);

  EXPECT_EQ(WriteFile(P("script"), "{\"faults\": 3}"), EINVAL);
  EXPECT_EQ(Slurp(P(kLastErrorFile)), "script: $.faults: missing or not an array\n");
  EXPECT_EQ(Slurp(P("script")), valid);
  EXPECT_EQ(WriteFile(P("script"), "not json"), EINVAL);
  EXPECT_EQ(Slurp(P(kLastErrorFile)), "script: not JSON\n");
  EXPECT_EQ(Slurp(P("script")), valid);
}

TEST_F(ControlFsTest, LargeScriptWrittenInChunksArrivesWhole) {
  std::string big = "{\"faults\": [], \"pad\": \"" + std::string(300000, 'x') + "\"}";
  EXPECT_EQ(WriteFile(P("script"), big, 4096), 0);
  EXPECT_EQ(Slurp(P("script")), big);
}

TEST_F(ControlFsTest, CommandsReachTheTargetAndRefusalsFailTheWrite) {
  EXPECT_EQ(WriteFile(P("commands/power_cut"), "1\n"), 0);
  EXPECT_EQ(target_.power_cuts, 1);
  // The target refuses a second cut: the write() itself fails.
  EXPECT_EQ(WriteFile(P("commands/power_cut"), "1\n"), EINVAL);
  EXPECT_EQ(Slurp(P(kLastErrorFile)), "commands/power_cut: power is already off\n");
  EXPECT_EQ(target_.power_cuts, 1);
  EXPECT_EQ(WriteFile(P("commands/power_on"), "1\n"), 0);
  EXPECT_EQ(target_.power_ons, 1);
  EXPECT_FALSE(target_.powered_off);

  const std::string snap = (base_ / "snap.bin").string();
  EXPECT_EQ(WriteFile(P("commands/snapshot"), snap + "\n"), 0);
  EXPECT_EQ(WriteFile(P("commands/snapshot"), "relative.bin"), EINVAL);
  EXPECT_NE(Slurp(P(kLastErrorFile)).find("relative"), std::string::npos);
  EXPECT_EQ(WriteFile(P("commands/snapshot"), dir_ + "/blocks/../x.bin"), EINVAL);
  EXPECT_NE(Slurp(P(kLastErrorFile)).find("inside the control directory"), std::string::npos);
  std::lock_guard<std::mutex> l(target_.mu);
  EXPECT_EQ(target_.snapshots, std::vector<std::string>{snap});
}

TEST_F(ControlFsTest, ModesAreOwnerOnlyAndEnforced) {
  struct stat st;
  auto mode = [&](const std::string& name) {
    EXPECT_EQ(::stat(P(name).c_str(), &st), 0) << name;
    EXPECT_EQ(st.st_uid, ::geteuid());
    return st.st_mode;
  };
  EXPECT_EQ(mode(""), S_IFDIR | 0700);
  EXPECT_EQ(mode("commands"), S_IFDIR | 0700);
  EXPECT_EQ(mode("stats.json"), S_IFREG | 0400);
  EXPECT_EQ(mode("script"), S_IFREG | 0600);
  EXPECT_EQ(mode("commands/snapshot"), S_IFREG | 0200);
  EXPECT_EQ(mode(kLastErrorFile), S_IFREG | 0400);

  // The handlers refuse what the modes do not allow, even to root.
  int err = 0;
  std::string s;
  EXPECT_EQ(ReadFile(P("commands/power_cut"), &s, &err), -1);
  EXPECT_EQ(err, EACCES);
  EXPECT_EQ(WriteFile(P("stats.json"), "x"), EACCES);
  EXPECT_EQ(::open(P("new").c_str(), O_CREAT | O_WRONLY, 0600), -1);
  EXPECT_EQ(::unlink(P("script").c_str()), -1);
  EXPECT_EQ(::chmod(P("script").c_str(), 0666), -1);
  EXPECT_EQ(target_.power_cuts, 0);

  // Another uid gets nothing at all.
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(2);
    struct stat other;
    const bool denied = ::stat(P("stats.json").c_str(), &other) != 0 &&
                        (errno == EACCES || errno == EPERM);
    ::_exit(denied ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: another uid could stat a file; 2: could not drop privileges";
}

TEST_F(ControlFsTest, StopUnmountsAndIsIdempotent) {
  ASSERT_TRUE(IsMounted(dir_));
  // An open file does not keep the mount alive after Stop().
  const int fd = ::open(P("about").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  cfs_->Stop();
  EXPECT_FALSE(IsMounted(dir_));
  cfs_->Stop();
  char c;
  EXPECT_EQ(::read(fd, &c, 1), -1);
  ::close(fd);
  EXPECT_TRUE(fs::is_directory(dir_));
  EXPECT_TRUE(fs::is_empty(dir_));
}

TEST_F(ControlFsTest, RefusesANonEmptyDirectoryAndBadNodeSets) {
  cfs_->Stop();
  const std::string busy = (base_ / "busy").string();
  fs::create_directories(busy + "/x");
  auto m = ControlFs::Mount(busy, BuildServerNodes(target_, busy));
  EXPECT_TRUE(absl::IsInvalidArgument(m.status())) << m.status();
  EXPECT_NE(m.status().message().find("not empty"), absl::string_view::npos);
  EXPECT_FALSE(IsMounted(busy));

  auto text = []() -> absl::StatusOr<std::string> { return std::string("x"); };
  using A = ControlNode::Access;
  const std::string fresh = (base_ / "fresh").string();
  for (std::vector<ControlNode> nodes : {
           std::vector<ControlNode>{{"a", A::kReadOnly, text, nullptr},
                                    {"a", A::kReadOnly, text, nullptr}},
           std::vector<ControlNode>{{"a", A::kReadOnly, text, nullptr},
                                    {"a/b", A::kReadOnly, text, nullptr}},
           std::vector<ControlNode>{{"../a", A::kReadOnly, text, nullptr}},
           std::vector<ControlNode>{{"/a", A::kReadOnly, text, nullptr}},
           std::vector<ControlNode>{{"a", A::kReadWrite, text, nullptr}},
           std::vector<ControlNode>{{kLastErrorFile, A::kReadOnly, text, nullptr}},
       }) {
    auto bad = ControlFs::Mount(fresh, std::move(nodes));
    EXPECT_TRUE(absl::IsInvalidArgument(bad.status())) << bad.status();
    EXPECT_FALSE(IsMounted(fresh));
  }
}

TEST_F(ControlFsTest, AFailingReadFailsTheOpenWithItsMessage) {
  cfs_->Stop();
  const std::string d = (base_ / "failing").string();
  auto m = ControlFs::Mount(
      d, {{"broken", ControlNode::Access::kReadOnly,
           []() -> absl::StatusOr<std::string> { return absl::UnavailableError("no power"); },
           nullptr}});
  ASSERT_TRUE(m.ok()) << m.status();
  std::string s;
  int err = 0;
  EXPECT_EQ(ReadFile(d + "/broken", &s, &err), -1);
  EXPECT_EQ(err, EIO);
  EXPECT_EQ(Slurp(d + "/" + kLastErrorFile), "broken: no power\n");
}

TEST_F(ControlFsTest, ARemountReplacesTheStaleMountOfAKilledServer) {
  cfs_->Stop();
  const std::string d = (base_ / "stale").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    auto m = ControlFs::Mount(d, BuildServerNodes(target_, d));
    if (!m.ok()) ::_exit(1);
    ::raise(SIGKILL);  // dies with the mount in place
    ::_exit(2);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the child could not mount";
  ASSERT_TRUE(IsMounted(d));
  auto m = ControlFs::Mount(d, BuildServerNodes(target_, d));
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(Slurp(d + "/blocks/bad"), "2\n");
  (*m)->Stop();
  EXPECT_FALSE(IsMounted(d));
}

}  // namespace
}  // namespace flashfault::control

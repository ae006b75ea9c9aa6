// The real `flashfault serve --image` process, driven by the fake kernel over
// an inherited socket: no acknowledged write is lost across a restart,
// whether the server is stopped with SIGTERM or killed after a SYNC.
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "backends/image/flash_image.h"
#include "gtest/gtest.h"
#include "tests/protocol/fake_kernel.h"

namespace flashfault::protocol_test {
namespace {

namespace fs = std::filesystem;
constexpr uint32_t kInband = 1;
constexpr uint64_t kPage = 2048;

class ServeRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ff-serve-restart-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    image_ = (dir_ / "nand.img").string();
    ASSERT_EQ(Run({FF_FLASHFAULT_BIN, "image", "create", "--preset", "slc-2k-64m", image_}), 0);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static int Run(std::vector<std::string> argv) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  // Starts `serve --image` on one end of a socketpair; returns the kernel end.
  std::unique_ptr<FakeKernel> Start() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return nullptr;
    server_ = ::fork();
    if (server_ == 0) {
      ::dup2(sv[1], 3);  // dup2 clears close-on-exec on the copy
      std::string bin = FF_FLASHFAULT_BIN;
      ::execl(bin.c_str(), bin.c_str(), "serve", "--image", image_.c_str(), "--fd", "3",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(sv[1]);
    kernel_fd_ = sv[0];
    auto k = std::make_unique<FakeKernel>(sv[0]);
    InitReply init = k->Init();
    EXPECT_EQ(init.error, 0);
    return k;
  }

  int Stop(int sig) {
    ::kill(server_, sig);
    int status = 0;
    ::waitpid(server_, &status, 0);
    ::close(kernel_fd_);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  fs::path dir_;
  std::string image_;
  pid_t server_ = -1;
  int kernel_fd_ = -1;
};

TEST_F(ServeRestartTest, SyncedWriteSurvivesSigkill) {
  auto k = Start();
  ASSERT_NE(k, nullptr);
  ASSERT_EQ(k->Erase(0, 64 * kPage), 0);
  ASSERT_EQ(k->Write(0, std::vector<uint8_t>(kPage, 0x42), kInband).error, 0);
  ASSERT_EQ(k->Sync(), 0);
  EXPECT_EQ(Stop(SIGKILL), 128 + SIGKILL);
  // The erase count reached the metadata file with the SYNC, before the kill.
  absl::StatusOr<ImageInfo> info = ReadImageInfo(image_);
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->blocks[0].erases, 1u);

  k = Start();
  IoReply r = k->Read(0, kPage, kInband);
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.data, std::vector<uint8_t>(kPage, 0x42));
  EXPECT_EQ(Stop(SIGTERM), 0);
  EXPECT_EQ(Run({FF_FLASHFAULT_BIN, "image", "info", image_}), 0);
}

TEST_F(ServeRestartTest, SigtermPersistsEverythingAcknowledged) {
  auto k = Start();
  ASSERT_NE(k, nullptr);
  ASSERT_EQ(k->Write(5 * kPage, std::vector<uint8_t>(kPage, 0x17), kInband).error, 0);
  ASSERT_EQ(k->MarkBad(64 * kPage * 9), 0);
  EXPECT_EQ(Stop(SIGTERM), 0);

  k = Start();
  IoReply r = k->Read(5 * kPage, kPage, kInband);
  ASSERT_EQ(r.error, 0);
  EXPECT_EQ(r.data, std::vector<uint8_t>(kPage, 0x17));
  EXPECT_EQ(k->IsBad(64 * kPage * 9).second, 1u);
  EXPECT_EQ(k->IsBad(64 * kPage * 8).second, 0u);
  EXPECT_EQ(Stop(SIGTERM), 0);
}

// `serve --events` on a RAM device writes a replayable log: after SIGTERM,
// `flashfault replay` rebuilds the state and checks it against the logged
// hashes, and `flashfault log` tells the story, faults included.
TEST_F(ServeRestartTest, EventLogOfAServedRunReplays) {
  const std::string log = (dir_ / "events.jsonl").string();
  const std::string script = (dir_ / "noise.json").string();
  {
    std::ofstream(script) << R"({"seed": 11, "faults": [{"id": "noise", "kind": "read_bitflip",
        "where": {"blocks": 1}, "when": {"ops": ["read"], "probability": 0.5}, "flips": 2}]})";
  }
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  server_ = ::fork();
  if (server_ == 0) {
    ::dup2(sv[1], 3);
    ::execl(FF_FLASHFAULT_BIN, FF_FLASHFAULT_BIN, "serve", "--preset", "slc-2k-64m", "--fd", "3",
            "--script", script.c_str(), "--events", log.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(sv[1]);
  kernel_fd_ = sv[0];
  FakeKernel k(sv[0]);
  ASSERT_EQ(k.Init().error, 0);
  const uint64_t block1 = 64 * kPage;
  ASSERT_EQ(k.Erase(block1, 64 * kPage), 0);
  for (uint64_t p = 0; p < 8; ++p) {
    ASSERT_EQ(k.Write(block1 + p * kPage, std::vector<uint8_t>(kPage, static_cast<uint8_t>(p)),
                      kInband).error, 0);
  }
  for (uint64_t p = 0; p < 8; ++p) {
    IoReply r = k.Read(block1 + p * kPage, kPage, kInband);
    ASSERT_EQ(r.error, 0);
    EXPECT_EQ(r.data, std::vector<uint8_t>(kPage, static_cast<uint8_t>(p)));  // corrected
  }
  EXPECT_EQ(Stop(SIGTERM), 0);
  EXPECT_EQ(Run({FF_FLASHFAULT_BIN, "replay", log, "--until", "17"}), 0);
  EXPECT_EQ(Run({FF_FLASHFAULT_BIN, "log", log, "--faults-only"}), 0);
  // A tampered payload no longer matches the logged state hash: exit 3.
  {
    std::fstream data(log + ".data", std::ios::in | std::ios::out | std::ios::binary);
    data.seekp(100);
    data.put('\x42');
  }
  EXPECT_EQ(Run({FF_FLASHFAULT_BIN, "replay", log, "--until", "17"}), 3);
}

// `serve --fault-stream` lets bytes decide the faults; --export-script writes
// the decisions as a script, and serving that script to the same requests
// gives the same answers, bit for bit.
TEST_F(ServeRestartTest, FaultStreamDecisionsExportAsAReproducingScript) {
  const std::string stream = (dir_ / "stream.bin").string();
  {
    std::ofstream out(stream, std::ios::binary);
    uint32_t x = 12345;
    for (int i = 0; i < 4096; ++i) {
      x = x * 1103515245 + 12345;
      out.put(static_cast<char>(x >> 24));
    }
  }
  const std::string exported = (dir_ / "exported.json").string();
  // The same requests each time; returns every reply's error, soft error
  // and data, so two runs can be compared as a whole.
  auto run = [&](std::vector<std::string> fault_args) {
    int sv[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    server_ = ::fork();
    if (server_ == 0) {
      ::dup2(sv[1], 3);
      std::vector<std::string> argv = {FF_FLASHFAULT_BIN, "serve", "--preset", "slc-2k-64m",
                                       "--fd", "3"};
      argv.insert(argv.end(), fault_args.begin(), fault_args.end());
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
    ::close(sv[1]);
    kernel_fd_ = sv[0];
    FakeKernel k(sv[0]);
    EXPECT_EQ(k.Init().error, 0);
    std::vector<std::string> answers;
    for (uint64_t b = 0; b < 4; ++b) {
      answers.push_back(std::to_string(k.Erase(b * 64 * kPage, 64 * kPage)));
      for (uint64_t p = 0; p < 6; ++p) {
        IoReply w = k.Write((b * 64 + p) * kPage, std::vector<uint8_t>(kPage, 0x0F), kInband);
        answers.push_back(absl::StrCat("w", w.error, "/", w.soft_error));
        IoReply r = k.Read((b * 64 + p) * kPage, kPage, kInband);
        answers.push_back(absl::StrCat("r", r.error, "/", r.soft_error, "/",
                                       std::string(r.data.begin(), r.data.end())));
      }
    }
    EXPECT_EQ(Stop(SIGTERM), 0);
    return answers;
  };
  const auto streamed = run({"--fault-stream", stream, "--export-script", exported});
  ASSERT_TRUE(fs::exists(exported));
  EXPECT_EQ(Run({FF_FLASHFAULT_BIN, "script", "check", exported, "--preset", "slc-2k-64m"}), 0);
  const auto scripted = run({"--script", exported});
  EXPECT_EQ(streamed, scripted);
  // The stream did inject something, or the comparison proves nothing.
  std::ifstream in(exported);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("\"kind\""), std::string::npos) << text;
}

}  // namespace
}  // namespace flashfault::protocol_test

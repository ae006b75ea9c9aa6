// Unit tests of the kernel-log evidence (harness/campaign/kernel_log.h,
// log_classifier.h, harness/vm/classify-dmesg.sh): the streamed records are
// parsed with their sequence numbers, gaps are found, slices are cut by
// marker records; the one classifier counts every failure signal on real
// kernel log lines of each kind (tests/unit/kernel_log_samples/, written in
// the formats of Debian's 6.1 kernel), under the host's awk and busybox awk
// (the guest's); a scenario fails by default on an assert in its log.
// Must not: boot a guest (tests/e2e/kernel_log_flood.sh does).
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "harness/campaign/kernel_log.h"
#include "harness/campaign/log_classifier.h"
#include "harness/campaign/scenario.h"
#include "harness/campaign/scenario_log.h"
#include "harness/campaign/verdict.h"

namespace flashfault::campaign {
namespace {

namespace fs = std::filesystem;

const std::string kClassifier = std::string(FF_SOURCE_DIR) + "/harness/vm/classify-dmesg.sh";
const std::string kSamples = std::string(FF_SOURCE_DIR) + "/tests/unit/kernel_log_samples/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(KernelLogTest, ParsesRecordsRepeatsGapsAndEscapes) {
  const std::string text =
      "6,0,0,-;Linux version 6.1.0\n"
      "6,1,1500,-;second\r\n"
      " SUBSYSTEM=virtio\n"
      " DEVICE=+virtio:virtio0\n"
      "6,1,1500,-;second\n"        // the reader reopened /dev/kmsg: kept once
      "garbage without a prefix\n"
      "4,4,2000001,-;a\\x09tab, a \\x5c backslash\\x0aand a second line\n"
      "14,5,3000000,-;flashfault: slice s begin\n";
  const KernelLog log = ParseKmsg(text);
  ASSERT_EQ(log.records.size(), 4u);
  EXPECT_EQ(log.malformed, 1u);
  ASSERT_EQ(log.gaps.size(), 1u);
  EXPECT_EQ(log.gaps[0].first, 2u);
  EXPECT_EQ(log.gaps[0].last, 3u);
  EXPECT_EQ(log.lost(), 2u);
  EXPECT_EQ(log.records[1].text, "second");
  EXPECT_EQ(log.records[2].text, "a\ttab, a \\ backslash\nand a second line");
  EXPECT_EQ(log.records[2].level, 4);
  EXPECT_EQ(log.records[3].facility, 1);
  EXPECT_EQ(log.records[3].level, 6);
  EXPECT_EQ(RenderDmesg(std::span(log.records).subspan(1, 2)),
            "[    0.001500] second\n"
            "[    2.000001] a\ttab, a \\ backslash\n"
            "[    2.000001] and a second line\n");
  // The kernel's first record is seq 0: a stream that starts later lost the ones before.
  EXPECT_EQ(ParseKmsg("6,7,0,-;late start\n").lost(), 7u);
}

// A kmsg.log of records 0.. with `texts`; markers ("@name begin") are user records.
std::string Kmsg(const std::vector<std::string>& texts, uint64_t skip_from = 0, uint64_t skip_to = 0) {
  std::string out;
  uint64_t seq = 0;
  for (const std::string& t : texts) {
    if (seq == skip_from && skip_to > skip_from) seq = skip_to;
    const bool marker = t.rfind("@", 0) == 0;
    absl::StrAppend(&out, marker ? 14 : 3, ",", seq, ",", seq * 1000, ",-;",
                    marker ? absl::StrCat("flashfault: slice ", t.substr(1)) : t, "\n");
    ++seq;
  }
  return out;
}

TEST(KernelLogTest, SlicesByMarkerRecordsAndCountsWhatWasLost) {
  const std::vector<std::string> texts = {
      "boot",          "@scenario.0 begin", "ubi0 error: a", "@scenario.0 end",
      "between",       "@scenario.1 begin", "flood 1",       "flood 2",
      "flood 3",       "flood 4",           "last one",      "@scenario.1 end",
      "@scenario.2 begin", "died here"};
  // After "flood 1" (seq 6) the numbers jump to 10: records 7..9 were lost.
  const KernelLog log = ParseKmsg(Kmsg(texts, 7, 10));
  EXPECT_EQ(log.lost(), 3u);

  const LogSlice a = Slice(log, "scenario.0");
  EXPECT_TRUE(a.found && a.complete);
  EXPECT_EQ(a.dropped, 0u);
  ASSERT_EQ(a.records.size(), 1u);
  EXPECT_EQ(a.records[0].text, "ubi0 error: a");

  const LogSlice b = Slice(log, "scenario.1");
  EXPECT_TRUE(b.found && b.complete);
  EXPECT_EQ(b.dropped, 3u);
  EXPECT_EQ(RenderDmesg(b.records).find("flood 1"), 15u);  // the first line after the marker

  const LogSlice c = Slice(log, "scenario.2");
  EXPECT_TRUE(c.found);
  EXPECT_FALSE(c.complete);
  ASSERT_EQ(c.records.size(), 1u);
  EXPECT_EQ(c.records[0].text, "died here");
  EXPECT_EQ(c.dropped, 0u);

  const LogSlice d = Slice(log, "scenario.3");
  EXPECT_FALSE(d.found);
  EXPECT_EQ(d.dropped, 3u);  // its begin marker may be among the lost records

  // A kernel message cannot open a slice: markers are userspace records only.
  const KernelLog fake = ParseKmsg("6,0,0,-;flashfault: slice x begin\n6,1,0,-;oops\n");
  EXPECT_FALSE(Slice(fake, "x").found);
  EXPECT_EQ(SliceMarker("crash.17", false), "flashfault: slice crash.17 end");
}

TEST(ScenarioLogTest, EachScenarioGetsItsSliceClassifiedAndLossIsAProblem) {
  const KernelLog log = ParseKmsg(Kmsg({"boot", "@scenario.0 begin", "UBI assert failed in ubi_io_read at 122 (pid 87)",
                                        "@scenario.0 end", "@scenario.1 begin", "ubi0 error: x",
                                        "lost after this", "ubi0 error: y", "@scenario.1 end"},
                                       7, 9));
  absl::StatusOr<ScenarioKernelLog> a = ScenarioLog(log, 0, kClassifier);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->classification.counts.at("ubi_assert"), 1);
  EXPECT_EQ(a->classification.counts.at("ubi_errors"), 0);
  EXPECT_EQ(KernelLogProblem(*a), "");
  const nlohmann::ordered_json j = ScenarioLogToJson(*a, "dmesg.log");
  EXPECT_EQ(j["records"], 1);
  EXPECT_EQ(j["first"]["ubi_assert"]["line"], "UBI assert failed in ubi_io_read at 122 (pid 87)");

  absl::StatusOr<ScenarioKernelLog> b = ScenarioLog(log, 1, kClassifier);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->classification.counts.at("ubi_errors"), 2);
  EXPECT_EQ(b->classification.counts.at("ubi_assert"), 0);
  EXPECT_EQ(KernelLogProblem(*b).rfind("2 kernel log records of this scenario were lost", 0), 0u)
      << KernelLogProblem(*b);
}

TEST(ClassifierTest, KindsMatchTheScript) {
  std::FILE* p = popen(("sh " + kClassifier + " --kinds").c_str(), "r");
  ASSERT_NE(p, nullptr);
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof(buf), p) != nullptr) out += buf;
  ASSERT_EQ(pclose(p), 0);
  std::string want;
  for (const std::string& k : BugKinds()) absl::StrAppend(&want, k, " bug\n");
  for (const std::string& k : ErrorKinds()) absl::StrAppend(&want, k, " error\n");
  EXPECT_EQ(out, want);
}

struct Sample {
  std::string file;
  std::map<std::string, int64_t> counts;  // every other kind must be 0
  std::string first_kind, first_line;     // that kind's first line starts with this
  std::string in_trace;                   // and its trace holds a line containing this
};

const std::vector<Sample>& Samples() {
  static const std::vector<Sample> k = {
      {"ubi_assert.log", {{"ubi_assert", 1}, {"ubi_errors", 1}}, "ubi_assert",
       "UBI assert failed in ubi_io_read at 122", "ubi_io_read+0x2c1/0x300 [ubi]"},
      {"ubifs_assert.log", {{"ubifs_assert", 1}, {"ubifs_errors", 1}}, "ubifs_assert",
       "UBIFS error (ubi0:0 pid 102): ubifs_assert_failed: UBIFS assert failed",
       "ubifs_log_start_commit"},
      {"oops.log", {{"oops", 1}}, "oops", "BUG: kernel NULL pointer dereference", "ubi_detach_mtd_dev"},
      {"gpf.log", {{"gpf", 1}}, "gpf", "general protection fault, probably", "erase_worker"},
      {"kernel_bug.log", {{"kernel_bug", 1}}, "kernel_bug", "kernel BUG at fs/ubifs/journal.c:1389!",
       "ubifs_setattr"},
      {"bug.log", {{"bug", 1}}, "bug", "BUG: sleeping function called from invalid context",
       "mutex_lock"},
      {"warning.log", {{"warning", 1}}, "warning", "WARNING: CPU: 1 PID: 95 at drivers/mtd/ubi/wl.c",
       "ubi_thread"},
      {"kasan.log", {{"kasan", 1}}, "kasan", "BUG: KASAN: use-after-free in ubi_eba_read_leb",
       "kasan_report"},
      {"ubsan.log", {{"ubsan", 1}}, "ubsan", "UBSAN: shift-out-of-bounds in drivers/mtd/ubi/build.c",
       "__ubsan_handle_shift_out_of_bounds"},
      {"list_corruption.log", {{"list_corruption", 1}}, "list_corruption",
       "list_del corruption, ffff9e4a03b5e1c8->next is LIST_POISON1", "wear_leveling_worker"},
      {"hung_task.log", {{"hung_task", 2}}, "hung_task", "INFO: task ubiattach:87 blocked for more than 30",
       "muse_wait_reply"},
      {"soft_lockup.log", {{"soft_lockup", 1}}, "soft_lockup", "watchdog: BUG: soft lockup - CPU#1",
       "ubi_eba_write_leb"},
      {"rcu_stall.log", {{"rcu_stall", 1}}, "rcu_stall", "rcu: INFO: rcu_preempt detected stalls",
       "default_idle_call"},
      {"panic.log", {{"panic", 1}}, "panic", "Kernel panic - not syncing: Attempted to kill init!",
       "do_exit.cold"},
      {"unattributed_trace.log", {{"unattributed_trace", 2}}, "unattributed_trace",
       "dd: page allocation failure: order:5", "warn_alloc"},
      // Error handling, not bugs: the stack a driver dumps after its own message is that message's.
      {"ubi_write_error.log", {{"ubi_errors", 3}, {"ubifs_errors", 1}}, "ubi_errors",
       "ubi0 error: ubi_io_write: error -5 while writing 2048 bytes to PEB 512:6144", "ubi_io_write+0x42a"},
      // 6.12's dump_stack: "CPU: N UID: N PID:" and a "Tainted: [O]=..." legend line.
      {"ubi_write_error_612.log", {{"ubi_errors", 1}}, "ubi_errors",
       "ubi0 error: ubi_io_write [ubi]: cannot write 2048 bytes to PEB 374:51200 (emulated)",
       "ubi_io_write+0x465"},
      // UBIFS's debug dump ("(pid N) dumping pnode:") between its error and its stack.
      {"ubifs_pnode_error.log", {{"ubifs_errors", 3}}, "ubifs_errors",
       "UBIFS error (ubi0:0 pid 2563): ubifs_leb_read [ubifs]: reading 2048 bytes", ""},
      // UBIFS turning read-only from the flush worker, the "(flush-ubifs_0_0)" of its
      // "Workqueue:" line split off by another CPU's printk: still UBIFS's stack.
      {"ubifs_ro_split_workqueue.log", {{"ubifs_errors", 3}}, "ubifs_errors",
       "UBIFS error (ubi0:0 pid 131): ubifs_wbuf_write_nolock", ""},
      {"ubi_bad_ec_header.log", {{"ubi_errors", 2}}, "ubi_errors",
       "ubi0 error: validate_ec_hdr: bad VID header offset", ""},
      {"errors.log", {{"ubi_errors", 1}, {"ubifs_errors", 1}, {"jffs2_errors", 1}, {"mtd_errors", 1}},
       "mtd_errors", "mtdblock: error -5 while writing block 12", ""},
      {"interleaved.log", {{"ubi_errors", 2}}, "ubi_errors",
       "ubi0 error: ubi_io_write [ubi]: error -5 while writing 126976 bytes to PEB 261:2048", "ubi_io_write"},
      // A message of another CPU cutting a stack short, perf/hrtimer/clocksource interjections
      // before one: the stacks are still the UBI messages'; after "random:" one is nobody's.
      {"interjected.log", {{"ubi_errors", 3}, {"unattributed_trace", 1}}, "unattributed_trace",
       "random: crng init done", "process_one_work"},
      {"sysrq_blocked.log", {}, "", "", ""},
      {"clean.log", {}, "", "", ""},
  };
  return k;
}

void CheckSamples(const std::string& label) {
  for (const Sample& s : Samples()) {
    SCOPED_TRACE(absl::StrCat(label, ": ", s.file));
    absl::StatusOr<Classification> c = ClassifyText(ReadFile(kSamples + s.file), kClassifier);
    ASSERT_TRUE(c.ok()) << c.status();
    for (const auto& [kind, n] : c->counts) {
      auto it = s.counts.find(kind);
      EXPECT_EQ(n, it == s.counts.end() ? 0 : it->second) << kind;
    }
    if (s.first_kind.empty()) {
      EXPECT_TRUE(c->first.empty());
      continue;
    }
    ASSERT_EQ(c->first.count(s.first_kind), 1u);
    const LogSignal& sig = c->first.at(s.first_kind);
    EXPECT_EQ(sig.line.rfind(s.first_line, 0), 0u) << sig.line;
    if (!s.in_trace.empty()) {
      bool found = false;
      for (const std::string& t : sig.trace) found = found || t.find(s.in_trace) != std::string::npos;
      EXPECT_TRUE(found) << "no trace line with " << s.in_trace;
    }
  }
}

TEST(ClassifierTest, EverySignalOnRealLogLines) {
  // Every sample in the folder is in the table, so none is silently skipped.
  size_t files = 0;
  for (const auto& e : fs::directory_iterator(kSamples)) files += e.path().extension() == ".log";
  EXPECT_EQ(files, Samples().size());
  CheckSamples("host awk");
}

TEST(ClassifierTest, BusyboxAwkAgrees) {
  // The guest classifies with busybox awk: the same samples, the same answers.
  const char* bb = "/bin/busybox";
  if (!fs::exists(bb)) GTEST_SKIP() << "no " << bb;
  const fs::path dir = fs::temp_directory_path() / absl::StrCat("ff-bbawk-", getpid());
  fs::create_directories(dir);
  fs::create_symlink(bb, dir / "awk");
  const std::string old_path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  setenv("PATH", absl::StrCat(dir.string(), ":", old_path).c_str(), 1);
  CheckSamples("busybox awk");
  setenv("PATH", old_path.c_str(), 1);
  fs::remove_all(dir);
}

TEST(ClassifierTest, AFloodKeepsItsFirstLine) {
  // A program-failure storm: thousands of UBI errors, each with its stack and hex dump.
  const std::string one = ReadFile(kSamples + "ubi_write_error.log");
  std::string flood = "[   60.000000] ubi0: attached mtd0\n";
  for (int i = 0; i < 2000; ++i) flood += one;
  absl::StatusOr<Classification> c = ClassifyText(flood, kClassifier);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->counts.at("ubi_errors"), 6000);
  EXPECT_EQ(c->counts.at("ubifs_errors"), 2000);
  EXPECT_EQ(c->bugs(), 0);
  EXPECT_EQ(c->first.at("ubi_errors").line,
            "ubi0 error: ubi_io_write: error -5 while writing 2048 bytes to PEB 512:6144, written 0 bytes");
}

TEST(VerdictTest, AnAssertInTheLogFailsByDefault) {
  // The scenario says nothing about the kernel log; its workload passed.
  const nlohmann::json j = {{"name", "t"}, {"geometry", "slc-2k-128m"}, {"workload", "ubi-attach"}};
  absl::StatusOr<Scenario> s = ParseScenario(j, "t.json");
  ASSERT_TRUE(s.ok()) << s.status();
  const std::string dmesg =
      "[   53.880012] UBI assert failed in ubi_io_read at 122 (pid 87)\n"
      "[   53.880019] CPU: 1 PID: 87 Comm: dd Tainted: G           OE      6.1.0-57-amd64 #1\n"
      "[   53.880024] Call Trace:\n"
      "[   53.880026]  <TASK>\n"
      "[   53.880029]  dump_stack_lvl+0x44/0x5c\n"
      "[   53.880037]  ubi_io_read+0x2c1/0x300 [ubi]\n"
      "[   53.880119]  </TASK>\n";
  absl::StatusOr<Classification> c = ClassifyText(dmesg, kClassifier);
  ASSERT_TRUE(c.ok()) << c.status();
  const std::string guest = "FFRUN workload_exit 0\nFFRUN server_exit 0\n";
  const Observations o = Observe(guest, dmesg, c->json);
  std::vector<std::string> failed;
  for (const Check& ch : Evaluate(*s, o, guest, dmesg)) {
    if (!ch.pass) failed.push_back(absl::StrCat(ch.name, " ", ch.actual));
  }
  EXPECT_EQ(failed, std::vector<std::string>{"kernel_log.ubi_assert 1"});

  // The same log without the assert passes: the default is about the signal, not the trace.
  absl::StatusOr<Classification> clean = ClassifyText("[    1.0] ubi0: attached mtd0\n", kClassifier);
  ASSERT_TRUE(clean.ok());
  for (const Check& ch : Evaluate(*s, Observe(guest, "", clean->json), guest, "")) {
    EXPECT_TRUE(ch.pass) << ch.name;
  }
}

}  // namespace
}  // namespace flashfault::campaign

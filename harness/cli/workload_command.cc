// `flashfault workload ...`: workloads with an oracle, the guest side of
// power-cut exploration (issue 15). Subcommands: list, show, exec, check,
// space, space-check, log-op, counter, data, rules. Each parses its flags
// and calls ff_oracle; nothing here decides what a crash state may hold.
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/atomic_file.h"
#include "common/json_load.h"
#include "harness/campaign/oracle/builtin_workloads.h"
#include "harness/campaign/oracle/content.h"
#include "harness/campaign/oracle/crash_rules.h"
#include "harness/campaign/oracle/executor.h"
#include "harness/campaign/oracle/op_log.h"
#include "harness/campaign/oracle/space_check.h"
#include "harness/campaign/oracle/tree_snapshot.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"

namespace flashfault::cli {
namespace {

using namespace flashfault::oracle;

constexpr char kUsage[] =
    "usage: flashfault workload COMMAND [ARGS...]\n\n"
    "Workloads with an oracle: run one on a mounted filesystem and log every op, then\n"
    "check what a power cut left against what the log allows.\n\ncommands:\n"
    "  list                 the built-in workloads\n"
    "  show NAME            a built-in workload as JSON (a start for your own)\n"
    "  exec                 run a workload, writing the op log (guest side)\n"
    "  check                check a mounted crash state against an op log and a cut\n"
    "  space                free bytes of a mounted filesystem (the space-check baseline)\n"
    "  space-check          remove everything, sync, compare free space with a baseline\n"
    "  log-op               append one op a shell workload did to an op log\n"
    "  counter              print the flash server's op counter\n"
    "  data                 write the bytes of a data seed to stdout (for shell workloads)\n"
    "  rules                the oracle's rule ids and their meaning\n\n"
    "Formats and rules: corpora/workloads/README.md and corpora/workloads/ORACLE.md.\n";

int Fail(const char* sub, const absl::Status& s, int code) {
  std::fprintf(stderr, "flashfault workload %s: %s\n", sub, std::string(s.message()).c_str());
  return code;
}

absl::StatusOr<Workload> LoadWorkload(const std::string& file, const std::string& builtin, uint64_t seed,
                                      uint64_t length) {
  if (file.empty() == builtin.empty()) {
    return absl::InvalidArgumentError("give exactly one of --workload FILE and --builtin NAME");
  }
  if (!builtin.empty()) return LoadBuiltinWorkload(builtin, seed, length);
  return LoadWorkloadFile(file);
}

int RunList(std::span<char* const> args) {
  ArgParser parser("flashfault workload list", "The built-in workloads, one a line: name and description.",
                   "  flashfault workload list");
  if (int rc = HandleParseResult(parser, parser.Parse(args), "workload list"); rc >= 0) return rc;
  for (const std::string& name : BuiltinWorkloadNames()) {
    absl::StatusOr<Workload> w = LoadBuiltinWorkload(name);
    if (!w.ok()) return Fail("list", w.status(), kExitFailure);
    std::printf("%-20s %s\n", name.c_str(), w->description.c_str());
  }
  return kExitOk;
}

int RunShow(std::span<char* const> args) {
  std::vector<std::string> pos;
  uint64_t seed = 1, length = 0;
  ArgParser parser("flashfault workload show NAME [--seed N] [--length N]",
                   "Print a built-in workload as JSON (for mix: the ops the seed and length give).",
                   "  flashfault workload show rename-atomicity\n  flashfault workload show mix --seed 7 --length 50");
  parser.SetPositional("NAME", 1, 1, &pos);
  parser.AddUint("seed", "N", "mix: the generator's seed (default 1)", &seed);
  parser.AddUint("length", "N", "mix: the number of ops (default 200)", &length);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "workload show"); rc >= 0) return rc;
  absl::StatusOr<Workload> w = LoadBuiltinWorkload(pos[0], seed, length);
  if (!w.ok()) return Fail("show", w.status(), kExitUsage);
  std::printf("%s\n", WorkloadToJson(*w).dump(2).c_str());
  return kExitOk;
}

int RunExec(std::span<char* const> args) {
  std::string file, builtin, root, log, ctl, assume;
  uint64_t seed = 1, length = 0;
  ArgParser parser(
      "flashfault workload exec (--workload FILE | --builtin NAME) [--seed N] [--length N] --root DIR "
      "--log OPS.jsonl [--ctl CTLDIR] [--assume-durable PATH[,PATH...]]",
      "Run a workload's ops with real syscalls under DIR (which must be empty) and write the op log: one "
      "JSON line per op with its return code, errno and, with --ctl, the flash server's op counter read "
      "right before and right after the syscall. A failing op is logged, not fatal. Exit 0 when every op "
      "ran (whatever it returned), 2 for bad input, 1 when the log or the counter cannot be written or read.",
      "  flashfault workload exec --builtin basic-durability --root /mnt --log /tmp/ops.jsonl --ctl /tmp/ff\n"
      "  flashfault workload exec --builtin mix --seed 3 --length 300 --root /mnt --log ops.jsonl");
  parser.AddString("workload", "FILE", "a workload file (corpora/workloads/README.md)", &file);
  parser.AddString("builtin", "NAME", "a built-in workload (see `flashfault workload list`)", &builtin);
  parser.AddUint("seed", "N", "mix: the generator's seed (default 1)", &seed);
  parser.AddUint("length", "N", "mix: the number of ops (default 200)", &length);
  parser.AddString("root", "DIR", "the mount root the workload's paths are relative to", &root);
  parser.AddString("log", "OPS.jsonl", "the op log to write", &log);
  parser.AddString("ctl", "CTLDIR", "the flash server's control directory (for the op counter)", &ctl);
  parser.AddString("assume-durable", "PATHS",
                   "planted failure: tell the oracle these paths are durable (comma-separated)", &assume);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "workload exec"); rc >= 0) return rc;
  if (root.empty() || log.empty()) return Fail("exec", absl::InvalidArgumentError("--root and --log are required"), kExitUsage);
  absl::StatusOr<Workload> w = LoadWorkload(file, builtin, seed, length);
  if (!w.ok()) return Fail("exec", w.status(), kExitUsage);
  for (absl::string_view p : absl::StrSplit(assume, ',', absl::SkipEmpty())) {
    const std::string path(p);
    if (absl::Status s = CheckRelativePath(path); !s.ok()) return Fail("exec", s, kExitUsage);
    w->oracle_assume_durable.push_back(path);
  }
  absl::StatusOr<ExecSummary> sum = ExecuteWorkload(*w, {root, log, ctl});
  if (!sum.ok()) return Fail("exec", sum.status(), absl::IsFailedPrecondition(sum.status()) ? kExitUsage : kExitFailure);
  std::fprintf(stderr, "flashfault workload exec: %s: %zu ops, %zu returned an error; log %s\n", w->name.c_str(),
               sum->ops, sum->failed, log.c_str());
  return kExitOk;
}

int RunCheck(std::span<char* const> args) {
  std::string log, cut_text, root, fs = "ubifs";
  bool json = false;
  ArgParser parser(
      "flashfault workload check --log OPS.jsonl --cut N|end --root DIR [--fs ubifs|jffs2] [--json]",
      "Walk DIR (a crash state, mounted) and check it against what the op log allows after a power cut at "
      "flash op N (ops with index < N happened); `end` means after the whole run. Prints one line per "
      "violation (rule, path, words; JSON lines with --json). Exit 0 clean, 3 violations, 2 bad input.",
      "  flashfault workload check --log /tmp/ops.jsonl --cut 1234 --root /mnt --fs ubifs\n"
      "  flashfault workload check --log ops.jsonl --cut end --root /mnt --json");
  parser.AddString("log", "OPS.jsonl", "the op log `workload exec` wrote", &log);
  parser.AddString("cut", "N|end", "the flash op counter at the cut, or end", &cut_text);
  parser.AddString("root", "DIR", "the mounted crash state", &root);
  parser.AddString("fs", "ubifs|jffs2", "the filesystem's profile (default ubifs; see ORACLE.md)", &fs);
  parser.AddBool("json", "violations as JSON lines", &json);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "workload check"); rc >= 0) return rc;
  if (log.empty() || cut_text.empty() || root.empty()) {
    return Fail("check", absl::InvalidArgumentError("--log, --cut and --root are required"), kExitUsage);
  }
  uint64_t cut = kCutEnd;
  if (cut_text != "end") {
    auto [end, ec] = std::from_chars(cut_text.data(), cut_text.data() + cut_text.size(), cut);
    if (ec != std::errc() || end != cut_text.data() + cut_text.size()) {
      return Fail("check", absl::InvalidArgumentError(absl::StrCat("--cut: expected a number or end, got '", cut_text, "'")), kExitUsage);
    }
  }
  absl::StatusOr<FsProfile> profile = ParseFsProfile(fs);
  if (!profile.ok()) return Fail("check", profile.status(), kExitUsage);
  absl::StatusOr<OpLog> ops = LoadOpLog(log);
  if (!ops.ok()) return Fail("check", ops.status(), kExitUsage);
  absl::StatusOr<OracleModel> oracle = OracleModel::Build(std::move(*ops), *profile);
  if (!oracle.ok()) return Fail("check", oracle.status(), kExitUsage);
  absl::StatusOr<TreeSnapshot> snap = WalkTree(root);
  if (!snap.ok()) return Fail("check", snap.status(), kExitUsage);
  const Expectations exp = oracle->ExpectAt(cut);
  const std::vector<Violation> found = Check(exp, *snap);
  for (const Violation& v : found) {
    if (json) {
      std::printf("%s\n", nlohmann::ordered_json({{"rule", v.rule}, {"path", v.path}, {"words", v.words}}).dump().c_str());
    } else {
      std::printf("%s %s: %s\n", v.rule.c_str(), v.path.c_str(), v.words.c_str());
    }
  }
  const size_t k = oracle->model().op_count();
  std::fprintf(stderr, "flashfault workload check: cut %s: %zu of %zu ops returned, %zu in flight; %zu names; %zu violation(s)\n",
               cut_text.c_str(), exp.returned_end, k, exp.possible_end - exp.returned_end, snap->entries.size(),
               found.size());
  return found.empty() ? kExitOk : kExitFound;
}

int RunSpace(std::span<char* const> args) {
  std::string root;
  ArgParser parser("flashfault workload space --root DIR",
                   "Print the free bytes statvfs reports for DIR's filesystem (f_bavail * f_frsize): on a fresh "
                   "filesystem, the baseline for `workload space-check`.",
                   "  flashfault workload space --root /mnt");
  parser.AddString("root", "DIR", "a directory on the filesystem", &root);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "workload space"); rc >= 0) return rc;
  if (root.empty()) return Fail("space", absl::InvalidArgumentError("--root is required"), kExitUsage);
  absl::StatusOr<SpaceFigures> f = FreeSpace(root);
  if (!f.ok()) return Fail("space", f.status(), kExitUsage);
  std::printf("%llu\n", static_cast<unsigned long long>(f->free_bytes));
  return kExitOk;
}

int RunSpaceCheck(std::span<char* const> args) {
  std::string root, slack_text;
  uint64_t baseline = UINT64_MAX;
  bool json = false;
  ArgParser parser(
      "flashfault workload space-check --root DIR --baseline-free BYTES [--slack BYTES|PCT] [--json]",
      "Remove every file and directory under DIR, sync, then compare the free space with BYTES (what "
      "`workload space` printed on a fresh filesystem of the same size). Exit 3 when more than the slack "
      "is missing or a name cannot be removed. Default slack: 1% of the baseline, at least 256 KiB "
      "(UBIFS dark space and index, JFFS2 deletion dirents: see ORACLE.md).",
      "  flashfault workload space-check --root /mnt --baseline-free 52690944\n"
      "  flashfault workload space-check --root /mnt --baseline-free 52690944 --slack 128k --json");
  parser.AddString("root", "DIR", "the mounted crash state (everything under it is removed)", &root);
  parser.AddUint("baseline-free", "BYTES", "free bytes of a fresh filesystem of this size", &baseline);
  parser.AddString("slack", "BYTES|PCT", "how much may be missing: 65536, 256k, 1m or 2%", &slack_text);
  parser.AddBool("json", "the figures as one JSON object", &json);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "workload space-check"); rc >= 0) return rc;
  if (root.empty() || baseline == UINT64_MAX) {
    return Fail("space-check", absl::InvalidArgumentError("--root and --baseline-free are required"), kExitUsage);
  }
  Slack slack = DefaultSlack();
  if (!slack_text.empty()) {
    absl::StatusOr<Slack> s = ParseSlack(slack_text);
    if (!s.ok()) return Fail("space-check", s.status(), kExitUsage);
    slack = *s;
  }
  absl::StatusOr<SpaceReport> r = SpaceCheck(root, baseline, slack);
  if (!r.ok()) return Fail("space-check", r.status(), kExitUsage);
  if (json) {
    std::printf("%s\n", nlohmann::ordered_json({{"ok", r->ok()}, {"baseline_free", r->baseline},
                                                {"free_after", r->free_after}, {"missing", r->missing},
                                                {"slack", r->slack}, {"removed", r->removed},
                                                {"errors", r->errors}}).dump().c_str());
  } else {
    for (const std::string& e : r->errors) std::printf("space.remove %s\n", e.c_str());
    std::printf("%s: baseline %llu free, %llu free after removing %zu name(s): %llu missing, slack %llu (%s)\n",
                r->ok() ? "ok" : (r->missing > r->slack ? "space.leak" : "space.remove"),
                static_cast<unsigned long long>(r->baseline), static_cast<unsigned long long>(r->free_after),
                r->removed, static_cast<unsigned long long>(r->missing), static_cast<unsigned long long>(r->slack),
                slack.ToString().c_str());
  }
  return r->ok() ? kExitOk : kExitFound;
}

int RunLogOp(std::span<char* const> args) {
  std::string log, op_text, name = "shell", ret_text;
  uint64_t err = 0, before = UINT64_MAX, after = UINT64_MAX;
  ArgParser parser(
      "flashfault workload log-op --log OPS.jsonl --op JSON --ret N [--errno E] [--flash-before N "
      "--flash-after N] [--workload-name NAME]",
      "Append one op a shell workload did to an op log (created with its header if missing), so "
      "`workload check` can judge it. JSON is the op as in a workload file; data a shell writes must "
      "come from `workload data` for the oracle to know it. Take --flash-before/--flash-after from "
      "`workload counter` right before and after the command.",
      "  b=$(flashfault workload counter --ctl $CTL); mv /mnt/a /mnt/b; rc=$?\n"
      "  flashfault workload log-op --log ops.jsonl --op '{\"op\":\"rename\",\"from\":\"a\",\"to\":\"b\"}' \\\n"
      "      --ret $rc --flash-before $b --flash-after $(flashfault workload counter --ctl $CTL)");
  parser.AddString("log", "OPS.jsonl", "the op log", &log);
  parser.AddString("op", "JSON", "the op, as in a workload file", &op_text);
  parser.AddString("ret", "N", "what the op returned (0 success, bytes for write/append, -1 failure)", &ret_text);
  parser.AddUint("errno", "E", "the errno when it failed (default 0; a nonzero exit status counts as EIO if omitted)", &err);
  parser.AddUint("flash-before", "N", "the flash op counter right before", &before);
  parser.AddUint("flash-after", "N", "the flash op counter right after", &after);
  parser.AddString("workload-name", "NAME", "the header's workload name for a new log (default shell)", &name);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "workload log-op"); rc >= 0) return rc;
  if (log.empty() || op_text.empty() || ret_text.empty()) {
    return Fail("log-op", absl::InvalidArgumentError("--log, --op and --ret are required"), kExitUsage);
  }
  LogRecord r;
  if (!absl::SimpleAtoi(ret_text, &r.ret)) {
    return Fail("log-op", absl::InvalidArgumentError(absl::StrCat("--ret: expected an integer, got '", ret_text, "'")), kExitUsage);
  }
  if ((before == UINT64_MAX) != (after == UINT64_MAX) || (before != UINT64_MAX && after < before)) {
    return Fail("log-op", absl::InvalidArgumentError("--flash-before and --flash-after go together, before <= after"), kExitUsage);
  }
  const absl::StatusOr<nlohmann::json> j = ParseJsonText(op_text, "--op");
  if (!j.ok()) return Fail("log-op", j.status(), kExitUsage);
  absl::StatusOr<Op> op = ParseOp(*j, "--op", "$");
  if (!op.ok()) return Fail("log-op", op.status(), kExitUsage);
  r.op = *op;
  r.err = static_cast<int>(err > 4095 ? 4095 : err);
  if (r.ret < 0 && r.err == 0) r.err = EIO;
  if (r.ret >= 0 && r.err != 0 && !(r.op.kind == OpKind::kWrite || r.op.kind == OpKind::kAppend)) r.ret = -1;
  if (before != UINT64_MAX) r.flash_before = before, r.flash_after = after;
  // The existing log decides the index and must stay parseable with this line.
  std::string text;
  if (std::FILE* f = std::fopen(log.c_str(), "r")) {
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  const bool had_header = !text.empty();
  if (!had_header) {
    Workload w;
    w.name = name;
    text = LogHeaderJson(w).dump() + "\n";
  }
  absl::StatusOr<OpLog> existing = ParseOpLog(text, log);
  if (!existing.ok()) return Fail("log-op", existing.status(), kExitUsage);
  r.index = existing->records.size();
  const std::string line = LogRecordJson(r).dump() + "\n";
  if (absl::StatusOr<OpLog> with = ParseOpLog(text + line, log); !with.ok()) return Fail("log-op", with.status(), kExitUsage);
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Fail("log-op", absl::InternalError(absl::StrCat(log, ": ", std::strerror(errno))), kExitFailure);
  const std::string out = had_header ? line : text + line;
  absl::Status s = WriteAll(fd, out.data(), out.size());
  close(fd);
  if (!s.ok()) return Fail("log-op", s, kExitFailure);
  return kExitOk;
}

int RunCounter(std::span<char* const> args) {
  std::string ctl;
  ArgParser parser("flashfault workload counter --ctl CTLDIR",
                   "Print the flash server's op counter (faults.ops in CTLDIR/stats.json).",
                   "  flashfault workload counter --ctl /tmp/ff");
  parser.AddString("ctl", "CTLDIR", "the server's control directory", &ctl);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "workload counter"); rc >= 0) return rc;
  if (ctl.empty()) return Fail("counter", absl::InvalidArgumentError("--ctl is required"), kExitUsage);
  absl::StatusOr<uint64_t> n = ReadFlashCounter(ctl);
  if (!n.ok()) return Fail("counter", n.status(), kExitFailure);
  std::printf("%llu\n", static_cast<unsigned long long>(*n));
  return kExitOk;
}

int RunData(std::span<char* const> args) {
  uint64_t seed = UINT64_MAX, length = UINT64_MAX;
  ArgParser parser("flashfault workload data --seed S --length L",
                   "Write bytes 0..L-1 of the data stream S to stdout: the bytes a workload's write with that "
                   "seed puts in a file, so a shell workload's writes can be checked.",
                   "  flashfault workload data --seed 7 --length 4096 | dd of=/mnt/f bs=4096 seek=2 conv=notrunc");
  parser.AddUint("seed", "S", "the data seed", &seed);
  parser.AddUint("length", "L", "how many bytes", &length);
  if (int rc = HandleParseResult(parser, parser.Parse(args), "workload data"); rc >= 0) return rc;
  if (seed == UINT64_MAX || length == UINT64_MAX) {
    return Fail("data", absl::InvalidArgumentError("--seed and --length are required"), kExitUsage);
  }
  std::vector<uint8_t> buf(65536);
  for (uint64_t done = 0; done < length;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), length - done));
    FillData(seed, done, buf.data(), n);
    if (absl::Status s = WriteAll(STDOUT_FILENO, buf.data(), n); !s.ok()) return Fail("data", s, kExitFailure);
    done += n;
  }
  return kExitOk;
}

int RunRules(std::span<char* const> args) {
  ArgParser parser("flashfault workload rules", "The oracle's rule ids, one a line with its meaning.",
                   "  flashfault workload rules");
  if (int rc = HandleParseResult(parser, parser.Parse(args), "workload rules"); rc >= 0) return rc;
  for (const auto& [id, words] : RuleCatalogue()) {
    std::printf("%-22.*s %.*s\n", static_cast<int>(id.size()), id.data(), static_cast<int>(words.size()), words.data());
  }
  return kExitOk;
}

}  // namespace

int RunWorkload(std::span<char* const> args) {
  if (args.size() < 2) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  const absl::string_view sub = args[1];
  if (sub == "--help" || sub == "-h" || sub == "help") {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  struct Sub {
    absl::string_view name;
    int (*run)(std::span<char* const>);
  };
  static constexpr Sub kSubs[] = {
      {"list", RunList},   {"show", RunShow},           {"exec", RunExec},      {"check", RunCheck},
      {"space", RunSpace}, {"space-check", RunSpaceCheck}, {"log-op", RunLogOp}, {"counter", RunCounter},
      {"data", RunData},   {"rules", RunRules},
  };
  for (const Sub& s : kSubs) {
    if (s.name == sub) return s.run(args.subspan(1));
  }
  std::fprintf(stderr, "flashfault workload: unknown command '%s'\n\n%s", args[1], kUsage);
  return kExitUsage;
}

}  // namespace flashfault::cli

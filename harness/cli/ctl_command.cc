// `flashfault ctl DIR COMMAND`: reads and drives a running server through its
// control directory (`flashfault serve --control DIR`).
//
// Plain file I/O on the directory, nothing else: anything ctl does, `cat`
// and `echo >` can do too (see DIR/about). It must not link the server or
// the control filesystem; it only shares their file names and constants.
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "harness/cli/arg_parser.h"
#include "harness/cli/command.h"
#include "harness/control/server_nodes.h"
#include "nlohmann/json.hpp"

namespace flashfault::cli {
namespace {

namespace fs = std::filesystem;

constexpr char kUsage[] =
    "usage: flashfault ctl DIR COMMAND [ARGS...]\n\n"
    "Read and drive a running 'flashfault serve --control DIR'.\n\ncommands:\n"
    "  stats [--json]      device and session counters\n"
    "  bad                 bad eraseblocks, one per line\n"
    "  erase-counts        erase count of every eraseblock: BLOCK ERASES\n"
    "  map [--json]        the device by meaning now: UBI volumes and LEBs, UBIFS areas, nodes\n"
    "  power-cut           cut power now\n"
    "  power-on            power on again\n"
    "  snapshot FILE       export the device's image (nanddump layout) to FILE\n"
    "  script [FILE]       print the active fault script, or replace it with FILE ('-': stdin)\n"
    "  events [-n N]       the last N event log lines (default 20)\n\n"
    "examples:\n"
    "  flashfault ctl /tmp/ff-ctl stats --json | jq .device.write_ops\n"
    "  flashfault ctl /tmp/ff-ctl script faults.json\n";

// Why one control-directory operation failed, ready for stderr.
struct Failure {
  std::string message;
  int exit_code = kExitFailure;
};

std::string ErrnoText(const std::string& what, int err) {
  std::string text = absl::StrCat(what, ": ", std::strerror(err));
  if (err == ENOTCONN) text += " (the server behind this control directory is gone)";
  return text;
}

class ControlDir {
 public:
  explicit ControlDir(std::string dir) : dir_(std::move(dir)) {}

  // Checks that dir_ is a live control directory (its `about` file).
  bool Check(Failure* f) {
    std::string about;
    int err = 0;
    if (!ReadRaw("about", &about, &err) ||
        about.rfind(control::kAboutFirstLine, 0) != 0) {
      f->message = absl::StrCat(dir_, " is not a flashfault control directory");
      if (err == ENOTCONN) f->message = ErrnoText(dir_, ENOTCONN);
      else if (err != 0) absl::StrAppend(&f->message, " (", std::strerror(err), ")");
      f->exit_code = err == ENOTCONN ? kExitFailure : kExitUsage;
      return false;
    }
    return true;
  }

  bool Read(const std::string& name, std::string* out, Failure* f) {
    int err = 0;
    if (ReadRaw(name, out, &err)) return true;
    // A generated file whose generator failed: its reason is in last_error.
    f->message = err == EIO ? LastError(name) : ErrnoText(Path(name), err);
    return false;
  }

  // Writes `content` in one open-write-close; the server applies it at close.
  // `refused_code`: the exit status when the server refuses it.
  bool Write(const std::string& name, const std::string& content, int refused_code, Failure* f) {
    const std::string path = Path(name);
    const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) {
      f->message = ErrnoText(path, errno);
      return false;
    }
    // Commands are applied per write(), other files at close(): a refusal
    // (EINVAL) can come from either.
    int err = 0;
    for (size_t done = 0; done < content.size();) {
      const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        err = errno;
        break;
      }
      done += static_cast<size_t>(n);
    }
    if (::close(fd) != 0 && err == 0) err = errno;
    if (err == 0) return true;
    if (err == EINVAL) {
      f->message = LastError(name);
      f->exit_code = refused_code;
    } else {
      f->message = ErrnoText(path, err);
    }
    return false;
  }

 private:
  std::string Path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

  bool ReadRaw(const std::string& name, std::string* out, int* err) {
    const int fd = ::open(Path(name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *err = errno;
      return false;
    }
    out->clear();
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) *err = errno;
      if (n <= 0) break;
      out->append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return *err == 0;
  }

  std::string LastError(const std::string& name) {
    std::string text;
    int err = 0;
    if (ReadRaw(control::kLastErrorFile, &text, &err) && !text.empty()) {
      while (!text.empty() && text.back() == '\n') text.pop_back();
      return text;
    }
    return absl::StrCat(Path(name), ": refused by the server (no reason given)");
  }

  std::string dir_;
};

void PrintStats(const nlohmann::ordered_json& j, const std::string& indent) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it->is_object()) {
      std::printf("%s%s:\n", indent.c_str(), it.key().c_str());
      PrintStats(*it, indent + "  ");
    } else {
      std::printf("%s%-18s %s\n", indent.c_str(), (it.key() + ":").c_str(), it->dump().c_str());
    }
  }
}

int Fail(const Failure& f) {
  std::fprintf(stderr, "flashfault ctl: %s\n", f.message.c_str());
  return f.exit_code;
}

}  // namespace

int RunCtl(std::span<char* const> args_in) {
  std::vector<char*> args(args_in.begin(), args_in.end());
  for (char* a : args) {
    if (std::strcmp(a, "--help") == 0 || std::strcmp(a, "-h") == 0) {
      std::fputs(kUsage, stdout);
      return kExitOk;
    }
  }
  if (args.size() < 3) {
    std::fputs(kUsage, stderr);
    return kExitUsage;
  }
  static char lines_flag[] = "--lines";
  for (char*& a : args) {
    if (std::strcmp(a, "-n") == 0) a = lines_flag;  // the one short alias
  }
  const std::string dir = args[1];
  const std::string command = args[2];
  // The command's own arguments; element 0 (the command word) is skipped.
  std::span<char* const> rest(args.data() + 2, args.size() - 2);
  bool json = false;
  uint64_t lines = 20;
  std::vector<std::string> positional;
  ArgParser p(absl::StrCat("flashfault ctl DIR ", command, " ..."), "See 'flashfault ctl --help'.",
              "");
  if (command == "stats" || command == "map") {
    p.AddBool("json", "print the JSON as the server wrote it", &json);
  } else if (command == "events") {
    p.AddUint("lines", "N", "how many lines (also -n)", &lines);
  } else if (command == "snapshot") {
    p.SetPositional("FILE", 1, 1, &positional);
  } else if (command == "script") {
    p.SetPositional("FILE", 0, 1, &positional);
  } else if (command != "bad" && command != "erase-counts" && command != "power-cut" &&
             command != "power-on") {
    std::fprintf(stderr, "flashfault ctl: unknown command '%s'\n\n%s", command.c_str(), kUsage);
    return kExitUsage;
  }
  if (int rc = HandleParseResult(p, p.Parse(rest), "ctl"); rc >= 0) return rc;

  ControlDir ctl(dir);
  Failure f;
  if (!ctl.Check(&f)) return Fail(f);
  std::string text;

  if (command == "stats") {
    if (!ctl.Read("stats.json", &text, &f)) return Fail(f);
    if (json) {
      std::fputs(text.c_str(), stdout);
      return kExitOk;
    }
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(text, nullptr, false);
    if (j.is_discarded()) return Fail({absl::StrCat(dir, "/stats.json is not JSON"), kExitFailure});
    PrintStats(j, "");
    return kExitOk;
  }
  if (command == "map") {
    if (!ctl.Read(json ? "map.json" : "map", &text, &f)) return Fail(f);
    std::fputs(text.c_str(), stdout);
    return kExitOk;
  }
  if (command == "bad" || command == "erase-counts") {
    if (!ctl.Read(command == "bad" ? "blocks/bad" : "blocks/erase_counts", &text, &f)) {
      return Fail(f);
    }
    std::fputs(text.c_str(), stdout);
    return kExitOk;
  }
  if (command == "power-cut" || command == "power-on") {
    const std::string node = command == "power-cut" ? "commands/power_cut" : "commands/power_on";
    if (!ctl.Write(node, "1\n", kExitFailure, &f)) return Fail(f);
    std::fprintf(stderr, "flashfault ctl: %s done\n", command.c_str());
    return kExitOk;
  }
  if (command == "snapshot") {
    // The server resolves paths in its own working directory: send ours.
    const std::string out = fs::absolute(positional[0]).lexically_normal().string();
    if (!ctl.Write("commands/snapshot", out + "\n", kExitUsage, &f)) return Fail(f);
    std::printf("snapshot written to %s\n", out.c_str());
    return kExitOk;
  }
  if (command == "script") {
    if (positional.empty()) {
      if (!ctl.Read("script", &text, &f)) return Fail(f);
      std::fputs(text.c_str(), stdout);
      return kExitOk;
    }
    std::ostringstream in;
    if (positional[0] == "-") {
      in << std::cin.rdbuf();
    } else {
      std::ifstream file(positional[0], std::ios::binary);
      if (!file) return Fail({ErrnoText(positional[0], errno), kExitUsage});
      in << file.rdbuf();
    }
    // An invalid script is bad input: exit 2 with the validation message.
    if (!ctl.Write("script", in.str(), kExitUsage, &f)) return Fail(f);
    std::fprintf(stderr, "flashfault ctl: script replaced\n");
    return kExitOk;
  }
  // events
  if (!ctl.Read("events", &text, &f)) return Fail(f);
  std::vector<absl::string_view> all = absl::StrSplit(text, '\n', absl::SkipEmpty());
  const size_t from = all.size() > lines ? all.size() - lines : 0;
  for (size_t i = from; i < all.size(); ++i) {
    std::printf("%.*s\n", static_cast<int>(all[i].size()), all[i].data());
  }
  return kExitOk;
}

}  // namespace flashfault::cli

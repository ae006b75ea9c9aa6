// Host-side classification through harness/vm/classify-dmesg.sh (see
// log_classifier.h). Must not: interpret a kernel line itself.
#include "harness/campaign/log_classifier.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flashfault::campaign {
namespace {

// Runs `sh script file` and returns its stdout; its stderr goes to ours.
absl::StatusOr<std::string> RunScript(const std::string& script, const std::string& file) {
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return absl::InternalError("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    return absl::InternalError("fork failed");
  }
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    execlp("sh", "sh", script.c_str(), file.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = read(out[0], buf, sizeof(buf));
    if (n > 0) {
      text.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      break;
    }
  }
  close(out[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("the kernel-log classifier ", script, " failed (status ",
                                            WIFEXITED(status) ? WEXITSTATUS(status) : -1, ")"));
  }
  return text;
}

}  // namespace

const std::vector<std::string>& BugKinds() {
  static const std::vector<std::string> k = {
      "oops",        "gpf",          "kernel_bug",      "bug",       "warning",
      "kasan",       "ubsan",        "ubi_assert",      "ubifs_assert", "list_corruption",
      "hung_task",   "soft_lockup",  "rcu_stall",       "unattributed_trace", "panic"};
  return k;
}

const std::vector<std::string>& ErrorKinds() {
  static const std::vector<std::string> k = {"ubi_errors", "ubifs_errors", "jffs2_errors",
                                             "mtd_errors"};
  return k;
}

int64_t Classification::bugs() const {
  int64_t n = 0;
  for (const std::string& k : BugKinds()) {
    if (auto it = counts.find(k); it != counts.end()) n += it->second;
  }
  return n;
}

absl::StatusOr<Classification> ParseClassification(const nlohmann::json& j) {
  if (!j.is_object()) return absl::InvalidArgumentError("kernel-log classification: not a JSON object");
  Classification c;
  c.json = j;
  for (const auto* kinds : {&BugKinds(), &ErrorKinds()}) {
    for (const std::string& k : *kinds) {
      if (!j.contains(k) || !j[k].is_number_integer()) {
        return absl::InvalidArgumentError(absl::StrCat("kernel-log classification: no count for ", k));
      }
      c.counts[k] = j[k].get<int64_t>();
    }
  }
  if (j.contains("lines") && j["lines"].is_array()) {
    for (const auto& l : j["lines"]) {
      if (l.is_string()) c.lines.push_back(l.get<std::string>());
    }
  }
  if (j.contains("first") && j["first"].is_object()) {
    for (auto it = j["first"].begin(); it != j["first"].end(); ++it) {
      LogSignal s;
      if (it.value().contains("line") && it.value()["line"].is_string()) {
        s.line = it.value()["line"].get<std::string>();
      }
      if (it.value().contains("trace") && it.value()["trace"].is_array()) {
        for (const auto& t : it.value()["trace"]) {
          if (t.is_string()) s.trace.push_back(t.get<std::string>());
        }
      }
      c.first[it.key()] = std::move(s);
    }
  }
  return c;
}

absl::StatusOr<Classification> ClassifyText(const std::string& dmesg, const std::string& classifier) {
  const char* tmpdir = std::getenv("TMPDIR");
  std::string path = absl::StrCat(tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp",
                                  "/ff-dmesg.XXXXXX");
  const int fd = mkstemp(path.data());
  if (fd < 0) return absl::InternalError(absl::StrCat("cannot create a temporary file like ", path));
  size_t done = 0;
  while (done < dmesg.size()) {
    const ssize_t n = write(fd, dmesg.data() + done, dmesg.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  close(fd);
  if (done != dmesg.size()) {
    unlink(path.c_str());
    return absl::InternalError(absl::StrCat("cannot write ", path));
  }
  absl::StatusOr<std::string> out = RunScript(classifier, path);
  unlink(path.c_str());
  FF_RETURN_IF_ERROR(out.status());
  const nlohmann::json j = nlohmann::json::parse(*out, nullptr, /*allow_exceptions=*/false);
  absl::StatusOr<Classification> c = ParseClassification(j);
  if (!c.ok()) {
    return absl::InternalError(absl::StrCat(classifier, " printed no valid classification: ",
                                            c.status().message()));
  }
  return c;
}

absl::StatusOr<Classification> Classify(std::span<const KernelRecord> records,
                                        const std::string& classifier) {
  return ClassifyText(RenderDmesg(records), classifier);
}

}  // namespace flashfault::campaign

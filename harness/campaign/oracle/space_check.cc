// Removing a tree and measuring free space (see space_check.h). Uses *at()
// calls on directory fds, no process spawn, so it is cheap per crash state.
#include "harness/campaign/oracle/space_check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flashfault::oracle {
namespace {

void RemoveUnder(int dirfd, const std::string& prefix, SpaceReport* r) {
  const int dup_fd = dup(dirfd);
  DIR* d = dup_fd < 0 ? nullptr : fdopendir(dup_fd);
  if (d == nullptr) {
    r->errors.push_back(absl::StrCat(prefix.empty() ? "." : prefix, ": cannot list: ", std::strerror(errno)));
    if (dup_fd >= 0) close(dup_fd);
    return;
  }
  std::vector<std::string> names;
  while (struct dirent* de = readdir(d)) {
    if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0) names.emplace_back(de->d_name);
  }
  closedir(d);
  for (const std::string& name : names) {
    const std::string path = prefix.empty() ? name : absl::StrCat(prefix, "/", name);
    struct stat st;
    if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      r->errors.push_back(absl::StrCat(path, ": cannot stat: ", std::strerror(errno)));
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      const int sub = openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) {
        r->errors.push_back(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
        continue;
      }
      RemoveUnder(sub, path, r);
      close(sub);
    }
    if (unlinkat(dirfd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0) {
      r->errors.push_back(absl::StrCat(path, ": cannot remove: ", std::strerror(errno)));
      continue;
    }
    ++r->removed;
  }
}

}  // namespace

absl::StatusOr<SpaceFigures> FreeSpace(const std::string& root) {
  struct statvfs s;
  if (statvfs(root.c_str(), &s) != 0) {
    return absl::FailedPreconditionError(absl::StrCat(root, ": statvfs failed: ", std::strerror(errno)));
  }
  return SpaceFigures{static_cast<uint64_t>(s.f_bavail) * s.f_frsize, static_cast<uint64_t>(s.f_blocks) * s.f_frsize};
}

uint64_t Slack::Resolve(uint64_t baseline) const {
  if (percent <= 0) return bytes;
  const uint64_t p = static_cast<uint64_t>(std::llround(static_cast<double>(baseline) * percent / 100.0));
  return std::max(p, bytes);
}

std::string Slack::ToString() const {
  if (percent <= 0) return absl::StrCat(bytes, " bytes");
  return bytes > 0 ? absl::StrFormat("%g%% (at least %u bytes)", percent, bytes) : absl::StrFormat("%g%%", percent);
}

Slack DefaultSlack() { return Slack{256 * 1024, 1.0}; }

absl::StatusOr<Slack> ParseSlack(absl::string_view text) {
  std::string t = absl::AsciiStrToLower(text);
  Slack s;
  if (!t.empty() && t.back() == '%') {
    double p = 0;
    if (!absl::SimpleAtod(t.substr(0, t.size() - 1), &p) || p < 0 || p > 100) {
      return absl::InvalidArgumentError(absl::StrCat("--slack ", text, ": a percentage is 0% to 100%"));
    }
    s.percent = p;
    if (p == 0) s.percent = 0, s.bytes = 0;
    return s;
  }
  uint64_t unit = 1;
  if (!t.empty() && (t.back() == 'k' || t.back() == 'm')) {
    unit = t.back() == 'k' ? 1024 : 1024 * 1024;
    t.pop_back();
  }
  uint64_t n = 0;
  if (!absl::SimpleAtoi(t, &n) || n > UINT64_MAX / unit) {
    return absl::InvalidArgumentError(absl::StrCat("--slack ", text, ": expected bytes (65536, 256k, 1m) or a percentage (1%)"));
  }
  s.bytes = n * unit;
  return s;
}

absl::StatusOr<SpaceReport> SpaceCheck(const std::string& root, uint64_t baseline, const Slack& slack) {
  const int fd = open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return absl::FailedPreconditionError(absl::StrCat(root, ": cannot open: ", std::strerror(errno)));
  SpaceReport r;
  RemoveUnder(fd, "", &r);
  // syncfs writes everything back and, on UBIFS, commits the journal, so the
  // index and the free-space accounting reflect the removals.
  if (syncfs(fd) != 0) r.errors.push_back(absl::StrCat(".: syncfs failed: ", std::strerror(errno)));
  close(fd);
  absl::StatusOr<SpaceFigures> after = FreeSpace(root);
  if (!after.ok()) return after.status();
  r.baseline = baseline;
  r.free_after = after->free_bytes;
  r.missing = baseline > r.free_after ? baseline - r.free_after : 0;
  r.slack = slack.Resolve(baseline);
  return r;
}

}  // namespace flashfault::oracle

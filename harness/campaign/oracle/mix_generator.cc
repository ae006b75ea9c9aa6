// The `mix` generator (see mix_generator.h). Each step draws an op kind from
// a fixed table; when the tree cannot take that kind yet (no empty directory
// to rmdir, no tmpfile to linkat), it emits the op that makes it possible
// instead, so a long enough mix has every kind.
#include "harness/campaign/oracle/mix_generator.h"

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace flashfault::oracle {
namespace {

using nlohmann::ordered_json;

constexpr uint64_t kMaxFile = 512 * 1024;  // keep files small: the checker reads them all per state
constexpr uint64_t kBlock = 128 * 1024;    // a common NAND eraseblock, for boundary-crossing writes

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed) {}
  uint64_t Next() {  // splitmix64 step
    uint64_t z = (s_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  bool Chance(unsigned percent) { return Below(100) < percent; }
  template <typename C>
  const typename C::value_type& Pick(const C& c) {
    auto it = c.begin();
    std::advance(it, static_cast<long>(Below(c.size())));
    return *it;
  }

 private:
  uint64_t s_;
};

class Mixer {
 public:
  Mixer(uint64_t seed) : rng_(seed), seed_(seed) {}

  ordered_json Run(uint64_t length) {
    ordered_json ops = ordered_json::array();
    while (ops.size() < length) {
      const uint64_t left = length - ops.size();
      if (!handles_.empty() && left <= handles_.size()) {
        ops.push_back(Close());
        continue;
      }
      near_end_ = left <= handles_.size() + 1;  // no new handle: it could not be closed in time
      ops.push_back(Step());
    }
    return ops;
  }

 private:
  std::string Fresh(const std::string& prefix) {
    std::string dir = rng_.Pick(dirs_);
    return absl::StrCat(dir.empty() ? "" : dir + "/", prefix, next_name_++);
  }
  uint64_t DataSeed() { return seed_ * 1000003 + next_data_++; }

  std::vector<std::string> EmptyDirs() const {
    std::vector<std::string> out;
    for (const std::string& d : dirs_) {
      if (d.empty()) continue;
      bool empty = true;
      for (const auto& [f, size] : files_) empty = empty && !absl::StartsWith(f, d + "/");
      for (const std::string& s : links_) empty = empty && !absl::StartsWith(s, d + "/");
      for (const std::string& e : dirs_) empty = empty && !absl::StartsWith(e, d + "/");
      if (empty) out.push_back(d);
    }
    return out;
  }

  // A file named by path or, sometimes, by an open handle.
  void Target(ordered_json& op, std::string* path) {
    std::vector<std::string> open;
    for (const auto& [h, p] : handles_) open.push_back(h);
    if (!open.empty() && rng_.Chance(30)) {
      const std::string& h = rng_.Pick(open);
      op["handle"] = h;
      *path = handles_[h];
      return;
    }
    *path = rng_.Pick(files_).first;
    op["path"] = *path;
  }

  void Grow(const std::string& path, uint64_t end) {
    if (auto it = files_.find(path); it != files_.end()) it->second = std::max(it->second, end);
  }
  uint64_t SizeOf(const std::string& path) const {
    auto it = files_.find(path);
    return it == files_.end() ? 0 : it->second;
  }

  void Rename(const std::string& from, const std::string& to) {
    auto move = [&](std::string& p) {
      if (p == from) p = to;
      else if (absl::StartsWith(p, from + "/")) p = to + p.substr(from.size());
    };
    std::map<std::string, uint64_t> files;
    for (const auto& [path, size] : files_) {
      std::string p = path;
      move(p);
      files[p] = size;
    }
    files_ = std::move(files);
    std::set<std::string> dirs, links;
    for (std::string d : dirs_) dirs.insert((move(d), d));
    for (std::string l : links_) links.insert((move(l), l));
    dirs_ = std::move(dirs);
    links_ = std::move(links);
    for (auto& [h, p] : handles_) move(p);
  }

  ordered_json Create() {
    const std::string p = Fresh("f");
    files_[p] = 0;
    return {{"op", "create"}, {"path", p}, {"mode", rng_.Chance(80) ? 0644 : 0600}};
  }

  ordered_json Step() {
    enum K { kCreate, kOpen, kClose, kWrite, kCross, kAppend, kTruncate, kRename, kUnlink, kLink, kMkdir,
             kRmdir, kSymlink, kSetx, kRemovex, kTmp, kLinkat, kFsync, kFdatasync, kSync, kSyncfs, kCount };
    static constexpr unsigned kWeights[kCount] = {8, 4, 4, 12, 4, 8, 6, 6, 4, 3, 3, 2, 3, 4, 2, 2, 2, 5, 4, 3, 2};
    unsigned total = 0;
    for (unsigned w : kWeights) total += w;
    unsigned pick = static_cast<unsigned>(rng_.Below(total)), k = 0;
    while (pick >= kWeights[k]) pick -= kWeights[k++];
    std::string path;
    ordered_json op;
    switch (k) {
      case kCreate: return Create();
      case kOpen: {
        if (near_end_ || files_.empty()) return Create();
        if (handles_.size() >= 4) return Close();
        const std::string h = absl::StrCat("h", next_handle_++);
        handles_[h] = rng_.Pick(files_).first;
        return {{"op", "open"}, {"handle", h}, {"path", handles_[h]}};
      }
      case kClose: return handles_.empty() ? Step() : Close();
      case kWrite:
      case kCross: {
        if (files_.empty()) return Create();
        op = {{"op", "write"}};
        Target(op, &path);
        uint64_t off, len;
        if (k == kCross) {  // across an eraseblock-sized boundary
          const uint64_t boundary = kBlock * (1 + rng_.Below(3));
          len = 512 + rng_.Below(16384);
          off = boundary - 1 - rng_.Below(len - 1);
        } else {
          off = rng_.Below(std::min(SizeOf(path) + 8192, kMaxFile));
          len = 1 + rng_.Below(rng_.Chance(20) ? 65536 : 6000);
        }
        off = std::min(off, kMaxFile - len);
        op["offset"] = off;
        op["length"] = len;
        op["seed"] = DataSeed();
        Grow(path, off + len);
        return op;
      }
      case kAppend: {
        if (files_.empty()) return Create();
        op = {{"op", "append"}};
        Target(op, &path);
        const uint64_t len = 1 + rng_.Below(rng_.Chance(20) ? 40000 : 3000);
        if (SizeOf(path) + len > kMaxFile) return Truncate(0);
        op["length"] = len;
        op["seed"] = DataSeed();
        Grow(path, SizeOf(path) + len);
        return op;
      }
      case kTruncate: {
        if (files_.empty()) return Create();
        return Truncate(rng_.Chance(50) ? 1 + rng_.Below(SizeOf(rng_.Pick(files_).first) + 1)
                                        : rng_.Below(SizeOf(rng_.Pick(files_).first) + 20000));
      }
      case kRename: {
        if (files_.empty()) return Create();
        std::string from = rng_.Pick(files_).first, to;
        if (rng_.Chance(15) && dirs_.size() > 1) {  // a directory, to a fresh name
          std::vector<std::string> ds(dirs_.begin(), dirs_.end());
          from = ds[1 + rng_.Below(ds.size() - 1)];
          to = absl::StrCat("d", next_name_++);
        } else if (rng_.Chance(40) && files_.size() > 1) {  // over an existing file
          to = rng_.Pick(files_).first;
          if (to == from) to = Fresh("f");
        } else {
          to = Fresh("f");
        }
        op = {{"op", "rename"}, {"from", from}, {"to", to}};
        if (rng_.Chance(10)) op["noreplace"] = true;
        if (op.contains("noreplace") && files_.count(to)) return op;  // fails with EEXIST: fine
        if (files_.count(to)) files_.erase(to);
        Rename(from, to);
        return op;
      }
      case kUnlink: {
        if (files_.empty() && links_.empty()) return Create();
        if (!links_.empty() && (files_.empty() || rng_.Chance(25))) {
          path = rng_.Pick(links_);
          links_.erase(path);
        } else {
          path = rng_.Pick(files_).first;
          files_.erase(path);
        }
        return {{"op", "unlink"}, {"path", path}};
      }
      case kLink: {
        if (files_.empty()) return Create();
        const std::string from = rng_.Pick(files_).first, to = Fresh("l");
        files_[to] = files_[from];  // approximately: sizes diverge as either name is written
        return {{"op", "link"}, {"from", from}, {"to", to}};
      }
      case kMkdir: {
        std::string d = Fresh("d");
        if (std::count(d.begin(), d.end(), '/') > 2) d = absl::StrCat("d", next_name_++);
        dirs_.insert(d);
        return {{"op", "mkdir"}, {"path", d}};
      }
      case kRmdir: {
        const std::vector<std::string> empty = EmptyDirs();
        if (empty.empty()) {
          const std::string d = absl::StrCat("d", next_name_++);
          dirs_.insert(d);
          return {{"op", "mkdir"}, {"path", d}};
        }
        path = rng_.Pick(empty);
        dirs_.erase(path);
        return {{"op", "rmdir"}, {"path", path}};
      }
      case kSymlink: {
        const std::string p = Fresh("s");
        links_.insert(p);
        const std::string target = files_.empty() || rng_.Chance(30) ? absl::StrCat("nowhere/", next_name_++)
                                                                     : rng_.Pick(files_).first;
        return {{"op", "symlink"}, {"target", target}, {"path", p}};
      }
      case kSetx:
      case kRemovex: {
        if (files_.empty()) return Create();
        op = {{"op", k == kSetx ? "setxattr" : "removexattr"}};
        Target(op, &path);
        op["name"] = absl::StrCat("user.k", rng_.Below(3));
        if (k == kSetx) op["value"] = absl::StrCat("v", DataSeed());
        return op;
      }
      case kTmp: {
        if (near_end_) return {{"op", "sync"}};
        if (handles_.size() >= 4) return Close();
        const std::string h = absl::StrCat("t", next_handle_++);
        handles_[h] = "";
        tmp_.insert(h);
        const std::string dir = rng_.Pick(dirs_);
        return {{"op", "tmpfile"}, {"handle", h}, {"dir", dir.empty() ? "." : dir}, {"mode", 0640}};
      }
      case kLinkat: {
        if (tmp_.empty()) return Step();
        const std::string h = rng_.Pick(tmp_);
        tmp_.erase(h);
        const std::string p = Fresh("n");
        files_[p] = 0;
        handles_[h] = p;
        return {{"op", "linkat"}, {"handle", h}, {"path", p}};
      }
      case kFsync:
      case kFdatasync: {
        op = {{"op", k == kFsync ? "fsync" : "fdatasync"}};
        if (files_.empty() || (k == kFsync && rng_.Chance(20))) {
          std::vector<std::string> ds(dirs_.begin(), dirs_.end());
          if (ds.size() < 2) return {{"op", "sync"}};
          op["path"] = ds[1 + rng_.Below(ds.size() - 1)];
          return op;
        }
        Target(op, &path);
        return op;
      }
      case kSync: return {{"op", "sync"}};
      default: return {{"op", "syncfs"}};
    }
  }

  ordered_json Close() {
    const std::string h = rng_.Pick(handles_).first;
    handles_.erase(h);
    tmp_.erase(h);
    return {{"op", "close"}, {"handle", h}};
  }

  ordered_json Truncate(uint64_t size) {
    ordered_json op = {{"op", "truncate"}};
    std::string path;
    Target(op, &path);
    size = std::min(size, kMaxFile);
    op["size"] = size;
    if (auto it = files_.find(path); it != files_.end()) it->second = size;
    return op;
  }

  Rng rng_;
  uint64_t seed_;
  bool near_end_ = false;
  uint64_t next_name_ = 0, next_data_ = 1, next_handle_ = 0;
  std::map<std::string, uint64_t> files_;   // path -> approximate size
  std::set<std::string> dirs_ = {""};       // "" is the root
  std::set<std::string> links_;             // symlinks
  std::map<std::string, std::string> handles_;  // handle -> path ("" for an unlinked tmpfile)
  std::set<std::string> tmp_;               // tmpfile handles not yet given a name
};

}  // namespace

ordered_json GenerateMixJson(uint64_t seed, uint64_t length) {
  return {{"name", absl::StrCat("mix-", seed, "-", length)},
          {"description", absl::StrCat("generated: every op kind mixed from seed ", seed)},
          {"ops", Mixer(seed).Run(length)}};
}

absl::StatusOr<Workload> GenerateMix(uint64_t seed, uint64_t length) {
  if (length == 0 || length > 100000) {
    return absl::InvalidArgumentError(absl::StrCat("--length ", length, ": a mix has 1 to 100000 ops"));
  }
  return ParseWorkload(GenerateMixJson(seed, length), "mix");
}

}  // namespace flashfault::oracle

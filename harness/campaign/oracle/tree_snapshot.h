// TreeSnapshot: what a mounted filesystem holds under a root, read once.
//
// WalkTree lists every name under the root (not following symlinks) with its
// type, permission bits, size, inode number, link count, symlink target,
// xattrs (all namespaces but security.* and system.*, which the kernel or an
// LSM may add on its own) and, for regular files, all the bytes plus a hash.
// Each file is opened and read once; no process is spawned. A file or
// directory that cannot be read is recorded with its errno, not skipped, so
// the oracle can report it. This file judges nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "harness/campaign/oracle/tree_model.h"

namespace flashfault::oracle {

struct ObservedEntry {
  std::string path;  // relative to the root, "d/f"
  NodeType type = NodeType::kFile;
  uint32_t mode = 0;  // permission bits
  uint64_t size = 0;
  uint64_t ino = 0;
  uint64_t nlink = 0;
  std::string target;   // symlinks
  std::string content;  // regular files: every byte
  uint64_t hash = 0;    // Hash64(content)
  std::map<std::string, std::string> xattrs;
  int read_errno = 0;   // nonzero: reading the content, the listing or the xattrs failed
};

struct TreeSnapshot {
  std::map<std::string, ObservedEntry> entries;  // by path; the root itself is not listed
  const ObservedEntry* Find(const std::string& path) const {
    auto it = entries.find(path);
    return it == entries.end() ? nullptr : &it->second;
  }
  // True for "" (the root) and for paths listed as directories.
  bool IsDir(const std::string& path) const {
    if (path.empty()) return true;
    const ObservedEntry* e = Find(path);
    return e != nullptr && e->type == NodeType::kDir;
  }
};

// Walks `root`. Fails only when the root itself cannot be opened.
absl::StatusOr<TreeSnapshot> WalkTree(const std::string& root);

}  // namespace flashfault::oracle

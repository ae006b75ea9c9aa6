// FsModel: the file tree a workload's op log implies, at every op boundary.
//
// Replays an op log in memory (no syscalls): state k is the tree after ops
// 0..k-1, so state 0 is the empty mount root and state K the end of the run.
// For each path it keeps the history of what the name was bound to, and for
// each object (inode) the history of its type, mode, size, content (as
// extents of seeded data, recomputed on demand, never stored as bytes),
// symlink target and xattrs. Ops the log records as failed change nothing; a
// short write changes only the bytes it wrote.
//
// It decides nothing about crashes: crash_rules.h does, from these histories.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/oracle/op_log.h"

namespace flashfault::oracle {

using ObjectId = int64_t;
inline constexpr ObjectId kNoObject = -1;

enum class NodeType { kFile, kDir, kSymlink, kOther };  // kOther: only ever observed (fifo, device, socket)
absl::string_view NodeTypeName(NodeType t);

// Bytes [start, end) of a file are bytes [base, base + end - start) of the
// data stream `seed`. Bytes of a file not covered by an extent are zero.
struct Extent {
  uint64_t start = 0, end = 0, seed = 0, base = 0;
};

struct ObjectState {
  NodeType type = NodeType::kFile;
  uint32_t mode = 0;  // permission bits only
  uint64_t size = 0;  // files: bytes; symlinks: target length
  std::vector<Extent> extents;  // files: sorted, disjoint, inside [0, size)
  std::string target;           // symlinks
  std::map<std::string, std::string> xattrs;

  // Writes bytes [offset, offset + len) of the content into `out` (zero past
  // the size and in holes).
  void Fill(uint64_t offset, uint8_t* out, size_t len) const;
};

struct Version {
  uint64_t from_state = 0;  // this version holds from state `from_state` on
  std::shared_ptr<const ObjectState> state;
};

struct Binding {
  uint64_t from_state = 0;  // the name holds `object` from this state on
  ObjectId object = kNoObject;
};

// What one op did to the model, for the rules.
struct OpEffect {
  bool applied = false;          // the log says it succeeded and the model applied it
  ObjectId object = kNoObject;   // the object acted on: written, synced, renamed, created, linked
  ObjectId replaced = kNoObject; // rename / create over an existing name: the object that lost it
};

class FsModel {
 public:
  // Replays `log`. Fails (InvalidArgument, naming the op) when the log says
  // an op succeeded that cannot have: a missing source, a missing handle, a
  // path through a file or symlink.
  static absl::StatusOr<FsModel> Replay(const OpLog& log);

  size_t op_count() const { return effects_.size(); }
  const OpLog& log() const { return log_; }
  const OpEffect& effect(size_t op) const { return effects_[op]; }

  // Every path ever bound, with its history (first entry: the op that first bound it).
  const std::map<std::string, std::vector<Binding>>& paths() const { return paths_; }
  ObjectId BindingAt(const std::string& path, uint64_t state) const;
  // The op that gave `path` its binding at `state` (kNoOp when never bound then).
  static constexpr uint64_t kNoOp = UINT64_MAX;
  uint64_t BoundBy(const std::string& path, uint64_t state) const;

  size_t object_count() const { return versions_.size(); }
  const std::vector<Version>& versions(ObjectId id) const { return versions_[id]; }
  // The object's state at `state`, or nullptr when it did not exist yet.
  const ObjectState* StateAt(ObjectId id, uint64_t state) const;
  // The object's names at `state`, sorted.
  std::vector<std::string> NamesAt(ObjectId id, uint64_t state) const;

 private:
  OpLog log_;
  std::vector<OpEffect> effects_;
  std::map<std::string, std::vector<Binding>> paths_;
  std::vector<std::vector<Version>> versions_;
};

}  // namespace flashfault::oracle

// Workloads: the list of file operations `flashfault workload exec` runs on a
// mounted filesystem and the oracle replays (format: corpora/workloads/README.md,
// schema: corpora/schemas/workload.schema.json).
//
// This file only parses, validates and prints workloads and single ops. It
// runs nothing (executor.h) and judges nothing (crash_rules.h). The same
// parser reads user files, the built-ins, the generator's output and the op
// objects inside an op log, so every source means the same thing.
//
// Errors are absl::InvalidArgumentError with "SOURCE: $.json.path: reason".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace flashfault::oracle {

// Closed set of operation kinds; each is one syscall (or a short fixed
// sequence: open, the call, close) in the executor.
enum class OpKind {
  kCreate,       // creat(path, mode): new empty file, or truncate an existing one to 0
  kOpen,         // open(path, O_RDWR [|O_CREAT]) and keep the fd under `handle`
  kClose,        // close(handle)
  kWrite,        // pwrite(offset, length bytes of stream `seed`)
  kAppend,       // write `length` bytes of stream `seed` at the end of the file
  kTruncate,     // truncate / ftruncate to `size`
  kRename,       // renameat2(from, to, noreplace ? RENAME_NOREPLACE : 0)
  kUnlink,       // unlink(path)
  kLink,         // link(from, to): a hard link
  kMkdir,        // mkdir(path, mode)
  kRmdir,        // rmdir(path)
  kSymlink,      // symlink(target, path)
  kSetxattr,     // setxattr(path|handle, name, value)
  kRemovexattr,  // removexattr(path|handle, name)
  kTmpfile,      // open(dir, O_TMPFILE | O_RDWR, mode) kept under `handle`
  kLinkat,       // linkat the open `handle` (an O_TMPFILE) to `path`
  kFsync,        // fsync(path|handle); a path may be a directory
  kFdatasync,    // fdatasync(path|handle)
  kSync,         // sync()
  kSyncfs,       // syncfs(the mount root)
};

absl::string_view OpKindName(OpKind kind);
std::optional<OpKind> OpKindFromName(absl::string_view name);
// Every kind, in declaration order (for tests and the generator).
const std::vector<OpKind>& AllOpKinds();
// fsync, fdatasync, sync and syncfs: a durability point when it returns 0.
bool IsSyncKind(OpKind kind);

struct Op {
  OpKind kind = OpKind::kSync;
  std::string path;    // the file, dir or new name the op acts on (tmpfile: the directory)
  std::string handle;  // open/close/tmpfile/linkat; or instead of path for file ops
  std::string from, to;  // rename, link
  std::string target;    // symlink: what the link points to
  std::string name, value;  // setxattr / removexattr
  uint64_t offset = 0, length = 0, seed = 0, size = 0;
  uint32_t mode = 0644;  // create, open (with create), mkdir (default 0755), tmpfile
  bool create = false;     // open: O_CREAT
  bool noreplace = false;  // rename: RENAME_NOREPLACE
};

struct Workload {
  std::string name;
  std::string description;
  // The planted-failure switch: paths the oracle must treat as durable after
  // every op that returned, whether or not anything synced them. A correct
  // filesystem then fails the check at cuts before the real sync (so a test
  // can show the checker is able to fail). Never set in real workloads.
  std::vector<std::string> oracle_assume_durable;
  std::vector<Op> ops;
};

// One op object: {"op": "write", "path": "a", ...}. `where` is the JSON path
// for messages ("$.ops[3]"). With `kind_from_key` false the kind comes from
// `kind_name` and `j` holds only the arguments (the log's "args" object).
absl::StatusOr<Op> ParseOp(const nlohmann::json& j, absl::string_view source,
                           absl::string_view where);
absl::StatusOr<Op> ParseOpArgs(OpKind kind, const nlohmann::json& args,
                               absl::string_view source, absl::string_view where);

absl::StatusOr<Workload> ParseWorkload(const nlohmann::json& j, absl::string_view source);
absl::StatusOr<Workload> ParseWorkloadText(absl::string_view text, absl::string_view source);
absl::StatusOr<Workload> LoadWorkloadFile(const std::string& path);

// The op's arguments only (no "op" key): what the log stores under "args".
nlohmann::ordered_json OpArgsToJson(const Op& op);
// {"op": NAME, args...}: what a workload file holds.
nlohmann::ordered_json OpToJson(const Op& op);
nlohmann::ordered_json WorkloadToJson(const Workload& w);

// A short human form: "write a @4096+8192 seed 7".
std::string DescribeOp(const Op& op);

// Checks a workload path: relative, non-empty, no "." or ".." components, no
// empty components, at most 255 bytes a component.
absl::Status CheckRelativePath(absl::string_view path);

}  // namespace flashfault::oracle

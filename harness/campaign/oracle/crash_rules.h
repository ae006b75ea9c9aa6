// The oracle: what a crash state of a workload may look like. Every rule is
// here and in corpora/workloads/ORACLE.md (same ids, same words); nothing
// else in the project decides whether a crash state is acceptable.
//
// Inputs: the op log of one recording run (op_log.h) and a cut N, the flash
// op counter value at which power was cut (flash ops with index < N happened,
// none after). Each op is then
//   returned     flash_after <= N: it finished, with all its flash ops, before the cut
//   in flight    flash_before < N < flash_after, or the log has no counters
//   not started  flash_before >= N: none of its flash ops can have happened
// (the counter is read before the syscall and after it returns, so a
// background flush only ever widens an op's window: never unsound).
// kCutEnd means "after the whole run": every op returned.
//
// From the durability points that returned (sync, syncfs, fsync, fdatasync
// with ret 0) ExpectAt derives floors: the earliest model state each name and
// each object's content may be older than no more. Check then compares a
// walk of the mounted filesystem with every state between the floors and
// the end of the in-flight ops (state B), and returns the violations.
//
// Rules are sound for UBIFS and JFFS2: where a filesystem may legitimately
// do something (JFFS2's rename is link + unlink), the profile says so; where
// in doubt the rule is lenient and ORACLE.md says why.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "harness/campaign/oracle/op_log.h"
#include "harness/campaign/oracle/tree_model.h"
#include "harness/campaign/oracle/tree_snapshot.h"

namespace flashfault::oracle {

inline constexpr uint64_t kCutEnd = UINT64_MAX;

// What the filesystem promises beyond POSIX (see ORACLE.md, "Profiles").
enum class FsProfile {
  kUbifs,  // rename atomic; fsync also makes the file's creation dentry durable
  kJffs2,  // rename = link + unlink: a cut between may leave both names
};
absl::StatusOr<FsProfile> ParseFsProfile(absl::string_view name);
absl::string_view FsProfileName(FsProfile p);

enum class OpStatus { kReturned, kInFlight, kNotStarted };

// Why a floor is where it is; names the rule family of a violation.
enum class FloorCause { kNone, kSync, kFsync, kDirFsync, kAssumed };

struct Floor {
  uint64_t state = 0;  // model state index: nothing older than this may show
  FloorCause cause = FloorCause::kNone;
  uint64_t op = 0;     // the durability point (or assumed op) that set it
};

// What must hold after one cut. Refers to the OracleModel that made it, which
// must outlive it.
struct Expectations {
  uint64_t cut = kCutEnd;
  FsProfile profile = FsProfile::kUbifs;
  size_t returned_end = 0;  // A: ops [0, A) returned
  size_t possible_end = 0;  // B: ops [A, B) in flight, [B, K) not started; latest state B
  Floor global;             // the last sync/syncfs that returned
  std::map<std::string, Floor> names;  // per path, where above `global`
  std::vector<Floor> content;          // per object: data and size
  std::vector<Floor> meta;             // per object: mode and xattrs
  const FsModel* model = nullptr;

  OpStatus StatusOf(size_t op) const;
  Floor NameFloor(const std::string& path) const;
};

struct Violation {
  std::string rule;   // stable short id, e.g. "sync.missing", "rename.both", "flux.garbage"
  std::string path;   // the name concerned ("" for none)
  std::string words;  // one sentence a person can act on
};

class OracleModel {
 public:
  // Replays `log` (see FsModel::Replay for the errors).
  static absl::StatusOr<OracleModel> Build(OpLog log, FsProfile profile);

  Expectations ExpectAt(uint64_t cut) const;
  const FsModel& model() const { return model_; }
  FsProfile profile() const { return profile_; }

 private:
  FsModel model_;
  FsProfile profile_ = FsProfile::kUbifs;
};

// Every violation of `exp` in `observed`, sorted by path then rule; empty when
// the state is acceptable.
std::vector<Violation> Check(const Expectations& exp, const TreeSnapshot& observed);

// Every rule id Check can return, with its one-line meaning (for --help, the
// docs test and the report).
const std::vector<std::pair<absl::string_view, absl::string_view>>& RuleCatalogue();

}  // namespace flashfault::oracle

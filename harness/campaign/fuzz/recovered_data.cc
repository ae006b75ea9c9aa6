// See recovered_data.h.
#include "harness/campaign/fuzz/recovered_data.h"

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "harness/campaign/oracle/crash_rules.h"
#include "harness/campaign/oracle/op_log.h"
#include "harness/campaign/oracle/space_check.h"
#include "harness/campaign/oracle/tree_snapshot.h"
#include "harness/campaign/ubi_volume/volume_executor.h"
#include "harness/campaign/ubi_volume/volume_oracle.h"

namespace flashfault::campaign::fuzz {
namespace {

using ojson = nlohmann::ordered_json;

// The first broken promise of the op log, "" none. Reading the tree back
// is a check of its own; a log that does not load is the tool's problem,
// not the kernel's: said in `r`, judged no further.
std::string CheckDurable(const RecoveredDataOptions& o, ojson& r) {
  absl::StatusOr<oracle::TreeSnapshot> tree = oracle::WalkTree(o.mount_point);
  if (!tree.ok()) {
    r["oracle_error"] = std::string(tree.status().message());
    return "oracle:walk";
  }
  absl::StatusOr<oracle::OpLog> log = oracle::LoadOpLog(o.op_log);
  absl::StatusOr<oracle::FsProfile> profile = oracle::ParseFsProfile(o.fs);
  absl::Status problem = !log.ok() ? log.status() : profile.status();
  std::optional<oracle::OracleModel> model;
  if (problem.ok()) {
    absl::StatusOr<oracle::OracleModel> built = oracle::OracleModel::Build(*std::move(log), *profile);
    if (built.ok()) model.emplace(*std::move(built));
    problem = built.status();
  }
  if (!model) {
    r["oracle_skipped"] = std::string(problem.message());
    return "";
  }
  const std::vector<oracle::Violation> v = oracle::Check(model->ExpectAt(oracle::kCutEnd), *tree);
  if (v.empty()) return "";
  ojson list = ojson::array();
  for (const oracle::Violation& x : v) {
    list.push_back({{"rule", x.rule}, {"path", x.path}, {"words", x.words}});
  }
  r["violations"] = list;
  return absl::StrCat("oracle:", v.front().rule);
}

}  // namespace

std::string JudgeRecoveredData(const RecoveredDataOptions& o, ojson& r) {
  const std::string broken = CheckDurable(o, r);
  if (!broken.empty() || o.baseline_free == 0) return broken;
  absl::StatusOr<oracle::SpaceReport> space =
      oracle::SpaceCheck(o.mount_point, o.baseline_free, oracle::DefaultSlack());
  if (!space.ok()) {
    r["space_error"] = std::string(space.status().message());
    return "space";
  }
  r["space"] = {{"baseline", space->baseline}, {"free_after", space->free_after},
                {"missing", space->missing}, {"slack", space->slack},
                {"removed", space->removed}, {"errors", space->errors}};
  return space->ok() ? "" : "space";
}

std::string JudgeRecoveredVolume(const ubi_volume::VolumeWorkload& w, const std::vector<int>& results,
                                 uint64_t leb_size, ojson& r) {
  const ubi_volume::ExpectedVolume expected = ubi_volume::ExpectAfter(w, results);
  absl::StatusOr<std::vector<ubi_volume::LebViolation>> v =
      ubi_volume::CheckVolume(expected, ubi_volume::kVolumeDevice, leb_size);
  if (!v.ok()) {
    r["oracle_error"] = std::string(v.status().message());
    return "oracle:ubi-volume";
  }
  if (v->empty()) return "";
  ojson list = ojson::array();
  for (const ubi_volume::LebViolation& x : *v) {
    list.push_back({{"rule", x.rule}, {"lnum", x.lnum}, {"words", x.words}});
  }
  r["violations"] = list;
  return absl::StrCat("oracle:", v->front().rule);
}

}  // namespace flashfault::campaign::fuzz

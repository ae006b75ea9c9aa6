// Recording replayable logs, and ReplayLog over LogReplayer; see
// replay_log.h.
#include "fault-models/replay/replay_log.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/model/geometry_json.h"
#include "common/status_macros.h"
#include "fault-models/replay/log_replayer.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/state_hash.h"
#include "nlohmann/json.hpp"

namespace flashfault {

std::string ReplayStartJson(const Geometry& g, const FaultPlan& plan, const std::string& payload,
                            uint64_t hash_every, RuleMode rules) {
  nlohmann::ordered_json j;
  j["geometry"] = GeometryToJson(g);
  j["plan"] = PlanToJson(plan);
  j["payload"] = payload;
  j["hash_every"] = hash_every;
  j["rules"] = rules == RuleMode::kStrict ? "strict" : "lenient";
  return j.dump();
}

absl::StatusOr<std::unique_ptr<FaultLayer>> CreateRecordedLayer(
    std::unique_ptr<NandModel> model, const FaultPlan& plan, JsonlEventSink& sink,
    std::FILE* payload, const std::string& payload_name, uint64_t hash_every, RuleMode rules,
    EventSink* front, bool decode) {
  if (model == nullptr) return absl::InvalidArgumentError("no model");
  sink.SetReplay(ReplayStartJson(model->geometry(), plan, payload_name, hash_every, rules),
                 payload);
  FF_ASSIGN_OR_RETURN(std::unique_ptr<FaultLayer> layer,
                      FaultLayer::Create(std::move(model), plan,
                                         FaultLayerOptions{.sink = front ? front : &sink,
                                                           .sleeper = [](uint64_t) {},
                                                           .decode = decode}));
  FaultLayer* raw = layer.get();
  sink.SetStateHasher([raw] { return StateHash(*raw); }, hash_every);
  return layer;
}

absl::StatusOr<ReplayResult> ReplayLog(const std::string& log_path, uint64_t until) {
  // Op indexes are compared as int64 (hash lines may say -1).
  const int64_t limit = until > uint64_t{INT64_MAX} ? INT64_MAX : static_cast<int64_t>(until);
  FF_ASSIGN_OR_RETURN(std::unique_ptr<LogReplayer> replayer, LogReplayer::Open(log_path));
  FF_RETURN_IF_ERROR(replayer->AdvanceThrough(limit));
  ReplayResult result;
  result.last_op = replayer->last_op();
  result.verified_at = replayer->verified_at();
  result.log_ended = replayer->log_ended();
  result.hash = StateHash(replayer->cursor());
  result.layer = replayer->TakeCursor();
  return result;
}

}  // namespace flashfault

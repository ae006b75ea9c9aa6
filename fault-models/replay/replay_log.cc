// Log replay; see replay_log.h. Each line is read on its own by
// ParseEventRecord (event_record.h), so the memory use stays one line
// whatever the log's size; what may be replayed is decided here.
#include "fault-models/replay/replay_log.h"

#include <fstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "backends/model/geometry_json.h"
#include "backends/store/ram_store.h"
#include "common/status_macros.h"
#include "fault-models/op_interpreter.h"
#include "fault-models/replay/event_record.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/state_hash.h"
#include "nlohmann/json.hpp"

namespace flashfault {
namespace {

using nlohmann::json;

std::string DirOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::optional<OobMode> ModeFromName(const std::string& s) {
  if (s == "place") return OobMode::kPlace;
  if (s == "auto") return OobMode::kAuto;
  if (s == "raw") return OobMode::kRaw;
  return std::nullopt;
}

// Reads `len` payload bytes at `off` into `out`.
absl::Status ReadPayload(std::FILE* f, const std::string& name, uint64_t off, size_t len,
                         std::vector<uint8_t>& out) {
  out.resize(len);
  if (len == 0) return absl::OkStatus();
  if (f == nullptr) return absl::InvalidArgumentError("the log has no payload file");
  if (fseeko(f, static_cast<off_t>(off), SEEK_SET) != 0 || std::fread(out.data(), 1, len, f) != len) {
    return absl::DataLossError(
        absl::StrCat(name, ": ", len, " bytes at offset ", off, " are missing (truncated?)"));
  }
  return absl::OkStatus();
}

}  // namespace

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
    std::FILE* payload, const std::string& payload_name, uint64_t hash_every, RuleMode rules) {
  if (model == nullptr) return absl::InvalidArgumentError("no model");
  sink.SetReplay(ReplayStartJson(model->geometry(), plan, payload_name, hash_every, rules),
                 payload);
  FF_ASSIGN_OR_RETURN(std::unique_ptr<FaultLayer> layer,
                      FaultLayer::Create(std::move(model), plan,
                                         FaultLayerOptions{.sink = &sink,
                                                           .sleeper = [](uint64_t) {}}));
  FaultLayer* raw = layer.get();
  sink.SetStateHasher([raw] { return StateHash(*raw); }, hash_every);
  return layer;
}

absl::StatusOr<ReplayResult> ReplayLog(const std::string& log_path, uint64_t until) {
  // Op indexes are compared as int64 (hash lines may say -1).
  const int64_t limit = until > uint64_t{INT64_MAX} ? INT64_MAX : static_cast<int64_t>(until);
  std::ifstream in(log_path);
  if (!in) return absl::NotFoundError(absl::StrCat(log_path, ": cannot open"));
  std::string line;
  uint64_t lineno = 0;
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(log_path, ":", lineno, ": ", why));
  };

  // The start line: geometry, plan, seed, payload.
  if (!std::getline(in, line)) return bad("empty log");
  ++lineno;
  absl::StatusOr<EventRecord> start = ParseEventRecord(line);
  if (!start.ok() && start.status().message() != kNotALogRecord) {
    return bad(start.status().message());
  }
  if (!start.ok() || start->type != RecordType::kStart) {
    return bad("the first line is not a start record");
  }
  if (!start->replay) {
    return bad("the log was recorded without replay data (no \"replay\" in the start line)");
  }
  const json& rj = *start->replay;
  if (!rj.is_object() || !rj.contains("geometry") || !rj.contains("plan")) {
    return bad("\"replay\" must hold \"geometry\" and \"plan\"");
  }
  absl::StatusOr<Geometry> g = GeometryFromJson(rj["geometry"]);
  if (!g.ok()) return bad(absl::StrCat("replay.geometry: ", g.status().message()));
  absl::StatusOr<FaultPlan> plan = ParsePlan(rj["plan"], *g);
  if (!plan.ok()) return bad(absl::StrCat("replay.plan: ", plan.status().message()));
  const RuleMode rules = rj.value("rules", "strict") == "lenient" ? RuleMode::kLenient
                                                                   : RuleMode::kStrict;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> payload(nullptr, &std::fclose);
  std::string payload_name;
  if (rj.contains("payload") && rj["payload"].is_string()) {
    payload_name = DirOf(log_path) + rj["payload"].get<std::string>();
    payload.reset(std::fopen(payload_name.c_str(), "rb"));
    if (payload == nullptr) return absl::NotFoundError(absl::StrCat(payload_name, ": cannot open"));
  }

  const uint64_t stride = uint64_t{g->page_size + g->oob_size} * g->pages_per_block;
  FF_ASSIGN_OR_RETURN(std::unique_ptr<NandModel> model,
                      NandModel::Create(*g, std::make_unique<RamStore>(stride, g->block_count),
                                        rules));
  FF_ASSIGN_OR_RETURN(std::unique_ptr<FaultLayer> layer,
                      FaultLayer::Create(std::move(model), *plan,
                                         FaultLayerOptions{.sink = nullptr,
                                                           .sleeper = [](uint64_t) {}}));
  ReplayResult result;
  std::vector<uint8_t> data, oob;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    absl::StatusOr<EventRecord> rec = ParseEventRecord(line);
    if (!rec.ok()) return bad(rec.status().message());
    if (!rec->i) return bad(kNotALogRecord);
    const EventRecord& j = *rec;
    const std::string& t = j.t;
    const int64_t i = *j.i;
    if (t == "fault") continue;  // re-made by the plan, checked by the hashes
    if (t == "hash") {
      if (i > limit) break;
      if (i != result.last_op) return bad(absl::StrCat("hash for op ", i, " out of order"));
      const std::string logged = j.state.value_or("");
      const std::string now = StateHashHex(StateHash(*layer));
      if (logged != now) {
        return absl::DataLossError(absl::StrCat("state hash after op ", i, ": replay gives ", now,
                                                ", the log says ", logged, " (", log_path, ":",
                                                lineno, ")"));
      }
      result.verified_at = i;
      continue;
    }
    if (t == "ctl") {
      if (i > limit) break;
      const std::string what = j.what.value_or("");
      if (what == "power_on") {
        layer->PowerOn();
      } else if (what == "power_off") {
        layer->CutPower(j.id.value_or("replay"));
      } else if (what == "clock") {
        layer->AdvanceClock(j.us.value_or(0));
      } else if (what == "arm") {
        FF_RETURN_IF_ERROR(layer->Arm(j.id.value_or("")));
      } else {
        return bad(absl::StrCat("control step '", what, "' cannot be replayed"));
      }
      continue;
    }
    if (t == "start") return bad("a second start record (plan replaced mid-run) cannot be replayed");
    if (t != "op") return bad(absl::StrCat("unknown record type '", t, "'"));
    if (i > limit) break;
    if (i != static_cast<int64_t>(layer->op_count())) {
      return bad(absl::StrCat("op ", i, " out of sequence (expected ", layer->op_count(), ")"));
    }
    const std::string op = j.op.value_or("");
    const uint64_t addr = j.addr.value_or(0);
    const uint64_t len = j.len.value_or(0);
    const uint64_t oob_len = j.oob.value_or(0);
    const std::optional<OobMode> mode = ModeFromName(j.mode.value_or("place"));
    if (!mode) return bad("unknown mode");
    const FlashOp fop{.addr = addr, .mode = *mode, .ooboffs = j.ooboffs.value_or(0)};
    absl::StatusCode code;
    if (op == "read") {
      data.resize(len);
      oob.resize(oob_len);
      code = layer->Read(fop, data, oob).status().code();
    } else if (op == "write") {
      if (len != 0 && !j.data) return bad("write without \"data\" payload offset");
      if (oob_len != 0 && !j.oobd) return bad("write without \"oobd\" payload offset");
      FF_RETURN_IF_ERROR(ReadPayload(payload.get(), payload_name, j.data.value_or(0), len, data));
      FF_RETURN_IF_ERROR(
          ReadPayload(payload.get(), payload_name, j.oobd.value_or(0), oob_len, oob));
      code = layer->Write(fop, data, oob).code();
    } else if (op == "erase") {
      code = layer->Erase(addr, len).code();
    } else if (op == "isbad") {
      code = layer->IsBad(addr).status().code();
    } else if (op == "markbad") {
      code = layer->MarkBad(addr).code();
    } else if (op == "sync") {
      code = layer->Sync().code();
    } else {
      return bad(absl::StrCat("unknown op '", op, "'"));
    }
    const std::string logged = j.status.value_or("");
    if (logged != StatusCodeLogName(code)) {
      return absl::DataLossError(absl::StrCat("op ", i, " (", op, "): replay gives ",
                                              StatusCodeLogName(code), ", the log says ", logged,
                                              " (", log_path, ":", lineno, ")"));
    }
    result.last_op = i;
  }
  result.log_ended = !in.good() || in.eof();
  result.hash = StateHash(*layer);
  result.layer = std::move(layer);
  return result;
}

}  // namespace flashfault

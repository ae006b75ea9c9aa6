// Step-by-step log replay; see log_replayer.h. Each line is parsed on its
// own with nlohmann::json (a few microseconds a line): simple, strict, and
// the memory use stays one line whatever the log's size.
#include "fault-models/replay/log_replayer.h"

#include "absl/strings/str_cat.h"
#include "backends/model/geometry_json.h"
#include "backends/store/ram_store.h"
#include "common/status_macros.h"
#include "fault-models/script/fault_script.h"
#include "fault-models/state_hash.h"

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

// A record's "t" and "i", or nullopt when it is not a record.
bool IsRecord(const json& j) {
  return j.is_object() && j.contains("t") && j["t"].is_string() && j.contains("i") &&
         j["i"].is_number_integer();
}

}  // namespace

absl::Status LogReplayer::Bad(absl::string_view why) const {
  return absl::InvalidArgumentError(absl::StrCat(path_, ":", lineno_, ": ", why));
}

absl::StatusOr<std::unique_ptr<LogReplayer>> LogReplayer::Open(const std::string& log_path) {
  std::unique_ptr<LogReplayer> r(new LogReplayer());
  r->path_ = log_path;
  r->in_.open(log_path);
  if (!r->in_) return absl::NotFoundError(absl::StrCat(log_path, ": cannot open"));
  std::string line;
  if (!std::getline(r->in_, line)) return r->Bad("empty log");
  ++r->lineno_;
  json start = json::parse(line, nullptr, false);
  if (start.is_discarded() || !start.is_object() || start.value("t", "") != "start") {
    return r->Bad("the first line is not a start record");
  }
  if (!start.contains("replay")) {
    return r->Bad("the log was recorded without replay data (no \"replay\" in the start line)");
  }
  const json& rj = start["replay"];
  if (!rj.is_object() || !rj.contains("geometry") || !rj.contains("plan")) {
    return r->Bad("\"replay\" must hold \"geometry\" and \"plan\"");
  }
  absl::StatusOr<Geometry> g = GeometryFromJson(rj["geometry"]);
  if (!g.ok()) return r->Bad(absl::StrCat("replay.geometry: ", g.status().message()));
  absl::StatusOr<FaultPlan> plan = ParsePlan(rj["plan"], *g);
  if (!plan.ok()) return r->Bad(absl::StrCat("replay.plan: ", plan.status().message()));
  const RuleMode rules = rj.value("rules", "strict") == "lenient" ? RuleMode::kLenient
                                                                   : RuleMode::kStrict;
  if (rj.contains("payload") && rj["payload"].is_string()) {
    r->payload_name_ = DirOf(log_path) + rj["payload"].get<std::string>();
    r->payload_.reset(std::fopen(r->payload_name_.c_str(), "rb"));
    if (r->payload_ == nullptr) {
      return absl::NotFoundError(absl::StrCat(r->payload_name_, ": cannot open"));
    }
  }
  const uint64_t stride = uint64_t{g->page_size + g->oob_size} * g->pages_per_block;
  FF_ASSIGN_OR_RETURN(std::unique_ptr<NandModel> model,
                      NandModel::Create(*g, std::make_unique<RamStore>(stride, g->block_count),
                                        rules));
  FF_ASSIGN_OR_RETURN(r->layer_,
                      FaultLayer::Create(std::move(model), *plan,
                                         FaultLayerOptions{.sink = nullptr,
                                                           .sleeper = [](uint64_t) {}}));
  return r;
}

absl::StatusOr<std::vector<LoggedOp>> LogReplayer::ScanOps(const std::string& log_path) {
  std::ifstream in(log_path);
  if (!in) return absl::NotFoundError(absl::StrCat(log_path, ": cannot open"));
  std::vector<LoggedOp> ops;
  std::string line;
  uint64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    // Cheap pre-filter: only op records are parsed.
    if (line.find("\"t\":\"op\"") == std::string::npos) continue;
    const json j = json::parse(line, nullptr, false);
    if (!IsRecord(j) || !j.contains("op") || !j["op"].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(log_path, ":", lineno, ": not a log record"));
    }
    ops.push_back({j["i"].get<uint64_t>(), j["op"].get<std::string>()});
  }
  return ops;
}

uint64_t LogReplayer::next_op() const { return layer_ ? layer_->op_count() : 0; }

absl::Status LogReplayer::Peek() {
  if (pending_ || ended_) return absl::OkStatus();
  std::string line;
  while (std::getline(in_, line)) {
    ++lineno_;
    if (line.empty()) continue;
    json j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !IsRecord(j)) return Bad("not a log record");
    pending_ = std::move(j);
    return absl::OkStatus();
  }
  ended_ = true;
  return absl::OkStatus();
}

absl::StatusOr<absl::StatusCode> LogReplayer::IssueOp(const json& j, FlashDevice& device) {
  const std::string op = j.value("op", "");
  const uint64_t addr = j.value("addr", uint64_t{0});
  const uint64_t len = j.value("len", uint64_t{0});
  const uint64_t oob_len = j.value("oob", uint64_t{0});
  const std::optional<OobMode> mode = ModeFromName(j.value("mode", "place"));
  if (!mode) return Bad("unknown mode");
  const FlashOp fop{.addr = addr, .mode = *mode, .ooboffs = j.value("ooboffs", uint32_t{0})};
  if (op == "read") {
    data_.resize(len);
    oob_.resize(oob_len);
    return device.Read(fop, data_, oob_).status().code();
  }
  if (op == "write") {
    if (len != 0 && !j.contains("data")) return Bad("write without \"data\" payload offset");
    if (oob_len != 0 && !j.contains("oobd")) return Bad("write without \"oobd\" payload offset");
    FF_RETURN_IF_ERROR(
        ReadPayload(payload_.get(), payload_name_, j.value("data", uint64_t{0}), len, data_));
    FF_RETURN_IF_ERROR(
        ReadPayload(payload_.get(), payload_name_, j.value("oobd", uint64_t{0}), oob_len, oob_));
    return device.Write(fop, data_, oob_).code();
  }
  if (op == "erase") return device.Erase(addr, len).code();
  if (op == "isbad") return device.IsBad(addr).status().code();
  if (op == "markbad") return device.MarkBad(addr).code();
  if (op == "sync") return device.Sync().code();
  return Bad(absl::StrCat("unknown op '", op, "'"));
}

// Applies pending_ to the cursor and consumes it.
absl::Status LogReplayer::ApplyPending() {
  const json j = std::move(*pending_);
  pending_.reset();
  const std::string t = j["t"].get<std::string>();
  const int64_t i = j["i"].get<int64_t>();
  FaultLayer& layer = *layer_;
  if (t == "fault") return absl::OkStatus();  // re-made by the plan, checked by the hashes
  if (t == "hash") {
    if (i != last_op_) return Bad(absl::StrCat("hash for op ", i, " out of order"));
    const std::string logged = j.value("state", "");
    const std::string now = StateHashHex(StateHash(layer));
    if (logged != now) {
      return absl::DataLossError(absl::StrCat("state hash after op ", i, ": replay gives ", now,
                                              ", the log says ", logged, " (", path_, ":",
                                              lineno_, ")"));
    }
    verified_at_ = i;
    return absl::OkStatus();
  }
  if (t == "ctl") {
    const std::string what = j.value("do", "");
    if (what == "power_on") {
      layer.PowerOn();
    } else if (what == "power_off") {
      layer.CutPower(j.value("id", "replay"));
    } else if (what == "clock") {
      layer.AdvanceClock(j.value("us", uint64_t{0}));
    } else if (what == "arm") {
      FF_RETURN_IF_ERROR(layer.Arm(j.value("id", "")));
    } else {
      return Bad(absl::StrCat("control step '", what, "' cannot be replayed"));
    }
    return absl::OkStatus();
  }
  if (t == "start") return Bad("a second start record (plan replaced mid-run) cannot be replayed");
  if (t != "op") return Bad(absl::StrCat("unknown record type '", t, "'"));
  if (i != static_cast<int64_t>(layer.op_count())) {
    return Bad(absl::StrCat("op ", i, " out of sequence (expected ", layer.op_count(), ")"));
  }
  FF_ASSIGN_OR_RETURN(const absl::StatusCode code, IssueOp(j, layer));
  const std::string logged = j.value("status", "");
  if (logged != StatusCodeLogName(code)) {
    return absl::DataLossError(absl::StrCat("op ", i, " (", j.value("op", ""), "): replay gives ",
                                            StatusCodeLogName(code), ", the log says ", logged,
                                            " (", path_, ":", lineno_, ")"));
  }
  last_op_ = i;
  return absl::OkStatus();
}

absl::Status LogReplayer::AdvanceThrough(int64_t until) {
  for (;;) {
    FF_RETURN_IF_ERROR(Peek());
    if (ended_) return absl::OkStatus();
    if ((*pending_)["i"].get<int64_t>() > until) return absl::OkStatus();
    FF_RETURN_IF_ERROR(ApplyPending());
  }
}

absl::StatusOr<absl::Status> LogReplayer::IssueNextOpOn(FlashDevice& device) {
  // Hash and fault lines before the op are the cursor's business; apply them.
  for (;;) {
    FF_RETURN_IF_ERROR(Peek());
    if (ended_) return absl::FailedPreconditionError("the log has no further op");
    const std::string t = (*pending_)["t"].get<std::string>();
    if (t == "op") break;
    if (t == "ctl") {
      return absl::FailedPreconditionError(
          absl::StrCat("a control step precedes op ", next_op(), " (", path_, ":", lineno_, ")"));
    }
    FF_RETURN_IF_ERROR(ApplyPending());
  }
  FF_ASSIGN_OR_RETURN(const absl::StatusCode code, IssueOp(*pending_, device));
  return absl::Status(code, code == absl::StatusCode::kOk ? "" : "the op failed on the copy");
}

}  // namespace flashfault

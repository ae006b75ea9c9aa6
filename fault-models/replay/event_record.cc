// Event log line parser; see event_record.h. Each line is parsed on its own
// with nlohmann::json (a few microseconds a line), so memory stays one line
// whatever the log's size. Numbers convert as nlohmann's get<T>() does; a
// field of the wrong JSON type is an error, never an exception.
#include "fault-models/replay/event_record.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flashfault {
namespace {

using nlohmann::json;

absl::Status NotA(const char* key, const char* what) {
  return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is not ", what));
}

template <typename T>
absl::Status Number(const json& j, const char* key, std::optional<T>& out) {
  const auto it = j.find(key);
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_number()) return NotA(key, "a number");
  out = it->template get<T>();
  return absl::OkStatus();
}

absl::Status String(const json& j, const char* key, std::optional<std::string>& out) {
  const auto it = j.find(key);
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_string()) return NotA(key, "a string");
  out = it->get<std::string>();
  return absl::OkStatus();
}

absl::Status Bool(const json& j, const char* key, std::optional<bool>& out) {
  const auto it = j.find(key);
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_boolean()) return NotA(key, "true or false");
  out = it->get<bool>();
  return absl::OkStatus();
}

absl::Status Numbers(const json& j, const char* key, std::vector<uint64_t>& out) {
  const auto it = j.find(key);
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_array()) return NotA(key, "an array of numbers");
  for (const json& v : *it) {
    if (!v.is_number()) return NotA(key, "an array of numbers");
    out.push_back(v.get<uint64_t>());
  }
  return absl::OkStatus();
}

absl::Status Strings(const json& j, const char* key, std::vector<std::string>& out) {
  const auto it = j.find(key);
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_array()) return NotA(key, "an array of strings");
  for (const json& v : *it) {
    if (!v.is_string()) return NotA(key, "an array of strings");
    out.push_back(v.get<std::string>());
  }
  return absl::OkStatus();
}

absl::Status Meanings(const json& j, std::vector<EventMeaning>& out) {
  const auto it = j.find("m");
  if (it == j.end()) return absl::OkStatus();
  if (!it->is_array()) return NotA("m", "an array of objects");
  for (const json& e : *it) {
    if (!e.is_object()) return NotA("m", "an array of objects");
    EventMeaning m;
    std::optional<std::string> kind, hdr_crc;
    std::optional<bool> ec, vid, copy;
    std::optional<uint64_t> pages, bad_crc;
    FF_RETURN_IF_ERROR(String(e, "kind", kind));
    m.kind = kind.value_or("?");
    FF_RETURN_IF_ERROR(Number(e, "pages", pages));
    m.pages = pages.value_or(1);
    FF_RETURN_IF_ERROR(Bool(e, "ec", ec));
    FF_RETURN_IF_ERROR(Bool(e, "vid", vid));
    FF_RETURN_IF_ERROR(Bool(e, "copy", copy));
    FF_RETURN_IF_ERROR(String(e, "hdr_crc", hdr_crc));
    m.ec = ec.value_or(false);
    m.vid = vid.value_or(false);
    m.copy = copy.value_or(false);
    m.hdr_crc_bad = hdr_crc.has_value();
    FF_RETURN_IF_ERROR(Number(e, "vol", m.vol));
    FF_RETURN_IF_ERROR(Number(e, "lnum", m.lnum));
    FF_RETURN_IF_ERROR(Number(e, "sqnum", m.sqnum));
    FF_RETURN_IF_ERROR(Number(e, "off", m.off));
    FF_RETURN_IF_ERROR(String(e, "name", m.name));
    FF_RETURN_IF_ERROR(String(e, "area", m.area));
    FF_RETURN_IF_ERROR(String(e, "cont", m.cont));
    FF_RETURN_IF_ERROR(String(e, "fm", m.fm));
    FF_RETURN_IF_ERROR(Strings(e, "nodes", m.nodes));
    FF_RETURN_IF_ERROR(Numbers(e, "inums", m.inums));
    FF_RETURN_IF_ERROR(Number(e, "bad_crc", bad_crc));
    m.bad_crc = bad_crc.value_or(0);
    out.push_back(std::move(m));
  }
  return absl::OkStatus();
}

RecordType TypeOf(const std::string& t) {
  if (t == "start") return RecordType::kStart;
  if (t == "op") return RecordType::kOp;
  if (t == "fault") return RecordType::kFault;
  if (t == "ctl") return RecordType::kControl;
  if (t == "hash") return RecordType::kHash;
  return RecordType::kUnknown;
}

}  // namespace

// Stops at the first field whose type is wrong.
absl::StatusOr<EventRecord> ParseEventRecord(std::string_view line) {
  json j = json::parse(line.begin(), line.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("t")) {
    return absl::InvalidArgumentError(kNotALogRecord);
  }
  EventRecord r;
  if (j["t"].is_string()) r.t = j["t"].get<std::string>();
  r.type = TypeOf(r.t);
  FF_RETURN_IF_ERROR(Number(j, "i", r.i));

  FF_RETURN_IF_ERROR(Number(j, "seed", r.seed));
  FF_RETURN_IF_ERROR(String(j, "geometry", r.geometry));
  FF_RETURN_IF_ERROR(Strings(j, "faults", r.faults));
  if (auto it = j.find("replay"); it != j.end()) r.replay = std::move(*it);

  FF_RETURN_IF_ERROR(String(j, "op", r.op));
  FF_RETURN_IF_ERROR(Number(j, "addr", r.addr));
  FF_RETURN_IF_ERROR(Number(j, "len", r.len));
  FF_RETURN_IF_ERROR(Number(j, "oob", r.oob));
  FF_RETURN_IF_ERROR(String(j, "mode", r.mode));
  FF_RETURN_IF_ERROR(Number(j, "ooboffs", r.ooboffs));
  FF_RETURN_IF_ERROR(String(j, "status", r.status));
  FF_RETURN_IF_ERROR(Number(j, "bf", r.bf));
  FF_RETURN_IF_ERROR(Number(j, "corr", r.corr));
  FF_RETURN_IF_ERROR(Number(j, "fail", r.fail));
  FF_RETURN_IF_ERROR(Bool(j, "scrub", r.scrub));
  FF_RETURN_IF_ERROR(Bool(j, "bad", r.bad));
  FF_RETURN_IF_ERROR(Number(j, "data", r.data));
  FF_RETURN_IF_ERROR(Number(j, "oobd", r.oobd));
  FF_RETURN_IF_ERROR(Meanings(j, r.meanings));

  FF_RETURN_IF_ERROR(String(j, "id", r.id));
  FF_RETURN_IF_ERROR(String(j, "kind", r.kind));
  FF_RETURN_IF_ERROR(String(j, "effect", r.effect));
  FF_RETURN_IF_ERROR(Number(j, "block", r.block));
  FF_RETURN_IF_ERROR(Number(j, "page", r.page));
  FF_RETURN_IF_ERROR(Numbers(j, "bits", r.bits));
  FF_RETURN_IF_ERROR(Number(j, "draw", r.draw));
  FF_RETURN_IF_ERROR(Number(j, "fire", r.fire));

  FF_RETURN_IF_ERROR(String(j, "do", r.what));
  FF_RETURN_IF_ERROR(Number(j, "us", r.us));

  FF_RETURN_IF_ERROR(String(j, "state", r.state));
  return r;
}

}  // namespace flashfault

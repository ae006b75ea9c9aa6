// JSON Lines event writer; see event_sink.h for the record format. Lines
// are built by hand into one buffer (no JSON library on this hot path): all
// values are integers, booleans or ids without control characters, which
// are escaped anyway.
#include "fault-models/event_sink.h"

#include "absl/strings/str_cat.h"

namespace flashfault {
namespace {

constexpr size_t kChunk = 1 << 16;  // write out in 64 KiB chunks

void AppendString(std::string& buf, absl::string_view s) {
  buf.push_back('"');
  for (char c : s) {
    if (c == '"' || c == '\\') {
      buf.push_back('\\');
      buf.push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      absl::StrAppend(&buf, "\\u00", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
    } else {
      buf.push_back(c);
    }
  }
  buf.push_back('"');
}

const char* ModeLogName(OobMode m) {
  switch (m) {
    case OobMode::kPlace: return "place";
    case OobMode::kAuto: return "auto";
    case OobMode::kRaw: return "raw";
  }
  return "?";
}

}  // namespace

const char* StatusCodeLogName(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk: return "ok";
    case absl::StatusCode::kInvalidArgument: return "invalid_argument";
    case absl::StatusCode::kOutOfRange: return "out_of_range";
    case absl::StatusCode::kDataLoss: return "data_loss";
    case absl::StatusCode::kUnavailable: return "unavailable";
    case absl::StatusCode::kFailedPrecondition: return "failed_precondition";
    case absl::StatusCode::kNotFound: return "not_found";
    default: return "other";
  }
}

JsonlEventSink::JsonlEventSink(std::FILE* file, bool flush_each_line)
    : file_(file), flush_each_line_(flush_each_line) {
  buf_.reserve(kChunk + 512);
}

JsonlEventSink::JsonlEventSink(std::string* out) : out_(out) {}

JsonlEventSink::~JsonlEventSink() { (void)Flush(); }

void JsonlEventSink::OnStart(const RunInfo& info) {
  absl::StrAppend(
      &buf_, "{\"t\":\"start\",\"format\":\"flashfault-events\",\"version\":1,\"seed\":", info.seed,
      ",\"geometry\":");
  AppendString(buf_, info.geometry);
  buf_.append(",\"faults\":[");
  for (size_t i = 0; i < info.fault_ids.size(); ++i) {
    if (i) buf_.push_back(',');
    AppendString(buf_, info.fault_ids[i]);
  }
  buf_.append("]}");
  EndLine();
}

void JsonlEventSink::OnOp(const OpRecord& op) {
  absl::StrAppend(&buf_, "{\"t\":\"op\",\"i\":", op.index, ",\"op\":\"", OpName(op.op),
                  "\",\"addr\":", op.addr, ",\"len\":", op.len, ",\"oob\":", op.oob_len,
                  ",\"mode\":\"", ModeLogName(op.mode), "\",\"status\":\"",
                  StatusCodeLogName(op.code), "\"");
  if (op.op == kOpRead && op.code == absl::StatusCode::kOk) {
    absl::StrAppend(
        &buf_, ",\"bf\":", op.report.max_bitflips, ",\"corr\":", op.report.corrected_bitflips,
        ",\"fail\":", op.report.failed_steps, ",\"scrub\":", op.report.scrub ? "true" : "false");
  }
  if (op.op == kOpIsBad && op.code == absl::StatusCode::kOk) {
    absl::StrAppend(&buf_, ",\"bad\":", op.bad ? "true" : "false");
  }
  buf_.push_back('}');
  EndLine();
}

void JsonlEventSink::OnFault(const FaultRecord& f) {
  absl::StrAppend(&buf_, "{\"t\":\"fault\",\"i\":", f.op_index, ",\"id\":");
  AppendString(buf_, f.id);
  absl::StrAppend(&buf_, ",\"kind\":\"", FaultKindName(f.kind), "\",\"block\":", f.block,
                  ",\"page\":", f.page, ",\"effect\":");
  AppendString(buf_, f.effect);
  buf_.append(",\"bits\":[");
  for (size_t i = 0; i < f.bits.size(); ++i) {
    if (i) buf_.push_back(',');
    absl::StrAppend(&buf_, f.bits[i]);
  }
  absl::StrAppend(&buf_, "],\"draw\":", f.draw, "}");
  EndLine();
}

void JsonlEventSink::EndLine() {
  buf_.push_back('\n');
  if (flush_each_line_ || buf_.size() >= kChunk) (void)Flush();
}

absl::Status JsonlEventSink::Flush() {
  if (out_ != nullptr) {
    out_->append(buf_);
  } else if (file_ != nullptr && !buf_.empty()) {
    if (std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size() && error_.ok()) {
      error_ = absl::DataLossError("event log: short write");
    }
    // Only every 64 KiB chunk (or line, when asked): stdio buffering alone
    // would hold records back past a crash of the server.
    if (std::fflush(file_) != 0 && error_.ok())
      error_ = absl::DataLossError("event log: flush failed");
  }
  buf_.clear();
  return error_;
}

}  // namespace flashfault

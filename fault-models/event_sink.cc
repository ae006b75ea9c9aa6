// JSON Lines event writer; see event_sink.h for the record format. Lines
// are built by hand into one buffer (no JSON library on this hot path): all
// values are integers, booleans or ids without control characters, which
// are escaped anyway.
#include "fault-models/event_sink.h"

#include "absl/strings/str_cat.h"
#include "common/bit_mask.h"
#include "decoders/jffs2_nodes.h"
#include "decoders/ubi_volume_table.h"
#include "decoders/ubifs_nodes.h"

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
  buf_.push_back(']');
  if (!replay_json_.empty()) absl::StrAppend(&buf_, ",\"replay\":", replay_json_);
  buf_.push_back('}');
  EndLine();
}

void JsonlEventSink::SetReplay(std::string start_json, std::FILE* payload) {
  replay_json_ = std::move(start_json);
  payload_ = payload;
}

void JsonlEventSink::SetStateHasher(std::function<uint64_t()> hasher, uint64_t every) {
  hasher_ = std::move(hasher);
  hash_every_ = hasher_ ? every : 0;
}

void JsonlEventSink::WritePayload(std::span<const uint8_t> bytes) {
  payload_buf_.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  payload_off_ += bytes.size();
}

void JsonlEventSink::WriteStateHash(int64_t index) {
  if (!hasher_) return;
  absl::StrAppend(&buf_, "{\"t\":\"hash\",\"i\":", index, ",\"state\":\"",
                  absl::Hex(hasher_(), absl::kZeroPad16), "\"}");
  EndLine();
}

const char* ControlKindName(ControlKind kind) {
  switch (kind) {
    case ControlKind::kPowerOn: return "power_on";
    case ControlKind::kPowerOff: return "power_off";
    case ControlKind::kClock: return "clock";
    case ControlKind::kArm: return "arm";
  }
  return "?";
}

void JsonlEventSink::OnControl(const ControlRecord& c) {
  absl::StrAppend(&buf_, "{\"t\":\"ctl\",\"i\":", c.before_op, ",\"do\":\"",
                  ControlKindName(c.kind), "\"");
  if (c.kind == ControlKind::kClock) absl::StrAppend(&buf_, ",\"us\":", c.us);
  if (!c.id.empty()) {
    buf_.append(",\"id\":");
    AppendString(buf_, c.id);
  }
  buf_.push_back('}');
  EndLine();
}

void JsonlEventSink::OnOp(const OpRecord& op) {
  absl::StrAppend(&buf_, "{\"t\":\"op\",\"i\":", op.index, ",\"op\":\"", OpName(op.op),
                  "\",\"addr\":", op.addr, ",\"len\":", op.len, ",\"oob\":", op.oob_len,
                  ",\"mode\":\"", ModeLogName(op.mode), "\",\"status\":\"",
                  StatusCodeLogName(op.code), "\"");
  if (op.ooboffs != 0) absl::StrAppend(&buf_, ",\"ooboffs\":", op.ooboffs);
  if (op.op == kOpRead && op.code == absl::StatusCode::kOk) {
    absl::StrAppend(
        &buf_, ",\"bf\":", op.report.max_bitflips, ",\"corr\":", op.report.corrected_bitflips,
        ",\"fail\":", op.report.failed_steps, ",\"scrub\":", op.report.scrub ? "true" : "false");
  }
  if (op.op == kOpIsBad && op.code == absl::StatusCode::kOk) {
    absl::StrAppend(&buf_, ",\"bad\":", op.bad ? "true" : "false");
  }
  if (!op.meanings.empty()) WriteMeanings(op);
  if (payload_ != nullptr && op.op == kOpWrite) {
    // Every write, refused or not: a replay re-issues it with the same bytes.
    if (!op.data.empty()) {
      absl::StrAppend(&buf_, ",\"data\":", payload_off_);
      WritePayload(op.data);
    }
    if (!op.oob.empty()) {
      absl::StrAppend(&buf_, ",\"oobd\":", payload_off_);
      WritePayload(op.oob);
    }
  }
  buf_.push_back('}');
  EndLine();
  if (hash_every_ != 0 && (op.index + 1) % hash_every_ == 0) {
    WriteStateHash(static_cast<int64_t>(op.index));
  }
}

namespace {

const char* NodeName(const decoders::PageMeaning& m, uint8_t t) {
  return m.kind == decoders::PageKind::kJffs2 ? decoders::Jffs2KindName(static_cast<decoders::Jffs2Kind>(t))
                                              : decoders::UbifsNodeTypeName(t);
}

}  // namespace

void JsonlEventSink::WriteMeanings(const OpRecord& op) {
  using decoders::PageKind;
  buf_.append(",\"m\":[");
  for (size_t i = 0; i < op.meanings.size(); ++i) {
    const decoders::PageMeaning& m = op.meanings[i];
    if (i) buf_.push_back(',');
    absl::StrAppend(&buf_, "{\"kind\":\"", decoders::PageKindName(m.kind), "\"");
    if (m.kind == PageKind::kErased && !m.mapped && !m.ec_header) {
      size_t run = 1;  // fold the erased pages that follow
      while (i + run < op.meanings.size() && op.meanings[i + run].kind == PageKind::kErased &&
             !op.meanings[i + run].mapped && !op.meanings[i + run].ec_header) {
        ++run;
      }
      if (run > 1) absl::StrAppend(&buf_, ",\"pages\":", run);
      i += run - 1;
      buf_.push_back('}');
      continue;
    }
    if (m.ec_header) buf_.append(",\"ec\":true");
    if (m.vid_header) buf_.append(",\"vid\":true");
    if (m.header_crc_bad) buf_.append(",\"hdr_crc\":\"bad\"");
    if (m.mapped) {
      absl::StrAppend(&buf_, ",\"vol\":", m.leb.vol_id);
      if (op.flash != nullptr) {
        auto it = op.flash->volumes().find(m.leb.vol_id);
        if (it != op.flash->volumes().end()) {
          buf_.append(",\"name\":");
          AppendString(buf_, decoders::PrintableName(
                                 decoders::Bytes(reinterpret_cast<const uint8_t*>(it->second.name.data()),
                                                 it->second.name.size()),
                                 decoders::kUbiVolNameMax));
        }
      }
      absl::StrAppend(&buf_, ",\"lnum\":", m.leb.lnum, ",\"sqnum\":", m.leb.sqnum);
      if (m.leb.copy_flag) buf_.append(",\"copy\":true");
      if (m.kind != PageKind::kEcHeader && m.kind != PageKind::kVidHeader) {
        absl::StrAppend(&buf_, ",\"off\":", m.leb_offset);
      }
    }
    if (m.area_known) absl::StrAppend(&buf_, ",\"area\":\"", decoders::UbifsAreaName(m.area), "\"");
    if (m.type_mask != 0) {
      buf_.append(",\"nodes\":[");
      bool first = true;
      for (uint8_t t = 0; t < 32; ++t) {
        if ((m.type_mask >> t & 1) == 0) continue;
        absl::StrAppend(&buf_, first ? "" : ",", "\"", NodeName(m, t), "\"");
        first = false;
      }
      buf_.push_back(']');
    }
    if (m.continued) {
      absl::StrAppend(&buf_, ",\"cont\":\"", m.continued_type == 0xFF ? "?" : NodeName(m, m.continued_type), "\"");
    }
    if (m.inum_count > 0) {
      buf_.append(",\"inums\":[");
      for (int k = 0; k < m.inum_count; ++k) absl::StrAppend(&buf_, k ? "," : "", m.inums[k]);
      buf_.push_back(']');
    }
    if (m.bad_crc > 0) absl::StrAppend(&buf_, ",\"bad_crc\":", m.bad_crc);
    if (m.kind == PageKind::kFastmap) {
      absl::StrAppend(&buf_, ",\"fm\":\"", decoders::FastmapPartName(m.fastmap), "\"");
    }
    buf_.push_back('}');
  }
  buf_.push_back(']');
}

std::vector<uint32_t> FaultBits(const FaultRecord& f) {
  std::vector<uint32_t> out(f.bits.begin(), f.bits.end());
  ForEachSetBit(f.bit_mask, [&](uint64_t bit) { out.push_back(static_cast<uint32_t>(bit)); });
  return out;
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
  bool first = f.bits.empty();
  ForEachSetBit(f.bit_mask, [&](uint64_t bit) {
    if (!first) buf_.push_back(',');
    first = false;
    absl::StrAppend(&buf_, bit);
  });
  absl::StrAppend(&buf_, "],\"draw\":", f.draw, ",\"fire\":", f.fire, "}");
  EndLine();
}

void JsonlEventSink::EndLine() {
  buf_.push_back('\n');
  if (flush_each_line_ || buf_.size() >= kChunk || payload_buf_.size() >= 16 * kChunk) {
    (void)Flush();
  }
}

absl::Status JsonlEventSink::Flush() {
  // Payload first: a log line never names bytes that are not on disk yet.
  if (payload_ != nullptr && !payload_buf_.empty()) {
    if (std::fwrite(payload_buf_.data(), 1, payload_buf_.size(), payload_) !=
            payload_buf_.size() ||
        std::fflush(payload_) != 0) {
      if (error_.ok()) error_ = absl::DataLossError("event log payload: short write");
    }
    payload_buf_.clear();
  }
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

// Reading a server's device summary (harness/server/device_summary.h) into
// a DeviceRecord; see records.h. Must not: accept a summary whose numbers
// contradict each other (a series longer than its bins, a block beyond the
// part), since the pictures would then lie.
#include "absl/strings/str_cat.h"
#include "common/json_load.h"
#include "common/status_macros.h"
#include "harness/report/json_fields.h"
#include "harness/report/records.h"
#include "harness/server/device_summary.h"

namespace flashfault::report {
namespace {

// A block number of `f` inside the part.
absl::StatusOr<uint32_t> Block(const JsonField& f, uint32_t block_count) {
  FF_ASSIGN_OR_RETURN(const uint64_t b, f.Uint());
  if (b >= block_count) return f.Error(absl::StrCat("block ", b, " beyond the part's ", block_count));
  return static_cast<uint32_t>(b);
}

absl::StatusOr<std::vector<uint32_t>> Blocks(const JsonField& f, uint32_t block_count) {
  FF_ASSIGN_OR_RETURN(const size_t n, f.ArraySize());
  std::vector<uint32_t> out;
  for (size_t i = 0; i < n; ++i) {
    FF_ASSIGN_OR_RETURN(const uint32_t b, Block(f[i], block_count));
    out.push_back(b);
  }
  return out;
}

// {"name": [counts per bin], ...}, each at most `bins` long.
absl::StatusOr<std::map<std::string, std::vector<uint64_t>>> Series(const JsonField& f, size_t bins) {
  FF_ASSIGN_OR_RETURN(const JsonField obj, f.Object());
  std::map<std::string, std::vector<uint64_t>> out;
  for (const auto& [name, value] : obj.json().items()) {
    const JsonField series = obj[name];
    FF_ASSIGN_OR_RETURN(const size_t n, series.ArraySize());
    if (n > bins) return series.Error(absl::StrCat(n, " bins, more than \"bins\" (", bins, ")"));
    std::vector<uint64_t>& counts = out[name];
    for (size_t i = 0; i < n; ++i) {
      FF_ASSIGN_OR_RETURN(const uint64_t c, series[i].Uint());
      counts.push_back(c);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<DeviceRecord> ParseDeviceRecord(const std::string& file) {
  FF_ASSIGN_OR_RETURN(const nlohmann::json doc, LoadJsonFile(file));
  const JsonField root(file, doc);
  DeviceRecord d;
  d.file = file;
  FF_ASSIGN_OR_RETURN(const std::string format, root["format"].String());
  if (format != server::kDeviceSummaryFormat) {
    return root["format"].Error(absl::StrCat("expected \"", server::kDeviceSummaryFormat, "\""));
  }
  FF_ASSIGN_OR_RETURN(const uint64_t version, root["version"].Uint());
  if (version != 1) return root["version"].Error(absl::StrCat("version ", version, " is not known (1 is)"));
  FF_ASSIGN_OR_RETURN(d.geometry, root["geometry"]["name"].String());
  FF_ASSIGN_OR_RETURN(const uint64_t blocks, root["geometry"]["block_count"].Uint());
  if (blocks == 0 || blocks > (uint64_t{1} << 24)) {
    return root["geometry"]["block_count"].Error(absl::StrCat("implausible block count ", blocks));
  }
  d.block_count = static_cast<uint32_t>(blocks);
  FF_ASSIGN_OR_RETURN(d.ops, root["ops"].Uint());
  const JsonField erases = root["erase_counts"];
  FF_ASSIGN_OR_RETURN(const size_t n, erases.ArraySize());
  if (n != d.block_count) {
    return erases.Error(absl::StrCat(n, " entries for ", d.block_count, " blocks"));
  }
  for (size_t i = 0; i < n; ++i) {
    FF_ASSIGN_OR_RETURN(const uint64_t e, erases[i].Uint());
    d.erase_counts.push_back(e);
  }
  FF_ASSIGN_OR_RETURN(d.bad_at_start, Blocks(root["bad_blocks"]["at_start"], d.block_count));
  FF_ASSIGN_OR_RETURN(d.grown_bad, Blocks(root["bad_blocks"]["grown"], d.block_count));
  const JsonField timeline = root["timeline"];
  if (timeline.present()) {
    FF_ASSIGN_OR_RETURN(d.bin_width, timeline["bin_width"].Uint());
    if (d.bin_width == 0) return timeline["bin_width"].Error("must be at least 1");
    FF_ASSIGN_OR_RETURN(const uint64_t bins, timeline["bins"].Uint());
    if (bins > 4096) return timeline["bins"].Error(absl::StrCat("implausible bin count ", bins));
    d.bins = static_cast<size_t>(bins);
    FF_ASSIGN_OR_RETURN(d.op_bins, Series(timeline["ops"], d.bins));
    FF_ASSIGN_OR_RETURN(d.fault_bins, Series(timeline["faults"], d.bins));
  }
  const JsonField per_block = root["faults_per_block"];
  if (per_block.present()) {
    FF_ASSIGN_OR_RETURN(const size_t m, per_block.ArraySize());
    for (size_t i = 0; i < m; ++i) {
      FF_ASSIGN_OR_RETURN(const uint32_t b, Block(per_block[i][0], d.block_count));
      FF_ASSIGN_OR_RETURN(const uint64_t c, per_block[i][1].Uint());
      d.faults_per_block[b] += c;
    }
  }
  return d;
}

}  // namespace flashfault::report

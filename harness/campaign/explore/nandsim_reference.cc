// The explore bench's nandsim reference; see nandsim_reference.h.
#include "harness/campaign/explore/nandsim_reference.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flashfault::campaign {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// The steps after the state is on a device: what both sides do alike.
constexpr const char* kCheckSteps[] = {"mount", "oracle", "space", "teardown"};

double Ms(const json& s, const char* step) {
  if (!s.contains("ms") || !s["ms"].contains(step) || !s["ms"][step].is_number()) return 0.0;
  return s["ms"][step].get<double>();
}

double Checks(const json& s) {
  double sum = 0;
  for (const char* step : kCheckSteps) sum += Ms(s, step);
  return sum;
}

double PerMinute(double ms) { return ms > 0 ? 60000.0 / ms : 0.0; }

}  // namespace

absl::StatusOr<std::string> NandsimModuleArgs(const Geometry& g) {
  // Third ID byte 0x00 and fourth 0x15: 2 KiB pages, 64-byte OOB, 128 KiB
  // blocks (the extended ID nand_ids.c decodes); the second byte the size.
  static const std::map<uint64_t, const char*> kSecondIdBySize = {
      {uint64_t{64} << 20, "0xf2"}, {uint64_t{128} << 20, "0xa1"}, {uint64_t{256} << 20, "0xda"}};
  const auto it = kSecondIdBySize.find(g.total_size());
  if (!g.is_nand() || g.page_size != 2048 || g.oob_size != 64 || g.pages_per_block != 64 ||
      it == kSecondIdBySize.end()) {
    return absl::UnimplementedError(absl::StrCat(
        "--vs-nandsim: no nandsim ID for ", g.name, " (", g.page_size, "+", g.oob_size,
        "-byte pages, ", g.pages_per_block, " a block, ", g.total_size() >> 20,
        " MiB); it takes 2048+64-byte pages, 64 a block, 64, 128 or 256 MiB"));
  }
  return absl::StrCat("first_id_byte=0xec second_id_byte=", it->second,
                      " third_id_byte=0x00 fourth_id_byte=0x15");
}

ojson CompareWithNandsim(const std::vector<json>& muse_states, const std::vector<json>& nandsim_states) {
  std::map<std::string, const json*> muse;
  for (const json& s : muse_states) muse[s.value("id", "")] = &s;
  double muse_full = 0, muse_checks = 0, muse_materialise = 0, ref_checks = 0, ref_restore = 0;
  uint64_t n = 0;
  ojson differ = ojson::array();
  for (const json& r : nandsim_states) {
    const auto it = muse.find(r.value("id", ""));
    if (it == muse.end()) continue;
    const json& m = *it->second;
    ++n;
    muse_materialise += Ms(m, "materialise") + Ms(m, "present");
    muse_checks += Checks(m);
    ref_checks += Checks(r);
    ref_restore += Ms(r, "materialise");
    if (m.value("result", "") != r.value("result", "")) {
      differ.push_back({{"id", r.value("id", "")}, {"flashfault", m.value("failed", "pass")},
                        {"nandsim", r.value("failed", "pass")}});
    }
  }
  muse_full = muse_materialise + muse_checks;
  auto per = [n](double total) { return n > 0 ? total / static_cast<double>(n) : 0.0; };
  ojson c;
  c["states"] = n;
  c["flashfault"] = {{"ms_per_state", per(muse_full)}, {"materialise_ms", per(muse_materialise)},
                     {"checks_ms", per(muse_checks)}, {"states_per_minute", PerMinute(per(muse_full))}};
  c["nandsim"] = {{"checks_ms", per(ref_checks)}, {"restore_ms", per(ref_restore)},
                  {"states_per_minute_checks_only", PerMinute(per(ref_checks))},
                  {"states_per_minute_with_restore", PerMinute(per(ref_checks + ref_restore))}};
  // Above 1 means flashfault takes longer; the target is <= 2 for the first.
  c["whole_vs_nandsim_checks"] = ref_checks > 0 ? muse_full / ref_checks : 0.0;
  c["checks_vs_nandsim_checks"] = ref_checks > 0 ? muse_checks / ref_checks : 0.0;
  c["whole_vs_nandsim_with_restore"] =
      ref_checks + ref_restore > 0 ? muse_full / (ref_checks + ref_restore) : 0.0;
  c["results_differ"] = differ;
  return c;
}

std::string NandsimComparisonText(const ojson& c) {
  const ojson& f = c["flashfault"];
  const ojson& r = c["nandsim"];
  std::string out = absl::StrFormat(
      "bench: %d boundary states checked on both, per state (ms):\n"
      "  flashfault  %7.1f whole (%6.1f materialise+present, %6.1f checks)  %6.1f states/min\n"
      "  nandsim     %7.1f checks (+%6.1f restore)                     %6.1f states/min checks only, "
      "%.1f with restore\n"
      "  flashfault whole / nandsim checks %.2fx (target <= 2x); checks / checks %.2fx; "
      "whole / nandsim with restore %.2fx\n",
      c["states"].get<uint64_t>(), f["ms_per_state"].get<double>(), f["materialise_ms"].get<double>(),
      f["checks_ms"].get<double>(), f["states_per_minute"].get<double>(), r["checks_ms"].get<double>(),
      r["restore_ms"].get<double>(), r["states_per_minute_checks_only"].get<double>(),
      r["states_per_minute_with_restore"].get<double>(), c["whole_vs_nandsim_checks"].get<double>(),
      c["checks_vs_nandsim_checks"].get<double>(), c["whole_vs_nandsim_with_restore"].get<double>());
  if (!c["results_differ"].empty()) {
    absl::StrAppend(&out, "  results differ on ", c["results_differ"].size(),
                    " state(s): ", c["results_differ"].dump(), "\n");
  }
  return out;
}

}  // namespace flashfault::campaign

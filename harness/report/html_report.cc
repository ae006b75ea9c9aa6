// Writing report.html; see html_report.h. Sections in page order; each
// returns its HTML (empty when there is nothing to show).
#include "harness/report/html_report.h"

#include <algorithm>
#include <numeric>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/report/html_assets.h"
#include "harness/report/svg_charts.h"
#include "harness/report/xml_text.h"

namespace flashfault::report {
namespace {

std::string E(const std::string& s) { return XmlEscape(s); }

std::string Cmd(const std::string& command) {
  if (command.empty()) return "<span class=\"muted\">none written</span>";
  return absl::StrCat("<div class=\"cmd\"><code>", E(command), "</code><button class=\"copy\" "
                      "type=\"button\" data-text=\"", XmlEscape(command, true), "\">copy</button></div>");
}

std::string Badge(Outcome o, const char* fail_word = "fail") {
  return absl::StrCat("<span class=\"badge ", OutcomeName(o), "\">",
                      o == Outcome::kFail ? fail_word : OutcomeName(o), "</span>");
}

std::string Plural(size_t n, const char* one, const char* many) {
  return absl::StrCat(n, " ", n == 1 ? one : many);
}

std::string Verdict(const MergedReport& r) {
  size_t failed = 0, errored = 0, states = 0, xerr = 0;
  for (const ScenarioCase& c : r.scenarios) {
    failed += c.outcome == Outcome::kFail;
    errored += c.outcome == Outcome::kError;
  }
  for (const Exploration& x : r.explorations) {
    states += x.states_checked;
    xerr += x.outcome == Outcome::kError;
  }
  uint64_t executions = 0;
  size_t ferr = 0, fresh = 0, known = 0;
  for (const FuzzCampaign& c : r.fuzzings) {
    executions += c.record->executions;
    ferr += c.outcome == Outcome::kError;
  }
  for (const MergedFinding& f : r.findings) (f.known ? known : fresh)++;
  const std::string fuzzed =
      r.fuzzings.empty() ? "" : absl::StrCat(", ", Plural(executions, "fuzzing execution", "fuzzing executions"));
  const std::string known_text =
      known == 0 ? "" : absl::StrCat(" (", Plural(known, "known finding", "known findings"), " came back)");
  if (r.problems() == 0) {
    return absl::StrCat("<div class=\"verdict pass\" id=\"verdict\">PASS: ",
                        Plural(r.scenarios.size(), "scenario", "scenarios"), " passed, ",
                        Plural(states, "crash state", "crash states"), " checked", E(fuzzed),
                        ", no new findings", E(known_text), "</div>");
  }
  std::vector<std::string> parts;
  if (failed) parts.push_back(absl::StrCat(Plural(failed, "scenario", "scenarios"), " failed"));
  if (errored) parts.push_back(absl::StrCat(Plural(errored, "scenario run", "scenario runs"), " could not be judged"));
  if (fresh) parts.push_back(Plural(fresh, "finding", "findings"));
  if (xerr) parts.push_back(absl::StrCat(Plural(xerr, "exploration", "explorations"), " failed to run"));
  if (ferr) parts.push_back(absl::StrCat(Plural(ferr, "fuzzing campaign", "fuzzing campaigns"), " failed to run"));
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) absl::StrAppend(&text, i ? ", " : "", parts[i]);
  return absl::StrCat("<div class=\"verdict fail\" id=\"verdict\">FAIL: ", E(text), E(known_text), "</div>");
}

std::string Tile(const std::string& value, const std::string& words) {
  return absl::StrCat("<div class=\"tile\"><b>", E(value), "</b><span>", E(words), "</span></div>");
}

std::string Tiles(const MergedReport& r) {
  size_t passed = 0, states = 0, failed_states = 0, devices = 0;
  uint64_t executions = 0;
  for (const FuzzCampaign& c : r.fuzzings) executions += c.record->executions;
  for (const ScenarioCase& c : r.scenarios) {
    passed += c.outcome == Outcome::kPass;
    devices += c.record->device.has_value();
  }
  for (const Exploration& x : r.explorations) {
    states += x.states_checked;
    failed_states += x.states_failed;
    for (const ExploreRecord* s : x.shards) devices += s->device.has_value();
  }
  std::string out = "<div class=\"tiles\">";
  absl::StrAppend(&out, Tile(absl::StrCat(passed, "/", r.scenarios.size()), "scenarios passed"),
                  Tile(absl::StrCat(r.findings.size()), "findings (signatures)"),
                  Tile(absl::StrCat(r.explorations.size()), "explorations"),
                  Tile(absl::StrCat(states), "crash states checked"),
                  Tile(absl::StrCat(failed_states), "crash states failed"),
                  Tile(absl::StrCat(executions), "fuzzing executions"),
                  Tile(absl::StrCat(devices), "device maps"));
  return out + "</div>";
}

std::string FindingsSection(const MergedReport& r) {
  if (r.findings.empty()) return "";
  std::string out = absl::StrCat(
      "<h2 id=\"findings\">Findings by signature</h2><table class=\"sortable\" id=\"findings-table\">"
      "<thead><tr><th>signature</th><th>what failed</th><th>states / inputs</th><th>first seen</th>"
      "<th>reproduce</th></tr></thead><tbody>");
  for (const MergedFinding& f : r.findings) {
    const size_t count = f.fuzz ? f.inputs : f.states.size();
    const std::string what = f.fuzz ? "failing inputs, found by fuzzing"
                                    : absl::StrCat("simplest ", f.smallest_state);
    absl::StrAppend(&out, "<tr class=\"finding\"><td>",
                    f.known ? "<span class=\"badge known\">known</span> " : "", "<b>", E(f.signature),
                    "</b><br><span class=\"muted\">", E(f.signature_id), " &middot; ",
                    f.fuzz ? "fuzz " : "", E(f.exploration), "</span></td><td>", E(f.words),
                    "</td><td class=\"num\" data-v=\"", count, "\">", count,
                    "<br><span class=\"muted\">", E(what), "</span></td><td>",
                    E(f.first_seen.empty() ? "unknown" : f.first_seen), "<br><span class=\"muted\">",
                    E(f.first_seen_note), "</span></td><td>", Cmd(FindingCommand(f)), "</td></tr>");
  }
  absl::StrAppend(&out, "</tbody></table>");
  for (const MergedFinding& f : r.findings) {
    std::string log;
    for (const std::string& l : f.kernel_log) absl::StrAppend(&log, l, "\n");
    absl::StrAppend(&out, "<details><summary>", E(f.signature), ": kernel log of ",
                    E(f.fuzz ? "its first failing input" : f.smallest_state), "</summary><pre>",
                    E(log.empty() ? "(empty)\n" : log),
                    "</pre></details>");
  }
  return out;
}

std::string FaultsFired(const ScenarioRecord& s) {
  std::string out;
  for (const auto& [id, n] : s.faults_fired) absl::StrAppend(&out, out.empty() ? "" : ", ", id, " &times;", n);
  return out.empty() ? "<span class=\"muted\">none</span>" : out;
}

std::string ScenariosSection(const MergedReport& r) {
  if (r.scenarios.empty()) return "";
  std::string out = absl::StrCat(
      "<h2 id=\"scenarios\">Scenarios</h2><div class=\"filter\"><label><input type=\"checkbox\" "
      "id=\"failures-only\"> failures only</label></div><table class=\"sortable\" id=\"scenario-table\">"
      "<thead><tr><th>verdict</th><th>scenario</th><th>checks</th><th>faults fired</th>"
      "<th>seconds</th><th>started</th><th>reproduce</th></tr></thead><tbody>");
  size_t i = 0;
  for (const ScenarioCase& c : r.scenarios) {
    const ScenarioRecord& s = *c.record;
    const size_t passed = std::count_if(s.checks.begin(), s.checks.end(),
                                        [](const CheckRecord& k) { return k.pass; });
    const std::string detail_id = absl::StrCat("scenario-detail-", i++);
    const bool ok = c.outcome == Outcome::kPass;
    absl::StrAppend(&out, "<tr class=\"", ok ? "ok" : "bad", "\"", ok ? "" : absl::StrCat(" data-detail=\"", detail_id, "\""),
                    "><td data-v=\"", ok ? 1 : 0, "\">", Badge(c.outcome), "</td><td><b>", E(c.name),
                    "</b><br><span class=\"muted\">", E(s.description.empty() ? s.scenario_file : s.description),
                    "</span></td><td class=\"num\">", passed, "/", s.checks.size(), "</td><td>",
                    FaultsFired(s), "</td><td class=\"num\">", absl::StrFormat("%.1f", s.wall_seconds),
                    "</td><td>", E(s.started_at), "</td><td>", Cmd(s.reproduce), "</td></tr>");
    if (!ok) {
      absl::StrAppend(&out, "<tr class=\"detail bad\" id=\"", detail_id, "\"><td></td><td colspan=\"6\"><b>",
                      E(c.message), "</b><pre>", E(c.details), "</pre></td></tr>");
    }
  }
  return out + "</tbody></table>";
}

std::string ExplorationsSection(const MergedReport& r) {
  if (r.explorations.empty()) return "";
  std::string out = "<h2 id=\"explorations\">Power-cut explorations</h2>";
  for (const Exploration& x : r.explorations) {
    absl::StrAppend(&out, "<h3>", Badge(x.outcome, "found"), " ", E(x.label), "</h3><p>",
                    x.states_checked, " crash states checked, ", x.states_failed, " failed, ",
                    absl::StrFormat("%.1f", x.states_per_minute), " states a minute per guest",
                    x.budget_ran_out ? "; the time budget ran out before every state was checked" : "",
                    "</p>");
    if (x.outcome == Outcome::kError) absl::StrAppend(&out, "<p><b>", E(x.message), "</b></p>");
    if (!x.missing_shards.empty()) {
      std::string m;
      for (const std::string& s : x.missing_shards) absl::StrAppend(&m, " ", s);
      absl::StrAppend(&out, "<p><b>Shards missing from this report:</b>", E(m), "</p>");
    }
    absl::StrAppend(&out, "<table><thead><tr><th>shard</th><th>verdict</th><th>states</th><th>failed</th>"
                          "<th>states/min</th><th>started</th><th>reproduce</th></tr></thead><tbody>");
    for (const ExploreRecord* s : x.shards) {
      absl::StrAppend(&out, "<tr><td>", E(s->shard), "</td><td>", E(s->verdict), "</td><td class=\"num\">",
                      s->states_checked, "</td><td class=\"num\">", s->states_failed,
                      "</td><td class=\"num\">", absl::StrFormat("%.1f", s->states_per_minute),
                      "</td><td>", E(s->started_at), "</td><td>", Cmd(s->reproduce), "</td></tr>");
    }
    absl::StrAppend(&out, "</tbody></table><p class=\"muted\">Crash states checked per minute "
                          "(green passed, red failed):</p>",
                    StatesRateSvg(x.shards));
  }
  return out;
}

std::string FuzzSection(const MergedReport& r) {
  if (r.fuzzings.empty()) return "";
  std::string out = "<h2 id=\"fuzzing\">Kernel fault fuzzing</h2>";
  for (const FuzzCampaign& c : r.fuzzings) {
    const FuzzRecord& f = *c.record;
    std::string kernels;
    for (const std::string& k : std::set<std::string>(f.kernels.begin(), f.kernels.end())) {
      absl::StrAppend(&kernels, kernels.empty() ? "" : ", ", k);
    }
    absl::StrAppend(
        &out, "<h3>", Badge(c.outcome, "found"), " ", E(c.label), "</h3><p>",
        absl::StrFormat("%u executions (%u ran the workload) in %.0f s, %.1f a minute (all guests), "
                        "%u job(s); %u KCOV edges, %u features",
                        f.executions, f.executions_with_workload, f.wall_seconds, f.per_minute,
                        f.jobs, f.kcov_edges, f.features),
        kernels.empty() ? "" : absl::StrCat("; kernel ", E(kernels)),
        f.kcov ? "" : " (no KCOV in the guest: the search was fed its other features)", "</p>");
    if (c.outcome == Outcome::kError) absl::StrAppend(&out, "<p><b>", E(c.message), "</b></p>");
    absl::StrAppend(&out, Cmd(f.reproduce), "<p class=\"muted\">Coverage over time:</p>", CoverageSvg(f));
    if (!f.mean_ms_per_step.empty()) {
      absl::StrAppend(&out, "<details><summary>where an execution's time goes (mean ms per step)"
                            "</summary><table><tbody>");
      for (const auto& [step, ms] : f.mean_ms_per_step) {
        absl::StrAppend(&out, "<tr><td>", E(step), "</td><td class=\"num\">",
                        absl::StrFormat("%.1f", ms), "</td></tr>");
      }
      absl::StrAppend(&out, "</tbody></table></details>");
    }
  }
  return out;
}

std::string DeviceFacts(const DeviceRecord& d) {
  const uint64_t total = std::accumulate(d.erase_counts.begin(), d.erase_counts.end(), uint64_t{0});
  const uint64_t max = d.erase_counts.empty() ? 0 : *std::max_element(d.erase_counts.begin(), d.erase_counts.end());
  uint64_t faults = 0;
  for (const auto& [kind, v] : d.fault_bins) {
    if (kind.rfind("ctl:", 0) != 0) faults += std::accumulate(v.begin(), v.end(), uint64_t{0});
  }
  auto list = [](const std::vector<uint32_t>& v) {
    std::string s;
    for (size_t i = 0; i < v.size() && i < 24; ++i) absl::StrAppend(&s, i ? " " : "", v[i]);
    if (v.size() > 24) absl::StrAppend(&s, " ...");
    return s.empty() ? std::string("none") : s;
  };
  return absl::StrCat(
      "<div class=\"facts\"><table><tbody><tr><td>part</td><td>", E(d.geometry), ", ", d.block_count,
      " eraseblocks</td></tr><tr><td>operations</td><td class=\"num\">", d.ops,
      "</td></tr><tr><td>erases</td><td class=\"num\">", total, " (at most ", max, " on one block, ",
      absl::StrFormat("%.2f", d.block_count ? static_cast<double>(total) / d.block_count : 0.0),
      " mean)</td></tr><tr><td>bad at start (factory)</td><td>", d.bad_at_start.size(), ": ",
      list(d.bad_at_start), "</td></tr><tr><td>grown bad</td><td>", d.grown_bad.size(), ": ",
      list(d.grown_bad), "</td></tr><tr><td>faults injected</td><td class=\"num\">", faults,
      "</td></tr></tbody></table><p>",
      LegendItem("#eef3fb", "never erased"), LegendItem("#08306b", absl::StrCat(max, " erases")),
      "<br>", LegendItem("#111111", "bad at start"), LegendItem("#d62728", "grown bad"),
      "<span class=\"key\"><span class=\"swatch\" style=\"border:2px solid #ff7f0e\"></span>faults injected</span></p></div>");
}

std::string TimelineLegend(const DeviceRecord& d) {
  std::string out = "<p>";
  for (const auto& [kind, v] : d.op_bins) absl::StrAppend(&out, LegendItem(SeriesColour(kind), kind == "failed" ? "failed ops" : kind));
  for (const auto& [kind, v] : d.fault_bins) absl::StrAppend(&out, LegendItem(SeriesColour(kind), kind));
  return out + "</p>";
}

std::string Device(const std::string& title, const DeviceRecord& d, bool open) {
  std::string out = absl::StrCat("<details class=\"device-section\"", open ? " open" : "", "><summary>",
                                 E(title), "</summary><div class=\"device\">", BlockMapSvg(d),
                                 DeviceFacts(d), "</div>");
  if (d.bins > 0) {
    absl::StrAppend(&out, "<p class=\"muted\">Operations (top) and injected faults (bottom) along the op "
                          "sequence, ", d.bin_width, " ops per bar:</p>",
                    TimelineSvg(d), TimelineLegend(d));
  }
  return out + "</details>";
}

// A few devices are all shown open; of many, those of failed scenarios.
constexpr size_t kOpenDevices = 4;

std::string DevicesSection(const MergedReport& r) {
  size_t devices = 0;
  for (const ScenarioCase& c : r.scenarios) devices += c.record->device.has_value();
  for (const Exploration& x : r.explorations) {
    for (const ExploreRecord* s : x.shards) devices += s->device.has_value();
  }
  const bool all_open = devices <= kOpenDevices;
  std::string out;
  for (const ScenarioCase& c : r.scenarios) {
    if (!c.record->device) continue;
    out += Device(absl::StrCat("scenario ", c.name, " (", OutcomeName(c.outcome), ")"), *c.record->device,
                  all_open || c.outcome != Outcome::kPass);
  }
  for (const Exploration& x : r.explorations) {
    for (const ExploreRecord* s : x.shards) {
      if (!s->device) continue;
      out += Device(absl::StrCat("recording of ", x.label, s->shard == "1/1" ? "" : " shard " + s->shard),
                    *s->device, all_open);
    }
  }
  if (out.empty()) return "";
  return absl::StrCat("<h2 id=\"devices\">Eraseblocks: wear, bad blocks, faults</h2><p class=\"muted\">One "
                      "square per eraseblock, darker with more erases; hover a square for its "
                      "numbers.</p>", out);
}

std::string ImagesSection(const MergedReport& r) {
  std::string out;
  for (const ScenarioCase& c : r.scenarios) {
    if (!c.record->image_map) continue;
    const decoders::ImageMap& m = *c.record->image_map;
    std::string counts;
    for (auto u : {decoders::PebUse::kMapped, decoders::PebUse::kStale, decoders::PebUse::kFree,
                   decoders::PebUse::kErased, decoders::PebUse::kBad, decoders::PebUse::kCorrupt,
                   decoders::PebUse::kJffs2, decoders::PebUse::kUnknown}) {
      if (const uint32_t n = m.Count(u); n > 0) absl::StrAppend(&counts, counts.empty() ? "" : ", ", n, " ", decoders::PebUseName(u));
    }
    std::string volumes;
    for (const decoders::VolumeMap& v : m.volumes) {
      uint32_t nodes = 0;
      if (v.ubifs) nodes = std::accumulate(v.ubifs->counts.begin(), v.ubifs->counts.end(), 0u);
      absl::StrAppend(&volumes, "<tr><td class=\"num\">", v.vol_id, "</td><td>",
                      E(v.record ? v.record->name : std::string("(internal)")), "</td><td class=\"num\">",
                      v.record ? v.record->reserved_pebs : 0, "</td><td class=\"num\">", v.lebs.size(),
                      "</td><td>", v.ubifs ? absl::StrCat("UBIFS, ", nodes, " nodes, ", v.ubifs->inodes.size(), " inodes") : "",
                      "</td></tr>");
    }
    absl::StrAppend(&out, "<h3>", E(c.name), ": ", E(c.record->image_file), "</h3><p>format ", E(m.format),
                    ": ", E(counts), "</p><div class=\"device\">", PebUseSvg(m));
    if (!volumes.empty()) {
      absl::StrAppend(&out, "<table><thead><tr><th>volume</th><th>name</th><th>reserved PEBs</th>"
                            "<th>LEBs mapped</th><th>contents</th></tr></thead><tbody>", volumes, "</tbody></table>");
    }
    absl::StrAppend(&out, "</div><p>", LegendItem("#1f77b4", "mapped"), LegendItem("#aec7e8", "stale"),
                    LegendItem("#a1d99b", "free (EC header)"), LegendItem("#f0f0f0", "erased"),
                    LegendItem("#111111", "bad"), LegendItem("#d62728", "corrupt"),
                    LegendItem("#9467bd", "JFFS2"), LegendItem("#bdbdbd", "unknown"), "</p>");
  }
  if (out.empty()) return "";
  return absl::StrCat("<h2 id=\"images\">Decoded initial images</h2><p class=\"muted\">What the flash held "
                      "when the scenario started, read by the UBI, UBIFS and JFFS2 decoders.</p>", out);
}

std::string InputsSection(const MergedReport& r, const std::vector<std::string>& inputs) {
  std::set<std::string> files;
  for (const ScenarioCase& c : r.scenarios) files.insert(c.record->file);
  for (const Exploration& x : r.explorations) {
    for (const ExploreRecord* s : x.shards) files.insert(s->file);
  }
  for (const FuzzCampaign& c : r.fuzzings) files.insert(c.record->file);
  std::string out = "<h2 id=\"inputs\">Inputs</h2><p>Merged from";
  for (const std::string& d : inputs) absl::StrAppend(&out, " <code>", E(d), "</code>");
  out += ":</p><ul>";
  for (const std::string& f : files) absl::StrAppend(&out, "<li><code>", E(f), "</code></li>");
  return out + "</ul>";
}

}  // namespace

std::string HtmlReport(const MergedReport& r, const std::vector<std::string>& inputs) {
  return absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>flashfault report: ", r.problems() == 0 ? "PASS" : "FAIL", "</title><style>", kReportCss,
      "</style></head><body>\n<h1>flashfault report</h1>", Verdict(r), Tiles(r), FindingsSection(r),
      ScenariosSection(r), ExplorationsSection(r), FuzzSection(r), DevicesSection(r), ImagesSection(r),
      InputsSection(r, inputs), "\n<script>", kReportScript, "</script>\n</body></html>\n");
}

}  // namespace flashfault::report

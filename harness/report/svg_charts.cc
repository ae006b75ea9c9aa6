// The report's SVG pictures; see svg_charts.h. Coordinates are whole or
// one-decimal numbers so the output is the same on every machine.
#include "harness/report/svg_charts.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/report/xml_text.h"

namespace flashfault::report {
namespace {

constexpr size_t kMaxCells = 8192;  // squares in a map; more blocks share a square

std::string Num(double v) { return absl::StrFormat("%.1f", v); }

// `t` in [0, 1] from a very light to a dark blue.
std::string Shade(double t) {
  t = std::clamp(t, 0.0, 1.0);
  const int r = static_cast<int>(std::lround(0xee + (0x08 - 0xee) * t));
  const int g = static_cast<int>(std::lround(0xf3 + (0x30 - 0xf3) * t));
  const int b = static_cast<int>(std::lround(0xfb + (0x6b - 0xfb) * t));
  return absl::StrFormat("#%02x%02x%02x", r, g, b);
}

std::string Rect(double x, double y, double w, double h, const std::string& fill,
                 const std::string& extra = "/>") {
  return absl::StrCat("<rect x=\"", Num(x), "\" y=\"", Num(y), "\" width=\"", Num(w),
                      "\" height=\"", Num(h), "\" fill=\"", fill, "\"", extra);
}

std::string Text(double x, double y, const std::string& text, const char* anchor = "start") {
  return absl::StrCat("<text x=\"", Num(x), "\" y=\"", Num(y), "\" font-size=\"11\" text-anchor=\"",
                      anchor, "\" fill=\"#333\">", XmlEscape(text), "</text>");
}

std::string SvgOpen(double w, double h, const std::string& label) {
  return absl::StrCat("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"", Num(w), "\" height=\"",
                      Num(h), "\" viewBox=\"0 0 ", Num(w), " ", Num(h), "\" role=\"img\" aria-label=\"",
                      XmlEscape(label, true), "\" font-family=\"sans-serif\">");
}

// A grid of squares, `cells` of them; `cell(i)` gives fill, stroke (or "")
// and title of square i.
template <typename Cell>
std::string Grid(size_t cells, const std::string& label, Cell cell) {
  const size_t cols = cells <= 256 ? 16 : cells <= 1024 ? 32 : 64;
  const size_t rows = (cells + cols - 1) / cols;
  constexpr double kPitch = 13, kSide = 11;
  std::string out = SvgOpen(cols * kPitch + 1, rows * kPitch + 1, label);
  for (size_t i = 0; i < cells; ++i) {
    const auto [fill, stroke, title] = cell(i);
    const std::string extra =
        stroke.empty() ? std::string(">")
                       : absl::StrCat(" stroke=\"", stroke, "\" stroke-width=\"2\">");
    absl::StrAppend(&out, Rect((i % cols) * kPitch + 1, (i / cols) * kPitch + 1, kSide, kSide, fill,
                               extra),
                    "<title>", XmlEscape(title), "</title></rect>");
  }
  return out + "</svg>";
}

// The time axis of the states chart: the smallest step that gives at most
// 60 bars.
double BucketSeconds(double total) {
  for (double step : {5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0}) {
    if (total / step <= 60) return step;
  }
  return std::ceil(total / 60 / 3600) * 3600;
}

std::string Duration(double s) {
  if (s < 120) return absl::StrFormat("%.0f s", s);
  if (s < 7200) return absl::StrFormat("%.0f min", s / 60);
  return absl::StrFormat("%.1f h", s / 3600);
}

}  // namespace

std::string SeriesColour(const std::string& name) {
  static const std::pair<const char*, const char*> kFixed[] = {
      {"read", "#9ecae1"},          {"write", "#3182bd"},         {"erase", "#08519c"},
      {"isbad", "#c6dbef"},         {"markbad", "#6a51a3"},       {"sync", "#bdbdbd"},
      {"failed", "#d62728"},        {"read_bitflip", "#ff7f0e"},  {"charge_loss", "#ffbb78"},
      {"stuck_bit", "#8c564b"},     {"program_fail", "#a50f15"},  {"erase_fail", "#e377c2"},
      {"factory_bad", "#111111"},   {"grown_bad", "#7f0000"},     {"power_cut", "#9467bd"},
      {"read_disturb", "#bcbd22"},  {"retention", "#17becf"},     {"wear_out", "#7f7f7f"},
      {"latency", "#c5b0d5"},       {"ctl:power_off", "#5b2c83"}, {"ctl:power_on", "#2ca02c"},
  };
  for (const auto& [n, c] : kFixed) {
    if (name == n) return c;
  }
  // Anything new: a colour from its name, stable across runs.
  uint32_t h = 2166136261u;
  for (char ch : name) h = (h ^ static_cast<uint8_t>(ch)) * 16777619u;
  return absl::StrFormat("hsl(%d,60%%,45%%)", static_cast<int>(h % 360));
}

std::string LegendItem(const std::string& colour, const std::string& words) {
  return absl::StrCat("<span class=\"key\"><span class=\"swatch\" style=\"background:", colour,
                      "\"></span>", XmlEscape(words), "</span>");
}

std::string BlockMapSvg(const DeviceRecord& d) {
  const size_t per = (d.block_count + kMaxCells - 1) / kMaxCells;  // blocks per square
  const size_t cells = (d.block_count + per - 1) / per;
  const uint64_t max_e = std::max<uint64_t>(
      1, d.erase_counts.empty() ? 1 : *std::max_element(d.erase_counts.begin(), d.erase_counts.end()));
  std::vector<uint8_t> state(d.block_count, 0);  // 1 bad at start, 2 grown
  for (uint32_t b : d.bad_at_start) state[b] = 1;
  for (uint32_t b : d.grown_bad) state[b] = 2;
  return Grid(cells, absl::StrCat("eraseblock map of ", d.geometry), [&](size_t i) {
    const size_t first = i * per, last = std::min<size_t>(first + per, d.block_count) - 1;
    uint64_t erases = 0, faults = 0;
    uint8_t worst = 0;
    for (size_t b = first; b <= last; ++b) {
      erases = std::max(erases, d.erase_counts[b]);
      worst = std::max(worst, state[b]);
      auto it = d.faults_per_block.find(static_cast<uint32_t>(b));
      if (it != d.faults_per_block.end()) faults += it->second;
    }
    std::string title = per == 1 ? absl::StrCat("block ", first, ": ")
                                 : absl::StrCat("blocks ", first, "-", last, ": at most ");
    absl::StrAppend(&title, erases, erases == 1 ? " erase" : " erases");
    if (worst == 1) absl::StrAppend(&title, ", bad at start (factory)");
    if (worst == 2) absl::StrAppend(&title, ", grown bad during the run");
    if (faults > 0) absl::StrAppend(&title, ", ", faults, " faults injected");
    const std::string fill = worst == 1 ? "#111111" : worst == 2 ? "#d62728"
                                        : Shade(static_cast<double>(erases) / max_e);
    return std::tuple<std::string, std::string, std::string>(fill, faults > 0 ? "#ff7f0e" : "",
                                                             title);
  });
}

std::string TimelineSvg(const DeviceRecord& d) {
  constexpr double kW = 860, kLeft = 56, kPanel = 110, kGap = 28;
  const size_t bins = std::max<size_t>(d.bins, 1);
  const double bar = (kW - kLeft - 8) / bins;
  const double h = 10 + kPanel + kGap + kPanel + 30;
  std::string out = SvgOpen(kW, h, "operations and injected faults along the op sequence");
  auto at = [](const std::map<std::string, std::vector<uint64_t>>& m, const std::string& k, size_t i) {
    auto it = m.find(k);
    return it == m.end() || i >= it->second.size() ? uint64_t{0} : it->second[i];
  };
  auto stack_max = [&](const std::map<std::string, std::vector<uint64_t>>& m, bool skip_failed) {
    uint64_t mx = 1;
    for (size_t i = 0; i < bins; ++i) {
      uint64_t sum = 0;
      for (const auto& [k, v] : m) sum += (skip_failed && k == "failed") ? 0 : at(m, k, i);
      mx = std::max(mx, sum);
    }
    return mx;
  };
  const uint64_t ops_max = stack_max(d.op_bins, true), faults_max = stack_max(d.fault_bins, false);
  const double top1 = 10, top2 = 10 + kPanel + kGap;
  absl::StrAppend(&out, Rect(kLeft, top1, kW - kLeft - 8, kPanel, "#fafafa", ">") + "</rect>",
                  Rect(kLeft, top2, kW - kLeft - 8, kPanel, "#fafafa", ">") + "</rect>");
  absl::StrAppend(&out, Text(kLeft - 4, top1 + 10, absl::StrCat(ops_max), "end"),
                  Text(kLeft - 4, top1 + kPanel, "0", "end"), Text(4, top1 + kPanel / 2, "ops"),
                  Text(kLeft - 4, top2 + 10, absl::StrCat(faults_max), "end"),
                  Text(kLeft - 4, top2 + kPanel, "0", "end"), Text(4, top2 + kPanel / 2, "faults"));
  for (size_t i = 0; i < bins; ++i) {
    const double x = kLeft + i * bar;
    double y = top1 + kPanel;
    std::string hover = absl::StrCat("ops ", i * d.bin_width, "-", (i + 1) * d.bin_width - 1, ":");
    for (const auto& [kind, v] : d.op_bins) {
      const uint64_t n = at(d.op_bins, kind, i);
      if (n == 0) continue;
      absl::StrAppend(&hover, " ", n, " ", kind, ";");
      if (kind == "failed") continue;
      const double hh = kPanel * static_cast<double>(n) / ops_max;
      y -= hh;
      absl::StrAppend(&out, Rect(x, y, std::max(bar - 0.5, 0.5), hh, SeriesColour(kind), "/>"));
    }
    if (const uint64_t failed = at(d.op_bins, "failed", i); failed > 0) {
      const double hh = std::max(1.5, kPanel * static_cast<double>(failed) / ops_max);
      absl::StrAppend(&out, Rect(x, top1 + kPanel - hh, std::max(bar - 0.5, 0.5), hh,
                                 SeriesColour("failed"), "/>"));
    }
    y = top2 + kPanel;
    for (const auto& [kind, v] : d.fault_bins) {
      const uint64_t n = at(d.fault_bins, kind, i);
      if (n == 0) continue;
      absl::StrAppend(&hover, " ", n, " ", kind, " faults;");
      const double hh = std::max(1.5, kPanel * static_cast<double>(n) / faults_max);
      y -= hh;
      absl::StrAppend(&out, Rect(x, y, std::max(bar - 0.5, 0.5), hh, SeriesColour(kind), "/>"));
    }
    // A see-through column over both panels carries the numbers on hover.
    absl::StrAppend(&out, Rect(x, top1, bar, top2 + kPanel - top1, "transparent", ">"),
                    "<title>", XmlEscape(hover), "</title></rect>");
  }
  const double base = top2 + kPanel + 16;
  for (int q = 0; q <= 4; ++q) {
    const double x = kLeft + (kW - kLeft - 8) * q / 4;
    const uint64_t op = static_cast<uint64_t>(std::llround(static_cast<double>(bins * d.bin_width) * q / 4));
    absl::StrAppend(&out, Text(x, base, absl::StrCat("op ", op), q == 0 ? "start" : q == 4 ? "end" : "middle"));
  }
  return out + "</svg>";
}

std::string StatesRateSvg(const std::vector<const ExploreRecord*>& shards) {
  std::vector<std::pair<double, bool>> done;  // (seconds into the checks, failed)
  for (const ExploreRecord* e : shards) {
    double clock = 0;
    for (const StateRecord& s : e->states) {
      clock += s.ms / 1000;
      done.emplace_back(s.at_s.value_or(clock), s.failed);
    }
  }
  constexpr double kW = 860, kLeft = 56, kH = 150;
  std::string out = SvgOpen(kW, kH + 40, "crash states checked per minute");
  if (done.empty()) return out + Text(kLeft, 20, "no state records (states.jsonl)") + "</svg>";
  double total = 0;
  for (const auto& [t, f] : done) total = std::max(total, t);
  const double step = BucketSeconds(std::max(total, 1.0));
  const size_t buckets = static_cast<size_t>(std::ceil(std::max(total, 1e-9) / step));
  std::vector<uint64_t> pass(buckets, 0), fail(buckets, 0);
  for (const auto& [t, f] : done) {
    const size_t b = std::min(buckets - 1, static_cast<size_t>(t / step));
    (f ? fail : pass)[b]++;
  }
  uint64_t mx = 1;
  for (size_t b = 0; b < buckets; ++b) mx = std::max(mx, pass[b] + fail[b]);
  // The mean over the checks' own time (the last bar may be cut short).
  const double mean = done.size() * 60.0 / std::max(total, 1e-9);
  const double per_min = 60.0 / step, ymax = std::max(mx * per_min, mean);
  const double bar = (kW - kLeft - 8) / buckets;
  absl::StrAppend(&out, Rect(kLeft, 10, kW - kLeft - 8, kH, "#fafafa", ">") + "</rect>",
                  Text(kLeft - 4, 20, absl::StrFormat("%.0f/min", ymax), "end"),
                  Text(kLeft - 4, 10 + kH, "0", "end"));
  for (size_t b = 0; b < buckets; ++b) {
    const double x = kLeft + b * bar;
    const double hp = kH * pass[b] * per_min / ymax, hf = kH * fail[b] * per_min / ymax;
    const std::string title = absl::StrFormat("%s-%s: %d states (%.0f/min), %d failed",
                                              Duration(b * step), Duration((b + 1) * step),
                                              pass[b] + fail[b], (pass[b] + fail[b]) * per_min, fail[b]);
    absl::StrAppend(&out, Rect(x, 10 + kH - hp - hf, std::max(bar - 1, 0.5), hp, "#2ca02c", "/>"),
                    Rect(x, 10 + kH - hf, std::max(bar - 1, 0.5), hf, "#d62728", "/>"),
                    Rect(x, 10, bar, kH, "transparent", ">"), "<title>", XmlEscape(title),
                    "</title></rect>");
  }
  const double y = 10 + kH - kH * mean / ymax;
  const std::string together =
      shards.size() > 1 ? absl::StrCat(" (", shards.size(), " shards together)") : "";
  absl::StrAppend(&out, "<line x1=\"", Num(kLeft), "\" y1=\"", Num(y), "\" x2=\"", Num(kW - 8),
                  "\" y2=\"", Num(y), "\" stroke=\"#333\" stroke-dasharray=\"4 3\"/>",
                  Text(kW - 10, std::max(y - 4, 20.0), absl::StrFormat("mean %.1f/min%s", mean, together), "end"),
                  Text(kLeft, kH + 30, "0"),
                  Text(kW - 8, kH + 30, Duration(buckets * step), "end"),
                  Text((kW + kLeft) / 2, kH + 30, absl::StrCat("time into the checks, bars of ",
                                                               Duration(step)), "middle"));
  return out + "</svg>";
}

std::string CoverageSvg(const FuzzRecord& r) {
  // KCOV edges when a guest had KCOV, else the other features (log
  // templates, fault kinds, steps) that fed the search.
  const bool edges = r.kcov;
  auto value = [edges](const CoveragePoint& p) { return edges ? p.edges : p.features; };
  const std::string what = edges ? "KCOV edges" : "features";
  constexpr double kW = 860, kLeft = 56, kH = 150;
  std::string out = SvgOpen(kW, kH + 40, "coverage over the fuzzing time");
  double tmax = 0;
  uint64_t vmax = 0;
  size_t points = 0;
  for (const std::vector<CoveragePoint>& c : r.curves) {
    for (const CoveragePoint& p : c) {
      tmax = std::max(tmax, p.t);
      vmax = std::max(vmax, value(p));
    }
    points += c.size();
  }
  if (points == 0) return out + Text(kLeft, 20, "no executions recorded") + "</svg>";
  tmax = std::max(tmax, 1.0);
  vmax = std::max<uint64_t>(vmax, 1);
  auto x = [&](double t) { return kLeft + (kW - kLeft - 8) * t / tmax; };
  auto y = [&](uint64_t v) { return 10 + kH - kH * static_cast<double>(v) / vmax; };
  absl::StrAppend(&out, Rect(kLeft, 10, kW - kLeft - 8, kH, "#fafafa", ">") + "</rect>",
                  Text(kLeft - 4, 20, absl::StrCat(vmax), "end"), Text(kLeft - 4, 10 + kH, "0", "end"));
  static const char* const kColours[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b"};
  for (size_t w = 0; w < r.curves.size(); ++w) {
    const std::vector<CoveragePoint>& c = r.curves[w];
    if (c.empty()) continue;
    // A step line: coverage only grows when an execution ends.
    std::string path = absl::StrCat("M", Num(x(c.front().t)), " ", Num(y(0)));
    uint64_t last = 0;
    for (const CoveragePoint& p : c) {
      absl::StrAppend(&path, " L", Num(x(p.t)), " ", Num(y(last)), " L", Num(x(p.t)), " ",
                      Num(y(value(p))));
      last = value(p);
    }
    const std::string title = absl::StrFormat("guest %d: %d executions, %d %s at %s", w + 1,
                                              c.size(), last, what, Duration(c.back().t));
    absl::StrAppend(&out, "<path d=\"", path, "\" fill=\"none\" stroke=\"",
                    kColours[w % std::size(kColours)], "\" stroke-width=\"2\"><title>",
                    XmlEscape(title), "</title></path>");
  }
  absl::StrAppend(&out, Text(kLeft, kH + 30, "0"), Text(kW - 8, kH + 30, Duration(tmax), "end"),
                  Text((kW + kLeft) / 2, kH + 30,
                       absl::StrCat(what, " over the time into the campaign, one line per guest"),
                       "middle"));
  return out + "</svg>";
}

std::string PebUseSvg(const decoders::ImageMap& map) {
  using decoders::PebUse;
  auto colour = [](PebUse u) -> std::string {
    switch (u) {
      case PebUse::kMapped: return "#1f77b4";
      case PebUse::kStale: return "#aec7e8";
      case PebUse::kFree: return "#a1d99b";
      case PebUse::kErased: return "#f0f0f0";
      case PebUse::kBad: return "#111111";
      case PebUse::kCorrupt: return "#d62728";
      case PebUse::kJffs2: return "#9467bd";
      case PebUse::kUnknown: return "#bdbdbd";
    }
    return "#bdbdbd";
  };
  const size_t cells = std::min(map.pebs.size(), kMaxCells);
  return Grid(cells, "decoded eraseblock use", [&](size_t i) {
    const decoders::PebEntry& e = map.pebs[i];
    std::string title = absl::StrCat("PEB ", i, ": ", decoders::PebUseName(e.use));
    if (e.use == PebUse::kMapped || e.use == PebUse::kStale) {
      absl::StrAppend(&title, ", volume ", e.leb.vol_id, " LEB ", e.leb.lnum);
    }
    if (e.has_ec) absl::StrAppend(&title, ", erase counter ", e.ec);
    return std::tuple<std::string, std::string, std::string>(colour(e.use), "", title);
  });
}

}  // namespace flashfault::report

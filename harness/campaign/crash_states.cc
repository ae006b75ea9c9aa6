// Crash-state selection; see crash_states.h.
#include "harness/campaign/crash_states.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "fault-models/trigger.h"

namespace flashfault::campaign {
namespace {

// One splitmix64 step from `x`: the fault layer's own generator, so every
// derived seed goes through the project's one mixing function.
uint64_t Mix(uint64_t x) { return Rng(x).Next(); }

// A state's seed: from the run's seed, the op and the variant, never 0 (0
// marks boundary states, which need none).
uint64_t StateSeed(uint64_t run_seed, uint64_t op, CrashVariant v) {
  const uint64_t s = Mix(Mix(run_seed) ^ Mix(op * 4 + static_cast<uint64_t>(v)));
  return s == 0 ? 1 : s;
}

bool ChangesCells(RecordedOp::Kind k) {
  return k == RecordedOp::Kind::kWrite || k == RecordedOp::Kind::kErase ||
         k == RecordedOp::Kind::kOther;  // markbad: the bad table changes
}

// Every state of the window before mode and shard, in op order.
std::vector<CrashState> AllStates(std::span<const RecordedOp> ops, const SelectionOptions& o) {
  std::vector<CrashState> all;
  for (const RecordedOp& op : ops) {
    if (op.index < o.first_op || op.index > o.last_op || !ChangesCells(op.kind)) continue;
    all.push_back({op.index, CrashVariant::kBoundary, 0});
    const bool tearable = op.kind == RecordedOp::Kind::kWrite || op.kind == RecordedOp::Kind::kErase;
    if (!tearable || o.inside == Inside::kNone) continue;
    all.push_back({op.index, CrashVariant::kTorn, StateSeed(o.seed, op.index, CrashVariant::kTorn)});
    if (o.inside == Inside::kAll) {
      all.push_back({op.index, CrashVariant::kUnstable,
                     StateSeed(o.seed, op.index, CrashVariant::kUnstable)});
    }
  }
  return all;
}

absl::StatusOr<uint64_t> PositiveNumber(absl::string_view text, absl::string_view what) {
  uint64_t v = 0;
  if (!absl::SimpleAtoi(text, &v) || v == 0 || text.empty() || text[0] == '+') {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected a positive number, got '", text, "'"));
  }
  return v;
}

}  // namespace

const char* CrashVariantName(CrashVariant v) {
  switch (v) {
    case CrashVariant::kBoundary: return "boundary";
    case CrashVariant::kTorn: return "torn";
    case CrashVariant::kUnstable: return "unstable";
  }
  return "?";
}

std::optional<CrashVariant> CrashVariantFromName(absl::string_view name) {
  for (CrashVariant v : {CrashVariant::kBoundary, CrashVariant::kTorn, CrashVariant::kUnstable}) {
    if (name == CrashVariantName(v)) return v;
  }
  return std::nullopt;
}

double CrashState::torn_fraction() const {
  if (variant == CrashVariant::kBoundary) return 0.0;
  // Between 1/16 and 15/16 of the cells done: a tear that is neither
  // nothing (the boundary state) nor everything (the next boundary).
  return (1 + Mix(seed) % 15) / 16.0;
}

std::string CrashState::Id() const {
  if (variant == CrashVariant::kBoundary) return absl::StrCat("op", op);
  return absl::StrCat("op", op, ".", CrashVariantName(variant), ".s", seed);
}

absl::StatusOr<CrashState> ParseCrashStateId(absl::string_view id) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("crash state '", id, "': ", why,
                                                   " (expected opN, opN.torn.sS or opN.unstable.sS)"));
  };
  const std::vector<absl::string_view> parts = absl::StrSplit(id, '.');
  CrashState s;
  if (parts[0].size() < 3 || parts[0].substr(0, 2) != "op" ||
      !absl::SimpleAtoi(parts[0].substr(2), &s.op) || parts[0][2] == '+') {
    return bad("no op number");
  }
  if (parts.size() == 1) return s;
  if (parts.size() != 3) return bad("wrong number of parts");
  const std::optional<CrashVariant> v = CrashVariantFromName(parts[1]);
  if (!v || *v == CrashVariant::kBoundary) return bad("unknown variant");
  s.variant = *v;
  if (parts[2].size() < 2 || parts[2][0] != 's' || !absl::SimpleAtoi(parts[2].substr(1), &s.seed) ||
      s.seed == 0 || parts[2][1] == '+') {
    return bad("no seed");
  }
  return s;
}

absl::StatusOr<ExploreMode> ParseExploreMode(absl::string_view text) {
  ExploreMode m;
  if (text == "exhaustive") return m;
  if (text == "bisect") {
    m.kind = ExploreMode::Kind::kBisect;
    return m;
  }
  const size_t colon = text.find(':');
  const absl::string_view head = text.substr(0, colon);
  if (colon != absl::string_view::npos && (head == "every" || head == "sample")) {
    absl::StatusOr<uint64_t> n = PositiveNumber(text.substr(colon + 1), absl::StrCat("--mode ", head));
    if (!n.ok()) return n.status();
    m.kind = head == "every" ? ExploreMode::Kind::kEvery : ExploreMode::Kind::kSample;
    m.n = *n;
    return m;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "--mode: expected exhaustive, every:K, sample:N or bisect, got '", text, "'"));
}

absl::StatusOr<Inside> ParseInside(absl::string_view text) {
  if (text == "none") return Inside::kNone;
  if (text == "torn") return Inside::kTorn;
  if (text == "all") return Inside::kAll;
  return absl::InvalidArgumentError(
      absl::StrCat("--inside: expected none, torn or all, got '", text, "'"));
}

absl::StatusOr<Shard> ParseShard(absl::string_view text) {
  const size_t slash = text.find('/');
  Shard s;
  if (slash == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("--shard: expected i/N, got '", text, "'"));
  }
  absl::StatusOr<uint64_t> i = PositiveNumber(text.substr(0, slash), "--shard i");
  if (!i.ok()) return i.status();
  absl::StatusOr<uint64_t> n = PositiveNumber(text.substr(slash + 1), "--shard N");
  if (!n.ok()) return n.status();
  if (*i > *n || *n > UINT32_MAX) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shard: i must lie in 1..N, got '", text, "'"));
  }
  s.index = static_cast<uint32_t>(*i);
  s.count = static_cast<uint32_t>(*n);
  return s;
}

absl::StatusOr<SelectionOptions> ParseSelection(absl::string_view mode, absl::string_view inside,
                                                absl::string_view shard) {
  SelectionOptions o;
  FF_ASSIGN_OR_RETURN(o.mode, ParseExploreMode(mode));
  FF_ASSIGN_OR_RETURN(o.inside, ParseInside(inside));
  FF_ASSIGN_OR_RETURN(o.shard, ParseShard(shard));
  if (o.mode.kind == ExploreMode::Kind::kBisect && o.shard.count > 1) {
    return absl::InvalidArgumentError("--shard: bisect walks one ordered list and cannot be split");
  }
  return o;
}

uint64_t CountCrashStates(std::span<const RecordedOp> ops, const SelectionOptions& options) {
  return AllStates(ops, options).size();
}

std::vector<CrashState> SelectCrashStates(std::span<const RecordedOp> ops,
                                          const SelectionOptions& o) {
  std::vector<CrashState> all = AllStates(ops, o);
  std::vector<CrashState> picked;
  switch (o.mode.kind) {
    case ExploreMode::Kind::kExhaustive:
      picked = std::move(all);
      break;
    case ExploreMode::Kind::kBisect:
      // Bisection walks boundaries only: "the first failing cut".
      for (const CrashState& s : all) {
        if (s.variant == CrashVariant::kBoundary) picked.push_back(s);
      }
      break;
    case ExploreMode::Kind::kEvery: {
      // Every K-th cell-changing op, with all of its variants.
      uint64_t nth = 0;
      for (size_t i = 0; i < all.size(); ++i) {
        if (all[i].variant == CrashVariant::kBoundary) ++nth;
        if ((nth - 1) % o.mode.n == 0) picked.push_back(all[i]);
      }
      break;
    }
    case ExploreMode::Kind::kSample: {
      // A seeded partial Fisher-Yates: the first N of a permutation.
      const size_t n = std::min<uint64_t>(o.mode.n, all.size());
      uint64_t r = Mix(o.seed ^ 0x5A3D1E5ull);
      for (size_t i = 0; i < n; ++i) {
        r = Mix(r);
        std::swap(all[i], all[i + r % (all.size() - i)]);
      }
      all.resize(n);
      std::sort(all.begin(), all.end(), [](const CrashState& a, const CrashState& b) {
        return a.op != b.op ? a.op < b.op : a.variant < b.variant;
      });
      picked = std::move(all);
      break;
    }
  }
  if (o.shard.count <= 1 || o.mode.kind == ExploreMode::Kind::kBisect) return picked;
  // Round-robin, so every shard spans the whole workload.
  std::vector<CrashState> mine;
  for (size_t i = 0; i < picked.size(); ++i) {
    if (i % o.shard.count == o.shard.index - 1) mine.push_back(picked[i]);
  }
  return mine;
}

}  // namespace flashfault::campaign

// Delta debugging over faults and ops; see minimize.h.
#include "harness/campaign/fuzz/minimize.h"

#include <algorithm>

namespace flashfault::campaign::fuzz {
namespace {

// Splits `s` into `parts` nearly equal chunks, in order.
std::vector<Subset> Split(const Subset& s, size_t parts) {
  std::vector<Subset> out;
  size_t start = 0;
  for (size_t i = 0; i < parts; ++i) {
    const size_t len = (s.size() - start) / (parts - i);
    out.emplace_back(s.begin() + static_cast<std::ptrdiff_t>(start),
                     s.begin() + static_cast<std::ptrdiff_t>(start + len));
    start += len;
  }
  return out;
}

Subset Without(const Subset& s, const Subset& chunk) {
  Subset out;
  std::set_difference(s.begin(), s.end(), chunk.begin(), chunk.end(), std::back_inserter(out));
  return out;
}

// Minimises the ops `ops_of` names in `best` (a reference into the case).
template <typename OpsOf>
size_t MinimizeOps(FuzzCase& best, OpsOf ops_of, const std::function<bool(const FuzzCase&)>& fails,
                   size_t* budget) {
  const auto ops = ops_of(best);
  auto with_ops = [&](const Subset& keep) {
    FuzzCase t = best;
    auto& dst = ops_of(t);
    dst.clear();
    for (size_t i : keep) dst.push_back(ops[i]);
    return t;
  };
  const Subset kept = DeltaDebug(ops.size(), [&](const Subset& s) { return fails(with_ops(s)); }, budget);
  best = with_ops(kept);
  return kept.size();
}

}  // namespace

Subset DeltaDebug(size_t n, const std::function<bool(const Subset&)>& fails, size_t* budget) {
  Subset current(n);
  for (size_t i = 0; i < n; ++i) current[i] = i;
  auto test = [&](const Subset& s) {
    if (*budget == 0) return false;
    --*budget;
    return fails(s);
  };
  if (n == 0) return current;
  // The empty set first: a failure that needs none of the items.
  if (test({})) return {};
  size_t granularity = 2;
  while (current.size() >= 2 && *budget > 0) {
    granularity = std::min(granularity, current.size());
    const std::vector<Subset> chunks = Split(current, granularity);
    bool reduced = false;
    for (const Subset& chunk : chunks) {  // a chunk alone
      if (chunk.size() < current.size() && test(chunk)) {
        current = chunk;
        granularity = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      for (const Subset& chunk : chunks) {  // everything but a chunk
        const Subset rest = Without(current, chunk);
        if (granularity > 2 && test(rest)) {
          current = rest;
          granularity = std::max<size_t>(granularity - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (granularity >= current.size()) break;  // 1-minimal
      granularity = std::min(current.size(), granularity * 2);
    }
  }
  return current;
}

FuzzCase MinimizeCase(const FuzzCase& c, const std::function<bool(const FuzzCase&)>& fails,
                      size_t budget, MinimizeStats* stats) {
  FuzzCase best = c;
  const nlohmann::json faults =
      c.script.contains("faults") && c.script["faults"].is_array() ? c.script["faults"]
                                                                   : nlohmann::json::array();
  stats->faults_before = faults.size();
  stats->ops_before = c.workload.ops.size();
  const size_t start_budget = budget;

  auto with_faults = [&](const Subset& keep) {
    FuzzCase t = best;
    nlohmann::json list = nlohmann::json::array();
    for (size_t i : keep) list.push_back(faults[i]);
    t.script["faults"] = list;
    return t;
  };
  const Subset kept_faults =
      DeltaDebug(faults.size(), [&](const Subset& s) { return fails(with_faults(s)); }, &budget);
  best = with_faults(kept_faults);

  // The ops of whichever workload the case has: a file system's or a UBI volume's.
  if (best.volume) {
    stats->ops_before = best.volume->ops.size();
    stats->ops_after = MinimizeOps(
        best, [](FuzzCase& t) -> std::vector<ubi_volume::VolumeOp>& { return t.volume->ops; }, fails,
        &budget);
  } else {
    stats->ops_after = MinimizeOps(
        best, [](FuzzCase& t) -> std::vector<oracle::Op>& { return t.workload.ops; }, fails, &budget);
  }

  stats->tests = start_budget - budget;
  stats->faults_after = kept_faults.size();
  return best;
}

}  // namespace flashfault::campaign::fuzz

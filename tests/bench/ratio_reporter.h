// RatioReporter: a Google Benchmark console reporter that also prints each
// benchmark's throughput as a ratio of a named reference measured in the
// same run (machines here are noisy; only same-run ratios mean anything).
//
// A benchmark named "X/ref" is the reference of every "X/..." benchmark.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace flashfault::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.error_occurred) continue;
      const double seconds = r.real_accumulated_time / static_cast<double>(r.iterations);
      rates_.push_back({r.benchmark_name(), 1.0 / seconds});
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    std::map<std::string, double> refs;
    for (const auto& [name, rate] : rates_) {
      const size_t slash = name.find('/');
      if (slash != std::string::npos && name.compare(slash, 4, "/ref") == 0) {
        refs[name.substr(0, slash)] = rate;
      }
    }
    std::printf("\nratios to the reference measured in this run:\n");
    for (const auto& [name, rate] : rates_) {
      const size_t slash = name.find('/');
      if (slash == std::string::npos) continue;
      auto ref = refs.find(name.substr(0, slash));
      if (ref == refs.end() || name.compare(slash, 4, "/ref") == 0) continue;
      std::printf("  %-40s %6.1f%% of %s/ref\n", name.c_str(), 100.0 * rate / ref->second,
                  ref->first.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, double>> rates_;
};

inline int RunWithRatios(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}

}  // namespace flashfault::bench

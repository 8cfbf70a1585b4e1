// Running dualiter::benchmark cases inside a test: a reporter that keeps what it is given and
// prints nowhere, and the cases of one test run by name prefix, a fixed number of runs each.
#ifndef DUALITER_TESTS_SUPPORT_BENCHMARK_RUNS_HPP
#define DUALITER_TESTS_SUPPORT_BENCHMARK_RUNS_HPP

#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <dualiter/benchmark.hpp>

namespace dualiter::testing {

/// A summary_reporter that keeps every run and writes to strings instead of the console.
class capturing_reporter : public dualiter::benchmark::summary_reporter {
 public:
  capturing_reporter() {
    SetOutputStream(&out);
    SetErrorStream(&err);
  }
  void ReportRuns(const std::vector<Run>& reported) override {
    summary_reporter::ReportRuns(reported);
    runs.insert(runs.end(), reported.begin(), reported.end());
  }

  /// The run of the case registered as `name` (e.g. "both/sync"), if it ran.
  const Run* find(const std::string& name) const {
    for (const Run& run : runs) {
      if (run.run_name.function_name == name) return &run;
    }
    return nullptr;
  }

  /// A counter's value in the run of case `name`, if both are there.
  std::optional<double> counter(const std::string& name, const std::string& counter_name) const {
    const Run* run = find(name);
    if (run == nullptr) return std::nullopt;
    const auto found = run->counters.find(counter_name);
    if (found == run->counters.end()) return std::nullopt;
    return found->second.value;
  }

  std::vector<std::string> case_names() const {
    std::vector<std::string> names;
    for (const Run& run : runs) names.push_back(run.run_name.function_name);
    return names;
  }

  std::vector<Run> runs;
  std::ostringstream out, err;
};

/// Gives each case `runs` iterations (a count, not a time budget), so a test takes microseconds.
inline void few_runs(const std::vector<::benchmark::internal::Benchmark*>& cases, int runs = 3) {
  for (auto* c : cases) c->Iterations(runs);
}

/// Runs the registered cases whose name starts with `prefix` + "/" into `reporter`.
inline void run_cases(const std::string& prefix, capturing_reporter& reporter) {
  ::benchmark::RunSpecifiedBenchmarks(&reporter, "^" + prefix + "/");
}

}  // namespace dualiter::testing

#endif  // DUALITER_TESTS_SUPPORT_BENCHMARK_RUNS_HPP

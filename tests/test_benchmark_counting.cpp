// dualiter::benchmark with DUALITER_BENCHMARK_COUNT_ALLOCATIONS(): the allocation counters are
// there, and they count what they say (test_benchmark.cpp: without it, they are absent).
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/adapters.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/benchmark.hpp>
#include <dualiter/generator.hpp>

#include "support/benchmark_runs.hpp"
#include "support/sources.hpp"

DUALITER_BENCHMARK_COUNT_ALLOCATIONS();

using dualiter::benchmark::register_iterable;
using dualiter::testing::capturing_reporter;
using dualiter::testing::few_runs;
using dualiter::testing::run_cases;

namespace {

// Every element a std::string too long for the small-string buffer: one allocation each.
dualiter::generator<std::string> long_strings(int n) {
  for (int i = 0; i < n; ++i) co_yield std::string(100, 'x');
}

dualiter::async_generator<std::string> async_long_strings(int n) {
  for (int i = 0; i < n; ++i) co_yield std::string(100, 'x');
}

}  // namespace

TEST(count_allocations, generators_and_vectors_allocate_nothing_per_element) {
  few_runs(register_iterable("none/vector", [] { return std::vector<int>(64, 1); }));
  few_runs(
      register_iterable("none/generator", [] { return dualiter::testing::sync_count_to(64); }));
  few_runs(
      register_iterable("none/async_generator", [] { return dualiter::testing::count_to(64); }));
  few_runs(register_iterable("none/dual", [] { return dualiter::dual(std::vector<int>(64, 1)); }));
  capturing_reporter reporter;
  run_cases("none", reporter);
  const std::vector<std::string> names = {"none/vector/sync",
                                          "none/generator/sync",
                                          "none/async_generator/async_sync_wait",
                                          "none/async_generator/async_run",
                                          "none/dual/sync",
                                          "none/dual/async_sync_wait",
                                          "none/dual/async_run"};
  for (const auto& name : names) {
    SCOPED_TRACE(name);
    ASSERT_NE(reporter.find(name), nullptr);
    EXPECT_EQ(reporter.find(name)->error_message, "");
    EXPECT_EQ(reporter.counter(name, "allocs_per_item"), 0.0);
    ASSERT_TRUE(reporter.counter(name, "allocs_per_run").has_value());
    if (name.find("/vector/") != std::string::npos || name.find("/dual/") != std::string::npos) {
      EXPECT_GE(*reporter.counter(name, "allocs_per_run"), 1.0) << "the vector's buffer";
    } else if (dualiter::detail::frame_cache_enabled) {
      // Generator and task frames come back from the per-thread frame cache after the first
      // run (detail/frame_allocation.hpp): fewer than one fresh allocation per run.
      EXPECT_LT(*reporter.counter(name, "allocs_per_run"), 1.0);
    } else {
      EXPECT_GE(*reporter.counter(name, "allocs_per_run"), 1.0) << "the frames";
    }
  }
  if (!dualiter::detail::frame_cache_enabled) {
    // The async cases add the consuming task's frame to what the factory allocated.
    EXPECT_GT(*reporter.counter("none/async_generator/async_sync_wait", "allocs_per_run"),
              *reporter.counter("none/generator/sync", "allocs_per_run"));
  }
}

TEST(count_allocations, counts_an_allocation_per_element_where_there_is_one) {
  few_runs(register_iterable("per_element/sync", [] { return long_strings(50); }));
  few_runs(register_iterable("per_element/async", [] { return async_long_strings(50); }));
  capturing_reporter reporter;
  run_cases("per_element", reporter);
  for (const char* name : {"per_element/sync/sync", "per_element/async/async_sync_wait",
                           "per_element/async/async_run"}) {
    SCOPED_TRACE(name);
    // From the first element on: the first string was made before it was handed out.
    const auto per_item = reporter.counter(name, "allocs_per_item");
    ASSERT_TRUE(per_item.has_value());
    EXPECT_NEAR(*per_item, 49.0 / 50.0, 1e-9);
  }
}

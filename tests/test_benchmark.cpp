// dualiter::benchmark without allocation counting (test_benchmark_counting.cpp has it on).
// Each test registers cases under a name prefix of its own and runs only those, a fixed number
// of runs each: the tests check names, counts and messages, never durations.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/adapters.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/benchmark.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/generator.hpp>

#include "support/benchmark_runs.hpp"
#include "support/expect.hpp"
#include "support/sources.hpp"

using dualiter::benchmark::register_iterable;
using dualiter::testing::capturing_reporter;
using dualiter::testing::count_to;
using dualiter::testing::few_runs;
using dualiter::testing::run_cases;
using dualiter::testing::sync_count_to;

namespace {

std::string error_of(const capturing_reporter& reporter, const std::string& name) {
  const auto* run = reporter.find(name);
  return run == nullptr ? "(case did not run)" : run->error_message;
}

}  // namespace

TEST(register_iterable, registers_one_case_per_protocol_the_result_supports) {
  const auto vector_cases =
      register_iterable("kinds/vector", [] { return std::vector<int>(8, 1); });
  const auto async_cases = register_iterable("kinds/async_generator", [] { return count_to(8); });
  const auto dual_cases =
      register_iterable("kinds/dual", [] { return dualiter::dual(std::vector<int>(8, 1)); });
  EXPECT_EQ(vector_cases.size(), 1u);
  EXPECT_EQ(async_cases.size(), 2u);
  EXPECT_EQ(dual_cases.size(), 3u);
  for (const auto* cases : {&vector_cases, &async_cases, &dual_cases}) few_runs(*cases);

  capturing_reporter reporter;
  run_cases("kinds", reporter);
  const std::vector<std::string> expected = {"kinds/vector/sync",
                                             "kinds/async_generator/async_sync_wait",
                                             "kinds/async_generator/async_run",
                                             "kinds/dual/sync",
                                             "kinds/dual/async_sync_wait",
                                             "kinds/dual/async_run"};
  auto names = reporter.case_names();
  std::sort(names.begin(), names.end());
  auto sorted_expected = expected;
  std::sort(sorted_expected.begin(), sorted_expected.end());
  EXPECT_EQ(names, sorted_expected);

  for (const auto& name : expected) {
    SCOPED_TRACE(name);
    EXPECT_EQ(error_of(reporter, name), "");
    const auto ns = reporter.counter(name, "ns_per_item");
    ASSERT_TRUE(ns.has_value());
    EXPECT_TRUE(std::isfinite(*ns));
    EXPECT_GT(*ns, 0);
    const auto rate = reporter.counter(name, "items_per_second");
    ASSERT_TRUE(rate.has_value());
    EXPECT_GT(*rate, 0);
    // No DUALITER_BENCHMARK_COUNT_ALLOCATIONS() in this program: absent, not zero.
    EXPECT_FALSE(reporter.counter(name, "allocs_per_item").has_value());
    EXPECT_FALSE(reporter.counter(name, "allocs_per_run").has_value());
  }
}

TEST(register_iterable, calls_the_factory_once_per_run_and_consumes_every_element) {
  int made = 0, produced = 0;
  const auto counting = [&made, &produced]() -> dualiter::generator<int> {
    ++made;
    for (int i = 0; i < 100; ++i) {
      ++produced;
      co_yield i;
    }
  };
  few_runs(register_iterable("once", counting), 5);
  capturing_reporter reporter;
  run_cases("once", reporter);
  EXPECT_EQ(error_of(reporter, "once/sync"), "");
  EXPECT_EQ(made, 5);
  EXPECT_EQ(produced, 500);
}

TEST(summary_reporter, prints_a_row_per_iterable_with_the_async_to_sync_ratios) {
  few_runs(register_iterable("table/dual", [] { return dualiter::dual(std::vector<int>(64, 1)); }));
  few_runs(register_iterable("table/sync_only", [] { return sync_count_to(64); }));
  few_runs(register_iterable("table/async_only", [] { return count_to(64); }));
  capturing_reporter reporter;
  run_cases("table", reporter);

  const std::string table = reporter.table();
  EXPECT_NE(table.find("| iterable | sync ns/item | async_sync_wait ns/item | async_run ns/item | "
                       "async_sync_wait / sync | async_run / sync |"),
            std::string::npos)
      << table;
  // The table follows Google Benchmark's own output.
  const std::string printed = reporter.out.str();
  EXPECT_NE(printed.find(table), std::string::npos);
  EXPECT_LT(printed.find("table/dual/sync"), printed.find(table));

  const auto row = [&](const std::string& name) {
    const auto start = table.find("| " + name + " |");
    return start == std::string::npos ? std::string()
                                      : table.substr(start, table.find('\n', start) - start);
  };
  const auto cells = [](const std::string& line) {
    std::vector<std::string> out;
    std::string::size_type at = 1;
    while (true) {
      const auto bar = line.find('|', at);
      if (bar == std::string::npos) break;
      std::string cell = line.substr(at, bar - at);
      cell.erase(0, cell.find_first_not_of(' '));
      cell.erase(cell.find_last_not_of(' ') + 1);
      out.push_back(cell);
      at = bar + 1;
    }
    return out;
  };
  const auto dual = cells(row("table/dual"));
  ASSERT_EQ(dual.size(), 6u) << table;
  for (int i = 1; i < 6; ++i) EXPECT_GT(std::stod(dual[i]), 0) << dual[i];
  // The ratio is the async column over the sync one (to the 2 decimals printed).
  EXPECT_NEAR(std::stod(dual[4]), std::stod(dual[2]) / std::stod(dual[1]),
              0.01 + 0.01 * std::stod(dual[2]) / std::stod(dual[1]) + 0.005 / std::stod(dual[1]));
  EXPECT_EQ(cells(row("table/sync_only")),
            (std::vector<std::string>{"table/sync_only", cells(row("table/sync_only"))[1], "—", "—",
                                      "—", "—"}));
  const auto async_only = cells(row("table/async_only"));
  ASSERT_EQ(async_only.size(), 6u) << table;
  EXPECT_EQ(async_only[1], "—");
  EXPECT_EQ(async_only[4], "—");
  EXPECT_EQ(async_only[5], "—");

  // The same numbers through the accessor.
  EXPECT_GT(reporter.ns_per_item("table/dual", dualiter::benchmark::protocol::async_run), 0);
  EXPECT_LT(reporter.ns_per_item("table/sync_only", dualiter::benchmark::protocol::async_run), 0);
}

TEST(summary_reporter, prints_no_table_when_no_registered_iterable_ran) {
  capturing_reporter reporter;
  run_cases("nothing_by_this_name", reporter);
  EXPECT_EQ(reporter.table(), "");
}

TEST(register_iterable, takes_a_name_with_slashes_as_it_is) {
  few_runs(register_iterable("slash/a/b", [] { return std::vector<int>(4, 1); }));
  capturing_reporter reporter;
  run_cases("slash", reporter);
  EXPECT_EQ(reporter.case_names(), std::vector<std::string>{"slash/a/b/sync"});
  EXPECT_NE(reporter.table().find("| slash/a/b | "), std::string::npos) << reporter.table();
}

TEST(summary_reporter, escapes_a_bar_in_a_name_so_the_row_keeps_its_columns) {
  few_runs(register_iterable("bar/a|b", [] { return std::vector<int>(4, 1); }));
  capturing_reporter reporter;
  run_cases("bar", reporter);
  EXPECT_NE(reporter.table().find("| bar/a\\|b | "), std::string::npos) << reporter.table();
}

TEST(register_iterable, refuses_a_name_registered_before_or_an_empty_one) {
  register_iterable("twice", [] { return std::vector<int>(4, 1); });
  EXPECT_THROW(
      {
        try {
          register_iterable("twice", [] { return count_to(4); });
        } catch (const std::invalid_argument& e) {
          EXPECT_TRUE(dualiter::testing::contains(e.what(), "\"twice\" is registered already"))
              << e.what();
          throw;
        }
      },
      std::invalid_argument);
  EXPECT_THROW(register_iterable("", [] { return count_to(4); }), std::invalid_argument);
}

TEST(register_iterable, reports_an_empty_iterable_as_an_error_not_a_number) {
  few_runs(register_iterable("empty", [] { return std::vector<int>(); }));
  capturing_reporter reporter;
  run_cases("empty", reporter);
  const auto* run = reporter.find("empty/sync");
  ASSERT_NE(run, nullptr);
  EXPECT_TRUE(dualiter::testing::contains(run->error_message, "empty/sync: a run gave no elements"))
      << run->error_message;
  EXPECT_EQ(reporter.table(), "");
}

TEST(register_iterable, reports_what_a_throwing_iterable_threw_and_goes_on) {
  const auto throws_after_two = []() -> dualiter::generator<int> {
    co_yield 1;
    co_yield 2;
    throw std::runtime_error("the source broke");
  };
  const auto async_throws = []() -> dualiter::async_generator<int> {
    co_yield 1;
    throw std::runtime_error("the async source broke");
  };
  few_runs(register_iterable("throws/sync", throws_after_two));
  few_runs(register_iterable("throws/async", async_throws));
  few_runs(register_iterable(
      "throws/factory", []() -> std::vector<int> { throw std::logic_error("no items today"); }));
  few_runs(register_iterable("throws/fine", [] { return std::vector<int>(4, 1); }));
  capturing_reporter reporter;
  run_cases("throws", reporter);
  EXPECT_TRUE(dualiter::testing::contains(error_of(reporter, "throws/sync/sync"),
                                          "throws/sync/sync: the factory or the iterable threw: "
                                          "the source broke"));
  for (const char* name : {"throws/async/async_sync_wait", "throws/async/async_run"}) {
    EXPECT_TRUE(dualiter::testing::contains(error_of(reporter, name), "the async source broke"))
        << name;
  }
  EXPECT_TRUE(
      dualiter::testing::contains(error_of(reporter, "throws/factory/sync"), "no items today"));
  // The cases after a failed one still run.
  EXPECT_EQ(error_of(reporter, "throws/fine/sync"), "");
}

TEST(register_iterable, an_iterable_that_needs_the_event_loop_fails_under_sync_wait_only) {
  const auto sleeps = []() -> dualiter::async_generator<int> {
    co_await dualiter::sleep_for(std::chrono::nanoseconds(0));
    co_yield 1;
  };
  few_runs(register_iterable("needs_loop", sleeps));
  capturing_reporter reporter;
  run_cases("needs_loop", reporter);
  EXPECT_TRUE(dualiter::testing::contains(error_of(reporter, "needs_loop/async_sync_wait"),
                                          "no running event loop"))
      << error_of(reporter, "needs_loop/async_sync_wait");
  EXPECT_EQ(error_of(reporter, "needs_loop/async_run"), "");
}

namespace {

// Neither copyable nor movable: the factory's result is made in place.
class pinned_items {
 public:
  pinned_items() = default;
  pinned_items(const pinned_items&) = delete;
  pinned_items& operator=(const pinned_items&) = delete;
  const int* begin() const { return items_; }
  const int* end() const { return items_ + 4; }

 private:
  int items_[4] = {1, 2, 3, 4};
};

}  // namespace

TEST(register_iterable, takes_move_only_factories_immovable_and_move_only_iterables) {
  auto owned = std::make_unique<std::vector<int>>(16, 1);
  few_runs(register_iterable("move_only/factory",
                             [owned = std::move(owned)] { return dualiter::dual(*owned); }));
  few_runs(register_iterable("move_only/pinned", [] { return pinned_items(); }));
  few_runs(register_iterable("move_only/iterable", [] { return sync_count_to(16); }));
  capturing_reporter reporter;
  run_cases("move_only", reporter);
  for (const char* name : {"move_only/factory/sync", "move_only/factory/async_run",
                           "move_only/pinned/sync", "move_only/iterable/sync"}) {
    EXPECT_EQ(error_of(reporter, name), "") << name;
    EXPECT_TRUE(reporter.counter(name, "ns_per_item").has_value()) << name;
  }
}

TEST(register_iterable, iterates_in_place_what_a_factory_returns_by_reference) {
  std::vector<int> items(32, 1);
  const std::vector<int>* seen = nullptr;
  // A vector can be iterated again: every run walks the same one, never a copy.
  few_runs(register_iterable("by_reference/vector", [&]() -> std::vector<int>& {
    seen = &items;
    return items;
  }));
  // A generator cannot: the second run finds it exhausted, and says so.
  auto once = sync_count_to(8);
  few_runs(register_iterable("by_reference/generator",
                             [&]() -> dualiter::generator<int>& { return once; }));
  capturing_reporter reporter;
  run_cases("by_reference", reporter);
  EXPECT_EQ(error_of(reporter, "by_reference/vector/sync"), "");
  EXPECT_EQ(seen, &items);
  EXPECT_TRUE(dualiter::testing::contains(error_of(reporter, "by_reference/generator/sync"),
                                          "a run gave no elements"));
}

TEST(register_iterable, reports_the_median_of_repetitions) {
  for (auto* c : register_iterable("repeated", [] { return std::vector<int>(16, 1); })) {
    c->Iterations(2)->Repetitions(3)->ReportAggregatesOnly(true);
  }
  capturing_reporter reporter;
  run_cases("repeated", reporter);
  // Only the aggregates reach the reporter: the table takes their median.
  EXPECT_GT(reporter.ns_per_item("repeated", dualiter::benchmark::protocol::sync), 0);
  EXPECT_NE(reporter.table().find("| repeated | "), std::string::npos);
}

TEST(register_iterable, takes_const_results_and_rvalue_references) {
  std::vector<int> items(8, 1);
  few_runs(register_iterable("qualified/const",
                             []() -> const std::vector<int> { return std::vector<int>(8, 1); }));
  few_runs(register_iterable("qualified/rvalue_reference",
                             [&]() -> std::vector<int>&& { return std::move(items); }));
  capturing_reporter reporter;
  run_cases("qualified", reporter);
  EXPECT_EQ(error_of(reporter, "qualified/const/sync"), "");
  EXPECT_EQ(error_of(reporter, "qualified/rvalue_reference/sync"), "");
  EXPECT_EQ(items.size(), 8u);  // iterated where it is, never moved from
}

TEST(register_iterable, refuses_to_run_on_several_threads) {
  for (auto* c : register_iterable("threads", [] { return std::vector<int>(8, 1); })) {
    c->Iterations(2)->Threads(2);
  }
  capturing_reporter reporter;
  run_cases("threads", reporter);
  ASSERT_FALSE(reporter.runs.empty());
  EXPECT_TRUE(
      dualiter::testing::contains(reporter.runs.front().error_message, "cases run on one thread"))
      << reporter.runs.front().error_message;
}

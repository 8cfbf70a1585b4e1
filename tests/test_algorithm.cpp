#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/adapters.hpp>
#include <dualiter/algorithm.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

#include "support/expect.hpp"
#include "support/manual.hpp"
#include "support/sources.hpp"

using dualiter::as_async;
using dualiter::async_generator;
using dualiter::for_each;
using dualiter::sync_wait;
using dualiter::task;
using dualiter::to_vector;
using dualiter::testing::count_to;
using dualiter::testing::lifetime_counter;
using namespace std::chrono_literals;

TEST(for_each, calls_f_with_every_element_of_an_lvalue_source) {
  auto g = count_to(4);
  std::vector<int> seen;
  sync_wait(for_each(g, [&](int x) { seen.push_back(x); }));
  EXPECT_EQ(seen, (std::vector<int>{1, 2, 3, 4}));
}

TEST(for_each, over_an_empty_source_never_calls_f) {
  int calls = 0;
  sync_wait(for_each(count_to(0), [&](int) { ++calls; }));
  sync_wait(for_each(as_async(std::vector<int>{}), [&](int) { ++calls; }));
  EXPECT_EQ(calls, 0);
}

TEST(for_each, awaits_a_task_returned_by_f_before_pulling_the_next_element) {
  std::vector<std::string> log;
  auto produce = [&]() -> async_generator<int> {
    for (int i = 0; i < 2; ++i) {
      log.push_back("produce " + std::to_string(i));
      co_yield i;
    }
  };
  dualiter::run(for_each(produce(), [&](int x) -> task<> {
    log.push_back("start " + std::to_string(x));
    co_await dualiter::sleep_for(1ms);
    log.push_back("end " + std::to_string(x));
  }));
  EXPECT_EQ(log, (std::vector<std::string>{"produce 0", "start 0", "end 0", "produce 1", "start 1",
                                           "end 1"}));
}

TEST(for_each, moves_an_rvalue_source_into_the_task_so_it_may_be_awaited_later) {
  // The temporaries below die at the end of their full-expressions; the tasks must not refer
  // to them (AddressSanitizer reports it if they do).
  int sum = 0;
  auto over_vector = for_each(as_async(std::vector<int>{1, 2, 3}), [&](int x) { sum += x; });
  auto over_generator = for_each(count_to(3), [&](int x) { sum += 10 * x; });
  std::vector<int> filler(64, 0);  // reuse the temporaries' stack space
  sync_wait(std::move(over_vector));
  sync_wait(std::move(over_generator));
  EXPECT_EQ(sum, 66);
  EXPECT_EQ(filler.size(), 64u);
}

TEST(for_each, an_exception_from_the_source_reaches_the_awaiter) {
  auto failing = []() -> async_generator<int> {
    co_yield 1;
    throw std::runtime_error("source");
  };
  int calls = 0;
  EXPECT_THROW(sync_wait(for_each(failing(), [&](int) { ++calls; })), std::runtime_error);
  EXPECT_EQ(calls, 1);
}

TEST(for_each, an_exception_from_f_stops_the_loop_and_abandons_the_source) {
  int live = 0;
  auto source = [](int* live) -> async_generator<int> {
    lifetime_counter guard(live);
    for (int i = 0;; ++i) co_yield i;
  };
  try {
    sync_wait(for_each(source(&live), [](int x) -> task<> {
      if (x == 3) throw std::invalid_argument("f failed at 3");
      co_return;
    }));
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "f failed at 3");
  }
  EXPECT_EQ(live, 0) << "the generator, owned by the task, is destroyed with it";
}

// The algorithms take an async_generator's synchronously produced elements in a plain loop
// (push_elements); these pin down that the loop keeps every guarantee of the anext loop.
namespace {
// Elements 0..n-1; every `suspend_every`-th one after a real trip through the event loop.
async_generator<int> with_real_suspensions(int n, int suspend_every, int* live = nullptr) {
  int unwatched = 0;
  lifetime_counter guard(live != nullptr ? live : &unwatched);
  for (int i = 0; i < n; ++i) {
    if ((i + 1) % suspend_every == 0) co_await dualiter::yield_now();
    co_yield i;
  }
}

// A chain of `depth` tasks each awaiting the next, the innermost running `inner`.
template <class Inner>
task<long> nested(int depth, Inner inner) {
  if (depth == 0) co_return co_await inner();
  co_return co_await nested(depth - 1, inner);
}
}  // namespace

TEST(for_each, over_a_generator_that_really_suspends_between_elements_misses_none) {
  std::vector<int> seen;
  dualiter::run(for_each(with_real_suspensions(100, 7), [&](int x) { seen.push_back(x); }));
  ASSERT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
  EXPECT_EQ(dualiter::run(dualiter::fold_left(with_real_suspensions(100, 3), 0L, std::plus<>())),
            4950);
  EXPECT_EQ(dualiter::run(dualiter::count_if(with_real_suspensions(100, 10),
                                             [](int x) { return x % 2 == 0; })),
            50u);
  EXPECT_EQ(dualiter::run(
                dualiter::find_if(with_real_suspensions(100, 4), [](int x) { return x == 42; })),
            std::optional<int>(42));
}

TEST(for_each, a_synchronous_f_that_throws_stops_the_loop_and_abandons_the_source) {
  for (int suspend_every : {1000, 3}) {  // thrown in the plain loop, and after a suspension
    int live = 0;
    int calls = 0;
    try {
      dualiter::run(for_each(with_real_suspensions(1000, suspend_every, &live), [&](int x) {
        ++calls;
        if (x == 5) throw std::invalid_argument("f failed at 5");
      }));
      ADD_FAILURE() << "no exception";
    } catch (const std::invalid_argument& e) {
      EXPECT_STREQ(e.what(), "f failed at 5");
    }
    EXPECT_EQ(calls, 6);
    EXPECT_EQ(live, 0) << "the generator, owned by the task, is destroyed with it";
  }
}

TEST(for_each, over_a_generator_with_a_pending_anext_throws_already_running) {
  auto g = with_real_suspensions(10, 1);
  auto outcome = dualiter::run([](async_generator<int>& g) -> task<std::string> {
    auto it = dualiter::aiter(g);
    auto pending = [](decltype(it)& it) -> task<> { co_await dualiter::anext(it); };
    auto both = dualiter::gather(pending(it), for_each(g, [](int) {}));
    try {
      co_await std::move(both);
    } catch (const dualiter::already_running& e) {
      co_return e.what();
    }
    co_return "no exception";
  }(g));
  EXPECT_TRUE(dualiter::testing::contains(outcome, "already running")) << outcome;
}

TEST(for_each, an_algorithm_running_past_the_inline_depth_bound_still_takes_every_element) {
  // One of these depths puts the algorithm's task at the bound exactly, so that it cannot run
  // the generator inline and leaves it to the chain's base (inline_resume.hpp, rule 6).
  const int bound = static_cast<int>(dualiter::detail::max_inline_depth);
  auto sum_of_thousand = [] {
    return dualiter::fold_left(with_real_suspensions(1000, 1'000'000), 0L, std::plus<>());
  };
  auto sum_on_the_loop = [] {
    return dualiter::fold_left(with_real_suspensions(1000, 100), 0L, std::plus<>());
  };
  for (int depth = bound - 4; depth <= bound + 4; ++depth) {
    EXPECT_EQ(sync_wait(nested(depth, sum_of_thousand)), 499'500) << depth;
    EXPECT_EQ(dualiter::run(nested(depth, sum_on_the_loop)), 499'500) << depth;
  }
}

TEST(for_each, passes_move_only_elements_for_f_to_take) {
  auto owners = []() -> async_generator<std::unique_ptr<int>> {
    co_yield std::make_unique<int>(2);
    co_yield std::make_unique<int>(3);
  };
  std::vector<std::unique_ptr<int>> taken;
  sync_wait(for_each(owners(), [&](std::unique_ptr<int>&& p) { taken.push_back(std::move(p)); }));
  ASSERT_EQ(taken.size(), 2u);
  EXPECT_EQ(*taken[0] + *taken[1], 5);
}

TEST(to_vector, collects_values_from_lvalue_and_rvalue_sources) {
  auto g = count_to(3);
  EXPECT_EQ(sync_wait(to_vector(g)), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(sync_wait(to_vector(count_to(2))), (std::vector<int>{1, 2}));
  EXPECT_EQ(sync_wait(to_vector(as_async(std::vector<int>{5}))), std::vector<int>{5});
  EXPECT_TRUE(sync_wait(to_vector(count_to(0))).empty());
}

TEST(to_vector, copies_elements_handed_out_by_reference_and_moves_move_only_ones) {
  const std::vector<std::string> names{"p", "q"};
  auto refs = [](const std::vector<std::string>& v) -> async_generator<const std::string&> {
    for (const auto& s : v) co_yield s;
  };
  static_assert(
      std::same_as<decltype(sync_wait(to_vector(refs(names)))), std::vector<std::string>>);
  EXPECT_EQ(sync_wait(to_vector(refs(names))), names);

  auto owners = []() -> async_generator<std::unique_ptr<int>> {
    co_yield std::make_unique<int>(4);
  };
  auto got = sync_wait(to_vector(owners()));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(*got[0], 4);
}

TEST(to_vector, over_a_sleeping_source_on_the_event_loop) {
  auto sleepy = []() -> async_generator<int> {
    for (int i = 0; i < 3; ++i) {
      co_await dualiter::sleep_for(1ms);
      co_yield i;
    }
  };
  EXPECT_EQ(dualiter::run(to_vector(sleepy())), (std::vector<int>{0, 1, 2}));
}

// ---------------------------------------------------------------------------------------------
// fold_left, count, count_if, find_if, any_of, all_of, none_of, first, to
// ---------------------------------------------------------------------------------------------

namespace {
// 1, 2, ..., counting how many elements were produced: short-circuiting must stop pulling.
async_generator<int> counted(int n, int& produced) {
  for (int i = 1; i <= n; ++i) {
    ++produced;
    co_yield i;
  }
}
}  // namespace

TEST(fold_left, folds_from_the_left_with_the_result_type_of_f) {
  EXPECT_EQ(sync_wait(dualiter::fold_left(count_to(4), 0, std::plus<>())), 10);
  auto concat = [](std::string acc, int x) { return acc + std::to_string(x); };
  EXPECT_EQ(sync_wait(dualiter::fold_left(count_to(3), std::string(">"), concat)), ">123");
  EXPECT_EQ(sync_wait(dualiter::fold_left(count_to(0), 7, std::plus<>())), 7);
  // int + double gives double: the accumulator takes f's result type, as in std::ranges.
  EXPECT_DOUBLE_EQ(
      sync_wait(dualiter::fold_left(count_to(2), 0, [](auto a, int x) { return a + x * 0.5; })),
      1.5);
}

TEST(count, counts_all_elements_and_count_if_those_that_match) {
  EXPECT_EQ(sync_wait(dualiter::count(count_to(5))), 5u);
  EXPECT_EQ(sync_wait(dualiter::count(as_async(std::vector<int>{}))), 0u);
  EXPECT_EQ(sync_wait(dualiter::count_if(count_to(5), [](int x) { return x % 2 == 0; })), 2u);
}

TEST(find_if, gives_the_first_match_and_stops_pulling_there) {
  int produced = 0;
  auto found = sync_wait(dualiter::find_if(counted(100, produced), [](int x) { return x > 2; }));
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, 3);
  EXPECT_EQ(produced, 3);
  EXPECT_FALSE(sync_wait(dualiter::find_if(count_to(3), [](int x) { return x > 5; })));
  auto boxes = []() -> async_generator<std::unique_ptr<int>> {
    co_yield std::make_unique<int>(1);
    co_yield std::make_unique<int>(2);
  };
  auto box = sync_wait(dualiter::find_if(boxes(), [](const auto& p) { return *p == 2; }));
  ASSERT_TRUE(box && *box);
  EXPECT_EQ(**box, 2) << "an rvalue element is moved into the result";
}

TEST(any_of, all_of_and_none_of_short_circuit) {
  int produced = 0;
  EXPECT_TRUE(sync_wait(dualiter::any_of(counted(100, produced), [](int x) { return x == 2; })));
  EXPECT_EQ(produced, 2);
  produced = 0;
  EXPECT_FALSE(sync_wait(dualiter::all_of(counted(100, produced), [](int x) { return x < 4; })));
  EXPECT_EQ(produced, 4);
  produced = 0;
  EXPECT_FALSE(sync_wait(dualiter::none_of(counted(100, produced), [](int x) { return x == 1; })));
  EXPECT_EQ(produced, 1);
  EXPECT_TRUE(sync_wait(dualiter::all_of(count_to(0), [](int) { return false; })));
  EXPECT_FALSE(sync_wait(dualiter::any_of(count_to(0), [](int) { return true; })));
  EXPECT_TRUE(sync_wait(dualiter::none_of(count_to(3), [](int x) { return x > 3; })));
  std::vector<std::unique_ptr<int>> boxes;
  boxes.push_back(std::make_unique<int>(4));
  EXPECT_TRUE(sync_wait(dualiter::any_of(as_async(boxes), [](const auto& p) { return *p == 4; })))
      << "move-only elements are looked at, not copied";
}

TEST(first, pulls_one_element_only) {
  int produced = 0;
  EXPECT_EQ(sync_wait(dualiter::first(counted(100, produced))), std::optional<int>(1));
  EXPECT_EQ(produced, 1);
  EXPECT_EQ(sync_wait(dualiter::first(count_to(0))), std::nullopt);
}

TEST(to, collects_into_any_container) {
  EXPECT_EQ(sync_wait(dualiter::to<std::vector<long>>(count_to(3))), (std::vector<long>{1, 2, 3}));
  EXPECT_EQ(sync_wait(dualiter::to<std::set<int>>(as_async(std::vector<int>{3, 1, 3}))),
            (std::set<int>{1, 3}));
  EXPECT_EQ(sync_wait(dualiter::to<std::string>(as_async(std::string("abc")))), "abc");
}

TEST(algorithms, an_exception_from_the_predicate_or_the_source_reaches_the_awaiter) {
  auto failing = []() -> async_generator<int> {
    co_yield 1;
    throw std::runtime_error("source");
  };
  EXPECT_THROW(sync_wait(dualiter::count(failing())), std::runtime_error);
  EXPECT_THROW(sync_wait(dualiter::any_of(count_to(3),
                                          [](int x) -> bool {
                                            if (x == 2) throw std::logic_error("pred");
                                            return false;
                                          })),
               std::logic_error);
}

#include <algorithm>
#include <chrono>
#include <coroutine>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/algorithm.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/event.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

#include "support/expect.hpp"
#include "support/manual.hpp"

using dualiter::async_generator;
using dualiter::event_loop;
using dualiter::gather;
using dualiter::sleep_for;
using dualiter::sleep_until;
using dualiter::task;
using dualiter::yield_now;
using dualiter::testing::contains;
using dualiter::testing::error_of;
using dualiter::testing::parking_spot;
using dualiter::testing::spawn;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

// Python: async def ticks(n, period): for i in range(n): await asyncio.sleep(period); yield i
async_generator<int> ticks(int n, std::chrono::milliseconds period) {
  for (int i = 0; i < n; ++i) {
    co_await sleep_for(period);
    co_yield i;
  }
}

task<int> sum_of(async_generator<int> g) {
  int total = 0;
  co_await dualiter::for_each(g, [&](int x) { total += x; });
  co_return total;
}

}  // namespace

TEST(event_loop, run_returns_the_result_of_values_references_and_void) {
  EXPECT_EQ(dualiter::run([]() -> task<int> { co_return 4; }()), 4);
  int target = 0;
  int& ref = dualiter::run([](int& t) -> task<int&> { co_return t; }(target));
  EXPECT_EQ(&ref, &target);
  int ran = 0;
  dualiter::run([](int& r) -> task<> {
    co_await yield_now();
    ++r;
  }(ran));
  EXPECT_EQ(ran, 1);
}

TEST(event_loop, a_sleep_resumes_no_earlier_than_asked) {
  auto start = clock_type::now();
  dualiter::run([]() -> task<> { co_await sleep_for(30ms); }());
  EXPECT_GE(clock_type::now() - start, 30ms);
}

TEST(event_loop, sleeping_async_generators_are_consumed_by_tasks) {
  EXPECT_EQ(dualiter::run(sum_of(ticks(4, 1ms))), 0 + 1 + 2 + 3);
}

TEST(event_loop, gathered_consumers_take_about_the_longest_of_them_not_the_sum) {
  // Three consumers of 5 ticks of 20 ms each: 100 ms each, 300 ms or more in a row. The upper
  // bound is measured, not fixed, so that a loaded machine (sanitizers, parallel tests)
  // stretches both sides alike.
  auto start = clock_type::now();
  dualiter::run([]() -> task<> {
    for (int i = 0; i < 3; ++i) co_await sum_of(ticks(5, 20ms));
  }());
  const auto in_a_row = clock_type::now() - start;
  start = clock_type::now();
  auto [a, b, c] = dualiter::run([]() -> task<std::tuple<int, int, int>> {
    co_return co_await gather(sum_of(ticks(5, 20ms)), sum_of(ticks(5, 20ms)),
                              sum_of(ticks(5, 20ms)));
  }());
  const auto gathered = clock_type::now() - start;
  EXPECT_EQ(a + b + c, 30);
  EXPECT_GE(in_a_row, 300ms);
  EXPECT_GE(gathered, 100ms) << "no consumer can finish before its own five sleeps";
  EXPECT_LT(gathered, in_a_row * 2 / 3) << "they must interleave, not run one after another";
}

TEST(event_loop, timers_fire_in_deadline_order_and_in_arming_order_for_equal_deadlines) {
  std::vector<std::string> log;
  auto at = [&](clock_type::time_point when, std::string name) -> task<> {
    co_await sleep_until(when);
    log.push_back(name);
  };
  dualiter::run([&]() -> task<> {
    auto t0 = clock_type::now();
    co_await gather(at(t0 + 30ms, "late"), at(t0 + 10ms, "early"), at(t0 + 20ms, "middle"));
    auto t1 = clock_type::now() + 5ms;
    co_await gather(at(t1, "first"), at(t1, "second"), at(t1, "third"));
  }());
  EXPECT_EQ(log, (std::vector<std::string>{"early", "middle", "late", "first", "second", "third"}));
}

TEST(event_loop, the_ready_queue_runs_before_timers_that_expired_meanwhile) {
  std::vector<std::string> log;
  dualiter::run([&]() -> task<> {
    auto expired = [&]() -> task<> {
      co_await sleep_until(clock_type::now() - 1s);  // armed first, already expired
      log.push_back("timer");
    };
    auto ready = [&]() -> task<> {
      co_await yield_now();  // queued second
      log.push_back("ready");
    };
    co_await gather(expired(), ready());
  }());
  EXPECT_EQ(log, (std::vector<std::string>{"ready", "timer"}));
}

TEST(event_loop, gather_starts_arguments_in_order_each_until_it_first_suspends) {
  std::vector<std::string> log;
  auto step = [&](std::string name) -> task<> {
    log.push_back(name + " starts");
    co_await yield_now();
    log.push_back(name + " ends");
  };
  dualiter::run([&]() -> task<> { co_await gather(step("a"), step("b"), step("c")); }());
  EXPECT_EQ(log, (std::vector<std::string>{"a starts", "b starts", "c starts", "a ends", "b ends",
                                           "c ends"}));
}

TEST(event_loop, yield_now_takes_turns_round_robin) {
  std::string order;
  auto worker = [&](char name) -> task<> {
    for (int i = 0; i < 3; ++i) {
      order += name;
      co_await yield_now();
    }
  };
  dualiter::run([&]() -> task<> { co_await gather(worker('a'), worker('b')); }());
  EXPECT_EQ(order, "ababab");
}

TEST(event_loop, gather_gives_monostate_for_void_and_keeps_argument_order) {
  auto result = dualiter::run([]() -> task<std::tuple<std::monostate, int, std::string>> {
    auto slow = []() -> task<int> {
      co_await sleep_for(5ms);
      co_return 7;
    };
    auto quiet = []() -> task<> { co_return; };
    auto fast = []() -> task<std::string> { co_return "fast"; };
    co_return co_await gather(quiet(), slow(), fast());
  }());
  EXPECT_EQ(std::get<1>(result), 7);
  EXPECT_EQ(std::get<2>(result), "fast");
}

TEST(event_loop, gather_of_lvalue_tasks_awaits_them_in_place) {
  dualiter::run([]() -> task<> {
    auto a = []() -> task<int> { co_return 1; }();
    auto b = []() -> task<int> { co_return 2; }();
    auto [x, y] = co_await gather(a, b);
    EXPECT_EQ(x + y, 3);
    EXPECT_TRUE(a.is_ready());
    EXPECT_EQ(co_await a, 1) << "the result stays in the task";
  }());
}

TEST(event_loop, gather_rethrows_the_first_exception_after_the_others_have_finished) {
  bool slow_finished = false;
  auto message = error_of([&] {
    dualiter::run([&]() -> task<> {
      auto slow = [&]() -> task<int> {
        co_await sleep_for(20ms);
        slow_finished = true;
        co_return 1;
      };
      auto fails_first = []() -> task<int> {
        co_await sleep_for(1ms);
        throw std::runtime_error("first failure");
      };
      auto fails_later = []() -> task<int> {
        co_await sleep_for(10ms);
        throw std::runtime_error("second failure");
      };
      co_await gather(slow(), fails_later(), fails_first());
    }());
  });
  EXPECT_EQ(message, "first failure");
  EXPECT_TRUE(slow_finished) << "gather must wait for every argument";
}

TEST(event_loop, gather_all_runs_a_hundred_thousand_sleeping_tasks_and_accounts_for_each) {
  constexpr int n = 100'000;
  auto results = dualiter::run([]() -> task<std::vector<int>> {
    std::vector<task<int>> tasks;
    tasks.reserve(n);
    for (int i = 0; i < n; ++i) {
      tasks.push_back([](int i) -> task<int> {
        co_await sleep_for(std::chrono::milliseconds(i % 7));
        co_return i;
      }(i));
    }
    co_return co_await dualiter::gather_all(std::move(tasks));
  }());
  ASSERT_EQ(results.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(results[i], i);
}

TEST(event_loop, gather_all_of_nothing_is_ready_at_once) {
  auto results = dualiter::run([]() -> task<std::vector<std::monostate>> {
    co_return co_await dualiter::gather_all(std::vector<task<>>{});
  }());
  EXPECT_TRUE(results.empty());
}

TEST(event_loop, awaiting_the_loop_with_no_loop_running_throws_no_running_event_loop) {
  static_assert(std::derived_from<dualiter::no_running_event_loop, std::runtime_error>);
  auto sleeps = []() -> task<> { co_await sleep_for(1ms); };
  auto yields = []() -> task<> { co_await yield_now(); };
  auto gathers = []() -> task<> { co_await gather(yield_now()); };
  for (auto message : {error_of([&] { dualiter::sync_wait(sleeps()); }),
                       error_of([&] { dualiter::sync_wait(yields()); }),
                       error_of([&] { dualiter::sync_wait(gathers()); })}) {
    EXPECT_TRUE(contains(message, "no running event loop")) << message;
  }
  EXPECT_THROW(dualiter::sync_wait(sleep_for(1ms)), dualiter::no_running_event_loop);
}

TEST(event_loop, sync_wait_inside_a_running_loop_hides_it_instead_of_deadlocking) {
  auto message = error_of([] {
    dualiter::run([]() -> task<> {
      dualiter::sync_wait([]() -> task<> { co_await sleep_for(1ms); }());
      co_return;
    }());
  });
  EXPECT_TRUE(contains(message, "no running event loop")) << message;
}

TEST(event_loop, run_inside_a_running_loop_throws_with_pythons_wording) {
  auto message = error_of([] {
    dualiter::run([]() -> task<> {
      dualiter::run([]() -> task<> { co_return; }());
      co_return;
    }());
  });
  EXPECT_TRUE(contains(message, "cannot be called from a running event loop")) << message;
  event_loop loop;
  auto same_loop = error_of([&] {
    loop.run([&]() -> task<> {
      loop.run(yield_now());
      co_return;
    }());
  });
  EXPECT_TRUE(contains(same_loop, "cannot be called from a running event loop")) << same_loop;
}

TEST(event_loop, an_exception_leaves_run_and_the_loop_is_clean_and_reusable) {
  event_loop loop;
  auto failing = []() -> task<int> {
    co_await sleep_for(1ms);
    throw std::invalid_argument("bad");
  };
  EXPECT_THROW(loop.run(failing()), std::invalid_argument);
  EXPECT_EQ(event_loop::current(), nullptr);
  EXPECT_EQ(loop.run(sum_of(ticks(3, 1ms))), 3);
  EXPECT_EQ(loop.run(sum_of(ticks(2, 1ms))), 1);
}

TEST(event_loop, two_gathered_consumers_of_one_async_generator_get_already_running) {
  auto g = ticks(3, 5ms);
  auto take_one = [&]() -> task<int> {
    auto it = dualiter::aiter(g);
    co_return *co_await dualiter::anext(it);
  };
  auto message = error_of([&] { dualiter::run(gather(take_one(), take_one())); });
  EXPECT_TRUE(contains(message, "already running")) << message;
}

TEST(event_loop, a_sleeping_coroutine_that_is_abandoned_is_never_resumed) {
  bool resumed = false;
  dualiter::run([&]() -> task<> {
    auto sleeper = spawn([&]() -> task<> {
      co_await sleep_for(5ms);
      resumed = true;
    });
    auto yielder = spawn([&]() -> task<> {
      co_await yield_now();
      resumed = true;
    });
    sleeper.abandon();
    yielder.abandon();
    co_await sleep_for(20ms);
    co_await yield_now();
  }());
  EXPECT_FALSE(resumed);
}

TEST(event_loop, work_still_queued_when_run_returns_is_dropped_not_resumed) {
  event_loop loop;
  bool resumed = false;
  // Held through a pointer: GCC 12 at -O3 warns (wrongly) of an uninitialized std::optional.
  std::unique_ptr<dualiter::testing::spawned> left_behind;
  loop.run([&]() -> task<> {
    left_behind = std::make_unique<dualiter::testing::spawned>(spawn([&]() -> task<> {
      co_await sleep_for(1ms);
      resumed = true;
    }));
    co_return;
  }());
  loop.run(sleep_for(10ms));
  EXPECT_FALSE(resumed);
  EXPECT_FALSE(left_behind->done());
  left_behind.reset();  // its owner destroys it; the loop no longer knows the node
}

TEST(event_loop, destroying_the_loop_before_a_queued_coroutine_is_safe) {
  // The loop drops its queue without resuming or destroying anything; the frame's owner
  // destroys it later, and its timer node must not reach back into the dead loop (ASan would
  // report that).
  int live = 0;
  std::unique_ptr<dualiter::testing::spawned> survivor;
  {
    event_loop loop;
    loop.run([&]() -> task<> {
      survivor = std::make_unique<dualiter::testing::spawned>(spawn([&]() -> task<> {
        dualiter::testing::lifetime_counter guard(&live);
        co_await sleep_for(1h);
      }));
      co_return;
    }());
  }
  EXPECT_FALSE(survivor->done()) << "never resumed";
  EXPECT_EQ(live, 1) << "not destroyed by the loop";
  survivor.reset();
  EXPECT_EQ(live, 0);
}

TEST(event_loop, run_throws_when_the_awaitable_waits_for_something_nothing_will_complete) {
  // An event nobody sets: the loop knows nothing can set it. (A foreign awaiter that keeps the
  // handle is waited for instead: another thread may resume it, test_threads.cpp.)
  dualiter::event never;
  event_loop loop;
  auto message = error_of([&] { loop.run(never.wait()); });
  EXPECT_TRUE(contains(message, "nothing is scheduled")) << message;
  EXPECT_EQ(loop.run([]() -> task<int> { co_return 1; }()), 1);
}

TEST(event_loop, timers_cancelled_from_anywhere_in_the_heap_leave_the_rest_in_order) {
  // 600 sleepers with scrambled deadlines (many equal); every third is abandoned before its
  // deadline, which takes its node out of the middle of the timer heap. The survivors must
  // wake in (deadline, arming order).
  constexpr int n = 600;
  std::vector<int> woke;
  std::vector<std::pair<int, int>> expected;  // (deadline offset in ms, arming index)
  dualiter::run([&]() -> task<> {
    const auto t0 = clock_type::now() + 5ms;
    std::vector<std::unique_ptr<dualiter::testing::spawned>> sleepers;
    unsigned seed = 12345;
    for (int i = 0; i < n; ++i) {
      seed = seed * 1103515245u + 12345u;
      const int offset = static_cast<int>((seed >> 16) % 20);
      sleepers.push_back(std::make_unique<dualiter::testing::spawned>(
          spawn([&woke, i, when = t0 + std::chrono::milliseconds(offset)]() -> task<> {
            co_await sleep_until(when);
            woke.push_back(i);
          })));
      if (i % 3 != 0) expected.emplace_back(offset, i);
    }
    for (int i = 0; i < n; i += 3) sleepers[i].reset();  // abandoned while armed
    co_await sleep_until(t0 + 30ms);
  }());
  std::sort(expected.begin(), expected.end());
  std::vector<int> expected_order;
  for (auto [offset, index] : expected) expected_order.push_back(index);
  EXPECT_EQ(woke, expected_order);
}

// ---------------------------------------------------------------------------------------------
// Hardening: re-entry, forever sleeps, zero sleeps, const results
// ---------------------------------------------------------------------------------------------

TEST(event_loop, the_same_loop_run_again_under_sync_wait_throws_and_the_outer_run_goes_on) {
  // sync_wait hides the running loop from current(), so only the loop itself can tell that its
  // run is already on the stack.
  event_loop loop;
  std::vector<std::string> order;
  auto other = [&]() -> task<int> {
    co_await yield_now();  // queued in the outer run's turn while the inner attempt is made
    order.push_back("other");
    co_await sleep_for(1ms);
    co_return 2;
  };
  auto reenters = [&]() -> task<std::string> {
    auto message = error_of([&] {
      dualiter::sync_wait([&]() -> task<> {
        loop.run(yield_now());
        co_return;
      }());
    });
    order.push_back("reenter");
    co_await sleep_for(1ms);
    co_return message;
  };
  auto [message, two] = loop.run(gather(reenters(), other()));
  EXPECT_TRUE(contains(message, "run() cannot be called from a running event loop")) << message;
  EXPECT_EQ(two, 2);
  EXPECT_EQ(order, (std::vector<std::string>{"reenter", "other"}));
  EXPECT_EQ(event_loop::current(), nullptr);
  EXPECT_EQ(loop.run(sum_of(ticks(3, 1ms))), 3) << "the loop is usable afterwards";
}

TEST(event_loop, a_different_loop_may_run_under_sync_wait_inside_a_running_one) {
  auto inner = []() -> task<int> {
    co_await sleep_for(1ms);
    co_return 4;
  };
  const int got = dualiter::run([&]() -> task<int> {
    co_return dualiter::sync_wait([&]() -> task<int> { co_return dualiter::run(inner()); }());
  }());
  EXPECT_EQ(got, 4);
}

namespace {
// Starts a coroutine that sleeps for `delay` on the running loop, lets the loop turn for 20 ms,
// and says whether the sleeper woke meanwhile. The sleeper is abandoned afterwards.
template <class Duration>
task<bool> wakes_within_20ms(Duration delay) {
  bool woke = false;
  auto sleeper = spawn([&]() -> task<> {
    co_await sleep_for(delay);
    woke = true;
  });
  co_await sleep_for(20ms);
  co_return woke;
}
template <class TimePoint>
task<bool> wakes_within_20ms_until(TimePoint deadline) {
  bool woke = false;
  auto sleeper = spawn([&]() -> task<> {
    co_await sleep_until(deadline);
    woke = true;
  });
  co_await sleep_for(20ms);
  co_return woke;
}
}  // namespace

TEST(event_loop, sleeps_beyond_the_clocks_range_last_forever_instead_of_wrapping_into_the_past) {
  using years = std::chrono::duration<long, std::ratio<31556952>>;
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(dualiter::run(wakes_within_20ms(std::chrono::hours::max())));
  EXPECT_FALSE(dualiter::run(wakes_within_20ms(std::chrono::nanoseconds::max())));
  EXPECT_FALSE(dualiter::run(wakes_within_20ms(std::chrono::seconds::max())));
  EXPECT_FALSE(dualiter::run(wakes_within_20ms(years(1000))));
  EXPECT_FALSE(dualiter::run(wakes_within_20ms(std::chrono::duration<double>(1e300))));
  EXPECT_FALSE(dualiter::run(wakes_within_20ms(std::chrono::duration<double>(inf))));
  EXPECT_FALSE(dualiter::run(wakes_within_20ms(std::chrono::duration<long double>(1e4000L))));
  // Just inside the clock's range: a finite deadline, far away.
  EXPECT_FALSE(dualiter::run(wakes_within_20ms(std::chrono::nanoseconds::max() / 2)));
}

TEST(event_loop, sleep_until_far_time_points_of_any_duration_type_waits_forever) {
  using hours_point = std::chrono::time_point<clock_type, std::chrono::hours>;
  using double_point = std::chrono::time_point<clock_type, std::chrono::duration<double>>;
  EXPECT_FALSE(dualiter::run(wakes_within_20ms_until(clock_type::time_point::max())));
  EXPECT_FALSE(dualiter::run(wakes_within_20ms_until(hours_point(std::chrono::hours::max()))));
  EXPECT_FALSE(dualiter::run(wakes_within_20ms_until(
      double_point(std::chrono::duration<double>(std::numeric_limits<double>::infinity())))));
  // Long past, however far: at once.
  EXPECT_TRUE(dualiter::run(wakes_within_20ms_until(hours_point(std::chrono::hours::min()))));
  EXPECT_TRUE(dualiter::run(wakes_within_20ms_until(clock_type::time_point::min())));
}

TEST(event_loop, sleeps_of_zero_negative_or_nan_length_are_exactly_yield_now) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<std::string> order;
  auto sleeper = [&](auto delay, std::string name) -> task<> {
    co_await sleep_for(delay);
    order.push_back(name);
  };
  auto yielder = [&](std::string name) -> task<> {
    co_await yield_now();
    order.push_back(name);
  };
  // Started in this order, each suspends once: a zero sleep must keep its place in the ready
  // queue, ahead of a yield_now made after it (a timer would run after the whole ready queue).
  dualiter::run(gather(sleeper(0ms, "zero"), yielder("yield 1"),
                       sleeper(-std::chrono::hours::max(), "very negative"),
                       sleeper(std::chrono::duration<double>(nan), "nan"), yielder("yield 2"),
                       sleeper(-5s, "negative")));
  EXPECT_EQ(order, (std::vector<std::string>{"zero", "yield 1", "very negative", "nan", "yield 2",
                                             "negative"}));
  EXPECT_TRUE(dualiter::run(wakes_within_20ms(std::chrono::duration<double>(nan))));
}

TEST(event_loop, a_sleep_of_a_fraction_of_a_tick_still_sleeps_rather_than_yields) {
  // Rounded up, never down to zero: a positive delay never becomes a yield.
  std::vector<std::string> order;
  auto sleeper = [&]() -> task<> {
    co_await sleep_for(std::chrono::duration<double, std::nano>(0.25));
    order.push_back("sleep");
  };
  auto yielder = [&]() -> task<> {
    co_await yield_now();
    order.push_back("yield");
  };
  dualiter::run(gather(sleeper(), yielder()));
  EXPECT_EQ(order, (std::vector<std::string>{"yield", "sleep"}));
}

TEST(event_loop, run_and_gather_hand_out_const_results) {
  struct const_result {
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    const std::string await_resume() const { return "awaited"; }
  };
  auto text = []() -> task<const std::string> {
    co_await yield_now();
    co_return std::string("task");
  };
  auto number = []() -> task<const int> { co_return 3; };
  EXPECT_EQ(dualiter::run(text()), "task");
  EXPECT_EQ(dualiter::run(number()), 3);
  EXPECT_EQ(dualiter::run(const_result{}), "awaited");
  EXPECT_EQ(dualiter::sync_wait(const_result{}), "awaited");
  auto [a, b, c] = dualiter::run(gather(text(), number(), const_result{}));
  EXPECT_EQ(a, "task");
  EXPECT_EQ(b, 3);
  EXPECT_EQ(c, "awaited");
  std::vector<task<const int>> many;
  for (int i = 0; i < 3; ++i) many.push_back(number());
  EXPECT_EQ(dualiter::run(dualiter::gather_all(std::move(many))), (std::vector<int>{3, 3, 3}));
}

TEST(event_loop, gather_of_one_lvalue_task_twice_fails_the_second_branch_not_the_first) {
  int runs = 0;
  auto body = [&]() -> task<int> {
    ++runs;
    co_await sleep_for(2ms);
    co_return 9;
  };
  task<int> shared = body();
  const auto message = error_of([&] { dualiter::run(gather(shared, shared)); });
  EXPECT_TRUE(contains(message, "awaited already")) << message;
  EXPECT_EQ(runs, 1);
  EXPECT_TRUE(shared.is_ready()) << "the first branch ran the task to its end";
  EXPECT_EQ(dualiter::sync_wait(shared), 9);
}

TEST(event_loop, sleeps_in_fractional_units_convert_without_overflow) {
  // std::chrono's conversion of thirds of a second multiplies by 10^9 before dividing by 3, so
  // it overflows from about 97 years on, long before the clock's range ends.
  using thirds = std::chrono::duration<long long, std::ratio<1, 3>>;
  using detail_ticks = dualiter::detail::clamped_ticks;
  const auto huge = detail_ticks::of(thirds(10'000'000'000LL));  // about 105 years
  EXPECT_EQ(huge.where, detail_ticks::range::within);
  EXPECT_GT(huge.ticks, std::chrono::hours(24 * 365 * 100));
  const auto near_the_end = detail_ticks::of(thirds(27'000'000'000LL));  // 9 * 10^18 ns
  EXPECT_EQ(near_the_end.where, detail_ticks::range::within);
  // Past the exact integer path: from the long double value, within one tick.
  EXPECT_LE(
      std::chrono::abs(near_the_end.ticks - std::chrono::nanoseconds(9'000'000'000'000'000'000LL)),
      std::chrono::nanoseconds(1));
  EXPECT_EQ(detail_ticks::of(thirds(28'000'000'000LL)).where, detail_ticks::range::above);
  EXPECT_EQ(detail_ticks::of(thirds(1)).ticks, std::chrono::nanoseconds(333'333'334))
      << "rounded up";
  EXPECT_EQ(detail_ticks::of(thirds(-1)).ticks, std::chrono::nanoseconds(-333'333'333));
  EXPECT_EQ(detail_ticks::of(std::chrono::duration<unsigned, std::ratio<3600>>(5)).ticks,
            std::chrono::hours(5));
  EXPECT_FALSE(dualiter::run(wakes_within_20ms(thirds(10'000'000'000LL))));
  EXPECT_FALSE(dualiter::run(wakes_within_20ms_until(
      std::chrono::time_point<clock_type, thirds>(thirds(10'000'000'000LL)))));
}

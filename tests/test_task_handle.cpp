// create_task, task_handle, shield, and cancellation at each kind of suspension point, written
// from asyncio's documented semantics (Task, Task.cancel, CancelledError, shield, asyncio.run).
#include <chrono>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/algorithm.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/cancellation.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_handle.hpp>

#include "support/expect.hpp"
#include "support/manual.hpp"

using dualiter::async_generator;
using dualiter::cancelled_error;
using dualiter::create_task;
using dualiter::sleep_for;
using dualiter::task;
using dualiter::task_handle;
using dualiter::yield_now;
using dualiter::testing::contains;
using dualiter::testing::error_of;
using dualiter::testing::lifetime_counter;
using namespace std::chrono_literals;

namespace {

task<int> answer_after(std::chrono::milliseconds d, int value) {
  co_await sleep_for(d);
  co_return value;
}

task<> forever() {
  co_await sleep_for(std::chrono::hours(24));
}

// Collects what the unretrieved-exception hook is told, for the tests that check it.
std::vector<std::string>& reported() {
  static std::vector<std::string> lines;
  return lines;
}
void record(std::exception_ptr e) noexcept {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& error) {
    reported().push_back(error.what());
  } catch (...) {
    reported().push_back("?");
  }
}

struct hook_scope {
  dualiter::unretrieved_exception_handler saved =
      dualiter::set_unretrieved_exception_handler(&record);
  hook_scope() { reported().clear(); }
  ~hook_scope() { dualiter::set_unretrieved_exception_handler(saved); }
};

}  // namespace

TEST(create_task, outside_a_loop_throws_no_running_event_loop) {
  EXPECT_THROW((void)create_task(answer_after(0ms, 1)), dualiter::no_running_event_loop);
  EXPECT_TRUE(contains(error_of([] { (void)create_task(answer_after(0ms, 1)); }), "create_task"));
}

TEST(create_task, starts_at_the_next_turn_not_at_once) {
  int ran = 0;
  dualiter::run([&]() -> task<> {
    auto h = create_task([](int& r) -> task<> {
      ++r;
      co_return;
    }(ran));
    EXPECT_EQ(ran, 0);
    EXPECT_FALSE(h.done());
    co_await yield_now();
    EXPECT_EQ(ran, 1);
    EXPECT_TRUE(h.done());
  }());
}

TEST(create_task, a_handle_gives_the_result_to_several_awaiters_before_and_after_the_end) {
  const int total = dualiter::run([]() -> task<int> {
    auto h = create_task(answer_after(1ms, 21));
    auto first = [](task_handle<int> t) -> task<int> { co_return co_await t; };
    auto [a, b] = co_await dualiter::gather(first(h), first(h));
    const int& again = co_await h;  // after the end: the same stored result
    EXPECT_EQ(&again, &(co_await h));
    co_return a + b + again - 21;
  }());
  EXPECT_EQ(total, 42);
}

TEST(create_task, awaiting_rethrows_the_tasks_exception_every_time) {
  dualiter::run([]() -> task<> {
    auto h = create_task([]() -> task<int> {
      throw std::runtime_error("boom");
      co_return 0;
    }());
    for (int i = 0; i < 2; ++i) {
      std::string what;
      try {
        (void)co_await h;
      } catch (const std::runtime_error& e) {
        what = e.what();
      }
      EXPECT_EQ(what, "boom");
    }
  }());
}

TEST(create_task, dropping_the_handle_does_not_stop_the_task) {
  int finished = 0;
  dualiter::run([&]() -> task<> {
    (void)create_task([](int& f) -> task<> {
      co_await sleep_for(1ms);
      ++f;
    }(finished));
    co_await sleep_for(5ms);
  }());
  EXPECT_EQ(finished, 1);
}

TEST(create_task, a_task_cannot_await_its_own_handle) {
  dualiter::run([]() -> task<> {
    auto slot = std::make_shared<task_handle<>>();
    auto h = create_task([](std::shared_ptr<task_handle<>> self) -> task<> {
      co_await yield_now();
      co_await *self;
    }(slot));
    *slot = h;
    EXPECT_THROW(co_await h, dualiter::already_awaited);
    *slot = {};  // the task's frame holds the slot: a handle to itself would keep it alive
  }());
}

// --- cancellation -----------------------------------------------------------------------------

TEST(cancel, during_a_sleep_throws_there_and_cleanup_may_await_then_the_handle_says_cancelled) {
  std::vector<std::string> log;
  dualiter::run([&]() -> task<> {
    auto h = create_task([](std::vector<std::string>& log) -> task<> {
      std::exception_ptr cancelled;
      try {
        co_await sleep_for(std::chrono::hours(1));
        log.push_back("woke");
      } catch (const cancelled_error&) {
        log.push_back("cancelled at the sleep");
        cancelled = std::current_exception();
      }
      co_await yield_now();  // cleanup that awaits, after the handler
      log.push_back("cleaned up");
      std::rethrow_exception(cancelled);
    }(log));
    co_await yield_now();  // let it start and reach its sleep
    EXPECT_TRUE(h.cancel());
    EXPECT_FALSE(h.done());
    EXPECT_THROW(co_await h, cancelled_error);
    EXPECT_TRUE(h.done());
    EXPECT_TRUE(h.cancelled());
  }());
  EXPECT_EQ(log, (std::vector<std::string>{"cancelled at the sleep", "cleaned up"}));
}

TEST(cancel, a_finished_task_returns_false_and_stays_not_cancelled) {
  dualiter::run([]() -> task<> {
    auto h = create_task(answer_after(0ms, 3));
    EXPECT_EQ(co_await h, 3);
    EXPECT_FALSE(h.cancel());
    EXPECT_FALSE(h.cancelled());
  }());
}

TEST(cancel, before_the_first_turn_the_body_never_runs) {
  int ran = 0;
  dualiter::run([&]() -> task<> {
    auto h = create_task([](int& r) -> task<> {
      ++r;
      co_return;
    }(ran));
    EXPECT_TRUE(h.cancel());
    EXPECT_THROW(co_await h, cancelled_error);
    EXPECT_TRUE(h.cancelled());
  }());
  EXPECT_EQ(ran, 0);
}

TEST(cancel, twice_delivers_one_cancelled_error) {
  int caught = 0;
  dualiter::run([&]() -> task<> {
    auto h = create_task([](int& c) -> task<int> {
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
        ++c;
      }
      co_await sleep_for(1ms);  // the request was used up: this sleep is not cancelled
      co_return 7;
    }(caught));
    co_await yield_now();
    EXPECT_TRUE(h.cancel());
    EXPECT_TRUE(h.cancel());
    EXPECT_EQ(co_await h, 7);
    EXPECT_FALSE(h.cancelled());
  }());
  EXPECT_EQ(caught, 1);
}

TEST(cancel, a_task_cancelling_itself_gets_it_at_its_next_suspension) {
  std::vector<std::string> log;
  dualiter::run([&]() -> task<> {
    auto slot = std::make_shared<task_handle<>>();
    auto h = create_task(
        [](std::shared_ptr<task_handle<>> self, std::vector<std::string>& log) -> task<> {
          co_await yield_now();
          log.push_back(self->cancel() ? "requested" : "refused");
          log.push_back("still running");
          try {
            co_await yield_now();
          } catch (const cancelled_error&) {
            log.push_back("cancelled at the next suspension");
            throw;
          }
        }(slot, log));
    *slot = h;
    EXPECT_THROW(co_await h, cancelled_error);
    *slot = {};  // the task's frame holds the slot: a handle to itself would keep it alive
  }());
  EXPECT_EQ(log, (std::vector<std::string>{"requested", "still running",
                                           "cancelled at the next suspension"}));
}

TEST(cancel, reaches_a_yield_now) {
  dualiter::run([]() -> task<> {
    auto h = create_task([]() -> task<> {
      while (true) co_await yield_now();
    }());
    co_await yield_now();
    h.cancel();
    EXPECT_THROW(co_await h, cancelled_error);
  }());
}

TEST(cancel, reaches_into_every_branch_of_a_gather) {
  int cancelled_branches = 0;
  dualiter::run([&]() -> task<> {
    auto branch = [](int& c) -> task<> {
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
        ++c;
        throw;
      }
    };
    auto h = create_task(dualiter::gather(branch(cancelled_branches), branch(cancelled_branches)));
    co_await yield_now();
    h.cancel();
    EXPECT_THROW(co_await h, cancelled_error);
  }());
  EXPECT_EQ(cancelled_branches, 2);
}

TEST(cancel, reaches_a_nested_task_awaited_through_its_handle) {
  dualiter::run([]() -> task<> {
    auto inner = create_task(forever());
    auto outer = create_task([](task_handle<> i) -> task<> { co_await i; }(inner));
    co_await yield_now();
    co_await yield_now();
    outer.cancel();
    EXPECT_THROW(co_await outer, cancelled_error);
    EXPECT_TRUE(inner.cancelled());
  }());
}

TEST(cancel, an_inner_task_that_swallows_it_gives_its_result_to_the_outer_one) {
  dualiter::run([]() -> task<> {
    auto inner = create_task([]() -> task<int> {
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
      }
      co_return 5;
    }());
    auto outer = create_task([](task_handle<int> i) -> task<int> { co_return co_await i; }(inner));
    co_await yield_now();
    co_await yield_now();
    outer.cancel();
    EXPECT_EQ(co_await outer, 5);
  }());
}

TEST(cancel, reaches_an_anext_of_an_async_generator_that_sleeps) {
  dualiter::run([]() -> task<> {
    auto h = create_task([]() -> task<int> {
      auto ticks = []() -> async_generator<int> {
        for (int i = 0;; ++i) {
          co_await sleep_for(std::chrono::hours(1));
          co_yield i;
        }
      }();
      int sum = 0;
      co_await dualiter::for_each(ticks, [&](int x) { sum += x; });
      co_return sum;
    }());
    co_await yield_now();
    h.cancel();
    EXPECT_THROW(co_await h, cancelled_error);
  }());
}

TEST(cancel, tasks_awaiting_each_other_in_a_cycle_end_cancelled) {
  dualiter::run([]() -> task<> {
    auto a_slot = std::make_shared<task_handle<>>();
    auto b_slot = std::make_shared<task_handle<>>();
    auto waiter = [](std::shared_ptr<task_handle<>> other) -> task<> {
      co_await yield_now();
      co_await *other;
    };
    auto a = create_task(waiter(b_slot));
    auto b = create_task(waiter(a_slot));
    *a_slot = a;
    *b_slot = b;
    co_await sleep_for(1ms);
    a.cancel();
    EXPECT_THROW(co_await a, cancelled_error);
    EXPECT_THROW(co_await b, cancelled_error);
    *a_slot = {};  // each frame holds the other's handle: a cycle that would keep both alive
    *b_slot = {};
  }());
}

TEST(cancel, one_hundred_thousand_sleepers_leave_the_timer_heap_at_once) {
  constexpr int n = 100000;
  int cancelled = 0;
  dualiter::run([&]() -> task<> {
    std::vector<task_handle<>> sleepers;
    sleepers.reserve(n);
    for (int i = 0; i < n; ++i) sleepers.push_back(create_task(forever()));
    co_await yield_now();  // all are asleep now
    for (auto& s : sleepers) s.cancel();
    co_await yield_now();  // one turn: every one of them ran its cancellation
    for (auto& s : sleepers) cancelled += s.cancelled() ? 1 : 0;
  }());
  EXPECT_EQ(cancelled, n);  // a sleep of a day still pending would have kept run waiting
}

// --- shield -----------------------------------------------------------------------------------

TEST(shield, stops_cancellation_from_reaching_the_shielded_work) {
  dualiter::run([]() -> task<> {
    auto inner = create_task(answer_after(2ms, 9));
    auto outer = create_task(
        [](task_handle<int> i) -> task<int> { co_return co_await dualiter::shield(i); }(inner));
    co_await yield_now();
    co_await yield_now();
    outer.cancel();
    EXPECT_THROW(co_await outer, cancelled_error);
    EXPECT_FALSE(inner.done());
    EXPECT_EQ(co_await inner, 9);  // it went on
  }());
}

TEST(shield, of_an_awaitable_runs_it_as_a_task_that_outlives_the_cancelled_await) {
  int finished = 0;
  dualiter::run([&]() -> task<> {
    auto outer = create_task([](int& f) -> task<> {
      co_await dualiter::shield([](int& f) -> task<> {
        co_await sleep_for(2ms);
        ++f;
      }(f));
    }(finished));
    co_await yield_now();
    outer.cancel();
    EXPECT_THROW(co_await outer, cancelled_error);
    EXPECT_EQ(finished, 0);
    co_await sleep_for(5ms);
  }());
  EXPECT_EQ(finished, 1);
}

// --- run's end --------------------------------------------------------------------------------

TEST(run, cancels_the_tasks_still_pending_and_runs_them_to_their_end) {
  int live = 0;
  std::vector<std::string> log;
  const int result = dualiter::run([&]() -> task<int> {
    (void)create_task([](int* live, std::vector<std::string>& log) -> task<> {
      lifetime_counter alive(live);
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
        log.push_back("cancelled by run");
        throw;
      }
    }(&live, log));
    co_await yield_now();
    EXPECT_EQ(live, 1);
    co_return 3;
  }());
  EXPECT_EQ(result, 3);
  EXPECT_EQ(live, 0);
  EXPECT_EQ(log, std::vector<std::string>{"cancelled by run"});
}

TEST(run, lets_go_of_a_task_that_cannot_end_and_destroys_its_frame) {
  int live = 0;
  dualiter::testing::parking_spot nowhere;
  dualiter::run([&]() -> task<> {
    (void)create_task([](int* live, dualiter::testing::parking_spot& spot) -> task<> {
      lifetime_counter alive(live);
      co_await spot.wait();  // nothing but the test could resume it
    }(&live, nowhere));
    co_await yield_now();
  }());
  EXPECT_EQ(live, 0);
}

TEST(run, a_handle_outliving_the_loop_still_gives_the_result) {
  task_handle<int> kept;
  dualiter::run([&]() -> task<> {
    kept = create_task(answer_after(0ms, 4));
    co_await sleep_for(1ms);
  }());
  EXPECT_TRUE(kept.done());
  EXPECT_EQ(dualiter::sync_wait(kept), 4);
  EXPECT_FALSE(kept.cancel());
}

TEST(run, a_handle_of_a_task_cut_off_by_the_loops_end_says_so_when_awaited) {
  task_handle<> kept;
  dualiter::testing::parking_spot nowhere;
  dualiter::run([&]() -> task<> {
    kept = create_task(
        [](dualiter::testing::parking_spot& spot) -> task<> { co_await spot.wait(); }(nowhere));
    co_await yield_now();
  }());
  EXPECT_FALSE(kept.done());
  EXPECT_FALSE(kept.cancel());
  EXPECT_TRUE(contains(error_of([&] { dualiter::sync_wait(kept); }), "will never end"));
}

// --- unretrieved exceptions -------------------------------------------------------------------

TEST(unretrieved_exception, is_reported_once_through_the_hook_when_the_last_reference_goes) {
  hook_scope hook;
  dualiter::run([]() -> task<> {
    (void)create_task([]() -> task<> {
      throw std::runtime_error("lost");
      co_return;
    }());
    co_await yield_now();
  }());
  EXPECT_EQ(reported(), std::vector<std::string>{"lost"});
}

TEST(unretrieved_exception, is_not_reported_once_awaited_nor_for_a_cancellation) {
  hook_scope hook;
  dualiter::run([]() -> task<> {
    auto h = create_task([]() -> task<> {
      throw std::runtime_error("seen");
      co_return;
    }());
    EXPECT_THROW(co_await h, std::runtime_error);
    (void)create_task(forever());  // cancelled by run's end
  }());
  EXPECT_TRUE(reported().empty());
}

TEST(unretrieved_exception, the_default_hook_prints_one_line_on_stderr) {
  ::testing::internal::CaptureStderr();
  dualiter::run([]() -> task<> {
    (void)create_task([]() -> task<> {
      throw std::runtime_error("printed");
      co_return;
    }());
    co_await yield_now();
  }());
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "dualiter: Task exception was never retrieved: printed\n");
}

// --- a hostile user ---------------------------------------------------------------------------

TEST(hostile, an_exception_in_cleanup_replaces_the_cancellation) {
  dualiter::run([]() -> task<> {
    auto h = create_task([]() -> task<> {
      bool cancelled = false;
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
        cancelled = true;
      }
      co_await yield_now();
      if (cancelled) throw std::runtime_error("cleanup failed");
    }());
    co_await yield_now();
    h.cancel();
    EXPECT_THROW(co_await h, std::runtime_error);
    EXPECT_FALSE(h.cancelled());
  }());
}

TEST(hostile, a_cleanup_failing_during_runs_shutdown_is_reported) {
  hook_scope hook;
  dualiter::run([]() -> task<> {
    (void)create_task([]() -> task<> {
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
      }
      co_await yield_now();
      throw std::runtime_error("failed while shutting down");
    }());
    co_await yield_now();
  }());
  EXPECT_EQ(reported(), std::vector<std::string>{"failed while shutting down"});
}

TEST(hostile, a_task_swallowing_runs_cancellation_keeps_run_going_until_it_ends) {
  int swallowed = 0;
  int finished = 0;
  dualiter::run([&]() -> task<> {
    (void)create_task([](int& s, int& f) -> task<> {
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
        ++s;  // swallowed: as in asyncio, run waits for the task all the same
      }
      co_await sleep_for(1ms);  // not cancelled again: the request was used up
      ++f;
    }(swallowed, finished));
    co_await yield_now();
  }());
  EXPECT_EQ(swallowed, 1);
  EXPECT_EQ(finished, 1);
}

TEST(hostile, cancel_from_a_task_that_is_itself_being_cancelled) {
  dualiter::run([]() -> task<> {
    auto victim = create_task(forever());
    auto canceller = create_task([](task_handle<> v) -> task<> {
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
        v.cancel();  // in the handler: no await, just a request
        throw;
      }
    }(victim));
    co_await yield_now();
    canceller.cancel();
    EXPECT_THROW(co_await canceller, cancelled_error);
    EXPECT_THROW(co_await victim, cancelled_error);
  }());
}

TEST(hostile, two_tasks_awaiting_each_other_while_main_waits_make_run_throw_not_hang) {
  auto a_slot = std::make_shared<task_handle<>>();
  auto b_slot = std::make_shared<task_handle<>>();
  EXPECT_THROW(dualiter::run([&]() -> task<> {
                 auto waiter = [](std::shared_ptr<task_handle<>> other) -> task<> {
                   co_await yield_now();
                   co_await *other;
                 };
                 *a_slot = create_task(waiter(b_slot));
                 *b_slot = create_task(waiter(a_slot));
                 co_await *a_slot;
               }()),
               std::runtime_error);
  *a_slot = {};  // the cycle, broken by hand (Python's garbage collector would do it)
  *b_slot = {};
}

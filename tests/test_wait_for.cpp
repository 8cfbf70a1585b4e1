// wait_for, from asyncio.wait_for's documented semantics.
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/cancellation.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_handle.hpp>
#include <dualiter/wait_for.hpp>

#include "support/expect.hpp"
#include "support/manual.hpp"
#include "support/sources.hpp"

using dualiter::cancelled_error;
using dualiter::sleep_for;
using dualiter::task;
using dualiter::wait_for;
using dualiter::yield_now;
using dualiter::testing::answer_after;
using namespace std::chrono_literals;

TEST(wait_for, outside_a_loop_throws_no_running_event_loop) {
  EXPECT_THROW(dualiter::sync_wait(wait_for(answer_after(0ms, 1), 1s)),
               dualiter::no_running_event_loop);
}

TEST(wait_for, on_time_gives_the_result) {
  EXPECT_EQ(dualiter::run(wait_for(answer_after(1ms, 8), std::chrono::hours(1))), 8);
}

TEST(wait_for, a_result_ready_at_once_needs_no_timer) {
  EXPECT_EQ(dualiter::run(wait_for([]() -> task<int> { co_return 2; }(), 0s)), 2);
}

TEST(wait_for, timed_out_cancels_the_awaitable_lets_it_react_then_throws_timeout_error) {
  std::vector<std::string> log;
  dualiter::run([&]() -> task<> {
    auto slow = [](std::vector<std::string>& log) -> task<int> {
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
        log.push_back("cancelled");
      }
      co_await yield_now();  // cleanup that awaits
      log.push_back("cleaned up");
      throw cancelled_error{};
    };
    try {
      (void)co_await wait_for(slow(log), 1ms);
      log.push_back("no timeout");
    } catch (const dualiter::timeout_error&) {
      log.push_back("timeout_error");
    }
  }());
  EXPECT_EQ(log, (std::vector<std::string>{"cancelled", "cleaned up", "timeout_error"}));
}

TEST(wait_for, a_timeout_error_is_a_runtime_error_saying_so) {
  const std::string what = dualiter::testing::error_of(
      [] { dualiter::run(wait_for(answer_after(std::chrono::hours(1), 0), 1ms)); });
  EXPECT_TRUE(dualiter::testing::contains(what, "TimeoutError"));
}

TEST(wait_for, an_exception_of_the_awaitable_passes_unchanged) {
  EXPECT_THROW(dualiter::run(wait_for(
                   []() -> task<int> {
                     co_await yield_now();
                     throw std::out_of_range("x");
                   }(),
                   std::chrono::hours(1))),
               std::out_of_range);
}

TEST(wait_for, cancelling_the_awaiting_task_cancels_the_awaitable_not_a_timeout) {
  dualiter::run([]() -> task<> {
    auto h = dualiter::create_task(
        wait_for(answer_after(std::chrono::hours(1), 0), std::chrono::hours(2)));
    co_await yield_now();
    h.cancel();
    EXPECT_THROW(co_await h, cancelled_error);
  }());
}

TEST(wait_for, finishing_first_removes_its_timer_at_once) {
  // A timer left in the heap for an hour would keep run waiting; counted by what finished.
  int finished = 0;
  dualiter::run([&]() -> task<> {
    for (int i = 0; i < 100; ++i) {
      finished += co_await wait_for(answer_after(0ms, 1), std::chrono::hours(1));
    }
  }());
  EXPECT_EQ(finished, 100);
}

// task_group, from asyncio.TaskGroup's documented semantics.
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/cancellation.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_group.hpp>
#include <dualiter/task_handle.hpp>

#include "support/manual.hpp"
#include "support/sources.hpp"

using dualiter::cancelled_error;
using dualiter::sleep_for;
using dualiter::task;
using dualiter::task_group;
using dualiter::yield_now;
using dualiter::testing::answer_after;
using namespace std::chrono_literals;

namespace {
task<> fail_after(std::chrono::milliseconds d, const char* what) {
  co_await sleep_for(d);
  throw std::runtime_error(what);
}
}  // namespace

TEST(task_group, wait_returns_when_all_have_ended_with_their_results_in_the_handles) {
  dualiter::run([]() -> task<> {
    task_group g;
    auto a = g.create_task(answer_after(2ms, 1));
    auto b = g.create_task(answer_after(1ms, 2));
    EXPECT_EQ(g.pending(), 2u);
    co_await g.wait();
    EXPECT_TRUE(a.done() && b.done());
    EXPECT_EQ(co_await a + co_await b, 3);
  }());
}

TEST(task_group, one_failure_cancels_the_siblings_and_is_rethrown_unchanged_others_counted) {
  int cancelled_siblings = 0;
  dualiter::run([&]() -> task<> {
    task_group g;
    auto sibling = [](int& c) -> task<> {
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
        ++c;
        throw;
      }
    };
    auto s1 = g.create_task(sibling(cancelled_siblings));
    auto s2 = g.create_task(sibling(cancelled_siblings));
    (void)g.create_task(fail_after(1ms, "first"));
    (void)g.create_task([]() -> task<> {  // fails while reacting to its cancellation
      try {
        co_await sleep_for(std::chrono::hours(1));
      } catch (const cancelled_error&) {
      }
      throw std::logic_error("second");
    }());
    std::string what;
    try {
      co_await g.wait();
    } catch (const std::runtime_error& e) {
      what = e.what();
    }
    EXPECT_EQ(what, "first");
    EXPECT_EQ(g.other_failures(), 1u);
    EXPECT_TRUE(s1.cancelled() && s2.cancelled());
  }());
  EXPECT_EQ(cancelled_siblings, 2);
}

TEST(task_group, cancelling_the_waiting_task_cancels_the_members_and_waits_for_them) {
  int cleaned = 0;
  dualiter::run([&]() -> task<> {
    auto h = dualiter::create_task([](int& cleaned) -> task<> {
      task_group g;
      for (int i = 0; i < 3; ++i) {
        (void)g.create_task([](int& c) -> task<> {
          try {
            co_await sleep_for(std::chrono::hours(1));
          } catch (const cancelled_error&) {
          }
          co_await yield_now();
          ++c;
        }(cleaned));
      }
      co_await g.wait();
    }(cleaned));
    co_await yield_now();
    co_await yield_now();
    h.cancel();
    EXPECT_THROW(co_await h, cancelled_error);
    EXPECT_EQ(cleaned, 3);
  }());
}

TEST(task_group, destroying_a_group_with_pending_tasks_cancels_them) {
  int live = 0;
  std::vector<dualiter::task_handle<>> handles;
  dualiter::run([&]() -> task<> {
    {
      task_group g;
      for (int i = 0; i < 2; ++i) {
        handles.push_back(g.create_task([](int* live) -> task<> {
          dualiter::testing::lifetime_counter alive(live);
          co_await sleep_for(std::chrono::hours(1));
        }(&live)));
      }
      co_await yield_now();
    }
    co_await yield_now();  // their cancellation runs on the loop, after the group
    EXPECT_TRUE(handles[0].cancelled() && handles[1].cancelled());
  }());
  EXPECT_EQ(live, 0);
}

TEST(task_group, a_task_created_after_a_failure_is_cancelled_before_it_starts) {
  dualiter::run([]() -> task<> {
    task_group g;
    (void)g.create_task(fail_after(0ms, "x"));
    co_await sleep_for(1ms);
    auto late = g.create_task(answer_after(0ms, 1));
    EXPECT_THROW(co_await g.wait(), std::runtime_error);
    EXPECT_TRUE(late.cancelled());
  }());
}

TEST(task_group, an_empty_group_waits_for_nothing) {
  dualiter::run([]() -> task<> {
    task_group g;
    co_await g.wait();
    EXPECT_EQ(g.pending(), 0u);
  }());
}

TEST(task_group, a_group_in_a_task_cut_off_by_runs_end_forgets_its_members_safely) {
  int live = 0;
  dualiter::testing::parking_spot nowhere;
  dualiter::testing::parking_spot nowhere_either;
  dualiter::run([&]() -> task<> {
    (void)create_task([](int* live, dualiter::testing::parking_spot& a,
                         dualiter::testing::parking_spot& b) -> task<> {
      dualiter::task_group g;
      (void)g.create_task([](int* live, dualiter::testing::parking_spot& s) -> task<> {
        dualiter::testing::lifetime_counter alive(live);
        co_await s.wait();
      }(live, b));
      dualiter::testing::lifetime_counter alive(live);
      co_await a.wait();
    }(&live, nowhere, nowhere_either));
    co_await sleep_for(1ms);
  }());
  EXPECT_EQ(live, 0);
}

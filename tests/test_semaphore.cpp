// semaphore, from asyncio.Semaphore's documented semantics, with its guard.
#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/cancellation.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/semaphore.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_handle.hpp>

#include "support/expect.hpp"
#include "support/manual.hpp"
#include "support/settle.hpp"

using dualiter::cancelled_error;
using dualiter::create_task;
using dualiter::semaphore;
using dualiter::task;
using dualiter::yield_now;
using dualiter::testing::contains;
using dualiter::testing::error_of;
using dualiter::testing::settle;
using dualiter::testing::spawn;

namespace {
// The guard is kept until the task ends (discarding it is [[nodiscard]]).
task<> acquire_and_hold(semaphore& s) {
  auto held = co_await s.acquire();
}

}  // namespace

TEST(semaphore, never_lets_more_than_its_value_hold_it_at_once) {
  semaphore s(3);
  int inside = 0;
  int most_inside = 0;
  int finished = 0;
  auto worker = [&](int rounds) -> task<> {
    for (int i = 0; i < rounds; ++i) {
      auto held = co_await s.acquire();
      ++inside;
      most_inside = std::max(most_inside, inside);
      for (int y = 0; y < (i % 3) + 1; ++y) co_await yield_now();
      --inside;
    }
    ++finished;
  };
  dualiter::run(dualiter::gather(worker(5), worker(4), worker(6), worker(3), worker(5), worker(2),
                                 worker(7), worker(1)));
  EXPECT_EQ(most_inside, 3);
  EXPECT_EQ(finished, 8);
  EXPECT_EQ(s.value(), 3);
  EXPECT_FALSE(s.locked());
}

TEST(semaphore, a_negative_value_throws_as_python_does) {
  EXPECT_TRUE(contains(error_of([] { semaphore s(-1); }), "initial value must be >= 0"));
  EXPECT_THROW(semaphore(-1), std::invalid_argument);
}

TEST(semaphore, units_go_to_waiters_first_come_first_served) {
  dualiter::run([]() -> task<> {
    semaphore s(1);
    std::vector<int> order;
    auto held = co_await s.acquire();
    EXPECT_TRUE(s.locked());
    std::vector<dualiter::testing::spawned> waiters;
    for (int i = 0; i < 4; ++i) {
      waiters.push_back(spawn([&, i]() -> task<> {
        auto g = co_await s.acquire();
        order.push_back(i);
        co_await yield_now();
      }));
    }
    held.release();
    EXPECT_TRUE(s.locked());  // handed to the first waiter
    co_await settle();
    co_await settle();
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(s.value(), 1);
  }());
}

TEST(semaphore, release_by_hand_and_detach) {
  semaphore s(2);
  auto a = dualiter::sync_wait(s.acquire());
  a.detach();
  EXPECT_EQ(s.value(), 1);
  s.release();
  EXPECT_EQ(s.value(), 2);
  s.release();  // as asyncio.Semaphore: no upper bound
  EXPECT_EQ(s.value(), 3);
  semaphore full(std::numeric_limits<std::ptrdiff_t>::max());
  EXPECT_THROW(full.release(), std::overflow_error);
}

TEST(semaphore, waiting_outside_any_engine_throws) {
  semaphore s(0);
  EXPECT_TRUE(s.locked());
  EXPECT_TRUE(
      contains(error_of([&] { (void)dualiter::sync_wait(s.acquire()); }), "semaphore::acquire"));
}

TEST(semaphore, a_cancelled_waiter_leaves_and_a_unit_handed_to_it_goes_to_the_next) {
  dualiter::run([]() -> task<> {
    semaphore s(0);
    auto waiting = create_task(s.acquire());
    auto handed = create_task(s.acquire());
    // The coroutine takes what it uses as parameters: a temporary lambda's captures would
    // dangle once it has suspended.
    auto next = create_task([](semaphore& s) -> task<bool> {
      auto g = co_await s.acquire();
      co_return g.owns_unit();
    }(s));
    co_await settle();
    EXPECT_TRUE(waiting.cancel());
    EXPECT_THROW((void)co_await waiting, cancelled_error);
    s.release();  // to `handed`
    EXPECT_TRUE(handed.cancel());
    EXPECT_TRUE(co_await next);
    EXPECT_THROW((void)co_await handed, cancelled_error);
    EXPECT_EQ(s.value(), 1);
  }());
}

TEST(semaphore, a_waiter_whose_frame_is_destroyed_passes_its_unit_on) {
  dualiter::run([]() -> task<> {
    semaphore s(0);
    auto waiting = spawn([&] { return acquire_and_hold(s); });
    auto handed = spawn([&] { return acquire_and_hold(s); });
    waiting.abandon();
    s.release();
    handed.abandon();
    EXPECT_EQ(s.value(), 1);
    co_await settle();
  }());
}

namespace {
// Waits again each time it is cancelled: its run lets go of it (see test_queue.cpp).
task<> acquire_whatever_happens(semaphore& s, int& resumed) {
  while (true) {
    try {
      auto held = co_await s.acquire();
      ++resumed;
    } catch (const cancelled_error&) {
    }
  }
}
}  // namespace

TEST(semaphore, release_passes_over_a_waiter_let_go_of_by_its_ended_run) {
  // Was a use-after-free: release handed the unit to that waiter, on its destroyed loop, and
  // the unit was lost.
  semaphore s(0);
  int resumed = 0;
  std::vector<dualiter::task_handle<void>> stubborn;
  {
    auto loop = std::make_unique<dualiter::event_loop>();
    loop->run(
        [](semaphore& s, int& resumed, std::vector<dualiter::task_handle<void>>& keep) -> task<> {
          keep.push_back(create_task(acquire_whatever_happens(s, resumed)));
          co_await settle();
        }(s, resumed, stubborn));
  }
  s.release();
  EXPECT_EQ(s.value(), 1);
  EXPECT_EQ(resumed, 0);
  stubborn.clear();
}

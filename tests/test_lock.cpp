// lock, from asyncio.Lock's documented semantics, with its guard.
#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/cancellation.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/lock.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_handle.hpp>

#include "support/expect.hpp"
#include "support/manual.hpp"
#include "support/settle.hpp"

using dualiter::cancelled_error;
using dualiter::create_task;
using dualiter::lock;
using dualiter::task;
using dualiter::yield_now;
using dualiter::testing::contains;
using dualiter::testing::error_of;
using dualiter::testing::settle;
using dualiter::testing::spawn;

namespace {
// The guard is kept until the task ends (discarding it is [[nodiscard]]).
task<> acquire_and_hold(lock& l) {
  auto held = co_await l.acquire();
}

}  // namespace

TEST(lock, excludes_and_hands_over_in_the_order_of_arrival) {
  lock l;
  std::vector<int> order;
  int inside = 0;
  int most_inside = 0;
  auto worker = [&](int id) -> task<> {
    for (int round = 0; round < 3; ++round) {
      auto held = co_await l.acquire();
      ++inside;
      most_inside = std::max(most_inside, inside);
      order.push_back(id);
      co_await yield_now();
      co_await yield_now();
      --inside;
    }
  };
  dualiter::run(dualiter::gather(worker(0), worker(1), worker(2)));
  EXPECT_EQ(most_inside, 1);
  // Each release hands the lock to the longest waiter, never back to the one that released.
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2}));
  EXPECT_FALSE(l.locked());
}

TEST(lock, a_newcomer_cannot_take_a_lock_handed_to_a_waiter) {
  dualiter::run([]() -> task<> {
    lock l;
    std::vector<std::string> order;
    auto held = co_await l.acquire();
    auto waiter = spawn([&]() -> task<> {
      auto g = co_await l.acquire();
      order.push_back("waiter");
    });
    held.unlock();
    EXPECT_TRUE(l.locked());  // handed over, not free
    auto newcomer = spawn([&]() -> task<> {
      auto g = co_await l.acquire();
      order.push_back("newcomer");
    });
    co_await settle();
    EXPECT_EQ(order, (std::vector<std::string>{"waiter", "newcomer"}));
    EXPECT_FALSE(l.locked());
  }());
}

TEST(lock, releasing_an_unlocked_lock_throws_as_python_does) {
  lock l;
  EXPECT_TRUE(contains(error_of([&] { l.release(); }), "Lock is not acquired"));
  EXPECT_THROW(l.release(), std::runtime_error);
}

TEST(lock, acquiring_a_free_lock_needs_no_loop_and_waiting_outside_one_throws) {
  lock l;
  auto held = dualiter::sync_wait(l.acquire());
  EXPECT_TRUE(l.locked());
  EXPECT_TRUE(held.owns_lock());
  EXPECT_TRUE(
      contains(error_of([&] { (void)dualiter::sync_wait(l.acquire()); }), "no running event loop"));
}

TEST(lock, guards_move_unlock_and_detach) {
  lock l;
  {
    auto a = dualiter::sync_wait(l.acquire());
    lock::guard b = std::move(a);
    EXPECT_FALSE(a.owns_lock());
    EXPECT_TRUE(b.owns_lock());
    b.unlock();
    EXPECT_FALSE(l.locked());
    EXPECT_TRUE(contains(error_of([&] { b.unlock(); }), "does not hold the lock"));
  }
  {
    auto c = dualiter::sync_wait(l.acquire());
    c.detach();  // managed by hand from here, as in Python without `async with`
  }
  EXPECT_TRUE(l.locked());
  l.release();
  EXPECT_FALSE(l.locked());
}

TEST(lock, a_guard_whose_holding_ended_does_not_release_the_next_holder) {
  lock l;
  auto first = dualiter::sync_wait(l.acquire());
  l.release();  // by hand, while the guard lives
  auto second = dualiter::sync_wait(l.acquire());
  {
    lock::guard gone = std::move(first);
  }  // must not release `second`'s holding
  EXPECT_TRUE(l.locked());
  EXPECT_TRUE(second.owns_lock());
}

TEST(lock, a_cancelled_waiter_leaves_and_a_lock_handed_to_it_goes_to_the_next) {
  dualiter::run([]() -> task<> {
    lock l;
    auto held = co_await l.acquire();
    auto cancelled_waiting = create_task(l.acquire());
    auto handed = create_task(l.acquire());
    // The coroutine takes what it uses as parameters: a temporary lambda's captures would
    // dangle once it has suspended.
    auto next = create_task([](lock& l) -> task<bool> {
      auto g = co_await l.acquire();
      co_return g.owns_lock();
    }(l));
    co_await settle();
    EXPECT_TRUE(cancelled_waiting.cancel());  // still waiting: leaves the list
    EXPECT_THROW((void)co_await cancelled_waiting, cancelled_error);
    held.unlock();  // handed to `handed`
    EXPECT_TRUE(handed.cancel());
    EXPECT_TRUE(co_await next);
    EXPECT_THROW((void)co_await handed, cancelled_error);
    EXPECT_FALSE(l.locked());
  }());
}

TEST(lock, a_waiter_whose_frame_is_destroyed_passes_the_lock_on) {
  dualiter::run([]() -> task<> {
    lock l;
    auto held = co_await l.acquire();
    auto waiting = spawn([&] { return acquire_and_hold(l); });
    auto handed = spawn([&] { return acquire_and_hold(l); });
    bool next_got_it = false;
    auto next = spawn([&]() -> task<> {
      auto g = co_await l.acquire();
      next_got_it = true;
    });
    waiting.abandon();
    held.unlock();  // to `handed`
    handed.abandon();
    co_await settle();
    EXPECT_TRUE(next_got_it);
    EXPECT_FALSE(l.locked());
  }());
}

namespace {
// Waits again each time it is cancelled: its run lets go of it (see test_queue.cpp).
task<> acquire_whatever_happens(lock& l, int& resumed) {
  while (true) {
    try {
      auto held = co_await l.acquire();
      ++resumed;
    } catch (const cancelled_error&) {
    }
  }
}
}  // namespace

TEST(lock, release_passes_over_a_waiter_let_go_of_by_its_ended_run) {
  // Was a use-after-free: release handed the lock to that waiter, on its destroyed loop, and
  // the lock stayed locked for good.
  lock l;
  auto held = dualiter::sync_wait(l.acquire());
  int resumed = 0;
  std::vector<dualiter::task_handle<void>> stubborn;
  {
    auto loop = std::make_unique<dualiter::event_loop>();
    loop->run([](lock& l, int& resumed, std::vector<dualiter::task_handle<void>>& keep) -> task<> {
      keep.push_back(create_task(acquire_whatever_happens(l, resumed)));
      co_await settle();
    }(l, resumed, stubborn));
  }
  held.unlock();
  EXPECT_FALSE(l.locked());
  EXPECT_EQ(resumed, 0);
  stubborn.clear();
}

namespace {
task<> hold_for_two_turns(lock& l, int& inside, int& most_inside) {
  auto held = co_await l.acquire();
  most_inside = std::max(most_inside, ++inside);
  co_await yield_now();
  co_await yield_now();
  --inside;
}
}  // namespace

TEST(lock, release_by_hand_while_the_lock_is_handed_to_a_waiter_throws_as_python_does) {
  // The lock is the woken waiter's until it resumes; releasing it again used to hand it to the
  // next waiter as well: two holders at once.
  const int most_inside = dualiter::run([]() -> task<int> {
    lock l;
    int inside = 0;
    int most = 0;
    auto held = co_await l.acquire();
    auto first = create_task(hold_for_two_turns(l, inside, most));
    auto second = create_task(hold_for_two_turns(l, inside, most));
    co_await settle();
    held.unlock();  // handed to `first`, which has not resumed yet
    EXPECT_TRUE(l.locked());
    const std::string message = error_of([&] { l.release(); });
    EXPECT_TRUE(contains(message, "Lock is not acquired")) << message;
    co_await first;
    co_await second;
    EXPECT_FALSE(l.locked());
    co_return most;
  }());
  EXPECT_EQ(most_inside, 1);
}

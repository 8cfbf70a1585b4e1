// event, from asyncio.Event's documented semantics.
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/cancellation.hpp>
#include <dualiter/event.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_handle.hpp>

#include "support/expect.hpp"
#include "support/manual.hpp"
#include "support/settle.hpp"

using dualiter::cancelled_error;
using dualiter::create_task;
using dualiter::event;
using dualiter::task;
using dualiter::yield_now;
using dualiter::testing::contains;
using dualiter::testing::error_of;
using dualiter::testing::settle;
using dualiter::testing::spawn;

TEST(event, set_wakes_every_waiter_in_order_through_the_loop) {
  dualiter::run([]() -> task<> {
    event e;
    std::vector<int> woke;
    auto waiter = [&](int id) -> task<> {
      co_await e.wait();
      woke.push_back(id);
    };
    std::vector<dualiter::testing::spawned> waiters;
    for (int i = 0; i < 5; ++i) waiters.push_back(spawn([&, i] { return waiter(i); }));
    EXPECT_FALSE(e.is_set());
    e.set();
    EXPECT_TRUE(e.is_set());
    EXPECT_TRUE(woke.empty());  // not resumed inside set(): asyncio wakes with call_soon
    co_await settle();
    EXPECT_EQ(woke, (std::vector<int>{0, 1, 2, 3, 4}));
  }());
}

TEST(event, wait_on_a_set_event_returns_at_once_and_clear_makes_it_wait_again) {
  dualiter::run([]() -> task<> {
    event e;
    e.set();
    co_await e.wait();
    e.clear();
    EXPECT_FALSE(e.is_set());
    bool woke = false;
    auto waiter = spawn([&]() -> task<> {
      co_await e.wait();
      woke = true;
    });
    co_await settle();
    EXPECT_FALSE(woke);
    e.set();
    e.clear();  // too late: the waiter was woken already, as in asyncio
    co_await settle();
    EXPECT_TRUE(woke);
  }());
}

TEST(event, a_cancelled_waiter_throws_cancelled_error_and_leaves) {
  dualiter::run([]() -> task<> {
    event e;
    auto blocked = create_task(e.wait());
    auto other = create_task(e.wait());
    co_await settle();
    EXPECT_TRUE(blocked.cancel());
    EXPECT_THROW(co_await blocked, cancelled_error);
    e.set();
    co_await other;
  }());
}

TEST(event, a_waiter_cancelled_after_set_but_before_it_resumed_is_cancelled) {
  dualiter::run([]() -> task<> {
    event e;
    auto blocked = create_task(e.wait());
    co_await settle();
    e.set();
    EXPECT_TRUE(blocked.cancel());
    EXPECT_THROW(co_await blocked, cancelled_error);
  }());
}

TEST(event, a_waiter_whose_frame_is_destroyed_leaves_the_wait_list) {
  dualiter::run([]() -> task<> {
    event e;
    auto first = spawn([&] { return e.wait(); });
    auto second = spawn([&] { return e.wait(); });
    first.abandon();
    e.set();
    second.abandon();  // woken, not resumed yet: leaves the ready queue too
    co_await settle();
  }());
}

TEST(event, waiting_outside_any_engine_throws_unless_set) {
  event e;
  EXPECT_TRUE(contains(error_of([&] { dualiter::sync_wait(e.wait()); }), "event::wait"));
  e.set();
  dualiter::sync_wait(e.wait());
  EXPECT_TRUE(e.is_set());
}

TEST(event, an_event_destroyed_under_its_waiters_lets_them_go) {
  dualiter::run([]() -> task<> {
    auto e = std::make_unique<event>();
    auto never = spawn([&] { return e->wait(); });
    e.reset();
    co_await settle();
    EXPECT_FALSE(never.done());
  }());
}

TEST(event, a_waiter_woken_before_the_event_was_destroyed_returns) {
  // It has what it waited for: the event was set. It used to throw std::logic_error.
  std::string outcome = dualiter::run([]() -> task<std::string> {
    auto e = std::make_unique<event>();
    auto waiter = create_task([](event& e) -> task<std::string> {
      co_await e.wait();
      co_return "returned";
    }(*e));
    co_await settle();
    e->set();
    e.reset();  // before the waiter resumed
    co_return co_await waiter;
  }());
  EXPECT_EQ(outcome, "returned");
}

namespace {
// Waits again each time it is cancelled: its run lets go of it (see test_queue.cpp).
task<> wait_whatever_happens(event& e, int& resumed) {
  while (true) {
    try {
      co_await e.wait();
      ++resumed;
    } catch (const cancelled_error&) {
    }
  }
}
}  // namespace

TEST(event, set_passes_over_a_waiter_let_go_of_by_its_ended_run) {
  // Was a use-after-free (under ASan): set() scheduled it on its destroyed loop.
  event e;
  int resumed = 0;
  std::vector<dualiter::task_handle<void>> stubborn;
  {
    auto loop = std::make_unique<dualiter::event_loop>();
    loop->run([](event& e, int& resumed, std::vector<dualiter::task_handle<void>>& keep) -> task<> {
      keep.push_back(create_task(wait_whatever_happens(e, resumed)));
      co_await settle();
    }(e, resumed, stubborn));
  }
  e.set();
  EXPECT_TRUE(e.is_set());
  dualiter::run(settle());
  EXPECT_EQ(resumed, 0);
  stubborn.clear();
}

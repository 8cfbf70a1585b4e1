// queue<T>, from asyncio.Queue's documented semantics (3.13, with shutdown), plus what dualiter
// adds: FIFO hand-over to waiters, async iteration, cancellation of waiters.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/algorithm.hpp>
#include <dualiter/cancellation.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/queue.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_handle.hpp>
#include <dualiter/views.hpp>

#include "support/expect.hpp"
#include "support/manual.hpp"
#include "support/settle.hpp"

using dualiter::cancelled_error;
using dualiter::create_task;
using dualiter::queue;
using dualiter::queue_empty;
using dualiter::queue_full;
using dualiter::queue_shut_down;
using dualiter::task;
using dualiter::yield_now;
using dualiter::testing::contains;
using dualiter::testing::error_of;
using dualiter::testing::settle;
using dualiter::testing::spawn;

static_assert(dualiter::AsyncIterable<queue<int>&>);
static_assert(!dualiter::SyncIterable<queue<int>&>);
static_assert(
    std::is_same_v<dualiter::await_result_t<decltype(std::declval<queue<int>&>().get())>, int>);

namespace {}  // namespace

TEST(queue, nowait_operations_are_fifo_and_count_as_python_does) {
  queue<std::string> q(2);
  EXPECT_EQ(q.maxsize(), 2);
  EXPECT_TRUE(q.empty());
  EXPECT_FALSE(q.full());
  q.put_nowait("a");
  q.put_nowait(std::string("b"));
  EXPECT_EQ(q.size(), 2u);
  EXPECT_TRUE(q.full());
  std::string c = "c";
  EXPECT_TRUE(contains(error_of([&] { q.put_nowait(std::move(c)); }), "QueueFull"));
  EXPECT_EQ(c, "c");  // a refused item is not moved from
  EXPECT_EQ(q.get_nowait(), "a");
  EXPECT_EQ(q.get_nowait(), "b");
  EXPECT_TRUE(contains(error_of([&] { (void)q.get_nowait(); }), "QueueEmpty"));
  EXPECT_THROW((void)q.get_nowait(), queue_empty);
}

TEST(queue, a_maxsize_of_zero_or_less_means_no_limit_as_in_python) {
  queue<int> unbounded;
  queue<int> negative(-5);
  EXPECT_EQ(negative.maxsize(), -5);
  for (int i = 0; i < 10000; ++i) {
    unbounded.put_nowait(i);
    negative.put_nowait(i);
  }
  EXPECT_FALSE(unbounded.full());
  EXPECT_FALSE(negative.full());
  EXPECT_EQ(negative.size(), 10000u);
  queue<int> huge(PTRDIFF_MAX);  // no storage is taken up front
  huge.put_nowait(1);
  EXPECT_FALSE(huge.full());
  EXPECT_EQ(huge.get_nowait(), 1);
}

TEST(queue, a_bounded_queue_makes_the_producer_wait_for_the_consumer) {
  queue<int> q(2);
  int producer_waited = 0;
  std::vector<int> got;
  auto producer = [&]() -> task<> {
    for (int i = 0; i < 20; ++i) {
      if (q.full()) ++producer_waited;
      co_await q.put(i);
      EXPECT_LE(q.size(), 2u);
    }
  };
  auto consumer = [&]() -> task<> {
    for (int i = 0; i < 20; ++i) {
      got.push_back(co_await q.get());
      co_await yield_now();  // slower than the producer
    }
  };
  dualiter::run(dualiter::gather(producer(), consumer()));
  std::vector<int> expected(20);
  for (int i = 0; i < 20; ++i) expected[static_cast<std::size_t>(i)] = i;
  EXPECT_EQ(got, expected);
  EXPECT_GE(producer_waited, 10);
}

TEST(queue, a_million_items_pass_through_a_bounded_queue_in_order) {
  constexpr int n = 1'000'000;
  queue<int> q(64);
  long long mismatches = 0;
  int received = 0;
  auto producer = [&]() -> task<> {
    for (int i = 0; i < n; ++i) co_await q.put(i);
  };
  auto consumer = [&]() -> task<> {
    for (int i = 0; i < n; ++i) {
      if (co_await q.get() != i) ++mismatches;
      ++received;
    }
  };
  dualiter::run(dualiter::gather(producer(), consumer()));
  EXPECT_EQ(received, n);
  EXPECT_EQ(mismatches, 0);
  EXPECT_TRUE(q.empty());
}

TEST(queue, several_producers_and_consumers_share_every_item_once_each_in_order) {
  constexpr int producers = 3;
  constexpr int per_producer = 500;
  queue<int> q(5);
  std::vector<std::vector<int>> got(4);
  auto producer = [&](int id) -> task<> {
    for (int i = 0; i < per_producer; ++i) {
      co_await q.put(id * per_producer + i);
      if (i % 7 == 0) co_await yield_now();
    }
  };
  auto consumer = [&](std::vector<int>& mine) -> task<> {
    try {
      while (true) {
        mine.push_back(co_await q.get());
        if (mine.size() % 3 == 0) co_await yield_now();
      }
    } catch (const queue_shut_down&) {
    }
  };
  auto producers_then_shutdown = [&]() -> task<> {
    co_await dualiter::gather(producer(0), producer(1), producer(2));
    q.shutdown();
  };
  dualiter::run(dualiter::gather(producers_then_shutdown(), consumer(got[0]), consumer(got[1]),
                                 consumer(got[2]), consumer(got[3])));
  std::vector<int> all;
  for (const auto& mine : got) {
    EXPECT_FALSE(mine.empty());  // FIFO hand-over lets every consumer have a share
    // Each producer's items reach any one consumer in the order they were put.
    for (int id = 0; id < producers; ++id) {
      int last = -1;
      for (int x : mine) {
        if (x / per_producer != id) continue;
        EXPECT_GT(x, last);
        last = x;
      }
    }
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<std::size_t>(producers * per_producer));
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], static_cast<int>(i));
}

TEST(queue, waiting_getters_are_served_first_come_first_served_and_not_inline) {
  dualiter::run([]() -> task<> {
    queue<int> q;
    std::vector<int> order;
    auto getter = [&](int id) -> task<> {
      const int item = co_await q.get();
      order.push_back(id * 10 + item);
    };
    auto a = spawn([&] { return getter(1); });
    auto b = spawn([&] { return getter(2); });
    q.put_nowait(1);
    q.put_nowait(2);
    EXPECT_TRUE(order.empty());  // woken through the loop, as asyncio's call_soon
    EXPECT_TRUE(q.empty());      // both items promised to the waiting getters
    EXPECT_TRUE(contains(error_of([&] { (void)q.get_nowait(); }), "QueueEmpty"));  // no barging
    co_await settle();
    EXPECT_EQ(order, (std::vector<int>{11, 22}));
    EXPECT_TRUE(a.done() && b.done());
  }());
}

TEST(queue, shutdown_refuses_puts_drains_then_ends_gets_and_wakes_waiters) {
  dualiter::run([]() -> task<> {
    queue<int> q(1);
    co_await q.put(1);
    std::string putter_error;
    auto blocked_putter = spawn([&]() -> task<> {
      try {
        co_await q.put(2);
      } catch (const queue_shut_down& e) {
        putter_error = e.what();
      }
    });
    q.shutdown();
    EXPECT_TRUE(q.is_shut_down());
    co_await settle();
    EXPECT_TRUE(blocked_putter.done());
    EXPECT_TRUE(contains(putter_error, "QueueShutDown"));
    EXPECT_THROW(q.put_nowait(3), queue_shut_down);
    EXPECT_EQ(co_await q.get(), 1);  // what was left is drained
    EXPECT_TRUE(contains(error_of([&] { (void)q.get_nowait(); }), "QueueShutDown"));
    bool get_threw = false;
    try {
      (void)co_await q.get();
    } catch (const queue_shut_down&) {
      get_threw = true;
    }
    EXPECT_TRUE(get_threw);
  }());
}

TEST(queue, shutdown_wakes_waiting_getters_with_queue_shut_down) {
  dualiter::run([]() -> task<> {
    queue<int> q;
    int ended = 0;
    auto getter = [&]() -> task<> {
      try {
        (void)co_await q.get();
      } catch (const queue_shut_down&) {
        ++ended;
      }
    };
    auto a = spawn(getter);
    auto b = spawn(getter);
    q.shutdown();
    co_await settle();
    EXPECT_EQ(ended, 2);
  }());
}

TEST(queue, immediate_shutdown_drops_what_is_left_and_releases_join) {
  dualiter::run([]() -> task<> {
    queue<int> q;
    q.put_nowait(1);
    q.put_nowait(2);
    bool joined = false;
    auto joiner = spawn([&]() -> task<> {
      co_await q.join();
      joined = true;
    });
    co_await settle();
    EXPECT_FALSE(joined);
    q.shutdown(true);
    EXPECT_EQ(q.size(), 0u);
    EXPECT_EQ(q.unfinished_tasks(), 0u);
    co_await settle();
    EXPECT_TRUE(joined);
    EXPECT_TRUE(contains(error_of([&] { (void)q.get_nowait(); }), "QueueShutDown"));
  }());
}

TEST(queue, immediate_shutdown_takes_back_an_item_promised_to_a_getter_not_resumed_yet) {
  dualiter::run([]() -> task<> {
    queue<int> q;
    bool shut_down_seen = false;
    auto getter = spawn([&]() -> task<> {
      try {
        (void)co_await q.get();
      } catch (const queue_shut_down&) {
        shut_down_seen = true;
      }
    });
    q.put_nowait(1);  // promised to the getter
    q.shutdown(true);
    co_await settle();
    EXPECT_TRUE(shut_down_seen);
  }());
}

TEST(queue, join_waits_until_every_item_is_marked_done) {
  dualiter::run([]() -> task<> {
    queue<int> q;
    co_await q.join();  // nothing put: at once
    q.put_nowait(1);
    q.put_nowait(2);
    bool joined = false;
    auto joiner = spawn([&]() -> task<> {
      co_await q.join();
      joined = true;
    });
    (void)q.get_nowait();
    q.task_done();
    co_await settle();
    EXPECT_FALSE(joined);
    (void)q.get_nowait();
    q.task_done();
    EXPECT_FALSE(joined);  // woken through the loop
    co_await settle();
    EXPECT_TRUE(joined);
  }());
}

TEST(queue, task_done_called_too_many_times_throws_as_python_does) {
  queue<int> q;
  q.put_nowait(1);
  q.task_done();
  const std::string error = error_of([&] { q.task_done(); });
  EXPECT_TRUE(contains(error, "task_done() called too many times"));
  EXPECT_THROW(q.task_done(), std::invalid_argument);
}

TEST(queue, is_async_iterable_until_shut_down_and_drained) {
  queue<int> q(3);
  std::vector<int> got;
  auto producer = [&]() -> task<> {
    for (int i = 1; i <= 10; ++i) co_await q.put(i);
    q.shutdown();
  };
  auto consumer = [&]() -> task<> {
    co_await dualiter::for_each(q, [&](int x) { got.push_back(x); });
  };
  dualiter::run(dualiter::gather(consumer(), producer()));
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
}

TEST(queue, views_work_on_a_queue) {
  queue<std::unique_ptr<int>> q;
  for (int i = 1; i <= 6; ++i) q.put_nowait(std::make_unique<int>(i));
  q.shutdown();
  const std::vector<int> evens_times_ten = dualiter::run(dualiter::to_vector(
      q | dualiter::views::filter([](const std::unique_ptr<int>& p) { return *p % 2 == 0; }) |
      dualiter::views::transform([](const std::unique_ptr<int>& p) { return *p * 10; })));
  EXPECT_EQ(evens_times_ten, (std::vector<int>{20, 40, 60}));
}

TEST(queue, elements_of_the_iteration_can_be_moved_out) {
  queue<std::unique_ptr<int>> q;
  q.put_nowait(std::make_unique<int>(7));
  q.shutdown();
  const auto all = dualiter::sync_wait(dualiter::to_vector(q));  // no wait: no loop needed
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(*all[0], 7);
}

TEST(queue, a_cancelled_getter_leaves_the_wait_list) {
  dualiter::run([]() -> task<> {
    queue<int> q;
    auto blocked = create_task(q.get());
    co_await settle();
    EXPECT_TRUE(blocked.cancel());
    bool cancelled = false;
    try {
      (void)co_await blocked;
    } catch (const cancelled_error&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    q.put_nowait(5);  // no getter left to promise it to
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(co_await q.get(), 5);
  }());
}

TEST(queue, an_item_promised_to_a_getter_cancelled_before_it_resumed_goes_to_the_next) {
  dualiter::run([]() -> task<> {
    queue<int> q;
    auto first = create_task(q.get());
    auto second = create_task(q.get());
    co_await settle();
    q.put_nowait(42);  // promised to `first`
    EXPECT_TRUE(first.cancel());
    EXPECT_EQ(co_await second, 42);
    bool cancelled = false;
    try {
      (void)co_await first;
    } catch (const cancelled_error&) {
      cancelled = true;
    }
    EXPECT_TRUE(cancelled);
    EXPECT_TRUE(q.empty());
  }());
}

TEST(queue, an_item_promised_to_a_cancelled_getter_with_no_successor_stays_in_the_queue) {
  dualiter::run([]() -> task<> {
    queue<int> q;
    auto first = create_task(q.get());
    co_await settle();
    q.put_nowait(42);
    EXPECT_TRUE(q.empty());
    EXPECT_TRUE(first.cancel());
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.get_nowait(), 42);
  }());
}

TEST(queue, a_cancelled_putter_puts_nothing_and_its_slot_goes_to_the_next) {
  dualiter::run([]() -> task<> {
    queue<int> q(1);
    q.put_nowait(0);
    auto first = create_task(q.put(1));
    auto second = create_task(q.put(2));
    co_await settle();
    EXPECT_EQ(q.get_nowait(), 0);  // the slot is promised to `first`
    EXPECT_TRUE(q.full());
    EXPECT_TRUE(first.cancel());
    co_await second;
    EXPECT_THROW(co_await first, cancelled_error);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.get_nowait(), 2);
    auto third = create_task(q.put(3));  // a cancelled waiting putter
    co_await q.put(4);
    auto fifth = create_task(q.put(5));
    co_await settle();
    EXPECT_TRUE(fifth.cancel());
    EXPECT_THROW(co_await fifth, cancelled_error);
    EXPECT_EQ(q.get_nowait(), 4);
    co_await third;  // it started after 4 took the free slot, so it waited for this one
    EXPECT_EQ(q.get_nowait(), 3);
  }());
}

TEST(queue, a_waiter_whose_frame_is_destroyed_leaves_and_passes_its_promise_on) {
  dualiter::run([]() -> task<> {
    queue<int> q;
    auto waiting = spawn([&] { return q.get(); });
    waiting.abandon();  // destroyed while in the wait list
    q.put_nowait(1);
    EXPECT_EQ(q.size(), 1u);
    EXPECT_EQ(q.get_nowait(), 1);

    int got = 0;
    auto promised = spawn([&] { return q.get(); });
    auto next = spawn([&]() -> task<> { got = co_await q.get(); });
    q.put_nowait(2);  // promised to `promised`, scheduled on the loop
    promised.abandon();
    co_await settle();
    EXPECT_EQ(got, 2);
  }());
}

TEST(queue, a_putter_whose_frame_is_destroyed_passes_its_slot_on) {
  dualiter::run([]() -> task<> {
    queue<int> q(1);
    q.put_nowait(0);
    auto promised = spawn([&] { return q.put(1); });
    auto next = spawn([&] { return q.put(2); });
    EXPECT_EQ(q.get_nowait(), 0);  // slot promised to `promised`
    promised.abandon();
    co_await settle();
    EXPECT_TRUE(next.done());
    EXPECT_EQ(q.get_nowait(), 2);
  }());
}

TEST(queue, waiting_outside_any_engine_throws_no_running_event_loop_but_a_ready_get_works) {
  queue<int> q;
  EXPECT_TRUE(
      contains(error_of([&] { (void)dualiter::sync_wait(q.get()); }), "no running event loop"));
  q.put_nowait(3);
  EXPECT_EQ(dualiter::sync_wait(q.get()), 3);
  dualiter::sync_wait(q.put(4));  // unbounded: never waits
  EXPECT_EQ(q.get_nowait(), 4);
}

TEST(queue, a_queue_destroyed_under_its_waiters_lets_them_go) {
  dualiter::run([]() -> task<> {
    auto q = std::make_unique<queue<int>>();
    auto waiting = spawn([&] { return q->get(); });
    std::string error;
    auto woken = spawn([&]() -> task<> {
      try {
        (void)co_await q->get();
      } catch (const std::logic_error& e) {
        error = e.what();
      }
    });
    q->put_nowait(1);  // promised to `waiting`, which is scheduled
    q.reset();
    co_await settle();
    EXPECT_FALSE(woken.done());  // never resumed
    EXPECT_TRUE(waiting.done());
    EXPECT_TRUE(waiting.error() != nullptr);
    EXPECT_TRUE(contains(error_of([&] { std::rethrow_exception(waiting.error()); }),
                         "queue was destroyed while a coroutine waited for it"));
  }());
}

TEST(queue, a_put_of_a_move_only_type_and_lvalues_copy) {
  dualiter::run([]() -> task<> {
    queue<std::unique_ptr<int>> q(1);
    co_await q.put(std::make_unique<int>(1));
    EXPECT_EQ(*q.get_nowait(), 1);
    queue<std::string> strings;
    const std::string s = "kept";
    co_await strings.put(s);
    EXPECT_EQ(s, "kept");
    EXPECT_EQ(co_await strings.get(), "kept");
  }());
}

namespace {
// Gets again each time it is cancelled: the end of its run cannot end it, so the run lets go
// of it, and its frame lives on with the handle.
task<> get_whatever_happens(queue<int>& q, int& resumed) {
  while (true) {
    try {
      (void)co_await q.get();
      ++resumed;
    } catch (const cancelled_error&) {
    }
  }
}
}  // namespace

TEST(queue, a_getter_let_go_of_by_its_ended_run_is_passed_over_by_later_puts) {
  // Was a use-after-free: the put promised the item to that getter and scheduled it on its
  // loop, destroyed by then; the item was lost to every later getter.
  queue<int> q;
  int resumed = 0;
  std::vector<dualiter::task_handle<void>> stubborn;
  {
    auto loop = std::make_unique<dualiter::event_loop>();
    loop->run(
        [](queue<int>& q, int& resumed, std::vector<dualiter::task_handle<void>>& keep) -> task<> {
          keep.push_back(create_task(get_whatever_happens(q, resumed)));
          co_await settle();
        }(q, resumed, stubborn));
  }
  q.put_nowait(1);
  EXPECT_EQ(q.size(), 1u);
  EXPECT_EQ(dualiter::run(q.get()), 1);  // a getter of a new run takes it
  EXPECT_EQ(resumed, 0);
  stubborn.clear();
}

namespace {
// An item whose move throws once, when the countdown it shares reaches zero.
struct fragile_item {
  int value;
  int* moves_until_failure;
  fragile_item(int v, int* countdown) : value(v), moves_until_failure(countdown) {}
  fragile_item(fragile_item&& other)
      : value(other.value), moves_until_failure(other.moves_until_failure) {
    if (*moves_until_failure > 0 && --*moves_until_failure == 0) {
      throw std::runtime_error("fragile_item: move failed");
    }
  }
  fragile_item& operator=(fragile_item&&) = default;
};

task<> get_one(queue<fragile_item>& q, std::vector<std::string>& outcomes) {
  try {
    fragile_item item = co_await q.get();
    outcomes.push_back("got " + std::to_string(item.value));
  } catch (const std::runtime_error& e) {
    outcomes.push_back(e.what());
  }
}
}  // namespace

TEST(queue, an_item_a_getter_fails_to_move_out_stays_first_and_goes_to_the_next_getter) {
  // The getter's await throws; the item was promised to it, and must not be stranded at the
  // front of the queue while the next getter sleeps.
  auto outcomes = dualiter::run([]() -> task<std::vector<std::string>> {
    queue<fragile_item> q;
    int countdown = 0;
    std::vector<std::string> seen;
    auto first = create_task(get_one(q, seen));
    auto second = create_task(get_one(q, seen));
    co_await settle();
    q.put_nowait(fragile_item(7, &countdown));  // promised to the first getter
    countdown = 1;                              // its move out fails
    co_await settle();
    EXPECT_TRUE(q.empty());
    co_return seen;
  }());
  EXPECT_EQ(outcomes, (std::vector<std::string>{"fragile_item: move failed", "got 7"}));
}

TEST(queue, an_item_the_iteration_fails_to_move_out_stays_in_the_queue) {
  // Whichever move fails, no item is lost: anext moves the item once, straight from the queue.
  for (int failing_move = 1; failing_move <= 3; ++failing_move) {
    queue<fragile_item> q;
    int countdown = 0;
    q.put_nowait(fragile_item(1, &countdown));
    q.put_nowait(fragile_item(2, &countdown));
    std::vector<int> seen;
    dualiter::sync_wait([](queue<fragile_item>& q, int& countdown, int failing_move,
                           std::vector<int>& seen) -> task<> {
      auto it = q.aiter();
      countdown = failing_move;
      try {
        auto first = co_await it.anext();
        seen.push_back(first->value);
      } catch (const std::runtime_error&) {
      }
      countdown = 0;
      while (!q.empty()) seen.push_back((*co_await it.anext()).value);
    }(q, countdown, failing_move, seen));
    EXPECT_EQ(seen, (std::vector<int>{1, 2})) << "failing move " << failing_move;
  }
}

TEST(queue, a_put_awaited_twice_throws_instead_of_putting_its_item_again) {
  // Its item was moved into the queue by the first await; the second used to put the
  // moved-from item: for an int, the same value twice.
  queue<int> q;
  const std::string message = dualiter::sync_wait([](queue<int>& q) -> task<std::string> {
    auto put = q.put(1);
    co_await put;
    try {
      co_await put;
    } catch (const std::logic_error& e) {
      co_return e.what();
    }
    co_return "no error";
  }(q));
  EXPECT_TRUE(contains(message, "awaited already")) << message;
  EXPECT_EQ(q.size(), 1u);
}

// Threads meeting the loop: call_soon_threadsafe, run_coroutine_threadsafe, to_thread, and
// foreign awaiters that resume a coroutine of the loop from another thread.
#include <atomic>
#include <chrono>
#include <coroutine>
#include <future>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/cancellation.hpp>
#include <dualiter/event.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/queue.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_handle.hpp>
#include <dualiter/threads.hpp>

#include "support/expect.hpp"

namespace {

using dualiter::event_loop;
using dualiter::task;
using dualiter::testing::contains;
using dualiter::testing::error_of;
using namespace std::chrono_literals;

/// A foreign awaiter: hands the handle to a thread that resumes it after `delay`. The thread
/// is joined by the test (threads_).
class resumed_from_thread {
 public:
  struct awaiter {
    resumed_from_thread* self;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      self->threads_.emplace_back([h, this_thread_id = &self->resumer_] {
        std::this_thread::sleep_for(5ms);  // let the loop go idle first
        *this_thread_id = std::this_thread::get_id();
        h.resume();
      });
    }
    void await_resume() const noexcept {}
  };
  awaiter operator co_await() noexcept { return {this}; }
  ~resumed_from_thread() {
    for (std::thread& t : threads_) t.join();
  }
  std::atomic<std::thread::id> resumer_;  // written by every resuming thread at once

 private:
  std::vector<std::thread> threads_;
};

/// A foreign awaiter resumed by whoever calls resume(), on whatever thread.
class handoff {
 public:
  struct awaiter {
    handoff* self;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) {
      const std::lock_guard<std::mutex> lock(self->mutex_);
      self->parked_ = h;
    }
    void await_resume() const noexcept {}
  };
  awaiter operator co_await() noexcept { return {this}; }
  bool resume() {
    std::coroutine_handle<> h;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      h = std::exchange(parked_, nullptr);
    }
    if (!h) return false;
    h.resume();
    return true;
  }

 private:
  std::mutex mutex_;
  std::coroutine_handle<> parked_;
};

TEST(threads, call_soon_threadsafe_from_eight_threads_runs_every_call_once_on_the_loop_thread) {
  constexpr int threads = 8;
  constexpr int calls_each = 2000;
  event_loop loop;
  handoff all_done;
  int ran = 0;  // touched on the loop thread only: TSan checks it
  int off_thread = 0;
  std::vector<int> seen(threads * calls_each, 0);
  std::vector<std::thread> posters;
  const std::thread::id loop_thread = std::this_thread::get_id();
  loop.run([&]() -> task<> {
    for (int t = 0; t < threads; ++t) {
      posters.emplace_back([&, t] {
        for (int i = 0; i < calls_each; ++i) {
          loop.call_soon_threadsafe([&, n = t * calls_each + i] {
            if (std::this_thread::get_id() != loop_thread) ++off_thread;
            ++seen[static_cast<std::size_t>(n)];
            if (++ran == threads * calls_each) all_done.resume();
          });
        }
      });
    }
    co_await all_done;
  }());
  for (std::thread& t : posters) t.join();
  EXPECT_EQ(ran, threads * calls_each);
  EXPECT_EQ(off_thread, 0);
  int wrong = 0;
  for (int s : seen) wrong += s != 1;
  EXPECT_EQ(wrong, 0);
}

TEST(threads, the_first_post_from_another_thread_reaches_a_loop_busy_with_its_own_turns) {
  // The loop looked for posts through a relaxed load of the remote queue, which the posting
  // thread had just made: a data race under ThreadSanitizer (the queue's mutex and flags were
  // not yet seen made). Here no stand-in has made the queue on the loop's thread first.
  event_loop loop;
  bool ran = false;  // touched on the loop thread only
  std::thread poster;
  const int turns = loop.run([&]() -> task<int> {
    poster = std::thread([&] { loop.call_soon_threadsafe([&] { ran = true; }); });
    int n = 0;
    while (!ran) {
      co_await dualiter::yield_now();
      ++n;
    }
    co_return n;
  }());
  poster.join();
  EXPECT_TRUE(ran);
  EXPECT_GT(turns, 0);
}

TEST(threads, call_soon_threadsafe_keeps_each_threads_order) {
  event_loop loop;
  handoff done;
  std::vector<int> order;
  std::thread poster;
  loop.run([&]() -> task<> {
    poster = std::thread([&] {
      for (int i = 0; i < 1000; ++i) loop.call_soon_threadsafe([&, i] { order.push_back(i); });
      loop.call_soon_threadsafe([&] { done.resume(); });
    });
    co_await done;
  }());
  poster.join();
  ASSERT_EQ(order.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(order[static_cast<std::size_t>(i)], i);
}

TEST(threads, call_soon_threadsafe_wakes_a_loop_sleeping_for_a_timer) {
  // The loop sleeps until an hour-long timer's deadline, the only one it has; the posted call
  // must wake it (else this test times out).
  event_loop loop;
  handoff woken;
  std::thread poster;
  bool sleeper_was_pending = loop.run([&]() -> task<bool> {
    auto sleeper = dualiter::create_task([]() -> task<> { co_await dualiter::sleep_for(1h); }());
    co_await dualiter::yield_now();  // the sleeper's timer is armed
    poster = std::thread([&] { loop.call_soon_threadsafe([&] { woken.resume(); }); });
    co_await woken;
    co_return !sleeper.done();
  }());
  poster.join();
  EXPECT_TRUE(sleeper_was_pending);
}

TEST(threads, call_soon_threadsafe_before_run_runs_in_the_next_run_and_a_destroyed_loop_drops_it) {
  int calls = 0;
  int destroyed = 0;
  struct counted {
    int* destroyed;
    int* calls;
    counted(int* d, int* c) : destroyed(d), calls(c) {}
    counted(counted&& other) noexcept
        : destroyed(std::exchange(other.destroyed, nullptr)), calls(other.calls) {}
    ~counted() {
      if (destroyed != nullptr) ++*destroyed;
    }
    void operator()() const { ++*calls; }
  };
  {
    event_loop loop;
    std::thread([&] { loop.call_soon_threadsafe(counted(&destroyed, &calls)); }).join();
    EXPECT_EQ(calls, 0);
    loop.run([]() -> task<> { co_await dualiter::yield_now(); }());
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(destroyed, 1);
    loop.call_soon_threadsafe(counted(&destroyed, &calls));  // never run
  }
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(destroyed, 2) << "destroyed with the loop, not called";
}

TEST(threads, an_exception_from_a_posted_call_propagates_out_of_run_and_the_rest_stays_queued) {
  event_loop loop;
  int later = 0;
  loop.call_soon_threadsafe([] { throw std::runtime_error("boom from a posted call"); });
  loop.call_soon_threadsafe([&] { ++later; });
  auto message = error_of([&] { loop.run([]() -> task<> { co_await dualiter::yield_now(); }()); });
  EXPECT_TRUE(contains(message, "boom from a posted call")) << message;
  EXPECT_EQ(later, 0);
  loop.run([]() -> task<> { co_await dualiter::yield_now(); }());
  EXPECT_EQ(later, 1);
}

TEST(threads, run_coroutine_threadsafe_gives_results_and_exceptions_through_the_future) {
  event_loop loop;
  handoff stop;
  std::future<int> value;
  std::future<void> failure;
  std::thread client;
  int got = 0;
  std::string error;
  loop.run([&]() -> task<> {
    client = std::thread([&] {
      value = dualiter::run_coroutine_threadsafe(
          []() -> task<int> {
            co_await dualiter::sleep_for(1ms);
            co_return 42;
          }(),
          loop);
      failure = dualiter::run_coroutine_threadsafe(
          []() -> task<> {
            co_await dualiter::yield_now();
            throw std::runtime_error("failed on the loop");
          }(),
          loop);
      got = value.get();
      try {
        failure.get();
      } catch (const std::runtime_error& e) {
        error = e.what();
      }
      loop.call_soon_threadsafe([&] { stop.resume(); });
    });
    co_await stop;
  }());
  client.join();
  EXPECT_EQ(got, 42);
  EXPECT_EQ(error, "failed on the loop");
}

TEST(threads, run_coroutine_threadsafe_future_completes_when_the_run_ends_first) {
  std::future<int> cut_off;
  std::future<int> never_started;
  {
    event_loop loop;
    loop.run([&]() -> task<> {
      std::thread([&] {
        cut_off = dualiter::run_coroutine_threadsafe(
            []() -> task<int> {
              co_await dualiter::sleep_for(1h);
              co_return 1;
            }(),
            loop);
      }).join();
      co_await dualiter::sleep_for(1ms);  // the task starts, then run ends and cancels it
    }());
    never_started = dualiter::run_coroutine_threadsafe([]() -> task<int> { co_return 2; }(), loop);
  }  // destroyed before it ran
  EXPECT_THROW(cut_off.get(), dualiter::cancelled_error);
  try {
    never_started.get();
    ADD_FAILURE() << "no exception";
  } catch (const std::future_error& e) {
    EXPECT_EQ(e.code(), std::future_errc::broken_promise);
  }
}

TEST(threads, two_to_thread_calls_that_wait_for_each_other_run_at_once) {
  // The pool counted a thread already notified of the first call as idle for the second, which
  // then queued behind the first: calls that need each other waited forever (Python's pool
  // runs them at once). First among the to_thread tests: it needs a pool below its limit, with
  // one idle thread, as the first call leaves it.
  std::atomic<int> arrived{0};
  auto meet = [&arrived] {
    arrived.fetch_add(1);
    // Bounded, so that a failure is an answer rather than a hang.
    const auto give_up = std::chrono::steady_clock::now() + 20s;
    while (arrived.load() < 2) {
      if (std::chrono::steady_clock::now() > give_up) return false;
      std::this_thread::yield();
    }
    return true;
  };
  const bool met = dualiter::run([](decltype(meet)& meet) -> task<bool> {
    co_await dualiter::to_thread([] {});  // one thread, idle now
    auto call = [](decltype(meet)& m) -> task<bool> { co_return co_await dualiter::to_thread(m); };
    auto first = dualiter::create_task(call(meet));
    auto second = dualiter::create_task(call(meet));
    const bool a = co_await first;
    const bool b = co_await second;
    co_return a&& b;
  }(meet));
  EXPECT_TRUE(met);
}

TEST(threads, to_thread_runs_elsewhere_and_resumes_on_the_loop_thread) {
  const std::thread::id loop_thread = std::this_thread::get_id();
  auto [result, ran_elsewhere, back_on_loop] =
      dualiter::run([&]() -> task<std::tuple<int, bool, bool>> {
        std::thread::id worker;
        int r = co_await dualiter::to_thread(
            [&worker](int a, int b) {
              worker = std::this_thread::get_id();
              return a * b;
            },
            6, 7);
        co_return std::tuple{r, worker != loop_thread, std::this_thread::get_id() == loop_thread};
      }());
  EXPECT_EQ(result, 42);
  EXPECT_TRUE(ran_elsewhere);
  EXPECT_TRUE(back_on_loop);
}

TEST(threads, to_thread_rethrows_on_the_loop) {
  auto message = error_of([] {
    dualiter::run([]() -> task<> {
      co_await dualiter::to_thread([] { throw std::runtime_error("failed on a thread"); });
    }());
  });
  EXPECT_TRUE(contains(message, "failed on a thread")) << message;
}

TEST(threads, many_to_thread_calls_at_once_through_the_bounded_pool) {
  int sum = dualiter::run([]() -> task<int> {
    std::vector<dualiter::task_handle<int>> calls;
    for (int i = 0; i < 64; ++i) {
      calls.push_back(dualiter::create_task([](int i) -> task<int> {
        co_return co_await dualiter::to_thread([i] { return i; });
      }(i)));
    }
    int total = 0;
    for (auto& c : calls) total += co_await c;
    co_return total;
  }());
  EXPECT_EQ(sum, 63 * 64 / 2);
}

TEST(threads, a_cancelled_to_thread_resumes_at_once_and_its_result_is_dropped) {
  std::atomic<bool> release{false};
  std::atomic<bool> finished{false};
  bool cancelled = dualiter::run([&]() -> task<bool> {
    auto waiter =
        dualiter::create_task([](std::atomic<bool>* go, std::atomic<bool>* done) -> task<int> {
          co_return co_await dualiter::to_thread([go, done] {
            while (!go->load()) std::this_thread::yield();
            *done = true;
            return 1;
          });
        }(&release, &finished));
    co_await dualiter::yield_now();  // the call is on its thread now
    waiter.cancel();
    bool was_cancelled = false;
    try {
      (void)co_await waiter;
    } catch (const dualiter::cancelled_error&) {
      was_cancelled = true;
    }
    release = true;  // the thread finishes after the awaiting frame is gone
    co_return was_cancelled;
  }());
  EXPECT_TRUE(cancelled);
  while (!finished.load()) std::this_thread::yield();
}

TEST(threads, a_to_thread_await_cancelled_from_under_sync_wait_resumes_on_its_own_loop) {
  // Was a null dereference: the cancellation scheduled the awaiting coroutine on current_loop,
  // which sync_wait hides.
  std::atomic<bool> release{false};
  std::atomic<bool> finished{false};
  const bool cancelled = dualiter::run([&]() -> task<bool> {
    auto waiter =
        dualiter::create_task([](std::atomic<bool>* go, std::atomic<bool>* done) -> task<int> {
          co_return co_await dualiter::to_thread([go, done] {
            while (!go->load()) std::this_thread::yield();
            *done = true;
            return 1;
          });
        }(&release, &finished));
    co_await dualiter::yield_now();  // the call is on its thread now
    dualiter::sync_wait([](dualiter::task_handle<int>& t) -> task<> {
      EXPECT_TRUE(t.cancel());
      co_return;
    }(waiter));
    bool was_cancelled = false;
    try {
      (void)co_await waiter;
    } catch (const dualiter::cancelled_error&) {
      was_cancelled = true;
    }
    release = true;
    co_return was_cancelled;
  }());
  EXPECT_TRUE(cancelled);
  while (!finished.load()) std::this_thread::yield();
}

TEST(threads, a_to_thread_whose_function_fails_to_move_leaves_nothing_for_run_to_wait_for) {
  // Was a hang: the call counted as outstanding before the function was moved into it, and
  // the loop then waited for its result forever instead of reporting that nothing could
  // resume the awaitable. A watchdog ends the run after a long while if it hangs.
  struct fails_to_move {
    int* moves_until_failure;
    explicit fails_to_move(int* countdown) : moves_until_failure(countdown) {}
    fails_to_move(fails_to_move&& other) : moves_until_failure(other.moves_until_failure) {
      if (*moves_until_failure > 0 && --*moves_until_failure == 0) {
        throw std::runtime_error("the function failed to move");
      }
    }
    int operator()() const { return 1; }
  };
  event_loop loop;
  std::promise<void> finished;
  bool watchdog_fired = false;  // set on the loop thread
  dualiter::event never_set;
  std::thread watchdog([&, done = finished.get_future()] {
    if (done.wait_for(10s) == std::future_status::ready) return;
    loop.call_soon_threadsafe([&] {
      watchdog_fired = true;
      never_set.set();
    });
  });
  int countdown = 0;
  std::string awaited;
  const std::string ended = error_of([&] {
    loop.run([](int& countdown, dualiter::event& e, std::string& awaited) -> task<> {
      auto call = dualiter::to_thread(fails_to_move(&countdown));
      // The first move makes the awaiter; the second, into the call on its way to the pool,
      // fails.
      countdown = 2;
      try {
        (void)co_await std::move(call);
      } catch (const std::runtime_error& error) {
        awaited = error.what();
      }
      co_await e.wait();
    }(countdown, never_set, awaited));
  });
  finished.set_value();
  watchdog.join();
  EXPECT_EQ(awaited, "the function failed to move");
  EXPECT_FALSE(watchdog_fired);
  EXPECT_TRUE(contains(ended, "nothing is scheduled")) << ended;
}

TEST(threads, to_thread_outside_a_loop_is_an_error) {
  auto message = error_of(
      [] { dualiter::sync_wait([]() -> task<> { co_await dualiter::to_thread([] {}); }()); });
  EXPECT_TRUE(contains(message, "no running event loop")) << message;
}

TEST(threads, a_foreign_awaiter_resuming_from_another_thread_continues_on_the_loop_thread) {
  // Was a use-after-free: run declared that nothing was scheduled and destroyed the frame
  // that the other thread then resumed.
  resumed_from_thread foreign;
  const std::thread::id loop_thread = std::this_thread::get_id();
  bool on_loop = dualiter::run([&]() -> task<bool> {
    co_await foreign;
    co_return std::this_thread::get_id() == loop_thread;
  }());
  EXPECT_TRUE(on_loop);
  EXPECT_NE(foreign.resumer_.load(), loop_thread);
}

TEST(threads, run_given_a_foreign_awaiter_itself_waits_for_its_resumption_from_another_thread) {
  // run's own driver awaits it: it gets a stand-in too (it threw "nothing is scheduled").
  resumed_from_thread foreign;
  EXPECT_NO_THROW(dualiter::run(foreign));
  EXPECT_NE(foreign.resumer_, std::this_thread::get_id());
}

TEST(threads, a_foreign_branch_of_gather_resumed_from_another_thread_continues_on_the_loop) {
  resumed_from_thread foreign;
  const std::thread::id loop_thread = std::this_thread::get_id();
  const bool on_loop = dualiter::run([&]() -> task<bool> {
    (void)co_await dualiter::gather(foreign, []() -> task<int> {
      co_await dualiter::yield_now();
      co_return 1;
    }());
    co_return std::this_thread::get_id() == loop_thread;
  }());
  EXPECT_TRUE(on_loop);
  EXPECT_NE(foreign.resumer_, loop_thread);
}

TEST(threads, many_tasks_resumed_from_other_threads_all_finish_on_the_loop) {
  resumed_from_thread foreign;
  const std::thread::id loop_thread = std::this_thread::get_id();
  int on_loop = dualiter::run([&]() -> task<int> {
    std::vector<dualiter::task_handle<bool>> tasks;
    for (int i = 0; i < 16; ++i) {
      tasks.push_back(
          dualiter::create_task([](resumed_from_thread& f, std::thread::id l) -> task<bool> {
            co_await f;
            co_await dualiter::yield_now();
            co_await f;
            co_return std::this_thread::get_id() == l;
          }(foreign, loop_thread)));
    }
    int n = 0;
    for (auto& t : tasks) n += co_await t;
    co_return n;
  }());
  EXPECT_EQ(on_loop, 16);
}

TEST(threads, a_frame_destroyed_while_a_thread_still_holds_its_stand_in_is_not_resumed) {
  handoff late;
  int live = 0;
  auto message = error_of([&] {
    dualiter::run([&]() -> task<> {
      auto parked = dualiter::create_task([](handoff& h, int* alive) -> task<> {
        ++*alive;
        co_await h;
        ADD_FAILURE() << "resumed after its run ended";
      }(late, &live));
      co_await dualiter::yield_now();
      throw std::runtime_error("main failed");
    }());
  });
  EXPECT_TRUE(contains(message, "main failed")) << message;
  // The run ended; the other thread now resumes the stand-in: nothing runs, nothing crashes.
  std::thread([&] { EXPECT_TRUE(late.resume()); }).join();
  EXPECT_EQ(live, 1);
}

TEST(threads, a_foreign_awaiter_that_resumes_at_once_on_the_loop_thread_goes_on_inline) {
  struct at_once {
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) const noexcept { return h; }
    void await_resume() const noexcept {}
  };
  struct from_inside {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) const { h.resume(); }
    void await_resume() const noexcept {}
  };
  int n = dualiter::run([]() -> task<int> {
    int count = 0;
    for (int i = 0; i < 10000; ++i) {
      co_await at_once{};
      ++count;
    }
    for (int i = 0; i < 100; ++i) {  // each nests in the last (as without the loop): a few
      co_await from_inside{};
      ++count;
    }
    co_return count;
  }());
  EXPECT_EQ(n, 10100);
}

TEST(threads, a_work_guard_keeps_run_waiting_for_a_plain_thread_that_feeds_a_queue) {
  // Without the guard run threw "nothing is scheduled": the loop ran out of work before the
  // thread's first post. asyncio would wait; the guard says that a post is to come.
  dualiter::event_loop loop;
  dualiter::queue<int> q;
  auto guard = loop.make_work_guard();
  EXPECT_TRUE(guard.owns_work());
  std::thread producer([&loop, &q, g = std::move(guard)]() mutable {
    std::this_thread::sleep_for(5ms);  // the loop is idle by then
    for (int i = 1; i <= 100; ++i) loop.call_soon_threadsafe([&q, i] { q.put_nowait(i); });
    loop.call_soon_threadsafe([&q] { q.shutdown(); });
    g.reset();
  });
  EXPECT_FALSE(guard.owns_work());  // moved into the thread
  long sum = 0;
  EXPECT_NO_THROW(loop.run([&]() -> task<> {
    for (auto it = dualiter::aiter(q); auto item = co_await dualiter::anext(it);) sum += *item;
  }()));
  producer.join();
  EXPECT_EQ(sum, 5050);
}

TEST(threads, once_the_work_guard_is_released_a_deadlock_is_reported_again) {
  dualiter::event_loop loop;
  dualiter::event never;
  auto guard = loop.make_work_guard();
  std::thread releaser([g = std::move(guard)]() mutable {
    std::this_thread::sleep_for(5ms);
    g.reset();  // posts nothing: the loop must wake and see that nothing is to come
  });
  const std::string message = error_of([&] { loop.run(never.wait()); });
  releaser.join();
  EXPECT_TRUE(contains(message, "nothing is scheduled")) << message;
}

TEST(threads, a_work_guard_may_outlive_its_loop) {
  std::optional<dualiter::event_loop::work_guard> kept;
  {
    dualiter::event_loop loop;
    kept.emplace(loop.make_work_guard());
    EXPECT_EQ(loop.run([]() -> task<int> { co_return 3; }()), 3);  // an awaitable that ends
  }
  kept->reset();  // the loop's remote queue is still there: nothing freed is touched
  EXPECT_FALSE(kept->owns_work());
}

}  // namespace

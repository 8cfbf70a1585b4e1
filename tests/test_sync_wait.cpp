#include <chrono>
#include <coroutine>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include <dualiter/async_generator.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

using dualiter::sync_wait;
using dualiter::task;
using namespace std::chrono_literals;

namespace {

struct ready_value {
  int value;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  int await_resume() const noexcept { return value; }
};

struct with_operator_co_await {
  ready_value operator co_await() const noexcept { return {5}; }
};

// Threads that resume coroutines, the way I/O completion or a thread pool does. A resumed
// coroutine may start the next hop from one of these threads, so they are kept (and joined
// at the end) rather than assigned over.
class threads {
 public:
  threads() = default;
  threads(const threads&) = delete;
  threads& operator=(const threads&) = delete;
  // A worker may still be inside start() (its emplace_back) when the awaited chain completes
  // on the thread it just started; taking the lock waits for it before the threads are joined.
  // std::thread, not std::jthread: libc++ 19 has jthread only with -fexperimental-library.
  ~threads() {
    std::deque<std::thread> finishing;
    {
      std::lock_guard lock(mutex_);
      finishing.swap(workers_);
    }
    for (std::thread& t : finishing) t.join();
  }

  void start(std::coroutine_handle<> h, std::thread::id* resumed_on) {
    std::lock_guard lock(mutex_);
    workers_.emplace_back([h, resumed_on] {
      std::this_thread::sleep_for(100us);
      *resumed_on = std::this_thread::get_id();
      h.resume();
    });
  }

 private:
  std::mutex mutex_;
  std::deque<std::thread> workers_;
};

// Suspends, and is resumed by a new thread.
struct resume_on_new_thread {
  threads* pool;
  std::thread::id* resumed_on;
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { pool->start(h, resumed_on); }
  void await_resume() const noexcept {}
};

}  // namespace

TEST(sync_wait, returns_the_result_of_a_plain_awaiter_and_of_operator_co_await) {
  EXPECT_EQ(sync_wait(ready_value{3}), 3);
  EXPECT_EQ(sync_wait(with_operator_co_await{}), 5);
}

TEST(sync_wait, returns_values_references_and_void_from_tasks) {
  EXPECT_EQ(sync_wait([]() -> task<std::string> { co_return "value"; }()), "value");
  int target = 0;
  int& ref = sync_wait([](int& t) -> task<int&> { co_return t; }(target));
  EXPECT_EQ(&ref, &target);
  static_assert(std::is_void_v<decltype(sync_wait(std::declval<task<>>()))>);
  int ran = 0;
  sync_wait([](int& r) -> task<> {
    ++r;
    co_return;
  }(ran));
  EXPECT_EQ(ran, 1);
}

TEST(sync_wait, an_rvalue_reference_result_comes_back_by_value) {
  static_assert(
      std::is_same_v<decltype(sync_wait(std::declval<task<std::string&&>>())), std::string>);
  std::string source = "moved";
  std::string got =
      sync_wait([](std::string& s) -> task<std::string&&> { co_return std::move(s); }(source));
  EXPECT_EQ(got, "moved");
}

TEST(sync_wait, rethrows_the_exception_of_the_awaitable) {
  auto failing = []() -> task<int> {
    throw std::out_of_range("out");
    co_return 0;
  };
  EXPECT_THROW(sync_wait(failing()), std::out_of_range);
}

TEST(sync_wait, blocks_until_another_thread_resumes_the_awaitable) {
  threads worker;
  std::thread::id resumed_on;
  auto hop = [&]() -> task<int> {
    co_await resume_on_new_thread{&worker, &resumed_on};
    co_return 9;
  };
  EXPECT_EQ(sync_wait(hop()), 9);
  EXPECT_NE(resumed_on, std::this_thread::get_id());
  EXPECT_NE(resumed_on, std::thread::id());
}

TEST(sync_wait, a_chain_that_hops_threads_many_times_completes_with_every_result) {
  // Each hop detaches the inline chain before the handle escapes to the new thread; the
  // resumed chain then finishes there while this thread unwinds.
  threads worker;
  std::thread::id resumed_on;
  auto inner = [&](int i) -> task<int> {
    if (i % 2 == 0) co_await resume_on_new_thread{&worker, &resumed_on};
    co_return i;
  };
  auto g = [&]() -> dualiter::async_generator<int> {
    for (int i = 0; i < 200; ++i) co_yield co_await inner(i);
  };
  auto consume = [&]() -> task<long> {
    long total = 0;
    auto gen = g();
    auto it = dualiter::aiter(gen);
    while (auto x = co_await dualiter::anext(it)) total += *x;
    co_return total;
  };
  EXPECT_EQ(sync_wait(consume()), 199 * 200 / 2);
}

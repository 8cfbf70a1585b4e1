#include <memory>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

#include "support/build_flavour.hpp"
#include "support/expect.hpp"
#include "support/manual.hpp"
#include "support/stack_depth.hpp"

using dualiter::already_awaited;
using dualiter::sync_wait;
using dualiter::task;
using dualiter::testing::contains;
using dualiter::testing::error_of;
using dualiter::testing::lifetime_counter;
using dualiter::testing::parking_spot;
using dualiter::testing::spawn;

static_assert(dualiter::Awaitable<task<int>>);
static_assert(dualiter::Awaitable<task<int>&>);
static_assert(dualiter::Awaitable<task<>>);
static_assert(std::same_as<dualiter::await_result_t<task<int>>, int>, "rvalue: moved out");
static_assert(std::same_as<dualiter::await_result_t<task<int>&>, int&>, "lvalue: stays in task");
static_assert(std::same_as<dualiter::await_result_t<task<int&>>, int&>);
static_assert(std::same_as<dualiter::await_result_t<task<>>, void>);
static_assert(!std::copy_constructible<task<int>> && std::movable<task<int>>);

namespace {
task<int> answer() {
  co_return 42;
}
task<int> add(int a, int b) {
  co_return co_await answer() - 42 + a + b;
}
}  // namespace

TEST(task, returns_a_value_through_a_chain_of_awaits) {
  EXPECT_EQ(sync_wait(add(2, 3)), 5);
}

TEST(task, of_void_runs_its_body) {
  int ran = 0;
  auto t = [](int& ran) -> task<> {
    ++ran;
    co_return;
  }(ran);
  sync_wait(std::move(t));
  EXPECT_EQ(ran, 1);
}

TEST(task, of_reference_returns_the_very_object) {
  int target = 1;
  auto t = [](int& r) -> task<int&> { co_return r; }(target);
  int& got = sync_wait(std::move(t));
  EXPECT_EQ(&got, &target);
}

TEST(task, of_move_only_type_moves_the_result_out) {
  auto t = []() -> task<std::unique_ptr<int>> { co_return std::make_unique<int>(7); }();
  std::unique_ptr<int> p = sync_wait(std::move(t));
  ASSERT_TRUE(p);
  EXPECT_EQ(*p, 7);
}

TEST(task, awaited_as_lvalue_keeps_its_result_and_can_be_awaited_again) {
  auto outer = []() -> task<std::string> {
    auto inner = []() -> task<std::string> { co_return "kept"; }();
    std::string& first = co_await inner;
    std::string& second = co_await inner;  // already complete: ready at once
    EXPECT_EQ(&first, &second);
    co_return first;
  };
  EXPECT_EQ(sync_wait(outer()), "kept");
}

TEST(task, is_lazy_until_awaited) {
  int ran = 0;
  auto t = [](int& ran) -> task<> {
    ++ran;
    co_return;
  }(ran);
  EXPECT_EQ(ran, 0);
  EXPECT_FALSE(t.is_ready());
  sync_wait(t);
  EXPECT_EQ(ran, 1);
  EXPECT_TRUE(t.is_ready());
}

TEST(task, rethrows_an_exception_to_its_awaiter) {
  auto failing = []() -> task<int> {
    throw std::runtime_error("task failed");
    co_return 0;
  };
  auto outer = [&]() -> task<std::string> {
    try {
      co_await failing();
    } catch (const std::runtime_error& e) {
      co_return e.what();
    }
    co_return "no exception";
  };
  EXPECT_EQ(sync_wait(outer()), "task failed");
  EXPECT_THROW(sync_wait(failing()), std::runtime_error);
}

TEST(task, destroying_a_task_that_never_started_destroys_its_frame) {
  int live = 0;
  {
    auto t = [](lifetime_counter c) -> task<int> { co_return *c.live; }(lifetime_counter(&live));
    EXPECT_EQ(live, 1) << "the parameter copy lives in the frame";
  }
  EXPECT_EQ(live, 0);
}

TEST(task, awaiting_an_empty_task_throws_a_logic_error_saying_so) {
  task<int> moved_from = answer();
  auto taken = std::move(moved_from);
  try {
    sync_wait(moved_from);
    ADD_FAILURE() << "no exception";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("no result"), std::string::npos) << e.what();
  }
  EXPECT_EQ(sync_wait(std::move(taken)), 42);
}

TEST(task, ten_million_synchronously_completing_awaits_keep_the_stack_flat) {
  // GCC at -O0 does not turn symmetric transfer into a tail call; this must hold there too.
  dualiter::testing::stack_extent probe;
  auto one = [](int i) -> task<int> { co_return i & 1; };
  auto loop = [&]() -> task<long> {
    long sum = 0;
    for (int i = 0; i < 10'000'000; ++i) {
      sum += co_await one(i);
      if (i % 1024 == 0) probe.note();
    }
    co_return sum;
  };
  EXPECT_EQ(sync_wait(loop()), 5'000'000);
  EXPECT_LT(probe.bytes(), 4096u);
}

TEST(task, a_deep_chain_completes_and_unwinds) {
  struct chain {
    static task<int> depth(int n) {
      if (n == 0) co_return 0;
      co_return 1 + co_await depth(n - 1);
    }
  };
  EXPECT_EQ(sync_wait(chain::depth(1000)), 1000);
}

TEST(task, a_chain_suspended_for_real_resumes_through_every_level_when_the_event_comes) {
  parking_spot spot;
  int steps = 0;
  auto innermost = [&]() -> task<int> {
    ++steps;
    co_await spot.wait();
    ++steps;
    co_return 10;
  };
  auto middle = [&]() -> task<int> { co_return 1 + co_await innermost(); };
  auto outer = [&]() -> task<int> {
    int a = co_await middle();
    int b = co_await middle();  // suspends a second time
    co_return a + b;
  };
  int result = 0;
  auto root = spawn([&]() -> task<> { result = co_await outer(); });
  EXPECT_FALSE(root.done());
  EXPECT_EQ(steps, 1);
  ASSERT_TRUE(spot.occupied());
  spot.resume();
  EXPECT_FALSE(root.done());
  EXPECT_EQ(steps, 3);
  spot.resume();
  EXPECT_TRUE(root.done());
  EXPECT_EQ(result, 22);
}

TEST(task, abandoning_a_chain_suspended_for_real_destroys_every_frame_and_local) {
  int live = 0;
  parking_spot spot;
  auto inner = [&]() -> task<> {
    lifetime_counter guard(&live);
    co_await spot.wait();
  };
  auto outer = [&]() -> task<> {
    lifetime_counter guard(&live);
    co_await inner();
  };
  {
    auto root = spawn([&]() -> task<> { co_await outer(); });
    EXPECT_EQ(live, 2);
    EXPECT_TRUE(spot.occupied());
    root.abandon();
  }
  EXPECT_EQ(live, 0);
}

TEST(task, awaiting_an_awaiter_that_declines_to_suspend_goes_on_inline) {
  // await_suspend returning false: the chain was detached for nothing and must be put back,
  // or the outer task would think the inner one suspended.
  struct declines {
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<>) const noexcept { return false; }
    int await_resume() const noexcept { return 3; }
  };
  auto inner = []() -> task<int> { co_return co_await declines{}; };
  auto outer = [&]() -> task<int> {
    int sum = 0;
    for (int i = 0; i < 1000; ++i) sum += co_await inner();
    co_return sum;
  };
  EXPECT_EQ(sync_wait(outer()), 3000);
}

TEST(task, an_awaiter_that_throws_from_await_suspend_delivers_the_exception_inline) {
  struct throws_on_suspend {
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const { throw std::runtime_error("refused"); }
    void await_resume() const noexcept {}
  };
  auto inner = []() -> task<int> {
    try {
      co_await throws_on_suspend{};
    } catch (const std::runtime_error&) {
      co_return 1;
    }
    co_return 0;
  };
  auto outer = [&]() -> task<int> { co_return co_await inner() + co_await inner(); };
  EXPECT_EQ(sync_wait(outer()), 2);
}

// ---------------------------------------------------------------------------------------------
// Nesting deeper than inline resumption goes
// ---------------------------------------------------------------------------------------------

namespace {
task<long> nest(long n) {
  if (n == 0) co_return 0;
  co_return 1 + co_await nest(n - 1);
}
}  // namespace

TEST(task, a_chain_past_the_inline_bound_falls_back_to_symmetric_transfer_and_completes) {
  // Three times the bound: the chain is handed to its base twice on the way down, and every
  // level hands back by symmetric transfer on the way up. Shallow enough for -O0 and ASan.
  const long depth = 3 * static_cast<long>(dualiter::detail::max_inline_depth) + 7;
  EXPECT_EQ(sync_wait(nest(depth)), depth);
}

TEST(task, a_million_nested_awaits_complete_where_symmetric_transfer_is_a_tail_call) {
  if (!dualiter::testing::transfers_are_tail_calls) {
    GTEST_SKIP() << "symmetric transfer is a nested call at -O0 and under sanitizers";
  }
  EXPECT_EQ(sync_wait(nest(1'000'000)), 1'000'000);
}

TEST(task, a_chain_past_the_inline_bound_that_suspends_for_real_resumes_every_level) {
  parking_spot spot;
  struct chain {
    static task<long> down(long n, parking_spot& spot) {
      if (n == 0) {
        co_await spot.wait();
        co_return 0;
      }
      co_return 1 + co_await down(n - 1, spot);
    }
  };
  const long depth = 2 * static_cast<long>(dualiter::detail::max_inline_depth) + 3;
  long result = -1;
  auto root = spawn([&]() -> task<> { result = co_await chain::down(depth, spot); });
  ASSERT_TRUE(spot.occupied());
  EXPECT_FALSE(root.done());
  spot.resume();
  EXPECT_TRUE(root.done());
  EXPECT_EQ(result, depth);
}

TEST(task, abandoning_a_chain_past_the_inline_bound_destroys_every_frame) {
  int live = 0;
  parking_spot spot;
  struct chain {
    static task<> down(int n, int& live, parking_spot& spot) {
      lifetime_counter guard(&live);
      if (n == 0) {
        co_await spot.wait();
      } else {
        co_await down(n - 1, live, spot);
      }
    }
  };
  const int depth = 2 * static_cast<int>(dualiter::detail::max_inline_depth) + 3;
  {
    auto root = spawn([&]() -> task<> { co_await chain::down(depth, live, spot); });
    EXPECT_EQ(live, depth + 1);
    root.abandon();
  }
  EXPECT_EQ(live, 0);
}

// ---------------------------------------------------------------------------------------------
// One awaiter at a time
// ---------------------------------------------------------------------------------------------

TEST(task, a_second_awaiter_of_a_running_task_gets_already_awaited_and_the_first_is_unaffected) {
  parking_spot spot;
  int runs = 0;
  auto body = [&]() -> task<int> {
    ++runs;
    co_await spot.wait();
    co_return 7;
  };
  task<int> shared = body();
  int first = 0;
  auto first_awaiter = spawn([&]() -> task<> { first = co_await shared; });
  auto second_awaiter = spawn([&]() -> task<> { co_await shared; });
  ASSERT_TRUE(second_awaiter.done()) << "the second awaiter must fail at once, not wait";
  ASSERT_TRUE(second_awaiter.error());
  EXPECT_TRUE(contains(error_of([&] { std::rethrow_exception(second_awaiter.error()); }),
                       "awaited already"));
  EXPECT_THROW(std::rethrow_exception(second_awaiter.error()), std::logic_error);
  EXPECT_FALSE(first_awaiter.done()) << "the sleeping body was woken early";
  spot.resume();
  EXPECT_TRUE(first_awaiter.done());
  EXPECT_FALSE(first_awaiter.error());
  EXPECT_EQ(first, 7);
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(sync_wait(shared), 7) << "a finished task still hands out its result to an lvalue";
}

TEST(task, a_task_awaiting_itself_gets_already_awaited_instead_of_running_past_its_end) {
  int live = 0;
  task<int> self;
  self = [](task<int>& me, int* counter) -> task<int> {
    lifetime_counter guard(counter);
    co_return co_await me;
  }(self, &live);
  const std::string what = error_of([&] { sync_wait(self); });
  EXPECT_TRUE(contains(what, "cannot await itself")) << what;
  EXPECT_TRUE(contains(what, "awaited already")) << what;
  EXPECT_TRUE(self.is_ready());
  EXPECT_EQ(live, 0);
}

TEST(task, awaiting_an_rvalue_task_twice_throws_instead_of_giving_a_moved_from_value) {
  auto make = []() -> task<std::string> { co_return std::string(100, 'x'); };
  task<std::string> t = make();
  EXPECT_EQ(sync_wait(std::move(t)), std::string(100, 'x'));
  EXPECT_THROW(sync_wait(std::move(t)), already_awaited);
  const std::string what = error_of([&] { sync_wait(t); });
  EXPECT_TRUE(contains(what, "awaited already")) << what;
}

TEST(task, an_exception_result_is_rethrown_to_every_later_awaiter) {
  auto fails = []() -> task<int> {
    throw std::runtime_error("boom");
    co_return 0;
  };
  task<int> t = fails();
  EXPECT_THROW(sync_wait(t), std::runtime_error);
  EXPECT_THROW(sync_wait(t), std::runtime_error);
  EXPECT_THROW(sync_wait(std::move(t)), std::runtime_error);
}

// ---------------------------------------------------------------------------------------------
// const results
// ---------------------------------------------------------------------------------------------

TEST(task, of_const_value_types_returns_them) {
  auto text = []() -> task<const std::string> { co_return std::string("const"); };
  auto number = []() -> task<const int> { co_return 5; };
  EXPECT_EQ(sync_wait(text()), "const");
  EXPECT_EQ(sync_wait(number()), 5);
  task<const std::string> kept = text();
  const std::string& in_task = sync_wait(kept);
  EXPECT_EQ(in_task, "const");
  auto chained = [&]() -> task<int> {
    const std::string s = co_await text();
    co_return static_cast<int>(s.size()) + co_await number();
  };
  EXPECT_EQ(sync_wait(chained()), 10);
}

TEST(task, a_loop_over_chains_deeper_than_the_inline_bound_keeps_the_stack_flat) {
  // The cut chain unwinds through a trampoline at its base, so the loop's own coroutine goes on
  // in its own frame: the loop body runs at the same depth every time.
  dualiter::testing::stack_extent probe;
  const long depth = static_cast<long>(dualiter::detail::max_inline_depth) + 1;
  auto loop = [&]() -> task<long> {
    long sum = 0;
    for (int i = 0; i < 300; ++i) {
      sum += co_await nest(depth);
      probe.note();
    }
    co_return sum;
  };
  EXPECT_EQ(sync_wait(loop()), 300 * depth);
  EXPECT_EQ(probe.bytes(), 0u) << "the loop body ran at varying depths";
}

TEST(task, of_const_move_only_type_hands_the_value_over_when_awaited_as_an_rvalue) {
  auto make = []() -> task<const std::unique_ptr<int>> { co_return std::make_unique<int>(4); };
  static_assert(std::same_as<dualiter::await_result_t<task<const std::unique_ptr<int>>>,
                             std::unique_ptr<int>>,
                "awaited as an rvalue, the value is the caller's: no const");
  static_assert(std::same_as<dualiter::await_result_t<task<const std::unique_ptr<int>>&>,
                             const std::unique_ptr<int>&>);
  auto use = [&]() -> task<int> { co_return *co_await make(); };
  EXPECT_EQ(sync_wait(use()), 4);
  std::unique_ptr<int> owned = sync_wait(make());
  EXPECT_EQ(*owned, 4);
  task<const std::unique_ptr<int>> kept = make();
  EXPECT_EQ(*sync_wait(kept), 4);
}

TEST(task, awaiting_a_moved_from_task_says_it_owns_no_coroutine) {
  task<int> t = answer();
  task<int> taken = std::move(t);
  const std::string what = error_of([&] { sync_wait(t); });
  EXPECT_TRUE(contains(what, "owns no coroutine")) << what;
  EXPECT_TRUE(contains(what, "moved from")) << what;
  EXPECT_EQ(sync_wait(std::move(taken)), 42);
}

// ---------------------------------------------------------------------------------------------
// Foreign awaitables that complete synchronously
// ---------------------------------------------------------------------------------------------

namespace {
/// A minimal cppcoro-style lazy task: await_suspend returns the callee's handle and the callee's
/// final suspend returns the continuation, so it completes by symmetric transfer.
struct foreign_task {
  struct promise_type {
    int value = 0;
    std::coroutine_handle<> continuation;
    foreign_task get_return_object() noexcept {
      return foreign_task{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct final_awaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        return h.promise().continuation;
      }
      void await_resume() noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }
    void return_value(int v) noexcept { value = v; }
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle;
  explicit foreign_task(std::coroutine_handle<promise_type> h) noexcept : handle(h) {}
  foreign_task(foreign_task&& other) noexcept : handle(std::exchange(other.handle, nullptr)) {}
  ~foreign_task() {
    if (handle) handle.destroy();
  }
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> c) noexcept {
    handle.promise().continuation = c;
    return handle;
  }
  int await_resume() const noexcept { return handle.promise().value; }
};

foreign_task foreign_one() {
  co_return 1;
}

/// Resumes the awaiting coroutine from inside await_suspend, then reports it suspended.
struct resumes_inside_await_suspend {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { h.resume(); }
  int await_resume() const noexcept { return 1; }
};
}  // namespace

TEST(task, a_loop_over_tasks_that_await_a_foreign_task_completing_at_once_stays_flat) {
  // The wrapped task is detached, then resumed by symmetric transfer before its resumer's
  // run_inline returned: it must hand back to that call, not transfer to the loop's coroutine,
  // which would then go on nested one level deeper on every iteration.
  dualiter::testing::stack_extent probe;
  auto wraps = []() -> task<int> { co_return co_await foreign_one(); };
  auto loop = [&]() -> task<long> {
    long sum = 0;
    for (int i = 0; i < 200'000; ++i) {
      sum += co_await wraps();
      if (i % 1024 == 0) probe.note();
    }
    co_return sum;
  };
  EXPECT_EQ(sync_wait(loop()), 200'000);
  EXPECT_EQ(probe.bytes(), 0u);
}

TEST(task, a_loop_over_tasks_resumed_from_inside_await_suspend_stays_flat) {
  dualiter::testing::stack_extent probe;
  auto wraps = []() -> task<int> { co_return co_await resumes_inside_await_suspend{}; };
  auto loop = [&]() -> task<long> {
    long sum = 0;
    for (int i = 0; i < 200'000; ++i) {
      sum += co_await wraps();
      if (i % 1024 == 0) probe.note();
    }
    co_return sum;
  };
  EXPECT_EQ(sync_wait(loop()), 200'000);
  EXPECT_EQ(probe.bytes(), 0u);
}

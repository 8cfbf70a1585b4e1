// The whole library through the umbrella header, with user types that live in a namespace
// declaring functions named like dualiter's internals. dualiter qualifies every call that is
// not meant as a customization point, so argument-dependent lookup can neither make those calls
// ambiguous nor redirect them (cppcoro, for one, has a `get_awaiter` of its own).
#include <chrono>
#include <coroutine>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/diagnostics.hpp>
#include <dualiter/dualiter.hpp>

namespace hijack {

// Greedy, deleted: any of these picked by ADL for a call inside dualiter breaks the build.
template <class... T>
void get_awaiter(T&&...) = delete;
template <class... T>
void decay_copy(T&&...) = delete;
template <class... T>
void link_of(T&&...) = delete;
template <class... T>
void run_inline(T&&...) = delete;
template <class... T>
void detach_chain(T&&...) = delete;
template <class... T>
void reattach(T&&...) = delete;
template <class... T>
void hand_back(T&&...) = delete;
template <class... T>
void transform_awaitable(T&&...) = delete;
template <class... T>
void drive(T&&...) = delete;
template <class... T>
void take_result(T&&...) = delete;
template <class... T>
void require_loop(T&&...) = delete;
template <class... T>
void deadline_after(T&&...) = delete;
template <class... T>
void run_gathered(T&&...) = delete;
template <class... T>
void pump_elements(T&&...) = delete;
template <class... T>
void for_each_impl(T&&...) = delete;
template <class... T>
void to_vector_impl(T&&...) = delete;
template <class... T>
void assert_awaitable(T&&...) = delete;
template <class... T>
void assert_async_iterable(T&&...) = delete;
template <class... T>
void begin(T&&...) = delete;
template <class... T>
void end(T&&...) = delete;
template <class... T>
void aiter(T&&...) = delete;  // the members below take precedence over ADL
template <class... T>
void anext(T&&...) = delete;
template <class... T>
void throw_primitive_destroyed(T&&...) = delete;
template <class... T>
void wake(T&&...) = delete;
template <class... T>
void push(T&&...) = delete;
template <class... T>
void take(T&&...) = delete;

struct value {
  int v = 0;
  friend bool operator==(const value&, const value&) = default;
};

/// An awaiter that is ready at once.
struct ready {
  int v;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  value await_resume() const noexcept { return {v}; }
};

/// An awaitable through a member operator co_await.
struct deferred {
  int v;
  ready operator co_await() const noexcept { return {v}; }
};

/// An async iterable of 1..n, with member aiter/anext.
struct numbers {
  int n;
  struct iterator {
    int at = 0;
    int n = 0;
    struct next {
      iterator* self;
      bool await_ready() const noexcept { return true; }
      void await_suspend(std::coroutine_handle<>) const noexcept {}
      std::optional<value> await_resume() const {
        if (self->at >= self->n) return std::nullopt;
        return value{++self->at};
      }
    };
    next anext() noexcept { return {this}; }
  };
  iterator aiter() const noexcept { return {0, n}; }
};

/// A coroutine type of the user's own, awaiting dualiter tasks.
struct eager {
  struct promise_type {
    eager get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept {}
    void return_void() noexcept {}
  };
};

}  // namespace hijack

static_assert(dualiter::Awaitable<hijack::ready>);
static_assert(dualiter::Awaitable<hijack::deferred>);
static_assert(dualiter::AsyncIterable<hijack::numbers>);
static_assert(dualiter::AsyncIterator<hijack::numbers::iterator>);
static_assert(dualiter::SyncIterable<std::vector<hijack::value>>);
static_assert(dualiter::DualIterable<decltype(dualiter::dual(std::vector<hijack::value>{}))>);
static_assert(std::same_as<dualiter::await_result_t<hijack::deferred>, hijack::value>);

namespace {

using dualiter::task;
using hijack::value;

task<value> add(hijack::ready a, hijack::deferred b) {
  const value x = co_await a;
  const value y = co_await b;
  co_return value{x.v + y.v};
}

task<value> add_later(hijack::ready a, hijack::deferred b) {
  co_await dualiter::yield_now();
  co_return co_await add(a, b);
}

dualiter::async_generator<value> values(int n) {
  for (int i = 1; i <= n; ++i) {
    co_await hijack::ready{i};
    co_yield value{i};
  }
}

dualiter::generator<value> sync_values(int n) {
  co_yield value{0};
  std::vector<value> middle{value{1}, value{2}};
  co_yield dualiter::elements_of(middle);
  for (int i = 3; i <= n; ++i) co_yield value{i};
}

}  // namespace

TEST(dualiter, user_types_beside_same_named_functions_work_under_sync_wait) {
  EXPECT_EQ(dualiter::sync_wait(hijack::ready{3}), value{3});
  EXPECT_EQ(dualiter::sync_wait(hijack::deferred{4}), value{4});
  EXPECT_EQ(dualiter::sync_wait(add(hijack::ready{1}, hijack::deferred{2})), value{3});
}

TEST(dualiter, user_types_beside_same_named_functions_work_on_the_event_loop) {
  using namespace std::chrono_literals;
  auto [a, b, c] = dualiter::run(
      dualiter::gather(add_later(hijack::ready{1}, hijack::deferred{2}), hijack::deferred{5},
                       []() -> task<> { co_await dualiter::sleep_for(1ms); }()));
  EXPECT_EQ(a, value{3});
  EXPECT_EQ(b, value{5});
  (void)c;

  std::vector<task<value>> many;
  for (int i = 0; i < 3; ++i) many.push_back(add(hijack::ready{i}, hijack::deferred{0}));
  EXPECT_EQ(dualiter::run(dualiter::gather_all(std::move(many))),
            (std::vector<value>{{0}, {1}, {2}}));

  EXPECT_EQ(dualiter::run(dualiter::to_vector(hijack::numbers{3})),
            (std::vector<value>{{1}, {2}, {3}}));
  int sum = 0;
  dualiter::run(dualiter::for_each(values(4), [&](value x) { sum += x.v; }));
  EXPECT_EQ(sum, 10);
}

TEST(dualiter, user_types_beside_same_named_functions_work_through_the_bridges) {
  std::vector<value> got;
  for (value x : dualiter::as_sync(hijack::numbers{2})) got.push_back(x);
  for (value x : sync_values(3)) got.push_back(x);
  EXPECT_EQ(got, (std::vector<value>{{1}, {2}, {0}, {1}, {2}, {3}}));
  std::vector<value> source{{7}, {8}};
  EXPECT_EQ(dualiter::sync_wait(dualiter::to_vector(dualiter::as_async(source))), source);
  EXPECT_EQ(dualiter::sync_wait(dualiter::to_vector(dualiter::dual(source))), source);
}

TEST(dualiter, a_foreign_coroutine_in_that_namespace_awaits_dualiter_tasks) {
  value got{};
  [](value& out) -> hijack::eager {
    out = co_await add(hijack::ready{4}, hijack::deferred{5});
  }(got);
  EXPECT_EQ(got, value{9});
}

TEST(dualiter, a_queue_of_user_types_in_that_namespace_works) {
  dualiter::queue<value> q(1);
  auto producer = [](dualiter::queue<value>& q) -> task<> {
    for (int i = 1; i <= 3; ++i) co_await q.put(value{i});
    q.shutdown();
  };
  auto [_, got] = dualiter::run(dualiter::gather(producer(q), dualiter::to_vector(q)));
  EXPECT_EQ(got, (std::vector<value>{{1}, {2}, {3}}));
}

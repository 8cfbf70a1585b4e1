#include <chrono>
#include <list>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/adapters.hpp>
#include <dualiter/algorithm.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

#include "counting_new.hpp"
#include "support/iterable_laws.hpp"
#include "support/manual.hpp"
#include "support/sources.hpp"

using dualiter::as_async;
using dualiter::as_sync;
using dualiter::async_generator;
using dualiter::dual;
using dualiter::generator;
using dualiter::sync_wait;
using dualiter::task;
using dualiter::testing::count_to;
using dualiter::testing::lifetime_counter;
using dualiter::testing::sync_collect;
using dualiter::testing::sync_count_to;
using namespace std::chrono_literals;

namespace {

async_generator<int> sleepy_count_to(int n, std::chrono::milliseconds pause) {
  for (int i = 1; i <= n; ++i) {
    co_await dualiter::sleep_for(pause);
    co_yield i;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// as_async
// ---------------------------------------------------------------------------------------------

static_assert(dualiter::AsyncIterable<decltype(as_async(std::declval<std::vector<int>&>()))>);
static_assert(!dualiter::SyncIterable<decltype(as_async(std::declval<std::vector<int>&>()))>);
static_assert(
    std::same_as<dualiter::async_reference_t<decltype(as_async(std::declval<std::vector<int>&>()))>,
                 int&>,
    "an lvalue vector's elements are handed out by reference");
static_assert(std::same_as<dualiter::async_value_t<decltype(as_async(std::vector<bool>{}))>, bool>,
              "a proxy reference is kept as the range's value type");

TEST(as_async, keeps_the_async_iterable_laws_over_lvalues_rvalues_and_empty_ranges) {
  std::vector<int> v{1, 2, 3};
  dualiter::testing::check_async_iterable_laws([&] { return as_async(v); }, v);
  dualiter::testing::check_async_iterable_laws(
      [] { return as_async(std::list<std::string>{"a", "b"}); },
      std::vector<std::string>{"a", "b"});
  dualiter::testing::check_async_iterable_laws([] { return as_async(std::vector<int>{}); },
                                               std::vector<int>{});
  dualiter::testing::check_async_iterable_laws([] { return as_async(sync_count_to(3)); },
                                               std::vector<int>{1, 2, 3});
}

TEST(as_async, hands_out_references_to_an_lvalues_elements) {
  std::vector<std::string> names{"x", "y"};
  auto source = as_async(names);
  auto check = [&]() -> task<int> {
    int i = 0;
    auto it = dualiter::aiter(source);
    while (auto x = co_await dualiter::anext(it)) {
      EXPECT_EQ(&*x, &names[i]);
      ++i;
    }
    co_return i;
  };
  EXPECT_EQ(sync_wait(check()), 2);
}

TEST(as_async, owns_an_rvalue_source) {
  std::vector<int> v{4, 5};
  auto source = as_async(std::move(v));
  v.assign({9, 9, 9});  // the adapter has its own vector now
  EXPECT_EQ(sync_wait(dualiter::to_vector(source)), (std::vector<int>{4, 5}));
}

TEST(as_async, over_a_generator_keeps_each_element_alive_until_the_next_anext) {
  auto strings = []() -> generator<std::string> {
    for (int i = 0; i < 3; ++i) co_yield std::string(20, static_cast<char>('a' + i));
  };
  auto source = as_async(strings());
  auto check = [&]() -> task<std::string> {
    std::string joined;
    auto it = dualiter::aiter(source);
    while (auto x = co_await dualiter::anext(it)) joined += x->substr(0, 1);
    co_return joined;
  };
  EXPECT_EQ(sync_wait(check()), "abc");
}

TEST(as_async, an_adapter_over_an_lvalue_may_be_a_temporary) {
  std::vector<int> v{7};
  auto it = dualiter::aiter(as_async(v));  // enable_borrowed_async_iterable
  auto first = [&]() -> task<int> { co_return *co_await dualiter::anext(it); };
  EXPECT_EQ(sync_wait(first()), 7);
}

TEST(as_async, never_suspends_and_allocates_nothing_per_element) {
  std::vector<int> v(10'000, 1);
  auto source = as_async(v);
  auto sum = [&]() -> task<long> {
    long total = 0;
    auto it = dualiter::aiter(source);
    while (auto x = co_await dualiter::anext(it)) total += *x;
    co_return total;
  };
  auto t = sum();
  dualiter::testing::allocation_scope scope;
  EXPECT_EQ(sync_wait(std::move(t)), 10'000);
  EXPECT_LE(scope.count(), 1) << "at most sync_wait's driver frame (Clang may elide it)";
}

// ---------------------------------------------------------------------------------------------
// as_sync
// ---------------------------------------------------------------------------------------------

static_assert(dualiter::SyncIterable<decltype(as_sync(count_to(1)))>);
static_assert(!dualiter::AsyncIterable<decltype(as_sync(count_to(1)))>);
static_assert(std::same_as<dualiter::sync_reference_t<decltype(as_sync(count_to(1)))>, int&&>);

TEST(as_sync, keeps_the_sync_iterable_laws_over_lvalues_rvalues_and_empty_sources) {
  auto g = count_to(3);
  EXPECT_EQ(sync_collect(as_sync(g)), (std::vector<int>{1, 2, 3}));
  dualiter::testing::check_sync_iterable_laws([] { return as_sync(count_to(4)); },
                                              std::vector<int>{1, 2, 3, 4});
  dualiter::testing::check_sync_iterable_laws([] { return as_sync(count_to(0)); },
                                              std::vector<int>{});
}

TEST(as_sync, drives_a_sleeping_async_generator_on_its_own_loop) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(sync_collect(as_sync(sleepy_count_to(3, 5ms))), (std::vector<int>{1, 2, 3}));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 15ms);
}

TEST(as_sync, hands_move_only_elements_over_by_move) {
  auto owners = []() -> async_generator<std::unique_ptr<int>> {
    co_yield std::make_unique<int>(1);
    co_await dualiter::sleep_for(1ms);
    co_yield std::make_unique<int>(2);
  };
  int sum = 0;
  for (auto&& p : as_sync(owners())) {
    std::unique_ptr<int> mine = std::move(p);
    sum += *mine;
  }
  EXPECT_EQ(sum, 3);
}

TEST(as_sync, round_trips_with_as_async) {
  std::vector<int> v{3, 1, 2};
  EXPECT_EQ(sync_collect(as_sync(as_async(v))), v);
}

TEST(as_sync, refuses_to_iterate_inside_a_running_event_loop) {
  std::string message;
  dualiter::run([&]() -> task<> {
    try {
      for (int x : as_sync(count_to(2))) (void)x;
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    co_return;
  }());
  EXPECT_NE(message.find("running event loop"), std::string::npos) << message;
}

TEST(as_sync, an_exception_from_the_source_reaches_the_loop_and_ends_it) {
  auto failing = []() -> async_generator<int> {
    co_yield 1;
    co_await dualiter::sleep_for(1ms);
    throw std::runtime_error("source failed");
  };
  auto view = as_sync(failing());
  std::vector<int> got;
  auto it = view.begin();
  try {
    for (; it != view.end(); ++it) got.push_back(*it);
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "source failed");
  }
  EXPECT_EQ(got, std::vector<int>{1});
  EXPECT_TRUE(it == view.end());
  EXPECT_THROW((void)*it, std::logic_error) << "no element after the end";
  EXPECT_THROW(++it, std::logic_error) << "no advancing past the end";
}

TEST(as_sync, an_increment_refused_inside_a_running_loop_leaves_the_iterator_at_the_end) {
  auto view = as_sync(count_to(3));
  auto it = view.begin();
  ASSERT_EQ(*it, 1);
  std::string message;
  dualiter::run([&]() -> task<> {
    try {
      ++it;  // would block the very loop this runs on
    } catch (const std::runtime_error& e) {
      message = e.what();
    }
    co_return;
  }());
  EXPECT_NE(message.find("running event loop"), std::string::npos) << message;
  EXPECT_TRUE(it == view.end()) << "after a throwing ++ the iteration is over";
  std::string deref;
  try {
    (void)*it;
  } catch (const std::logic_error& e) {
    deref = e.what();
  }
  EXPECT_NE(deref.find("at the end"), std::string::npos) << deref;
}

TEST(as_sync, begin_called_twice_throws_instead_of_restarting_a_moved_from_source) {
  auto view = as_sync(count_to(3));
  auto it = view.begin();
  EXPECT_EQ(*it, 1);
  std::string message;
  try {
    (void)view.begin();
  } catch (const std::logic_error& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("single-pass"), std::string::npos) << message;
  ++it;
  EXPECT_EQ(*it, 2) << "the first iteration goes on unharmed";
}

TEST(as_sync, leaving_the_loop_early_destroys_the_source_and_its_locals) {
  int live = 0;
  auto make = [&live] {
    return as_sync([](int* live) -> async_generator<int> {
      lifetime_counter guard(live);
      for (int i = 0; i < 3; ++i) {
        co_await dualiter::sleep_for(1ms);
        co_yield i;
      }
    }(&live));
  };
  dualiter::testing::check_sync_iterable_laws(make, std::vector<int>{0, 1, 2}, &live);
}

TEST(as_sync, allocates_once_per_loop_not_per_element) {
  auto g = count_to(10'000);
  dualiter::testing::allocation_scope scope;
  long sum = 0;
  for (int x : as_sync(g)) sum += x;
  EXPECT_EQ(sum, 50'005'000);
  EXPECT_LE(scope.count(), 1) << "at most the pump's frame";
}

// ---------------------------------------------------------------------------------------------
// dual
// ---------------------------------------------------------------------------------------------

static_assert(dualiter::DualIterable<decltype(dual(std::declval<std::vector<int>&>()))>);
static_assert(dualiter::DualIterable<decltype(dual(std::vector<bool>{}))>);
static_assert(dualiter::DualIterable<decltype(dual(sync_count_to(1)))>);

TEST(dual, gives_equal_sequences_through_both_protocols) {
  std::vector<int> v{5, 6, 7};
  dualiter::testing::check_dual_iterable_laws([&] { return dual(v); }, v);
  dualiter::testing::check_dual_iterable_laws([] { return dual(std::vector<int>{1, 2}); },
                                              std::vector<int>{1, 2});
  dualiter::testing::check_dual_iterable_laws([] { return dual(std::vector<bool>{true, false}); },
                                              std::vector<bool>{true, false});
}

namespace {
template <dualiter::SyncIterable R>
constexpr int protocols(R&&) {
  return 1;
}
template <dualiter::AsyncIterable R>
constexpr int protocols(R&&) {
  return 2;
}
template <dualiter::DualIterable R>
constexpr int protocols(R&&) {
  return 3;
}
}  // namespace

TEST(dual, picks_the_dual_overload_where_the_plain_range_picks_the_sync_one) {
  std::vector<int> v;
  EXPECT_EQ(protocols(v), 1);
  EXPECT_EQ(protocols(as_async(v)), 2);
  EXPECT_EQ(protocols(dual(v)), 3);
}

TEST(dual, over_a_const_lvalue_works_on_both_sides) {
  const std::vector<int> v{8, 9};
  auto d = dual(v);
  EXPECT_EQ(sync_collect(d), v);
  EXPECT_EQ(sync_wait(dualiter::to_vector(d)), v);
}

namespace {
// A class usable with both `for` and `async for`: `for` through a generator, `async for` through
// an async generator that sleeps, one pure function shared (examples/dual_iterable.cpp has the
// annotated version).
int doubled(int x) {
  return 2 * x;
}
class doubled_items : public dualiter::range_from_iter<doubled_items> {
 public:
  explicit doubled_items(std::vector<int> items) : items_(std::move(items)) {}
  generator<int> iter() const {
    for (int x : items_) co_yield doubled(x);
  }
  async_generator<int> aiter() const {
    for (int x : items_) {
      co_await dualiter::sleep_for(1ms);
      co_yield doubled(x);
    }
  }

 private:
  std::vector<int> items_;
};
}  // namespace

static_assert(dualiter::DualIterable<doubled_items>);
static_assert(dualiter::DualIterable<const doubled_items>);

TEST(dual, a_class_with_iter_and_aiter_keeps_the_dual_laws_on_the_event_loop) {
  dualiter::testing::check_dual_iterable_laws([] { return doubled_items({1, 2, 3}); },
                                              std::vector<int>{2, 4, 6},
                                              dualiter::testing::by_event_loop{});
}

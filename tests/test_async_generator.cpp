#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/algorithm.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

#include "counting_new.hpp"
#include "support/iterable_laws.hpp"
#include "support/manual.hpp"
#include "support/sources.hpp"
#include "support/stack_depth.hpp"

using dualiter::anext_result;
using dualiter::async_generator;
using dualiter::sync_wait;
using dualiter::task;
using dualiter::testing::count_to;
using dualiter::testing::lifetime_counter;
using dualiter::testing::parking_spot;
using dualiter::testing::spawn;

namespace {}  // namespace

static_assert(dualiter::AsyncIterable<async_generator<int>>);
static_assert(!dualiter::SyncIterable<async_generator<int>>);
static_assert(!dualiter::DualIterable<async_generator<int>>);
static_assert(dualiter::AsyncIterator<async_generator<int>>, "its own iterator, like Python's");
static_assert(dualiter::AsyncIterator<async_generator<int>::iterator>);
static_assert(
    std::same_as<dualiter::anext_result_t<async_generator<int>::iterator>, anext_result<int&&>>);
static_assert(std::same_as<dualiter::async_reference_t<async_generator<int>>, int&&>);
static_assert(std::same_as<dualiter::async_value_t<async_generator<int>>, int>);
static_assert(std::same_as<dualiter::async_reference_t<async_generator<const std::string&>>,
                           const std::string&>);
static_assert(!std::copy_constructible<async_generator<int>>);

TEST(async_generator, keeps_the_iterable_laws) {
  dualiter::testing::check_async_iterable_laws([] { return count_to(4); },
                                               std::vector<int>{1, 2, 3, 4});
  dualiter::testing::check_async_iterable_laws([] { return count_to(0); }, std::vector<int>{});
}

TEST(async_generator, mixes_co_await_and_co_yield_freely) {
  auto g = []() -> async_generator<std::string> {
    auto word = []() -> task<std::string> { co_return "awaited"; };
    co_yield "first";
    std::string w = co_await word();
    co_yield w;
    co_yield co_await word() + " twice";
  }();
  EXPECT_EQ(sync_wait(dualiter::to_vector(g)),
            (std::vector<std::string>{"first", "awaited", "awaited twice"}));
}

TEST(async_generator, is_lazy_until_the_first_anext) {
  int steps = 0;
  auto g = [](int& steps) -> async_generator<int> {
    ++steps;
    co_yield 1;
  }(steps);
  EXPECT_EQ(steps, 0);
  auto first = [&]() -> task<int> {
    auto it = dualiter::aiter(g);
    co_return *co_await dualiter::anext(it);
  };
  EXPECT_EQ(sync_wait(first()), 1);
  EXPECT_EQ(steps, 1);
}

TEST(async_generator, hands_out_references_to_the_yielded_objects_without_copying) {
  const std::vector<std::string> names{"ada", "grace"};
  auto g = [](const std::vector<std::string>& v) -> async_generator<const std::string&> {
    for (const auto& s : v) co_yield s;
  }(names);
  auto check = [&]() -> task<int> {
    int n = 0;
    auto it = dualiter::aiter(g);
    while (auto x = co_await dualiter::anext(it)) {
      EXPECT_EQ(&*x, &names[n]);
      EXPECT_EQ(x->size(), names[n].size());
      ++n;
    }
    co_return n;
  };
  EXPECT_EQ(sync_wait(check()), 2);
}

TEST(async_generator, of_move_only_type_lets_the_consumer_move_each_element_out) {
  auto g = []() -> async_generator<std::unique_ptr<int>> {
    co_yield std::make_unique<int>(1);
    co_yield std::make_unique<int>(2);
  }();
  auto take = [&]() -> task<int> {
    int sum = 0;
    auto it = dualiter::aiter(g);
    while (auto x = co_await dualiter::anext(it)) {
      std::unique_ptr<int> p = *x;  // *x is std::unique_ptr<int>&&
      sum += *p;
    }
    co_return sum;
  };
  EXPECT_EQ(sync_wait(take()), 3);
}

TEST(async_generator, the_generator_is_its_own_async_iterator) {
  auto g = count_to(3);
  auto use = [&]() -> task<int> {
    int sum = 0;
    while (auto x = co_await dualiter::anext(g)) sum += *x;
    co_return sum;
  };
  EXPECT_EQ(sync_wait(use()), 6);
}

TEST(async_generator, after_the_end_every_anext_is_empty) {
  auto g = count_to(1);
  auto probe = [&]() -> task<int> {
    auto it = dualiter::aiter(g);
    int empties = 0;
    EXPECT_TRUE(co_await dualiter::anext(it));
    for (int i = 0; i < 5; ++i) empties += !(co_await dualiter::anext(it));
    co_return empties;
  };
  EXPECT_EQ(sync_wait(probe()), 5);
}

TEST(async_generator, an_exception_reaches_the_awaiter_of_anext_then_it_is_finished) {
  for (int throw_after = 0; throw_after < 3; ++throw_after) {
    auto g = [](int n) -> async_generator<int> {
      for (int i = 0; i < n; ++i) co_yield i;
      throw std::runtime_error("async boom");
    }(throw_after);
    auto consume = [&]() -> task<int> {
      auto it = dualiter::aiter(g);
      int seen = 0;
      try {
        while (co_await dualiter::anext(it)) ++seen;
        ADD_FAILURE() << "no exception";
      } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "async boom");
      }
      EXPECT_FALSE(co_await dualiter::anext(it)) << "finished after the exception";
      co_return seen;
    };
    EXPECT_EQ(sync_wait(consume()), throw_after);
  }
}

TEST(async_generator, an_exception_thrown_after_a_real_suspension_reaches_the_consumer) {
  parking_spot spot;
  auto g = [](parking_spot& s) -> async_generator<int> {
    co_yield 1;
    co_await s.wait();
    throw std::runtime_error("late");
  }(spot);
  std::string caught;
  auto root = spawn([&]() -> task<> {
    auto it = dualiter::aiter(g);
    try {
      while (co_await dualiter::anext(it)) {
      }
    } catch (const std::runtime_error& e) {
      caught = e.what();
    }
  });
  ASSERT_TRUE(spot.occupied());
  spot.resume();
  EXPECT_TRUE(root.done());
  EXPECT_EQ(caught, "late");
}

TEST(async_generator, a_second_anext_while_one_is_pending_throws_already_running) {
  parking_spot spot;
  auto g = [](parking_spot& s) -> async_generator<int> {
    co_await s.wait();
    co_yield 1;
  }(spot);
  auto first = spawn([&]() -> task<> {
    auto it = dualiter::aiter(g);
    EXPECT_EQ(*co_await dualiter::anext(it), 1);
  });
  std::string message;
  auto second = spawn([&]() -> task<> {
    auto it = dualiter::aiter(g);
    try {
      co_await dualiter::anext(it);
    } catch (const dualiter::already_running& e) {
      message = e.what();
    }
  });
  EXPECT_TRUE(second.done());
  EXPECT_NE(message.find("already running"), std::string::npos) << message;
  static_assert(std::derived_from<dualiter::already_running, std::logic_error>);
  spot.resume();
  EXPECT_TRUE(first.done());
  EXPECT_FALSE(first.error());
}

TEST(async_generator, elements_reach_a_consumer_that_is_suspended_for_real) {
  parking_spot spot;
  auto g = [](parking_spot& s) -> async_generator<int> {
    for (int i = 0; i < 3; ++i) {
      co_await s.wait();
      co_yield i;
    }
  }(spot);
  std::vector<int> got;
  auto root = spawn([&]() -> task<> {
    auto it = dualiter::aiter(g);
    while (auto x = co_await dualiter::anext(it)) got.push_back(*x);
  });
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(spot.occupied());
    EXPECT_EQ(got.size(), static_cast<std::size_t>(i));
    spot.resume();
  }
  EXPECT_TRUE(root.done());
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
}

TEST(async_generator, abandoning_at_a_co_yield_destroys_the_frame_and_its_locals) {
  int live = 0;
  auto make = [&live] {
    return [](int* live) -> async_generator<int> {
      lifetime_counter guard(live);
      for (int i = 0; i < 4; ++i) {
        lifetime_counter per_step(live);
        co_yield i;
      }
    }(&live);
  };
  dualiter::testing::check_async_iterable_laws(make, std::vector<int>{0, 1, 2, 3}, &live);
}

TEST(async_generator, abandoning_at_a_pending_co_await_destroys_the_frame_and_its_locals) {
  int live = 0;
  parking_spot spot;
  {
    auto g = [](int* live, parking_spot& s) -> async_generator<int> {
      lifetime_counter guard(live);
      co_yield 0;
      lifetime_counter before_wait(live);
      co_await s.wait();
      co_yield 1;
    }(&live, spot);
    auto root = spawn([&]() -> task<> {
      lifetime_counter consumer_local(&live);
      auto it = dualiter::aiter(g);
      while (co_await dualiter::anext(it)) {
      }
    });
    EXPECT_TRUE(spot.occupied());
    EXPECT_EQ(live, 3);
    root.abandon();
  }
  EXPECT_EQ(live, 0);
}

TEST(async_generator, the_consumer_may_destroy_the_generator_right_after_a_late_element) {
  // The element arrives after a real suspension, so the generator resumes the consumer by
  // symmetric transfer; the consumer then destroys the generator while that transfer is on
  // the stack. AddressSanitizer checks that nothing touches the frame afterwards.
  parking_spot spot;
  int live = 0;
  auto root = spawn([&]() -> task<> {
    auto g = [](parking_spot& s, int* live) -> async_generator<int> {
      lifetime_counter guard(live);
      co_await s.wait();
      co_yield 1;
      co_yield 2;
    }(spot, &live);
    auto it = dualiter::aiter(g);
    EXPECT_EQ(*co_await dualiter::anext(it), 1);
  });
  ASSERT_TRUE(spot.occupied());
  EXPECT_EQ(live, 1);
  spot.resume();
  EXPECT_TRUE(root.done());
  EXPECT_EQ(live, 0);
}

TEST(async_generator, ten_million_synchronous_elements_keep_the_stack_flat) {
  dualiter::testing::stack_extent probe;
  auto numbers = [](dualiter::testing::stack_extent& p) -> async_generator<int> {
    for (int i = 0; i < 10'000'000; ++i) {
      if (i % 1024 == 0) p.note();
      co_yield i;
    }
  };
  auto sum = [&]() -> task<long> {
    auto g = numbers(probe);
    auto it = dualiter::aiter(g);
    long total = 0;
    while (auto x = co_await dualiter::anext(it)) {
      total += *x;
      if (*x % 1024 == 512) probe.note();
    }
    co_return total;
  };
  EXPECT_EQ(sync_wait(sum()), 49'999'995'000'000L);
  EXPECT_LT(probe.bytes(), 4096u);
}

TEST(async_generator, allocates_one_frame_per_generator_and_nothing_per_element) {
  auto sum = []() -> task<long> {
    auto g = count_to(10'000);
    auto it = dualiter::aiter(g);
    long total = 0;
    while (auto x = co_await dualiter::anext(it)) total += *x;
    co_return total;
  };
  auto t = sum();  // one frame for the task
  dualiter::testing::allocation_scope scope;
  EXPECT_EQ(sync_wait(std::move(t)), 50'005'000);
  EXPECT_LE(scope.count(), 2) << "at most the generator's and sync_wait's driver frames";
}

TEST(async_generator, an_empty_generator_object_is_at_its_end) {
  async_generator<int> empty;
  auto probe = [&]() -> task<bool> {
    auto it = dualiter::aiter(empty);
    co_return static_cast<bool>(co_await dualiter::anext(it));
  };
  EXPECT_FALSE(sync_wait(probe()));
}

namespace {
// Each level forwards every element of the level below: anext nests one level per generator.
async_generator<int> forwarding(int depth) {
  if (depth == 0) {
    for (int i = 1; i <= 3; ++i) co_yield i;
    co_return;
  }
  auto below = forwarding(depth - 1);
  auto it = dualiter::aiter(below);
  while (auto x = co_await dualiter::anext(it)) co_yield *x;
}
}  // namespace

TEST(async_generator, a_chain_of_generators_past_the_inline_bound_hands_every_element_up) {
  const int depth = 3 * static_cast<int>(dualiter::detail::max_inline_depth) + 1;
  auto top = forwarding(depth);
  EXPECT_EQ(sync_wait(dualiter::to_vector(top)), (std::vector<int>{1, 2, 3}));
}

TEST(async_generator, a_default_constructed_or_moved_from_generator_is_an_empty_sequence) {
  // A deliberate choice, like a default-constructed container: a class may hold one and assign
  // it later. Iterators refer to the frame, so one taken before a move keeps working.
  async_generator<int> empty;
  EXPECT_TRUE(sync_wait(dualiter::to_vector(empty)).empty());
  auto g = count_to(3);
  auto it = dualiter::aiter(g);
  auto moved = std::move(g);
  EXPECT_TRUE(sync_wait(dualiter::to_vector(g)).empty()) << "the moved-from one";
  EXPECT_EQ(*sync_wait(dualiter::anext(it)), 1) << "an iterator taken before the move";
  EXPECT_EQ(sync_wait(dualiter::to_vector(moved)), (std::vector<int>{2, 3}));
}

TEST(anext_with_default, gives_each_element_then_the_default_at_the_end) {
  // Python 3.10: anext(it, default)
  const std::vector<int> seen = sync_wait([]() -> task<std::vector<int>> {
    auto g = count_to(2);
    auto it = dualiter::aiter(g);
    std::vector<int> out;
    for (int i = 0; i < 4; ++i) out.push_back(co_await dualiter::anext(it, -1));
    co_return out;
  }());
  EXPECT_EQ(seen, (std::vector<int>{1, 2, -1, -1}));
}

TEST(anext_with_default, passes_a_suspension_of_the_generator_through) {
  parking_spot spot;
  int got = 0;
  auto g = [](parking_spot& s) -> async_generator<int> {
    co_await s.wait();
    co_yield 7;
  }(spot);
  auto runner = spawn([&]() -> task<> {
    auto it = dualiter::aiter(g);
    got = co_await dualiter::anext(it, 0);
  });
  EXPECT_FALSE(runner.done());
  spot.resume();
  EXPECT_TRUE(runner.done());
  EXPECT_EQ(got, 7);
}

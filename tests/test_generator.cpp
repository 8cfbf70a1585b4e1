#include <memory>
#include <ranges>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/generator.hpp>

#include "counting_new.hpp"
#include "support/build_flavour.hpp"
#include "support/iterable_laws.hpp"
#include "support/manual.hpp"
#include "support/sources.hpp"
#include "support/stack_depth.hpp"

using dualiter::elements_of;
using dualiter::generator;
using dualiter::testing::lifetime_counter;
using dualiter::testing::sync_collect;
using dualiter::testing::sync_count_to;

namespace {}  // namespace

static_assert(dualiter::SyncIterable<generator<int>>);
static_assert(!dualiter::AsyncIterable<generator<int>>);
static_assert(std::ranges::input_range<generator<int>>);
static_assert(std::ranges::view<generator<int>>);
static_assert(!std::ranges::forward_range<generator<int>>, "single pass, like Python's");
static_assert(!std::copy_constructible<generator<int>> && std::movable<generator<int>>);
static_assert(std::same_as<std::ranges::range_reference_t<generator<int>>, int&&>);
static_assert(std::same_as<std::ranges::range_value_t<generator<int>>, int>);
static_assert(std::same_as<std::ranges::range_reference_t<generator<const std::string&>>,
                           const std::string&>);
static_assert(std::same_as<std::ranges::range_value_t<generator<const std::string&>>, std::string>);
static_assert(std::same_as<std::ranges::range_reference_t<generator<std::string_view, std::string>>,
                           std::string_view>);

TEST(generator, keeps_the_iterable_laws) {
  dualiter::testing::check_sync_iterable_laws([] { return sync_count_to(5); },
                                              std::vector<int>{1, 2, 3, 4, 5});
  dualiter::testing::check_sync_iterable_laws([] { return sync_count_to(0); }, std::vector<int>{});
}

TEST(generator, is_lazy_and_runs_only_to_the_first_yield_on_begin) {
  int steps = 0;
  auto g = [](int& steps) -> generator<int> {
    ++steps;
    co_yield 1;
    ++steps;
    co_yield 2;
  }(steps);
  EXPECT_EQ(steps, 0);
  auto it = g.begin();
  EXPECT_EQ(steps, 1);
  EXPECT_EQ(*it, 1);
  ++it;
  EXPECT_EQ(steps, 2);
}

TEST(generator, of_const_reference_yields_the_objects_themselves_without_copying) {
  const std::vector<std::string> names{"ada", "grace", "barbara"};
  auto refs = [](const std::vector<std::string>& v) -> generator<const std::string&> {
    for (const auto& s : v) co_yield s;
  }(names);
  std::size_t i = 0;
  for (const std::string& s : refs) {
    EXPECT_EQ(&s, &names[i]) << "element " << i << " must be the original object";
    ++i;
  }
  EXPECT_EQ(i, names.size());
}

namespace {
struct copy_counter {
  int* copies;
  explicit copy_counter(int* c) : copies(c) {}
  copy_counter(const copy_counter& o) : copies(o.copies) { ++*copies; }
  copy_counter(copy_counter&& o) noexcept : copies(o.copies) {}
  copy_counter& operator=(const copy_counter&) = delete;
};
}  // namespace

TEST(generator, of_values_moves_prvalues_out_and_copies_a_yielded_lvalue_once) {
  int copies = 0;
  auto g = [](int* copies) -> generator<copy_counter> {
    co_yield copy_counter(copies);  // a prvalue: handed out by reference, no copy
    copy_counter kept(copies);
    co_yield kept;  // an lvalue: copied once, so the consumer may move from it safely
  }(&copies);
  std::vector<copy_counter> out;
  for (auto&& c : g) out.push_back(std::move(c));
  EXPECT_EQ(out.size(), 2u);
  EXPECT_EQ(copies, 1);
}

TEST(generator, of_move_only_type_hands_each_element_over_by_move) {
  auto g = []() -> generator<std::unique_ptr<int>> {
    co_yield std::make_unique<int>(1);
    auto two = std::make_unique<int>(2);
    co_yield std::move(two);
  }();
  std::vector<std::unique_ptr<int>> out = sync_collect(g);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0], 1);
  EXPECT_EQ(*out[1], 2);
}

TEST(generator, elements_of_yields_a_nested_generator_and_a_range_in_place) {
  auto outer = []() -> generator<int> {
    co_yield 0;
    co_yield elements_of(sync_count_to(3));
    co_yield 10;
    std::vector<int> more{20, 30};
    co_yield elements_of(more);
    co_yield elements_of(std::vector<int>{});
    co_yield elements_of(sync_count_to(0));
    co_yield 40;
  }();
  EXPECT_EQ(sync_collect(outer), (std::vector<int>{0, 1, 2, 3, 10, 20, 30, 40}));
}

namespace {
generator<int> nested(int depth, int leaf_elements) {
  if (depth == 0) {
    co_yield elements_of(sync_count_to(leaf_elements));
  } else {
    co_yield -depth;
    co_yield elements_of(nested(depth - 1, leaf_elements));
  }
}
}  // namespace

TEST(generator, elements_of_nests_to_any_depth_in_order) {
  std::vector<int> expected{-3, -2, -1, 1, 2};
  EXPECT_EQ(sync_collect(nested(3, 2)), expected);
}

TEST(generator, a_deeply_nested_leaf_is_resumed_directly_not_through_every_level) {
  // If each level resumed the one below it, the leaf would run `depth` frames deeper at every
  // element. The consumer resumes the innermost generator directly, so from the second
  // element on the leaf runs at the same stack depth whatever the nesting.
  auto leaf_depth = [](int depth) {
    dualiter::testing::stack_extent probe;
    auto leaf = [](dualiter::testing::stack_extent* p) -> generator<int> {
      for (int i = 0; i < 100; ++i) {
        if (i > 0) p->note();
        co_yield i;
      }
    };
    auto wrap = [&](auto self, int d) -> generator<int> {
      if (d == 0) {
        co_yield elements_of(leaf(&probe));
      } else {
        co_yield elements_of(self(self, d - 1));
      }
    };
    int sum = 0;
    for (int x : wrap(wrap, depth)) sum += x;
    EXPECT_EQ(sum, 4950);
    EXPECT_LT(probe.bytes(), 64u) << "the leaf ran at varying depths";
    return probe;
  };
  auto shallow = leaf_depth(1);
  auto deep = leaf_depth(500);
  EXPECT_EQ(deep.notes(), 99);
  EXPECT_EQ(shallow.notes(), 99);
  const auto apart = deep.deepest() > shallow.deepest() ? deep.deepest() - shallow.deepest()
                                                        : shallow.deepest() - deep.deepest();
  EXPECT_LT(apart, 256u) << "at depth 500 the leaf ran deeper than at depth 1";
}

TEST(generator, ten_million_empty_nested_generators_keep_the_stack_flat) {
  dualiter::testing::stack_extent probe;
  auto empty = []() -> generator<int> { co_return; };
  // A capturing lambda coroutine must outlive its generator: the frame refers to the closure.
  auto body = [&]() -> generator<int> {
    for (int i = 0; i < 10'000'000; ++i) {
      co_yield elements_of(empty());
      if (i % 1024 == 0) probe.note();
    }
    co_yield 1;
  };
  EXPECT_EQ(sync_collect(body()), std::vector<int>{1});
  EXPECT_LT(probe.bytes(), 4096u);
}

TEST(generator, an_exception_reaches_the_consumer_at_begin_or_increment_then_it_is_finished) {
  for (int throw_after = 0; throw_after < 4; ++throw_after) {
    auto g = [](int n) -> generator<int> {
      for (int i = 0; i < n; ++i) co_yield i;
      throw std::runtime_error("boom at " + std::to_string(n));
    }(throw_after);
    int seen = 0;
    try {
      for (auto it = g.begin(); it != g.end(); ++it) ++seen;
      ADD_FAILURE() << "no exception after " << throw_after;
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(e.what(), "boom at " + std::to_string(throw_after));
    }
    EXPECT_EQ(seen, throw_after);
  }
}

TEST(generator, after_an_exception_the_iterator_is_at_the_end) {
  auto g = []() -> generator<int> {
    co_yield 1;
    throw std::logic_error("x");
  }();
  auto it = g.begin();
  EXPECT_THROW(++it, std::logic_error);
  EXPECT_TRUE(it == g.end());
}

TEST(generator, an_exception_in_a_nested_generator_reaches_the_parent_which_may_go_on) {
  auto failing = []() -> generator<int> {
    co_yield 1;
    throw std::runtime_error("inner");
  };
  auto body = [&]() -> generator<int> {
    bool caught = false;
    try {
      co_yield elements_of(failing());
    } catch (const std::runtime_error&) {
      caught = true;  // co_yield is not allowed in a handler
    }
    if (caught) co_yield 99;
    co_yield elements_of(failing());
  };
  std::vector<int> got;
  auto outer = body();
  EXPECT_THROW(
      {
        for (int x : outer) got.push_back(x);
      },
      std::runtime_error);
  EXPECT_EQ(got, (std::vector<int>{1, 99, 1}));
}

// ++ looks for the exception only once the root is done (generator.hpp): one thrown three
// generators down, after they yielded (so each hands back to its parent by symmetric transfer),
// must still end the root and reach ++ exactly once.
TEST(generator, an_exception_deep_in_elements_of_after_a_yield_reaches_increment_once) {
  auto leaf = []() -> generator<int> {
    co_yield 1;
    throw std::runtime_error("deep");
  };
  auto level = [](auto inner) -> generator<int> { co_yield elements_of(inner()); };
  // Named: a coroutine lambda's captures live in the closure, which must outlive the frame.
  auto make_inner = [&] { return level(leaf); };
  auto body = [&]() -> generator<int> {
    co_yield 0;
    co_yield elements_of(level(make_inner));
    co_yield 2;  // never reached
  };
  auto root = body();
  auto it = root.begin();
  ASSERT_FALSE(it == root.end());
  EXPECT_EQ(*it, 0);
  ++it;
  ASSERT_FALSE(it == root.end());
  EXPECT_EQ(*it, 1);
  try {
    ++it;
    ADD_FAILURE() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "deep");
  }
  EXPECT_TRUE(it == root.end());
}

TEST(generator, abandoning_at_any_yield_destroys_every_frame_and_local) {
  int live = 0;
  auto make = [&live]() {
    auto inner = [](int* live) -> generator<int> {
      lifetime_counter guard(live);
      co_yield 2;
      co_yield 3;
    };
    return [](int* live, auto inner) -> generator<int> {
      lifetime_counter guard(live);
      co_yield 1;
      co_yield elements_of(inner(live));
      co_yield 4;
    }(&live, inner);
  };
  dualiter::testing::check_sync_iterable_laws(make, std::vector<int>{1, 2, 3, 4}, &live);
}

TEST(generator, allocates_one_frame_and_nothing_per_element) {
  dualiter::testing::allocation_scope scope;
  long sum = 0;
  for (int x : sync_count_to(10'000)) sum += x;
  EXPECT_EQ(sum, 50'005'000);
  EXPECT_LE(scope.count(), 1) << "at most the frame; optimisers may elide even that";
}

TEST(generator, a_nested_generator_costs_one_frame_not_one_per_element) {
  dualiter::testing::allocation_scope scope;
  auto g = []() -> generator<int> {
    co_yield elements_of(sync_count_to(1000));
    co_yield elements_of(sync_count_to(1000));
  }();
  long n = 0;
  for (int x : g) n += x > 0;
  EXPECT_EQ(n, 2000);
  EXPECT_LE(scope.count(), 3) << "at most the three frames";
}

TEST(generator, a_default_constructed_or_moved_from_generator_is_empty) {
  generator<int> empty;
  EXPECT_TRUE(empty.begin() == empty.end());
  auto g = sync_count_to(2);
  auto taken = std::move(g);
  EXPECT_EQ(sync_collect(taken), (std::vector<int>{1, 2}));
}

namespace {
// Python: class Countdown: def __iter__(self): yield from range(self.n, 0, -1)
class countdown : public dualiter::range_from_iter<countdown> {
 public:
  explicit countdown(int n) : n_(n) {}
  generator<int> iter() const {
    for (int i = n_; i > 0; --i) co_yield i;
  }

 private:
  int n_;
};
}  // namespace

static_assert(dualiter::SyncIterable<countdown>);
static_assert(dualiter::SyncIterable<const countdown>);
static_assert(!dualiter::AsyncIterable<countdown>);

TEST(range_from_iter, gives_a_class_begin_and_end_with_a_fresh_generator_per_loop) {
  const countdown c(3);
  EXPECT_EQ(sync_collect(c), (std::vector<int>{3, 2, 1}));
  EXPECT_EQ(sync_collect(c), (std::vector<int>{3, 2, 1}))
      << "a second loop starts over, like __iter__";
  dualiter::testing::check_sync_iterable_laws([] { return countdown(2); }, std::vector<int>{2, 1});
}

namespace {
struct forgot_iter : dualiter::range_from_iter<forgot_iter> {};
}  // namespace
static_assert(!dualiter::SyncIterable<forgot_iter>,
              "without iter() the class is not a range; a for loop over it fails with one "
              "message (tests/compile_fail/range_from_iter_without_iter.cpp)");

namespace {
// depth, depth - 1, ..., 1, then the leaf's elements: each level yields one element of its own
// and the rest through elements_of, so every level's frame is on the way to the leaf.
generator<long> tower(long depth) {
  if (depth == 0) {
    co_yield -1;
    co_yield -2;
    co_return;
  }
  co_yield depth;
  co_yield elements_of(tower(depth - 1));
}

long check_tower(long depth) {
  long expected = depth;
  long count = 0;
  for (long x : tower(depth)) {
    if (expected > 0) {
      if (x != expected) return -1;
      --expected;
    } else if (x != (count == depth ? -1 : -2)) {
      return -1;
    }
    ++count;
  }
  return count;
}
}  // namespace

TEST(generator, elements_of_past_the_inline_bound_falls_back_to_symmetric_transfer) {
  const long depth = 3 * static_cast<long>(dualiter::detail::max_inline_depth) + 5;
  EXPECT_EQ(check_tower(depth), depth + 2);
}

TEST(generator, two_hundred_thousand_nested_elements_of_where_symmetric_transfer_is_a_tail_call) {
  if (!dualiter::testing::transfers_are_tail_calls) {
    GTEST_SKIP() << "symmetric transfer is a nested call at -O0 and under sanitizers";
  }
  EXPECT_EQ(check_tower(200'000), 200'002);
}

TEST(generator, abandoning_a_tower_past_the_inline_bound_destroys_every_level) {
  int live = 0;
  struct levels {
    static generator<int> down(int n, int* live) {
      lifetime_counter guard(live);
      if (n == 0) {
        co_yield 1;
        co_yield 2;
      } else {
        co_yield elements_of(down(n - 1, live));
      }
    }
  };
  const int depth = 2 * static_cast<int>(dualiter::detail::max_inline_depth) + 3;
  {
    auto g = levels::down(depth, &live);
    auto it = g.begin();
    EXPECT_EQ(*it, 1);
    EXPECT_EQ(live, depth + 1);
  }
  EXPECT_EQ(live, 0);
}

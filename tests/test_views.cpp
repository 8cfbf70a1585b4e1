// dualiter::views: every adaptor on sync, async and dual inputs — values, the laws (after the
// end it stays at the end; abandoning at any point destroys everything), references without
// copies, move-only elements, exceptions where they belong, early stop, endless sources — and
// the protocol matrix at compile time.
#include <chrono>
#include <coroutine>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

// Hana piece by piece: the whole <boost/hana.hpp> brings traits.hpp, which Boost 1.74 wrote
// against traits libc++ 19 no longer has (std::is_literal_type, std::result_of).
#include <boost/hana/at.hpp>
#include <boost/hana/cartesian_product.hpp>
#include <boost/hana/equal.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/integral_constant.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/mult.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <gtest/gtest.h>

#include <dualiter/adapters.hpp>
#include <dualiter/algorithm.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>
#include <dualiter/views.hpp>

#include "counting_new.hpp"
#include "support/iterable_laws.hpp"
#include "support/manual.hpp"
#include "support/sources.hpp"
#include "support/stack_depth.hpp"

namespace hana = boost::hana;
namespace views = dualiter::views;
using dualiter::async_generator;
using dualiter::AsyncIterable;
using dualiter::dual;
using dualiter::DualIterable;
using dualiter::generator;
using dualiter::sync_wait;
using dualiter::SyncIterable;
using dualiter::task;

using dualiter::testing::lifetime_counter;
using dualiter::testing::parking_spot;
using dualiter::testing::spawn;
using namespace std::chrono_literals;

#define FWD(x) static_cast<decltype(x)&&>(x)

namespace {

// 1, 2, ..., n; endless for n < 0.
generator<int> sync_numbers(int n) {
  for (int i = 1; n < 0 || i <= n; ++i) co_yield i;
}
async_generator<int> async_numbers(int n) {
  for (int i = 1; n < 0 || i <= n; ++i) co_yield i;
}
auto dual_numbers(int n) {
  std::vector<int> v;
  for (int i = 1; i <= n; ++i) v.push_back(i);
  return dual(std::move(v));
}

template <class R>
std::vector<dualiter::sync_value_t<R&>> sync_values(R& r) {
  std::vector<dualiter::sync_value_t<R&>> out;
  for (auto&& x : r) out.push_back(FWD(x));
  return out;
}
template <class R>
auto async_values(R& r) {
  return sync_wait(dualiter::to_vector(r));
}

const std::vector<int> ten_to_sixty{10, 20, 30, 40, 50, 60};

// Runs one adaptor over 1..5 from each kind of input and over endless ones, through values,
// the laws and the protocol it must keep. `expected` is for 1..5; `endless` is the first three
// elements over an endless input (nullopt when the adaptor never ends on one).
template <class Adapt>
void check_adaptor(Adapt adapt, const std::vector<int>& expected, const std::vector<int>& endless) {
  using dualiter::testing::check_async_iterable_laws;
  using dualiter::testing::check_dual_iterable_laws;
  using dualiter::testing::check_sync_iterable_laws;
  {
    auto v = adapt(sync_numbers(5));
    static_assert(SyncIterable<decltype(v)> && !AsyncIterable<decltype(v)>);
    EXPECT_EQ(sync_values(v), expected) << "sync input";
    check_sync_iterable_laws([&] { return adapt(sync_numbers(5)); }, expected);
  }
  {
    auto v = adapt(async_numbers(5));
    static_assert(AsyncIterable<decltype(v)> && !SyncIterable<decltype(v)>);
    EXPECT_EQ(async_values(v), expected) << "async input";
    check_async_iterable_laws([&] { return adapt(async_numbers(5)); }, expected);
  }
  {
    auto v = adapt(dual_numbers(5));
    static_assert(DualIterable<decltype(v)>);
    EXPECT_EQ(sync_values(v), expected) << "dual input, sync side";
    EXPECT_EQ(async_values(v), expected) << "dual input, async side";
    check_dual_iterable_laws([&] { return adapt(dual_numbers(5)); }, expected);
  }
  {
    auto s = adapt(sync_numbers(-1)) | views::take(3);
    EXPECT_EQ(sync_values(s), endless) << "endless sync input";
    auto a = adapt(async_numbers(-1)) | views::take(3);
    EXPECT_EQ(async_values(a), endless) << "endless async input";
    auto d = adapt(dual(sync_numbers(-1))) | views::take(3);
    static_assert(DualIterable<decltype(d)>);
    EXPECT_EQ(sync_values(d), endless) << "endless dual input, sync side";
    auto d2 = adapt(dual(sync_numbers(-1))) | views::take(3);
    EXPECT_EQ(async_values(d2), endless) << "endless dual input, async side";
  }
}

bool odd(int x) {
  return x % 2 != 0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Every adaptor, every kind of input
// ---------------------------------------------------------------------------------------------

TEST(views, transform_applies_f_to_every_element) {
  check_adaptor([](auto&& r) { return FWD(r) | views::transform([](int x) { return x * 10; }); },
                {10, 20, 30, 40, 50}, {10, 20, 30});
}

TEST(views, filter_keeps_the_elements_the_predicate_accepts) {
  check_adaptor([](auto&& r) { return FWD(r) | views::filter(odd); }, {1, 3, 5}, {1, 3, 5});
}

TEST(views, take_gives_the_first_n) {
  check_adaptor([](auto&& r) { return FWD(r) | views::take(3); }, {1, 2, 3}, {1, 2, 3});
  check_adaptor([](auto&& r) { return views::take(FWD(r), 9u); }, {1, 2, 3, 4, 5}, {1, 2, 3});
}

TEST(views, take_while_stops_at_the_first_rejected_element) {
  check_adaptor([](auto&& r) { return FWD(r) | views::take_while([](int x) { return x < 3; }); },
                {1, 2}, {1, 2});
}

TEST(views, drop_skips_the_first_n) {
  check_adaptor([](auto&& r) { return FWD(r) | views::drop(2); }, {3, 4, 5}, {3, 4, 5});
  check_adaptor([](auto&& r) { return views::drop(FWD(r), 7); }, {}, {8, 9, 10});
}

TEST(views, drop_while_skips_until_the_predicate_first_fails) {
  check_adaptor([](auto&& r) { return FWD(r) | views::drop_while([](int x) { return x != 3; }); },
                {3, 4, 5}, {3, 4, 5});
}

TEST(views, enumerate_pairs_each_element_with_its_index) {
  check_adaptor(
      [](auto&& r) {
        return FWD(r) | views::enumerate | views::transform([](auto& pair) {
                 auto& [i, x] = pair;
                 return static_cast<int>(i) * 100 + x;
               });
      },
      {1, 102, 203, 304, 405}, {1, 102, 203});
}

TEST(views, zip_with_a_sync_range_ends_with_the_shortest) {
  // The vector is sync only: with a sync input the zip is sync, with an async one async (the
  // vector seen through as_async), with a dual one dual.
  check_adaptor(
      [](auto&& r) {
        return views::zip(FWD(r), ten_to_sixty) | views::transform([](auto t) {
                 auto [x, y] = t;
                 return x + y;
               });
      },
      {11, 22, 33, 44, 55}, {11, 22, 33});
}

TEST(views, chain_gives_each_source_in_turn) {
  const std::vector<int> tail{7, 8};
  check_adaptor([&](auto&& r) { return views::chain(FWD(r) | views::take(2), tail); }, {1, 2, 7, 8},
                {1, 2, 7});
  check_adaptor([&](auto&& r) { return views::chain(tail, FWD(r)); }, {7, 8, 1, 2, 3, 4, 5},
                {7, 8, 1});
}

TEST(views, chunk_groups_n_elements_and_a_shorter_last_one) {
  check_adaptor(
      [](auto&& r) {
        return FWD(r) | views::chunk(2) | views::transform([](auto& v) {
                 int packed = 0;
                 for (int x : v) packed = packed * 10 + x;
                 return packed * 10 + static_cast<int>(v.size());
               });
      },
      {122, 342, 51}, {122, 342, 562});
}

TEST(views, pipelines_compose_and_keep_the_protocol) {
  check_adaptor(
      [](auto&& r) {
        return FWD(r) | views::filter(odd) | views::transform([](int x) { return x * x; }) |
               views::drop(1) | views::take(5);
      },
      {9, 25}, {9, 25, 49});
}

// ---------------------------------------------------------------------------------------------
// The protocol matrix, at compile time: every adaptor x {sync, async, dual} input
// ---------------------------------------------------------------------------------------------

// A named namespace: a lambda with internal linkage in a coroutine frame trips GCC's
// -Wsubobject-linkage.
namespace protocol_matrix {

template <class Input, bool Sync, bool Async>
struct input_row {
  using type = Input;
  static constexpr bool sync = Sync, async = Async;
};

constexpr auto inputs =
    hana::tuple_t<input_row<generator<int>, true, false>, input_row<std::vector<int>&, true, false>,
                  input_row<async_generator<int>, false, true>,
                  input_row<async_generator<int>&, false, true>,
                  input_row<decltype(dual_numbers(1)), true, true>>;

inline constexpr auto plus_one = [](auto&& x) { return x + 1; };
inline constexpr auto is_odd = [](const auto& x) { return x % 2 != 0; };
inline constexpr auto later = [](int x) -> task<int> { co_return x; };

// (adaptor, keeps the protocol?) — then and merge are async whatever the input.
constexpr auto adaptors = hana::make_tuple(
    hana::make_pair([](auto&& r) { return FWD(r) | views::transform(plus_one); }, hana::true_c),
    hana::make_pair([](auto&& r) { return FWD(r) | views::filter(is_odd); }, hana::true_c),
    hana::make_pair([](auto&& r) { return FWD(r) | views::take(2); }, hana::true_c),
    hana::make_pair([](auto&& r) { return FWD(r) | views::take_while(is_odd); }, hana::true_c),
    hana::make_pair([](auto&& r) { return FWD(r) | views::drop(2); }, hana::true_c),
    hana::make_pair([](auto&& r) { return FWD(r) | views::drop_while(is_odd); }, hana::true_c),
    hana::make_pair([](auto&& r) { return FWD(r) | views::enumerate; }, hana::true_c),
    hana::make_pair([](auto&& r) { return views::zip(FWD(r), ten_to_sixty); }, hana::true_c),
    hana::make_pair([](auto&& r) { return views::chain(ten_to_sixty, FWD(r)); }, hana::true_c),
    hana::make_pair([](auto&& r) { return FWD(r) | views::chunk(2); }, hana::true_c),
    hana::make_pair([](auto&& r) { return FWD(r) | views::then(later); }, hana::false_c),
    hana::make_pair([](auto&& r) { return views::merge(FWD(r), async_numbers(1)); },
                    hana::false_c));

constexpr bool matrix_holds = [] {
  hana::for_each(hana::cartesian_product(hana::make_tuple(adaptors, inputs)), [](auto cell) {
    auto adaptor = hana::first(hana::at_c<0>(cell));
    constexpr bool keeps = std::remove_cvref_t<decltype(hana::second(hana::at_c<0>(cell)))>::value;
    using row = typename decltype(+hana::at_c<1>(cell))::type;
    using view = decltype(adaptor(std::declval<typename row::type>()));
    (void)adaptor;
    static_assert(SyncIterable<view> == (keeps && row::sync), "the view's sync side is wrong");
    static_assert(AsyncIterable<view> == (!keeps || row::async), "the view's async side is wrong");
    static_assert(DualIterable<view> == (keeps && row::sync && row::async),
                  "a dual input must give a dual view");
  });
  return true;
}();
static_assert(matrix_holds);
static_assert(hana::length(adaptors) * hana::length(inputs) == hana::size_c<60>);

// zip and chain of mixed inputs: async if any is only async, dual if all are dual.
using vec = std::vector<int>&;
using agen = async_generator<int>&;
using dualv = decltype(dual_numbers(1))&;
static_assert(SyncIterable<decltype(views::zip(std::declval<vec>(), std::declval<vec>()))>);
static_assert(!AsyncIterable<decltype(views::zip(std::declval<vec>(), std::declval<vec>()))>);
static_assert(!SyncIterable<decltype(views::zip(std::declval<dualv>(), std::declval<agen>()))>);
static_assert(AsyncIterable<decltype(views::zip(std::declval<dualv>(), std::declval<agen>()))>);
static_assert(DualIterable<decltype(views::chain(std::declval<dualv>(), std::declval<dualv>()))>);
static_assert(AsyncIterable<decltype(views::chain(std::declval<vec>(), std::declval<agen>()))>);

}  // namespace protocol_matrix

// ---------------------------------------------------------------------------------------------
// Elements: references without copies, move-only elements
// ---------------------------------------------------------------------------------------------

TEST(views, hand_out_the_sources_own_elements_without_copying_on_both_sides) {
  std::vector<std::string> words{"a", "bb", "ccc", "dddd"};
  auto longer_than_one = [](const std::string& s) { return s.size() > 1; };
  auto itself = [](std::string& s) -> std::string& { return s; };
  auto v = dual(words) | views::transform(itself) | views::filter(longer_than_one) |
           views::drop(1) | views::take(2) | views::take_while(longer_than_one) |
           views::drop_while([](const std::string& s) { return s.empty(); });
  static_assert(DualIterable<decltype(v)>);
  static_assert(std::same_as<dualiter::sync_reference_t<decltype(v)>, std::string&>);
  static_assert(std::same_as<dualiter::async_reference_t<decltype(v)>, std::string&>);
  std::vector<const std::string*> sync_seen, async_seen;
  for (std::string& s : v) sync_seen.push_back(&s);
  sync_wait([&]() -> task<> {
    auto it = dualiter::aiter(v);
    while (auto x = co_await dualiter::anext(it)) async_seen.push_back(&*x);
  }());
  EXPECT_EQ(sync_seen, (std::vector<const std::string*>{&words[2], &words[3]}));
  EXPECT_EQ(async_seen, sync_seen);
}

TEST(views, enumerate_zip_and_chain_refer_to_lvalue_elements) {
  std::vector<std::string> words{"a", "bb"};
  auto both = dual(words);
  for (auto [i, s] : both | views::enumerate) EXPECT_EQ(&s, &words[i]);
  auto zipped = views::zip(both, both);
  sync_wait([&]() -> task<> {
    auto it = dualiter::aiter(zipped);
    std::size_t i = 0;
    while (auto x = co_await dualiter::anext(it)) {
      auto& [left, right] = *x;
      EXPECT_EQ(&left, &words[i]);
      EXPECT_EQ(&right, &words[i]);
      ++i;
    }
    EXPECT_EQ(i, 2u);
  }());
  auto chained = views::chain(both, both);
  std::vector<const std::string*> seen;
  for (std::string& s : chained) seen.push_back(&s);
  EXPECT_EQ(seen, (std::vector<const std::string*>{&words[0], &words[1], &words[0], &words[1]}));
}

namespace {
async_generator<std::unique_ptr<int>> async_boxes(int n) {
  for (int i = 1; i <= n; ++i) co_yield std::make_unique<int>(i);
}
generator<std::unique_ptr<int>> sync_boxes(int n) {
  for (int i = 1; i <= n; ++i) co_yield std::make_unique<int>(i);
}
}  // namespace

TEST(views, move_only_elements_pass_through_and_can_be_moved_out) {
  auto not_two = [](const std::unique_ptr<int>& p) { return *p != 2; };
  std::vector<int> sync_got;
  for (auto&& box : sync_boxes(5) | views::filter(not_two) | views::drop(1) | views::take(2)) {
    std::unique_ptr<int> mine = std::move(box);
    sync_got.push_back(*mine);
  }
  EXPECT_EQ(sync_got, (std::vector<int>{3, 4}));
  auto g = async_boxes(5) | views::filter(not_two) | views::drop(1) | views::take(2);
  auto async_got = sync_wait([&]() -> task<std::vector<int>> {
    std::vector<int> out;
    auto it = dualiter::aiter(g);
    while (auto x = co_await dualiter::anext(it)) {
      std::unique_ptr<int> mine = std::move(*x);
      out.push_back(*mine);
    }
    co_return out;
  }());
  EXPECT_EQ(async_got, sync_got);
}

TEST(views, zip_enumerate_and_chunk_move_rvalue_elements_into_what_they_hand_out) {
  auto pairs = views::zip(async_boxes(2), async_boxes(3)) | views::enumerate;
  auto sums = sync_wait([&]() -> task<std::vector<int>> {
    std::vector<int> out;
    auto it = dualiter::aiter(pairs);
    while (auto x = co_await dualiter::anext(it)) {
      auto& [i, boxes] = *x;
      auto& [a, b] = boxes;
      std::unique_ptr<int> mine = std::move(a);
      out.push_back(static_cast<int>(i) * 100 + *mine + *b);
    }
    co_return out;
  }());
  EXPECT_EQ(sums, (std::vector<int>{2, 104}));
  std::vector<std::size_t> sizes;
  for (auto& chunk : sync_boxes(5) | views::chunk(2)) {
    std::vector<std::unique_ptr<int>> mine = std::move(chunk);
    sizes.push_back(mine.size());
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{2, 2, 1}));
}

// ---------------------------------------------------------------------------------------------
// Exceptions reach the ++ or anext that ran into them
// ---------------------------------------------------------------------------------------------

namespace {
struct boom : std::runtime_error {
  boom() : std::runtime_error("boom") {}
};

// The callables of every adaptor that takes one, each throwing at the element 3.
auto throw_at_three(int x) {
  if (x == 3) throw boom();
  return x;
}
auto throwing_adaptors() {
  return std::tuple(
      [](auto&& r) { return FWD(r) | views::transform(throw_at_three); },
      [](auto&& r) { return FWD(r) | views::filter([](int x) { return throw_at_three(x) > 0; }); },
      [](auto&& r) {
        return FWD(r) | views::take_while([](int x) { return throw_at_three(x) > 0; });
      },
      [](auto&& r) {
        return FWD(r) | views::drop_while([](int x) { return throw_at_three(x) < 3; });
      });
}

// Pulls until an exception, counting elements: they must be exactly 1 and 2.
template <class R>
int sync_elements_before_exception(R&& r) {
  int seen = 0;
  try {
    for (auto&& x : r) {
      EXPECT_EQ(static_cast<int>(x), ++seen);
    }
  } catch (const boom&) {
    return seen;
  }
  return -1;
}
template <class R>
int async_elements_before_exception(R& r) {
  return sync_wait([&]() -> task<int> {
    int seen = 0;
    auto it = dualiter::aiter(r);
    try {
      while (auto x = co_await dualiter::anext(it)) {
        EXPECT_EQ(static_cast<int>(*x), ++seen);
      }
    } catch (const boom&) {
      co_return seen;
    }
    co_return -1;
  }());
}
}  // namespace

namespace {
template <class Adapt>
void check_elements_before_exception(Adapt adapt, int expected) {
  EXPECT_EQ(sync_elements_before_exception(adapt(sync_numbers(5))), expected) << "sync";
  EXPECT_EQ(sync_elements_before_exception(adapt(dual_numbers(5))), expected) << "dual, sync";
  auto a = adapt(async_numbers(5));
  EXPECT_EQ(async_elements_before_exception(a), expected) << "async";
  auto d = adapt(dual_numbers(5));
  EXPECT_EQ(async_elements_before_exception(d), expected) << "dual, async";
}
}  // namespace

TEST(views, an_exception_from_f_or_a_predicate_reaches_the_step_that_ran_it) {
  auto [transform, filter, take_while, drop_while] = throwing_adaptors();
  check_elements_before_exception(transform, 2);
  check_elements_before_exception(filter, 2);
  check_elements_before_exception(take_while, 2);
  // drop_while's predicate throws while dropping 1 and 2, so nothing is handed out.
  check_elements_before_exception(drop_while, 0);
}

TEST(views, an_exception_from_the_source_goes_through_every_adaptor) {
  auto failing = []() -> async_generator<int> {
    co_yield 1;
    co_yield 2;
    throw boom();
  };
  auto identity = [](int x) { return x; };
  auto yes = [](int) { return true; };
  auto no = [](int) { return false; };
  auto later_id = [](int x) -> task<int> { co_return x; };
  auto with = [&](auto v) { EXPECT_EQ(async_elements_before_exception(v), 2); };
  with(failing() | views::transform(identity));
  with(failing() | views::filter(yes));
  with(failing() | views::take(10));
  with(failing() | views::take_while(yes));
  with(failing() | views::drop_while(no));
  with(failing() | views::then(later_id));
  with(views::chain(failing(), async_numbers(3)));
  with(views::zip(failing(), sync_numbers(5)) |
       views::transform([](auto t) { return std::get<0>(t); }));
  with(failing() | views::enumerate | views::transform([](auto& p) { return std::get<1>(p); }));
  auto chunks = failing() | views::chunk(1) | views::transform([](auto& v) { return v[0]; });
  with(std::move(chunks));
  auto dropped = failing() | views::drop(1) | views::transform([](int x) { return x - 1; });
  EXPECT_EQ(async_elements_before_exception(dropped), 1);
}

// ---------------------------------------------------------------------------------------------
// The anext rules, with a source that suspends for real
// ---------------------------------------------------------------------------------------------

namespace {
// 1..n, each after a wait the test ends by resuming the spot.
async_generator<int> parked_numbers(parking_spot& spot, int n, int* live = nullptr) {
  std::optional<lifetime_counter> guard;
  if (live) guard.emplace(live);
  for (int i = 1; i <= n; ++i) {
    co_await spot.wait();
    co_yield i;
  }
}

// Every async adaptor but merge (which needs a loop), over a parked source.
auto all_adaptors() {
  return std::tuple(
      [](auto&& r) { return FWD(r) | views::transform([](int x) { return x; }); },
      [](auto&& r) { return FWD(r) | views::filter(odd); },
      [](auto&& r) { return FWD(r) | views::take(5); },
      [](auto&& r) { return FWD(r) | views::take_while([](int) { return true; }); },
      [](auto&& r) { return FWD(r) | views::drop(1); },
      [](auto&& r) { return FWD(r) | views::drop_while([](int x) { return x < 2; }); },
      [](auto&& r) { return FWD(r) | views::enumerate; },
      [](auto&& r) { return views::zip(FWD(r), ten_to_sixty); },
      [](auto&& r) { return views::chain(FWD(r), ten_to_sixty); },
      [](auto&& r) { return FWD(r) | views::chunk(2); },
      [](auto&& r) { return FWD(r) | views::then([](int x) -> task<int> { co_return x; }); });
}
}  // namespace

TEST(views, a_second_anext_while_one_is_pending_throws_already_running) {
  std::apply(
      [](auto... adapt) {
        auto check = [](auto adapt_one) {
          parking_spot spot;
          auto v = adapt_one(parked_numbers(spot, 4));
          auto it = dualiter::aiter(v);
          bool got_first = false, refused = false;
          auto first = spawn([&]() -> task<> { got_first = bool(co_await dualiter::anext(it)); });
          auto second = spawn([&]() -> task<> {
            try {
              co_await dualiter::anext(it);
            } catch (const dualiter::already_running&) {
              refused = true;
            }
          });
          EXPECT_TRUE(refused);
          EXPECT_TRUE(second.done());
          while (spot.occupied() && !first.done()) spot.resume();
          EXPECT_TRUE(first.done());
          EXPECT_TRUE(got_first);
        };
        (check(adapt), ...);
      },
      all_adaptors());
}

TEST(views, every_adaptor_works_across_real_suspensions_and_leaks_nothing_when_abandoned) {
  std::apply(
      [](auto... adapt) {
        auto check = [](auto adapt_one) {
          int live = 0;
          parking_spot spot;
          // Run to the end, resuming the source whenever it waits.
          std::size_t elements = 0;
          {
            auto v = adapt_one(parked_numbers(spot, 6, &live));
            auto consumer = spawn([&]() -> task<> {
              auto it = dualiter::aiter(v);
              while (co_await dualiter::anext(it)) ++elements;
              EXPECT_FALSE(co_await dualiter::anext(it)) << "after the end it stays empty";
            });
            while (!consumer.done()) {
              ASSERT_TRUE(spot.occupied());
              spot.resume();
            }
            EXPECT_FALSE(consumer.error());
          }
          EXPECT_GT(elements, 0u);
          EXPECT_EQ(live, 0);
          // Abandon the consumer at every wait: the view and the source's frame go with it.
          for (int waits = 1; waits <= 6; ++waits) {
            auto v = adapt_one(parked_numbers(spot, 6, &live));
            auto consumer = spawn([&]() -> task<> {
              auto it = dualiter::aiter(v);
              while (co_await dualiter::anext(it)) {
              }
            });
            for (int k = 1; k < waits && spot.occupied(); ++k) spot.resume();
            if (!consumer.done()) consumer.abandon();
          }
          EXPECT_EQ(live, 0);
        };
        (check(adapt), ...);
      },
      all_adaptors());
}

TEST(views, filter_drops_elements_that_arrive_after_real_suspensions) {
  parking_spot spot;
  auto v = parked_numbers(spot, 7) | views::filter(odd) | views::transform([](int x) {
             if (x == 7) throw boom();
             return x * 10;
           });
  std::vector<int> got;
  bool failed = false;
  auto consumer = spawn([&]() -> task<> {
    auto it = dualiter::aiter(v);
    try {
      while (auto x = co_await dualiter::anext(it)) got.push_back(*x);
    } catch (const boom&) {
      failed = true;
    }
  });
  while (!consumer.done()) spot.resume();
  EXPECT_EQ(got, (std::vector<int>{10, 30, 50}));
  EXPECT_TRUE(failed) << "the exception from f, after a real suspension, reaches the consumer";
}

TEST(views, a_predicate_that_throws_after_a_real_suspension_reaches_the_consumer) {
  parking_spot spot;
  auto v = parked_numbers(spot, 5) | views::filter([](int x) { return throw_at_three(x) > 1; });
  std::vector<int> got;
  bool failed = false;
  auto consumer = spawn([&]() -> task<> {
    auto it = dualiter::aiter(v);
    try {
      while (auto x = co_await dualiter::anext(it)) got.push_back(*x);
    } catch (const boom&) {
      failed = true;
    }
  });
  while (!consumer.done()) spot.resume();
  EXPECT_EQ(got, (std::vector<int>{2}));
  EXPECT_TRUE(failed);
}

// ---------------------------------------------------------------------------------------------
// Early stop, counts, endless sources, cost
// ---------------------------------------------------------------------------------------------

TEST(views, take_stops_pulling_after_n_on_both_sides) {
  int produced = 0;
  auto sync_source = [&]() -> generator<int> {
    for (int i = 1;; ++i) {
      ++produced;
      co_yield i;
    }
  };
  EXPECT_EQ(sync_values(*std::make_unique<decltype(sync_source() | views::take(3))>(
                sync_source() | views::take(3))),
            (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(produced, 3);
  produced = 0;
  auto async_source = [&]() -> async_generator<int> {
    for (int i = 1;; ++i) {
      ++produced;
      co_yield i;
    }
  };
  auto a = async_source() | views::take(3);
  EXPECT_EQ(async_values(a), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(produced, 3);
  produced = 0;
  auto none = async_source() | views::take(0);
  EXPECT_EQ(async_values(none), std::vector<int>{});
  EXPECT_EQ(produced, 0) << "take(0) never asks the source";
  produced = 0;
  auto chunks = sync_source() | views::chunk(2) | views::take(2);
  EXPECT_EQ(sync_values(chunks).size(), 2u);
  EXPECT_EQ(produced, 4) << "a chunk pulls exactly its own elements";
}

TEST(views, counts_are_checked_negative_ones_throw) {
  EXPECT_THROW(views::take(-1), std::invalid_argument);
  EXPECT_THROW((void)views::drop(async_numbers(3), -2), std::invalid_argument);
  EXPECT_THROW(views::chunk(0), std::invalid_argument);
  EXPECT_THROW(views::chunk(-3), std::invalid_argument);
  EXPECT_THROW(views::chunk(0u), std::invalid_argument);
  auto huge = async_numbers(3) | views::take(std::numeric_limits<std::size_t>::max());
  EXPECT_EQ(async_values(huge), (std::vector<int>{1, 2, 3}));
  auto huge_drop = sync_numbers(3) | views::drop(std::numeric_limits<long long>::max());
  EXPECT_EQ(sync_values(huge_drop), std::vector<int>{});
}

TEST(views, ten_million_filtered_out_elements_keep_the_stack_flat) {
  dualiter::testing::stack_extent probe;
  auto numbers = [](dualiter::testing::stack_extent& p) -> async_generator<int> {
    for (int i = 0; i < 10'000'000; ++i) {
      if (i % 1024 == 0) p.note();
      co_yield i;
    }
  };
  auto last = [&]() -> task<int> {
    auto v = numbers(probe) | views::filter([](int x) { return x == 9'999'999; }) |
             views::transform([](int x) { return x; }) |
             views::drop_while([](int) { return false; });
    auto it = dualiter::aiter(v);
    int found = -1;
    while (auto x = co_await dualiter::anext(it)) found = *x;
    co_return found;
  };
  EXPECT_EQ(sync_wait(last()), 9'999'999);
  EXPECT_LT(probe.bytes(), 4096u);
}

TEST(views, elements_computed_from_a_result_that_owns_its_element_stay_valid) {
  // transform's results own their values; enumerate and drop downstream must not refer to a
  // result that is gone (AddressSanitizer reports it if they do).
  auto v = async_numbers(4) | views::transform([](int x) { return std::to_string(x); }) |
           views::filter([](const std::string& s) { return s != "2"; }) | views::enumerate |
           views::drop(1) | views::transform([](auto& p) { return std::get<1>(p) + "!"; });
  EXPECT_EQ(async_values(v), (std::vector<std::string>{"3!", "4!"}));
}

TEST(views, a_pipeline_allocates_nothing_per_element) {
  auto sum = []() -> task<long> {
    auto v = async_numbers(10'000) | views::transform([](int x) { return x * 2; }) |
             views::filter([](int x) { return x % 3 != 0; }) | views::take(5'000) |
             views::enumerate | views::drop(1);
    auto it = dualiter::aiter(v);
    long total = 0;
    while (auto x = co_await dualiter::anext(it)) total += std::get<1>(*x);
    co_return total;
  };
  auto t = sum();
  dualiter::testing::allocation_scope scope;
  EXPECT_EQ(sync_wait(std::move(t)), 37'499'998L);
  EXPECT_LE(scope.count(), 4) << "the generator's frame, two loop stubs and sync_wait's driver";
}

// ---------------------------------------------------------------------------------------------
// then and merge
// ---------------------------------------------------------------------------------------------

namespace {
// Yields tag*10 + 1, tag*10 + 2, ... each after its delay from `delays`.
async_generator<int> timed(int tag, std::vector<int> delays, int* live = nullptr,
                           std::vector<std::string>* log = nullptr) {
  std::optional<lifetime_counter> guard;
  if (live) guard.emplace(live);
  int i = 0;
  for (int delay : delays) {
    co_await dualiter::sleep_for(std::chrono::milliseconds(delay));
    if (log) log->push_back("produce " + std::to_string(tag * 10 + i + 1));
    co_yield tag * 10 + ++i;
  }
}
}  // namespace

TEST(views, then_awaits_f_for_every_element_in_order) {
  std::vector<std::string> log;
  auto slow_square = [&](int x) -> task<int> {
    log.push_back("start " + std::to_string(x));
    co_await dualiter::sleep_for(std::chrono::milliseconds(4 - x));
    co_return x* x;
  };
  auto v = async_numbers(3) | views::then(slow_square);
  EXPECT_EQ(dualiter::run(dualiter::to_vector(v)), (std::vector<int>{1, 4, 9}));
  EXPECT_EQ(log, (std::vector<std::string>{"start 1", "start 2", "start 3"}));
  auto failing = sync_numbers(3) | views::then([](int x) -> task<int> {
                   if (x == 2) throw boom();
                   co_return x;
                 });
  EXPECT_EQ(async_elements_before_exception(failing), 1);
}

TEST(views, merge_gives_elements_in_arrival_order) {
  auto m = views::merge(timed(1, {10, 20}), timed(2, {15, 10}));
  static_assert(AsyncIterable<decltype(m)> && !SyncIterable<decltype(m)>);
  EXPECT_EQ(dualiter::run(dualiter::to_vector(m)), (std::vector<int>{11, 21, 22, 12}));
}

TEST(views, merge_runs_the_sources_concurrently) {
  auto m = views::merge(timed(1, {30, 30}), timed(2, {30, 30}), timed(3, {30, 30}));
  const auto start = std::chrono::steady_clock::now();
  auto got = dualiter::run(dualiter::to_vector(m));
  const auto took = std::chrono::steady_clock::now() - start;
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{11, 12, 21, 22, 31, 32}));
  EXPECT_LT(took, 150ms) << "three sources of 60 ms each, run one after another, take 180 ms";
}

TEST(views, merge_lets_no_source_run_ahead_of_the_consumer) {
  std::vector<std::string> log;
  auto m = views::merge(timed(1, {0, 0, 0}, nullptr, &log));
  dualiter::run([&]() -> task<> {
    auto it = dualiter::aiter(m);
    while (auto x = co_await dualiter::anext(it)) log.push_back("got " + std::to_string(*x));
  }());
  EXPECT_EQ(log, (std::vector<std::string>{"produce 11", "got 11", "produce 12", "got 12",
                                           "produce 13", "got 13"}));
}

TEST(views, merge_of_sync_and_empty_sources_and_references) {
  std::vector<int> a{1, 2}, b{3};
  auto m = views::merge(a, b, std::vector<int>{}, async_numbers(0));
  auto got = dualiter::run(dualiter::to_vector(m));
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
  auto refs = views::merge(a, b);
  static_assert(std::same_as<dualiter::async_reference_t<decltype(refs)>, int&>);
  dualiter::run([&]() -> task<> {
    auto it = dualiter::aiter(refs);
    while (auto x = co_await dualiter::anext(it)) {
      EXPECT_TRUE(&*x == &a[0] || &*x == &a[1] || &*x == &b[0]);
    }
  }());
}

TEST(views, merge_ends_with_the_first_exception_and_destroys_the_other_sources_then) {
  int live = 0;
  auto failing = []() -> async_generator<int> {
    co_yield 1;
    co_await dualiter::sleep_for(5ms);
    throw boom();
  };
  auto m = views::merge(failing(), timed(2, {1000, 1000}, &live));
  const auto start = std::chrono::steady_clock::now();
  dualiter::run([&]() -> task<> {
    auto it = dualiter::aiter(m);
    EXPECT_EQ(*co_await dualiter::anext(it), 1);
    EXPECT_EQ(live, 1);
    EXPECT_THROW(co_await dualiter::anext(it), boom);
    EXPECT_EQ(live, 0) << "the other source is destroyed when the merge fails, not later";
    EXPECT_FALSE(co_await dualiter::anext(it)) << "after the exception the merge is over";
  }());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms) << "nothing waits for the sleeper";
}

TEST(views, merge_abandoned_after_any_number_of_elements_destroys_every_source) {
  int live = 0;
  for (std::size_t k = 0; k <= 6; ++k) {
    {
      auto m = views::merge(timed(1, {1, 3, 1}, &live), timed(2, {2, 0, 2}, &live),
                            async_numbers(-1) | views::take(0));
      dualiter::run([&]() -> task<> {
        auto it = dualiter::aiter(m);
        for (std::size_t i = 0; i < k; ++i) EXPECT_TRUE(co_await dualiter::anext(it));
      }());
    }
    EXPECT_EQ(live, 0) << "after " << k << " elements";
  }
}

TEST(views, merge_refuses_a_second_anext_and_a_missing_loop) {
  auto m = views::merge(timed(1, {5}));
  dualiter::run([&]() -> task<> {
    auto it = dualiter::aiter(m);
    int got = 0;
    auto first = spawn([&]() -> task<> { got = *co_await dualiter::anext(it); });
    EXPECT_THROW(co_await dualiter::anext(it), dualiter::already_running);
    co_await dualiter::sleep_for(20ms);
    EXPECT_TRUE(first.done());
    EXPECT_EQ(got, 11);
  }());
  auto unlooped = views::merge(async_numbers(2));
  EXPECT_THROW(sync_wait(dualiter::to_vector(unlooped)), dualiter::no_running_event_loop);
}

// ---------------------------------------------------------------------------------------------
// Other libraries' async sequences: the next() shape, and async_iterable_traits
// ---------------------------------------------------------------------------------------------

namespace foreign {
// An awaiter ready at once: the foreign library's own, knowing nothing of dualiter.
template <class T>
struct ready {
  T value;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  T await_resume() { return std::move(value); }
};

// folly::coro-like: `co_await r.next()` gives an optional, empty at the end. No aiter anywhere.
struct next_sequence {
  int left;
  ready<std::optional<int>> next() {
    if (left == 0) return {std::nullopt};
    return {left--};
  }
};

// Resumed with async_resume() instead, like Asio's experimental::coro: adapted through
// dualiter::async_iterable_traits, with no name added to this namespace.
struct resumable {
  int left;
  ready<std::optional<int>> async_resume() {
    if (left == 0) return {std::nullopt};
    return {left--};
  }
};
}  // namespace foreign

namespace foreign {
// cppcoro-like: `co_await r.begin()` gives an iterator, `co_await ++it` advances it, `it ==
// r.end()` is the end. Each step really suspends (and resumes at once) when `suspends` is set,
// so the shape is driven through await_suspend as well as await_ready.
struct step {
  bool suspends;
  bool await_ready() const noexcept { return !suspends; }
  bool await_suspend(std::coroutine_handle<>) const noexcept { return false; }
  void await_resume() const noexcept {}
};

template <class Element>
struct begin_sequence {
  struct iterator {
    begin_sequence* s;
    int at;
    struct increment {
      iterator* it;
      bool await_ready() const noexcept { return !it->s->suspends; }
      // Resumed before await_suspend returns, as a generator transferring to its producer and
      // straight back does: the hardest case for whoever passed the handle.
      void await_suspend(std::coroutine_handle<> h) const { h.resume(); }
      iterator& await_resume() const {
        if (++it->at == it->s->throw_at) throw std::runtime_error("sequence failed");
        ++it->s->increments;
        return *it;
      }
    };
    increment operator++() { return {this}; }
    Element operator*() const {
      if constexpr (std::is_reference_v<Element>) {
        return s->items[static_cast<std::size_t>(at)];
      } else {
        return Element(s->items[static_cast<std::size_t>(at)]);
      }
    }
    bool operator==(const iterator& other) const noexcept { return at == other.at; }
  };
  struct begin_op {
    begin_sequence* s;
    bool await_ready() const noexcept { return !s->suspends; }
    void await_suspend(std::coroutine_handle<> h) const { h.resume(); }  // a foreign engine
    iterator await_resume() const {
      if (s->throw_at == 0) throw std::runtime_error("sequence failed");
      return {s, 0};
    }
  };

  std::vector<int> items;
  bool suspends = false;
  int throw_at = -1;
  int increments = 0;
  begin_op begin() { return {this}; }
  iterator end() { return {this, static_cast<int>(items.size())}; }
};

// begin() is awaitable, but its iterator is a plain one: no awaitable ++.
struct begin_without_awaitable_increment {
  struct iterator {
    int operator*() const { return 0; }
    iterator& operator++() { return *this; }
    bool operator==(const iterator&) const = default;
  };
  ready<iterator> begin() { return {iterator{}}; }
  iterator end() { return {}; }
};
}  // namespace foreign

static_assert(AsyncIterable<foreign::begin_sequence<int&>> &&
              !SyncIterable<foreign::begin_sequence<int&>>);
static_assert(std::same_as<dualiter::async_reference_t<foreign::begin_sequence<int&>>, int&>);
static_assert(std::same_as<dualiter::async_reference_t<foreign::begin_sequence<int>>, int&&>,
              "a value from *it is kept by the iterator and handed out to be moved from");
static_assert(!AsyncIterable<foreign::begin_without_awaitable_increment>);
static_assert(!dualiter::protocol::begin_iterator_increment_is_awaitable<
              foreign::begin_without_awaitable_increment>);

TEST(foreign_sequences, the_begin_shape_is_async_iterable_without_wrappers) {
  for (bool suspends : {false, true}) {
    dualiter::testing::check_async_iterable_laws(
        [&] { return foreign::begin_sequence<int&>{{1, 2, 3}, suspends}; },
        std::vector<int>{1, 2, 3});
    dualiter::testing::check_async_iterable_laws(
        [&] { return foreign::begin_sequence<int>{{4, 5}, suspends}; }, std::vector<int>{4, 5});
    dualiter::testing::check_async_iterable_laws(
        [&] { return foreign::begin_sequence<int&>{{}, suspends}; }, std::vector<int>{});
  }
  foreign::begin_sequence<int&> s{{1, 2, 3, 4, 5}, true};
  auto v = s | views::filter(odd) | views::transform([](int x) { return x * 10; });
  EXPECT_EQ(async_values(v), (std::vector<int>{10, 30, 50}));
  std::vector<int> seen;
  sync_wait(
      dualiter::for_each(foreign::begin_sequence<int>{{7, 8}}, [&](int x) { seen.push_back(x); }));
  EXPECT_EQ(seen, (std::vector<int>{7, 8}));
}

TEST(foreign_sequences, a_foreign_source_resuming_at_once_costs_no_stack_per_dropped_element) {
  // A million elements dropped one after another by filter, each handed over by a resumption
  // inside the source's await_suspend: nested, that would overflow the stack at -O0.
  foreign::begin_sequence<int&> s{std::vector<int>(1'000'000, 2), true};
  s.items[500'000] = 3;
  s.items.back() = 5;
  auto v = s | views::filter(odd) | views::drop_while([](int x) { return x < 4; });
  EXPECT_EQ(async_values(v), (std::vector<int>{5}));
}

TEST(foreign_sequences, the_begin_shape_hands_out_references_into_the_sequence) {
  foreign::begin_sequence<int&> s{{1, 2}};
  sync_wait([](foreign::begin_sequence<int&>& s) -> dualiter::task<> {
    auto it = dualiter::aiter(s);
    auto x = co_await dualiter::anext(it);
    *x = 10;  // writes through to the sequence's own element
  }(s));
  EXPECT_EQ(s.items[0], 10);
}

TEST(foreign_sequences, the_begin_shape_stops_at_an_exception_and_never_advances_again) {
  for (int throw_at : {0, 2}) {
    foreign::begin_sequence<int> s{{1, 2, 3}, false, throw_at};
    auto [before, error, after_error] = sync_wait(
        [](foreign::begin_sequence<int>& s) -> dualiter::task<std::tuple<int, bool, bool>> {
          auto it = dualiter::aiter(s);
          int before = 0;
          bool threw = false;
          try {
            while (co_await dualiter::anext(it)) ++before;
          } catch (const std::runtime_error&) {
            threw = true;
          }
          bool empty_after = !(co_await dualiter::anext(it)) && !(co_await dualiter::anext(it));
          co_return std::tuple{before, threw, empty_after};
        }(s));
    EXPECT_EQ(before, throw_at) << "elements before the failure";
    EXPECT_TRUE(error);
    EXPECT_TRUE(after_error) << "after an exception the iterator stays empty";
    EXPECT_EQ(s.increments, throw_at == 0 ? 0 : throw_at - 1)
        << "the sequence is not advanced after it failed";
  }
}

template <>
struct dualiter::async_iterable_traits<foreign::resumable> {
  struct iterator {
    foreign::resumable* r;
    auto anext() { return r->async_resume(); }
  };
  static iterator aiter(foreign::resumable& r) { return {&r}; }
};

static_assert(AsyncIterable<foreign::next_sequence> && !SyncIterable<foreign::next_sequence>);
static_assert(AsyncIterable<foreign::resumable>);
static_assert(!AsyncIterable<std::vector<int>> && !AsyncIterable<generator<int>>,
              "sync sequences stay sync only");

TEST(foreign_sequences, the_next_shape_is_async_iterable_without_wrappers) {
  dualiter::testing::check_async_iterable_laws([] { return foreign::next_sequence{3}; },
                                               std::vector<int>{3, 2, 1});
  foreign::next_sequence s{4};
  auto v = s | views::filter(odd) | views::transform([](int x) { return x * 10; });
  EXPECT_EQ(async_values(v), (std::vector<int>{30, 10}));
  std::vector<int> seen;
  sync_wait(dualiter::for_each(foreign::next_sequence{2}, [&](int x) { seen.push_back(x); }));
  EXPECT_EQ(seen, (std::vector<int>{2, 1}));
}

TEST(foreign_sequences, async_iterable_traits_adapt_any_other_shape) {
  dualiter::testing::check_async_iterable_laws([] { return foreign::resumable{3}; },
                                               std::vector<int>{3, 2, 1});
  foreign::resumable r{3};
  auto v = views::zip(r, ten_to_sixty);
  EXPECT_EQ(async_values(v).size(), 3u);
}

namespace {
// Each level forwards every element of the level below, so one anext nests `depth` levels.
dualiter::async_generator<int> forwarding_chain(int depth) {
  if (depth == 0) {
    for (int i = 1; i <= 6; ++i) co_yield i;
    co_return;
  }
  auto below = forwarding_chain(depth - 1);
  auto it = dualiter::aiter(below);
  while (auto x = co_await dualiter::anext(it)) co_yield *x;
}
}  // namespace

TEST(views, a_view_over_a_source_nested_past_the_inline_bound_hands_every_element_over) {
  // The source's chain is cut at the depth bound below the view's stand-in: either a base above
  // the consumer (under sync_wait the consumer runs inline) or the view itself (on the loop,
  // after a yield, the consumer does not) trampolines it, and the view goes on.
  const int depth = 2 * static_cast<int>(dualiter::detail::max_inline_depth) + 5;
  auto odd_doubled = [](auto&& source) {
    return std::forward<decltype(source)>(source) |
           dualiter::views::filter([](int x) { return x % 2 == 1; }) |
           dualiter::views::transform([](int x) { return 2 * x; });
  };
  EXPECT_EQ(sync_wait(dualiter::to_vector(odd_doubled(forwarding_chain(depth)))),
            (std::vector<int>{2, 6, 10}));
  EXPECT_EQ(dualiter::run([&]() -> dualiter::task<std::vector<int>> {
              auto view = odd_doubled(forwarding_chain(depth));
              auto it = dualiter::aiter(view);
              std::vector<int> got;
              while (true) {
                co_await dualiter::yield_now();  // resumed by the loop: not inline, so the
                                                 // view's stand-in is the top of the chain
                auto x = co_await dualiter::anext(it);
                if (!x) break;
                got.push_back(*x);
              }
              co_return got;
            }()),
            (std::vector<int>{2, 6, 10}));
}

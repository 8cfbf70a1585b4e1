// dualiter::views: every adaptor on sync, async and dual inputs — values, the laws (after the
// end it stays at the end; abandoning at any point destroys everything), references without
// copies, move-only elements, exceptions where they belong, early stop, endless sources — and
// the protocol matrix at compile time.
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <boost/hana.hpp>
#include <gtest/gtest.h>

#include <dualiter/adapters.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>
#include <dualiter/views.hpp>

#include "support/counting_new.hpp"
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
using dualiter::testing::collect_async;
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
  return sync_wait(collect_async(r));
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
  check_adaptor([&](auto&& r) { return views::chain(FWD(r) | views::take(2), tail); },
                {1, 2, 7, 8}, {1, 2, 7});
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

constexpr auto inputs = hana::tuple_t<input_row<generator<int>, true, false>,
                                      input_row<std::vector<int>&, true, false>,
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
    hana::make_pair([](auto&& r) { return views::merge(FWD(r), async_numbers(1)); }, hana::false_c));

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

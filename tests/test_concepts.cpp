// The protocol layer: Awaiter/Awaitable, the aiter/anext customization points, the three
// iteration concepts, their traits, and how overloads on them resolve.
#include <array>
#include <coroutine>
#include <deque>
#include <forward_list>
#include <list>
#include <map>
#include <optional>
#include <ranges>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

// Hana piece by piece: the whole <boost/hana.hpp> brings traits.hpp, which Boost 1.74 wrote
// with std::is_literal_type and std::result_of, gone from C++20 in libc++.
#include <boost/hana/equal.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/integral_constant.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <gtest/gtest.h>

#include <dualiter/concepts.hpp>

namespace hana = boost::hana;
using namespace dualiter;

namespace {

// An awaiter that is ready at once and hands out a fixed result: enough to model anext without
// running a coroutine, so this file tests the protocol layer alone.
template <class Result>
struct ready {
  Result result;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  Result await_resume() const { return result; }
};

// Counts down from `left`: anext gives left, left-1, ..., 1, then empty for ever.
struct countdown_iterator {
  int left;
  ready<std::optional<int>> anext() {
    if (left == 0) return {std::nullopt};
    return {left--};
  }
};

// Member aiter, member anext, std::optional results.
struct member_source {
  int n = 3;
  countdown_iterator aiter() { return {n}; }
};

// aiter usable on a const object too.
struct const_member_source {
  countdown_iterator aiter() const { return {2}; }
};

// A type with begin/end (sync) and aiter (async) over the same ints.
struct dual_source {
  std::vector<int> items{3, 2, 1};
  auto begin() { return items.begin(); }
  auto end() { return items.end(); }
  countdown_iterator aiter() { return {3}; }
};

// Both sides present, but the async side gives long: not DualIterable.
struct mismatched_source {
  std::vector<int> items;
  auto begin() { return items.begin(); }
  auto end() { return items.end(); }
  struct iterator {
    ready<std::optional<long>> anext() { return {std::nullopt}; }
  };
  iterator aiter() { return {}; }
};

}  // namespace

namespace user {
// Free functions found by argument-dependent lookup, as a third-party type would provide.
struct adl_iterator {
  const int* at;
  const int* end;
};
inline ready<const int*> anext(adl_iterator& it) {
  return {it.at == it.end ? nullptr : it.at++};
}

struct adl_source {
  std::array<int, 2> values{7, 8};
};
inline adl_iterator aiter(const adl_source& s) {
  return {s.values.data(), s.values.data() + 2};
}

// Member and free function both exist: the member wins, as with std::ranges::begin.
struct both_source {
  int which = 0;
  countdown_iterator aiter() { return {1}; }
};
inline countdown_iterator aiter(both_source&) {
  return {99};
}
}  // namespace user

namespace {

// A single-pass range, like std::views::istream (which Clang 14 cannot compile against
// libstdc++ 12's view_interface): SyncIterable needs only input iteration.
struct input_only_range {
  std::istream* in;
  struct iterator {
    using value_type = int;
    using difference_type = std::ptrdiff_t;
    input_only_range* source;
    int value = 0;
    int operator*() const { return value; }
    iterator& operator++() {
      if (!(*source->in >> value)) source = nullptr;
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) { return !it.source; }
  };
  iterator begin() { return ++iterator{this}; }
  std::default_sentinel_t end() { return {}; }
};

// Awaitables through operator co_await, member and free.
struct has_member_co_await {
  ready<int> operator co_await() const { return {42}; }
};
struct has_free_co_await {};
ready<long> operator co_await(has_free_co_await) {
  return {7};
}

struct member_co_await_iterator {
  struct next {
    ready<std::optional<int>> operator co_await() const { return {std::nullopt}; }
  };
  next anext() { return {}; }
};
struct co_await_source {
  member_co_await_iterator aiter() { return {}; }
};

// Almost-conforming types: each misses one requirement.
struct no_anext_source {
  struct iterator {};
  iterator aiter() { return {}; }
};
struct anext_not_awaitable_source {
  struct iterator {
    std::optional<int> anext() { return std::nullopt; }
  };
  iterator aiter() { return {}; }
};
struct result_not_optional_like_source {
  struct iterator {
    ready<int> anext() { return {0}; }
  };
  iterator aiter() { return {}; }
};
struct aiter_returns_void_source {
  void aiter() {}
};

struct suspend_returns_handle {
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> h) const noexcept { return h; }
  int await_resume() const noexcept { return 0; }
};
struct suspend_returns_bool {
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<>) const noexcept { return false; }
  void await_resume() const noexcept {}
};
struct suspend_returns_int {
  bool await_ready() const noexcept { return false; }
  int await_suspend(std::coroutine_handle<>) const noexcept { return 0; }
  void await_resume() const noexcept {}
};
struct no_resume {
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
};

// Drains an iterator whose anext awaiters are always ready, without a coroutine.
template <class It>
std::vector<int> drain(It it) {
  std::vector<int> out;
  while (true) {
    auto awaitable = dualiter::anext(it);
    auto result = detail::get_awaiter(awaitable).await_resume();
    if (!result) break;
    out.push_back(static_cast<int>(*result));
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Awaiter and Awaitable
// ---------------------------------------------------------------------------------------------

static_assert(Awaiter<std::suspend_always>);
static_assert(Awaiter<std::suspend_never>);
static_assert(Awaiter<suspend_returns_handle>);
static_assert(Awaiter<suspend_returns_bool>);
static_assert(!Awaiter<suspend_returns_int>, "await_suspend must give void, bool or a handle");
static_assert(!Awaiter<no_resume>);
static_assert(!Awaiter<int>);
static_assert(!Awaiter<has_member_co_await>, "an Awaitable, not itself an Awaiter");

static_assert(Awaitable<std::suspend_always>);
static_assert(Awaitable<has_member_co_await>);
static_assert(Awaitable<has_member_co_await&>);
static_assert(Awaitable<has_free_co_await>);
static_assert(!Awaitable<int>);
static_assert(!Awaitable<std::optional<int>>);

static_assert(std::same_as<await_result_t<std::suspend_always>, void>);
static_assert(std::same_as<await_result_t<suspend_returns_handle>, int>);
static_assert(std::same_as<await_result_t<has_member_co_await>, int>);
static_assert(std::same_as<await_result_t<has_free_co_await>, long>);

static_assert(OptionalLike<std::optional<int>>);
static_assert(OptionalLike<const int*>);
static_assert(!OptionalLike<int>);

TEST(Awaitable, get_awaiter_prefers_operator_co_await_over_the_object_itself) {
  EXPECT_EQ(detail::get_awaiter(has_member_co_await{}).await_resume(), 42);
  EXPECT_EQ(detail::get_awaiter(has_free_co_await{}).await_resume(), 7L);
}

// ---------------------------------------------------------------------------------------------
// The aiter / anext customization points
// ---------------------------------------------------------------------------------------------

TEST(aiter_cpo, calls_member_aiter_and_member_anext) {
  member_source source;
  EXPECT_EQ(drain(dualiter::aiter(source)), (std::vector<int>{3, 2, 1}));
}

TEST(aiter_cpo, finds_free_aiter_and_anext_by_argument_dependent_lookup) {
  user::adl_source source;
  EXPECT_EQ(drain(dualiter::aiter(source)), (std::vector<int>{7, 8}));
}

TEST(aiter_cpo, prefers_the_member_when_a_free_function_also_exists) {
  user::both_source source;
  EXPECT_EQ(drain(dualiter::aiter(source)), (std::vector<int>{1}));
  EXPECT_EQ(drain(user::aiter(source)).size(), 99u) << "the free function exists and differs";
}

TEST(anext_cpo, stays_empty_after_the_end) {
  member_source source{1};
  auto iter = dualiter::aiter(source);
  EXPECT_TRUE(detail::get_awaiter(dualiter::anext(iter)).await_resume());
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(detail::get_awaiter(dualiter::anext(iter)).await_resume());
  }
}

// Like std::ranges::begin: an iterator from a temporary would dangle, so rvalues are refused
// unless the type opts in.
struct borrowed_source {
  countdown_iterator aiter() const { return {1}; }
};
template <>
inline constexpr bool dualiter::enable_borrowed_async_iterable<borrowed_source> = true;

static_assert(std::invocable<decltype(dualiter::aiter), member_source&>);
static_assert(!std::invocable<decltype(dualiter::aiter), member_source>);
static_assert(!std::invocable<decltype(dualiter::aiter), member_source&&>);
static_assert(std::invocable<decltype(dualiter::aiter), borrowed_source>);
static_assert(!std::invocable<decltype(dualiter::aiter), std::vector<int>&>);
static_assert(!std::invocable<decltype(dualiter::anext), int&>);

TEST(aiter_cpo, accepts_a_temporary_of_a_type_that_opts_into_borrowing) {
  EXPECT_EQ(drain(dualiter::aiter(borrowed_source{})), (std::vector<int>{1}));
}

// ---------------------------------------------------------------------------------------------
// AsyncIterator, SyncIterable, AsyncIterable, DualIterable
// ---------------------------------------------------------------------------------------------

static_assert(AsyncIterator<countdown_iterator>);
static_assert(AsyncIterator<user::adl_iterator>);
static_assert(AsyncIterator<member_co_await_iterator>);
static_assert(!AsyncIterator<int>);
static_assert(!AsyncIterator<no_anext_source::iterator>);
static_assert(!AsyncIterator<anext_not_awaitable_source::iterator>);
static_assert(!AsyncIterator<result_not_optional_like_source::iterator>);

static_assert(AsyncIterable<member_source>);
static_assert(AsyncIterable<user::adl_source>);
static_assert(AsyncIterable<co_await_source>);
static_assert(!AsyncIterable<no_anext_source>);
static_assert(!AsyncIterable<anext_not_awaitable_source>);
static_assert(!AsyncIterable<result_not_optional_like_source>);
static_assert(!AsyncIterable<aiter_returns_void_source>);

// cv- and ref-qualifiers as written: R& and R&& both mean "an lvalue of R"; const matters.
static_assert(AsyncIterable<member_source&>);
static_assert(AsyncIterable<member_source&&>);
static_assert(!AsyncIterable<const member_source>, "aiter() is not const");
static_assert(!AsyncIterable<const member_source&>);
static_assert(AsyncIterable<const const_member_source>);
static_assert(AsyncIterable<const const_member_source&>);
static_assert(AsyncIterable<const user::adl_source&>);

static_assert(DualIterable<dual_source>);
static_assert(DualIterable<dual_source&>);
static_assert(SyncIterable<mismatched_source> && AsyncIterable<mismatched_source>);
static_assert(!DualIterable<mismatched_source>, "int on one side, long on the other");

// Traits.
static_assert(std::same_as<async_iterator_t<member_source>, countdown_iterator>);
static_assert(std::same_as<async_iterator_t<user::adl_source&>, user::adl_iterator>);
static_assert(std::same_as<anext_result_t<countdown_iterator>, std::optional<int>>);
static_assert(std::same_as<async_reference_t<member_source>, int&>);
static_assert(std::same_as<async_value_t<member_source>, int>);
static_assert(std::same_as<async_reference_t<user::adl_source>, const int&>);
static_assert(std::same_as<async_value_t<user::adl_source>, int>);
static_assert(std::same_as<async_value_t<co_await_source>, int>);
static_assert(std::same_as<sync_value_t<std::vector<int>>, int>);
static_assert(std::same_as<sync_reference_t<const std::vector<int>>, const int&>);
static_assert(std::same_as<sync_value_t<dual_source>, async_value_t<dual_source>>);

// ---------------------------------------------------------------------------------------------
// The type x concept matrix, written once: every row is (type, sync?, async?, dual?).
// ---------------------------------------------------------------------------------------------

namespace {

template <class T, bool Sync, bool Async, bool Dual>
struct expect_row {
  using type = T;
  static constexpr bool sync = Sync, async = Async, dual = Dual;
};

constexpr auto matrix = hana::tuple_t<
    expect_row<std::vector<int>, true, false, false>,
    expect_row<const std::vector<int>&, true, false, false>,
    expect_row<std::list<std::string>, true, false, false>,
    expect_row<std::forward_list<int>, true, false, false>,
    expect_row<std::deque<double>, true, false, false>,
    expect_row<std::map<int, int>, true, false, false>,
    expect_row<std::set<int>, true, false, false>,
    expect_row<std::unordered_map<int, int>, true, false, false>,
    expect_row<std::string, true, false, false>, expect_row<std::string_view, true, false, false>,
    expect_row<std::array<int, 3>, true, false, false>, expect_row<int[3], true, false, false>,
    expect_row<std::span<const int>, true, false, false>,
    expect_row<input_only_range, true, false, false>,
    expect_row<std::optional<int>, false, false, false>, expect_row<int, false, false, false>,
    expect_row<int*, false, false, false>, expect_row<member_source, false, true, false>,
    expect_row<const member_source, false, false, false>,
    expect_row<const_member_source, false, true, false>,
    expect_row<user::adl_source, false, true, false>,
    expect_row<user::both_source, false, true, false>,
    expect_row<co_await_source, false, true, false>,
    expect_row<no_anext_source, false, false, false>,
    expect_row<anext_not_awaitable_source, false, false, false>,
    expect_row<result_not_optional_like_source, false, false, false>,
    expect_row<aiter_returns_void_source, false, false, false>,
    expect_row<dual_source, true, true, true>, expect_row<dual_source&, true, true, true>,
    expect_row<mismatched_source, true, true, false>>;

// Instantiated for every row: one static_assert per concept, so a failure names the row's type.
[[maybe_unused]] constexpr auto check_every_row = [] {
  hana::for_each(matrix, [](auto row) {
    using R = typename decltype(row)::type;
    using T = typename R::type;
    static_assert(SyncIterable<T> == R::sync, "SyncIterable classification is wrong for this row");
    static_assert(AsyncIterable<T> == R::async,
                  "AsyncIterable classification is wrong for this row");
    static_assert(DualIterable<T> == R::dual, "DualIterable classification is wrong for this row");
  });
  return 0;
}();
static_assert(hana::length(matrix) == hana::size_c<30>);

}  // namespace

// ---------------------------------------------------------------------------------------------
// Overloads on the three concepts resolve by subsumption.
// ---------------------------------------------------------------------------------------------

namespace {
enum class picked { sync, async, dual };
template <SyncIterable R>
constexpr picked classify(R&&) {
  return picked::sync;
}
template <AsyncIterable R>
constexpr picked classify(R&&) {
  return picked::async;
}
template <DualIterable R>
constexpr picked classify(R&&) {
  return picked::dual;
}
template <class T>
concept classifiable = requires(T& t) { classify(t); };
}  // namespace

TEST(subsumption, picks_dual_for_a_type_with_both_protocols_and_never_is_ambiguous) {
  std::vector<int> vec;
  member_source async_only;
  dual_source both;
  EXPECT_EQ(classify(vec), picked::sync);
  EXPECT_EQ(classify(async_only), picked::async);
  EXPECT_EQ(classify(both), picked::dual);
  EXPECT_EQ(classify(dual_source{}), picked::dual);
  static_assert(classify(std::array<int, 1>{}) == picked::sync);
  // Both protocols but different value types: not Dual, and the Sync/Async overloads are then
  // genuinely ambiguous, so such a call does not compile at all.
  static_assert(!classifiable<mismatched_source>);
  static_assert(classifiable<dual_source> && classifiable<member_source>);
}

TEST(SyncIterable, an_input_only_range_is_sync_iterable_and_iterates) {
  std::istringstream in("4 5 6");
  input_only_range view{&in};
  static_assert(!std::ranges::forward_range<input_only_range>);
  std::vector<int> got;
  for (int x : view) got.push_back(x);
  EXPECT_EQ(got, (std::vector<int>{4, 5, 6}));
}

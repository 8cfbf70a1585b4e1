// The granular protocol checks behind the "not async iterable" messages, asserted positively
// and negatively here; the messages themselves are proven by tests/compile_fail/. Everything
// here is checked while compiling: the file is built, not run (tests/meson.build).
#include <coroutine>
#include <optional>
#include <type_traits>
#include <vector>

#include <dualiter/adapters.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/task.hpp>

namespace protocol = dualiter::protocol;

namespace {
struct ready_int {
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  int await_resume() const noexcept { return 0; }
};
struct no_anext {
  struct iterator {};
  iterator aiter() { return {}; }
};
struct plain_anext {
  struct iterator {
    std::optional<int> anext() { return 1; }
  };
  iterator aiter() { return {}; }
};
struct int_result {
  struct iterator {
    ready_int anext() { return {}; }
  };
  iterator aiter() { return {}; }
};
}  // namespace

// Each check fails exactly where its message says, and passes for the next step's cases.
static_assert(!protocol::has_aiter<std::vector<int>>);
static_assert(protocol::has_aiter<no_anext> && !protocol::aiter_result_has_anext<no_anext>);
static_assert(protocol::aiter_result_has_anext<plain_anext> &&
              !protocol::anext_is_awaitable<plain_anext>);
static_assert(protocol::anext_is_awaitable<int_result> &&
              !protocol::anext_result_is_optional_like<int_result>);
static_assert(protocol::anext_result_is_optional_like<dualiter::async_generator<int>>);
static_assert(!protocol::is_awaitable<int> && protocol::is_awaitable<dualiter::task<>>);

using dual_vector = decltype(dualiter::dual(std::declval<std::vector<int>&>()));
static_assert(protocol::sync_and_async_value_types_match<dual_vector>);

// Made of the protocol's named parts, the concepts still order by subsumption.
template <class R>
constexpr int most_specific() {
  return 0;
}
template <dualiter::AsyncIterable R>
constexpr int most_specific() {
  return 1;
}
template <dualiter::DualIterable R>
constexpr int most_specific() {
  return 2;
}
static_assert(most_specific<dual_vector>() == 2);
static_assert(most_specific<dualiter::async_generator<int>>() == 1);
static_assert(most_specific<std::vector<int>>() == 0);

// What an entry point returns after its assertion failed must fit wherever the real result
// would go, or the caller's next line adds a second error: awaited, iterated either way, its
// elements and results converted to what the caller wanted.
using after_error = dualiter::detail::after_error;
static_assert(dualiter::Awaitable<after_error>);
static_assert(dualiter::DualIterable<after_error>);
static_assert(std::is_convertible_v<after_error, int> &&
              std::is_convertible_v<after_error, const std::vector<int>&>);
static_assert(dualiter::Awaitable<dualiter::detail::awaitable_after_error<std::vector<int>>>);

// The asserts compile silently for every model dualiter ships: each is a constant expression,
// and a false positive would stop this file from compiling.
static_assert((dualiter::assert_sync_iterable<std::vector<int>>(), true));
static_assert((dualiter::assert_sync_iterable<dualiter::generator<int>>(), true));
static_assert((dualiter::assert_async_iterable<dualiter::async_generator<int>>(), true));
static_assert((dualiter::assert_async_iterable<const dual_vector&>(), true));
static_assert((dualiter::assert_dual_iterable<dual_vector>(), true));
static_assert((dualiter::assert_awaitable<dualiter::task<int>>(), true));
static_assert((dualiter::assert_awaitable<std::suspend_always&>(), true));

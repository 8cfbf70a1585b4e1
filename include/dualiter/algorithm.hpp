// Algorithms over async iterables: the `async for` loop, packaged.
#ifndef DUALITER_ALGORITHM_HPP
#define DUALITER_ALGORITHM_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/task.hpp>

namespace dualiter {

namespace detail {

// Source is T& for an lvalue argument and T for an rvalue one, which the coroutine then owns:
// a reference parameter would dangle once the caller's full-expression ends, yet the task may
// be awaited much later.
template <class Source, class F>
task<> for_each_impl(Source source, F f) {
  auto it = dualiter::aiter(source);
  while (auto x = co_await dualiter::anext(it)) {
    if constexpr (Awaitable<std::invoke_result_t<F&, decltype(*x)>>) {
      // Compiler workaround (GCC 12; no bug number found): named, not awaited as a temporary,
      // because GCC 12 miscompiles co_await on temporaries that own resources.
      auto step = std::invoke(f, *x);
      co_await std::move(step);
    } else {
      std::invoke(f, *x);
    }
  }
}

template <class Source>
task<std::vector<async_value_t<Source>>> to_vector_impl(Source source) {
  std::vector<async_value_t<Source>> out;
  auto it = dualiter::aiter(source);
  while (auto x = co_await dualiter::anext(it)) out.push_back(*x);
  co_return out;
}

}  // namespace detail

namespace detail {

// A template of its own so that the element type is in the error: GCC names it in the
// instantiation note (`[with ...; Element = std::string&&]`), Clang in the failed requirement.
template <class F, class Element>
constexpr bool assert_callable_with_element() {
  static_assert(std::is_invocable_v<F&, Element>,
                "dualiter: for_each: f cannot be called with the elements of r, whose type is "
                "Element = async_reference_t<R> (T&& for an async_generator<T>, as in "
                "std::generator). Fix: let f take the element by value, by const& or by &&; a "
                "non-const & cannot bind to it");
  return std::is_invocable_v<F&, Element>;
}

}  // namespace detail

/// A task that pulls every element of `r` and calls `f(element)`; when f returns an Awaitable
/// (a task, say), it is awaited before the next element. Python:
/// `async for x in r: await f(x)`. An rvalue `r` is moved into the task at the call, so the
/// task may be awaited after the argument's full-expression has ended.
template <class R, class F>
auto for_each(R&& r, F f) {
  assert_async_iterable<R>();
  if constexpr (!AsyncIterable<R>) {
    return detail::result_after_error<task<>>();  // keeps the assertion the only error
  } else if constexpr (!detail::assert_callable_with_element<F, async_reference_t<R>>()) {
    return detail::result_after_error<task<>>();
  } else {
    return detail::for_each_impl<R>(static_cast<R&&>(r), std::move(f));
  }
}

/// A task giving every element of `r` in a std::vector. Python: `[x async for x in r]`. An
/// rvalue `r` is moved into the task at the call.
template <class R>
auto to_vector(R&& r) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    return detail::to_vector_impl<R>(static_cast<R&&>(r));
  } else if constexpr (SyncIterable<R>) {
    // The vector the caller most likely meant, so that code using it adds no error.
    return detail::result_after_error<task<std::vector<sync_value_t<R>>>>();
  } else {
    return detail::result_after_error<task<std::vector<detail::after_error>>>();
  }
}

}  // namespace dualiter

#endif  // DUALITER_ALGORITHM_HPP

// Algorithms over async iterables: the `async for` loop, packaged.
#ifndef DUALITER_ALGORITHM_HPP
#define DUALITER_ALGORITHM_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <concepts>
#include <cstddef>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <dualiter/async_generator.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/task.hpp>

namespace dualiter {

namespace detail {

/// Sources whose elements the algorithms take by push_elements (async_generator.hpp): a plain
/// loop while they come synchronously, instead of a resumption of the algorithm's task each.
template <class Source>
concept pushes_elements = is_async_generator_v<std::remove_cvref_t<Source>>;

// Source is T& for an lvalue argument and T for an rvalue one, which the coroutine then owns:
// a reference parameter would dangle once the caller's full-expression ends, yet the task may
// be awaited much later.
template <class Source, class F>
task<> for_each_impl(Source source, F f) {
  if constexpr (pushes_elements<Source> &&
                !Awaitable<std::invoke_result_t<F&, async_reference_t<Source>>>) {
    auto consume = [&f](async_reference_t<Source> element) {
      std::invoke(f, static_cast<async_reference_t<Source>>(element));
      return true;
    };
    while (co_await detail::push_elements(source, consume)) {
    }
    co_return;
  }
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

// ---------------------------------------------------------------------------------------------
// Folds and searches. Each returns a lazy task; an rvalue `r` is moved into it at the call. A
// predicate gets each element as an lvalue; the short-circuiting ones stop pulling as soon as
// the answer is known.
// ---------------------------------------------------------------------------------------------

namespace detail {

template <class P, class R>
concept predicate_over = std::predicate<P&, std::remove_reference_t<async_reference_t<R>>&>;

template <class Source, class T, class F>
task<T> fold_left_impl(Source source, T acc, F f) {
  if constexpr (pushes_elements<Source>) {
    auto consume = [&](async_reference_t<Source> element) {
      acc = std::invoke(f, std::move(acc), static_cast<async_reference_t<Source>>(element));
      return true;
    };
    while (co_await detail::push_elements(source, consume)) {
    }
    co_return acc;
  }
  auto it = dualiter::aiter(source);
  while (auto x = co_await dualiter::anext(it)) acc = std::invoke(f, std::move(acc), *x);
  co_return acc;
}

template <class Source, class P>
task<std::size_t> count_if_impl(Source source, P pred) {
  std::size_t n = 0;
  if constexpr (pushes_elements<Source>) {
    auto consume = [&](async_reference_t<Source> element) {
      if (std::invoke(pred, element)) ++n;
      return true;
    };
    while (co_await detail::push_elements(source, consume)) {
    }
    co_return n;
  }
  auto it = dualiter::aiter(source);
  while (auto x = co_await dualiter::anext(it)) {
    auto&& element = *x;
    if (std::invoke(pred, element)) ++n;
  }
  co_return n;
}

// The first element for which pred(element) == Wanted, as an optional copy (or move).
template <bool Wanted, class Source, class P>
task<std::optional<async_value_t<Source>>> find_impl(Source source, P pred) {
  if constexpr (pushes_elements<Source>) {
    std::optional<async_value_t<Source>> found;
    auto consume = [&](async_reference_t<Source> element) {
      if (static_cast<bool>(std::invoke(pred, element)) != Wanted) return true;
      found.emplace(static_cast<async_reference_t<Source>>(element));
      return false;
    };
    while (co_await detail::push_elements(source, consume)) {
    }
    co_return found;
  }
  auto it = dualiter::aiter(source);
  while (auto x = co_await dualiter::anext(it)) {
    auto&& element = *x;
    if (static_cast<bool>(std::invoke(pred, element)) == Wanted) {
      co_return std::optional<async_value_t<Source>>(static_cast<decltype(element)&&>(element));
    }
  }
  co_return std::nullopt;
}

template <class Source>
task<std::optional<async_value_t<Source>>> first_impl(Source source) {
  auto it = dualiter::aiter(source);
  if (auto x = co_await dualiter::anext(it)) {
    co_return std::optional<async_value_t<Source>>(*x);
  }
  co_return std::nullopt;
}

template <class Container, class Source>
task<Container> to_impl(Source source) {
  Container out;
  auto it = dualiter::aiter(source);
  while (auto x = co_await dualiter::anext(it)) {
    if constexpr (requires { out.push_back(*x); }) {
      out.push_back(*x);
    } else {
      out.insert(out.end(), *x);
    }
  }
  co_return out;
}

struct always_true {
  template <class T>
  bool operator()(T&) const noexcept {
    return true;
  }
};

}  // namespace detail

/// A task giving f(...f(f(init, x1), x2)..., xn) over the elements of r. Python:
/// `functools.reduce(f, [x async for x in r], init)`; C++23 std::ranges::fold_left.
template <class R, class T, class F>
auto fold_left(R&& r, T init, F f) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    static_assert(std::is_invocable_v<F&, T, async_reference_t<R>>,
                  "dualiter: fold_left: f cannot be called as f(accumulator, element). Fix: make "
                  "f take (T, async_reference_t<R>)");
    if constexpr (std::is_invocable_v<F&, T, async_reference_t<R>>) {
      using acc = std::decay_t<std::invoke_result_t<F&, T, async_reference_t<R>>>;
      return detail::fold_left_impl<R, acc>(static_cast<R&&>(r), acc(std::move(init)),
                                            std::move(f));
    } else {
      return detail::result_after_error<task<detail::after_error>>();  // the assertion stays the
                                                                       // only error
    }
  } else {
    return detail::result_after_error<task<detail::after_error>>();
  }
}

/// A task giving how many elements r has. Python: `sum(1 async for _ in r)`.
template <class R>
auto count(R&& r) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    return detail::count_if_impl<R>(static_cast<R&&>(r), detail::always_true{});
  } else {
    return detail::result_after_error<task<std::size_t>>();
  }
}

/// A task giving how many elements satisfy pred. Python: `sum(1 async for x in r if pred(x))`.
template <class R, class P>
auto count_if(R&& r, P pred) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    static_assert(detail::predicate_over<P, R>,
                  "dualiter: count_if: the predicate cannot be called with an element of r (as an "
                  "lvalue), or does not return bool. Fix: take const T& (or auto&&)");
    if constexpr (detail::predicate_over<P, R>) {
      return detail::count_if_impl<R>(static_cast<R&&>(r), std::move(pred));
    } else {
      return detail::result_after_error<task<std::size_t>>();  // the assertion stays the only error
    }
  } else {
    return detail::result_after_error<task<std::size_t>>();
  }
}

/// A task giving the first element satisfying pred, in a std::optional (empty if none); stops
/// pulling there. Python: `anext((x async for x in r if pred(x)), None)`.
template <class R, class P>
auto find_if(R&& r, P pred) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    static_assert(detail::predicate_over<P, R>,
                  "dualiter: find_if: the predicate cannot be called with an element of r (as an "
                  "lvalue), or does not return bool. Fix: take const T& (or auto&&)");
    if constexpr (detail::predicate_over<P, R>) {
      return detail::find_impl<true, R>(static_cast<R&&>(r), std::move(pred));
    } else {
      return detail::result_after_error<task<detail::after_error>>();  // the assertion stays the
                                                                       // only error
    }
  } else {
    return detail::result_after_error<task<detail::after_error>>();
  }
}

namespace detail {
// Looks for an element with pred(element) == Wanted, without copying it (elements may be
// move-only): gives ResultIfFound if there is one, else its negation.
template <bool Wanted, bool ResultIfFound, class Source, class P>
task<bool> search_impl(Source source, P pred) {
  auto it = dualiter::aiter(source);
  while (auto x = co_await dualiter::anext(it)) {
    auto&& element = *x;
    if (static_cast<bool>(std::invoke(pred, element)) == Wanted) co_return ResultIfFound;
  }
  co_return !ResultIfFound;
}
}  // namespace detail

/// A task: does some element satisfy pred? Stops at the first that does. Python:
/// `any([pred(x) async for x in r])`, short-circuiting.
template <class R, class P>
auto any_of(R&& r, P pred) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    static_assert(detail::predicate_over<P, R>,
                  "dualiter: any_of: the predicate cannot be called with an element of r (as an "
                  "lvalue), or does not return bool. Fix: take const T& (or auto&&)");
    if constexpr (detail::predicate_over<P, R>) {
      return detail::search_impl<true, true, R>(static_cast<R&&>(r), std::move(pred));
    } else {
      return detail::result_after_error<task<bool>>();  // the assertion stays the only error
    }
  } else {
    return detail::result_after_error<task<bool>>();
  }
}

/// A task: do all elements satisfy pred (true for none)? Stops at the first that does not.
/// Python: `all(...)`.
template <class R, class P>
auto all_of(R&& r, P pred) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    static_assert(detail::predicate_over<P, R>,
                  "dualiter: all_of: the predicate cannot be called with an element of r (as an "
                  "lvalue), or does not return bool. Fix: take const T& (or auto&&)");
    if constexpr (detail::predicate_over<P, R>) {
      return detail::search_impl<false, false, R>(static_cast<R&&>(r), std::move(pred));
    } else {
      return detail::result_after_error<task<bool>>();  // the assertion stays the only error
    }
  } else {
    return detail::result_after_error<task<bool>>();
  }
}

/// A task: does no element satisfy pred? Stops at the first that does. Python: `not any(...)`.
template <class R, class P>
auto none_of(R&& r, P pred) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    static_assert(detail::predicate_over<P, R>,
                  "dualiter: none_of: the predicate cannot be called with an element of r (as an "
                  "lvalue), or does not return bool. Fix: take const T& (or auto&&)");
    if constexpr (detail::predicate_over<P, R>) {
      return detail::search_impl<true, false, R>(static_cast<R&&>(r), std::move(pred));
    } else {
      return detail::result_after_error<task<bool>>();  // the assertion stays the only error
    }
  } else {
    return detail::result_after_error<task<bool>>();
  }
}

/// A task giving the first element in a std::optional, empty if r is empty; pulls one element
/// only. Python: `await anext(it, None)`.
template <class R>
auto first(R&& r) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    return detail::first_impl<R>(static_cast<R&&>(r));
  } else {
    return detail::result_after_error<task<detail::after_error>>();  // the assertion stays the only
                                                                     // error
  }
}

/// A task giving every element of r in a Container (push_back, else insert at the end), in the
/// style of C++23 std::ranges::to. Python: `list(...)`, `set(...)` of an async comprehension.
template <class Container, class R>
auto to(R&& r) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    return detail::to_impl<Container, R>(static_cast<R&&>(r));
  } else {
    return detail::result_after_error<task<Container>>();  // the assertion stays the only error
  }
}

}  // namespace dualiter

#endif  // DUALITER_ALGORITHM_HPP

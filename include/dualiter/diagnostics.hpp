// The "not async iterable" family of compile errors.
//
// The concepts in concepts.hpp are the detection interface (SFINAE-friendly, usable in
// requires-clauses). The assert_* functions here are for entry points users call: each stops
// compilation with one static_assert that says which part of the protocol is missing and how to
// fix it, the way Python says `TypeError: 'async for' requires an object with __aiter__ method,
// got generator`. The offending type appears in the compiler's instantiation note (GCC:
// `[with T = ...]`) and in the failed condition (Clang: `requirement 'has_aiter<...>'`).
//
// The parts checked are the named requirements in namespace protocol (concepts.hpp), of which
// the concepts are made. Each check runs only when the previous one passed (`if constexpr`
// chain), and an entry point whose check failed returns detail::after_error instead of its
// result, so one misuse gives one error, not a cascade. Compiler workaround (GCC 12): the
// functions return `auto` (deduced void) on purpose: a call to a function with a deduced return
// type is instantiated at once, so GCC reports the assertion before any error the caller's later
// code causes, instead of at the end of the file.
#ifndef DUALITER_DIAGNOSTICS_HPP
#define DUALITER_DIAGNOSTICS_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <dualiter/concepts.hpp>

namespace dualiter {

namespace detail {

/// What an entry point returns once one of its static_asserts has failed: a stand-in that can
/// be used the way the real result would be (awaited, iterated both ways, converted to the
/// element or result type the caller expects), so that the assertion stays the only error
/// instead of being followed by `invalid use of void expression` and the like. Its functions
/// are never defined: a program that names it has already failed to compile.
struct after_error {
  template <class T>
  operator T&() const noexcept;
  explicit operator bool() const noexcept;
  after_error& operator*() const noexcept;
  after_error* begin() const noexcept;
  after_error* end() const noexcept;
  after_error aiter() const noexcept;
  after_error anext() const noexcept;
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  after_error& await_resume() const noexcept;
};

/// An awaitable of T, for entry points whose result type is known even after the error.
template <class T>
struct awaitable_after_error {
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  T await_resume() const noexcept;
};

/// The value an entry point returns after its assertion failed. Declared only (see
/// after_error); std::declval would not do, its own static_assert would be a second error.
template <class T = after_error>
T result_after_error() noexcept;

}  // namespace detail

/// Stops compilation with "dualiter: not async iterable: <what is missing>. Fix: <how>" unless
/// T models AsyncIterable. Call it first thing in a template that needs an async iterable, and
/// guard the rest with `if constexpr (AsyncIterable<T>)`.
template <class T>
constexpr auto assert_async_iterable() {
  using namespace protocol;
  if constexpr (!has_aiter<T> && SyncIterable<T>) {
    static_assert(has_aiter<T>,
                  "dualiter: not async iterable: this is a sync range (begin/end) without aiter. "
                  "Fix: wrap it with dualiter::as_async(r), or iterate it with a plain for loop");
  } else if constexpr (!has_aiter<T> && begin_is_awaitable<T> &&
                       !begin_iterator_increment_is_awaitable<T>) {
    static_assert(begin_iterator_increment_is_awaitable<T>,
                  "dualiter: not async iterable: co_await r.begin() gives an iterator (the "
                  "begin/++ shape of cppcoro's async_generator), but co_await ++it does not "
                  "compile: the iterator's operator++ returns no awaitable. Fix: make ++it return "
                  "an awaitable that advances it, or give the type an aiter()");
  } else if constexpr (!has_aiter<T> && begin_is_awaitable<T>) {
    static_assert(begin_iterator_compares_with_end_and_dereferences<T>,
                  "dualiter: not async iterable: co_await r.begin() and co_await ++it work (the "
                  "begin/++ shape), but it == r.end() or *it does not compile. Fix: give the type "
                  "an end() the iterator compares equal to at the end, and the iterator an "
                  "operator* giving the element");
  } else if constexpr (!has_aiter<T> && has_next_member<T> && !next_is_awaitable<T>) {
    static_assert(next_is_awaitable<T>,
                  "dualiter: not async iterable: r.next() (the next() shape) does not return an "
                  "awaitable. Fix: return an awaitable of an optional-like result from next(), or "
                  "give the type an aiter()");
  } else if constexpr (!has_aiter<T> && has_next_member<T>) {
    static_assert(has_next_shape<T>,
                  "dualiter: not async iterable: co_await r.next() (the next() shape) does not "
                  "give an optional-like result (explicit operator bool and operator*). Fix: give "
                  "std::optional<T> or a pointer, empty at the end");
  } else if constexpr (!has_aiter<T>) {
    static_assert(has_aiter<T>,
                  "dualiter: not async iterable: there is no member r.aiter() and no free "
                  "aiter(r). Fix: give the type an aiter() that returns an async iterator, for "
                  "example a dualiter::async_generator");
  } else if constexpr (!aiter_result_is_movable<T>) {
    static_assert(aiter_result_is_movable<T>,
                  "dualiter: not async iterable: aiter(r) returns an iterator that cannot be "
                  "moved. Fix: return an object type with a move constructor");
  } else if constexpr (!aiter_result_has_anext<T>) {
    static_assert(aiter_result_has_anext<T>,
                  "dualiter: not async iterable: the iterator aiter(r) returns has no anext "
                  "(no member it.anext() and no free anext(it)). Fix: give the iterator an "
                  "anext() that returns an awaitable of an optional-like result");
  } else if constexpr (!anext_is_awaitable<T>) {
    static_assert(anext_is_awaitable<T>,
                  "dualiter: not async iterable: anext(it) does not return an awaitable (no "
                  "await_ready/await_suspend/await_resume, no operator co_await). Fix: return an "
                  "awaiter or a dualiter::task from anext()");
  } else if constexpr (!anext_result_is_optional_like<T>) {
    static_assert(anext_result_is_optional_like<T>,
                  "dualiter: not async iterable: co_await anext(it) does not give an "
                  "optional-like result (explicit operator bool and operator*). Fix: give "
                  "std::optional<T>, a pointer or dualiter::anext_result<R>, empty at the end");
  }
}

/// Stops compilation with "dualiter: not sync iterable: ..." unless T models SyncIterable.
template <class T>
constexpr auto assert_sync_iterable() {
  using namespace protocol;
  if constexpr (!is_sync_iterable<T> && AsyncIterable<T>) {
    static_assert(is_sync_iterable<T>,
                  "dualiter: not sync iterable: this is async iterable only (aiter/anext), a "
                  "plain for loop cannot drive it. Fix: consume it with co_await "
                  "dualiter::anext(it) in a task, or wrap it with dualiter::as_sync(r)");
  } else if constexpr (!is_sync_iterable<T>) {
    static_assert(is_sync_iterable<T>,
                  "dualiter: not sync iterable: std::ranges::begin/end do not accept it (no "
                  "begin()/end() giving an input iterator). Fix: give it begin() and end(), "
                  "for example by returning a dualiter::generator");
  }
}

/// Stops compilation with "dualiter: not dual iterable: ..." unless T models DualIterable.
template <class T>
constexpr auto assert_dual_iterable() {
  using namespace protocol;
  if constexpr (!is_sync_iterable<T> && !is_async_iterable<T>) {
    static_assert(is_sync_iterable<T> || is_async_iterable<T>,
                  "dualiter: not dual iterable: it is neither sync iterable (begin/end) nor "
                  "async iterable (aiter). Fix: give it begin()/end() and aiter() over the same "
                  "elements");
  } else if constexpr (!is_async_iterable<T>) {
    static_assert(is_async_iterable<T>,
                  "dualiter: not dual iterable: it is sync iterable only (begin/end, no aiter). "
                  "Fix: wrap it with dualiter::dual(r), or add an aiter() over the same "
                  "elements");
  } else if constexpr (!is_sync_iterable<T>) {
    static_assert(is_sync_iterable<T>,
                  "dualiter: not dual iterable: it is async iterable only (aiter, no "
                  "begin/end). Fix: add begin()/end() over the same elements, or use "
                  "dualiter::as_sync(r) where a sync range is needed");
  } else if constexpr (!sync_and_async_value_types_match<T>) {
    static_assert(sync_and_async_value_types_match<T>,
                  "dualiter: not dual iterable: the sync and async sides give different value "
                  "types (sync_value_t != async_value_t). Fix: make both sides yield the same "
                  "element type");
  }
}

/// Stops compilation with "dualiter: not awaitable: ..." unless `co_await std::declval<T>()`
/// works without an await_transform.
template <class T>
constexpr auto assert_awaitable() {
  static_assert(protocol::is_awaitable<T>,
                "dualiter: not awaitable: it has no await_ready/await_suspend/await_resume and "
                "no operator co_await. Fix: pass a dualiter::task, an awaiter, or a type with "
                "operator co_await");
}

}  // namespace dualiter

#endif  // DUALITER_DIAGNOSTICS_HPP

// dualiter — Python's two iteration protocols, `for` and `async for`, as C++20 concepts.
//
// This is the protocol layer. It depends on the standard library only, so a library that merely
// wants to constrain its templates on SyncIterable / AsyncIterable pays for nothing else.
//
//   Python                         dualiter
//   __iter__ / __next__            std::ranges::begin / end            (SyncIterable)
//   __aiter__                      dualiter::aiter(r)                  (AsyncIterable)
//   __anext__ + StopAsyncIteration co_await dualiter::anext(it) -> optional-like, empty = end
//   async for x in r: use(x)       auto it = aiter(r); while (auto x = co_await anext(it)) use(*x);
#ifndef DUALITER_CONCEPTS_HPP
#define DUALITER_CONCEPTS_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <concepts>
#include <coroutine>
#include <iterator>
#include <new>
#include <ranges>
#include <type_traits>
#include <utility>

#include <dualiter/anext_result.hpp>

namespace dualiter {

namespace detail {

template <class T>
inline constexpr bool is_coroutine_handle_v = false;
template <class P>
inline constexpr bool is_coroutine_handle_v<std::coroutine_handle<P>> = true;

// The three result types [expr.await] allows for await_suspend.
template <class T>
concept await_suspend_result =
    std::same_as<T, void> || std::same_as<T, bool> || is_coroutine_handle_v<T>;

template <class T>
std::decay_t<T> decay_copy(T&&);

/// For a static_assert that must fire only when a template is instantiated.
template <class T>
inline constexpr bool always_false_v = false;

template <class T>
concept referenceable = requires {
  typename std::add_lvalue_reference_t<T>;
} && !std::is_void_v<T>;  // unevaluated only: the type `auto x = expr;` would give

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Awaiter, Awaitable, await_result_t
// ---------------------------------------------------------------------------------------------

/// An object `co_await` can use directly: await_ready, await_suspend(coroutine_handle<>),
/// await_resume. Python: the object `__await__` returns.
template <class A>
concept Awaiter = requires(std::remove_reference_t<A>& a, std::coroutine_handle<> h) {
  { a.await_ready() } -> std::convertible_to<bool>;
  { a.await_suspend(h) } -> detail::await_suspend_result;
  a.await_resume();
};

namespace detail {

template <class A>
concept has_member_co_await = requires(A&& a) { static_cast<A&&>(a).operator co_await(); };

template <class A>
concept has_free_co_await = requires(A&& a) { operator co_await(static_cast<A&&>(a)); };

/// The awaiter `co_await a` uses, ignoring any promise's await_transform: member operator
/// co_await, else a free one, else `a` itself.
template <class A>
decltype(auto) get_awaiter(A&& a) {
  if constexpr (has_member_co_await<A>) {
    return static_cast<A&&>(a).operator co_await();
  } else if constexpr (has_free_co_await<A>) {
    return operator co_await(static_cast<A&&>(a));
  } else {
    return static_cast<A&&>(a);
  }
}

template <class A>
using awaiter_t = decltype(detail::get_awaiter(std::declval<A>()));

/// Awaiters deriving from this take part in inline resumption themselves (inline_resume.hpp);
/// await_transform passes them through instead of wrapping them in detaching_awaiter.
struct inline_aware {};

}  // namespace detail

/// Something `co_await` accepts in a coroutine without await_transform: an Awaiter, or a type
/// with a member or free `operator co_await` returning one. Python: an object with `__await__`.
template <class A>
concept Awaitable = requires { typename detail::awaiter_t<A>; } && Awaiter<detail::awaiter_t<A>>;

/// The type of `co_await std::declval<A>()`.
template <Awaitable A>
using await_result_t =
    decltype(std::declval<std::remove_reference_t<detail::awaiter_t<A>>&>().await_resume());

// ---------------------------------------------------------------------------------------------
// The result of anext: optional-like
// ---------------------------------------------------------------------------------------------

/// What `co_await anext(it)` must give: testable (`if (x)`), empty at the end, and `*x` is the
/// element. Models: std::optional<T>, T*, dualiter::anext_result<R>.
template <class R>
concept OptionalLike = requires(std::remove_cvref_t<R>& r) {
  static_cast<bool>(r);
  { *r } -> detail::referenceable;
};

// ---------------------------------------------------------------------------------------------
// Customization point objects: aiter, anext
// ---------------------------------------------------------------------------------------------

/// Opt-in, like std::ranges::enable_borrowed_range: true when iterators obtained from an rvalue
/// of T stay valid after T is gone, so that `aiter(T{})` is allowed.
template <class T>
inline constexpr bool enable_borrowed_async_iterable = false;

/// The documented way to make a type from another library async iterable without adding names
/// to its namespace (Asio's experimental::coro, say): specialize it with
/// `static auto aiter(T& r)` returning an async iterator (an object with `anext()`).
/// dualiter::aiter uses it after a member aiter and an ADL aiter, before the shapes below.
template <class T>
struct async_iterable_traits {};

/// What aiter gives for the next() shape (folly::coro-like, libcoro's proposed async ranges):
/// a type whose `co_await r.next()` gives an optional-like result, empty at the end. anext is
/// r.next() itself, so it costs nothing.
template <class T>
class next_shape_iterator {
 public:
  // The builtin, not std::addressof: the protocol layer includes no <memory>.
  explicit next_shape_iterator(T& r) noexcept : range_(__builtin_addressof(r)) {}
  /// Python: `__anext__`: the sequence's own next().
  decltype(auto) anext() { return range_->next(); }

 private:
  T* range_;
};

namespace detail {

/// Storage for one T whose lifetime the owner runs by hand: no default constructor, no
/// <optional> (the protocol layer keeps its includes to the minimum).
template <class T>
class manual_slot {
 public:
  manual_slot() noexcept {}
  manual_slot(const manual_slot&) = delete;
  manual_slot& operator=(const manual_slot&) = delete;
  ~manual_slot() {}

  template <class F>
  T& emplace_from(F&& make) {
    // A prvalue from make() initialises the object in place: no move of, say, an awaiter.
    return *::new (static_cast<void*>(__builtin_addressof(value_))) T(static_cast<F&&>(make)());
  }
  void destroy() noexcept { value_.~T(); }
  T& get() noexcept { return value_; }

 private:
  union {
    T value_;
  };
};

/// An awaitable and the awaiter `co_await` would take from it, kept together: the awaiter may
/// refer to the awaitable, so this never moves once built.
template <class A>
struct awaitable_and_awaiter {
  template <class F>
  explicit awaitable_and_awaiter(F&& make)
      : awaitable(static_cast<F&&>(make)()),
        awaiter(detail::get_awaiter(static_cast<A&&>(awaitable))) {}
  awaitable_and_awaiter(const awaitable_and_awaiter&) = delete;
  awaitable_and_awaiter& operator=(const awaitable_and_awaiter&) = delete;

  A awaitable;
  awaiter_t<A> awaiter;
};

/// What await_suspend gives, as a coroutine_handle, so that two awaiters with different
/// await_suspend result types can stand behind one.
template <class Awaiter>
std::coroutine_handle<> suspend_as_handle(Awaiter& a, std::coroutine_handle<> h) {
  using result = decltype(a.await_suspend(h));
  if constexpr (std::is_void_v<result>) {
    a.await_suspend(h);
    return std::noop_coroutine();
  } else if constexpr (std::same_as<result, bool>) {
    return a.await_suspend(h) ? std::noop_coroutine() : h;
  } else {
    return a.await_suspend(h);
  }
}

template <class T>
using begin_awaitable_t = decltype(std::declval<T&>().begin());

template <class T>
using begin_iterator_t = std::remove_cvref_t<await_result_t<begin_awaitable_t<T>>>;

}  // namespace detail

namespace protocol {

/// The begin/++ shape (cppcoro's and asyncpp's async_generator), first part: `co_await r.begin()`
/// gives an iterator.
template <class T>
concept begin_is_awaitable =
    requires(std::remove_reference_t<T>& r) { r.begin(); } &&
    Awaitable<detail::begin_awaitable_t<std::remove_reference_t<T>>> &&
    std::move_constructible<detail::begin_iterator_t<std::remove_reference_t<T>>>;

/// The begin/++ shape: `co_await ++it` advances the iterator begin() gave.
template <class T>
concept begin_iterator_increment_is_awaitable =
    requires(detail::begin_iterator_t<std::remove_reference_t<T>>& it) { ++it; } &&
    Awaitable<decltype(++std::declval<detail::begin_iterator_t<std::remove_reference_t<T>>&>())>;

/// The begin/++ shape: `it == r.end()` tells the end, and `*it` is the element.
template <class T>
concept begin_iterator_compares_with_end_and_dereferences = requires(
    std::remove_reference_t<T>& r, detail::begin_iterator_t<std::remove_reference_t<T>>& it) {
  { it == r.end() } -> std::convertible_to<bool>;
  { *it } -> detail::referenceable;
};

/// The whole begin/++ shape.
template <class T>
concept has_begin_shape = begin_is_awaitable<T> && begin_iterator_increment_is_awaitable<T> &&
                          begin_iterator_compares_with_end_and_dereferences<T>;

/// The next() shape (folly::coro-like), first part: there is a member next().
template <class T>
concept has_next_member = requires(std::remove_reference_t<T>& r) { r.next(); };

/// The next() shape: next() returns an awaitable.
template <class T>
concept next_is_awaitable =
    has_next_member<T> && Awaitable<decltype(std::declval<std::remove_reference_t<T>&>().next())>;

/// The whole next() shape: `co_await r.next()` gives an optional-like result.
template <class T>
concept has_next_shape =
    next_is_awaitable<T> &&
    OptionalLike<await_result_t<decltype(std::declval<std::remove_reference_t<T>&>().next())>>;

}  // namespace protocol

/// What aiter gives for the begin/++ shape (cppcoro's and asyncpp's async_generator):
/// the first anext awaits `r.begin()`, each later one `++it`; `it == r.end()` is the end, and
/// the element is `*it`, handed out as the iterator gives it (a reference stays a reference,
/// valid until the next anext; a value is kept here until then). After the end, or after
/// an exception from the sequence, anext stays empty without touching the sequence again (its
/// own iterator may not be advanced then). One anext at a time, as for every async iterator.
template <class T>
class begin_shape_iterator {
  using iterator = detail::begin_iterator_t<T>;
  using begin_awaitable = detail::begin_awaitable_t<T>;
  using increment_awaitable = decltype(++std::declval<iterator&>());
  using dereferenced = decltype(*std::declval<iterator&>());
  static constexpr bool hands_out_values = !std::is_reference_v<dereferenced>;
  using element_reference =
      std::conditional_t<hands_out_values, std::remove_cv_t<dereferenced>&&, dereferenced>;

 public:
  explicit begin_shape_iterator(T& r) noexcept : range_(__builtin_addressof(r)) {}
  // Moved before iteration, as views take their source's iterator; a value handed out by the
  // last anext stays with the moved-from object.
  begin_shape_iterator(begin_shape_iterator&& other) noexcept(
      std::is_nothrow_move_constructible_v<iterator>)
      : range_(other.range_), state_(other.state_) {
    if (other.has_iterator_) {
      iterator_.emplace_from(
          [&]() -> iterator { return static_cast<iterator&&>(other.iterator_.get()); });
      has_iterator_ = true;
    }
  }
  begin_shape_iterator& operator=(begin_shape_iterator&&) = delete;
  ~begin_shape_iterator() {
    if (has_iterator_) iterator_.destroy();
    drop_value();
  }

  class anext_awaiter {
   public:
    explicit anext_awaiter(begin_shape_iterator& self) noexcept : self_(&self) {}
    // Moved only before it is awaited (views pass it on), when nothing is built yet.
    anext_awaiter(anext_awaiter&& other) noexcept : self_(other.self_) {}
    anext_awaiter& operator=(anext_awaiter&&) = delete;
    ~anext_awaiter() {
      if (step_ == step::beginning) begin_.destroy();
      if (step_ == step::incrementing) increment_.destroy();
    }

    bool await_ready() {
      self_->drop_value();
      switch (self_->state_) {
        case state::ended:
          return true;
        case state::fresh:
          begin_.emplace_from([&] {
            return begin_op([&]() -> begin_awaitable { return self_->range_->begin(); });
          });
          step_ = step::beginning;
          return begin_.get().awaiter.await_ready();
        case state::begun:
          break;
      }
      increment_.emplace_from([&] {
        return increment_op([&]() -> increment_awaitable { return ++self_->iterator_.get(); });
      });
      step_ = step::incrementing;
      return increment_.get().awaiter.await_ready();
    }

    auto await_suspend(std::coroutine_handle<> h) {
      using begin_result =
          decltype(std::declval<detail::awaiter_t<begin_awaitable>&>().await_suspend(h));
      using increment_result =
          decltype(std::declval<detail::awaiter_t<increment_awaitable>&>().await_suspend(h));
      if constexpr (std::same_as<begin_result, increment_result>) {
        if (step_ == step::beginning) return begin_.get().awaiter.await_suspend(h);
        return increment_.get().awaiter.await_suspend(h);
      } else {
        if (step_ == step::beginning) return detail::suspend_as_handle(begin_.get().awaiter, h);
        return detail::suspend_as_handle(increment_.get().awaiter, h);
      }
    }

    anext_result<element_reference> await_resume() {
      begin_shape_iterator& self = *self_;
      if (step_ == step::none) return {};  // ended before
      // Until the sequence has answered, an exception means it is finished: its iterator
      // may not be advanced again.
      self.state_ = state::ended;
      if (step_ == step::beginning) {
        self.iterator_.emplace_from([&]() -> iterator {
          return static_cast<iterator>(begin_.get().awaiter.await_resume());
        });
        self.has_iterator_ = true;
      } else {
        static_cast<void>(increment_.get().awaiter.await_resume());
      }
      if (self.iterator_.get() == self.range_->end()) return {};
      if constexpr (hands_out_values) {
        auto& value = self.value_.emplace_from([&] { return *self.iterator_.get(); });
        self.holds_value_ = true;
        self.state_ = state::begun;
        return anext_result<element_reference>(__builtin_addressof(value));
      } else {
        self.state_ = state::begun;
        return anext_result<element_reference>(__builtin_addressof(*self.iterator_.get()));
      }
    }

   private:
    enum class step : unsigned char { none, beginning, incrementing };
    using begin_op = detail::awaitable_and_awaiter<begin_awaitable>;
    using increment_op = detail::awaitable_and_awaiter<increment_awaitable>;

    begin_shape_iterator* self_;
    step step_ = step::none;
    detail::manual_slot<begin_op> begin_;
    detail::manual_slot<increment_op> increment_;
  };

  /// Python: `__anext__`: `co_await r.begin()` the first time, `co_await ++it` after.
  anext_awaiter anext() noexcept { return anext_awaiter(*this); }

 private:
  enum class state : unsigned char { fresh, begun, ended };
  struct no_value {};
  using value_slot = detail::manual_slot<
      std::conditional_t<hands_out_values, std::remove_cv_t<dereferenced>, no_value>>;

  void drop_value() noexcept {
    if (holds_value_) {
      value_.destroy();
      holds_value_ = false;
    }
  }

  T* range_;
  state state_ = state::fresh;
  bool has_iterator_ = false;
  bool holds_value_ = false;
  detail::manual_slot<iterator> iterator_;
  value_slot value_;
};

namespace detail::aiter_cpo {

// Poison pill: hides dualiter::aiter (an object, which would switch ADL off) from the
// unqualified call below, so only argument-dependent lookup can find a free aiter.
void aiter() = delete;

template <class T>
concept has_member = requires(T& t) { detail::decay_copy(t.aiter()); };

template <class T>
concept has_adl = requires(T& t) { detail::decay_copy(aiter(t)); };

template <class T>
concept has_traits =
    requires(T& t) { detail::decay_copy(async_iterable_traits<std::remove_cvref_t<T>>::aiter(t)); };

template <class T>
concept borrowable =
    std::is_lvalue_reference_v<T> || enable_borrowed_async_iterable<std::remove_cvref_t<T>>;

struct fn {
  /// Member r.aiter() if there is one, else a free aiter(r) found by ADL, else
  /// async_iterable_traits<T>::aiter(r), else the begin/++ shape, else the next() shape; the
  /// result by value.
  template <class T>
    requires borrowable<T> && (has_member<T> || has_adl<T> || has_traits<T> ||
                               protocol::has_begin_shape<T> || protocol::has_next_shape<T>)
  constexpr auto operator()(T&& t) const {
    if constexpr (has_member<T>) {
      return t.aiter();
    } else if constexpr (has_adl<T>) {
      return aiter(t);
    } else if constexpr (has_traits<T>) {
      return async_iterable_traits<std::remove_cvref_t<T>>::aiter(t);
    } else if constexpr (protocol::has_begin_shape<T>) {
      return begin_shape_iterator<std::remove_reference_t<T>>(t);
    } else {
      return next_shape_iterator<std::remove_reference_t<T>>(t);
    }
  }
};

}  // namespace detail::aiter_cpo

namespace detail::anext_cpo {

void anext() = delete;  // poison pill, see aiter

template <class I>
concept has_member = requires(I& i) { i.anext(); };

template <class I>
concept has_adl = requires(I& i) { anext(i); };

struct not_inline_aware {};

/// What anext(it, default) returns: the awaitable anext(it) returns, and the default.
template <class Next, class D>
class or_default {
 public:
  Next next;
  D fallback;

  using inner_awaiter = awaiter_t<Next&&>;
  struct awaiter
      : std::conditional_t<std::is_base_of_v<inline_aware, std::remove_cvref_t<inner_awaiter>>,
                           inline_aware, not_inline_aware> {
    inner_awaiter inner;
    D& fallback;

    bool await_ready() { return inner.await_ready(); }
    template <class Promise>
    decltype(auto) await_suspend(std::coroutine_handle<Promise> h) {
      return inner.await_suspend(h);
    }
    auto await_resume() {
      auto r = inner.await_resume();
      using value = std::common_type_t<std::remove_cvref_t<decltype(*r)>, D>;
      if (r) return value(*r);
      return value(std::move(fallback));
    }
  };
  awaiter operator co_await() && {
    return awaiter{{}, detail::get_awaiter(static_cast<Next&&>(next)), fallback};
  }
};

struct fn {
  /// Member it.anext() if there is one, else a free anext(it) found by ADL: an awaitable whose
  /// result is empty at the end.
  template <class I>
    requires has_member<I> || has_adl<I>
  DUALITER_HOT constexpr decltype(auto) operator()(I&& i) const {
    if constexpr (has_member<I>) {
      return i.anext();
    } else {
      return anext(i);
    }
  }
  /// The next element (a copy), or `fallback` at the end. Python 3.10: anext(it, default).
  template <class I, class D>
    requires has_member<I> || has_adl<I>
  constexpr auto operator()(I&& i, D&& fallback) const {
    using next = decltype((*this)(i));
    return or_default<next, std::decay_t<D>>{(*this)(i), static_cast<D&&>(fallback)};
  }
};

}  // namespace detail::anext_cpo

// CPOs live in an inline namespace so a type in namespace dualiter may still declare a hidden
// friend named aiter or anext without clashing with the objects.
inline namespace cpo {
/// Python: aiter(r) / r.__aiter__(). Returns an async iterator by value.
inline constexpr detail::aiter_cpo::fn aiter{};
/// Python: anext(it) / it.__anext__(). Returns an awaitable; its result is empty at the end.
/// `anext(it, default)` gives the element itself, or `default` at the end (Python 3.10).
inline constexpr detail::anext_cpo::fn anext{};
}  // namespace cpo

// ---------------------------------------------------------------------------------------------
// The protocol concepts
// ---------------------------------------------------------------------------------------------

/// The awaitable `anext(i)` returns for an lvalue I.
template <class I>
using anext_awaitable_t = decltype(dualiter::anext(std::declval<I&>()));

/// The protocol, one requirement at a time. The concepts below are conjunctions of these, so when
/// a plain constraint (`template <dualiter::AsyncIterable R>`) rejects a type, the compilers'
/// notes name the missing part: GCC's `required for the satisfaction of 'has_aiter<R>'`, Clang's
/// `because 'std::vector<int>' does not satisfy 'has_aiter'`. Each is meant to be asked only
/// once the ones before it hold, as the concepts and the assert_* functions do.
namespace protocol {

/// An async iterator: movable. Python: `__anext__` lives on an object that can be passed on.
template <class I>
concept iterator_is_movable = std::move_constructible<I>;

/// An async iterator: `dualiter::anext(i)` (member it.anext() or ADL anext(it)) can be called.
template <class I>
concept iterator_has_anext = requires(I& i) { dualiter::anext(i); };

/// An async iterator: what anext returns can be co_awaited.
template <class I>
concept iterator_anext_is_awaitable = Awaitable<anext_awaitable_t<I>>;

/// An async iterator: `co_await anext(it)` gives an optional-like result, empty at the end.
template <class I>
concept iterator_anext_result_is_optional_like = OptionalLike<await_result_t<anext_awaitable_t<I>>>;

/// An async iterable: `dualiter::aiter(r)` (member r.aiter() or ADL aiter(r)) can be called on an
/// lvalue. Python: the object has `__aiter__`.
template <class T>
concept has_aiter = requires(std::remove_reference_t<T>& r) { dualiter::aiter(r); };

/// The async iterator aiter gives for an lvalue of T.
template <class T>
using iterator_of = decltype(dualiter::aiter(std::declval<std::remove_reference_t<T>&>()));

/// An async iterable: the iterator aiter returns can be moved.
template <class T>
concept aiter_result_is_movable = iterator_is_movable<iterator_of<T>>;

/// An async iterable: the iterator aiter returns has anext. Python: `__anext__`.
template <class T>
concept aiter_result_has_anext = iterator_has_anext<iterator_of<T>>;

/// An async iterable: its iterator's anext returns an awaitable.
template <class T>
concept anext_is_awaitable = iterator_anext_is_awaitable<iterator_of<T>>;

/// An async iterable: awaiting its iterator's anext gives an optional-like result.
template <class T>
concept anext_result_is_optional_like = iterator_anext_result_is_optional_like<iterator_of<T>>;

/// Awaitable<T>, under a name that reads as the reason in Clang's notes.
template <class T>
concept is_awaitable = Awaitable<T>;

}  // namespace protocol

/// Async iterator: the object aiter returns. Python: an object with `__anext__`.
///
/// Requires: `dualiter::anext(i)` on an lvalue i is Awaitable, and its await result is
/// OptionalLike (empty is the end: Python's StopAsyncIteration).
/// Laws: once a result is empty, every later one is empty too; one anext at a time.
/// Models: what aiter returns for async_generator, as_async and dual; async_generator itself.
template <class I>
concept AsyncIterator =
    protocol::iterator_is_movable<I> && protocol::iterator_has_anext<I> &&
    protocol::iterator_anext_is_awaitable<I> && protocol::iterator_anext_result_is_optional_like<I>;

/// Python's `for`: an object with `__iter__`. Exactly std::ranges::input_range.
/// Models: every standard container, arrays, string_view, generator<T>, as_sync(r), dual(r).
template <class R>
concept SyncIterable = std::ranges::input_range<R>;

/// Python's `async for`: an object with `__aiter__`.
///
/// Requires: `dualiter::aiter(r)` on an lvalue r of R (cv-qualifiers as written) returns an
/// AsyncIterator: the parts in namespace protocol, in order.
/// Laws: the iterator is valid while r lives; after the end anext stays empty.
/// Models: async_generator<T>, as_async(r), dual(r). Not: standard containers, generator<T>.
template <class R>
concept AsyncIterable = protocol::has_aiter<R> && protocol::aiter_result_is_movable<R> &&
                        protocol::aiter_result_has_anext<R> && protocol::anext_is_awaitable<R> &&
                        protocol::anext_result_is_optional_like<R>;

/// Type of the async iterator aiter gives for an lvalue of R.
template <AsyncIterable R>
using async_iterator_t = decltype(dualiter::aiter(std::declval<std::remove_reference_t<R>&>()));

/// Type of `co_await anext(it)` for an async iterator I (optional-like).
template <AsyncIterator I>
using anext_result_t = await_result_t<anext_awaitable_t<I>>;

/// Type of `*x` for `x = co_await anext(it)`: how elements are handed out.
template <AsyncIterable R>
using async_reference_t =
    decltype(*std::declval<std::remove_cvref_t<anext_result_t<async_iterator_t<R>>>&>());

/// The element type of an async iterable, without reference or cv-qualifiers.
template <AsyncIterable R>
using async_value_t = std::remove_cvref_t<async_reference_t<R>>;

/// The element type of a sync iterable: std::ranges::range_value_t.
template <SyncIterable R>
using sync_value_t = std::ranges::range_value_t<R>;

/// How elements of a sync iterable are handed out: std::ranges::range_reference_t.
template <SyncIterable R>
using sync_reference_t = std::ranges::range_reference_t<R>;

namespace protocol {

/// SyncIterable<T>, under a name that reads as the reason in Clang's notes.
template <class T>
concept is_sync_iterable = SyncIterable<T>;

/// AsyncIterable<T>, under a name that reads as the reason in Clang's notes.
template <class T>
concept is_async_iterable = AsyncIterable<T>;

/// A dual iterable: both sides give the same value type.
template <class T>
concept sync_and_async_value_types_match = std::same_as<sync_value_t<T>, async_value_t<T>>;

}  // namespace protocol

/// Both protocols, with the same value type on both sides. Python: an object with `__iter__`
/// and `__aiter__`.
///
/// Requires: SyncIterable<R> and AsyncIterable<R>; sync_value_t<R> == async_value_t<R>.
/// Laws: both sides give equal sequences.
/// Models: dual(r); any class with begin/end and aiter over the same elements.
/// Subsumes SyncIterable and AsyncIterable, so overloads on the three pick this one.
template <class R>
concept DualIterable =
    SyncIterable<R> && AsyncIterable<R> && protocol::sync_and_async_value_types_match<R>;

}  // namespace dualiter

#endif  // DUALITER_CONCEPTS_HPP

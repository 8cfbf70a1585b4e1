// Bridges between the two protocols: as_async (a sync range seen asynchronously), as_sync (an
// async iterable consumed by a plain for loop) and dual (both at once).
#ifndef DUALITER_ADAPTERS_HPP
#define DUALITER_ADAPTERS_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <exception>
#include <iterator>
#include <memory>
#include <optional>
#include <ranges>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <dualiter/anext_result.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/unique_coroutine.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/event_loop.hpp>

namespace dualiter {

namespace detail {

/// Holds a range the way std::views::all would: an lvalue by reference, an rvalue by value.
/// Compiler workaround (Clang 14 with libstdc++ 12, no bug number found): without
/// view_interface, which Clang 14 cannot compile against libstdc++ 12.
template <class R>
class range_holder {
 public:
  template <class U>
  explicit range_holder(U&& r) : range_(static_cast<U&&>(r)) {}
  std::remove_reference_t<R>& get() noexcept { return range_; }
  const std::remove_reference_t<R>& get() const noexcept { return range_; }

 private:
  R range_;  // R is T& for an lvalue source, T for an rvalue one
};

/// The async iterator of as_async and dual: walks a sync range, and every anext is ready at
/// once, so awaiting it never suspends and allocates nothing.
template <class Range>
class sync_range_async_iterator {
  using iterator = std::ranges::iterator_t<Range>;
  using sentinel = std::ranges::sentinel_t<Range>;
  using reference = std::ranges::range_reference_t<Range>;
  using value = std::ranges::range_value_t<Range>;

 public:
  /// A real reference is handed out as one (no copy); an element produced by value (a proxy,
  /// or a view that computes) is kept as the range's value type, so that the async value type
  /// equals the sync one.
  using result = std::conditional_t<std::is_reference_v<reference>, anext_result<reference>,
                                    std::optional<value>>;

  // Never suspends, so it has nothing to detach: await_transform may pass it through.
  struct next : inline_aware {
    sync_range_async_iterator* self;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    result await_resume() const { return self->advance(); }
  };
  static_assert(Awaiter<next>);

  sync_range_async_iterator(iterator at, sentinel end) : at_(std::move(at)), end_(std::move(end)) {}

  /// Python: `__anext__`; the awaitable is always ready.
  next anext() noexcept { return {{}, this}; }

 private:
  // The iterator moves on at the *next* anext, not right after handing an element out: for an
  // input range (a generator) moving on would destroy the element the consumer still holds.
  result advance() {
    if (state_ == state::handed_out) ++at_;
    if (state_ == state::ended || at_ == end_) {
      state_ = state::ended;
      return result();
    }
    state_ = state::handed_out;
    if constexpr (std::is_reference_v<reference>) {
      auto&& element = *at_;  // named, so an rvalue reference has an address too
      return result(std::addressof(element));
    } else {
      return result(std::in_place, *at_);
    }
  }

  enum class state : unsigned char { fresh, handed_out, ended };
  iterator at_;
  sentinel end_;
  state state_ = state::fresh;
};

template <class R>
class as_async_view {
 public:
  template <class U>
  explicit as_async_view(U&& r) : source_(static_cast<U&&>(r)) {}

  /// Python: `__aiter__`. The iterator walks the source; valid while the source lives.
  auto aiter() { return make(source_.get()); }
  auto aiter() const
    requires SyncIterable<const std::remove_reference_t<R>>
  {
    return make(source_.get());
  }

 protected:
  range_holder<R> source_;

 private:
  template <class Range>
  static sync_range_async_iterator<Range> make(Range& r) {
    return sync_range_async_iterator<Range>(std::ranges::begin(r), std::ranges::end(r));
  }
};

template <class R>
class dual_view : public as_async_view<R> {
 public:
  using as_async_view<R>::as_async_view;

  /// The sync side: the source's own iterators.
  auto begin() { return std::ranges::begin(this->source_.get()); }
  auto end() { return std::ranges::end(this->source_.get()); }
  auto begin() const
    requires SyncIterable<const std::remove_reference_t<R>>
  {
    return std::ranges::begin(this->source_.get());
  }
  auto end() const
    requires SyncIterable<const std::remove_reference_t<R>>
  {
    return std::ranges::end(this->source_.get());
  }
};

/// The coroutine behind as_sync: pulls one element per resumption and suspends with it. Its
/// frame holds the async iterator, the current element and the private loop, so iterating
/// allocates once, not per element.
template <class Result>
class as_sync_pump {
 public:
  struct promise_type {
    Result* current = nullptr;
    bool has_result = false;
    bool ended = false;  // by the end of the source, or by an exception from advance
    std::exception_ptr error;
    event_loop loop;

    as_sync_pump get_return_object() noexcept {
      return as_sync_pump(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always yield_value(Result& r) noexcept {
      current = &r;
      has_result = true;
      return {};
    }
    std::suspend_always final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { error = std::current_exception(); }
    void return_void() noexcept {}
  };
  using handle = std::coroutine_handle<promise_type>;

  as_sync_pump() noexcept = default;
  handle get() const noexcept { return frame_.get(); }

  /// Resumes the pump on its own loop until it has the next element, has ended, or failed.
  /// Whatever it throws ends the iteration: the iterator then equals end(), never refers to a
  /// half-made element.
  static void advance(handle h) {
    promise_type& p = h.promise();
    p.has_result = false;
    p.current = nullptr;
    try {
      loop_access::run_until(
          p.loop, [h] { h.resume(); }, [&p, h] { return p.has_result || h.done(); });
    } catch (...) {
      p.ended = true;
      throw;
    }
    if (h.done()) p.ended = true;
    if (p.error) std::rethrow_exception(std::exchange(p.error, nullptr));
  }

 private:
  explicit as_sync_pump(handle h) noexcept : frame_(h) {}
  unique_coroutine<promise_type> frame_;
};

template <class R, class Result>
as_sync_pump<Result> pump_elements(R source) {
  auto it = dualiter::aiter(source);
  while (true) {
    Result next = co_await dualiter::anext(it);
    if (!next) co_return;
    co_yield next;
  }
}

template <class R>
class as_sync_view {
  using source_type = std::remove_reference_t<R>;
  using result = std::remove_cvref_t<anext_result_t<async_iterator_t<source_type&>>>;
  using pump = as_sync_pump<result>;

 public:
  class iterator {
   public:
    using value_type = async_value_t<source_type&>;
    using reference = async_reference_t<source_type&>;
    using difference_type = std::ptrdiff_t;

    iterator() noexcept = default;
    reference operator*() const {
      if (*this == std::default_sentinel) [[unlikely]]
        throw_at_end();
      return static_cast<reference>(**pump_.promise().current);
    }
    iterator& operator++() {
      if (*this == std::default_sentinel) [[unlikely]]
        throw_at_end();
      pump::advance(pump_);
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return !it.pump_ || it.pump_.promise().ended;
    }

   private:
    friend as_sync_view;
    explicit iterator(typename pump::handle h) noexcept : pump_(h) {}
    [[noreturn]] static void throw_at_end() {
      throw std::logic_error(
          "dualiter: as_sync: the iterator is at the end (the source ended, or an earlier ++ "
          "threw); it has no element to give and cannot advance");
    }
    typename pump::handle pump_;
  };

  template <class U>
  explicit as_sync_view(U&& r) : source_(static_cast<U&&>(r)) {}

  /// Starts pulling: the first element is awaited now. Call it once (a second call throws
  /// std::logic_error: as_sync is a single-pass range); an owned source moves into the
  /// iteration. Refused inside a running loop (std::runtime_error, nothing started).
  iterator begin() {
    if (pump_.get()) {
      throw std::logic_error(
          "dualiter: as_sync: begin() called twice: it is a single-pass range. Fix: iterate "
          "it once, or make a new as_sync(r) for another pass");
    }
    if (event_loop::current() != nullptr) {
      throw std::runtime_error(
          "dualiter: as_sync cannot be iterated inside a running event loop: blocking this "
          "thread would stop the very loop the elements wait for. Fix: co_await "
          "dualiter::anext(it) there, or co_await dualiter::for_each(r, f)");
    }
    pump_ = detail::pump_elements<R, result>(static_cast<R&&>(source_.get()));
    pump::advance(pump_.get());
    return iterator(pump_.get());
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  range_holder<R> source_;
  pump pump_;
};

}  // namespace detail

/// Their iterators hold the source's iterators, not the adapter: an adapter over an lvalue may
/// be a temporary, as with `aiter(as_async(v))`.
template <class T>
inline constexpr bool enable_borrowed_async_iterable<detail::as_async_view<T&>> = true;
template <class T>
inline constexpr bool enable_borrowed_async_iterable<detail::dual_view<T&>> = true;

/// Any SyncIterable seen as an AsyncIterable: every anext is ready at once, with no suspension
/// and no allocation. Holds an lvalue by reference and an rvalue by value. Python has no twin;
/// like JavaScript's `for await` over a sync iterable, or Rust's `stream::iter`.
template <class R>
auto as_async(R&& r) {
  assert_sync_iterable<R>();
  if constexpr (SyncIterable<R>) {
    return detail::as_async_view<R>(static_cast<R&&>(r));
  } else {
    return detail::result_after_error();  // keeps the assertion the only error
  }
}

/// Any AsyncIterable consumed by a plain for loop: each element is awaited to completion on a
/// private event_loop, so sources that sleep work. Like Rust's `block_on_stream`, or a
/// Python async generator's hand-written `.to_sync_generator()`. Holds an lvalue by reference and
/// owns an rvalue. Iterating it inside a running event loop throws std::runtime_error (blocking
/// would stop that loop).
template <class R>
auto as_sync(R&& r) {
  assert_async_iterable<R>();
  if constexpr (AsyncIterable<R>) {
    return detail::as_sync_view<R>(static_cast<R&&>(r));
  } else {
    return detail::result_after_error();  // keeps the assertion the only error
  }
}

/// A SyncIterable that models DualIterable: the same elements through begin/end and through
/// aiter. Holds an lvalue by reference and an rvalue by value.
template <class R>
auto dual(R&& r) {
  assert_sync_iterable<R>();
  if constexpr (SyncIterable<R>) {
    return detail::dual_view<R>(static_cast<R&&>(r));
  } else {
    return detail::result_after_error();  // keeps the assertion the only error
  }
}

}  // namespace dualiter

#endif  // DUALITER_ADAPTERS_HPP

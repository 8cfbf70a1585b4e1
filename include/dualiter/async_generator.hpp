// dualiter::async_generator<T> — a lazy asynchronous sequence. Python: an async generator
// (`async def` with both `await` and `yield`).
#ifndef DUALITER_ASYNC_GENERATOR_HPP
#define DUALITER_ASYNC_GENERATOR_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <dualiter/anext_result.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/element_types.hpp>
#include <dualiter/detail/frame_allocation.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/not_an_iterator.hpp>
#include <dualiter/detail/unique_coroutine.hpp>

namespace dualiter {

/// Thrown by `co_await anext(it)` while an earlier anext on the same generator is still
/// pending. Python: `RuntimeError: anext(): asynchronous generator is already running`.
class already_running : public std::logic_error {
 public:
  already_running()
      : std::logic_error(
            "dualiter: anext(): asynchronous generator is already running (an earlier anext on "
            "it has not completed yet)") {}
};

template <class Ref, class V = void>
class async_generator;

namespace detail {

template <class Ref, class V, class Consume>
class push_elements;

template <class Ref, class V>
class async_generator_promise : public resume_link, public frame_allocation {
  using types = element_types<Ref, V>;

 public:
  using yielded = typename types::yielded;
  using pointer = std::add_pointer_t<std::remove_reference_t<yielded>>;

  async_generator<Ref, V> get_return_object() noexcept;

  std::suspend_always initial_suspend() noexcept { return {}; }

  enum class state : unsigned char { idle, busy, finished };

  // co_yield hands the element to the consumer the way co_return ends a task: back to the
  // inline resumer, or by symmetric transfer to a consumer that was suspended for real.
  template <state Next>
  struct handing_back {
    bool await_ready() noexcept { return false; }
    DUALITER_HOT std::coroutine_handle<> await_suspend(
        std::coroutine_handle<async_generator_promise> h) noexcept {
      h.promise().state_ = Next;
      return detail::hand_back(h.promise());
    }
    void await_resume() noexcept {}
  };
  using yield_awaiter = handing_back<state::idle>;

  DUALITER_HOT yield_awaiter yield_value(yielded value) noexcept {
    publish(std::addressof(value));
    return {};
  }

  auto yield_value(const std::remove_reference_t<yielded>& value)
    requires copies_lvalues<yielded>
  {
    return copied_yield<std::remove_cvref_t<yielded>, yield_awaiter>{{}, value};
  }

  handing_back<state::finished> final_suspend() noexcept {
    value_ = nullptr;
    return {};
  }

  void unhandled_exception() noexcept { exception_ = std::current_exception(); }
  void return_void() noexcept {}

  template <class A>
  decltype(auto) await_transform(A&& awaitable) {
    return detail::transform_awaitable(static_cast<A&&>(awaitable));
  }

  void publish(pointer p) noexcept { value_ = p; }

 private:
  template <class, class>
  friend class dualiter::async_generator;
  template <class, class, class>
  friend class push_elements;

  pointer value_ = nullptr;  // the element, or null at the end
  std::exception_ptr exception_;
  state state_ = state::idle;  // busy: an anext is pending (the body runs, or awaits)
};

}  // namespace detail

/// A lazy, move-only, asynchronous sequence of Ref, written as a coroutine that may both
/// co_await (any Awaitable) and co_yield, in any mix. Python: an async generator.
///
/// AsyncIterable: `dualiter::aiter(g)` gives a cheap iterator that does not own g (valid while
/// g lives); `co_await dualiter::anext(it)` gives an anext_result whose `*` refers to the
/// yielded object, valid until the next anext; after the end every anext is empty. The
/// generator is also its own AsyncIterator (`anext(g)`), so a class's aiter() may return one.
/// Not SyncIterable: a range-for over it does not compile (use as_sync, or anext in a task).
///
/// A second anext while one is pending throws already_running. An exception thrown in the
/// body reaches the awaiter of anext; the generator is then finished. Destroying it at any
/// suspension point (a co_yield, or a pending co_await) destroys its frame and its locals.
/// Elements that are produced synchronously are handed over without suspending the consumer.
template <class Ref, class V>
class [[nodiscard]] async_generator {
  using types = detail::element_types<Ref, V>;

 public:
  using promise_type = detail::async_generator_promise<Ref, V>;
  using value_type = typename types::value;
  using reference = typename types::reference;
  using yielded = typename types::yielded;

  /// The awaitable anext returns.
  class next_awaiter : public detail::inline_aware {
   public:
    DUALITER_HOT bool await_ready() const {
      if (!handle_) return true;
      switch (handle_.promise().state_) {
        case promise_type::state::idle:
          return false;
        case promise_type::state::finished:
          return true;
        case promise_type::state::busy:
          break;
      }
      throw already_running();
    }

    template <class Promise>
    DUALITER_HOT bool await_suspend(std::coroutine_handle<Promise> consumer) {
      promise_type& p = handle_.promise();
      p.state_ = promise_type::state::busy;
      return detail::run_inline(p, handle_, consumer, detail::link_of(consumer));
    }

    DUALITER_HOT anext_result<reference> await_resume() const {
      if (!handle_) return {};
      promise_type& p = handle_.promise();
      if (p.value_ == nullptr && p.exception_) [[unlikely]] {
        std::rethrow_exception(std::exchange(p.exception_, nullptr));
      }
      return anext_result<reference>(p.value_);
    }

   private:
    friend async_generator;
    explicit next_awaiter(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
    std::coroutine_handle<promise_type> handle_;
  };

  /// What aiter returns: a non-owning handle on the generator.
  class iterator {
   public:
    iterator() noexcept = default;
    /// Python: `it.__anext__()`.
    next_awaiter anext() const noexcept { return next_awaiter(handle_); }

   private:
    friend async_generator;
    explicit iterator(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
    std::coroutine_handle<promise_type> handle_;
  };

  async_generator() noexcept = default;

  /// Python: `g.__aiter__()`. The iterator is valid while this generator lives.
  iterator aiter() noexcept { return iterator(frame_.get()); }
  /// Python: `g.__anext__()`.
  next_awaiter anext() noexcept { return next_awaiter(frame_.get()); }

  // Only here to turn a range-for over an async generator into one clear error.
  detail::not_an_iterator begin() {
    static_assert(detail::always_false_v<async_generator>,
                  "dualiter: not sync iterable: async_generator is async iterable only, a plain "
                  "for loop cannot drive it. Fix: co_await dualiter::anext(it) in a task, or "
                  "wrap it with dualiter::as_sync(g)");
    return {};
  }
  detail::not_an_iterator end() { return {}; }

 private:
  friend promise_type;
  explicit async_generator(std::coroutine_handle<promise_type> h) noexcept : frame_(h) {}

  template <class, class, class>
  friend class detail::push_elements;

  detail::unique_coroutine<promise_type> frame_;
};

namespace detail {
template <class Ref, class V>
async_generator<Ref, V> async_generator_promise<Ref, V>::get_return_object() noexcept {
  return async_generator<Ref, V>(
      std::coroutine_handle<async_generator_promise>::from_promise(*this));
}

template <class T>
inline constexpr bool is_async_generator_v = false;
template <class Ref, class V>
inline constexpr bool is_async_generator_v<async_generator<Ref, V>> = true;

/// The algorithms' fast path over an async_generator (for_each, fold_left, count ...):
/// `while (co_await push_elements(g, consume)) {}` calls consume(element) for every element,
/// until it returns false. Elements produced synchronously are handed over in a plain loop in
/// await_suspend, the generator resumed inline each time, as a range-for resumes a
/// generator: no resumption of the consumer's coroutine per element. When the generator
/// suspends for real, the consumer does too; the element that resumes it is consumed in
/// await_resume, which returns true to enter the loop again.
template <class Ref, class V, class Consume>
class push_elements : public inline_aware {
  using generator = async_generator<Ref, V>;
  using promise = async_generator_promise<Ref, V>;
  using reference = typename generator::reference;

 public:
  push_elements(generator& g, Consume& consume) noexcept
      : handle_(g.frame_.get()), consume_(consume) {}

  bool await_ready() const {
    if (!handle_) return true;
    switch (handle_.promise().state_) {
      case promise::state::idle:
        return false;
      case promise::state::finished:
        return true;
      case promise::state::busy:
        break;
    }
    throw already_running();
  }

  template <class P>
  bool await_suspend(std::coroutine_handle<P> consumer) {
    promise& p = handle_.promise();
    resume_link* const consumer_link = detail::link_of(consumer);
    // Written before the handle may escape: once it has, only await_resume reads this.
    resumed_by_generator_ = true;
    const std::uint32_t depth = (consumer_link != nullptr ? consumer_link->inline_depth : 0) + 1;
    if (depth > max_inline_depth) [[unlikely]] {
      // run_inline leaves the generator to the chain's base (inline_resume.hpp, rule 6).
      p.state_ = promise::state::busy;
      return detail::run_inline(p, handle_, consumer, consumer_link);
    }
    // run_inline, with what stays the same from one element to the next set once: the
    // generator runs inline with this frame until it suspends for real, and nothing but a
    // detach (which ends the loop) changes its link meanwhile.
    p.continuation = consumer;
    p.resumer = consumer_link;
    inline_frame frame;  // NOLINT: `deferred` is read only once has_deferred is set
    p.resumer_frame = &frame;
    p.inline_depth = depth;
    for (;;) {
      p.state_ = promise::state::busy;
      handle_.resume();
      if (frame.must_suspend) [[unlikely]]
        return detail::after_suspension(frame, p);
      if (p.value_ == nullptr || !consume_(static_cast<reference>(*p.value_))) {
        resumed_by_generator_ = false;  // the end (or an exception), or consume has enough
        return false;
      }
    }
  }

  /// True when the caller is to await again: an element came after a real suspension and
  /// consume wants more.
  bool await_resume() {
    if (!handle_) return false;
    promise& p = handle_.promise();
    if (p.value_ == nullptr) {
      if (p.exception_) [[unlikely]]
        std::rethrow_exception(std::exchange(p.exception_, nullptr));
      return false;
    }
    return resumed_by_generator_ && consume_(static_cast<reference>(*p.value_));
  }

 private:
  std::coroutine_handle<promise> handle_;
  Consume& consume_;
  bool resumed_by_generator_ = false;
};

template <class Ref, class V, class Consume>
push_elements(async_generator<Ref, V>&, Consume&) -> push_elements<Ref, V, Consume>;
}  // namespace detail

}  // namespace dualiter

#endif  // DUALITER_ASYNC_GENERATOR_HPP

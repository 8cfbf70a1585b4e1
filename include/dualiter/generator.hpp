// dualiter::generator<T> — a lazy synchronous sequence. Python: a generator (`def` + `yield`).
#ifndef DUALITER_GENERATOR_HPP
#define DUALITER_GENERATOR_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <exception>
#include <iterator>
#include <memory>
#include <ranges>
#include <type_traits>
#include <utility>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/element_types.hpp>
#include <dualiter/detail/frame_allocation.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/not_an_iterator.hpp>
#include <dualiter/detail/unique_coroutine.hpp>

namespace dualiter {

/// `co_yield elements_of(r)` yields every element of the range r in place. Python:
/// `yield from r`. A nested generator of the same type is resumed directly by the consumer,
/// so an element costs the same at any nesting depth.
template <class Range>
struct elements_of {
  Range range;  // a reference: the range lives in the co_yield expression, across the suspension

  // Compiler workaround (Clang 14: no parenthesised aggregate initialisation, P0960 came in
  // Clang 16): the constructor is spelled out.
  constexpr explicit elements_of(Range&& r) noexcept : range(static_cast<Range&&>(r)) {}
};
template <class Range>
elements_of(Range&&) -> elements_of<Range&&>;

template <class Ref, class V = void>
class generator;

namespace detail {

template <class T>
inline constexpr bool is_generator_v = false;
template <class Ref, class V>
inline constexpr bool is_generator_v<generator<Ref, V>> = true;

// Two mechanisms meet here, for two different jobs.
//  - root/active (as in the C++23 reference implementation) makes an element cost the same at
//    any elements_of depth: the consumer's ++ resumes the innermost generator (the root's
//    active_) directly, and a yield publishes the element in the root. A finished nested
//    generator hands active_ back to its parent.
//  - Inline resumption (detail/inline_resume.hpp) makes entering and leaving nested generators
//    cost no stack at -O0: `co_yield elements_of(g)` runs g inline, and g hands back to its
//    parent by returning, not by symmetric transfer, when it finishes without having yielded.
//    A yield must then detach the chain of generators running inline above it (they stay
//    suspended while the consumer holds the element), so that when the yielding generator
//    later finishes, it resumes its parent by symmetric transfer: the parent's inline resumer
//    has long returned.
// Without the first, an element deep in a tower would pass through every level; without the
// second, ten million empty nested generators would need ten million nested transfers at -O0.
template <class Ref, class V>
class generator_promise : public resume_link, public frame_allocation {
  using types = element_types<Ref, V>;

 public:
  using yielded = typename types::yielded;
  using pointer = std::add_pointer_t<yielded>;

  generator<Ref, V> get_return_object() noexcept;

  std::suspend_always initial_suspend() noexcept { return {}; }

  // A yield detaches every generator running inline above this one (the elements_of descent
  // that reached it), so each of them stays suspended while the consumer has the element.
  // Only the first yield of a nested generator after its parent started it finds it running
  // inline: the consumer resumes the root, or the innermost generator after a yield, with a
  // plain resume().
  struct yield_awaiter {
    bool await_ready() noexcept { return false; }
    void await_suspend(std::coroutine_handle<generator_promise> h) noexcept {
      // The same test twice, for two optimisers (callgrind, instructions per element of a
      // generator, -O3): GCC 12 lays the walk out of the element's path only when the test
      // stands outside it (38.5 -> 36.5); with it, Clang 14 lays the whole yield out worse
      // (29.8 -> 40.8).
#if defined(__clang__)
      detail::detach_chain(h.promise());
#else
      if (h.promise().running_inline()) detail::detach_chain(h.promise());
#endif
    }
    void await_resume() noexcept {}
  };

  yield_awaiter yield_value(yielded value) noexcept {
    publish(std::addressof(value));
    return {};
  }

  auto yield_value(const std::remove_reference_t<yielded>& value)
    requires copies_lvalues<yielded>
  {
    return copied_yield<std::remove_cvref_t<yielded>, yield_awaiter>{{}, value};
  }

  /// Runs a nested generator of the same type in place.
  struct nested_awaiter {
    generator<Ref, V> child;

    bool await_ready() noexcept { return !child.frame_; }
    bool await_suspend(std::coroutine_handle<generator_promise> parent) {
      const auto child_handle = child.frame_.get();
      generator_promise& parent_promise = parent.promise();
      generator_promise& child_promise = child_handle.promise();
      child_promise.root_ = parent_promise.root_;
      parent_promise.root_->active_ = child_handle;
      return detail::run_inline(child_promise, child_handle, parent, &parent_promise);
    }
    void await_resume() {
      if (child.frame_ && child.frame_.get().promise().exception_) {
        std::rethrow_exception(std::exchange(child.frame_.get().promise().exception_, nullptr));
      }
    }
  };

  template <class G>
    requires std::same_as<std::remove_cvref_t<G>, generator<Ref, V>>
  nested_awaiter yield_value(elements_of<G> nested) noexcept {
    return {std::move(nested.range)};
  }

  /// Any other range: its elements are yielded one by one by a nested generator.
  template <class R>
    requires std::ranges::input_range<R> &&
             (!std::same_as<std::remove_cvref_t<R>, generator<Ref, V>>) &&
             yieldable<std::ranges::range_reference_t<R>, yielded>
  nested_awaiter yield_value(elements_of<R> nested) {
    return {yield_each(std::ranges::begin(nested.range), std::ranges::end(nested.range))};
  }

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    std::coroutine_handle<> await_suspend(std::coroutine_handle<generator_promise> h) noexcept {
      generator_promise& p = h.promise();
      if (p.root_ == &p) return std::noop_coroutine();  // back to the consumer
      p.root_->active_ = p.continuation;                // the parent takes over again
      return detail::hand_back(p);
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { exception_ = std::current_exception(); }
  void return_void() noexcept {}

  template <class A>
  std::suspend_never await_transform(A&&) {
    static_assert(always_false_v<A>,
                  "dualiter: cannot co_await inside a generator: a generator is synchronous. "
                  "Fix: make the coroutine a dualiter::async_generator<T>, which may both "
                  "co_await and co_yield");
    return {};
  }

  void publish(pointer p) noexcept { root_->value_ = p; }

 private:
  template <class, class>
  friend class dualiter::generator;

  template <class I, class S>
  static generator<Ref, V> yield_each(I it, S end) {
    for (; it != end; ++it) co_yield *it;
  }

  generator_promise* root_ = this;  // the outermost generator; it holds the shared state
  std::coroutine_handle<> active_;  // root only: the innermost running generator
  pointer value_ = nullptr;         // root only: the current element
  std::exception_ptr exception_;    // the exception that ended this generator
  bool started_ = false;
};

}  // namespace detail

/// A lazy, move-only, synchronous sequence of Ref, written as a coroutine with co_yield.
/// Python: a generator. A std::ranges::input_range and view, so SyncIterable; not
/// AsyncIterable. Element types follow C++23 std::generator: generator<int> hands out int&&,
/// generator<const std::string&> hands out references to the yielded objects (no copies).
///
/// `co_yield dualiter::elements_of(r)` yields all of r (another generator, or any range).
/// An exception thrown in the body reaches the consumer at begin() or ++it; the generator is
/// then finished. Destroying it at any co_yield destroys its frame and every local in it.
/// `co_await` in the body does not compile: use async_generator.
template <class Ref, class V>
class [[nodiscard]] generator : public std::ranges::view_base {
  using types = detail::element_types<Ref, V>;

 public:
  using promise_type = detail::generator_promise<Ref, V>;
  using value_type = typename types::value;
  using reference = typename types::reference;
  using yielded = typename types::yielded;

  generator() noexcept = default;

  class iterator {
   public:
    using value_type = generator::value_type;
    using difference_type = std::ptrdiff_t;

    iterator() noexcept = default;
    iterator(iterator&& other) noexcept : root_(std::exchange(other.root_, nullptr)) {}
    iterator& operator=(iterator&& other) noexcept {
      root_ = std::exchange(other.root_, nullptr);
      return *this;
    }

    reference operator*() const noexcept { return static_cast<reference>(*root_.promise().value_); }
    iterator& operator++() {
      advance(root_);
      return *this;
    }
    void operator++(int) { ++*this; }

    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return !it.root_ || it.root_.done();
    }

   private:
    friend generator;
    explicit iterator(std::coroutine_handle<promise_type> root) noexcept : root_(root) {}
    std::coroutine_handle<promise_type> root_;
  };

  /// Starts the body and runs it to its first co_yield. Call it once.
  iterator begin() {
    const auto root = frame_.get();
    if (root && !root.promise().started_) {
      root.promise().started_ = true;
      advance(root);
    }
    return iterator(root);
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  friend promise_type;
  explicit generator(std::coroutine_handle<promise_type> h) noexcept : frame_(h) {}

  static void advance(std::coroutine_handle<promise_type> root) {
    promise_type& p = root.promise();
    p.active_.resume();
    // An exception that reaches the root ends it, so it is looked for only once the root is
    // done: the loop's own end test (root_.done() in ==) is then the one test an element pays
    // (the optimiser merges the two). Checking exception_ on every ++ cost 3 instructions an
    // element (callgrind, GCC 12 -O3).
    if (root.done() && p.exception_) [[unlikely]] {
      std::rethrow_exception(std::exchange(p.exception_, nullptr));
    }
  }

  detail::unique_coroutine<promise_type> frame_;
};

namespace detail {
template <class Ref, class V>
generator<Ref, V> generator_promise<Ref, V>::get_return_object() noexcept {
  auto h = std::coroutine_handle<generator_promise>::from_promise(*this);
  active_ = h;
  return generator<Ref, V>(h);
}
}  // namespace detail

/// The iterator range_from_iter's begin() returns: it owns the generator it walks, so a class
/// can hand out a fresh generator per loop, as Python's `__iter__` does.
template <class Ref, class V>
class owning_generator_iterator {
  using gen = generator<Ref, V>;

 public:
  using value_type = typename gen::value_type;
  using difference_type = std::ptrdiff_t;

  explicit owning_generator_iterator(gen g) : generator_(std::move(g)), at_(generator_.begin()) {}

  typename gen::reference operator*() const noexcept { return *at_; }
  owning_generator_iterator& operator++() {
    ++at_;
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const owning_generator_iterator& it, std::default_sentinel_t) noexcept {
    return it.at_ == std::default_sentinel;
  }

 private:
  gen generator_;
  typename gen::iterator at_;  // refers to the frame, not to generator_: moves are fine
};

/// Gives a class begin() and end() from its `iter()` member returning a generator, so a plain
/// for loop (and SyncIterable) works on the object itself. Python: a class whose `__iter__` is a
/// generator function. CRTP: `class items : public dualiter::range_from_iter<items>`.
template <class Derived>
class range_from_iter {
 public:
  // Templates with a defaulted parameter, so that the constraints are checked when begin() is
  // called, once Derived is complete. Compiler workaround (Clang 14 checks them too early
  // otherwise).
  template <class D = Derived>
    requires requires(const D& d) { d.iter(); }
  auto begin() const {
    return make(static_cast<const D&>(*this).iter());
  }
  template <class D = Derived>
    requires requires(D& d) { d.iter(); }
  auto begin() {
    return make(static_cast<D&>(*this).iter());
  }
  // Chosen only when Derived has no usable iter(): SyncIterable stays false, and a plain for
  // loop over the object stops at this one assertion.
  template <class D = Derived>
  detail::not_an_iterator begin() const {
    static_assert(detail::always_false_v<D>,
                  "dualiter: not sync iterable: range_from_iter<Derived> needs a member iter() "
                  "returning a dualiter::generator. Fix: add `dualiter::generator<T> iter() "
                  "const` to the class (Python's __iter__)");
    return {};
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  template <class Ref, class V>
  static owning_generator_iterator<Ref, V> make(generator<Ref, V> g) {
    return owning_generator_iterator<Ref, V>(std::move(g));
  }
};

}  // namespace dualiter

#endif  // DUALITER_GENERATOR_HPP

// What dualiter's views share: how a view holds its source, which protocol sides it has, how its
// async iterators wait on the source's anext without a coroutine per element, and the pipe.
//
// Two kinds of async iterator serve every adaptor but merge:
//  - forwarders (transform, take, take_while, enumerate): one anext of the view is one anext of
//    the source. The view's awaiter holds the source's awaiter and passes await_ready and
//    await_suspend straight through, so it is exactly as inline-aware as the source's, costs
//    what the source costs, and suspends only when the source does.
//  - pull loops (filter, drop, drop_while): one anext of the view may need several of the
//    source. The loop runs in the view's await_suspend for as long as the source completes
//    synchronously (a flat stack, no allocation); when the source suspends for real, it is given
//    the handle of a tiny coroutine, the loop stub (one frame per iterator, made at the first
//    anext), which carries the loop on when resumed and finally resumes the consumer.
#ifndef DUALITER_DETAIL_VIEWS_CORE_HPP
#define DUALITER_DETAIL_VIEWS_CORE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <exception>
#include <functional>
#include <memory>
#include <new>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

#include <dualiter/adapters.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/unique_coroutine.hpp>

namespace dualiter::detail {

/// How a view stores its source S (the declared type: T& for an lvalue, T for an rvalue), and
/// which sides that stored source has.
template <class S>
concept sync_side = SyncIterable<std::remove_reference_t<S>&>;
template <class S>
concept async_side = AsyncIterable<std::remove_reference_t<S>&>;
template <class S>
concept iterable_source = sync_side<S> || async_side<S>;

template <class S>
using sync_ref_t = std::ranges::range_reference_t<std::remove_reference_t<S>&>;
template <class S>
using async_ref_t = async_reference_t<std::remove_reference_t<S>&>;

/// The reference `*x` gives for a result of `co_await anext(it)`.
template <class It>
using anext_ref_t = decltype(*std::declval<std::remove_cvref_t<anext_result_t<It>>&>());

/// How a tuple element of zip or enumerate holds an element: an lvalue by reference (no
/// copy); an rvalue, which the source gives away, by value, so that the tuples can be copied.
template <class Ref>
using tuple_part_t =
    std::conditional_t<std::is_lvalue_reference_v<Ref>, Ref, std::remove_cvref_t<Ref>>;

/// An lvalue of the element: what predicates see, so that they cannot move from an element
/// that is then handed on.
template <class Ref>
using element_lvalue_t = std::remove_reference_t<Ref>&;

/// Turns a call into an argument that optional::emplace converts in place: the prvalue the call
/// returns initialises the object directly, so awaiters that cannot move can be stored too.
template <class F>
struct from_call {
  F f;
  operator std::invoke_result_t<F&>() { return f(); }
};
template <class F>
from_call(F) -> from_call<F>;

/// What a computed element (a transform result, an enumerate pair) is handed out as on both
/// sides: a reference stays the very reference; a value is kept in the iterator and handed out
/// as an lvalue, valid until the next ++ or anext, so the two sides agree on the type.
template <class Out>
using computed_ref_t = std::conditional_t<std::is_reference_v<Out>, Out, Out&>;
/// The sync side's cache of a computed element: the same handing-out rule as computed_result_t.
/// Assignment rebuilds the element instead of assigning it, since a tuple holding a const
/// reference (zip over a const range) cannot be assigned, yet iterators must be.
template <class Out>
class computed_cache {
  static constexpr bool by_reference = std::is_reference_v<Out>;

 public:
  computed_cache() noexcept = default;
  computed_cache(computed_cache&& other) noexcept(std::is_nothrow_move_constructible_v<Out>) {
    take(std::move(other.element_));
  }
  computed_cache(const computed_cache& other)
    requires std::copy_constructible<Out>
  {
    take(other.element_);
  }
  computed_cache& operator=(computed_cache&& other) noexcept(
      std::is_nothrow_move_constructible_v<Out>) {
    take(std::move(other.element_));
    return *this;
  }
  computed_cache& operator=(const computed_cache& other)
    requires std::copy_constructible<Out>
  {
    if (this != &other) take(other.element_);
    return *this;
  }

  template <class Make>
  void set(Make make) {
    if constexpr (by_reference) {
      Out&& element = make();
      element_ = std::addressof(element);
    } else {
      element_.reset();
      element_.emplace(from_call{make});
    }
  }
  computed_ref_t<Out> get() const { return static_cast<computed_ref_t<Out>>(*element_); }
  std::remove_reference_t<Out>* address() const noexcept {
    if constexpr (by_reference) {
      return element_;
    } else {
      return std::addressof(*element_);
    }
  }

 private:
  using storage =
      std::conditional_t<by_reference, std::remove_reference_t<Out>*, std::optional<Out>>;
  template <class Other>
  void take(Other&& other) {
    if constexpr (by_reference) {
      element_ = other;
    } else {
      element_.reset();
      if (other) element_.emplace(*static_cast<Other&&>(other));
    }
  }
  // mutable: operator* is const, yet hands out a non-const lvalue of the element it computed.
  mutable storage element_{};
};

/// The awaitable A (what anext returns, by value) together with its awaiter, for views that
/// await it from inside their own awaiter. Movable until first used: GCC 12 moves an awaiter
/// that await_transform hands back as an xvalue, so the views' awaiters must move, and an
/// awaiter made by operator co_await may point into its awaitable; it is made at first use.
template <class A>
class held_awaiter {
  static constexpr bool separate = has_member_co_await<A> || has_free_co_await<A>;

 public:
  using awaiter = std::remove_cvref_t<awaiter_t<A>>;

  template <class Make>
  explicit held_awaiter(Make make) : awaitable_(make()) {}
  held_awaiter(held_awaiter&& other) noexcept(std::is_nothrow_move_constructible_v<A>)
      : awaitable_(std::move(other.awaitable_)) {}
  held_awaiter& operator=(held_awaiter&&) = delete;

  awaiter& get() {
    if constexpr (separate) {
      if (!inner_) inner_.emplace(from_call{[this] { return get_awaiter(std::move(awaitable_)); }});
      return *inner_;
    } else {
      return awaitable_;
    }
  }

 private:
  struct none {};
  A awaitable_;
  [[no_unique_address]] std::conditional_t<separate, std::optional<awaiter>, none> inner_;
};

struct not_inline_aware {};

/// A view's awaiter is inline-aware exactly when the source's is: then await_transform passes
/// it through and the source detaches the chain itself; otherwise the consumer wraps it in a
/// detaching_awaiter, as it would the source's.
template <class Awaiter>
using inline_aware_like =
    std::conditional_t<std::is_base_of_v<inline_aware, Awaiter>, inline_aware, not_inline_aware>;

/// await_suspend's three result kinds as "did it suspend": a returned handle other than h is
/// resumed here (the caller is already suspended, so that is allowed; it is not a tail call).
template <class Aw, class P>
bool suspend_on(Aw& aw, std::coroutine_handle<P> h) {
  using result = decltype(aw.await_suspend(h));
  if constexpr (std::is_void_v<result>) {
    aw.await_suspend(h);
    return true;
  } else if constexpr (std::is_same_v<result, bool>) {
    return aw.await_suspend(h);
  } else {
    std::coroutine_handle<> next = aw.await_suspend(h);
    if (next == h) return false;
    next.resume();
    return true;
  }
}

/// Set, on this thread, while a pull loop hands its stub to a source's foreign awaiter: a
/// resumption of that stub before await_suspend returns is then noted here instead of run.
struct synchronous_resumption {
  resume_link* stub = nullptr;
  bool resumed = false;
};
inline constinit thread_local synchronous_resumption awaiting_resumption{};

/// The loop stub: each resumption calls proceed(owner) while suspended, and goes where it says
/// (the consumer, or nowhere when the source suspended again).
class loop_stub {
 public:
  struct promise_type : resume_link {
    void* owner = nullptr;
    std::coroutine_handle<> (*proceed)(void*) noexcept = nullptr;

    loop_stub get_return_object() noexcept {
      return loop_stub(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { std::terminate(); }  // proceed is noexcept
    void return_void() noexcept {}
  };
  using handle = std::coroutine_handle<promise_type>;

  struct proceeding {
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(handle h) const noexcept {
      return h.promise().proceed(h.promise().owner);
    }
    void await_resume() const noexcept {}
  };

  loop_stub() noexcept = default;
  explicit operator bool() const noexcept { return static_cast<bool>(frame_); }
  handle get() const noexcept { return frame_.get(); }

  static loop_stub make() {
    for (;;) co_await proceeding{};
  }

 private:
  explicit loop_stub(handle h) noexcept : frame_(h) {}
  unique_coroutine<promise_type> frame_;
};

/// The async iterator of the pull-loop views. Derived provides `bool keep(E& element)`: true to
/// hand the element out, false to drop it and pull the next one. The end is always handed out.
template <class Derived, class SrcIt>
class pull_loop {
  using awaitable = anext_awaitable_t<SrcIt>;
  using source_awaiter = typename held_awaiter<awaitable>::awaiter;

 public:
  using result = std::remove_cvref_t<anext_result_t<SrcIt>>;

  explicit pull_loop(SrcIt source) : source_(std::move(source)) {}
  // Moved only while idle (nothing pending), as any async iterator.
  pull_loop(pull_loop&& other) noexcept(std::is_nothrow_move_constructible_v<SrcIt>)
      : source_(std::move(other.source_)), stub_(std::move(other.stub_)) {}
  pull_loop& operator=(pull_loop&&) = delete;

  class awaiter : public inline_aware_like<source_awaiter> {
   public:
    explicit awaiter(pull_loop& self) noexcept : self_(self) {}
    bool await_ready() const {
      if (self_.busy_) throw already_running();
      return false;
    }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> consumer) {
      return self_.start(consumer, link_of(consumer));
    }
    result await_resume() { return self_.finish(); }

   private:
    pull_loop& self_;
  };

  /// Python: `__anext__`.
  awaiter anext() noexcept { return awaiter(*this); }

 protected:
  SrcIt source_;

 private:
  bool start(std::coroutine_handle<> consumer, resume_link* consumer_link) {
    if (!stub_) stub_ = loop_stub::make();
    auto& stub = stub_.get().promise();
    stub.owner = this;  // here, not at construction: the iterator may have moved since
    stub.proceed = &proceed;
    // The stub stands in the consumer's place in the inline chain: if the source suspends for
    // real, it detaches the stub and, through it, the consumer and whoever runs that inline. It
    // is run like an inline callee of this call (its inline_frame is here), so that a chain cut
    // at the depth bound right below it comes back here (inline_resume.hpp, rule 6).
    inline_frame frame;
    stub.continuation = consumer;
    stub.resumer = consumer_link;
    stub.resumer_frame = &frame;
    stub.inline_depth = (consumer_link != nullptr ? consumer_link->inline_depth : 0) + 1;
    busy_ = true;
    try {
      if (pull()) {
        if (!frame.has_deferred) return true;
        // This is the cut chain's base: run it here; false once the stub handed back (an
        // element or the end is ready), true when something suspended for real.
        return run_cut_chain(frame, stub);
      }
    } catch (...) {
      pending_.reset();
      error_ = std::current_exception();
    }
    return false;
  }

  // Pulls until an element is kept or the end comes; true when the source suspended (for real,
  // or so its await_suspend said: see start).
  bool pull() {
    for (;;) {
      pending_.emplace([this] { return dualiter::anext(source_); });
      source_awaiter& aw = pending_->get();
      if (!aw.await_ready() && suspend_source(aw)) return true;
      if (settle()) return false;
    }
  }

  // The stub's handle goes to the source's awaiter. One that is not inline-aware may keep it
  // (the stub is detached first, as detaching_awaiter does for a coroutine), or resume it at
  // once, even from inside await_suspend: a cppcoro-style generator transfers to its producer,
  // which transfers straight back. Then the stub only notes it (proceed) and the loop goes on
  // here, so a run of dropped elements costs no stack.
  bool suspend_source(source_awaiter& aw) {
    if constexpr (std::is_base_of_v<inline_aware, source_awaiter>) {
      return suspend_on(aw, stub_.get());
    } else {
      resume_link& stub = stub_.get().promise();
      const int detached = detail::detach_chain(stub);
      const synchronous_resumption outer = awaiting_resumption;
      awaiting_resumption = {&stub, false};
      bool suspended = false;
      try {
        suspended = suspend_on(aw, stub_.get());
      } catch (...) {
        awaiting_resumption = outer;
        detail::reattach(stub, detached);
        throw;
      }
      // Only this thread's variable is read: if the handle escaped, the stub may be running
      // on another thread already, and nothing of this iterator may be touched (rule 3).
      const bool resumed_at_once = awaiting_resumption.resumed;
      awaiting_resumption = outer;
      if (suspended && !resumed_at_once) return true;
      detail::reattach(stub, detached);
      return false;
    }
  }

  // Takes the pending source result; true when it is to be handed out.
  bool settle() {
    result r = pending_->get().await_resume();
    pending_.reset();
    if (r) {
      auto&& element = *r;
      if (!static_cast<Derived&>(*this).keep(element)) return false;
    }
    if constexpr (std::is_move_assignable_v<result>) {
      out_ = std::move(r);
    } else {  // a std::optional of a tuple of const references, say
      out_.~result();
      ::new (static_cast<void*>(std::addressof(out_))) result(std::move(r));
    }
    return true;
  }

  result finish() {
    busy_ = false;
    if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
    return std::move(out_);
  }

  // The stub was resumed: the source's pending anext completed after a real suspension.
  static std::coroutine_handle<> proceed(void* owner) noexcept {
    auto& self = *static_cast<pull_loop*>(owner);
    auto& stub = self.stub_.get().promise();
    if (awaiting_resumption.stub == &stub) [[unlikely]] {
      awaiting_resumption.resumed = true;  // suspend_source goes on with the loop
      return std::noop_coroutine();
    }
    try {
      if (!self.settle() && self.pull()) return std::noop_coroutine();
    } catch (...) {
      self.pending_.reset();
      self.error_ = std::current_exception();
    }
    // Back to the consumer by transfer, or, when a cut chain's base resumed the stub as its
    // inline callee, by returning to it (inline_resume.hpp, rules 4 and 6).
    return detail::hand_back(stub);
  }

  std::optional<held_awaiter<awaitable>> pending_;
  result out_{};  // an optional-like result is empty when value-initialised
  std::exception_ptr error_;
  loop_stub stub_;
  bool busy_ = false;
};

/// The async iterator of a view's source: its own for an async source, or a sync source's
/// iterators seen asynchronously (zip, chain and merge of mixed inputs).
template <class S>
  requires iterable_source<S>
auto source_aiter(S& source) {
  if constexpr (AsyncIterable<S&>) {
    return dualiter::aiter(source);
  } else {
    return sync_range_async_iterator<S>(std::ranges::begin(source), std::ranges::end(source));
  }
}
template <class S>
using source_aiter_t = decltype(source_aiter(std::declval<S&>()));

/// A partial application, `views::filter(pred)`, applied by `r | closure`.
template <class Fn, class... Args>
class view_closure {
 public:
  explicit view_closure(Args... args) : args_(std::move(args)...) {}

  template <class R>
  friend auto operator|(R&& r, view_closure c) {
    return std::apply([&r](Args&... args) { return Fn{}(static_cast<R&&>(r), std::move(args)...); },
                      c.args_);
  }

 private:
  std::tuple<Args...> args_;
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_VIEWS_CORE_HPP

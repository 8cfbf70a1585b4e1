// How dualiter's coroutines hand control to each other without growing the stack.
//
// The textbook way is symmetric transfer: an awaiter's await_suspend returns the next coroutine's
// handle and the compiler tail-calls it. GCC 12 makes that a real tail call only at -O2 and
// above; at -O0, -O1 and under sanitizers each transfer is a nested call, so a task that awaits
// ten million synchronously completing tasks (or pulls ten million elements from an async
// generator that never really suspends) overflows an 8 MiB stack. Users debug at -O0.
//
// So the common case, a callee that completes or yields synchronously, must not transfer at
// all. An awaiter runs its callee *inline*: it resumes it with an ordinary call from
// await_suspend and, if the callee hands back before suspending for real, returns false, so the
// caller continues on the same stack frame. The stack depth is then the nesting depth of the
// calls, never the number of iterations.
//
// The callee learns that it runs inline from its resume_link. If, while inline, it is about to
// suspend for real (its handle escapes to an event loop, a thread, a foreign awaiter), it first
// *detaches* the chain of coroutines that are running inline above it: each one's inline
// resumer is told, through a flag on that resumer's own stack, to suspend instead of going on;
// and each one now resumes its continuation itself (symmetric transfer) when it hands back.
// Detaching happens before the handle escapes, so no atomics are needed: after that point the
// inline resumers touch only their stack flags, never a frame that another thread may resume.
#ifndef DUALITER_DETAIL_INLINE_RESUME_HPP
#define DUALITER_DETAIL_INLINE_RESUME_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

#include <dualiter/concepts.hpp>

namespace dualiter::detail {

/// A dualiter coroutine's place in a chain of inline resumptions. Promise types derive from it.
struct resume_link {
  /// Resumed when this coroutine hands back (co_yield, co_return) after having been detached.
  std::coroutine_handle<> continuation;
  /// The link of the dualiter coroutine whose awaiter resumed this one inline; null when that
  /// coroutine is not a dualiter one (sync_wait's driver, a user's own coroutine type).
  resume_link* resumer = nullptr;
  /// Lives on the stack of the awaiter that resumed this one inline; set to tell it to suspend.
  bool* resumer_must_suspend = nullptr;
  /// True while running inside an awaiter's call to resume(); meaningless while suspended.
  bool running_inline = false;
};

/// Awaiters deriving from this take part in inline resumption themselves; await_transform passes
/// them through instead of wrapping them in detaching_awaiter.
struct inline_aware {};

template <class Promise>
resume_link* link_of(std::coroutine_handle<Promise> h) noexcept {
  if constexpr (std::is_base_of_v<resume_link, Promise>) {
    return &h.promise();
  } else {
    return nullptr;
  }
}

/// Runs `callee` now, from the awaiter of `caller`. Returns true when the caller must suspend
/// (the callee detached and will resume `caller` itself), false when the callee already handed
/// back and the caller simply goes on.
inline bool run_inline(resume_link& callee_link, std::coroutine_handle<> callee,
                       std::coroutine_handle<> caller, resume_link* caller_link) {
  bool must_suspend = false;
  callee_link.continuation = caller;
  callee_link.resumer = caller_link;
  callee_link.resumer_must_suspend = &must_suspend;
  callee_link.running_inline = true;
  callee.resume();
  // Only the stack is safe to read now: if the callee detached, `caller`, its frame and this
  // awaiter may already be running (or gone) on another thread.
  return must_suspend;
}

/// Detaches `self` and every coroutine running inline above it. Call it before a handle in the
/// chain escapes. Returns how many links were detached, for reattach().
inline int detach_chain(resume_link& self) noexcept {
  int detached = 0;
  for (resume_link* link = &self; link != nullptr && link->running_inline; link = link->resumer) {
    link->running_inline = false;
    *link->resumer_must_suspend = true;
    ++detached;
  }
  return detached;
}

/// Undoes detach_chain when the handle did not escape after all (an awaiter declined to
/// suspend, or threw from await_suspend).
inline void reattach(resume_link& self, int detached) noexcept {
  resume_link* link = &self;
  for (; detached > 0; --detached, link = link->resumer) {
    link->running_inline = true;
    *link->resumer_must_suspend = false;
  }
}

/// Where a coroutine goes when it hands back a result: to its inline resumer by returning (a
/// noop transfer ends resume()), else to its continuation by symmetric transfer.
inline std::coroutine_handle<> hand_back(resume_link& self) noexcept {
  // running_inline is left as it is: it only has to be right while the coroutine runs, and
  // every later resumption sets it (run_inline) or found it cleared (detach_chain).
  if (self.running_inline) return std::noop_coroutine();
  return self.continuation;
}

/// Wraps an awaiter that knows nothing of inline resumption, so that the chain is detached
/// before the awaiter may let the coroutine's handle escape, and reattached if it did not.
template <class Awaiter>
struct detaching_awaiter {
  Awaiter inner;  // a reference when co_await was given an lvalue awaiter

  bool await_ready() { return inner.await_ready(); }

  template <class Promise>
  auto await_suspend(std::coroutine_handle<Promise> h) {
    resume_link& self = h.promise();
    const int detached = detach_chain(self);
    using result = decltype(inner.await_suspend(h));
    try {
      if constexpr (std::is_void_v<result>) {
        inner.await_suspend(h);
      } else if constexpr (std::is_same_v<result, bool>) {
        const bool suspended = inner.await_suspend(h);
        if (!suspended) reattach(self, detached);
        return suspended;
      } else {
        std::coroutine_handle<> next = inner.await_suspend(h);
        if (next == h) reattach(self, detached);
        return next;
      }
    } catch (...) {
      // The coroutine resumes at once with the exception: it is still running inline.
      reattach(self, detached);
      throw;
    }
  }

  decltype(auto) await_resume() { return inner.await_resume(); }
};

template <class Awaiter>
detaching_awaiter(Awaiter&&) -> detaching_awaiter<Awaiter>;

/// The await_transform of task and async_generator: checks the operand is awaitable (one clear
/// error otherwise) and wraps foreign awaiters.
template <class A>
decltype(auto) transform_awaitable(A&& awaitable) {
  assert_awaitable<A>();
  if constexpr (Awaitable<A>) {
    using awaiter = awaiter_t<A>;
    if constexpr (std::is_base_of_v<inline_aware, std::remove_cvref_t<awaiter>>) {
      return get_awaiter(static_cast<A&&>(awaitable));
    } else {
      return detaching_awaiter<awaiter>{get_awaiter(static_cast<A&&>(awaitable))};
    }
  } else {
    return std::suspend_never{};  // after the assertion, so that it stays the only error
  }
}

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_INLINE_RESUME_HPP

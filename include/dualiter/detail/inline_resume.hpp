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
// await_suspend (run_inline) and, if the callee hands back before suspending for real, returns
// false, so the caller continues on the same stack frame. The stack depth is then the nesting
// depth of the calls, never the number of iterations.
//
// Vocabulary. The *callee* is the coroutine an awaiter runs; its *continuation* is the
// coroutine awaiting it; its *resumer* is the continuation's resume_link when the continuation
// is a dualiter coroutine. Coroutines running inline one inside another form a *chain*; the
// outermost run_inline call of a chain, the one whose continuation was not itself running
// inline, is the chain's *base*. A callee that is about to suspend for real (its handle escapes
// to an event loop, a thread, a foreign awaiter) first *detaches* its chain: every inline
// resumer above it is told, through a flag in its inline_frame on its own stack, to suspend
// instead of going on, and each coroutine of the chain now resumes its continuation itself
// (symmetric transfer) when it hands back.
//
// The rules; a change here must keep every one of them.
//  1. A link's inline_depth is non-zero exactly while its coroutine runs inside the
//     callee.resume() of a run_inline call and has not been detached since. After handing back
//     inline it may stay non-zero: it is read only while the coroutine runs.
//  2. resumer_frame is dereferenced only while the link runs inline, that is while the
//     run_inline call that owns that inline_frame is on the stack.
//  3. Detaching happens before the handle escapes, so plain stores suffice: after that point
//     no inline resumer touches a coroutine frame. run_inline reads only its own inline_frame
//     after callee.resume() returns, and awaiters return its result without touching `this`,
//     since the caller, its frame and the awaiter may already be running (or gone) on another
//     thread.
//  4. hand_back returns to the inline resumer (by returning a noop coroutine, which ends the
//     resume() call) while running inline, else it resumes the continuation by symmetric
//     transfer. So each coroutine is resumed by exactly one party.
//  5. If the handle did not escape after all (the foreign awaiter declined to suspend, or threw
//     from await_suspend), reattach restores exactly what detach_chain cleared.
//  6. A chain runs at most max_inline_depth coroutines inline. The next one is not nested: the
//     chain is detached (defer_to_chain_base), the stack unwinds to the base, and the base
//     alone reads its inline_frame::deferred and resumes it there, then each level of the cut
//     chain in turn as it hands back (run_cut_chain): a trampoline, so nesting of any depth
//     costs a constant stack. Only a chain that suspends for real hands back level by level by
//     symmetric transfer, which is a nested call at -O0.
//  7. A coroutine detached by detaching_awaiter that hands back while the run_inline call that
//     ran it is still on the stack, on the same thread (a foreign awaiter resumed it at once,
//     by symmetric transfer or from inside await_suspend), reattaches and hands back inline
//     (sync_completion_window). The window is thread-local, names that call's inline_frame,
//     and is closed when that call returns, so it is never used after the frame is gone.
//
// An awaiter opts into this scheme by deriving from inline_aware; await_transform then passes it
// through unwrapped. It must guarantee that it never lets the awaiting coroutine's handle escape
// (to a queue, a thread, another coroutine that may resume it) without first calling
// detach_chain on the awaiting coroutine's link (or it never suspends at all, like as_async's
// ready awaiter), and that any dualiter coroutine it resumes, it resumes through run_inline. An
// awaiter that opts in wrongly lets two parties resume one coroutine: the foreign thread, and
// the inline resumer that still believes the coroutine runs inline. Every other awaiter is
// wrapped in detaching_awaiter.
//
// A worked trace: a task T awaits an async_generator G's anext; G awaits a task U; U awaits
// sleep_for on the event loop.
//   - T's awaiter calls run_inline(G): G runs inline at depth d+1 with an inline_frame F1 on
//     T's stack. G's awaiter calls run_inline(U): U runs at depth d+2, frame F2 on G's stack.
//   - U awaits sleep_for: not inline-aware, so detaching_awaiter calls detach_chain(U): U's and
//     G's depths become 0, F2 and F1 get must_suspend; then the timer is armed (the escape).
//   - U's resume() returns to run_inline in G's awaiter, which sees F2.must_suspend and returns
//     true: G suspends. The same happens one level up: T suspends, and the loop goes on.
//   - The timer fires; the loop resumes U (depth 0). U completes: hand_back sees it is not
//     inline and transfers to its continuation G, G yields and transfers to T: each detached
//     coroutine resumes its continuation itself.
#ifndef DUALITER_DETAIL_INLINE_RESUME_HPP
#define DUALITER_DETAIL_INLINE_RESUME_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <cstdint>
#include <exception>
#include <type_traits>
#include <utility>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/current_loop.hpp>
#include <dualiter/detail/remote_queue.hpp>
#include <dualiter/detail/stand_in.hpp>
#include <dualiter/diagnostics.hpp>

namespace dualiter::detail {

struct resume_link;

/// What one run_inline call keeps on its stack for the coroutine it resumes.
struct inline_frame {
  /// Set to tell the awaiter that called run_inline to suspend its coroutine.
  bool must_suspend = false;
  /// Set on a chain's base only, with the two below: the coroutine that would have nested too
  /// deep, for the base to resume once the chain has unwound (rule 6). They are left
  /// uninitialised otherwise: this is on the path of every element.
  bool has_deferred = false;
  void* deferred;
  resume_link* deferred_link;
};

/// A dualiter coroutine's place in a chain of inline resumptions. Promise types derive from it.
struct resume_link {
  /// Resumed when this coroutine hands back (co_yield, co_return) after having been detached.
  std::coroutine_handle<> continuation;
  /// The link of the dualiter coroutine whose awaiter resumed this one inline; null when that
  /// coroutine is not a dualiter one (sync_wait's driver, a user's own coroutine type).
  resume_link* resumer = nullptr;
  /// On the stack of the run_inline call that resumed this one; valid while running inline.
  inline_frame* resumer_frame = nullptr;
  /// While this coroutine runs inside an awaiter's call to resume(): how many run_inline calls
  /// of its chain are on the stack, its own included (1 for the chain's base). Zero otherwise,
  /// after detach_chain; meaningless while suspended after handing back inline.
  std::uint32_t inline_depth = 0;

  bool running_inline() const noexcept { return inline_depth != 0; }
};

/// How many coroutines one chain runs inline, each nested in the one below, before the next is
/// handed to the chain's base instead. Inline resumption costs a few frames of stack per level
/// (about 100 bytes at -O2, several hundred at -O0 and under sanitizers), so an unbounded chain
/// of nested awaits would overflow the stack long before symmetric transfer does.
inline constexpr std::uint32_t max_inline_depth = 1024;

// inline_aware, the tag of awaiters that take part in inline resumption themselves, is declared
// in concepts.hpp, so that anext(it, default) can pass it on.

template <class Promise>
resume_link* link_of(std::coroutine_handle<Promise> h) noexcept {
  if constexpr (std::is_base_of_v<resume_link, Promise>) {
    return &h.promise();
  } else {
    return nullptr;
  }
}

/// A chain detached by detaching_awaiter that may yet complete synchronously: a foreign awaiter
/// that resumes the coroutine by symmetric transfer (a cppcoro-style task that finished at
/// once) does so while the run_inline call that ran it is still on this thread's stack. If the
/// coroutine then handed back by symmetric transfer too, its continuation would carry on nested
/// inside that run_inline, one level deeper on every iteration of a loop. Rule 7: while the
/// window is open, the coroutine that opened it hands back as if it had never been detached.
struct sync_completion_window {
  resume_link* link = nullptr;    // the detached coroutine
  inline_frame* frame = nullptr;  // its resumer's frame: the window closes when that call returns
  int detached = 0;               // for reattach
};
inline constinit thread_local sync_completion_window open_window{};

/// Detaches `self` and every coroutine running inline above it. Call it before a handle in the
/// chain escapes. Returns how many links were detached, for reattach().
inline int detach_chain(resume_link& self) noexcept {
  int detached = 0;
  for (resume_link* link = &self; link != nullptr && link->running_inline(); link = link->resumer) {
    link->inline_depth = 0;
    link->resumer_frame->must_suspend = true;
    ++detached;
  }
  return detached;
}

/// run_inline's way out when the chain is as deep as it may go (rule 6): instead of resuming
/// `callee` one level deeper, detach the chain and leave `callee` to the chain's base, which
/// resumes it once the stack has unwound down to it.
[[gnu::noinline, gnu::cold]] inline void defer_to_chain_base(resume_link& callee_link,
                                                             std::coroutine_handle<> callee,
                                                             resume_link& resumer) noexcept {
  callee_link.inline_depth = 0;
  resume_link* top = &resumer;
  while (top->resumer != nullptr && top->resumer->running_inline()) top = top->resumer;
  inline_frame& base = *top->resumer_frame;
  base.deferred = callee.address();
  base.deferred_link = &callee_link;
  base.has_deferred = true;
  detach_chain(resumer);
}

/// The base's side of rule 6. The chain was cut at the bound and has unwound to `base`, the
/// frame of the run_inline call that resumed `top`. Resumes the deferred coroutine here, then,
/// each time the coroutine running here hands back, its continuation: one level of the cut
/// chain after another, each as this frame's inline callee, so a chain of any depth unwinds at
/// a constant stack depth, at -O0 too. Returns what run_inline returns: false once `top` has
/// handed back, true when a coroutine suspended for real (the cut chain is detached, so every
/// level then hands back to its continuation by symmetric transfer, as usual).
[[gnu::noinline, gnu::cold]] inline bool run_cut_chain(inline_frame& base,
                                                       resume_link& top) noexcept {
  resume_link* link = base.deferred_link;
  void* address = base.deferred;
  while (true) {
    base.must_suspend = false;
    base.has_deferred = false;
    link->resumer_frame = &base;
    link->inline_depth = 1;
    std::coroutine_handle<>::from_address(address).resume();
    if (base.must_suspend) {
      if (open_window.frame == &base) open_window = {};
      if (!base.has_deferred) return true;
      link = base.deferred_link;  // cut again, further down: start over from there
      address = base.deferred;
      continue;
    }
    if (link == &top) return false;
    address = link->continuation.address();
    link = link->resumer;
  }
}

/// run_inline's ending when its callee did not hand back: out of line, so that the path every
/// synchronously produced element takes stays small enough to be inlined into the awaiters.
[[gnu::noinline]] inline bool after_suspension(inline_frame& frame, resume_link& callee_link) {
  if (open_window.frame == &frame) open_window = {};  // closes with this call (rule 7)
  if (frame.has_deferred) [[unlikely]]
    return run_cut_chain(frame, callee_link);
  return true;
}

/// Runs `callee` now, from the awaiter of `continuation` (whose link is `resumer`, or null for
/// a coroutine that is not dualiter's). Returns true when the continuation must suspend (the
/// callee detached and will resume it itself), false when the callee already handed back and
/// the continuation simply goes on. Past max_inline_depth, see rule 6.
DUALITER_HOT bool run_inline(resume_link& callee_link, std::coroutine_handle<> callee,
                             std::coroutine_handle<> continuation, resume_link* resumer) {
  // A continuation that is not running inline has depth 0: the callee is a chain's base then.
  const std::uint32_t depth = (resumer != nullptr ? resumer->inline_depth : 0) + 1;
  callee_link.continuation = continuation;
  callee_link.resumer = resumer;
  if (depth > max_inline_depth) [[unlikely]] {
    defer_to_chain_base(callee_link, callee, *resumer);
    return true;
  }
  inline_frame frame;  // NOLINT: `deferred` is read only once has_deferred is set
  callee_link.resumer_frame = &frame;
  callee_link.inline_depth = depth;
  callee.resume();
  // Only the stack is safe to read now (rule 3).
  if (!frame.must_suspend) return false;
  if (open_window.frame == &frame) open_window = {};  // closes with this call (rule 7)
  if (frame.has_deferred) [[unlikely]]
    return run_cut_chain(frame, callee_link);
  return true;
}

/// Undoes detach_chain when the handle did not escape after all (an awaiter declined to
/// suspend, or threw from await_suspend).
inline void reattach(resume_link& self, int detached) noexcept {
  // The detached links ran at depths detached, ..., 2, 1: the last one was its chain's base.
  resume_link* link = &self;
  for (; detached > 0; --detached, link = link->resumer) {
    link->inline_depth = static_cast<std::uint32_t>(detached);
    link->resumer_frame->must_suspend = false;
  }
}

/// Where a coroutine goes when it hands back a result: to its inline resumer by returning (a
/// noop transfer ends resume()), else to its continuation by symmetric transfer.
DUALITER_HOT std::coroutine_handle<> hand_back(resume_link& self) noexcept {
  // running_inline is left as it is: it only has to be right while the coroutine runs, and
  // every later resumption sets it (run_inline) or found it cleared (detach_chain).
  if (self.running_inline()) return std::noop_coroutine();
  if (open_window.link == &self) [[unlikely]] {
    // Completed before the run_inline that ran it returned (rule 7): undo the detach and hand
    // back to that call.
    const int detached = open_window.detached;
    open_window = {};
    reattach(self, detached);
    return std::noop_coroutine();
  }
  return self.continuation;
}

/// The tag of dualiter's awaiters that are not inline_aware but resume the awaiting coroutine
/// on the loop's own thread (gather, wait_for): detaching_awaiter hands them the real handle,
/// not a stand-in.
struct resumes_on_loop_thread {};

/// Wraps an awaiter that knows nothing of inline resumption, so that the chain is detached
/// before the awaiter may let the coroutine's handle escape, and reattached if it did not. On
/// the embedded loop, a foreign awaiter gets a stand-in for the handle (stand_in.hpp), so that
/// a resumption from another thread continues the coroutine on the loop's thread.
template <class Awaiter>
struct detaching_awaiter {
  Awaiter inner;                         // a reference when co_await was given an lvalue awaiter
  stand_in_promise* stand_in = nullptr;  // while the stand-in may resume the coroutine

  ~detaching_awaiter() {
    if (stand_in != nullptr) [[unlikely]]
      stand_in->awaiter_done(false);  // destroyed while suspended: it must resume nothing
  }

  bool await_ready() { return inner.await_ready(); }

  template <class Promise>
  auto await_suspend(std::coroutine_handle<Promise> h) {
    if constexpr (!std::is_base_of_v<resumes_on_loop_thread, std::remove_cvref_t<Awaiter>>) {
      if (detail::current_loop != nullptr && detail::current_remote != nullptr) [[unlikely]]
        return suspend_with_stand_in(h);
    }
    resume_link& self = h.promise();
    inline_frame* const resumer_frame = self.resumer_frame;
    const int detached = detail::detach_chain(self);
    if (detached > 0) open_window = {&self, resumer_frame, detached};
    using result = decltype(inner.await_suspend(h));
    try {
      if constexpr (std::is_void_v<result>) {
        inner.await_suspend(h);
      } else if constexpr (std::is_same_v<result, bool>) {
        const bool suspended = inner.await_suspend(h);
        if (!suspended) undo(self, detached);
        return suspended;
      } else {
        std::coroutine_handle<> next = inner.await_suspend(h);
        if (next == h) undo(self, detached);
        return next;
      }
    } catch (...) {
      // The coroutine resumes at once with the exception: it is still running inline.
      undo(self, detached);
      throw;
    }
  }

  // The handle did not escape after all: running inline again, and no window to keep open.
  static void undo(resume_link& self, int detached) noexcept {
    if (open_window.link == &self) open_window = {};
    detail::reattach(self, detached);
  }

  // Out of line: a foreign await on the embedded loop, the only path that pays for a stand-in.
  // The same steps as above, with the stand-in's handle in place of h; `this` is not touched
  // once the stand-in may have been resumed (it may resume h at once, on this thread).
  template <class Promise>
  [[gnu::noinline]] auto suspend_with_stand_in(std::coroutine_handle<Promise> h) {
    using result = decltype(inner.await_suspend(h));
    stand_in_promise& proxy = detail::make_stand_in(detail::current_remote->get()).handle.promise();
    proxy.set_real(h);
    const std::coroutine_handle<> proxy_handle = stand_in_handle::from_promise(proxy);
    resume_link& self = h.promise();
    inline_frame* const resumer_frame = self.resumer_frame;
    const int detached = detail::detach_chain(self);
    if (detached > 0) open_window = {&self, resumer_frame, detached};
    stand_in = &proxy;
    try {
      if constexpr (std::is_void_v<result>) {
        inner.await_suspend(proxy_handle);
      } else if constexpr (std::is_same_v<result, bool>) {
        const bool suspended = inner.await_suspend(proxy_handle);
        if (!suspended) not_suspended(self, detached);
        return suspended;
      } else {
        std::coroutine_handle<> next = inner.await_suspend(proxy_handle);
        if (next == proxy_handle) {
          not_suspended(self, detached);
          return std::coroutine_handle<>(h);
        }
        return next;
      }
    } catch (...) {
      not_suspended(self, detached);
      throw;
    }
  }

  void not_suspended(resume_link& self, int detached) noexcept {
    std::exchange(stand_in, nullptr)->never_used();
    undo(self, detached);
  }

  decltype(auto) await_resume() {
    if (stand_in != nullptr) [[unlikely]]
      std::exchange(stand_in, nullptr)->awaiter_done(true);
    return inner.await_resume();
  }
};

template <class Awaiter>
detaching_awaiter(Awaiter&&) -> detaching_awaiter<Awaiter>;

/// The await_transform of task and async_generator: checks the operand is awaitable (one clear
/// error otherwise) and wraps foreign awaiters.
template <class A>
DUALITER_HOT decltype(auto) transform_awaitable(A&& awaitable) {
  assert_awaitable<A>();
  if constexpr (Awaitable<A>) {
    using awaiter = awaiter_t<A>;
    if constexpr (std::is_base_of_v<inline_aware, std::remove_cvref_t<awaiter>>) {
      return detail::get_awaiter(static_cast<A&&>(awaitable));
    } else {
      return detaching_awaiter<awaiter>{detail::get_awaiter(static_cast<A&&>(awaitable))};
    }
  } else {
    return after_error{};  // after the assertion, so that it stays the only error, also where
                           // the result is used
  }
}

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_INLINE_RESUME_HPP

// What event, queue, lock and semaphore share: a coroutine waiting for one of them (a waiter, in
// the awaiter, so in the suspended frame), and their FIFO lists of waiters.
//
// A waiter is woken as asyncio wakes a future's callbacks, with call_soon: it leaves the wait
// list and goes to the ready queue of the engine it suspended on; set(), put() and release()
// never resume a coroutine inline. A woken waiter stays listed in its primitive's `woken` list
// until it resumes, so that whatever was reserved for it (an item, a slot, the lock) can be
// passed on when it is cancelled or its frame is destroyed first, and so that a primitive
// destroyed under its waiters can let go of them.
//
// Single-threaded, as asyncio's primitives: every coroutine using one primitive runs on one
// thread (one event loop, or Asio spawns whose executors run on one thread).
#ifndef DUALITER_DETAIL_WAIT_LIST_HPP
#define DUALITER_DETAIL_WAIT_LIST_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <stdexcept>
#include <string>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/current_loop.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/ready_queue.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/event_loop.hpp>

namespace dualiter::detail {

class wait_list;

/// What an await whose primitive was destroyed under it throws, if it is ever resumed.
[[noreturn, gnu::cold]] inline void throw_primitive_destroyed(const char* what) {
  throw std::logic_error(std::string("dualiter: the ") + what +
                         " was destroyed while a coroutine waited for it");
}

/// The links of a waiter in a wait_list.
class wait_link {
 public:
  wait_link() noexcept = default;
  wait_link(const wait_link&) = delete;
  wait_link& operator=(const wait_link&) = delete;
  ~wait_link() { unlink(); }

  bool listed() const noexcept { return next_ != nullptr; }
  void unlink() noexcept {
    if (next_ == nullptr) return;
    prev_->next_ = next_;
    next_->prev_ = prev_;
    prev_ = next_ = nullptr;
  }

 private:
  friend class wait_list;
  wait_link* prev_ = nullptr;
  wait_link* next_ = nullptr;
};

/// A coroutine suspended in event::wait, queue::get/put/join, lock::acquire or
/// semaphore::acquire: listed in its primitive's wait list, then, once woken, in its woken list
/// and in its engine's ready queue. It is a cancel_point of the task it suspends
/// (detail/task_context.hpp), and takes part in inline resumption itself: it detaches the
/// awaiting coroutine's chain before suspending; the handle escapes only later, when another
/// coroutine wakes it.
class waiter : public inline_aware, private wait_link, protected cancel_point {
 public:
  waiter(const waiter&) = delete;
  waiter& operator=(const waiter&) = delete;

  /// Woken, and not resumed yet: what was reserved for it is still its own.
  bool woken() const noexcept { return woken_; }
  /// The primitive was destroyed under it (a lifetime error): it must not touch it again.
  bool orphaned() const noexcept { return orphaned_; }

 protected:
  explicit waiter(cancel_point::handler on_cancel) noexcept : cancel_point(on_cancel) {}
  ~waiter() = default;

  /// await_ready's part once the await cannot complete at once: finds the engine (or throws
  /// no_running_event_loop) and keeps rule 1. True: it does not suspend, a request being
  /// pending; await_resume will throw cancelled_error.
  bool cancelled_before_suspending(const char* what_needs_it) {
    engine_ = bound_engine::require(what_needs_it);
    return cancel_point::take_pending();
  }

  /// await_suspend: waits at the back of `list` (rule 2).
  template <class Promise>
  void suspend(wait_list& list, std::coroutine_handle<Promise> h) noexcept;

  /// await_resume's first step: out of the woken list; rule 3 (throws cancelled_error); and
  /// an error if the primitive (`what`) was destroyed under the waiter.
  void resume_or_throw(const char* what) {
    woken_ = false;
    wait_link::unlink();
    cancel_point::resume();
    if (orphaned_) [[unlikely]]
      detail::throw_primitive_destroyed(what);
  }

  /// From the wait list to the woken list and to its engine's ready queue.
  void wake(wait_list& woken) noexcept;

  /// For on_cancel: a waiter still in its wait list leaves it and is scheduled to throw
  /// cancelled_error; false if it was woken already (the caller passes its reservation on).
  bool cancel_if_waiting() noexcept {
    cancelled = true;
    if (woken_) return false;
    if (wait_link::listed()) {  // not if orphaned: its primitive is gone, it never resumes
      wait_link::unlink();
      engine_.wake(node_);
    }
    return true;
  }

  /// Woken, it will not take what was reserved for it (cancelled, or its frame destroyed):
  /// out of the woken list; true if it had a reservation to pass on.
  bool give_up_reservation() noexcept {
    if (!woken_) return false;
    woken_ = false;
    wait_link::unlink();
    return true;
  }

 private:
  friend class wait_list;
  ready_node node_;
  // The engine it suspended on, kept by the waiter itself: whoever wakes it runs in another
  // coroutine, maybe of another engine (another Asio spawn), where current_loop and
  // current_engine name the waker's engine, not the waiter's.
  bound_engine engine_;
  bool woken_ = false;
  bool orphaned_ = false;
};

/// A FIFO of waiters: a circular list around a sentinel, as the ready queue.
class wait_list {
 public:
  wait_list() noexcept { head_.prev_ = head_.next_ = &head_; }
  wait_list(const wait_list&) = delete;
  wait_list& operator=(const wait_list&) = delete;
  /// A primitive destroyed while coroutines wait on it (a lifetime error, as destroying a
  /// locked std::mutex): they are let go of, never resumed (their owners destroy them).
  ~wait_list() {
    while (!empty()) {
      waiter& w = front();
      w.unlink();
      w.orphaned_ = true;
      w.woken_ = false;
    }
  }

  bool empty() const noexcept { return head_.next_ == &head_; }
  waiter& front() noexcept { return static_cast<waiter&>(*head_.next_); }
  void push_back(waiter& w) noexcept {
    wait_link& link = w;
    link.prev_ = head_.prev_;
    link.next_ = &head_;
    head_.prev_->next_ = &link;
    head_.prev_ = &link;
  }

  /// Wakes the first waiter, moving it to `woken`.
  void wake_first(wait_list& woken) noexcept { front().wake(woken); }
  /// Wakes every waiter, in order.
  void wake_all(wait_list& woken) noexcept {
    while (!empty()) front().wake(woken);
  }
  /// Calls f(w) for every waiter w, as its derived type W, in order.
  template <class W, class F>
  void for_each(F f) noexcept {
    for (wait_link* l = head_.next_; l != &head_; l = l->next_)
      f(static_cast<W&>(static_cast<waiter&>(*l)));
  }

 private:
  wait_link head_;
};

template <class Promise>
void waiter::suspend(wait_list& list, std::coroutine_handle<Promise> h) noexcept {
  node_.waiting = h;
  if (resume_link* link = detail::link_of(h)) (void)detail::detach_chain(*link);
  list.push_back(*this);
  cancel_point::enter();
}

inline void waiter::wake(wait_list& woken) noexcept {
  wait_link::unlink();
  woken.push_back(*this);
  woken_ = true;
  engine_.wake(node_);
}

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_WAIT_LIST_HPP

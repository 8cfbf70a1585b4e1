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
//
// A primitive outlives runs of the loop: a coroutine may still wait on it when the run it
// suspended in ends (a task that would not end, let go of by the loop, or a coroutine the user
// owns), and the loop may be destroyed then. Such a waiter is let go of too: whatever would
// wake it later passes it over to the next waiter (or keeps what it has), and it is never
// resumed, as the loop drops everything else of a run that ended.
#ifndef DUALITER_DETAIL_WAIT_LIST_HPP
#define DUALITER_DETAIL_WAIT_LIST_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <cstdint>
#include <stdexcept>
#include <string>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/current_loop.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/ready_queue.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/event_loop.hpp>

namespace dualiter::detail {

/// The engine a waiter suspended on. The waiter keeps it itself: whoever wakes it runs in
/// another coroutine, maybe of another engine (another Asio spawn), where current_loop and
/// current_engine name the waker's engine, not the waiter's.
class home_engine {
 public:
  home_engine() noexcept = default;

  /// The engine running the awaiting coroutine, or no_running_event_loop naming what needed it.
  static home_engine current(const char* what_needs_it) {
    if (event_loop* const loop = event_loop::current()) {
      return home_engine(loop, nullptr, detail::innermost_run->id);  // the loop's own run
    }
    if (detail::current_engine == nullptr) throw no_running_event_loop(what_needs_it);
    return home_engine(nullptr, detail::current_engine, 0);
  }

  /// False once the loop's run that the coroutine suspended in has ended: the loop may be
  /// destroyed, and schedule must not be called. (Another engine keeps its spawns alive.)
  bool alive() const noexcept { return loop_ == nullptr || detail::run_is_live(run_); }

  /// Resumes node.waiting in a later turn of that engine. Noexcept: the embedded loop cannot
  /// fail; Asio fails only to allocate a handler, and then the waiter, already given what it
  /// waited for, could never resume: std::terminate says so rather than hang.
  void schedule(ready_node& node) const noexcept {
    if (loop_ != nullptr) [[likely]] {
      loop_access::schedule(*loop_, node);
    } else {
      other_->schedule(node);
    }
  }

 private:
  home_engine(event_loop* loop, engine* other, std::uint64_t run) noexcept
      : loop_(loop), other_(other), run_(run) {}
  event_loop* loop_ = nullptr;
  engine* other_ = nullptr;
  std::uint64_t run_ = 0;
};

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
    engine_ = home_engine::current(what_needs_it);
    return cancel_point::take_pending();
  }

  /// await_suspend: waits at the back of `list` (rule 2).
  template <class Promise>
  void suspend(wait_list& list, std::coroutine_handle<Promise> h) noexcept;

  /// await_resume's first step for an await that takes nothing from its primitive
  /// (event::wait, queue::join): out of the woken list, and rule 3 (throws cancelled_error).
  /// A waiter is resumed only once woken, so one whose primitive was destroyed since has what it
  /// waited for all the same.
  void end_wait() {
    woken_ = false;
    wait_link::unlink();
    cancel_point::resume();
  }
  /// await_resume's first step for the others: end_wait, then an error if the primitive
  /// (`what`) was destroyed under the waiter, with what it had reserved for it.
  void resume_or_throw(const char* what) {
    end_wait();
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
      if (live()) {
        engine_.schedule(node_);
      } else {
        orphaned_ = true;  // its run ended: let go of, like the rest of that run
      }
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
  home_engine engine_;
  /// May be woken: neither its loop's run ended (home_engine::alive) nor its task was let go of
  /// by its engine (an Asio spawn that ended, and may be freed, under it).
  bool live() const noexcept { return engine_.alive() && !cancel_point::in_orphaned_task(); }
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
  /// locked std::mutex): they are let go of, never resumed (their owners destroy them). Those
  /// woken already are resumed, and throw if what was reserved for them went with it.
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
  /// The first waiter whose run is still live, as its derived type W, or null; those before
  /// it, whose runs ended, are let go of on the way (never resumed, given nothing).
  template <class W>
  W* first_live() noexcept {
    if (empty()) return nullptr;
    if (front().live()) [[likely]]
      return &static_cast<W&>(front());
    return static_cast<W*>(let_go_of_ended_runs());
  }
  void push_back(waiter& w) noexcept {
    wait_link& link = w;
    link.prev_ = head_.prev_;
    link.next_ = &head_;
    head_.prev_->next_ = &link;
    head_.prev_ = &link;
  }

  /// Wakes the first waiter, moving it to `woken`: the one first_live just returned.
  void wake_first(wait_list& woken) noexcept { front().wake(woken); }
  /// Wakes every waiter, in order, moving each to `woken` (letting go of those whose runs
  /// ended).
  void wake_all(wait_list& woken) noexcept {
    while (waiter* const w = first_live<waiter>()) w->wake(woken);
  }
  /// Calls f(w) for every waiter w, as its derived type W, in order.
  template <class W, class F>
  void for_each(F f) noexcept {
    for (wait_link* l = head_.next_; l != &head_; l = l->next_)
      f(static_cast<W&>(static_cast<waiter&>(*l)));
  }

 private:
  // Out of line: only reached once a run ended under its waiters.
  [[gnu::noinline, gnu::cold]] waiter* let_go_of_ended_runs() noexcept {
    while (!empty()) {
      waiter& w = front();
      if (w.live()) return &w;
      w.unlink();
      w.orphaned_ = true;
    }
    return nullptr;
  }

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
  engine_.schedule(node_);
}

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_WAIT_LIST_HPP

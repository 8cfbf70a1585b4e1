// What cancellation needs from every engine and every awaitable that suspends: asyncio's
// "current task". Each task (create_task, and the children wait_for runs) has a task_context;
// `current_task` names the one whose frames are running on this thread. An awaiter that really
// suspends registers a cancel_point with the current task while it is suspended; cancelling the
// task reaches every registered point, and each one wakes its coroutine in its own way (a
// sleeper leaves the timer heap and goes to the ready queue) so that its await_resume throws
// cancelled_error. task<T> and async_generator<T> know nothing of this: the leaves do it all.
//
// The rules an awaiter (of any engine) keeps, so that cancellation reaches it:
//  1. at await_ready, `take_pending()`: a request that arrived while the task was running (or
//     before it started) is delivered at its next suspension, so the awaiter does not suspend;
//  2. at await_suspend, once the coroutine is sure to suspend, `enter()`;
//  3. at await_resume, `resume()`: leaves the task's list, makes the task current again (the
//     engine resumed the frame, possibly while another task was current) and throws
//     cancelled_error when the point was cancelled.
#ifndef DUALITER_DETAIL_TASK_CONTEXT_HPP
#define DUALITER_DETAIL_TASK_CONTEXT_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <dualiter/cancellation.hpp>

namespace dualiter::detail {

class task_context;

/// The task whose frames run now on this thread; null outside any task (run's main awaitable,
/// sync_wait, code that is no coroutine).
inline constinit thread_local task_context* current_task = nullptr;

[[noreturn, gnu::cold, gnu::noinline]] inline void throw_cancelled() {
  throw cancelled_error{};
}

/// An await, suspended in a task, that a cancel request can reach.
class cancel_point {
 public:
  /// Called once per request that reaches this point, with no coroutine running in between;
  /// it must only wake the coroutine (never resume it) and set `cancelled` if await_resume is to
  /// throw.
  using handler = void (*)(cancel_point&) noexcept;

  explicit cancel_point(handler on_cancel) noexcept : on_cancel_(on_cancel) {}
  cancel_point(const cancel_point&) = delete;
  cancel_point& operator=(const cancel_point&) = delete;
  ~cancel_point() { leave(); }

  /// Rule 1: remembers the current task; true when it had a request pending, now taken, so
  /// that await_resume throws without the awaiter suspending.
  bool take_pending() noexcept;
  /// Remembers the current task without taking its request: for an await that completes
  /// without suspending (the request waits for a real suspension, as in asyncio).
  void capture() noexcept { context_ = current_task; }
  /// Suspended in a task its engine let go of (task_context::orphan).
  bool in_orphaned_task() const noexcept;
  /// Rule 2.
  void enter() noexcept;
  /// Rule 3.
  void resume() {
    current_task = context_;
    if (prev_ != nullptr || cancelled) [[unlikely]]
      leave_or_throw();
  }
  void leave() noexcept {
    if (prev_ == nullptr) return;
    prev_->next_ = next_;
    if (next_ != nullptr) next_->prev_ = prev_;
    prev_ = next_ = nullptr;
  }
  task_context* context() const noexcept { return context_; }

  bool cancelled = false;  // await_resume throws cancelled_error

 private:
  friend class task_context;
  // Out of line: what a suspension outside any task pays stays small, so that the awaiters
  // stay small enough for the compiler to keep inlining the inline resumption path into them.
  [[gnu::noinline]] void leave_or_throw() {
    leave();
    if (cancelled) detail::throw_cancelled();
  }
  handler on_cancel_;
  task_context* context_ = nullptr;
  cancel_point* prev_ = nullptr;  // null: not in a list (the list head's next_ is a member)
  cancel_point* next_ = nullptr;
  bool requested_ = false;  // a request reached it already: a second cancel() adds nothing
};

/// One task's cancellation state: the points it is suspended at, and a request not delivered
/// yet. Python: the part of asyncio.Task that cancel() works on.
class task_context {
 public:
  task_context() noexcept : head_(nullptr) {}
  task_context(const task_context&) = delete;
  task_context& operator=(const task_context&) = delete;
  ~task_context() {
    // Points outlive their task only when a frame of another task or of none was resumed by
    // a foreign awaiter from this one's: let them go, and forget this task.
    while (head_.next_ != nullptr) {
      head_.next_->context_ = nullptr;
      head_.next_->leave();
    }
    if (current_task == this) current_task = nullptr;
  }

  /// Python: Task.cancel() on a task that is not done. Reaches every point the task is
  /// suspended at; when there is none, or the task is running (it cancels itself), the request
  /// waits for the task's next suspension. A request reaches each point at most once.
  void request_cancel() noexcept {
    if (delivering_) return;  // a cycle of tasks awaiting each other came back here
    delivering_ = true;
    bool any_point = false;
    for (cancel_point* p = head_.next_; p != nullptr; p = p->next_) {
      any_point = true;
      if (p->requested_) continue;
      p->requested_ = true;
      p->on_cancel_(*p);
    }
    delivering_ = false;
    if (!any_point || current_task == this) pending_ = true;
  }
  /// True while request_cancel is running for this task: a task awaiting this one is in a
  /// cycle, and must wake up cancelled instead of passing the request on.
  bool delivering() const noexcept { return delivering_; }
  /// A request not yet delivered, taken.
  bool take_pending() noexcept {
    if (!pending_) return false;
    pending_ = false;
    return true;
  }
  /// Its engine let go of the task (it could not end when its run ended): nothing of that
  /// engine may resume it any more, and the engine itself may be gone.
  void orphan() noexcept { orphaned_ = true; }
  bool orphaned() const noexcept { return orphaned_; }

 private:
  friend class cancel_point;
  cancel_point head_;  // a sentinel: only its next_ is used
  bool pending_ = false;
  bool delivering_ = false;
  bool orphaned_ = false;
};

inline bool cancel_point::in_orphaned_task() const noexcept {
  return context_ != nullptr && context_->orphaned();
}

inline bool cancel_point::take_pending() noexcept {
  context_ = current_task;
  if (context_ == nullptr) [[likely]]
    return false;
  if (!context_->take_pending()) return false;
  cancelled = true;
  return true;
}

inline void cancel_point::enter() noexcept {
  if (context_ == nullptr) return;
  cancel_point& head = context_->head_;
  next_ = head.next_;
  prev_ = &head;
  if (next_ != nullptr) next_->prev_ = this;
  head.next_ = this;
}

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_TASK_CONTEXT_HPP

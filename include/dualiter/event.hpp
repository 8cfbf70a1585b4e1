// dualiter::event — a flag coroutines can wait for. Python: asyncio.Event.
#ifndef DUALITER_EVENT_HPP
#define DUALITER_EVENT_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>

#include <dualiter/detail/task_context.hpp>
#include <dualiter/detail/wait_list.hpp>

namespace dualiter {

/// A flag, initially clear; `co_await e.wait()` returns at once while it is set, else waits
/// until set() is called. set() wakes every waiter; each resumes in a later turn of the engine
/// it waits on (the embedded loop, or Asio), even if clear() came in between, as in asyncio.
/// Python: asyncio.Event.
///
/// For coroutines of one thread, like asyncio's. A wait is a cancellation point: cancelling the
/// waiting task makes it throw cancelled_error, even when set() came first but the task has not
/// resumed yet (as a cancelled asyncio Task does). Awaiting wait() on a clear event outside any
/// engine (under sync_wait) throws no_running_event_loop; on a set one it returns at once
/// anywhere, needing no loop, as in asyncio. Destroying an event while coroutines wait for it
/// lets go of them: they are never resumed; those that set() woke already return as usual.
/// A coroutine still waiting when the loop's run it waits in ends is let go of too: a later
/// set() passes it over.
class event {
 public:
  event() noexcept = default;
  event(const event&) = delete;
  event& operator=(const event&) = delete;

  /// Python: is_set().
  bool is_set() const noexcept { return set_; }
  /// Sets the flag and wakes every waiting coroutine. Python: set().
  void set() noexcept {
    if (set_) return;
    set_ = true;
    waiting_.wake_all(woken_);
  }
  /// Clears the flag: later waits wait again. Python: clear().
  void clear() noexcept { set_ = false; }

  /// What `co_await e.wait()` suspends in: a node of the event's wait list, in the frame.
  class wait_awaiter : public detail::waiter {
   public:
    explicit wait_awaiter(event& e) noexcept : waiter(&on_cancel), event_(&e) {}

    bool await_ready() {
      if (event_->set_) {
        cancel_point::capture();
        return true;
      }
      return waiter::cancelled_before_suspending("event::wait");
    }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) noexcept {
      waiter::suspend(event_->waiting_, h);
    }
    void await_resume() { waiter::end_wait(); }

   private:
    static void on_cancel(detail::cancel_point& point) noexcept {
      (void)static_cast<wait_awaiter&>(point).cancel_if_waiting();  // nothing reserved to pass on
    }
    event* event_;
  };

  /// Waits until the flag is set. Python: `await e.wait()` (which returns True; this, nothing).
  auto wait() noexcept {
    // A plain value; the awaiter, which the wait list points to, is made in place.
    struct operation {
      event* e;
      wait_awaiter operator co_await() const noexcept { return wait_awaiter(*e); }
    };
    return operation{this};
  }

 private:
  detail::wait_list waiting_;
  detail::wait_list woken_;
  bool set_ = false;
};

}  // namespace dualiter

#endif  // DUALITER_EVENT_HPP

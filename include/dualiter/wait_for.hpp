// dualiter::wait_for — an awaitable's result, or timeout_error once it took too long and was
// cancelled. Python: asyncio.wait_for(aw, timeout).
//
// The awaitable and a sleep run side by side in two driver coroutines, as two branches of a
// gather, each as a task of its own (a task_context in the awaiter, no allocation beyond the
// two frames): whichever ends first cancels the other, and the awaiting coroutine goes on once
// both have ended, so the awaitable has always finished reacting to its cancellation first.
#ifndef DUALITER_WAIT_FOR_HPP
#define DUALITER_WAIT_FOR_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <chrono>
#include <coroutine>
#include <exception>
#include <utility>

#include <dualiter/cancellation.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/driver.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/event_loop.hpp>

namespace dualiter {
namespace detail {

/// Not movable: the branches' frames refer into it; it lives in the awaiting coroutine's frame.
/// Not inline_aware: await_transform wraps it in detaching_awaiter, as gather's awaiter.
template <class A>
class wait_for_awaiter : public resumes_on_loop_thread, private cancel_point {
  using value = owned_result_t<await_result_t<A>>;

  struct work_branch {
    result_slot<value> result;
    wait_for_awaiter* self;
    std::coroutine_handle<> finish() noexcept { return self->work_finished(); }
  };
  struct timer_branch {
    result_slot<void> result;
    wait_for_awaiter* self;
    std::coroutine_handle<> finish() noexcept { return self->timer_finished(); }
  };

 public:
  wait_for_awaiter(A&& awaitable, sleep_operation timer)
      : cancel_point(&on_cancel), awaitable_(static_cast<A&&>(awaitable)), timer_(timer) {}
  wait_for_awaiter(const wait_for_awaiter&) = delete;
  wait_for_awaiter& operator=(const wait_for_awaiter&) = delete;

  bool await_ready() noexcept { return cancel_point::take_pending(); }

  bool await_suspend(std::coroutine_handle<> waiting) {
    // Its two branches end on whatever threads they run on: their counts are not locked.
    if (detail::current_engine != nullptr && !detail::current_engine->serialised()) [[unlikely]]
      detail::throw_not_serialised("wait_for");
    waiting_ = waiting;
    task_context* const parent = cancel_point::context();
    pending_ = 2;  // the work, and this call
    current_task = &work_context_;
    work_driver_ = detail::drive<A>(awaitable_, work_);
    work_driver_.start();
    if (!work_done_) {
      ++pending_;
      timer_started_ = true;
      current_task = &timer_context_;
      try {
        timer_driver_ = detail::drive<sleep_operation&>(timer_, timer_branch_);
        timer_driver_.start();
      } catch (...) {
        // No frame for the timer: the work is already running and cannot be abandoned, so it
        // is cancelled and waited for, and the error rethrown then.
        --pending_;
        timer_started_ = false;
        timer_error_ = std::current_exception();
        work_context_.request_cancel();
      }
    }
    current_task = parent;
    if (--pending_ == 0) return false;
    cancel_point::enter();
    return true;
  }

  value await_resume() {
    cancel_point::resume();  // cancelled only by a request taken at await_ready
    if (timer_error_) std::rethrow_exception(timer_error_);
    if (timed_out_ && detail::is_cancellation(work_.result.exception())) throw timeout_error();
    return detail::take_result(work_.result);
  }

 private:
  std::coroutine_handle<> arrive() noexcept {
    return --pending_ == 0 ? waiting_ : std::noop_coroutine();
  }
  std::coroutine_handle<> work_finished() noexcept {
    work_done_ = true;
    if (timer_started()) timer_context_.request_cancel();  // its timer leaves the heap now
    return arrive();
  }
  std::coroutine_handle<> timer_finished() noexcept {
    timer_done_ = true;
    if (!timer_branch_.result.exception() && !work_done_) {
      timed_out_ = true;
      work_context_.request_cancel();
    }
    return arrive();
  }
  bool timer_started() const noexcept { return timer_started_ && !timer_done_; }

  // The awaiting task was cancelled: both branches are; the work's outcome is then the await's.
  static void on_cancel(cancel_point& point) noexcept {
    auto& self = static_cast<wait_for_awaiter&>(point);
    if (!self.work_done_) self.work_context_.request_cancel();
    if (self.timer_started()) self.timer_context_.request_cancel();
  }

  A awaitable_;
  sleep_operation timer_;
  std::coroutine_handle<> waiting_;
  task_context work_context_;
  task_context timer_context_;
  work_branch work_{{}, this};
  timer_branch timer_branch_{{}, this};
  int pending_ = 0;
  bool work_done_ = false;
  bool timer_done_ = false;
  bool timed_out_ = false;
  bool timer_started_ = false;
  std::exception_ptr timer_error_;
  // Destroyed first: the frames refer to the rest.
  driver<timer_branch> timer_driver_;
  driver<work_branch> work_driver_;
};

template <class A>
class wait_for_operation {
 public:
  wait_for_operation(A&& awaitable, clamped_ticks timeout)
      : awaitable_(static_cast<A&&>(awaitable)), timeout_(timeout) {}

  wait_for_awaiter<A> operator co_await() && {
    (void)detail::require_engine("wait_for");
    return wait_for_awaiter<A>(static_cast<A&&>(awaitable_), sleep_operation::after(timeout_));
  }

 private:
  A awaitable_;
  clamped_ticks timeout_;
};

}  // namespace detail

/// The result of `awaitable`, or, when it has not finished `timeout` after the await began, the
/// awaitable is cancelled, and once it has finished reacting, timeout_error is thrown (if it
/// caught the cancellation and gave a result anyway, that result is given). Python:
/// `await asyncio.wait_for(aw, timeout)`. Cancelling the awaiting task cancels the awaitable.
/// The awaitable runs as a task of its own within the awaiting one: it starts at once (until it
/// first suspends), and is held as given (an lvalue is awaited where it is).
template <class A, class Rep, class Period>
auto wait_for(A&& awaitable, std::chrono::duration<Rep, Period> timeout) {
  assert_awaitable<A>();
  if constexpr (Awaitable<A>) {
    return detail::wait_for_operation<A>(static_cast<A&&>(awaitable),
                                         detail::clamped_ticks::of(timeout));
  } else {
    return detail::result_after_error();  // keeps the assertion the only error
  }
}

}  // namespace dualiter

#endif  // DUALITER_WAIT_FOR_HPP

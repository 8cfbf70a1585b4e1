// dualiter::create_task, task_handle, shield — run an awaitable as a task of its own on the
// running loop, and wait for it, cancel it, or wait without passing cancellation on.
// Python: asyncio.create_task, asyncio.Task, asyncio.shield.
#ifndef DUALITER_TASK_HANDLE_HPP
#define DUALITER_TASK_HANDLE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <dualiter/cancellation.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/driver.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/detail/task_state.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/task.hpp>

namespace dualiter {

template <class T = void>
class task_handle;

namespace detail {

[[noreturn]] inline void throw_orphaned() {
  throw std::runtime_error(
      "dualiter: this task will never end: the run of the event loop it was created on ended "
      "while it was waiting for something nothing completed");
}

[[noreturn, gnu::cold]] inline void throw_other_engine() {
  throw std::runtime_error(
      "dualiter: a task_handle is awaited by a coroutine that runs on another engine than the "
      "task (another event loop, another dualiter::asio::spawn, or none: sync_wait) (Python: "
      "Task got Future attached to a different loop). Fix: await it inside the run or spawn "
      "that created it");
}

/// What `co_await h` runs. With `Forward`, cancelling the awaiting task cancels the awaited one
/// (which may catch it and still give a result); without (shield), the awaiting task stops
/// waiting at once and the awaited one goes on.
template <class T, bool Forward, bool Copy>
class handle_awaiter : public inline_aware, private cancel_point {
 public:
  explicit handle_awaiter(task_state<T>* target) noexcept
      : cancel_point(&on_cancel), target_(target) {}

  bool await_ready() {
    if (target_ == nullptr) [[unlikely]] {
      throw detail::no_result(
          "dualiter: no result: this task_handle refers to no task (default-constructed or "
          "moved from). Fix: await a handle create_task returned");
    }
    if (&target_->context == current_task) [[unlikely]] {
      throw already_awaited(
          "dualiter: a task cannot await its own task_handle (Python: Task cannot await on "
          "itself)");
    }
    if (target_->done() || target_->orphaned()) {
      cancel_point::capture();
      return true;
    }
    if (!target_->engine().is_current()) [[unlikely]]
      detail::throw_other_engine();
    return cancel_point::take_pending();
  }

  template <class Promise>
  void await_suspend(std::coroutine_handle<Promise> h) noexcept {
    waiter_.waiting = h;
    if (resume_link* link = detail::link_of(h)) (void)detail::detach_chain(*link);
    target_->add_waiter(waiter_);
    cancel_point::enter();
  }

  decltype(auto) await_resume() {
    waiter_.stop_waiting();
    cancel_point::resume();  // throws when this await was cancelled
    if (!target_->done()) [[unlikely]]
      detail::throw_orphaned();
    target_->mark_retrieved();
    if constexpr (std::is_void_v<T> || std::is_reference_v<T>) {
      return target_->result.get();
    } else if constexpr (Copy) {
      return std::remove_const_t<T>(std::as_const(target_->result.get()));
    } else {
      return std::as_const(target_->result.get());
    }
  }

 private:
  static void on_cancel(cancel_point& point) noexcept {
    auto& self = static_cast<handle_awaiter&>(point);
    if (!self.waiter_.waiting_for_task()) {  // woken already: the request wins over the result
      self.cancelled = true;
      return;
    }
    if (Forward && !self.target_->context.delivering()) {
      (void)self.target_->cancel();  // its outcome, cancelled or not, is this await's
      return;
    }
    // Shielded, or a cycle of tasks awaiting each other: stop waiting now.
    self.cancelled = true;
    self.target_->wake(self.waiter_);
  }

  task_state<T>* target_;
  task_waiter waiter_;
};

/// The task's result type for an awaitable A: a value, an lvalue reference, or void.
template <class A>
using task_result_t = owned_result_t<await_result_t<A>>;

template <class T>
class shield_operation;

}  // namespace detail

/// A task created by create_task: its result once it ends, and the means to cancel it.
/// Python: asyncio.Task. Copyable; each copy refers to the same task; the task runs to its end
/// whether or not any handle is left (the loop keeps it).
///
/// `co_await h` waits for the task to end and gives its result as `const T&` (a reference into
/// the task's state, valid while any handle to it lives), T& for a task<T&>, nothing for void;
/// it rethrows the task's exception (cancelled_error if it ended cancelled). `co_await
/// std::move(h)` and `co_await create_task(...)` give a copy of T instead, so that awaiting a
/// temporary handle leaves nothing dangling. Any number of coroutines may await one task, before
/// and after it ended. Cancelling a task that awaits `h` cancels h's task too (wrap it in
/// shield to prevent that).
template <class T>
class task_handle {
 public:
  using value_type = T;

  task_handle() noexcept = default;
  task_handle(const task_handle& other) noexcept : state_(other.state_) {
    if (state_ != nullptr) state_->retain();
  }
  task_handle(task_handle&& other) noexcept : state_(std::exchange(other.state_, nullptr)) {}
  task_handle& operator=(task_handle other) noexcept {
    std::swap(state_, other.state_);
    return *this;
  }
  ~task_handle() {
    if (state_ != nullptr) state_->release();
  }

  /// True once the task ended (with a result, an exception, or cancelled). Python: done().
  bool done() const noexcept { return state_ != nullptr && state_->done(); }
  /// True once the task ended by a cancelled_error. Python: cancelled().
  bool cancelled() const noexcept { return state_ != nullptr && state_->cancelled(); }
  /// Requests the task's cancellation: cancelled_error is thrown inside it at the await where
  /// it is suspended, or at its next one if it is running (it cancels itself) or not started.
  /// False when the task already ended. Python: cancel().
  bool cancel() noexcept { return state_ != nullptr && state_->cancel(); }

  detail::handle_awaiter<T, true, false> operator co_await() const& noexcept {
    return detail::handle_awaiter<T, true, false>(state_);
  }
  auto operator co_await() && noexcept {
    if constexpr (std::is_void_v<T> || std::is_reference_v<T>) {
      return detail::handle_awaiter<T, true, false>(state_);
    } else {
      static_assert(std::is_copy_constructible_v<T>,
                    "dualiter: co_await on a temporary task_handle copies the result out, and "
                    "this result type cannot be copied. Fix: keep the handle in a variable and "
                    "co_await it (the result is then a const reference into the task)");
      return detail::handle_awaiter<T, true, true>(state_);
    }
  }

 private:
  template <class A>
  friend auto create_task(A&& awaitable);
  template <class>
  friend class detail::shield_operation;
  friend class task_group;

  explicit task_handle(detail::task_state<T>* state) noexcept : state_(state) {}
  detail::task_state<T>* state_ = nullptr;
};

/// Runs `awaitable` as a task of its own on the engine the calling coroutine runs on (the
/// running loop, or the dualiter::asio::spawn it runs in), starting at its next turn, and
/// returns its handle. Python: asyncio.create_task(coro). Takes the awaitable by value (an
/// lvalue task must be moved in). Throws no_running_event_loop outside a loop.
///
/// One allocation: the frame of the coroutine that runs the task, which also holds its state.
/// When the run of the loop ends, tasks still pending are cancelled and run to their end. An
/// exception nobody awaited is reported when the last handle goes (see
/// set_unretrieved_exception_handler).
template <class A>
auto create_task(A&& awaitable) {
  assert_awaitable<A>();
  if constexpr (Awaitable<A>) {
    static_assert(std::is_constructible_v<std::remove_cvref_t<A>, A&&>,
                  "dualiter: create_task takes the awaitable over, and this one cannot be "
                  "copied. Fix: create_task(std::move(aw))");
    using result = detail::task_result_t<A>;
    const auto engine = detail::bound_engine::require("create_task");
    auto& state = detail::run_as_task<result, std::remove_cvref_t<A>>(static_cast<A&&>(awaitable))
                      .start(engine);
    state.retain();  // the handle's
    return task_handle<result>(&state);
  } else {
    return detail::result_after_error();  // keeps the assertion the only error
  }
}

namespace detail {

template <class T>
class shield_operation {
 public:
  explicit shield_operation(task_handle<T> h) noexcept : handle_(std::move(h)) {}

  auto operator co_await() && noexcept {
    constexpr bool copy = !std::is_void_v<T> && !std::is_reference_v<T>;
    return handle_awaiter<T, false, copy>(handle_.state_);
  }

 private:
  task_handle<T> handle_;  // kept alive by the awaiting frame's temporary
};

}  // namespace detail

/// Awaits `awaitable` in a task of its own, so that cancelling the awaiting task does not
/// cancel it: the await throws cancelled_error at once and the shielded task goes on. Python:
/// asyncio.shield(aw). A task_handle is shielded as it is, without a new task.
template <class A>
auto shield(A&& awaitable) {
  if constexpr (requires { typename std::remove_cvref_t<A>::value_type; } &&
                std::is_same_v<std::remove_cvref_t<A>,
                               task_handle<typename std::remove_cvref_t<A>::value_type>>) {
    using T = typename std::remove_cvref_t<A>::value_type;
    return detail::shield_operation<T>(task_handle<T>(awaitable));
  } else {
    return detail::shield_operation<detail::task_result_t<A>>(
        dualiter::create_task(static_cast<A&&>(awaitable)));
  }
}

}  // namespace dualiter

#endif  // DUALITER_TASK_HANDLE_HPP

// What create_task allocates: one coroutine frame (the runner) whose promise is the task's
// shared state — the result, the task_context, who awaits it, how many handles refer to it.
#ifndef DUALITER_DETAIL_TASK_STATE_HPP
#define DUALITER_DETAIL_TASK_STATE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <atomic>
#include <coroutine>
#include <cstdio>
#include <exception>
#include <type_traits>
#include <utility>

#include <dualiter/cancellation.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/ready_queue.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/detail/task_list.hpp>
#include <dualiter/event_loop.hpp>

namespace dualiter {

/// Called with the exception of a task that ended with one (not a cancellation) when the last
/// reference to it goes and nobody awaited it. Python: the loop's exception handler logging
/// "Task exception was never retrieved".
using unretrieved_exception_handler = void (*)(std::exception_ptr) noexcept;

namespace detail {

inline void print_unretrieved_exception(std::exception_ptr e) noexcept {
  const char* what = "an exception not derived from std::exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& error) {
    what = error.what();
  } catch (...) {
  }
  std::fprintf(stderr, "dualiter: Task exception was never retrieved: %s\n", what);
}

inline std::atomic<unretrieved_exception_handler> unretrieved_handler{
    &detail::print_unretrieved_exception};

}  // namespace detail

/// Installs `handler` (nullptr: the default, one line on stderr) and returns the previous one.
inline unretrieved_exception_handler set_unretrieved_exception_handler(
    unretrieved_exception_handler handler) noexcept {
  if (handler == nullptr) handler = &detail::print_unretrieved_exception;
  return detail::unretrieved_handler.exchange(handler);
}

namespace detail {

class task_state_base;

/// A coroutine waiting for a task to end: a node of the task's waiter list, scheduled on the
/// loop when the task ends (asyncio schedules a Task's done callbacks with call_soon too).
class task_waiter : public ready_node {
 public:
  bool waiting_for_task() const noexcept { return prev_ != nullptr; }
  void stop_waiting() noexcept {
    if (prev_ == nullptr) return;
    prev_->next_waiter_ = next_waiter_;
    if (next_waiter_ != nullptr) next_waiter_->prev_ = prev_;
    prev_ = next_waiter_ = nullptr;
  }
  ~task_waiter() { stop_waiting(); }

 private:
  friend class task_state_base;
  task_waiter* prev_ = nullptr;  // null: not waiting
  task_waiter* next_waiter_ = nullptr;
};

/// Told when a member task ends (task_group).
class task_observer {
 public:
  virtual void task_ended(task_state_base& task) noexcept = 0;

 protected:
  ~task_observer() = default;
};

class task_state_base : public task_record, public resume_link {
 public:
  task_context context;

  bool done() const noexcept { return done_; }
  bool cancelled() const noexcept { return cancelled_; }
  bool orphaned() const noexcept { return orphaned_; }
  /// The engine that runs it: the embedded loop, or another (Asio).
  const bound_engine& engine() const noexcept { return engine_; }
  virtual std::exception_ptr exception() const noexcept = 0;

  /// Python: Task.cancel().
  bool cancel() noexcept {
    if (done_ || orphaned_) return false;
    context.request_cancel();
    return true;
  }
  void mark_retrieved() noexcept { retrieved_ = true; }

  void add_waiter(task_waiter& w) noexcept {
    w.prev_ = &waiters_;
    w.next_waiter_ = waiters_.next_waiter_;
    if (w.next_waiter_ != nullptr) w.next_waiter_->prev_ = &w;
    waiters_.next_waiter_ = &w;
  }
  /// Wakes `w` on this task's engine: a waiter awaits it on the same engine (handle_awaiter).
  void wake(task_waiter& w) noexcept {
    w.stop_waiting();
    engine_.wake(w);
  }

  void retain() noexcept { ++refs_; }
  void release() noexcept {
    if (--refs_ == 0) frame_.destroy();  // the promise, so this, goes with it
  }

  // Observers (a task_group) hear when the task ends; intrusive, so a group allocates nothing.
  task_observer* observer = nullptr;
  task_state_base* prev_member = nullptr;
  task_state_base* next_member = nullptr;

  void cancel_for_shutdown() noexcept override { (void)cancel(); }
  void orphan() noexcept override {
    orphaned_ = true;
    context.orphan();  // its waits in queues, events, locks must not wake it into the engine
    // Nobody will resume its waiters: they wake, and their await throws.
    while (waiters_.next_waiter_ != nullptr) wake(*waiters_.next_waiter_);
    if (observer != nullptr) observer->task_ended(*this);  // a group must forget it
    release();                                             // the engine's reference
  }

 protected:
  task_state_base() noexcept = default;
  ~task_state_base() = default;

  /// Another engine may fail to schedule the first turn: then it throws, and kept nothing.
  void start(const bound_engine& engine, std::coroutine_handle<> frame) {
    engine_ = engine;
    frame_ = frame;
    begin_.waiting = frame;
    if (event_loop* const loop = engine.loop()) {
      loop_access::tasks(*loop).push_back(*this);
      loop_access::schedule(*loop, begin_);
    } else {
      engine.other()->schedule(begin_);
      engine.other()->tasks().push_back(*this);
    }
  }

  /// The runner reached its final suspension: wake the waiters, tell the observer, and drop
  /// the engine's reference (which may destroy the frame, suspended for good now).
  void ended() noexcept {
    done_ = true;
    unlist();
    const std::exception_ptr e = exception();
    cancelled_ = detail::is_cancellation(e);
    while (waiters_.next_waiter_ != nullptr) wake(*waiters_.next_waiter_);
    if (observer != nullptr) observer->task_ended(*this);
    if (current_task == &context) current_task = nullptr;
    release();
  }

  void report_if_unretrieved() noexcept {
    if (retrieved_ || !done_ || cancelled_) return;
    if (const std::exception_ptr e = exception()) detail::unretrieved_handler.load()(e);
  }

 private:
  bound_engine engine_;
  std::coroutine_handle<> frame_;
  ready_node begin_;
  task_waiter waiters_;  // a sentinel: only next_waiter_ is used
  unsigned refs_ = 1;    // the engine's, until the task ends; then one per task_handle
  bool done_ = false;
  bool cancelled_ = false;
  bool retrieved_ = false;
  bool orphaned_ = false;
};

template <class R>
class task_state : public task_state_base {
 public:
  result_slot<R> result;
  std::exception_ptr exception() const noexcept override { return result.exception(); }

 protected:
  ~task_state() { report_if_unretrieved(); }
};

template <class R>
class task_runner;

template <class R>
class task_runner_promise_base : public task_state<R> {
 public:
  struct begin {
    task_context* context;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    void await_resume() const noexcept { current_task = context; }
  };
  begin initial_suspend() noexcept { return {&this->context}; }

  struct end {
    bool await_ready() const noexcept { return false; }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) const noexcept {
      h.promise().ended();  // may destroy the frame: touch nothing afterwards
    }
    void await_resume() const noexcept {}
  };
  end final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { this->result.set_exception(std::current_exception()); }

  template <class A>
  decltype(auto) await_transform(A&& awaitable) {
    return detail::transform_awaitable(static_cast<A&&>(awaitable));
  }

  template <class>
  friend class task_runner;
};

template <class R>
class task_runner_promise final : public task_runner_promise_base<R> {
 public:
  task_runner<R> get_return_object() noexcept;
  template <class U>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<R, U&&>) {
    this->result.set_value(static_cast<U&&>(value));
  }
};

template <>
class task_runner_promise<void> final : public task_runner_promise_base<void> {
 public:
  task_runner<void> get_return_object() noexcept;
  void return_void() noexcept { this->result.set_value(); }
};

/// The frame create_task allocates. Its owner is the engine (until it ends) and the handles.
template <class R>
class task_runner {
 public:
  using promise_type = task_runner_promise<R>;

  /// Schedules the first resumption on `engine` and hands the state out with one reference,
  /// the engine's. When the engine cannot schedule it, the frame is destroyed and the error
  /// rethrown.
  task_state<R>& start(const bound_engine& engine) && {
    promise_type& p = frame_.promise();
    try {
      p.start(engine, frame_);
    } catch (...) {
      frame_.destroy();
      throw;
    }
    return p;
  }

 private:
  friend promise_type;
  explicit task_runner(std::coroutine_handle<promise_type> h) noexcept : frame_(h) {}
  std::coroutine_handle<promise_type> frame_;
};

template <class R>
task_runner<R> task_runner_promise<R>::get_return_object() noexcept {
  return task_runner<R>(std::coroutine_handle<task_runner_promise>::from_promise(*this));
}
inline task_runner<void> task_runner_promise<void>::get_return_object() noexcept {
  return task_runner<void>(std::coroutine_handle<task_runner_promise>::from_promise(*this));
}

/// The body of every task: a request that came before the first turn ends it before it runs,
/// as in asyncio; otherwise the awaitable's outcome is the task's.
template <class R, class A>
task_runner<R> run_as_task(A awaitable) {
  if (current_task->take_pending()) detail::throw_cancelled();
  if constexpr (std::is_void_v<R>) {
    co_await std::move(awaitable);
  } else {
    co_return co_await std::move(awaitable);
  }
}

}  // namespace detail
}  // namespace dualiter

#endif  // DUALITER_DETAIL_TASK_STATE_HPP

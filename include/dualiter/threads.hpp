// Threads meeting the event loop: dualiter::to_thread runs a function on a small pool of
// threads and resumes the awaiting coroutine on its engine (the embedded loop, or the executor
// of an Asio spawn), through the engine's remote queue; dualiter::run_coroutine_threadsafe
// starts an awaitable on a loop from another thread and hands back a std::future. Python:
// asyncio.to_thread, asyncio.run_coroutine_threadsafe. (loop.call_soon_threadsafe is a member
// of event_loop.)
#ifndef DUALITER_THREADS_HPP
#define DUALITER_THREADS_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/remote_queue.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_handle.hpp>

namespace dualiter {
namespace detail {

/// The remote queue of the engine `e` (the embedded loop's, or an Asio spawn's): where a pool
/// thread hands back to_thread's result. May throw (made on first use).
inline remote_core& remote_of(const bound_engine& e) {
  return e.loop() != nullptr ? detail::current_remote->get() : e.other()->remote();
}

/// A job for the pool; run on a pool thread, or dropped when the pool shuts down first.
class pool_job {
 public:
  virtual void execute() noexcept = 0;
  virtual void abandon() noexcept = 0;
  pool_job* next_job = nullptr;

 protected:
  ~pool_job() = default;
};

/// The threads to_thread uses: at most max(2, hardware_concurrency) of them, started one at a
/// time when a job finds none idle, and joined at exit (a static's destructor; jobs still
/// queued then are abandoned: their awaiters, if any remain, get a broken promise).
class thread_pool {
 public:
  static thread_pool& instance() {
    static thread_pool pool;
    return pool;
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  ~thread_pool() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    work_.notify_all();
    for (std::thread& t : threads_) t.join();
    while (head_ != nullptr) {
      pool_job* const job = head_;
      head_ = job->next_job;
      job->abandon();
    }
  }

  /// Any thread. May throw (a thread cannot start, std::bad_alloc) with nothing queued.
  void submit(pool_job& job) {
    const std::lock_guard<std::mutex> lock(mutex_);
    // An idle thread for every queued job, up to the limit: counting the idle threads alone
    // would count one that was notified of the previous job and has not taken it yet, and two
    // calls that wait for each other would then run one after the other, forever.
    if (queued_ >= idle_ && threads_.size() < limit_) {
      threads_.reserve(limit_);
      threads_.emplace_back([this] { work(); });
    }
    job.next_job = nullptr;
    *tail_ = &job;
    tail_ = &job.next_job;
    ++queued_;
    work_.notify_one();
  }

  std::size_t limit() const noexcept { return limit_; }

 private:
  thread_pool() : limit_(std::max(2u, std::thread::hardware_concurrency())) {}

  void work() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      ++idle_;
      while (head_ == nullptr && !stopping_) work_.wait(lock);
      --idle_;
      if (head_ == nullptr) return;  // stopping, and nothing left
      pool_job* const job = head_;
      head_ = job->next_job;
      if (head_ == nullptr) tail_ = &head_;
      --queued_;
      lock.unlock();
      job->execute();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::condition_variable work_;
  std::vector<std::thread> threads_;
  pool_job* head_ = nullptr;
  pool_job** tail_ = &head_;
  std::size_t limit_;
  std::size_t idle_ = 0;
  std::size_t queued_ = 0;  // jobs no thread has taken yet
  bool stopping_ = false;
};

/// One to_thread call: the function and its arguments, the outcome, and the resumption of the
/// awaiting coroutine. Shared by the awaiter and the pool (two references), so that the
/// awaiting frame may go (cancelled, destroyed) while the function still runs: the outcome is
/// then dropped when it arrives.
template <class R, class F, class... Args>
class thread_call final : public pool_job, public remote_work {
 public:
  thread_call(remote_core& core, F&& f, std::tuple<Args...>&& args)
      : function_(std::move(f)), args_(std::move(args)), resumption_(core) {}

  result_slot<R> result;
  std::coroutine_handle<> waiting;

  remote_resumption& resumption() noexcept { return resumption_; }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  // Pool thread.
  void execute() noexcept override {
    try {
      if constexpr (std::is_void_v<R>) {
        std::apply(std::move(function_), std::move(args_));
        result.set_value();
      } else {
        result.set_value(std::apply(std::move(function_), std::move(args_)));
      }
    } catch (...) {
      result.set_exception(std::current_exception());
    }
    if (!resumption_.core().post(*this)) release();  // the loop is gone
  }
  void abandon() noexcept override {
    result.set_exception(
        std::make_exception_ptr(std::future_error(std::future_errc::broken_promise)));
    if (!resumption_.core().post(*this)) release();
  }
  // Loop thread.
  void run() override {
    const bool live = resumption_.settle();
    const std::coroutine_handle<> h = waiting;
    release();
    if (live) h.resume();
  }
  void drop() noexcept override { release(); }

  F function_;
  std::tuple<Args...> args_;
  // Made last: it counts the call as outstanding for the loop, which then waits for it, so
  // it must not exist if moving the function or its arguments in throws.
  remote_resumption resumption_;
  std::atomic<int> refs_{2};
};

template <class R, class F, class... Args>
class to_thread_awaiter : public inline_aware, private cancel_point {
  using call = thread_call<R, F, Args...>;

 public:
  explicit to_thread_awaiter(F&& f, Args&&... args)
      : cancel_point(&on_cancel), function_(std::move(f)), args_(std::move(args)...) {}
  to_thread_awaiter(const to_thread_awaiter&) = delete;
  to_thread_awaiter& operator=(const to_thread_awaiter&) = delete;
  ~to_thread_awaiter() {
    if (call_ != nullptr) {
      (void)call_->resumption().settle();  // destroyed while suspended: the outcome goes nowhere
      call_->release();
    }
    // Cancelled, then destroyed before it resumed: the loop's node leaves by itself, another
    // engine's under that engine's lock, told by waiting (engine::forget's ownership rule).
    if (engine_.other() != nullptr && wake_.waiting) engine_.other()->forget(wake_);
  }

  bool await_ready() noexcept { return cancel_point::take_pending(); }

  template <class Promise>
  void await_suspend(std::coroutine_handle<Promise> h) {
    engine_ = bound_engine::require("to_thread", /*own_state_only=*/true);
    remote_core& core = detail::remote_of(engine_);
    auto made = std::make_unique<call>(core, std::move(function_), std::move(args_));
    made->waiting = h;
    resume_link* const link = detail::link_of(h);
    const int detached = link != nullptr ? detail::detach_chain(*link) : 0;
    call_ = made.get();
    cancel_point::enter();
    try {
      thread_pool::instance().submit(*made);
    } catch (...) {
      cancel_point::leave();
      (void)call_->resumption().settle();
      call_ = nullptr;
      if (link != nullptr) detail::reattach(*link, detached);
      throw;
    }
    (void)made.release();
    // The pool may finish at once, but only this thread resumes h, later: `this` stays valid.
  }

  R await_resume() {
    cancel_point::resume();  // throws cancelled_error when cancelled
    call* const c = std::exchange(call_, nullptr);
    struct releaser {
      call* c;
      ~releaser() { c->release(); }
    } guard{c};
    if constexpr (std::is_void_v<R>) {
      c->result.get();
    } else if constexpr (std::is_reference_v<R>) {
      return c->result.get();
    } else {
      return std::move(c->result).get();
    }
  }

 private:
  static void on_cancel(cancel_point& point) noexcept {
    auto& self = static_cast<to_thread_awaiter&>(point);
    self.cancelled = true;
    // Resume now, with cancelled_error; the function runs on, its outcome is dropped.
    (void)self.call_->resumption().settle();
    self.wake_.waiting = self.call_->waiting;
    self.engine_.wake(self.wake_);  // the request may come from a coroutine of another engine
  }

  F function_;
  std::tuple<Args...> args_;
  call* call_ = nullptr;
  bound_engine engine_;
  ready_node wake_;
};

template <class F, class... Args>
class to_thread_operation {
 public:
  using result = std::invoke_result_t<F, Args...>;

  explicit to_thread_operation(F&& f, Args&&... args)
      : function_(std::move(f)), args_(std::move(args)...) {}

  to_thread_awaiter<result, F, Args...> operator co_await() && {
    (void)bound_engine::require("to_thread", true);  // no_running_event_loop before anything moves
    return std::apply(
        [&](Args&... args) {
          return to_thread_awaiter<result, F, Args...>(std::move(function_), std::move(args)...);
        },
        args_);
  }

 private:
  F function_;
  std::tuple<Args...> args_;
};

template <class R, class A>
task<void> fulfil(A awaitable, std::promise<R> promise) {
  try {
    if constexpr (std::is_void_v<R>) {
      co_await std::move(awaitable);
      promise.set_value();
    } else {
      promise.set_value(co_await std::move(awaitable));
    }
  } catch (...) {
    promise.set_exception(std::current_exception());
  }
}

}  // namespace detail

/// An awaitable that calls `f(args...)` on another thread, and resumes the awaiting coroutine
/// on its loop with the result, or rethrows the exception there. Python: `await
/// asyncio.to_thread(f, *args)`. `f` and the arguments are decay-copied (moved) first, as
/// std::thread does; pass std::ref for a reference.
///
/// The threads come from one pool per program, of at most max(2, hardware_concurrency)
/// threads, started when needed and joined at exit. On the embedded event loop and on Asio
/// (inside dualiter::asio::spawn: the coroutine resumes on the spawn's executor); elsewhere
/// no_running_event_loop. Cancelling the awaiting task resumes it at once with
/// cancelled_error; the call goes on on its thread (a thread cannot be interrupted) and its
/// outcome is dropped, as is the outcome of a call whose awaiting frame was destroyed.
template <class F, class... Args>
auto to_thread(F&& f, Args&&... args) {
  constexpr bool callable = std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>;
  static_assert(callable,
                "dualiter: to_thread(f, args...) calls f(args...) with copies of the arguments, "
                "and f cannot be called so. Fix: pass the arguments f takes (std::ref(x) for a "
                "reference), or wrap the call in a lambda");
  if constexpr (callable) {
    return detail::to_thread_operation<std::decay_t<F>, std::decay_t<Args>...>(
        std::decay_t<F>(static_cast<F&&>(f)), std::decay_t<Args>(static_cast<Args&&>(args))...);
  } else {
    return detail::after_error{};  // the assertion stays the only error
  }
}

/// From a thread other than the loop's: runs `awaitable` as a task on `loop` (from its next
/// turn) and returns a std::future of its result or exception. Python:
/// asyncio.run_coroutine_threadsafe(coro, loop).
///
/// The future always becomes ready: with the result, the exception, cancelled_error when the
/// loop's run ended first (run cancels the tasks still pending), or std::future_error
/// (broken_promise) when the task was let go of unfinished or the loop was destroyed before
/// starting it. Posted to a loop that is not running, it starts at the next run. Do not wait on
/// the future from the loop's own thread: that thread is the one that would fulfil it. `loop`
/// must be alive during this call, as for call_soon_threadsafe.
template <class A>
auto run_coroutine_threadsafe(A&& awaitable, event_loop& loop) {
  assert_awaitable<A>();
  using result = detail::task_result_t<A>;
  std::promise<result> promise;
  std::future<result> future = promise.get_future();
  loop.call_soon_threadsafe(
      [aw = std::remove_cvref_t<A>(static_cast<A&&>(awaitable)), p = std::move(promise)]() mutable {
        (void)dualiter::create_task(detail::fulfil<result>(std::move(aw), std::move(p)));
      });
  return future;
}

}  // namespace dualiter

#endif  // DUALITER_THREADS_HPP

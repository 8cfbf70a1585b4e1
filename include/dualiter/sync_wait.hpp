// dualiter::sync_wait(aw) — block the calling thread until an awaitable completes.
#ifndef DUALITER_SYNC_WAIT_HPP
#define DUALITER_SYNC_WAIT_HPP

#include <condition_variable>
#include <coroutine>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/current_loop.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <exception>
#include <mutex>
#include <type_traits>
#include <utility>

namespace dualiter {

namespace detail {

// An rvalue-reference result would refer into the awaitable, which may be a temporary gone by
// the time sync_wait returns: such results are returned by value.
template <class R>
using sync_wait_result_t =
    std::conditional_t<std::is_rvalue_reference_v<R>, std::remove_cvref_t<R>, R>;

template <class R>
class sync_wait_state {
 public:
  result_slot<R> result;

  // Notifying under the lock matters: the waiter may return, and this object die, as soon as
  // it sees `done_`; it cannot see it before the notifier has let go of the mutex.
  void finish() {
    std::lock_guard lock(mutex_);
    done_ = true;
    done_changed_.notify_one();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    done_changed_.wait(lock, [this] { return done_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_changed_;
  bool done_ = false;
};

template <class R>
class sync_wait_driver {
 public:
  struct promise_type {
    sync_wait_state<R>& state;

    template <class A>
    promise_type(A&, sync_wait_state<R>& s) noexcept : state(s) {}

    sync_wait_driver get_return_object() noexcept {
      return sync_wait_driver(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct finisher {
      bool await_ready() noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        h.promise().state.finish();
      }
      void await_resume() noexcept {}
    };
    finisher final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { state.result.set_exception(std::current_exception()); }
    void return_void() noexcept {}
  };

  sync_wait_driver(sync_wait_driver&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  ~sync_wait_driver() {
    if (handle_) handle_.destroy();
  }
  void start() { handle_.resume(); }

 private:
  explicit sync_wait_driver(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
  std::coroutine_handle<promise_type> handle_;
};

template <class R, class A>
sync_wait_driver<R> drive(A& awaitable, sync_wait_state<R>& state) {
  if constexpr (std::is_void_v<R>) {
    co_await static_cast<A&&>(awaitable);
    state.result.set_value();
  } else {
    state.result.set_value(co_await static_cast<A&&>(awaitable));
  }
}

}  // namespace detail

/// Runs an Awaitable to completion on the calling thread, with no event loop, and returns its
/// result (a value, a reference, or nothing) or rethrows its exception. If the awaitable
/// suspends and something on another thread resumes it, sync_wait blocks until then.
///
/// Any event loop running on this thread is hidden meanwhile: awaiting sleep_for or yield_now
/// under sync_wait throws no_running_event_loop instead of deadlocking a loop that cannot turn.
template <class A>
decltype(auto) sync_wait(A&& awaitable) {
  assert_awaitable<A>();
  if constexpr (Awaitable<A>) {
    using result = detail::sync_wait_result_t<await_result_t<A>>;
    detail::hide_current_loop no_loop;
    detail::sync_wait_state<result> state;
    auto driver = detail::drive<result, A>(awaitable, state);
    driver.start();
    state.wait();
    if constexpr (std::is_reference_v<result> || std::is_void_v<result>) {
      return state.result.get();
    } else {
      return result(std::move(state.result).get());
    }
  }
}

}  // namespace dualiter

#endif  // DUALITER_SYNC_WAIT_HPP

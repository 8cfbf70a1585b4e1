// dualiter::sync_wait(aw) — block the calling thread until an awaitable completes.
#ifndef DUALITER_SYNC_WAIT_HPP
#define DUALITER_SYNC_WAIT_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <condition_variable>
#include <coroutine>
#include <mutex>
#include <type_traits>
#include <utility>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/current_loop.hpp>
#include <dualiter/detail/driver.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/diagnostics.hpp>

namespace dualiter {

namespace detail {

template <class R>
class sync_wait_state {
 public:
  result_slot<R> result;

  // Notifying under the lock matters: the waiter may return, and this object die, as soon as
  // it sees `done_`; it cannot see it before the notifier has let go of the mutex.
  std::coroutine_handle<> finish() noexcept {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
      done_changed_.notify_one();
    }
    return std::noop_coroutine();
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
    using result = detail::owned_result_t<await_result_t<A>>;
    detail::hide_current_loop no_loop;
    detail::sync_wait_state<result> state;
    auto driver = detail::drive<A>(awaitable, state);
    driver.start();
    state.wait();
    return detail::take_result(state.result);
  } else {
    return detail::result_after_error();  // keeps the assertion the only error
  }
}

}  // namespace dualiter

#endif  // DUALITER_SYNC_WAIT_HPP

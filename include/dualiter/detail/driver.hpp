// The coroutine that sync_wait and event_loop::run put at the bottom of a chain: it awaits
// the user's awaitable, leaves the outcome in a result_slot and tells its owner it finished.
#ifndef DUALITER_DETAIL_DRIVER_HPP
#define DUALITER_DETAIL_DRIVER_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

#include <dualiter/detail/result_slot.hpp>
#include <dualiter/detail/unique_coroutine.hpp>

namespace dualiter::detail {

// An rvalue-reference result would refer into the awaitable, which may be a temporary gone by
// the time the driver's owner returns: such results are kept by value.
template <class R>
using kept_result_t = std::conditional_t<std::is_rvalue_reference_v<R>, std::remove_cvref_t<R>, R>;

/// State is the owner's: it has `result_slot<R> result` and `void finish()`, called once the
/// outcome is stored (from whichever thread completed the awaitable).
template <class State>
class driver {
 public:
  struct promise_type {
    State& state;

    template <class A>
    promise_type(A&, State& s) noexcept : state(s) {}

    driver get_return_object() noexcept {
      return driver(std::coroutine_handle<promise_type>::from_promise(*this));
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

  void start() { frame_.get().resume(); }

 private:
  explicit driver(std::coroutine_handle<promise_type> h) noexcept : frame_(h) {}
  unique_coroutine<promise_type> frame_;
};

/// Awaits `awaitable` (forwarded as A&&) into state.result.
template <class A, class State>
driver<State> drive(A& awaitable, State& state) {
  if constexpr (std::is_void_v<decltype(state.result.get())>) {
    co_await static_cast<A&&>(awaitable);
    state.result.set_value();
  } else {
    state.result.set_value(co_await static_cast<A&&>(awaitable));
  }
}

/// Hands the outcome out: rethrows, or returns the value (moved), reference, or nothing.
template <class R>
decltype(auto) take_result(result_slot<R>& slot) {
  if constexpr (std::is_reference_v<R> || std::is_void_v<R>) {
    return slot.get();
  } else {
    return R(std::move(slot).get());
  }
}

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_DRIVER_HPP

// The coroutine at the bottom of every chain dualiter starts itself (sync_wait, event_loop::run,
// each branch of gather): it awaits one awaitable, leaves the outcome in its owner's
// result_slot, and tells the owner it finished.
#ifndef DUALITER_DETAIL_DRIVER_HPP
#define DUALITER_DETAIL_DRIVER_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>

#include <dualiter/detail/frame_allocation.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/detail/unique_coroutine.hpp>

namespace dualiter::detail {

/// How sync_wait, run and gather hand a result out: an lvalue reference stays a reference to
/// the very object; anything else becomes a value the caller owns. An rvalue reference would
/// refer into the awaitable, which may be a temporary gone by then, and a const on a value
/// (task<const T>) would only stop the caller from moving it.
template <class R>
using owned_result_t = std::conditional_t<std::is_lvalue_reference_v<R>, R, std::remove_cvref_t<R>>;

/// Owner is the driver's owner: it has `result_slot<R> result` and
/// `std::coroutine_handle<> finish() noexcept`, called once the outcome is stored, from
/// whichever thread completed the awaitable; it returns the coroutine to transfer to next
/// (std::noop_coroutine() to return to whoever resumed the driver).
template <class Owner>
class driver {
 public:
  struct promise_type : frame_allocation {
    Owner& owner;

    template <class A>
    promise_type(A&, Owner& o) noexcept : owner(o) {}

    driver get_return_object() noexcept {
      return driver(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct finisher {
      bool await_ready() noexcept { return false; }
      template <class Promise>
      std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
        // The owner may destroy this frame as soon as it learns: touch nothing afterwards.
        return h.promise().owner.finish();
      }
      void await_resume() noexcept {}
    };
    finisher final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { owner.result.set_exception(std::current_exception()); }
    void return_void() noexcept {}
  };

  /// The driver of an awaitable whose awaiter dualiter does not know (detail::foreign_driver).
  struct foreign_promise_type final : promise_type, resume_link {
    using promise_type::promise_type;
    driver get_return_object() noexcept {
      return driver(std::coroutine_handle<foreign_promise_type>::from_promise(*this));
    }
  };

  driver() noexcept = default;
  void start() { frame_.get().resume(); }

 private:
  explicit driver(std::coroutine_handle<> h) noexcept : frame_(h) {}
  unique_coroutine<void> frame_;
};

/// A driver whose promise is a foreign_promise_type: what drive makes for a foreign awaiter.
template <class Owner>
struct foreign_driver : driver<Owner> {
  using promise_type = typename driver<Owner>::foreign_promise_type;
  foreign_driver(driver<Owner>&& d) noexcept : driver<Owner>(std::move(d)) {}
};

/// Awaits, as a dualiter coroutine does, an awaitable whose awaiter knows nothing of inline
/// resumption (a hand-written awaiter, another library's task): through detaching_awaiter, so
/// that on the embedded loop it is handed a stand-in, and a resumption from another thread
/// continues the driver on the loop's thread (`run(foreign)`, a foreign branch of gather).
template <class A, class Owner>
foreign_driver<Owner> drive_foreign(std::remove_reference_t<A>& awaitable, Owner& owner) {
  // Named, not a temporary in the co_await operand: GCC 12 miscompiles braced temporaries there.
  detaching_awaiter<awaiter_t<A>> wrapped{detail::get_awaiter(static_cast<A&&>(awaitable))};
  if constexpr (std::is_void_v<decltype(owner.result.get())>) {
    co_await wrapped;
    owner.result.set_value();
  } else {
    owner.result.set_value(co_await wrapped);
  }
}

template <class A, class Owner>
driver<Owner> drive_known(std::remove_reference_t<A>& awaitable, Owner& owner) {
  if constexpr (std::is_void_v<decltype(owner.result.get())>) {
    co_await static_cast<A&&>(awaitable);
    owner.result.set_value();
  } else {
    owner.result.set_value(co_await static_cast<A&&>(awaitable));
  }
}

/// Awaits `awaitable` as an A&& (A is the declared type: T& for an lvalue argument, given
/// explicitly, since deducing it from the stored object would turn an lvalue into an rvalue)
/// into owner.result.
template <class A, class Owner>
driver<Owner> drive(std::remove_reference_t<A>& awaitable, Owner& owner) {
  if constexpr (std::is_base_of_v<inline_aware, std::remove_cvref_t<awaiter_t<A>>>) {
    return detail::drive_known<A>(awaitable, owner);
  } else {
    return detail::drive_foreign<A>(awaitable, owner);
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

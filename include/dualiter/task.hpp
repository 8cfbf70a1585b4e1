// dualiter::task<T> — a lazy coroutine that produces one T. Python: a coroutine (`async def`).
#ifndef DUALITER_TASK_HPP
#define DUALITER_TASK_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <exception>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/frame_allocation.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/detail/unique_coroutine.hpp>

namespace dualiter {

/// Thrown at a co_await of a task that cannot give its result to this awaiter: the task's body
/// is already running for another awaiter (or awaits itself), or an earlier `co_await
/// std::move(t)` moved its result out. Python: `RuntimeError: coroutine is being awaited
/// already`, `RuntimeError: Task cannot await on itself`.
class already_awaited : public std::logic_error {
 public:
  explicit already_awaited(const char* what) : std::logic_error(what) {}
};

template <class T = void>
class task;

namespace detail {

template <class T>
class task_promise_base : public resume_link, public frame_allocation {
 public:
  std::suspend_always initial_suspend() noexcept { return {}; }

  struct final_awaiter {
    bool await_ready() noexcept { return false; }
    template <class Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> h) noexcept {
      return detail::hand_back(h.promise());
    }
    void await_resume() noexcept {}
  };
  final_awaiter final_suspend() noexcept { return {}; }

  void unhandled_exception() noexcept { result.set_exception(std::current_exception()); }

  template <class A>
  decltype(auto) await_transform(A&& awaitable) {
    return detail::transform_awaitable(static_cast<A&&>(awaitable));
  }

  result_slot<T> result;
  bool started = false;  // the body has been resumed once: a second awaiter must not resume it
};

template <class T>
class task_promise final : public task_promise_base<T> {
 public:
  task<T> get_return_object() noexcept;

  template <class U = T>
    requires std::convertible_to<U&&, T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    this->result.set_value(static_cast<U&&>(value));
  }
};

template <>
class task_promise<void> final : public task_promise_base<void> {
 public:
  task<void> get_return_object() noexcept;
  void return_void() noexcept { this->result.set_value(); }
};

}  // namespace detail

/// A lazy coroutine producing one T (a value, a reference, or void); it starts when awaited.
/// Python: a coroutine object from `async def`, awaited with `await`.
///
/// Move-only. `co_await t` on an lvalue gives access to the result stored in the task (a
/// reference for value types), and may be repeated once the task has finished: each gives the
/// same stored result (or rethrows the same exception). `co_await std::move(t)` moves the result
/// out; awaiting the task again after that throws already_awaited. An exception thrown in the
/// body is rethrown to the awaiter.
///
/// One awaiter at a time: awaiting a task whose body is already running for someone else (two
/// branches of a gather on one lvalue task, a task awaiting itself) throws already_awaited at
/// the second co_await, and the first awaiter is unaffected. Awaiting runs the body inline and
/// continues without suspending when it completes synchronously, so loops of synchronously
/// completing tasks keep a flat stack at every optimisation level. Destroying a task destroys its
/// frame.
template <class T>
class [[nodiscard]] task {
  static_assert(!std::is_volatile_v<std::remove_reference_t<T>> || std::is_reference_v<T>,
                "dualiter: task<volatile T> is not supported: a volatile result cannot be "
                "returned by value. Fix: use task<T>, or task<volatile T&> for a reference");

 public:
  using promise_type = detail::task_promise<T>;
  using value_type = T;

  task() noexcept = default;

  /// True once the body has run to completion (or thrown).
  bool is_ready() const noexcept { return !frame_ || frame_.get().done(); }

 private:
  template <bool Move>
  struct awaiter : detail::inline_aware {
    std::coroutine_handle<promise_type> handle;

    bool await_ready() const noexcept { return !handle || handle.done(); }

    template <class Promise>
    bool await_suspend(std::coroutine_handle<Promise> awaiting) {
      promise_type& p = handle.promise();
      if (p.started) [[unlikely]] {
        throw already_awaited(
            awaiting.address() == handle.address()
                ? "dualiter: a task cannot await itself: coroutine is being awaited already "
                  "(Python: Task cannot await on itself)"
                : "dualiter: coroutine is being awaited already: this task's body is running "
                  "for another awaiter. Fix: await it once, or share its result through a "
                  "variable");
      }
      p.started = true;
      return detail::run_inline(p, handle, awaiting, detail::link_of(awaiting));
    }

    decltype(auto) await_resume() const {
      if (!handle) [[unlikely]] {
        throw detail::no_result(
            "dualiter: no result: this task owns no coroutine, it was default-constructed or "
            "moved from (gather(t, std::move(t)) moves t before the other branch awaits it). "
            "Fix: await the task that owns the coroutine");
      }
      auto& result = handle.promise().result;
      if (result.taken()) [[unlikely]] {
        throw already_awaited(
            "dualiter: task awaited already: an earlier co_await std::move(t) moved its result "
            "out. Fix: await it once, or as an lvalue (co_await t) to keep the result in it");
      }
      if constexpr (Move) {
        return std::move(result).get();
      } else {
        return result.get();
      }
    }
  };

 public:
  awaiter<false> operator co_await() & noexcept { return {{}, frame_.get()}; }
  awaiter<true> operator co_await() && noexcept { return {{}, frame_.get()}; }

 private:
  friend promise_type;
  explicit task(std::coroutine_handle<promise_type> h) noexcept : frame_(h) {}

  detail::unique_coroutine<promise_type> frame_;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>(std::coroutine_handle<task_promise>::from_promise(*this));
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>(std::coroutine_handle<task_promise>::from_promise(*this));
}
}  // namespace detail

}  // namespace dualiter

#endif  // DUALITER_TASK_HPP

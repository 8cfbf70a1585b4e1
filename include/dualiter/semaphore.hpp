// dualiter::semaphore — a counter coroutines take from and give back to, first-come
// first-served. Python: asyncio.Semaphore.
#ifndef DUALITER_SEMAPHORE_HPP
#define DUALITER_SEMAPHORE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <utility>

#include <dualiter/detail/task_context.hpp>
#include <dualiter/detail/wait_list.hpp>

namespace dualiter {

/// A counter of free units for coroutines of one thread: `auto held = co_await s.acquire();`
/// takes one, waiting while there is none; `held` gives it back when it goes out of scope.
/// Python: asyncio.Semaphore (`async with sem:`).
///
/// Fair: a unit released while coroutines wait goes to the first of them, so a newcomer cannot
/// take it first. A wait is a cancellation point: a waiter cancelled after a unit was handed to
/// it, before it resumed, passes it on, and its await throws cancelled_error; so does a waiter
/// whose frame is destroyed. Taking a free unit needs no engine; waiting for one outside any
/// engine (under sync_wait) throws no_running_event_loop.
///
/// Lifetimes. A semaphore must outlive its guards. Destroying it while coroutines wait lets go
/// of them (never resumed); one a unit was handed to already resumes and throws
/// std::logic_error. A coroutine still waiting when the loop's run it waits in ends is let go of
/// too: a later release passes it over.
class semaphore {
 public:
  class guard;

  /// `value` free units. Python: Semaphore(value=1); a negative value throws
  /// std::invalid_argument (Python: ValueError).
  explicit semaphore(std::ptrdiff_t value = 1) : value_(value) {
    if (value < 0) {
      throw std::invalid_argument(
          "dualiter: semaphore initial value must be >= 0 (Python: ValueError: Semaphore "
          "initial value must be >= 0)");
    }
  }
  semaphore(const semaphore&) = delete;
  semaphore& operator=(const semaphore&) = delete;

  /// True when acquire() would wait. Python: locked().
  bool locked() const noexcept { return value_ == 0; }
  /// How many units are free.
  std::ptrdiff_t value() const noexcept { return value_; }

  /// Gives one unit back, handing it to the first waiter if there is one. For code that
  /// manages the semaphore by hand (guard::detach). Python: release(), which, like this,
  /// does not check that the unit was taken before (asyncio.BoundedSemaphore does).
  /// Throws std::overflow_error rather than count past PTRDIFF_MAX.
  void release() {
    if (value_ == std::numeric_limits<std::ptrdiff_t>::max() &&
        waiting_.first_live<acquire_awaiter>() == nullptr) {
      throw std::overflow_error(
          "dualiter: semaphore::release: the semaphore's value would exceed PTRDIFF_MAX");
    }
    give_back();
  }

  /// What `co_await s.acquire()` suspends in, when it waits.
  class acquire_awaiter : public detail::waiter {
   public:
    explicit acquire_awaiter(semaphore& s) noexcept : waiter(&on_cancel), semaphore_(&s) {}
    ~acquire_awaiter() {
      if (waiter::give_up_reservation()) semaphore_->give_back();
    }

    bool await_ready() {
      if (semaphore_->value_ > 0) {  // nobody waits while a unit is free
        --semaphore_->value_;
        cancel_point::capture();
        return true;
      }
      return waiter::cancelled_before_suspending("semaphore::acquire");
    }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) noexcept {
      waiter::suspend(semaphore_->waiting_, h);
    }
    [[nodiscard]] guard await_resume();

   private:
    static void on_cancel(detail::cancel_point& point) noexcept {
      auto& self = static_cast<acquire_awaiter&>(point);
      if (!self.cancel_if_waiting() && self.give_up_reservation()) self.semaphore_->give_back();
    }
    semaphore* semaphore_;
  };

  /// Waits for a free unit (or one handed over), takes it, and returns a guard that gives it
  /// back. Python: `await sem.acquire()` / `async with sem:`.
  auto acquire() noexcept {
    struct operation {
      semaphore* s;
      acquire_awaiter operator co_await() const noexcept { return acquire_awaiter(*s); }
    };
    return operation{this};
  }

 private:
  // Noexcept for guards and cancelled waiters: a unit they took cannot overflow the count
  // unless units were released by hand that were never taken; then it saturates.
  void give_back() noexcept {
    if (waiting_.first_live<acquire_awaiter>() != nullptr) {
      waiting_.wake_first(woken_);
    } else if (value_ < std::numeric_limits<std::ptrdiff_t>::max()) {
      ++value_;
    }
  }

  detail::wait_list waiting_;
  detail::wait_list woken_;
  std::ptrdiff_t value_;
};

/// Holds one unit of a semaphore from acquire() until it goes out of scope (or release()).
/// Movable.
class [[nodiscard(
    "dualiter: discarding the guard of semaphore::acquire gives the unit back at once. Fix: "
    "auto held = co_await s.acquire();")]] semaphore::guard {
 public:
  guard() noexcept = default;
  guard(guard&& other) noexcept : semaphore_(std::exchange(other.semaphore_, nullptr)) {}
  guard& operator=(guard&& other) noexcept {
    guard(std::move(other)).swap(*this);
    return *this;
  }
  ~guard() {
    if (semaphore_ != nullptr) semaphore_->give_back();
  }
  void swap(guard& other) noexcept { std::swap(semaphore_, other.semaphore_); }

  /// True while this guard holds a unit.
  bool owns_unit() const noexcept { return semaphore_ != nullptr; }
  explicit operator bool() const noexcept { return owns_unit(); }

  /// Gives the unit back now; nothing if this guard holds none.
  void release() noexcept {
    if (semaphore_ != nullptr) std::exchange(semaphore_, nullptr)->give_back();
  }
  /// Stops managing the unit, which stays taken: for code that releases by hand
  /// (semaphore::release).
  void detach() noexcept { semaphore_ = nullptr; }

 private:
  friend class semaphore::acquire_awaiter;
  explicit guard(semaphore& s) noexcept : semaphore_(&s) {}
  semaphore* semaphore_ = nullptr;
};

inline semaphore::guard semaphore::acquire_awaiter::await_resume() {
  waiter::resume_or_throw("semaphore");
  return guard(*semaphore_);
}

}  // namespace dualiter

#endif  // DUALITER_SEMAPHORE_HPP

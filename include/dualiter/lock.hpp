// dualiter::lock — mutual exclusion between coroutines, handed over first-come first-served.
// Python: asyncio.Lock.
#ifndef DUALITER_LOCK_HPP
#define DUALITER_LOCK_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <cstdint>
#include <stdexcept>
#include <utility>

#include <dualiter/detail/task_context.hpp>
#include <dualiter/detail/wait_list.hpp>

namespace dualiter {

/// A lock for coroutines of one thread. `auto held = co_await l.acquire();` returns at once if
/// the lock is free, else waits; `held` releases it when it goes out of scope. Python:
/// `async with lock:`.
///
/// Fair: a lock released while coroutines wait is handed to the first of them (it stays
/// locked), so a newcomer cannot take it first. A wait is a cancellation point: a waiter
/// cancelled after the lock was handed to it, before it resumed, passes it on to the next one
/// (or it becomes free), and its await throws cancelled_error; so does a waiter whose frame is
/// destroyed. Acquiring a free lock needs no engine; waiting for one outside any engine (under
/// sync_wait) throws no_running_event_loop.
///
/// Lifetimes. A lock must outlive its guards, as a std::mutex its std::unique_lock. Destroying
/// it while coroutines wait lets go of them (never resumed); one it was handed to already
/// resumes and throws std::logic_error. A coroutine still waiting when the loop's run it waits
/// in ends is let go of too: a later release passes it over.
class lock {
 public:
  class guard;

  lock() noexcept = default;
  lock(const lock&) = delete;
  lock& operator=(const lock&) = delete;

  /// Python: locked().
  bool locked() const noexcept { return locked_; }

  /// Releases the lock, handing it to the first waiter if there is one. For code that manages
  /// the lock by hand (guard::detach); a guard releases by itself. Python: release(); as there,
  /// any coroutine may release it, and releasing a lock that is not locked throws
  /// std::runtime_error ("Lock is not acquired"). So does releasing it while it is handed to a
  /// waiter that has not resumed yet: the lock is that waiter's, and Python's is not acquired
  /// then either (else two coroutines would go on holding it).
  void release() {
    if (!locked_) {
      throw std::runtime_error(
          "dualiter: lock::release: the lock is not acquired (Python: RuntimeError: Lock is not "
          "acquired.)");
    }
    if (!woken_.empty()) {
      throw std::runtime_error(
          "dualiter: lock::release: the lock is not acquired: it was handed to a waiting "
          "coroutine that has not resumed yet (Python: RuntimeError: Lock is not acquired.)");
    }
    pass_on();
  }

  /// What `co_await l.acquire()` suspends in, when it waits.
  class acquire_awaiter : public detail::waiter {
   public:
    explicit acquire_awaiter(lock& l) noexcept : waiter(&on_cancel), lock_(&l) {}
    ~acquire_awaiter() {
      if (waiter::give_up_reservation()) lock_->pass_on_if_held_by(holding_);
    }

    bool await_ready() {
      if (!lock_->locked_) {  // nobody waits while the lock is free: taking it barges in on none
        holding_ = lock_->take();
        cancel_point::capture();
        return true;
      }
      return waiter::cancelled_before_suspending("lock::acquire");
    }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) noexcept {
      waiter::suspend(lock_->waiting_, h);
    }
    [[nodiscard]] guard await_resume();

   private:
    friend class lock;
    static void on_cancel(detail::cancel_point& point) noexcept {
      auto& self = static_cast<acquire_awaiter&>(point);
      if (!self.cancel_if_waiting() && self.give_up_reservation()) {
        self.lock_->pass_on_if_held_by(self.holding_);
      }
    }
    lock* lock_;
    std::uint64_t holding_ = 0;
  };

  /// Waits until the lock is free (or handed over), takes it, and returns a guard that releases
  /// it. Python: `await lock.acquire()` / `async with lock:`.
  auto acquire() noexcept {
    struct operation {
      lock* l;
      acquire_awaiter operator co_await() const noexcept { return acquire_awaiter(*l); }
    };
    return operation{this};
  }

 private:
  // Each holding of the lock has its own number, so that a guard whose holding ended already
  // (released by hand, then taken by another) does not release someone else's.
  std::uint64_t take() noexcept {
    locked_ = true;
    return ++holding_;
  }
  void pass_on() noexcept {
    acquire_awaiter* const next = waiting_.first_live<acquire_awaiter>();
    if (next == nullptr) {
      locked_ = false;
      ++holding_;
      return;
    }
    next->holding_ = take();
    waiting_.wake_first(woken_);
  }
  void pass_on_if_held_by(std::uint64_t holding) noexcept {
    if (locked_ && holding_ == holding) pass_on();
  }
  bool held_by(std::uint64_t holding) const noexcept { return locked_ && holding_ == holding; }

  detail::wait_list waiting_;
  detail::wait_list woken_;
  std::uint64_t holding_ = 0;
  bool locked_ = false;
};

/// Holds a lock from acquire() until it goes out of scope (or unlock()): Python's
/// `async with lock:`. Movable, like std::unique_lock.
class [[nodiscard(
    "dualiter: discarding the guard of lock::acquire releases the lock at once. Fix: auto held "
    "= co_await l.acquire();")]] lock::guard {
 public:
  guard() noexcept = default;
  guard(guard&& other) noexcept
      : lock_(std::exchange(other.lock_, nullptr)), holding_(other.holding_) {}
  guard& operator=(guard&& other) noexcept {
    guard(std::move(other)).swap(*this);
    return *this;
  }
  ~guard() {
    if (lock_ != nullptr) lock_->pass_on_if_held_by(holding_);
  }
  void swap(guard& other) noexcept {
    std::swap(lock_, other.lock_);
    std::swap(holding_, other.holding_);
  }

  /// True while the lock is held through this guard (not released by hand since).
  bool owns_lock() const noexcept { return lock_ != nullptr && lock_->held_by(holding_); }
  explicit operator bool() const noexcept { return owns_lock(); }

  /// Releases the lock now. Throws std::runtime_error if this guard does not hold it.
  void unlock() {
    if (!owns_lock()) {
      throw std::runtime_error(
          "dualiter: lock::guard::unlock: this guard does not hold the lock (released already, "
          "or moved from)");
    }
    std::exchange(lock_, nullptr)->pass_on();
  }
  /// Stops managing the lock, which stays locked: for code that releases it by hand
  /// (lock::release), as in Python without `async with`.
  void detach() noexcept { lock_ = nullptr; }

 private:
  friend class lock::acquire_awaiter;
  guard(lock& l, std::uint64_t holding) noexcept : lock_(&l), holding_(holding) {}
  lock* lock_ = nullptr;
  std::uint64_t holding_ = 0;
};

inline lock::guard lock::acquire_awaiter::await_resume() {
  waiter::resume_or_throw("lock");
  return guard(*lock_, holding_);
}

}  // namespace dualiter

#endif  // DUALITER_LOCK_HPP

// Test helpers that let a test drive coroutines by hand, without sync_wait or a loop.
#ifndef DUALITER_TESTS_SUPPORT_MANUAL_HPP
#define DUALITER_TESTS_SUPPORT_MANUAL_HPP

#include <coroutine>
#include <exception>
#include <utility>

#include <dualiter/detail/inline_resume.hpp>

namespace dualiter::testing {

/// A coroutine that starts at once and keeps its frame when it finishes, so a test can look:
/// `auto s = spawn([&]() -> task<> { ... });` then `s.done()`.
class spawned {
 public:
  struct promise_type {
    std::exception_ptr error;
    spawned get_return_object() noexcept {
      return spawned(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { error = std::current_exception(); }
    void return_void() noexcept {}
  };
  spawned(spawned&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  ~spawned() {
    if (handle_) handle_.destroy();
  }
  bool done() const noexcept { return handle_.done(); }
  std::exception_ptr error() const noexcept { return handle_.promise().error; }
  /// Destroys the frame now, wherever it is suspended.
  void abandon() noexcept { std::exchange(handle_, nullptr).destroy(); }

 private:
  explicit spawned(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
  std::coroutine_handle<promise_type> handle_;
};

/// Runs `make()` (which returns an awaitable) in a spawned coroutine.
template <class Make>
spawned spawn(Make make) {
  co_await make();
}

/// A place where a coroutine waits until the test resumes it, on the loop's thread: a model of
/// an event that completes later (I/O, a timer). Tagged so, it is handed the coroutine's own
/// handle, not a stand-in (which a spot never resumed, as when its task is let go of, would
/// leak: detail/stand_in.hpp).
class parking_spot {
 public:
  struct awaiter : dualiter::detail::resumes_on_loop_thread {
    parking_spot* spot;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept { spot->parked_ = h; }
    void await_resume() const noexcept {}
  };
  awaiter wait() noexcept { return {{}, this}; }
  bool occupied() const noexcept { return static_cast<bool>(parked_); }
  void resume() { std::exchange(parked_, nullptr).resume(); }

 private:
  std::coroutine_handle<> parked_;
};

/// Counts how many live objects of this type exist, to prove that abandoned frames destroy
/// their locals.
struct lifetime_counter {
  int* live;
  explicit lifetime_counter(int* counter) : live(counter) { ++*live; }
  lifetime_counter(const lifetime_counter& other) : live(other.live) { ++*live; }
  lifetime_counter& operator=(const lifetime_counter&) = default;
  ~lifetime_counter() { --*live; }
};

}  // namespace dualiter::testing

#endif  // DUALITER_TESTS_SUPPORT_MANUAL_HPP

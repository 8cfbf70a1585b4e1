// What a foreign awaiter (one dualiter does not know) is handed instead of the handle of a
// coroutine running on the embedded event loop: a stand-in, a tiny coroutine whose resumption
// continues the real coroutine on the loop's thread. Resumed on that thread inside the loop's
// run (a cppcoro-style task that completed at once, a callback the loop runs), it transfers
// to the real coroutine at once, by symmetric transfer; resumed from any other thread, it posts
// itself to the loop's remote queue, and the loop resumes the real coroutine in its next turn.
// While a stand-in is outstanding the loop waits for it instead of declaring that nothing can
// resume its awaitable.
//
// Ownership: two references, the foreign side's (given up when the stand-in is resumed) and
// the awaiter's (given up when the real coroutine resumes, or when its frame is destroyed
// while suspended: the stand-in is then abandoned, and a later resumption does nothing). The
// frame comes from the frame cache and is freed by whichever side lets go last, on any thread.
//
// Limits. A raw coroutine handle cannot tell when it is dropped: a foreign awaiter that loses
// the handle without ever resuming it leaves the stand-in counted, and run then waits forever
// (as a thread joining one that never ends would); its frame (one small block) is leaked. A
// foreign awaiter must not destroy() the handle it was given (it never owned the coroutine);
// the stand-in is destroyed only by dualiter. It must resume it at most once, as any coroutine
// handle, and not after throwing from await_suspend or returning false from it (the await did
// not suspend then, and the stand-in is gone).
#ifndef DUALITER_DETAIL_STAND_IN_HPP
#define DUALITER_DETAIL_STAND_IN_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <atomic>
#include <coroutine>
#include <exception>

#include <dualiter/detail/frame_allocation.hpp>
#include <dualiter/detail/remote_queue.hpp>

namespace dualiter::detail {

class stand_in_promise;
using stand_in_handle = std::coroutine_handle<stand_in_promise>;

/// What make_stand_in returns: the handle, suspended at its start.
struct stand_in {
  using promise_type = stand_in_promise;
  stand_in_handle handle;
};

class stand_in_promise final : public frame_allocation, public remote_work {
 public:
  explicit stand_in_promise(remote_core& core) noexcept : resumption_(core) {}

  stand_in get_return_object() noexcept { return {stand_in_handle::from_promise(*this)}; }
  std::suspend_always initial_suspend() noexcept { return {}; }
  void return_void() noexcept {}
  [[noreturn]] void unhandled_exception() noexcept { std::terminate(); }  // the body is empty

  struct forward {
    bool await_ready() noexcept { return false; }
    std::coroutine_handle<> await_suspend(stand_in_handle self) noexcept {
      stand_in_promise& p = self.promise();
      if (detail::on_loop_of(&p.resumption_.core())) return p.take_real();
      // Another thread: the loop takes over the foreign side's reference with the node.
      if (!p.resumption_.core().post(p)) p.release();  // the loop is gone
      return std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };
  forward final_suspend() noexcept { return {}; }

  /// Loop thread: the awaiter's part. Called at the await's suspension, before the handle can
  /// escape.
  void set_real(std::coroutine_handle<> real) noexcept { real_ = real; }
  /// Loop thread: the real coroutine resumed (true), or its frame is destroyed (false).
  void awaiter_done(bool resumed) noexcept {
    if (!resumed) (void)resumption_.settle();
    release();
  }
  /// Loop thread, when the await did not suspend after all: nobody else has the handle.
  void never_used() noexcept {
    (void)resumption_.settle();
    stand_in_handle::from_promise(*this).destroy();
  }

 private:
  // The loop thread, resumed by the foreign side: the real coroutine to transfer to, or a noop
  // when it no longer waits; gives up the foreign side's reference.
  std::coroutine_handle<> take_real() noexcept {
    const bool live = resumption_.settle();
    const std::coroutine_handle<> real = real_;
    release();
    if (!live) return std::noop_coroutine();
    return real;
  }
  void run() override { take_real().resume(); }
  void drop() noexcept override { release(); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      stand_in_handle::from_promise(*this).destroy();
    }
  }

  remote_resumption resumption_;
  std::coroutine_handle<> real_;
  std::atomic<int> refs_{2};
};

/// A fresh stand-in, suspended at its start. Loop thread, inside a run.
inline stand_in make_stand_in(remote_core& /*core*/) {
  co_return;
}

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_STAND_IN_HPP

// Which engine, if any, runs the coroutine being resumed on this thread: the embedded event_loop
// (current_loop), or another engine such as Asio (current_engine). Kept apart from
// event_loop.hpp so that sync_wait can hide them without depending on the loop (see sync_wait),
// and so that an engine can be written without including the loop.
#ifndef DUALITER_DETAIL_CURRENT_LOOP_HPP
#define DUALITER_DETAIL_CURRENT_LOOP_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <atomic>
#include <cstdint>
#include <utility>

#include <dualiter/detail/task_context.hpp>

namespace dualiter {
class event_loop;
}

namespace dualiter::detail {

class ready_node;
class timer_node;
class task_list;
class remote_core;

/// What an engine other than the embedded event_loop provides, so that sleep_for, yield_now,
/// gather and the rest work on it. The nodes live in the suspended coroutines' frames; an
/// engine keeps them in an intrusive ready_queue / timer_heap of its own, so that a node
/// destroyed with its frame leaves the engine and is never resumed.
///
/// The engine sets current_engine while it resumes a coroutine it runs (engine_scope), and
/// resumes every coroutine of its own on its own executor.
class engine {
 public:
  /// Resumes node.waiting later, after the coroutines already scheduled (yield_now), never
  /// before this call has returned. May throw; then it kept nothing.
  virtual void schedule(ready_node& node) = 0;
  /// Resumes node.waiting no earlier than node.deadline (sleep_for, sleep_until), never before
  /// this call has returned. May throw; then it kept nothing.
  virtual void arm(timer_node& node) = 0;
  /// Resumes node.waiting later, as schedule, but never fails: what wakes a coroutine from
  /// code that cannot (a task ending wakes its waiters, a cancel request wakes a waiter). May
  /// be called from any coroutine of the engine, or from code running on its executor.
  virtual void wake(ready_node& node) noexcept = 0;
  /// A cancelled sleeper: if `node` still waits in the engine's timers, it leaves them at once
  /// and is woken as by wake; else (its timer fired already) nothing.
  virtual void wake_sleeper(timer_node& node) noexcept = 0;
  /// A node whose frame is destroyed while it waits (its coroutine abandoned): it leaves the
  /// engine's queues, if it is still in one, under whatever lock they need (a thread pool
  /// without a strand runs other coroutines of the engine meanwhile, which push and pop the
  /// node's neighbours). Ownership rule: the engine clears node.waiting, under that lock, when
  /// it resumes the node or lets go of it; the frame's owner calls forget only while
  /// node.waiting is still set, so it never reads the queue's links itself, and never calls an
  /// engine that let go of the node (and may be gone).
  virtual void forget(ready_node& node) noexcept = 0;
  /// forget for a sleeper's node, which may also be in the engine's timers.
  virtual void forget_sleeper(timer_node& node) noexcept = 0;
  /// The tasks (create_task) running on the engine: it cancels those still pending when its
  /// run ends, waits for them, and lets go of those that cannot end (event_loop::finish_tasks).
  virtual task_list& tasks() noexcept = 0;
  /// The engine's remote queue (detail/remote_queue.hpp): how another thread hands back a
  /// resumption (to_thread), run on the engine's executor. May throw (allocation).
  virtual remote_core& remote() = 0;
  /// An engine-specific interface identified by the address of a tag, or nullptr: how
  /// dualiter::asio::use_awaitable finds the Asio spawn it runs in, without RTTI.
  virtual void* find_interface(const void* tag) noexcept = 0;
  /// False when the engine may run several of its coroutines at once, on several threads (an
  /// Asio thread pool's executor without a strand): then tasks, whose state is not locked,
  /// cannot run on it (bound_engine::require throws).
  virtual bool serialised() const noexcept = 0;

 protected:
  engine() noexcept = default;
  engine(const engine&) = default;
  engine& operator=(const engine&) = default;
  ~engine() = default;
};

inline thread_local event_loop* current_loop = nullptr;

/// A run of an event loop on this thread, from start to end (the loop's running_scope), with
/// an id no other run of any loop ever has. A coroutine waiting on a primitive (event, queue,
/// lock, semaphore) remembers the run it suspended in: once that run has ended its loop may be
/// gone, and whatever wakes the coroutine later must not touch that loop (run_is_live).
struct live_run {
  std::uint64_t id;
  live_run* outer;  // the run this one is nested in (under sync_wait), or null
};
inline constinit thread_local live_run* innermost_run = nullptr;
inline std::atomic<std::uint64_t> last_run_id{0};

/// True while the run `id` is on this thread's stack. Almost always the innermost one: the
/// walk goes further only under nested runs.
inline bool run_is_live(std::uint64_t id) noexcept {
  for (const live_run* run = detail::innermost_run; run != nullptr; run = run->outer) {
    if (run->id == id) return true;
  }
  return false;
}
inline thread_local engine* current_engine = nullptr;

/// While alive, `e` is this thread's engine, and no loop runs (an engine may be run from inside
/// a coroutine on the loop: its coroutines must not take the loop for theirs); the previous
/// ones are restored afterwards. No task is current at first: a thread of a pool runs the
/// coroutines of many engines, and the task whose coroutine ran last there is not the one of
/// the coroutine resumed now (its awaiter makes its own task current again, rule 3 of
/// task_context.hpp).
class engine_scope {
 public:
  explicit engine_scope(engine* e) noexcept
      : saved_loop_(std::exchange(current_loop, nullptr)),
        saved_engine_(std::exchange(current_engine, e)),
        saved_task_(std::exchange(current_task, nullptr)) {}
  engine_scope(const engine_scope&) = delete;
  engine_scope& operator=(const engine_scope&) = delete;
  ~engine_scope() {
    current_loop = saved_loop_;
    current_engine = saved_engine_;
    current_task = saved_task_;
  }

 private:
  event_loop* saved_loop_;
  engine* saved_engine_;
  task_context* saved_task_;
};

/// While alive, this thread has neither a running loop nor an engine; both are restored
/// afterwards.
class hide_current_loop {
 public:
  hide_current_loop() noexcept
      : saved_loop_(std::exchange(current_loop, nullptr)),
        saved_engine_(std::exchange(current_engine, nullptr)) {}
  hide_current_loop(const hide_current_loop&) = delete;
  hide_current_loop& operator=(const hide_current_loop&) = delete;
  ~hide_current_loop() {
    current_loop = saved_loop_;
    current_engine = saved_engine_;
  }

 private:
  event_loop* saved_loop_;
  engine* saved_engine_;
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_CURRENT_LOOP_HPP

// How other threads hand work to an event loop: the loop's remote queue, guarded by a mutex,
// which the loop drains at the start of each turn (call_soon_threadsafe, to_thread's results,
// foreign awaiters resuming from another thread). The loop's own ready queue stays
// single-threaded and lock-free: a turn pays one relaxed load to learn whether anything was
// posted, and takes the lock only then.
//
// The queue's state (remote_core) is reference-counted and outlives the loop for as long as
// some thread may still post to it: work posted once the loop is gone is refused (post returns
// false) and the poster drops it, never touching the loop.
//
// An Asio spawn has a remote queue too (to_thread on Asio): there a waker posts one drain of
// the queue to the spawn's executor per batch, in place of the loop's condition variable.
#ifndef DUALITER_DETAIL_REMOTE_QUEUE_HPP
#define DUALITER_DETAIL_REMOTE_QUEUE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include <dualiter/detail/current_loop.hpp>

namespace dualiter::detail {

/// Work posted to a loop from any thread; whoever posts it allocates it, and the loop either
/// runs it (on its own thread) or drops it (the loop is destroyed first). Exactly one of run and
/// drop is called, once; each disposes of the node.
class remote_work {
 public:
  remote_work(const remote_work&) = delete;
  remote_work& operator=(const remote_work&) = delete;

  virtual void run() = 0;
  virtual void drop() noexcept = 0;

  remote_work* next_remote = nullptr;

 protected:
  remote_work() noexcept = default;
  ~remote_work() = default;
};

/// The shared part of a loop's remote queue.
class remote_core {
 public:
  remote_core() noexcept = default;
  remote_core(const remote_core&) = delete;
  remote_core& operator=(const remote_core&) = delete;

  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  void release() noexcept {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

  /// From any thread: queues `work` for the loop and wakes it if it sleeps. False, and `work`
  /// not taken, once the loop is destroyed.
  bool post(remote_work& work) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return false;
    work.next_remote = nullptr;
    *tail_ = &work;
    tail_ = &work.next_remote;
    announce();
    return true;
  }

  /// How an engine other than the embedded loop (an Asio spawn) learns that work was posted:
  /// `wake(context)` is called, under the lock, once for each batch its take() will find, until
  /// close(). It must not call back into this core. A plain function, not a virtual one: it
  /// may be called while the engine's destructor runs on another thread, up to close().
  using waker = void (*)(void* context) noexcept;
  void set_waker(waker wake, void* context) noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    waker_ = wake;
    waker_context_ = context;
  }

  /// Engine thread: puts back, first, what take() returned and was not run (a run threw).
  void put_back(remote_work* first) noexcept {
    if (first == nullptr) return;
    remote_work* last = first;
    while (last->next_remote != nullptr) last = last->next_remote;
    const std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) {
      drop_all(first);
      return;
    }
    last->next_remote = head_;
    if (head_ == nullptr) tail_ = &last->next_remote;
    head_ = first;
    announce();
  }

  /// The loop's hot path: relaxed, a hint; take() under the lock is what synchronises.
  bool pending() const noexcept { return pending_.load(std::memory_order_relaxed); }

  /// Loop thread: everything posted so far, in posting order.
  remote_work* take() noexcept {
    const std::lock_guard<std::mutex> lock(mutex_);
    remote_work* const first = head_;
    head_ = nullptr;
    tail_ = &head_;
    pending_.store(false, std::memory_order_relaxed);
    return first;
  }

  /// Loop thread: sleeps until something is posted, or until `deadline` if it has one.
  void wait(bool timed, std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mutex_);
    sleeping_ = true;
    if (timed) {
      // Only a deadline still ahead (a long past one overflows `deadline - now` in libc++).
      while (head_ == nullptr && std::chrono::steady_clock::now() < deadline) {
        wake_.wait_until(lock, deadline);
      }
    } else {
      // Until a post, or until nothing may post any more: no resumption outstanding (those
      // come as posts) and no work guard held (released ones notify).
      while (head_ == nullptr && (outstanding.load(std::memory_order_relaxed) != 0 || held()))
        wake_.wait(lock);
    }
    sleeping_ = false;
  }

  /// Any thread: an event_loop::work_guard begins, or ends. While one is held the loop waits
  /// for posts instead of declaring that nothing can resume its awaitable.
  void hold() noexcept { holds_.fetch_add(1, std::memory_order_relaxed); }
  void unhold() noexcept {
    holds_.fetch_sub(1, std::memory_order_relaxed);
    // Under the lock, so that a loop about to wait sees either the new count or this notify.
    const std::lock_guard<std::mutex> lock(mutex_);
    if (sleeping_) wake_.notify_one();
  }
  bool held() const noexcept { return holds_.load(std::memory_order_relaxed) != 0; }

  /// The loop is being destroyed (or the engine has finished): later posts are refused, and
  /// what is queued is dropped. Once it returns, the waker is never called again.
  void close() noexcept {
    remote_work* first;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
      waker_ = nullptr;
      first = head_;
      head_ = nullptr;
      tail_ = &head_;
    }
    drop_all(first);
  }

  // The engine's threads only. How many suspended coroutines of the current run wait for a
  // resumption from another thread (to_thread, foreign awaiters' stand-ins): while there are
  // any, the loop waits for posts instead of declaring that nothing can resume its awaitable
  // (and an Asio spawn does not let go of its tasks). `run_id` tells the embedded loop's runs
  // apart: a resumption that arrives after its run ended is dropped, as the ready queue's nodes
  // are. Atomic: an Asio pool without a strand runs a spawn's coroutines on several threads.
  std::atomic<std::uint64_t> outstanding{0};
  std::uint64_t run_id = 0;

 private:
  // Under the lock: the loop may be destroyed, and this core with it, once it is unlocked.
  void announce() noexcept {
    const bool batch_begins = !pending_.load(std::memory_order_relaxed);
    pending_.store(true, std::memory_order_relaxed);
    if (waker_ != nullptr) {
      if (batch_begins) waker_(waker_context_);
    } else if (sleeping_) {
      wake_.notify_one();
    }
  }
  static void drop_all(remote_work* first) noexcept {
    while (first != nullptr) {
      remote_work* const next = first->next_remote;
      first->drop();
      first = next;
    }
  }

  std::atomic<unsigned> refs_{1};
  std::atomic<bool> pending_{false};
  std::atomic<std::uint64_t> holds_{0};  // work guards alive, across runs (unlike outstanding)
  std::mutex mutex_;
  std::condition_variable wake_;
  remote_work* head_ = nullptr;
  remote_work** tail_ = &head_;
  bool sleeping_ = false;
  bool closed_ = false;
  waker waker_ = nullptr;
  void* waker_context_ = nullptr;
};

/// A loop's handle on its remote_core, made on first use (from whichever thread posts first or
/// the loop itself), so that a loop that never meets another thread allocates nothing for it.
class remote_slot {
 public:
  remote_slot() noexcept = default;
  remote_slot(const remote_slot&) = delete;
  remote_slot& operator=(const remote_slot&) = delete;
  ~remote_slot() {
    if (remote_core* core = core_.load(std::memory_order_acquire)) {
      core->close();
      core->release();
    }
  }

  /// Any thread.
  remote_core& get() {
    remote_core* core = core_.load(std::memory_order_acquire);
    if (core != nullptr) [[likely]]
      return *core;
    auto* const made = new remote_core();
    if (core_.compare_exchange_strong(core, made, std::memory_order_acq_rel)) return *made;
    made->release();  // another thread won
    return *core;
  }
  /// The core, if made; on the loop's hot path. Acquire, not relaxed: another thread may have
  /// made it a moment ago, and its mutex and flags must be seen made (a plain load on x86).
  remote_core* peek() const noexcept { return core_.load(std::memory_order_acquire); }

 private:
  std::atomic<remote_core*> core_{nullptr};
};

/// The remote queue of the loop running on this thread, or null: set with current_loop, so
/// that a stand-in resumed on the loop's own thread (inside its run) resumes its coroutine at
/// once instead of posting it.
inline thread_local remote_slot* current_remote = nullptr;

/// True when the calling thread is inside a run of the loop that owns `core`.
inline bool on_loop_of(const remote_core* core) noexcept {
  return detail::current_loop != nullptr && detail::current_remote != nullptr &&
         detail::current_remote->peek() == core;
}

/// A resumption of a coroutine of the loop that another thread will deliver: counted while
/// outstanding, so that the loop waits for it, and recognised as stale once its run ended.
class remote_resumption {
 public:
  /// The engine's thread, inside a run.
  explicit remote_resumption(remote_core& core) noexcept : core_(&core), run_id_(core.run_id) {
    core.retain();
    core.outstanding.fetch_add(1, std::memory_order_relaxed);
  }
  remote_resumption(const remote_resumption&) = delete;
  remote_resumption& operator=(const remote_resumption&) = delete;
  ~remote_resumption() { core_->release(); }

  remote_core& core() const noexcept { return *core_; }
  /// The engine's thread: the coroutine no longer waits (resumed, cancelled, or destroyed).
  /// True when it belongs to the current run and may be resumed.
  bool settle() noexcept {
    if (settled_) return false;
    settled_ = true;
    if (core_->run_id != run_id_) return false;
    core_->outstanding.fetch_sub(1, std::memory_order_relaxed);
    return true;
  }
  bool settled() const noexcept { return settled_; }

 private:
  remote_core* core_;
  std::uint64_t run_id_;
  bool settled_ = false;
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_REMOTE_QUEUE_HPP

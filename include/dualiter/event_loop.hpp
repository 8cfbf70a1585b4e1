// dualiter::event_loop — a small single-threaded loop with a ready queue and timers, and what
// runs on it: run, sleep_for, sleep_until, yield_now (gather is in gather.hpp). Python:
// asyncio's loop.
//
// Scheduling order, so that a program behaves the same on every run (asyncio's order):
//  - in each turn of the loop, the coroutines already in the ready queue run first, then the
//    timers that expired meanwhile, in deadline order (in arming order for equal deadlines);
//    whatever becomes ready during a turn waits for the next one;
//  - yield_now goes to the back of the ready queue, so coroutines that yield in turn take
//    turns round-robin.
#ifndef DUALITER_EVENT_LOOP_HPP
#define DUALITER_EVENT_LOOP_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <chrono>
#include <cmath>
#include <coroutine>
#include <cstdint>
#include <limits>
#include <memory>
#include <ratio>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/current_loop.hpp>
#include <dualiter/detail/driver.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/ready_queue.hpp>
#include <dualiter/detail/remote_queue.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/detail/task_list.hpp>
#include <dualiter/detail/timer_heap.hpp>
#include <dualiter/diagnostics.hpp>

namespace dualiter {

/// Thrown when sleep_for, sleep_until, yield_now or gather is awaited with no engine running
/// the awaiting coroutine: neither an event loop on this thread nor Asio (dualiter::asio::spawn);
/// under sync_wait, say. Python: `RuntimeError: no running event loop`.
class no_running_event_loop : public std::runtime_error {
 public:
  explicit no_running_event_loop(const char* what_needs_it)
      : std::runtime_error(std::string("dualiter: no running event loop: ") + what_needs_it +
                           " must be awaited inside dualiter::run(...), event_loop::run(...) or "
                           "dualiter::asio::spawn(...), not under sync_wait or outside any loop") {}
};

namespace detail {
struct loop_access;

/// What shares unlocked state between coroutines (create_task, task_group, as_completed,
/// wait_for, views::merge), awaited on an engine that runs several of its coroutines at once.
[[noreturn, gnu::cold]] inline void throw_not_serialised(const char* what_needs_it) {
  throw std::logic_error(std::string("dualiter: ") + what_needs_it +
                         " needs an executor that runs one coroutine at a time, and this "
                         "dualiter::asio::spawn runs on a thread pool's executor without a "
                         "strand, where its coroutines would race on state that is not locked. "
                         "Fix: spawn onto a strand (asio::make_strand(pool)), or an io_context "
                         "run by one thread");
}
}  // namespace detail

/// A single-threaded event loop: a ready queue, and timers on std::chrono::steady_clock.
/// Python: asyncio's event loop. `loop.run(aw)` runs an Awaitable to completion on this thread
/// and returns its result or rethrows its exception; a loop can run many times in a row.
///
/// Coroutines on the loop run on the loop's thread only. Other threads hand work to it with
/// call_soon_threadsafe (and run_coroutine_threadsafe, to_thread: dualiter/threads.hpp); a
/// foreign awaiter that resumes a coroutine of the loop from another thread is handed a
/// stand-in whose resumption is posted to the loop (see inline_resume.hpp), so the coroutine
/// still continues on the loop's thread. When the awaitable given to run has finished, the
/// tasks still pending (create_task) are cancelled and run to their end before run returns, as
/// asyncio.run does; a task that cannot end (it waits for something nothing will complete) is
/// let go of. Other work still queued when run returns is dropped without being resumed or
/// destroyed: the loop owns no coroutine but its tasks, their owners destroy them.
class event_loop {
 public:
  using clock = std::chrono::steady_clock;

  event_loop() noexcept = default;
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;
  ~event_loop() { drop_remote_ready(); }  // remote_ then refuses later posts and drops the rest

  /// Runs `awaitable` to completion on this thread. Throws std::runtime_error if a loop is
  /// already running on this thread (Python: asyncio.run() cannot be called from a running
  /// event loop), or if the awaitable waits for something nothing will ever resume.
  template <class A>
  decltype(auto) run(A&& awaitable);

  /// The loop running on this thread, or nullptr. Python: asyncio.get_running_loop().
  static event_loop* current() noexcept { return detail::current_loop; }

  /// From any thread: calls `f()` on the loop's thread, in the loop's next turn, waking the loop
  /// if it sleeps (for a timer, or for work from other threads). Python:
  /// loop.call_soon_threadsafe(f). Calls run in the order they were made, each exactly once.
  ///
  /// Posted while the loop is not running, `f` waits for the next run (asyncio does the same);
  /// still queued when the loop is destroyed, it is destroyed without being called. The loop
  /// must be alive during this call (as for any member function). An exception thrown by `f`
  /// propagates out of the loop's run, which ends with it (asyncio logs it and goes on; here
  /// nothing is lost silently); the calls queued after it stay queued. `f` is moved into a
  /// heap-allocated node: std::bad_alloc, or an exception from that move, leaves nothing
  /// queued.
  ///
  /// The loop cannot know which calls are still to come: if run's awaitable waits only for
  /// work that other threads have yet to post (a queue fed by call_soon_threadsafe) and the
  /// loop runs out of everything else first, run throws its "nothing is scheduled" error, where
  /// asyncio would wait forever. Hold a work_guard (make_work_guard) while a thread may still
  /// post, or run the producing work with to_thread: either way the loop waits for posts.
  template <class F>
  void call_soon_threadsafe(F&& f);

  class work_guard;
  /// From any thread: a guard that, while it lives, has run wait for work from other threads
  /// instead of declaring that nothing is scheduled. Asio: make_work_guard.
  work_guard make_work_guard();

 private:
  // The loop's own awaitables and adapters reach the queues through detail::loop_access.
  friend struct detail::loop_access;

  /// Makes this the loop running on this thread, calls `start()`, then turns the loop until
  /// `done()` is true; the same errors as run.
  template <class Start, class Done>
  void run_until(Start start, Done done);

  /// Puts `node` at the back of the ready queue; the loop resumes node.waiting in a later turn.
  void schedule(detail::ready_node& node) noexcept { ready_.push_back(node); }
  /// Resumes node.waiting in the first turn after node.deadline.
  void arm(detail::timer_node& node) { timers_.push(node); }

  template <class R>
  struct run_state {
    detail::result_slot<R> result;
    bool done = false;
    std::coroutine_handle<> finish() noexcept {
      done = true;
      return std::noop_coroutine();
    }
  };

  // Makes this the thread's loop; leaves no queued work behind, however run ends.
  class running_scope {
   public:
    explicit running_scope(event_loop& loop) noexcept
        : loop_(loop),
          saved_(std::exchange(detail::current_loop, &loop)),
          saved_remote_(std::exchange(detail::current_remote, &loop.remote_)),
          run_{detail::last_run_id.fetch_add(1, std::memory_order_relaxed) + 1,
               std::exchange(detail::innermost_run, &run_)} {
      loop.running_ = true;
    }
    running_scope(const running_scope&) = delete;
    running_scope& operator=(const running_scope&) = delete;
    ~running_scope() {
      if (!loop_.tasks_.empty()) loop_.tasks_.orphan_all();  // before the queues are cleared
      loop_.ready_.clear();
      loop_.timers_.clear();
      if (detail::remote_core* core = loop_.remote_.peek()) {
        // Resumptions still on their way belong to this run: they will find it ended.
        ++core->run_id;
        core->outstanding.store(0, std::memory_order_relaxed);
      }
      loop_.running_ = false;
      detail::current_loop = saved_;
      detail::current_remote = saved_remote_;
      detail::innermost_run = run_.outer;
    }

   private:
    event_loop& loop_;
    event_loop* saved_;
    detail::remote_slot* saved_remote_;
    detail::live_run run_;
  };

  bool run_once();
  [[gnu::noinline]] inline void finish_tasks();
  // Cold: only reached once another thread posted something.
  [[gnu::noinline]] inline void run_remote();
  [[gnu::noinline]] inline bool wait_for_remote();
  [[gnu::noinline]] inline void sleep_until(clock::time_point deadline);
  inline void take_remote() noexcept;
  void drop_remote_ready() noexcept {
    while (remote_ready_ != nullptr) {
      detail::remote_work* const work = remote_ready_;
      remote_ready_ = work->next_remote;
      work->drop();
    }
  }
  bool remote_posted() const noexcept {
    const detail::remote_core* const core = remote_.peek();
    return core != nullptr && core->pending();
  }

  detail::ready_queue ready_;
  detail::ready_node turn_end_;  // run_once's marker: see there
  detail::timer_heap timers_;
  detail::task_list tasks_;  // create_task's, until each ends
  detail::remote_slot remote_;
  // Taken from the remote queue, not yet run: what is left after a call threw.
  detail::remote_work* remote_ready_ = nullptr;
  // Set while run is on the stack, even when sync_wait hides this loop from current(): running
  // the same loop again from inside would take over the outer run's queues.
  bool running_ = false;
  // Set while the tasks left at the end of run are cancelled: a task waiting for a foreign
  // awaiter (which no cancellation reaches) is let go of instead of waited for.
  bool finishing_ = false;
};

inline bool event_loop::run_once() {
  // One relaxed load per turn while no thread ever posted: the ready queue stays lock-free.
  const bool ran_remote = remote_posted() || remote_ready_ != nullptr;
  if (ran_remote) [[unlikely]]
    run_remote();
  if (ready_.empty() && !ran_remote) {  // posted work may have finished run's awaitable
    if (timers_.empty()) return wait_for_remote();
    // Only a deadline still ahead: libc++'s sleep_until computes `deadline - now`, which
    // overflows for a deadline long past (sleep_until(time_point::min()) slept forever).
    const auto deadline = timers_.top().deadline;
    if (deadline > clock::now()) sleep_until(deadline);
  }
  if (!timers_.empty()) {  // reading the clock costs more than a whole yield_now round trip
    const auto now = clock::now();
    while (!timers_.empty() && timers_.top().deadline <= now) ready_.push_back(timers_.pop());
  }

  // Only what is ready now runs in this turn; the marker is where "now" ends. It is a member,
  // not a local (run refuses re-entry, so one suffices): GCC 12 -O3 takes a local one for a
  // dangling pointer (-Wdangling-pointer), though it always leaves the queue before the return.
  struct unlink_on_exit {
    detail::ready_node& node;
    ~unlink_on_exit() { node.unlink(); }
  } guard{turn_end_};
  ready_.push_back(turn_end_);
  while (&ready_.front() != &turn_end_) {
    detail::ready_node& node = ready_.front();
    node.unlink();
    node.waiting.resume();  // may destroy the node: it is not touched afterwards
  }
  return true;
}

void event_loop::take_remote() noexcept {
  detail::remote_core* const core = remote_.peek();
  if (core == nullptr) return;
  detail::remote_work* const taken = core->take();
  if (taken == nullptr) return;
  detail::remote_work** end = &remote_ready_;
  while (*end != nullptr) end = &(*end)->next_remote;  // only after a call threw
  *end = taken;
}

void event_loop::run_remote() {
  take_remote();
  // Only what was posted before this turn runs in it; each node disposes of itself.
  while (remote_ready_ != nullptr) {
    detail::remote_work* const work = remote_ready_;
    remote_ready_ = work->next_remote;
    work->run();  // may throw (call_soon_threadsafe): the rest waits for the next turn
  }
}

bool event_loop::wait_for_remote() {
  detail::remote_core* const core = remote_.peek();
  if (core == nullptr) return false;
  if ((core->outstanding.load(std::memory_order_relaxed) == 0 && !core->held()) || finishing_) {
    // Nothing promised to come; work posted meanwhile may still resume the awaitable.
    take_remote();
    return remote_ready_ != nullptr;
  }
  core->wait(false, {});
  return true;
}

void event_loop::sleep_until(clock::time_point deadline) {
  if (detail::remote_core* core = remote_.peek()) {
    core->wait(true, deadline);  // a post wakes it early
  } else {
    std::this_thread::sleep_until(deadline);
  }
}

/// Keeps a loop's run waiting for work from other threads while it lives (see
/// event_loop::make_work_guard): the thread that will post, or whoever hands work to it, holds
/// one, and resets it once it will post no more. Movable; made and released on any thread; it
/// may outlive the loop (it holds the loop's remote queue, not the loop). Not while run's
/// awaitable has finished and the tasks left are being cancelled: then the loop waits for
/// nothing more from other threads, as for a foreign awaiter.
class event_loop::work_guard {
 public:
  explicit work_guard(event_loop& loop) : core_(&loop.remote_.get()) {
    core_->retain();
    core_->hold();
  }
  work_guard(work_guard&& other) noexcept : core_(std::exchange(other.core_, nullptr)) {}
  work_guard& operator=(work_guard&& other) noexcept {
    if (this != &other) {
      reset();
      core_ = std::exchange(other.core_, nullptr);
    }
    return *this;
  }
  ~work_guard() { reset(); }

  /// Lets the loop go back to declaring a deadlock when nothing else can resume its awaitable.
  void reset() noexcept {
    if (detail::remote_core* const core = std::exchange(core_, nullptr)) {
      core->unhold();
      core->release();
    }
  }
  bool owns_work() const noexcept { return core_ != nullptr; }

 private:
  detail::remote_core* core_;
};

inline event_loop::work_guard event_loop::make_work_guard() {
  return work_guard(*this);
}

template <class F>
void event_loop::call_soon_threadsafe(F&& f) {
  using function = std::decay_t<F>;
  constexpr bool callable = std::is_invocable_v<function&>;
  static_assert(callable,
                "dualiter: call_soon_threadsafe(f) calls f() with no arguments. Fix: pass a "
                "callable taking none, a lambda capturing what it needs");
  if constexpr (callable) {  // else the assertion stays the only error
    struct call final : detail::remote_work {
      explicit call(F&& g) : fn(static_cast<F&&>(g)) {}
      void run() override {
        const std::unique_ptr<call> self(this);  // gone after the call, whether or not it throws
        fn();
      }
      void drop() noexcept override { delete this; }
      function fn;
    };
    auto work = std::make_unique<call>(static_cast<F&&>(f));
    detail::remote_core& core = remote_.get();
    if (core.post(*work)) (void)work.release();  // refused only by a loop being destroyed
  }
}

template <class Start, class Done>
void event_loop::run_until(Start start, Done done) {
  if (running_ || detail::current_loop != nullptr || detail::current_engine != nullptr) {
    throw std::runtime_error(
        "dualiter: run() cannot be called from a running event loop (Python: asyncio.run() "
        "cannot be called from a running event loop). Fix: co_await the awaitable instead");
  }
  running_scope scope(*this);
  start();
  while (!done()) {
    if (!run_once()) {
      throw std::runtime_error(
          "dualiter: event_loop::run: the awaitable is suspended but nothing is scheduled that "
          "could resume it (it waits for something that is never completed: no timer, no "
          "ready coroutine, no work from another thread is pending)");
    }
  }
  if (!tasks_.empty()) finish_tasks();
}

// Out of line: every run instantiates run_until, and this is no part of its hot path.
void event_loop::finish_tasks() {
  // Python: asyncio.run cancels the tasks still pending and waits for them; tasks created
  // meanwhile (in their cleanup) are cancelled in turn.
  finishing_ = true;
  struct reset {
    bool& flag;
    ~reset() { flag = false; }
  } finally{finishing_};
  while (!tasks_.empty()) {
    tasks_.cancel_all_once();
    if (!run_once()) break;  // the rest cannot end: running_scope lets go of them
  }
}

template <class A>
decltype(auto) event_loop::run(A&& awaitable) {
  assert_awaitable<A>();
  if constexpr (Awaitable<A>) {
    using result = detail::owned_result_t<await_result_t<A>>;
    run_state<result> state;
    {
      // Destroyed before the result is taken, whatever happened.
      auto driver = detail::drive<A>(awaitable, state);
      run_until([&] { driver.start(); }, [&] { return state.done; });
    }
    return detail::take_result(state.result);
  } else {
    return detail::result_after_error();  // keeps the assertion the only error
  }
}

namespace detail {
/// What the loop's awaitables and adapters may do with it that users may not.
struct loop_access {
  static void schedule(event_loop& loop, ready_node& node) noexcept { loop.schedule(node); }
  static void arm(event_loop& loop, timer_node& node) { loop.arm(node); }
  static task_list& tasks(event_loop& loop) noexcept { return loop.tasks_; }
  template <class Start, class Done>
  static void run_until(event_loop& loop, Start start, Done done) {
    loop.run_until(std::move(start), std::move(done));
  }
};
}  // namespace detail

/// Runs `awaitable` to completion on a fresh event loop on this thread. Python: asyncio.run.
template <class A>
decltype(auto) run(A&& awaitable) {
  event_loop loop;
  return loop.run(static_cast<A&&>(awaitable));
}

namespace detail {

/// The engine the awaiting coroutine runs on: the embedded loop, or another engine (Asio). One
/// pointer, the loop's, tested first and called directly, so that the loop's hot path stays
/// as small as it was; null means the other engine, read again from current_engine when
/// needed: an engine_ref is used only while the coroutine that made it runs.
class engine_ref {
 public:
  engine_ref() noexcept = default;
  explicit engine_ref(event_loop* loop) noexcept : loop_(loop) {}

  /// The embedded loop, or nullptr for another engine.
  event_loop* loop() const noexcept { return loop_; }
  /// Resumes node.waiting later (yield_now); another engine may throw, and then kept nothing.
  void schedule(ready_node& node) {
    if (loop_ != nullptr) {
      loop_access::schedule(*loop_, node);
    } else {
      detail::current_engine->schedule(node);
    }
  }
  /// Resumes node.waiting no earlier than node.deadline; may throw, and then kept nothing.
  void arm(timer_node& node) {
    if (loop_ != nullptr) {
      loop_access::arm(*loop_, node);
    } else {
      detail::current_engine->arm(node);
    }
  }

 private:
  event_loop* loop_ = nullptr;
};

/// The engine running the awaiting coroutine, or no_running_event_loop naming what needed it.
inline engine_ref require_engine(const char* what_needs_it) {
  event_loop* const loop = event_loop::current();
  if (loop == nullptr && detail::current_engine == nullptr) {
    throw no_running_event_loop(what_needs_it);
  }
  return engine_ref(loop);
}

/// The engine a coroutine runs on, kept so that it can be woken later from anywhere: when a
/// task it waits for ends, when a cancel request reaches it. Unlike engine_ref, it stays valid
/// after the coroutine that made it has suspended (two pointers, not the loop's hot path).
class bound_engine {
 public:
  bound_engine() noexcept = default;

  /// The engine running the awaiting coroutine, or no_running_event_loop naming what needed it.
  /// On an engine that runs several coroutines at once (engine::serialised), a logic_error:
  /// what needs a bound engine is a task's, whose state is not locked; `own_state_only` when
  /// the awaiter shares nothing with other coroutines (to_thread), which may then run there.
  static bound_engine require(const char* what_needs_it, bool own_state_only = false) {
    bound_engine e;
    e.loop_ = event_loop::current();
    if (e.loop_ == nullptr) {
      e.other_ = detail::current_engine;
      if (e.other_ == nullptr) throw no_running_event_loop(what_needs_it);
      if (!own_state_only && !e.other_->serialised()) [[unlikely]]
        detail::throw_not_serialised(what_needs_it);
    }
    return e;
  }

  event_loop* loop() const noexcept { return loop_; }
  engine* other() const noexcept { return other_; }
  /// True when the coroutine running on this thread runs on this engine.
  bool is_current() const noexcept {
    return loop_ != nullptr ? loop_ == detail::current_loop : other_ == detail::current_engine;
  }
  /// Resumes node.waiting later, on this engine; never fails.
  void wake(ready_node& node) const noexcept {
    if (loop_ != nullptr) {
      loop_access::schedule(*loop_, node);
    } else {
      other_->wake(node);
    }
  }

 private:
  event_loop* loop_ = nullptr;
  engine* other_ = nullptr;
};

/// What sleep_for, sleep_until and yield_now await. A ready_node goes to the back of the ready
/// queue (yield_now); a timer_node waits for its deadline, or, made without one, goes to the
/// back of the ready queue too (a sleep of zero or less: Python's `asyncio.sleep(0)` is exactly
/// a yield). The node lives in the awaiter, so in the suspended coroutine's frame, and leaves
/// the engine's queues when the frame is destroyed. It is a cancel_point of the task it
/// suspends (detail/task_context.hpp): cancelling the task takes a sleeper out of the timer heap
/// at once and has it throw cancelled_error from the ready queue.
///
/// It takes part in inline resumption itself (inline_resume.hpp): it detaches the awaiting
/// coroutine's chain before its handle goes into a queue, and the engine resumes it only
/// after this await_suspend has returned (in a later turn of the loop; from a handler Asio
/// runs, which is never run inside asio::post), so it needs none of detaching_awaiter's care
/// for foreign awaiters that resume at once.
template <class Node>
class loop_awaiter : public inline_aware, private cancel_point {
 public:
  explicit loop_awaiter(engine_ref engine) noexcept : cancel_point(&on_cancel), engine_(engine) {}
  loop_awaiter(engine_ref engine, timer_node::time_point deadline) noexcept
    requires std::same_as<Node, timer_node>
      : cancel_point(&on_cancel), engine_(engine), timed_(true) {
    node_.deadline = deadline;
  }
  loop_awaiter(const loop_awaiter&) = delete;
  loop_awaiter& operator=(const loop_awaiter&) = delete;
  ~loop_awaiter() {
    // Destroyed while it waits (its frame abandoned): on another engine, whose queues other
    // threads may touch meanwhile, the node leaves them under the engine's lock, not by itself.
    // Whether it still waits is told by node_.waiting, which that engine clears when it resumes
    // the node or lets go of it (the ownership rule of engine::forget), never by the node's
    // links, which other threads rewrite as they queue and resume its neighbours. The loop's
    // node leaves by itself (its destructor): it pays one test of other_.
    if (other_ != nullptr && node_.waiting) [[unlikely]]
      leave_engine();
  }
  bool await_ready() noexcept { return cancel_point::take_pending(); }
  template <class Promise>
  void await_suspend(std::coroutine_handle<Promise> h) {
    node_.waiting = h;
    resume_link* const link = detail::link_of(h);
    event_loop* const loop = engine_.loop();
    if (loop == nullptr) [[unlikely]] {
      suspend_on_other_engine(link);
      return;
    }
    const int detached = link != nullptr ? detail::detach_chain(*link) : 0;
    if constexpr (std::same_as<Node, timer_node>) {
      if (timed_) {
        try {
          loop_access::arm(*loop, node_);  // may fail to allocate: then it did not suspend
        } catch (...) {
          if (link != nullptr) detail::reattach(*link, detached);
          throw;
        }
        cancel_point::enter();
        return;
      }
    }
    loop_access::schedule(*loop, node_);
    cancel_point::enter();
  }
  void await_resume() { cancel_point::resume(); }

 private:
  static void on_cancel(cancel_point& point) noexcept {
    auto& self = static_cast<loop_awaiter&>(point);
    self.cancelled = true;
    if constexpr (std::same_as<Node, timer_node>) {
      // A sleeper leaves the timers at once, and throws from the ready queue.
      if (!self.timed_) return;  // in the ready queue already
      if (event_loop* const loop = self.engine_.loop()) {
        if (self.node_.armed()) {  // else its timer fired: it is in the ready queue already
          self.node_.disarm();
          loop_access::schedule(*loop, self.node_);
        }
      } else if (self.other_ != nullptr) {
        self.other_->wake_sleeper(self.node_);
      }
    }
  }

  [[gnu::noinline]] void leave_engine() noexcept {
    if constexpr (std::same_as<Node, timer_node>) {
      other_->forget_sleeper(node_);
    } else {
      other_->forget(node_);
    }
  }

  // Out of line: the embedded loop's path above is every yield_now's, and stays small.
  [[gnu::noinline]] void suspend_on_other_engine(resume_link* link) {
    const int detached = link != nullptr ? detail::detach_chain(*link) : 0;
    // Before the node escapes: another engine may resume the coroutine on another thread at
    // once, and nothing of this awaiter may be touched after that (inline_resume.hpp, rule 3).
    other_ = detail::current_engine;  // engine_ is valid only while this coroutine runs
    cancel_point::enter();
    try {  // Asio may fail to allocate: then the coroutine did not suspend
      if constexpr (std::same_as<Node, timer_node>) {
        if (timed_) {
          engine_.arm(node_);
          return;
        }
      }
      engine_.schedule(node_);
    } catch (...) {
      node_.waiting = nullptr;  // the engine kept nothing: there is nothing to forget
      cancel_point::leave();
      if (link != nullptr) detail::reattach(*link, detached);
      throw;
    }
  }

  engine_ref engine_;
  engine* other_ = nullptr;  // the other engine, for a cancel request coming from anywhere
  Node node_;
  bool timed_ = false;
};

/// A duration in the loop's clock ticks, rounded up (a sleep is never shorter than asked) and
/// clamped, so that no duration, however large, overflows: `above` for one beyond the clock's
/// range, `below` for one below it (and for NaN).
struct clamped_ticks {
  using duration = event_loop::clock::duration;
  enum class range : unsigned char { below, within, above };
  range where;
  duration ticks;

  template <class Rep, class Period>
  static clamped_ticks of(std::chrono::duration<Rep, Period> d) noexcept {
    // Compared in long double first: converting to the clock's ticks is where hours::max() and
    // duration<double>(1e300) overflow. A margin below the limit, because the long double value
    // is rounded and the exact conversion below must not overflow.
    const long double t = std::chrono::duration<long double, duration::period>(d).count();
    constexpr auto limit = static_cast<long double>(duration::max().count()) * 0.999L;
    if (!(t > -limit)) return {range::below, duration::min()};  // NaN lands here too
    if (t >= limit) return {range::above, duration::max()};
    using factor = std::ratio_divide<Period, duration::period>;  // ticks per unit of d
    constexpr std::intmax_t num = factor::num;
    constexpr std::intmax_t den = factor::den;
    constexpr auto widest = static_cast<long double>(std::numeric_limits<std::intmax_t>::max());
    if constexpr (!std::is_floating_point_v<Rep>) {
      // Exact, rounding up, when count * factor::num fits: std::chrono's own conversion for a
      // ratio like 1/3 multiplies first and overflows long before the result does.
      const auto count = static_cast<long double>(d.count());
      if (count * num < widest * 0.999L && count * num > -widest * 0.999L) {
        const std::intmax_t scaled = static_cast<std::intmax_t>(d.count()) * num;
        std::intmax_t ticks = scaled / den;
        if (scaled % den > 0) ++ticks;
        return {range::within, duration(static_cast<duration::rep>(ticks))};
      }
    }
    // Floating point, or an integer too large for the exact path (decades): rounded up from the
    // long double value, which is within one tick of the exact one.
    return {range::within, duration(static_cast<duration::rep>(std::ceil(t)))};
  }
};

/// `now + delay` for a positive delay, saturating at time_point::max() instead of wrapping into
/// the past.
inline timer_node::time_point deadline_after(timer_node::time_point now,
                                             clamped_ticks delay) noexcept {
  using time_point = timer_node::time_point;
  if (delay.where == clamped_ticks::range::above) return time_point::max();
  if (now.time_since_epoch().count() > 0 && delay.ticks > time_point::max() - now) {
    return time_point::max();
  }
  return now + delay.ticks;
}

// The awaitables sleep_for & co. return are plain values; `operator co_await` makes the awaiter,
// which holds the queue node, only when awaited. The loop is looked up then, too, so that the
// error names the misuse at the co_await.
class sleep_operation {
 public:
  using time_point = event_loop::clock::time_point;

  static sleep_operation after(clamped_ticks d) noexcept { return sleep_operation(d, {}, true); }
  static sleep_operation at(time_point t) noexcept { return sleep_operation({}, t, false); }

  loop_awaiter<timer_node> operator co_await() const {
    const engine_ref engine = detail::require_engine(relative_ ? "sleep_for" : "sleep_until");
    if (!relative_) return loop_awaiter<timer_node>(engine, deadline_);
    if (delay_.where == clamped_ticks::range::below || delay_.ticks.count() <= 0) {
      return loop_awaiter<timer_node>(engine);
    }
    return loop_awaiter<timer_node>(engine,
                                    detail::deadline_after(event_loop::clock::now(), delay_));
  }

 private:
  sleep_operation(clamped_ticks d, time_point t, bool relative) noexcept
      : delay_(d), deadline_(t), relative_(relative) {}
  clamped_ticks delay_{};
  time_point deadline_;
  bool relative_;
};

struct yield_operation {
  loop_awaiter<ready_node> operator co_await() const {
    return loop_awaiter<ready_node>(detail::require_engine("yield_now"));
  }
};

}  // namespace detail

/// An awaitable that resumes no earlier than `delay` after it is awaited, on the engine the
/// awaiting coroutine runs on (the running loop, or Asio).
/// Python: `await asyncio.sleep(delay)`.
///
/// Any duration type and value is safe. The delay is rounded up to the clock's tick. A delay of
/// zero or less (and NaN) is exactly yield_now(): the coroutine goes to the back of the ready
/// queue. A delay beyond the clock's range (hours::max(), infinity) sleeps until
/// time_point::max(), that is forever.
template <class Rep, class Period>
detail::sleep_operation sleep_for(std::chrono::duration<Rep, Period> delay) noexcept {
  return detail::sleep_operation::after(detail::clamped_ticks::of(delay));
}

/// An awaitable that resumes in the first turn of the loop at or after `deadline`, a
/// steady_clock time point of any duration type: one beyond the clock's range means forever,
/// one before it (or NaN) is long past.
template <class Duration>
detail::sleep_operation sleep_until(
    std::chrono::time_point<event_loop::clock, Duration> deadline) noexcept {
  using time_point = event_loop::clock::time_point;
  const auto since_epoch = detail::clamped_ticks::of(deadline.time_since_epoch());
  switch (since_epoch.where) {
    case detail::clamped_ticks::range::below:
      return detail::sleep_operation::at(time_point::min());
    case detail::clamped_ticks::range::above:
      return detail::sleep_operation::at(time_point::max());
    case detail::clamped_ticks::range::within:
      break;
  }
  return detail::sleep_operation::at(time_point(since_epoch.ticks));
}

/// An awaitable that lets every other ready coroutine run first: to the back of the ready
/// queue. Python: `await asyncio.sleep(0)`.
inline detail::yield_operation yield_now() noexcept {
  return {};
}

}  // namespace dualiter

#endif  // DUALITER_EVENT_LOOP_HPP

// dualiter::event_loop — a small single-threaded loop with a ready queue and timers, and what
// runs on it: run, sleep_for, sleep_until, yield_now, gather. Python: asyncio's loop.
//
// Scheduling order, so that a program behaves the same on every run (asyncio's order):
//  - gather starts its awaitables in argument order, each running until it first suspends
//    before the next one starts;
//  - in each turn of the loop, the coroutines already in the ready queue run first, then the
//    timers that expired meanwhile, in deadline order (in arming order for equal deadlines);
//    whatever becomes ready during a turn waits for the next one;
//  - yield_now goes to the back of the ready queue, so coroutines that yield in turn take
//    turns round-robin.
#ifndef DUALITER_EVENT_LOOP_HPP
#define DUALITER_EVENT_LOOP_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <array>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/current_loop.hpp>
#include <dualiter/detail/driver.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/detail/unique_coroutine.hpp>

namespace dualiter {

/// Thrown when sleep_for, sleep_until, yield_now or gather is awaited with no event loop
/// running on this thread (under sync_wait, say). Python: `RuntimeError: no running event loop`.
class no_running_event_loop : public std::runtime_error {
 public:
  explicit no_running_event_loop(const char* what_needs_it)
      : std::runtime_error(std::string("dualiter: no running event loop: ") + what_needs_it +
                           " must be awaited inside dualiter::run(...) or event_loop::run(...), "
                           "not under sync_wait or outside any loop") {}
};

namespace detail {

/// An intrusive node of the ready queue, kept in the awaiter (so in the suspended coroutine's
/// frame): queueing allocates nothing, and a node destroyed with its frame leaves the queue,
/// so an abandoned coroutine is never resumed.
class ready_node {
 public:
  ready_node() noexcept = default;
  ready_node(const ready_node&) = delete;
  ready_node& operator=(const ready_node&) = delete;
  ~ready_node() { unlink(); }

  std::coroutine_handle<> waiting;

  bool queued() const noexcept { return next_ != nullptr; }
  void unlink() noexcept {
    if (!queued()) return;
    prev_->next_ = next_;
    next_->prev_ = prev_;
    prev_ = next_ = nullptr;
  }

 private:
  friend class ready_queue;
  ready_node* prev_ = nullptr;
  ready_node* next_ = nullptr;
};

/// FIFO of ready_nodes: a circular list around a sentinel.
class ready_queue {
 public:
  ready_queue() noexcept { head_.prev_ = head_.next_ = &head_; }
  ready_queue(const ready_queue&) = delete;
  ready_queue& operator=(const ready_queue&) = delete;
  ~ready_queue() { clear(); }

  bool empty() const noexcept { return head_.next_ == &head_; }
  ready_node& front() noexcept { return *head_.next_; }
  void push_back(ready_node& node) noexcept {
    node.prev_ = head_.prev_;
    node.next_ = &head_;
    head_.prev_->next_ = &node;
    head_.prev_ = &node;
  }
  /// Drops every node without resuming it.
  void clear() noexcept {
    while (!empty()) front().unlink();
  }

 private:
  ready_node head_;
};

class timer_heap;

/// A sleeping coroutine: a ready_node that waits in the timer heap until its deadline.
class timer_node : public ready_node {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  timer_node() noexcept = default;
  ~timer_node();

  time_point deadline{};

 private:
  friend class timer_heap;
  bool before(const timer_node& other) const noexcept {
    return deadline < other.deadline || (deadline == other.deadline && sequence_ < other.sequence_);
  }
  timer_heap* heap_ = nullptr;
  std::size_t index_ = 0;
  std::uint64_t sequence_ = 0;
};

/// Binary min-heap on (deadline, arming order), with each node's index kept in the node so a
/// destroyed node can leave in O(log n).
class timer_heap {
 public:
  timer_heap() noexcept = default;
  timer_heap(const timer_heap&) = delete;
  timer_heap& operator=(const timer_heap&) = delete;
  ~timer_heap() { clear(); }

  bool empty() const noexcept { return nodes_.empty(); }
  timer_node& top() const noexcept { return *nodes_.front(); }

  void push(timer_node& node) {
    nodes_.push_back(&node);  // may throw: the node is not in the heap yet
    node.heap_ = this;
    node.sequence_ = next_sequence_++;
    node.index_ = nodes_.size() - 1;
    sift_up(node.index_);
  }
  timer_node& pop() noexcept {
    timer_node& node = top();
    erase(node);
    return node;
  }
  void erase(timer_node& node) noexcept {
    const std::size_t i = node.index_;
    const std::size_t last = nodes_.size() - 1;
    if (i != last) {
      place(i, nodes_[last]);
      nodes_.pop_back();
      sift_down(i);
      sift_up(i);
    } else {
      nodes_.pop_back();
    }
    node.heap_ = nullptr;
  }
  /// Drops every node without resuming it.
  void clear() noexcept {
    for (timer_node* node : nodes_) node->heap_ = nullptr;
    nodes_.clear();
  }

 private:
  void place(std::size_t i, timer_node* node) noexcept {
    nodes_[i] = node;
    node->index_ = i;
  }
  void sift_up(std::size_t i) noexcept {
    timer_node* node = nodes_[i];
    while (i > 0) {
      const std::size_t parent = (i - 1) / 2;
      if (!node->before(*nodes_[parent])) break;
      place(i, nodes_[parent]);
      i = parent;
    }
    place(i, node);
  }
  void sift_down(std::size_t i) noexcept {
    timer_node* node = nodes_[i];
    const std::size_t n = nodes_.size();
    while (true) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && nodes_[child + 1]->before(*nodes_[child])) ++child;
      if (!nodes_[child]->before(*node)) break;
      place(i, nodes_[child]);
      i = child;
    }
    place(i, node);
  }

  std::vector<timer_node*> nodes_;
  std::uint64_t next_sequence_ = 0;
};

inline timer_node::~timer_node() {
  if (heap_ != nullptr) heap_->erase(*this);
}

}  // namespace detail

/// A single-threaded event loop: a ready queue, and timers on std::chrono::steady_clock.
/// Python: asyncio's event loop. `loop.run(aw)` runs an Awaitable to completion on this thread
/// and returns its result or rethrows its exception; a loop can run many times in a row.
///
/// Coroutines on the loop must be resumed by the loop (or by each other), not from other
/// threads. Work still queued when run returns, or when the loop is destroyed, is dropped
/// without being resumed or destroyed: the loop owns no coroutine, their owners destroy them.
class event_loop {
 public:
  using clock = std::chrono::steady_clock;

  event_loop() noexcept = default;
  event_loop(const event_loop&) = delete;
  event_loop& operator=(const event_loop&) = delete;
  ~event_loop() = default;

  /// Runs `awaitable` to completion on this thread. Throws std::runtime_error if a loop is
  /// already running on this thread (Python: asyncio.run() cannot be called from a running
  /// event loop), or if the awaitable waits for something nothing will ever resume.
  template <class A>
  decltype(auto) run(A&& awaitable);

  /// Makes this the loop running on this thread, calls `start()`, then turns the loop until
  /// `done()` is true; the same errors as run. For adapters that drive coroutines of their own
  /// (as_sync); most code wants run.
  template <class Start, class Done>
  void run_until(Start start, Done done);

  /// The loop running on this thread, or nullptr. Python: asyncio.get_running_loop().
  static event_loop* current() noexcept { return detail::current_loop; }

  /// Puts `node` at the back of the ready queue; the loop resumes node.waiting in a later turn.
  void schedule(detail::ready_node& node) noexcept { ready_.push_back(node); }
  /// Resumes node.waiting in the first turn after node.deadline.
  void arm(detail::timer_node& node) { timers_.push(node); }

 private:
  template <class R>
  struct run_state {
    detail::result_slot<R> result;
    bool done = false;
    void finish() noexcept { done = true; }
  };

  // Makes this the thread's loop; leaves no queued work behind, however run ends.
  class running_scope {
   public:
    explicit running_scope(event_loop& loop) : loop_(loop) { detail::current_loop = &loop; }
    running_scope(const running_scope&) = delete;
    running_scope& operator=(const running_scope&) = delete;
    ~running_scope() {
      loop_.ready_.clear();
      loop_.timers_.clear();
      detail::current_loop = nullptr;
    }

   private:
    event_loop& loop_;
  };

  bool run_once();

  detail::ready_queue ready_;
  detail::timer_heap timers_;
};

inline bool event_loop::run_once() {
  if (ready_.empty()) {
    if (timers_.empty()) return false;
    std::this_thread::sleep_until(timers_.top().deadline);
  }
  if (!timers_.empty()) {  // reading the clock costs more than a whole yield_now round trip
    const auto now = clock::now();
    while (!timers_.empty() && timers_.top().deadline <= now) ready_.push_back(timers_.pop());
  }

  // Only what is ready now runs in this turn; the marker is where "now" ends.
  detail::ready_node marker;
  ready_.push_back(marker);
  while (&ready_.front() != &marker) {
    detail::ready_node& node = ready_.front();
    node.unlink();
    node.waiting.resume();  // may destroy the node: it is not touched afterwards
  }
  return true;
}

template <class Start, class Done>
void event_loop::run_until(Start start, Done done) {
  if (detail::current_loop != nullptr) {
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
          "could resume it (it waits for something that is never completed, or for a "
          "resumption from another thread, which this single-threaded loop does not support)");
    }
  }
}

template <class A>
decltype(auto) event_loop::run(A&& awaitable) {
  assert_awaitable<A>();
  if constexpr (Awaitable<A>) {
    using result = detail::kept_result_t<await_result_t<A>>;
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

/// Runs `awaitable` to completion on a fresh event loop on this thread. Python: asyncio.run.
template <class A>
decltype(auto) run(A&& awaitable) {
  event_loop loop;
  return loop.run(static_cast<A&&>(awaitable));
}

namespace detail {

/// The loop running on this thread, or no_running_event_loop naming what needed it.
inline event_loop& require_loop(const char* what_needs_it) {
  event_loop* loop = event_loop::current();
  if (loop == nullptr) throw no_running_event_loop(what_needs_it);
  return *loop;
}

// How a queue node gets onto the loop: timers by deadline, ready nodes at the back.
inline void enqueue(event_loop& loop, timer_node& node) {
  loop.arm(node);
}
inline void enqueue(event_loop& loop, ready_node& node) noexcept {
  loop.schedule(node);
}

/// What sleep_for and yield_now await: the node lives in the awaiter, so in the suspended
/// coroutine's frame, and leaves the loop's queues when the frame is destroyed.
template <class Node>
class loop_awaiter {
 public:
  explicit loop_awaiter(event_loop& loop) noexcept : loop_(loop) {}
  loop_awaiter(event_loop& loop,
               timer_node::time_point deadline) noexcept requires std::same_as<Node, timer_node>
      : loop_(loop) {
    node_.deadline = deadline;
  }
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) {
    node_.waiting = h;
    enqueue(loop_, node_);
  }
  void await_resume() const noexcept {}

 private:
  event_loop& loop_;
  Node node_;
};

// The awaitables sleep_for & co. return are plain values; `operator co_await` makes the awaiter,
// which holds the queue node, only when awaited. The loop is looked up then, too, so that the
// error names the misuse at the co_await.
class sleep_operation {
 public:
  using duration = event_loop::clock::duration;
  using time_point = event_loop::clock::time_point;

  static sleep_operation after(duration d) noexcept { return sleep_operation(d, {}, true); }
  static sleep_operation at(time_point t) noexcept { return sleep_operation({}, t, false); }

  loop_awaiter<timer_node> operator co_await() const {
    event_loop& loop = require_loop(relative_ ? "sleep_for" : "sleep_until");
    return loop_awaiter<timer_node>(loop,
                                    relative_ ? event_loop::clock::now() + delay_ : deadline_);
  }

 private:
  sleep_operation(duration d, time_point t, bool relative) noexcept
      : delay_(d), deadline_(t), relative_(relative) {}
  duration delay_;
  time_point deadline_;
  bool relative_;
};

struct yield_operation {
  loop_awaiter<ready_node> operator co_await() const {
    return loop_awaiter<ready_node>(require_loop("yield_now"));
  }
};

}  // namespace detail

/// An awaitable that resumes no earlier than `delay` after it is awaited, on the running loop.
/// Python: `await asyncio.sleep(delay)`.
template <class Rep, class Period>
detail::sleep_operation sleep_for(std::chrono::duration<Rep, Period> delay) {
  // Rounded up, so the sleep is never shorter than asked.
  return detail::sleep_operation::after(std::chrono::ceil<event_loop::clock::duration>(delay));
}

/// An awaitable that resumes in the first turn of the loop at or after `deadline`.
inline detail::sleep_operation sleep_until(event_loop::clock::time_point deadline) {
  return detail::sleep_operation::at(deadline);
}

/// An awaitable that lets every other ready coroutine run first: to the back of the ready
/// queue. Python: `await asyncio.sleep(0)`.
inline detail::yield_operation yield_now() noexcept {
  return {};
}

// ---------------------------------------------------------------------------------------------
// gather
// ---------------------------------------------------------------------------------------------

namespace detail {

/// What the children of one gather share: how many are still running (plus one while gather
/// is still starting them), who waits, and the first exception.
struct gather_join {
  std::atomic<std::size_t> pending{0};
  std::coroutine_handle<> waiting;
  std::exception_ptr first_error;
  std::atomic<bool> failed{false};

  void fail(std::exception_ptr e) noexcept {
    if (!failed.exchange(true)) first_error = std::move(e);
  }
  /// Returns true for the last one out.
  bool arrive() noexcept { return pending.fetch_sub(1, std::memory_order_acq_rel) == 1; }
};

/// The coroutine that runs one argument of gather.
class gather_child {
 public:
  struct promise_type {
    gather_join& join;

    template <class... Rest>
    promise_type(gather_join& j, Rest&...) noexcept : join(j) {}

    gather_child get_return_object() noexcept {
      return gather_child(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct last_one_out {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        gather_join& join = h.promise().join;
        return join.arrive() ? join.waiting : std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    last_one_out final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { join.fail(std::current_exception()); }
    void return_void() noexcept {}
  };

  gather_child() noexcept = default;
  void start() { frame_.get().resume(); }

 private:
  explicit gather_child(std::coroutine_handle<promise_type> h) noexcept : frame_(h) {}
  unique_coroutine<promise_type> frame_;
};

/// A is the awaitable's declared type (T& for an lvalue argument), given explicitly: deducing it
/// from the stored object would turn an awaited lvalue into an rvalue.
template <class A, class R>
gather_child run_gathered(gather_join&, std::remove_reference_t<A>& awaitable,
                          result_slot<R>& slot) {
  if constexpr (std::is_void_v<R>) {
    co_await static_cast<A&&>(awaitable);
    slot.set_value();
  } else {
    slot.set_value(co_await static_cast<A&&>(awaitable));
  }
}

/// What gather gives for an awaitable whose result is R: std::monostate for void.
template <class R>
using gathered_t = std::conditional_t<std::is_void_v<R>, std::monostate, R>;

template <class A, bool = Awaitable<A>>
struct gathered_or_after_error {
  using type = after_error;
};
template <class A>
struct gathered_or_after_error<A, true> {
  using type = gathered_t<kept_result_t<await_result_t<A>>>;
};
/// What gather gives for A when some argument was not awaitable (the error is reported once).
template <class A>
using gathered_or_after_error_t = typename gathered_or_after_error<A>::type;

template <class... A>
class gather_awaiter {
  template <class X>
  using result_of = kept_result_t<await_result_t<X>>;

 public:
  explicit gather_awaiter(std::tuple<A...>&& awaitables,
                          event_loop&) noexcept((std::is_nothrow_move_constructible_v<A> && ...))
      : awaitables_(std::move(awaitables)) {}
  gather_awaiter(const gather_awaiter&) = delete;
  gather_awaiter& operator=(const gather_awaiter&) = delete;

  bool await_ready() const noexcept { return sizeof...(A) == 0; }

  bool await_suspend(std::coroutine_handle<> waiting) {
    join_.waiting = waiting;
    join_.pending.store(sizeof...(A) + 1, std::memory_order_relaxed);
    start(std::index_sequence_for<A...>{});
    return !join_.arrive();  // false: every child finished while being started
  }

  /// The results in argument order, or the first exception thrown (once all have finished).
  std::tuple<gathered_t<result_of<A>>...> await_resume() {
    if (join_.first_error) std::rethrow_exception(join_.first_error);
    return take(std::index_sequence_for<A...>{});
  }

 private:
  template <std::size_t... I>
  void start(std::index_sequence<I...>) {
    // A fold over the comma operator runs left to right: children start in argument order.
    ((children_[I] = run_gathered<std::tuple_element_t<I, std::tuple<A...>>>(
          join_, std::get<I>(awaitables_), std::get<I>(slots_)),
      children_[I].start()),
     ...);
  }

  template <std::size_t... I>
  std::tuple<gathered_t<result_of<A>>...> take(std::index_sequence<I...>) {
    return std::tuple<gathered_t<result_of<A>>...>(take_one(std::get<I>(slots_))...);
  }
  template <class R>
  static gathered_t<R> take_one(result_slot<R>& slot) {
    if constexpr (std::is_void_v<R>) {
      slot.get();
      return {};
    } else {
      return take_result(slot);
    }
  }

  std::tuple<A...> awaitables_;
  std::tuple<result_slot<result_of<A>>...> slots_;
  gather_join join_;
  std::array<gather_child, sizeof...(A)> children_;  // destroyed first: frames refer to the rest
};

template <class... A>
class gather_operation {
 public:
  explicit gather_operation(std::tuple<A...>&& awaitables) : awaitables_(std::move(awaitables)) {}

  gather_awaiter<A...> operator co_await() && {
    return gather_awaiter<A...>(std::move(awaitables_), require_loop("gather"));
  }

 private:
  std::tuple<A...> awaitables_;
};

template <class A>
class gather_all_awaiter {
  using result = kept_result_t<await_result_t<A>>;

 public:
  explicit gather_all_awaiter(std::vector<A>&& awaitables, event_loop&)
      : awaitables_(std::move(awaitables)), slots_(new result_slot<result>[awaitables_.size()]) {
    children_.reserve(awaitables_.size());
  }
  gather_all_awaiter(const gather_all_awaiter&) = delete;
  gather_all_awaiter& operator=(const gather_all_awaiter&) = delete;

  bool await_ready() const noexcept { return awaitables_.empty(); }

  bool await_suspend(std::coroutine_handle<> waiting) {
    join_.waiting = waiting;
    join_.pending.store(awaitables_.size() + 1, std::memory_order_relaxed);
    for (std::size_t i = 0; i < awaitables_.size(); ++i) {
      children_.push_back(run_gathered<A>(join_, awaitables_[i], slots_[i]));
      children_.back().start();
    }
    return !join_.arrive();
  }

  std::vector<gathered_t<result>> await_resume() {
    if (join_.first_error) std::rethrow_exception(join_.first_error);
    std::vector<gathered_t<result>> out;
    out.reserve(awaitables_.size());
    for (std::size_t i = 0; i < awaitables_.size(); ++i) {
      if constexpr (std::is_void_v<result>) {
        slots_[i].get();
        out.emplace_back();
      } else {
        out.push_back(take_result(slots_[i]));
      }
    }
    return out;
  }

 private:
  std::vector<A> awaitables_;
  std::unique_ptr<result_slot<result>[]> slots_;
  gather_join join_;
  std::vector<gather_child> children_;  // destroyed first: frames refer to the rest
};

template <class A>
class gather_all_operation {
 public:
  explicit gather_all_operation(std::vector<A>&& awaitables) : awaitables_(std::move(awaitables)) {}
  gather_all_awaiter<A> operator co_await() && {
    return gather_all_awaiter<A>(std::move(awaitables_), require_loop("gather_all"));
  }

 private:
  std::vector<A> awaitables_;
};

}  // namespace detail

/// An awaitable that runs every argument concurrently on the running loop and gives a
/// std::tuple of their results in argument order (std::monostate for void ones). Python:
/// `await asyncio.gather(a, b)`.
///
/// Arguments start in order, each until it first suspends. Rvalue arguments are moved into
/// the awaitable; lvalues are awaited where they are. If any throws, gather still waits for
/// all of them, then rethrows the first exception thrown; no result is lost silently.
template <class... A>
auto gather(A&&... awaitables) {
  // A deduced return type makes the assertions fire at the call, before anything else.
  (assert_awaitable<A>(), ...);
  if constexpr ((Awaitable<A> && ...)) {
    return detail::gather_operation<A...>(std::tuple<A...>(static_cast<A&&>(awaitables)...));
  } else {
    // Keeps the assertion the only error, also where the results are unpacked.
    return detail::result_after_error<
        detail::awaitable_after_error<std::tuple<detail::gathered_or_after_error_t<A>...>>>();
  }
}

/// gather for a number of awaitables known only at run time: a std::vector of their results
/// (std::monostate for void) in order. Python: `await asyncio.gather(*aws)`.
template <class A>
auto gather_all(std::vector<A> awaitables) {
  assert_awaitable<A>();
  if constexpr (Awaitable<A>) {
    return detail::gather_all_operation<A>(std::move(awaitables));
  } else {
    return detail::result_after_error();
  }
}

}  // namespace dualiter

#endif  // DUALITER_EVENT_LOOP_HPP

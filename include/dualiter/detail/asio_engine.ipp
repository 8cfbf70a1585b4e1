// dualiter on Asio: one implementation for both flavours. Included (without an include guard)
// by <dualiter/asio.hpp> with DUALITER_ASIO_NET defined as ::asio and DUALITER_ASIO_FLAVOUR as
// standalone_asio, and by <dualiter/boost_asio.hpp> with ::boost::asio and boost_asio; the
// flavour is an inline namespace of dualiter::asio, so that a program may include both.
//
// How it works. dualiter::asio::spawn makes one spawn_state per spawned awaitable: it owns the
// driver coroutine that awaits it, and it is the engine (detail/current_loop.hpp) of every
// dualiter coroutine under it: yield_now and sleep_for put their nodes into its intrusive ready
// queue and timer heap (as on the embedded loop, so that a node destroyed with its frame leaves
// at once), and each turn is an Asio handler posted to the spawn's executor, which sets the
// spawn as current_engine while it resumes a coroutine. Asio operations awaited with
// dualiter::asio::use_awaitable complete into a handler that dispatches the resumption to the
// same executor.
//
// Ownership, as Asio's own coroutines: every pending handler that may resume a coroutine of a
// spawn holds a reference to the spawn_state. When the last reference goes, the state is
// destroyed if its awaitable has finished, or if a handler was destroyed without being invoked
// (the io_context was destroyed with the coroutine pending): then the frames are destroyed
// with it, each once. A coroutine waiting for something that is neither (resumed later by
// someone else) keeps its state.
//
// Tasks (create_task) belong to the spawn they were created in, which keeps them in its task
// list as event_loop does: when the awaitable finishes, those still pending are cancelled, and
// the completion handler is called once they have ended (or cannot: nothing queued, no timer,
// no operation pending); torn down with them pending, the spawn destroys their frames first.

#if !defined(DUALITER_ASIO_NET) || !defined(DUALITER_ASIO_FLAVOUR)
#error "include <dualiter/asio.hpp> or <dualiter/boost_asio.hpp>, not this file"
#endif

namespace dualiter::asio {
inline namespace DUALITER_ASIO_FLAVOUR {

namespace net = DUALITER_ASIO_NET;

/// Thrown when dualiter::asio::use_awaitable (or lines) is awaited by a coroutine that
/// dualiter::asio::spawn did not start (on the embedded event loop, under sync_wait): the
/// operation would complete on a thread and executor that coroutine does not run on.
class no_asio_engine : public std::runtime_error {
 public:
  explicit no_asio_engine(const char* what_needs_it)
      : std::runtime_error(std::string("dualiter: ") + what_needs_it +
                           " must be awaited in a coroutine started by dualiter::asio::spawn "
                           "(with the same Asio flavour), not on the embedded event loop, under "
                           "sync_wait or outside any engine") {}
};

/// Thrown by lines() when a line is longer than its limit; the lines before it were delivered.
/// Python: asyncio's LimitOverrunError ("Separator is not found, and chunk exceed the limit").
class line_too_long : public std::length_error {
 public:
  explicit line_too_long(std::size_t limit)
      : std::length_error("dualiter::asio::lines: a line is longer than the limit of " +
                          std::to_string(limit) +
                          " bytes (no newline found within it). Fix: pass a larger limit, "
                          "lines(stream, max_line_length)") {}
};

namespace detail {

// Its address tells this flavour's spawns from any other engine.
inline constexpr char spawn_tag = 0;

/// A lock for a spawn's queues: held for a few instructions (a push, a pop), and almost never
/// contended (only when the executor is a thread pool without a strand): cheaper than a
/// std::mutex on the path of every yield_now, by two atomic read-modify-writes.
class spin_lock {
 public:
  void lock() noexcept {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

/// An Asio operation awaited with use_awaitable, in the awaiting coroutine's frame, listed in
/// its spawn while it is pending. Its handler, which Asio owns, finds it there by address and
/// by id before it touches it: if the frame was destroyed meanwhile (a views::merge abandoned
/// mid-read), the operation has left the list, and the handler drops its results instead of
/// writing into freed memory; the id tells a new operation at the same address from the old.
class pending_operation {
 public:
  dualiter::detail::ready_node node;  // queued to resume, once completed

 private:
  friend class spawn_base;
  pending_operation* prev_ = nullptr;
  pending_operation* next_ = nullptr;
  std::uint64_t id_ = 0;
  bool listed_ = false;
};

#if DUALITER_ASIO_CANCELLATION
/// The cancellation signal whose slot an operation's handler carries (Asio's per-operation
/// cancellation). Asio requires it to outlive the operation, which the awaiting frame may not:
/// the handler holds it (signal_lease), and gives it back to its spawn, which reuses it, so
/// that a spawn allocates no more of them than it has operations pending at once.
struct signal_node {
  net::cancellation_signal signal;
  signal_node* next = nullptr;
};
#endif

/// What every spawn is, whatever its executor, handler and awaitable: an engine, a reference
/// count, its queues, and the Asio operations its coroutines await.
class spawn_base : public dualiter::detail::engine {
 public:
  void retain() noexcept { refs_.fetch_add(1, std::memory_order_relaxed); }
  /// `invoked`: false when a handler is destroyed without having run, which only happens when
  /// Asio gives up on it (the io_context is destroyed): the coroutine can then never resume.
  void release(bool invoked) noexcept {
    if (!invoked) {
      // Before the count may reach zero: no other thread revives the spawn through its remote
      // queue once it may be destroyed (remote_posted). Not from inside remote_posted, which
      // holds the queue's lock (Asio destroys the handler inside the post when the strand is
      // shut down): the anchor, which holds the spawn until then, closes it when it goes.
      if (posting_remote_ != this) close_remote();
      abandoned_.store(true, std::memory_order_relaxed);
    }
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      if (finished_.load(std::memory_order_acquire) || abandoned_.load(std::memory_order_relaxed)) {
        destroy();
      }
    }
  }
  /// Lists `op` as pending; the id to claim it with.
  std::uint64_t enlist(pending_operation& op) noexcept {
    std::lock_guard lock(mutex_);
    op.id_ = ++last_id_;
    op.prev_ = nullptr;
    op.next_ = operations_;
    if (operations_ != nullptr) operations_->prev_ = &op;
    operations_ = &op;
    op.listed_ = true;
    return op.id_;
  }
  /// Takes `op` off the list, if it is there (its frame is being destroyed, or it could not
  /// start). With `signal`, the operation, still pending, is cancelled first.
  void delist(pending_operation& op, [[maybe_unused]] void* signal = nullptr) noexcept {
    std::lock_guard lock(mutex_);
    op.node.unlink();  // completed, and queued to resume: it leaves under the lock
    if (!op.listed_) return;
#if DUALITER_ASIO_CANCELLATION
    if (signal != nullptr) emit(signal);
#endif
    unlink(op);
  }
#if DUALITER_ASIO_CANCELLATION
  /// Cancels `op` through its handler's signal if it is still pending (it has not completed:
  /// its handler has not claimed it, so the signal is still the handler's). Under the lock, so
  /// that the handler cannot claim it and give the signal back meanwhile: Asio's operations
  /// never complete inside the emission (they queue their completion), so nothing waits here.
  void cancel(pending_operation& op, void* signal) noexcept {
    std::lock_guard lock(mutex_);
    if (op.listed_) emit(signal);
  }
  signal_node* lease_signal() {
    {
      std::lock_guard lock(mutex_);
      if (signal_node* const n = free_signals_) {
        free_signals_ = n->next;
        return n;
      }
    }
    return new signal_node;
  }
  void give_back(signal_node* n) noexcept {
    n->signal.slot().clear();  // the operation is over: what it left in the slot goes
    std::lock_guard lock(mutex_);
    n->next = free_signals_;
    free_signals_ = n;
  }
#endif
  /// True, and `op` off the list, if `op` with this id is still pending: its frame is alive.
  bool claim(pending_operation* op, std::uint64_t id) noexcept {
    std::lock_guard lock(mutex_);
    for (pending_operation* p = operations_; p != nullptr; p = p->next_) {
      if (p == op && p->id_ == id) {
        unlink(*p);
        return true;
      }
    }
    return false;
  }
  /// Resumes the coroutine of a claimed operation on the spawn's executor: at once when this
  /// thread already runs in it, else later. `self` is a reference the caller hands over.
  void resume(pending_operation& op, class spawn_ref self);

  void* find_interface(const void* tag) noexcept final {
    return tag == &spawn_tag ? this : nullptr;
  }

  void wake(dualiter::detail::ready_node& node) noexcept final;

  void forget(dualiter::detail::ready_node& node) noexcept final {
    std::lock_guard lock(mutex_);
    node.unlink();
    node.waiting = nullptr;
  }

  dualiter::detail::task_list& tasks() noexcept final { return tasks_; }

 protected:
  spawn_base() noexcept = default;
  ~spawn_base() {
#if DUALITER_ASIO_CANCELLATION
    while (signal_node* const n = free_signals_) {
      free_signals_ = n->next;
      delete n;
    }
#endif
  }
  virtual void destroy() noexcept = 0;
  /// Runs one turn on the spawn's executor: at once if this thread runs in it (dispatch), else
  /// later; `self` is the turn's reference.
  virtual void dispatch_turn(class spawn_ref self) = 0;
  /// Runs one turn on the spawn's executor later, after what is queued there already.
  virtual void post_turn(class spawn_ref self) = 0;
  class spawn_ref spawn_ref_for_wake() noexcept;
  void mark_finished() noexcept { finished_.store(true, std::memory_order_release); }

  /// One turn: resumes the first coroutine of the ready queue, if it is still there (its frame
  /// may have been destroyed meanwhile). One turn is queued per node queued, so the queue's
  /// order is the order of resumption.
  void run_turn() {
    std::coroutine_handle<> next;
    {
      std::lock_guard lock(mutex_);
      if (ready_.empty()) return;
      dualiter::detail::ready_node& first = ready_.front();
      first.unlink();
      // Let go of, under the lock (the ownership rule of engine::forget): from here on the
      // node belongs to the coroutine resumed below, on this thread.
      next = std::exchange(first.waiting, nullptr);
    }
    dualiter::detail::engine_scope scope(this);
    next.resume();
  }

  /// Turns that could not be posted (wake, remote_posted), posted again now.
  void post_owed_turns() noexcept;

  /// Runs what other threads posted (to_thread's results): on the spawn's executor, in a
  /// handler of its own (post_remote_run).
  void run_remote() {
    dualiter::detail::remote_core* const core = remote_.peek();
    if (core == nullptr) return;
    dualiter::detail::remote_work* work = core->take();
    dualiter::detail::engine_scope scope(this);
    while (work != nullptr) {
      dualiter::detail::remote_work* const next = work->next_remote;
      try {
        work->run();  // disposes of work
      } catch (...) {
        core->put_back(next);  // for a later handler; this one throws out of Asio's run()
        throw;
      }
      work = next;
    }
  }
  virtual void post_remote_run(class spawn_ref self) = 0;
  /// Once the spawn has finished or is abandoned: later posts are refused and dropped, and
  /// the waker is never called again.
  void close_remote() noexcept {
    if (dualiter::detail::remote_core* const core = remote_.peek()) core->close();
  }

  spin_lock mutex_;  // the executor may be a thread pool without a strand
  dualiter::detail::ready_queue ready_;
  dualiter::detail::task_list tasks_;  // create_task's, until each ends; on the executor only
  std::atomic<unsigned> owed_turns_{0};
  std::atomic<bool> owed_remote_run_{false};  // remote_posted could not post its handler
  dualiter::detail::remote_slot remote_;      // made by the first to_thread
  /// The remote queue's waker (remote_core::set_waker): posts a run_remote.
  static void remote_posted(void* context) noexcept;
  static inline thread_local const spawn_base* posting_remote_ = nullptr;  // see release
  // Set while the spawn lets go of its coroutines (its frames are destroyed, or its tasks
  // orphaned): a node woken then is dropped with the queues, never resumed.
  std::atomic<bool> quiet_{false};

  /// True when nothing is queued or pending that could resume a coroutine of this spawn.
  bool idle() noexcept {
    const dualiter::detail::remote_core* const core = remote_.peek();
    if (core != nullptr && (core->pending() || core->outstanding.load(std::memory_order_relaxed)))
      return false;
    std::lock_guard lock(mutex_);
    return ready_.empty() && operations_ == nullptr &&
           owed_turns_.load(std::memory_order_relaxed) == 0;
  }

 private:
  void unlink(pending_operation& op) noexcept {
    if (op.prev_ != nullptr) {
      op.prev_->next_ = op.next_;
    } else {
      operations_ = op.next_;
    }
    if (op.next_ != nullptr) op.next_->prev_ = op.prev_;
    op.listed_ = false;
  }

#if DUALITER_ASIO_CANCELLATION
  static void emit(void* signal) noexcept {
    // Terminal: the one kind every Asio operation that can be cancelled supports.
    static_cast<signal_node*>(signal)->signal.emit(net::cancellation_type::terminal);
  }
  signal_node* free_signals_ = nullptr;
#endif
  pending_operation* operations_ = nullptr;
  std::uint64_t last_id_ = 0;
  std::atomic<std::size_t> refs_{0};
  std::atomic<bool> finished_{false};
  std::atomic<bool> abandoned_{false};
};

/// A counted reference to a spawn, held by every handler that may resume one of its coroutines.
/// A handler calls invoked() when it runs; destroyed without that, it abandons the spawn.
class spawn_ref {
 public:
  spawn_ref() noexcept = default;
  explicit spawn_ref(spawn_base& s) noexcept : spawn_(&s) { s.retain(); }
  spawn_ref(spawn_ref&& other) noexcept
      : spawn_(std::exchange(other.spawn_, nullptr)), invoked_(other.invoked_) {}
  spawn_ref& operator=(spawn_ref&& other) noexcept {
    spawn_ref(std::move(other)).swap(*this);
    return *this;
  }
  ~spawn_ref() {
    if (spawn_ != nullptr) spawn_->release(invoked_);
  }
  void swap(spawn_ref& other) noexcept {
    std::swap(spawn_, other.spawn_);
    std::swap(invoked_, other.invoked_);
  }
  spawn_base* get() const noexcept { return spawn_; }
  void invoked() noexcept { invoked_ = true; }

 private:
  spawn_base* spawn_ = nullptr;
  bool invoked_ = false;
};

#if DUALITER_ASIO_CANCELLATION
/// A signal_node an operation's handler holds, given back to the spawn when the handler goes.
class signal_lease {
 public:
  signal_lease(spawn_base& s, signal_node* n) noexcept : spawn_(&s), node_(n) {}
  signal_lease(signal_lease&& other) noexcept
      : spawn_(other.spawn_), node_(std::exchange(other.node_, nullptr)) {}
  signal_lease& operator=(signal_lease&&) = delete;
  ~signal_lease() { give_back(); }
  /// The operation is over: its signal goes back to the spawn now.
  void give_back() noexcept {
    if (node_ != nullptr) spawn_->give_back(std::exchange(node_, nullptr));
  }
  net::cancellation_slot slot() const noexcept {
    return node_ != nullptr ? node_->signal.slot() : net::cancellation_slot();
  }
  const signal_node* node() const noexcept { return node_; }

 private:
  spawn_base* spawn_;
  signal_node* node_;
};
#endif

// Called only while the spawn is alive for sure (a coroutine of it runs, or it is being torn
// down, when wake does nothing): the reference taken cannot be the one that revives it.
inline spawn_ref spawn_base::spawn_ref_for_wake() noexcept {
  return spawn_ref(*this);
}

inline void spawn_base::wake(dualiter::detail::ready_node& node) noexcept {
  if (quiet_.load(std::memory_order_relaxed)) {  // the spawn lets go of everything
    node.waiting = nullptr;  // nobody else touches it now: the spawn is being torn down
    return;
  }
  {
    std::lock_guard lock(mutex_);
    ready_.push_back(node);
  }
  try {
    post_turn(spawn_ref_for_wake());
  } catch (...) {
    // Asio could not allocate the turn: the next turn that runs posts it again. The node
    // keeps its place in the queue, so the order of resumption is kept.
    owed_turns_.fetch_add(1, std::memory_order_relaxed);
  }
}

// Called by the remote queue, under its lock, from any thread, until close_remote: the spawn is
// then neither finished nor abandoned, so the reference taken cannot revive one being destroyed
// (release closes the queue before the count may reach zero for good).
inline void spawn_base::remote_posted(void* context) noexcept {
  auto& self = *static_cast<spawn_base*>(context);
  const spawn_base* const outer = std::exchange(posting_remote_, &self);
  try {
    self.post_remote_run(spawn_ref(self));
  } catch (...) {  // Asio could not allocate the handler: the next turn posts it again
    self.owed_remote_run_.store(true, std::memory_order_relaxed);
    self.owed_turns_.fetch_add(1, std::memory_order_relaxed);
  }
  posting_remote_ = outer;
}

inline void spawn_base::post_owed_turns() noexcept {
  if (owed_remote_run_.exchange(false, std::memory_order_relaxed)) {
    owed_turns_.fetch_sub(1, std::memory_order_relaxed);
    remote_posted(this);  // owes it again if it fails again
  }
  for (unsigned n = owed_turns_.exchange(0, std::memory_order_relaxed); n > 0; --n) {
    try {
      post_turn(spawn_ref_for_wake());
    } catch (...) {
      owed_turns_.fetch_add(n, std::memory_order_relaxed);
      return;
    }
  }
}

inline void spawn_base::resume(pending_operation& op, spawn_ref self) {
  {
    std::lock_guard lock(mutex_);
    ready_.push_back(op.node);
  }
  dispatch_turn(std::move(self));
}

/// The spawn running the current coroutine, or no_asio_engine naming what needed it.
inline spawn_base& current_spawn(const char* what_needs_it) {
  dualiter::detail::engine* const e = dualiter::detail::current_engine;
  void* const found = e != nullptr ? e->find_interface(&spawn_tag) : nullptr;
  if (found == nullptr) throw no_asio_engine(what_needs_it);
  return *static_cast<spawn_base*>(found);
}

template <class R>
using spawn_value_t = std::remove_cvref_t<dualiter::detail::owned_result_t<R>>;

/// The completion signature of spawn for an awaitable whose result is R, as co_spawn's.
template <class R>
using spawn_signature_t =
    std::conditional_t<std::is_void_v<R>, void(std::exception_ptr),
                       void(std::exception_ptr,
                            spawn_value_t<std::conditional_t<std::is_void_v<R>, int, R>>)>;

/// True for an executor known to run several handlers at once: a thread pool's (or the system
/// executor's), directly or inside an any_io_executor. A strand of one, and an io_context's
/// (assumed run by one thread, as documented), are not.
template <class Executor>
struct runs_several_at_once_t : std::false_type {};
template <class Allocator, unsigned int Bits>
struct runs_several_at_once_t<net::thread_pool::basic_executor_type<Allocator, Bits>>
    : std::true_type {};
template <class Blocking, class Relationship, class Allocator>
struct runs_several_at_once_t<net::basic_system_executor<Blocking, Relationship, Allocator>>
    : std::true_type {};

template <class Executor>
bool runs_several_at_once(const Executor& ex) noexcept {
  if constexpr (std::is_same_v<Executor, net::any_io_executor>) {
    return ex.template target<net::thread_pool::executor_type>() != nullptr ||
           ex.template target<net::system_executor>() != nullptr;
  } else {
    return runs_several_at_once_t<Executor>::value;
  }
}

template <class Executor, class Handler, class Awaitable>
class spawn_state final : public spawn_base {
  using awaited = dualiter::detail::owned_result_t<dualiter::await_result_t<Awaitable>>;
  using work_executor = std::decay_t<decltype(net::prefer(
      std::declval<const Executor&>(), net::execution::outstanding_work.tracked))>;
  using timer_type =
      net::basic_waitable_timer<std::chrono::steady_clock,
                                net::wait_traits<std::chrono::steady_clock>, Executor>;

 public:
  /// The driver's owner (detail/driver.hpp).
  dualiter::detail::result_slot<awaited> result;

  template <class H, class A>
  spawn_state(const Executor& ex, H&& handler, A&& awaitable)
      : serialised_(!detail::runs_several_at_once(ex)),
        executor_(ex),
        work_(net::prefer(ex, net::execution::outstanding_work.tracked)),
        handler_(static_cast<H&&>(handler)),
        awaitable_(static_cast<A&&>(awaitable)) {}

  /// Owns `state` from here on: its first turn is posted, so that the completion handler is
  /// never invoked inside spawn itself.
  static void launch(spawn_state* state) {
    spawn_ref first(*state);
    net::post(state->executor_, [ref = std::move(first)]() mutable {
      ref.invoked();
      auto* self = static_cast<spawn_state*>(ref.get());
      self->driver_ = dualiter::detail::drive<Awaitable>(self->awaitable_, *self);
      {
        dualiter::detail::engine_scope scope(self);
        self->driver_.start();
      }
      self->after_turn();
    });
  }

  // Torn down with its coroutines pending only when Asio gave up on a handler (the io_context
  // was destroyed): the tasks go first, as at the end of event_loop::run, before the frames
  // that may own what they refer to; every node woken meanwhile is dropped, never resumed.
  ~spawn_state() {
    quiet_.store(true, std::memory_order_relaxed);
    tasks_.orphan_all();
    driver_ = {};
    let_go_of_queued();
  }

  // Every node still queued leaves, its `waiting` cleared: a frame that outlives the spawn (an
  // orphaned task whose handle escaped) then does not call forget (engine::forget's rule).
  void let_go_of_queued() noexcept {
    std::lock_guard lock(mutex_);
    while (!ready_.empty()) {
      dualiter::detail::ready_node& node = ready_.front();
      node.unlink();
      node.waiting = nullptr;
    }
    while (!timers_.empty()) timers_.pop().waiting = nullptr;
  }

  void schedule(dualiter::detail::ready_node& node) override {
    spawn_ref ref(*this);  // taken first: if it were the last, releasing it must not destroy
    {
      std::lock_guard lock(mutex_);
      ready_.push_back(node);
    }
    post_turn(std::move(ref));
  }

  void arm(dualiter::detail::timer_node& node) override {
    std::lock_guard lock(mutex_);
    timers_.push(node);  // may throw: then nothing was kept
    if (&timers_.top() == &node && !(armed_ && armed_for_ <= node.deadline)) {
      try {
        wait_for_first_timer();
      } catch (...) {
        timers_.erase(node);
        throw;
      }
    }
  }

  void wake_sleeper(dualiter::detail::timer_node& node) noexcept override {
    {
      std::lock_guard lock(mutex_);
      if (!node.armed()) return;  // its timer fired: it is queued to resume already
      // The Asio timer may still wait for this deadline: when it fires, it finds no sleeper
      // due, and waits for the next one.
      node.disarm();
    }
    wake(node);
  }

  void forget_sleeper(dualiter::detail::timer_node& node) noexcept override {
    std::lock_guard lock(mutex_);
    node.unlink();
    node.disarm();
    node.waiting = nullptr;
  }

  bool serialised() const noexcept override { return serialised_; }

  /// Called by the driver once the awaitable has finished, on the spawn's executor. Tasks
  /// still pending are cancelled and waited for first, as asyncio.run does (after_turn).
  std::coroutine_handle<> finish() noexcept {
    if (!tasks_.empty()) {
      finishing_.store(true, std::memory_order_relaxed);
      tasks_.cancel_all_once();
    } else {
      complete();
    }
    return std::noop_coroutine();
  }

 private:
  /// After each turn: what could not wait for a turn of its own.
  void after_turn() noexcept {
    if (owed_turns_.load(std::memory_order_relaxed) != 0) [[unlikely]]
      post_owed_turns();
    if (finishing_.load(std::memory_order_relaxed)) [[unlikely]]
      finish_tasks();
  }

  // Python: asyncio.run cancels the tasks still pending and waits for them; tasks created
  // meanwhile (in their cleanup) are cancelled in turn. Those waiting for what nothing will
  // complete are let go of, as event_loop::run does.
  [[gnu::noinline]] void finish_tasks() noexcept {
    if (!tasks_.empty()) {
      tasks_.cancel_all_once();
      if (!idle() || !timers_empty()) return;  // a later turn comes back here
      quiet_.store(true, std::memory_order_relaxed);
      tasks_.orphan_all();
      let_go_of_queued();
      quiet_.store(false, std::memory_order_relaxed);
    }
    finishing_.store(false, std::memory_order_relaxed);
    complete();
  }

  bool timers_empty() noexcept {
    std::lock_guard lock(mutex_);
    return timers_.empty();
  }

  void complete() noexcept {
    spawn_ref keep(*this);  // destroys this state when it goes, if no handler holds it
    keep.invoked();
    close_remote();  // before mark_finished: see remote_posted
    {
      std::lock_guard lock(mutex_);
      armed_ = false;
      // A timer left behind by an abandoned sleep must not keep the state alive.
      if (timer_) timer_->cancel();
      if (anchor_) anchor_->cancel();
    }
    deliver();
    mark_finished();
  }

  void destroy() noexcept override { delete this; }

  // Deferred, not posted: a turn continues the handler running now (Asio then queues it on
  // this thread, without taking the context's lock or waking another thread), and still runs
  // after what is already queued.
  void post_turn(spawn_ref ref) override {
    net::defer(executor_, [ref = std::move(ref)]() mutable {
      ref.invoked();
      auto* self = static_cast<spawn_state*>(ref.get());
      self->run_turn();
      self->after_turn();
    });
  }

  void post_remote_run(spawn_ref ref) override {
    net::post(executor_, [ref = std::move(ref)]() mutable {
      ref.invoked();
      auto* self = static_cast<spawn_state*>(ref.get());
      self->run_remote();
      self->after_turn();
    });
  }

  // The first time: an Asio wait that never fires holds the spawn for Asio until it
  // completes, as a pending operation would. Only another thread could resume a coroutine
  // waiting in to_thread; if the io_context is destroyed first, this handler is destroyed with
  // it, and the spawn is torn down (its frames too), its remote queue closed: the pool thread
  // that finishes later drops its result instead of posting to a dead context.
  dualiter::detail::remote_core& remote() override {
    dualiter::detail::remote_core& core = remote_.get();
    std::lock_guard lock(mutex_);
    if (!anchor_) {
      anchor_.emplace(executor_, std::chrono::steady_clock::time_point::max());
      anchor_->async_wait([ref = spawn_ref(*this)](const auto&) mutable { ref.invoked(); });
      core.set_waker(&remote_posted, this);
    }
    return core;
  }

  void dispatch_turn(spawn_ref ref) override {
    net::dispatch(executor_, [ref = std::move(ref)]() mutable {
      ref.invoked();
      auto* self = static_cast<spawn_state*>(ref.get());
      self->run_turn();
      self->after_turn();
    });
  }

  // Under mutex_.
  void wait_for_first_timer() {
    armed_ = true;
    armed_for_ = timers_.top().deadline;
    if (!timer_) timer_.emplace(executor_);
    timer_->expires_at(armed_for_);  // cancels the wait before, whose handler sees aborted
    timer_->async_wait([ref = spawn_ref(*this)](const auto& error) mutable {
      ref.invoked();
      if (error) return;  // re-armed or cancelled
      static_cast<spawn_state*>(ref.get())->on_timer();
    });
  }

  void on_timer() {
    std::size_t expired = 0;
    {
      std::lock_guard lock(mutex_);
      armed_ = false;
      const auto now = std::chrono::steady_clock::now();
      while (!timers_.empty() && timers_.top().deadline <= now) {
        ready_.push_back(timers_.pop());
        ++expired;
      }
      if (!timers_.empty()) wait_for_first_timer();
    }
    for (; expired > 0; --expired) post_turn(spawn_ref(*this));
  }

  // Dispatched, as co_spawn does: inline when this thread runs in the handler's executor (so a
  // use_future completes here rather than on Asio's system thread pool), else posted there.
  // Never inside spawn itself: this runs in a later handler. Outside this spawn's engine, so
  // that the handler may run a loop or spawn anew.
  void deliver() noexcept {
    auto handler_executor = net::get_associated_executor(handler_, executor_);
    std::exception_ptr error = result.exception();
    if constexpr (std::is_void_v<awaited>) {
      net::dispatch(handler_executor, [h = std::move(handler_), error]() mutable {
        dualiter::detail::hide_current_loop outside;
        std::move(h)(error);
      });
    } else {
      using value = spawn_value_t<awaited>;
      if (error) {
        net::dispatch(handler_executor, [h = std::move(handler_), error]() mutable {
          dualiter::detail::hide_current_loop outside;
          std::move(h)(error, value());
        });
      } else {
        net::dispatch(handler_executor,
                      [h = std::move(handler_), v = value(std::move(result).get())]() mutable {
                        dualiter::detail::hide_current_loop outside;
                        std::move(h)(std::exception_ptr(), std::move(v));
                      });
      }
    }
  }

  const bool serialised_;  // see engine::serialised
  Executor executor_;
  work_executor work_;  // keeps the context running while the awaitable runs, as co_spawn
  Handler handler_;
  Awaitable awaitable_;
  dualiter::detail::timer_heap timers_;
  // Made at the first sleep: an Asio timer starts the context's reactor, which then polls once
  // per turn of the context (an epoll_wait per yield_now, for a spawn that never sleeps).
  std::optional<timer_type> timer_;
  std::optional<timer_type> anchor_;  // see remote()
  std::chrono::steady_clock::time_point armed_for_{};
  bool armed_ = false;
  std::atomic<bool> finishing_{false};  // the awaitable finished; its tasks have not
  // Destroyed first: the frames' nodes leave the queues above, which must still be there.
  dualiter::detail::driver<spawn_state> driver_;
};

template <class Executor>
struct initiate_spawn {
  Executor executor;

  template <class Handler, class Awaitable>
  void operator()(Handler&& handler, Awaitable&& awaitable) const {
    using state = spawn_state<Executor, std::decay_t<Handler>, std::remove_cvref_t<Awaitable>>;
    state::launch(
        new state(executor, static_cast<Handler&&>(handler), static_cast<Awaitable&&>(awaitable)));
  }
};

template <class T>
concept asio_executor = net::execution::is_executor<T>::value || net::is_executor<T>::value;

}  // namespace detail

/// Starts `awaitable` (a task, a gather(...), any dualiter Awaitable) on `executor` (or on an
/// execution context's executor) as an Asio asynchronous operation whose completion signature
/// is `void(std::exception_ptr, T)`, or `void(std::exception_ptr)` when the awaitable gives
/// nothing, exactly as asio::co_spawn: asio::detached, asio::use_future, a callback and
/// asio::use_awaitable all work as `token`. Every dualiter coroutine under it resumes on
/// `executor`, whose thread it then runs on. Tasks created under it (create_task) are its own:
/// those still pending when the awaitable finishes are cancelled and waited for before the
/// completion. Python: `loop.create_task(coro)` on uvloop.
template <class Executor, class Awaitable, class Token>
  requires detail::asio_executor<Executor>
auto spawn(const Executor& executor, Awaitable&& awaitable, Token&& token) {
  static_assert(dualiter::Awaitable<Awaitable>,
                "dualiter::asio::spawn: the second argument is not awaitable. Fix: pass a "
                "dualiter::task, a gather(...) or another Awaitable");
  static_assert(std::is_constructible_v<std::remove_cvref_t<Awaitable>, Awaitable&&>,
                "dualiter::asio::spawn takes the awaitable over: pass it as an rvalue "
                "(std::move(t), or the call that makes it)");
  using result = dualiter::await_result_t<Awaitable>;
  return net::async_initiate<Token, detail::spawn_signature_t<result>>(
      detail::initiate_spawn<Executor>{executor}, token, static_cast<Awaitable&&>(awaitable));
}

/// spawn on an execution context (an io_context, a thread_pool): on its executor.
template <class Context, class Awaitable, class Token>
  requires std::is_convertible_v<Context&, net::execution_context&>
auto spawn(Context& context, Awaitable&& awaitable, Token&& token) {
  return dualiter::asio::spawn(context.get_executor(), static_cast<Awaitable&&>(awaitable),
                               static_cast<Token&&>(token));
}

/// A completion token for Asio operations awaited from dualiter coroutines started by spawn:
/// `std::size_t n = co_await sock.async_read_some(buf, dualiter::asio::use_awaitable);`. An
/// error code becomes a thrown system_error (as with asio::use_awaitable), an exception_ptr is
/// rethrown, the other results are the value: nothing, one value, or a std::tuple of several.
struct use_awaitable_t {
  constexpr use_awaitable_t() noexcept = default;
};
inline constexpr use_awaitable_t use_awaitable{};

/// True when cancelling a task cancels the Asio operation it awaits with use_awaitable (Asio
/// 1.19 and later: standalone Asio 1.22, Boost 1.77). When false (Boost 1.74), the operation
/// goes on and the await throws cancelled_error once it completes: wait_for on such an
/// operation times out only when it completes; close or cancel the I/O object to stop it.
inline constexpr bool cancels_operations = DUALITER_ASIO_CANCELLATION;

namespace detail {

/// Internal twin of use_awaitable that hands errors back instead of throwing them: lines()
/// expects the end of the stream and must not pay for an exception there.
struct use_awaitable_nothrow_t {};

template <class... T>
struct values_of {
  using type = std::tuple<T...>;
  static type take(std::tuple<T...>&& t) { return std::move(t); }
};
template <>
struct values_of<> {
  using type = void;
  static void take(std::tuple<>&&) noexcept {}
};
template <class T>
struct values_of<T> {
  using type = T;
  static T take(std::tuple<T>&& t) { return std::get<0>(std::move(t)); }
};

/// What co_await of an Asio operation with use_awaitable is: it starts the operation when the
/// coroutine has suspended, and the operation's handler stores the results here and resumes the
/// coroutine on its spawn's executor. It lives in the awaiting coroutine's frame.
///
/// It is a cancel point of the task it suspends (detail/task_context.hpp). Where Asio has
/// per-operation cancellation (1.19 and later: standalone Asio 1.22, Boost 1.77), a cancel
/// request cancels the operation through a cancellation slot bound to the handler; the
/// operation completes (operation_aborted, or its result if it was done already) and the await
/// throws cancelled_error. Destroying the awaiting frame cancels the operation the same way.
/// Without it (Boost 1.74), the operation goes on, and the await throws cancelled_error when it
/// completes.
template <bool Throw, class Initiation, class Args, class... Results>
class operation : private dualiter::detail::cancel_point {
 public:
  template <class I, class... A>
  explicit operation(I&& init, A&&... args)
      : cancel_point(&on_cancel), init_(static_cast<I&&>(init)), args_(static_cast<A&&>(args)...) {}
  // Only before it is awaited (async_result hands it out by value).
  operation(operation&& other)
      : cancel_point(&on_cancel), init_(std::move(other.init_)), args_(std::move(other.args_)) {}
  operation& operator=(operation&&) = delete;
  ~operation() {
    if (spawn_ != nullptr) spawn_->delist(pending_, signal_);
  }

  bool await_ready() {
    (void)detail::current_spawn("dualiter::asio::use_awaitable");  // the error, before suspending
    return cancel_point::take_pending();
  }
  void await_suspend(std::coroutine_handle<> h) {
    spawn_base& spawn = detail::current_spawn("dualiter::asio::use_awaitable");
#if DUALITER_ASIO_CANCELLATION
    signal_lease lease(spawn, spawn.lease_signal());
    signal_ = lease_node(lease);
#endif
    pending_.node.waiting = h;
    spawn_ = &spawn;
    const std::uint64_t id = spawn.enlist(pending_);
    // Before the initiation: a cancel request may come as soon as the operation has started
    // (from the coroutines of this spawn only, which do not run while this one does).
    cancel_point::enter();
    try {
      // The operation may complete, and the coroutine resume, on another thread before this
      // returns: nothing here is touched after the initiation.
      std::apply(
          [&](auto&... args) {
#if DUALITER_ASIO_CANCELLATION
            static_cast<Initiation&&>(init_)(handler{this, id, spawn_ref(spawn), std::move(lease)},
                                             std::move(args)...);
#else
            static_cast<Initiation&&>(init_)(handler{this, id, spawn_ref(spawn)},
                                             std::move(args)...);
#endif
          },
          args_);
    } catch (...) {
      cancel_point::leave();
      spawn.delist(pending_);
      throw;
    }
  }
  auto await_resume() {
    cancel_point::resume();  // a cancelled operation's result is not given: the request wins
    std::tuple<Results...>& all = *results_;
    if constexpr (Throw && error_first) {
      auto& head = std::get<0>(all);
      if constexpr (std::is_same_v<first_result, std::exception_ptr>) {
        if (head) std::rethrow_exception(head);
      } else {
        if (head) throw DUALITER_ASIO_SYSTEM_ERROR(head);
      }
      return after_first(all, std::make_index_sequence<sizeof...(Results) - 1>{});
    } else {
      return values_of<Results...>::take(std::move(all));
    }
  }

 private:
  using first_result = std::tuple_element_t<0, std::tuple<Results..., void>>;
  static constexpr bool error_first = std::is_same_v<first_result, DUALITER_ASIO_ERROR_CODE> ||
                                      std::is_same_v<first_result, std::exception_ptr>;

  static void on_cancel(cancel_point& point) noexcept {
    auto& self = static_cast<operation&>(point);
    self.cancelled = true;
#if DUALITER_ASIO_CANCELLATION
    self.spawn_->cancel(self.pending_, self.signal_);
#endif
  }

#if DUALITER_ASIO_CANCELLATION
  static void* lease_node(const signal_lease& lease) noexcept {
    return const_cast<void*>(static_cast<const void*>(lease.node()));
  }
#endif

  struct handler {
    operation* self;
    std::uint64_t id;
    spawn_ref ref;  // outlives the lease: the spawn takes the signal back
#if DUALITER_ASIO_CANCELLATION
    signal_lease lease;
    using cancellation_slot_type = net::cancellation_slot;
    cancellation_slot_type get_cancellation_slot() const noexcept { return lease.slot(); }
#endif
    void operator()(Results... results) {
      ref.invoked();
      spawn_base* const s = ref.get();
      if (!s->claim(&self->pending_, id)) return;  // the awaiting frame is gone
      self->results_.emplace(std::move(results)...);
#if DUALITER_ASIO_CANCELLATION
      lease.give_back();  // while `ref` keeps the spawn alive
#endif
      s->resume(self->pending_, std::move(ref));
    }
  };

  template <std::size_t... I>
  static auto after_first(std::tuple<Results...>& all, std::index_sequence<I...>) {
    using rest = values_of<std::tuple_element_t<I + 1, std::tuple<Results...>>...>;
    return rest::take(std::tuple<std::tuple_element_t<I + 1, std::tuple<Results...>>...>(
        std::move(std::get<I + 1>(all))...));
  }

  Initiation init_;
  Args args_;
  spawn_base* spawn_ = nullptr;  // set once suspended: listed there until claimed
  void* signal_ = nullptr;       // the handler's signal_node, while the operation is listed
  pending_operation pending_;
  std::optional<std::tuple<Results...>> results_;
};

}  // namespace detail

}  // namespace DUALITER_ASIO_FLAVOUR
}  // namespace dualiter::asio

namespace DUALITER_ASIO_NET_NAMESPACE {

template <class... Results>
class async_result<::dualiter::asio::DUALITER_ASIO_FLAVOUR::use_awaitable_t, void(Results...)> {
 public:
  template <class Initiation, class... Args>
  static auto initiate(Initiation&& init, ::dualiter::asio::DUALITER_ASIO_FLAVOUR::use_awaitable_t,
                       Args&&... args) {
    return ::dualiter::asio::DUALITER_ASIO_FLAVOUR::detail::operation<
        true, std::decay_t<Initiation>, std::tuple<std::decay_t<Args>...>,
        std::decay_t<Results>...>(static_cast<Initiation&&>(init), static_cast<Args&&>(args)...);
  }
};

template <class... Results>
class async_result<::dualiter::asio::DUALITER_ASIO_FLAVOUR::detail::use_awaitable_nothrow_t,
                   void(Results...)> {
 public:
  template <class Initiation, class... Args>
  static auto initiate(Initiation&& init,
                       ::dualiter::asio::DUALITER_ASIO_FLAVOUR::detail::use_awaitable_nothrow_t,
                       Args&&... args) {
    return ::dualiter::asio::DUALITER_ASIO_FLAVOUR::detail::operation<
        false, std::decay_t<Initiation>, std::tuple<std::decay_t<Args>...>,
        std::decay_t<Results>...>(static_cast<Initiation&&>(init), static_cast<Args&&>(args)...);
  }
};

}  // namespace DUALITER_ASIO_NET_NAMESPACE

namespace dualiter::asio {
inline namespace DUALITER_ASIO_FLAVOUR {

/// The lines of an Asio AsyncReadStream (a tcp::socket, a pipe, an SSL stream), each without
/// its "\n" or "\r\n" (as std::getline), the last one even without a final newline; the
/// iteration ends when the peer closes. Python: `async for line in reader`.
///
/// A line longer than `max_line_length` bytes (the terminator not counted) ends the iteration
/// with line_too_long; a read error ends it with the error's system_error. Each byte received
/// is in exactly one line; the stream is never read further than the limit allows. The stream
/// must outlive the iteration; awaited in a coroutine started by spawn. Destroyed while a read
/// is pending, it cancels that read (with Boost before 1.77, which has no per-operation
/// cancellation: all the stream's operations, `cancel()` or `lowest_layer().cancel()`). A
/// cancelled task reading it gets cancelled_error from its anext (see use_awaitable).
template <class AsyncReadStream>
dualiter::async_generator<std::string> lines(AsyncReadStream& stream,
                                             std::size_t max_line_length = 64 * 1024) {
  // The misuse (not under spawn) reported at once, naming lines, before any read can start.
  (void)detail::current_spawn("dualiter::asio::lines");
  constexpr std::size_t chunk = 4096;
  std::string buffer;
  // Destroyed mid-read (a views::merge abandoned), the generator cancels the read: the stream
  // must not go on filling a buffer that is gone. With per-operation cancellation, the read's
  // own awaiter does it, and the stream's other operations go on; without (Boost 1.74), all
  // of the stream's operations are cancelled. Declared after the buffer, so destroyed before.
  struct cancel_when_abandoned {
    AsyncReadStream& stream;
    bool pending = false;
    ~cancel_when_abandoned() {
      if (DUALITER_ASIO_CANCELLATION || !pending) return;
      if constexpr (requires { stream.cancel(); }) {
        try {
          stream.cancel();
        } catch (...) {  // a stream already closed: nothing left to cancel
        }
      } else if constexpr (requires { stream.lowest_layer().cancel(); }) {
        try {
          stream.lowest_layer().cancel();
        } catch (...) {
        }
      }
    }
  } reading{stream};
  std::size_t start = 0;    // where the first line not yet given begins
  std::size_t scanned = 0;  // where the search for its newline goes on
  while (true) {
    const std::size_t newline = buffer.find('\n', scanned);
    if (newline != std::string::npos) {
      std::size_t end = newline;
      if (end > start && buffer[end - 1] == '\r') --end;
      if (end - start > max_line_length) throw line_too_long(max_line_length);
      std::string line(buffer, start, end - start);
      start = scanned = newline + 1;
      co_yield std::move(line);
      continue;
    }
    scanned = buffer.size();
    // Whether what is buffered is already too long to be a line (a final '\r' may yet be the
    // start of "\r\n").
    const std::size_t pending = buffer.size() - start;
    const std::size_t content = pending - (pending > 0 && buffer.back() == '\r' ? 1 : 0);
    if (content > max_line_length) throw line_too_long(max_line_length);
    // Read no further than the longest line still possible, plus its "\r\n".
    const std::size_t room = max_line_length >= std::numeric_limits<std::size_t>::max() - 2
                                 ? chunk
                                 : std::min(chunk, max_line_length + 2 - pending);
    if (start > 0) {  // the lines given are dropped before reading more
      buffer.erase(0, start);
      scanned -= start;
      start = 0;
    }
    const std::size_t old_size = buffer.size();
    buffer.resize(old_size + room);
    reading.pending = true;
    auto [error, n] = co_await stream.async_read_some(net::buffer(buffer.data() + old_size, room),
                                                      detail::use_awaitable_nothrow_t{});
    reading.pending = false;
    buffer.resize(old_size + n);
    if (error == net::error::eof) {
      if (buffer.empty()) co_return;
      // Without a newline, a final '\r' is the line's own: the line, '\r' and all, must fit.
      if (buffer.size() > max_line_length) throw line_too_long(max_line_length);
      co_yield std::string(std::move(buffer));
      co_return;
    }
    if (error) throw DUALITER_ASIO_SYSTEM_ERROR(error);
  }
}

}  // namespace DUALITER_ASIO_FLAVOUR
}  // namespace dualiter::asio

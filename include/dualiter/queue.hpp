// dualiter::queue — a FIFO queue between coroutines, with back-pressure, task accounting and
// shutdown, and async iterable. Python: asyncio.Queue (3.13, with shutdown).
#ifndef DUALITER_QUEUE_HPP
#define DUALITER_QUEUE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <dualiter/anext_result.hpp>
#include <dualiter/detail/ring_buffer.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/detail/wait_list.hpp>

namespace dualiter {

/// Thrown by queue::get_nowait on an empty queue. Python: asyncio.QueueEmpty.
class queue_empty : public std::runtime_error {
 public:
  queue_empty()
      : std::runtime_error(
            "dualiter: queue_empty: get_nowait() on an empty queue (Python: asyncio.QueueEmpty)") {}
};

/// Thrown by queue::put_nowait on a full queue. Python: asyncio.QueueFull.
class queue_full : public std::runtime_error {
 public:
  queue_full()
      : std::runtime_error(
            "dualiter: queue_full: put_nowait() on a full queue (Python: asyncio.QueueFull)") {}
};

/// Thrown by a put on a queue that was shut down, and by a get once it is shut down and
/// drained. Python 3.13: asyncio.QueueShutDown.
class queue_shut_down : public std::runtime_error {
 public:
  queue_shut_down()
      : std::runtime_error(
            "dualiter: queue_shut_down: the queue was shut down (Python: asyncio.QueueShutDown)") {}
};

namespace detail {
[[noreturn, gnu::cold]] inline void throw_put_awaited_twice() {
  throw std::logic_error(
      "dualiter: queue::put: this put was awaited already (its item is in the queue, or was "
      "dropped); call put() again to put another (Python: RuntimeError: cannot reuse already "
      "awaited coroutine)");
}

// Stands for an invalid T after the assertion: takes anything, so that no second error follows.
struct invalid_queue_item {
  invalid_queue_item() = default;
  template <class U>
  invalid_queue_item(U&&) noexcept {}  // NOLINT: implicit on purpose
};
}  // namespace detail

/// A first-in first-out queue for coroutines of one thread. Python: asyncio.Queue.
///
/// `queue<T> q(maxsize)` holds at most maxsize items (0 or less: no limit, as in Python);
/// `co_await q.put(x)` waits while it is full, `co_await q.get()` while it is empty. Waiters
/// are served first-come first-served: an item put while getters wait is promised to the first
/// of them (a slot freed while putters wait, to the first putter), which takes it when it
/// resumes, in a later turn of its engine (the embedded loop, or Asio); meanwhile no newcomer
/// can take it. A waiter cancelled (or whose frame is destroyed) before it resumed passes what
/// was promised to it to the next waiter, and its await throws cancelled_error; the item of a
/// cancelled put was not put. Items live in one ring buffer that grows by doubling: no
/// allocation per item. A put or get whose move of the item throws changes nothing (the item
/// stays where it was), but for a T that cannot be copied and can throw while moving, which
/// growing the buffer may leave moved-from, as std::vector does.
///
/// Counting: size() counts the items a get would take now, not those promised to woken getters
/// that have not resumed yet; full() counts those too, and slots promised to woken putters, as
/// asyncio's back-pressure does. A queue is async iterable: `aiter(q)` gives the items until the
/// queue is shut down and drained (so `co_await for_each(q, f)` and the views work on it).
///
/// Awaits that need not wait need no engine (a get from a non-empty queue works under
/// sync_wait, as in asyncio); one that must wait outside any engine throws
/// no_running_event_loop.
///
/// Lifetimes. Destroying a queue while coroutines wait on it lets go of them: they are never
/// resumed. Those woken already are: a getter or putter then throws std::logic_error (the
/// item or slot promised to it went with the queue), a joiner returns. A coroutine still
/// waiting when the loop's run it waits in ends is let go of as well: later puts and gets pass
/// it over, and it is never resumed.
template <class T>
class queue {
  static_assert(std::is_object_v<T> && std::is_same_v<T, std::remove_cv_t<T>>,
                "dualiter::queue<T>: T must be a cv-unqualified object type (no reference, no "
                "const). Fix: queue<std::remove_cvref_t<T>>, or queue<std::reference_wrapper<T>>");
  static_assert(std::is_move_constructible_v<T>,
                "dualiter::queue<T>: get() moves the item out, and T cannot be moved. Fix: "
                "queue<std::unique_ptr<T>>");

  // T itself when it is valid; else a stand-in, so that the assertions above stay the only error.
  using item_type =
      std::conditional_t<std::is_object_v<T> && std::is_same_v<T, std::remove_cv_t<T>> &&
                             std::is_move_constructible_v<T>,
                         T, detail::invalid_queue_item>;

 public:
  using value_type = T;

  /// At most `maxsize` items; 0 or less: no limit. Python: Queue(maxsize=0).
  explicit queue(std::ptrdiff_t maxsize = 0) noexcept
      : maxsize_(maxsize), limit_(maxsize > 0 ? static_cast<std::size_t>(maxsize) : 0) {}
  queue(const queue&) = delete;
  queue& operator=(const queue&) = delete;

  /// Python: maxsize.
  std::ptrdiff_t maxsize() const noexcept { return maxsize_; }
  /// How many items a get would take now. Python: qsize().
  std::size_t size() const noexcept { return items_.size() - promised_; }
  /// True when a get would wait. Python: empty().
  bool empty() const noexcept { return size() == 0; }
  /// True when a put would wait. Python: full().
  bool full() const noexcept { return limit_ != 0 && items_.size() + reserved_slots_ >= limit_; }
  /// True once shutdown() was called. Python 3.13: is_shutdown.
  bool is_shut_down() const noexcept { return shut_down_; }

  /// Puts `item` now. Throws queue_shut_down once shut down, queue_full when full (the item is
  /// then not moved from). Python: put_nowait(item).
  void put_nowait(const item_type& item) { put_now(item); }
  void put_nowait(item_type&& item) { put_now(std::move(item)); }

  /// Takes the first item now. Throws queue_empty when empty (queue_shut_down once shut down
  /// and empty). Python: get_nowait().
  item_type get_nowait() {
    if (empty()) {
      if (shut_down_) throw queue_shut_down();
      throw queue_empty();
    }
    return take();
  }

  /// One item processed: when every item put has been, join() returns. Python: task_done();
  /// called more times than items were put, it throws std::invalid_argument (ValueError).
  void task_done() {
    if (unfinished_ == 0) {
      throw std::invalid_argument(
          "dualiter: queue::task_done() called too many times (Python: ValueError: "
          "task_done() called too many times)");
    }
    if (--unfinished_ == 0) joiners_.wake_all(woken_joiners_);
  }
  /// Items put and not yet marked done by task_done().
  std::size_t unfinished_tasks() const noexcept { return unfinished_; }

  /// Puts are refused from now on (queue_shut_down); gets take what is left, then throw
  /// queue_shut_down; waiting putters and getters wake and throw it. With `immediate`, what is
  /// left is dropped too (each item counts as done for join). Python 3.13: shutdown(immediate).
  void shutdown(bool immediate = false) noexcept {
    shut_down_ = true;
    if (immediate) {
      for (; !items_.empty(); items_.pop_front()) {
        if (unfinished_ > 0) --unfinished_;
      }
      promised_ = 0;
      woken_getters_.for_each<get_awaiter>([](get_awaiter& g) { g.promised_item_ = false; });
      if (unfinished_ == 0) joiners_.wake_all(woken_joiners_);
    }
    getters_.wake_all(woken_getters_);  // nothing promised: each finds the queue empty
    putters_.wake_all(woken_putters_);  // no slot promised: each throws
  }

  /// What `co_await q.get()` suspends in, when it waits.
  class get_awaiter : public detail::waiter {
   public:
    explicit get_awaiter(queue& q) noexcept : waiter(&on_cancel), queue_(&q) {}
    ~get_awaiter() {
      if (waiter::give_up_reservation()) give_up_item();
    }
    bool await_ready() {
      if (!queue_->empty() || queue_->shut_down_) {
        cancel_point::capture();
        return true;
      }
      return waiter::cancelled_before_suspending("queue::get");
    }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) noexcept {
      waiter::suspend(queue_->getters_, h);
    }
    item_type await_resume() {
      if (!resume_with_item()) throw queue_shut_down();
      return queue_->take_promised();
    }

   protected:
    /// Rule 3; then true if an item is there to take, false if shut down and drained.
    bool resume_with_item() {
      waiter::resume_or_throw("queue");
      if (promised_item_) {
        promised_item_ = false;
        --queue_->promised_;
        return true;
      }
      return !queue_->empty();
    }
    queue* queue_;

   private:
    friend class queue;
    static void on_cancel(detail::cancel_point& point) noexcept {
      auto& self = static_cast<get_awaiter&>(point);
      if (!self.cancel_if_waiting() && self.give_up_reservation()) self.give_up_item();
    }
    void give_up_item() noexcept {
      if (!promised_item_) return;
      promised_item_ = false;
      --queue_->promised_;
      queue_->promise_item();
    }
    bool promised_item_ = false;
  };

  /// What `co_await q.put(x)` suspends in, when it waits.
  class put_awaiter : public detail::waiter {
   public:
    put_awaiter(queue& q, item_type& item) noexcept : waiter(&on_cancel), queue_(&q), item_(item) {}
    ~put_awaiter() {
      if (waiter::give_up_reservation()) give_up_slot();
    }
    bool await_ready() {
      if (queue_->shut_down_) {
        cancel_point::capture();
        return true;  // await_resume throws
      }
      if (!queue_->full()) {  // nobody waits to put while there is room
        queue_->push(std::move(item_));
        done_ = true;
        cancel_point::capture();
        return true;
      }
      return waiter::cancelled_before_suspending("queue::put");
    }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) noexcept {
      waiter::suspend(queue_->putters_, h);
    }
    void await_resume() {
      waiter::resume_or_throw("queue");
      if (done_) return;
      if (promised_slot_) {
        promised_slot_ = false;
        --queue_->reserved_slots_;
      }
      if (queue_->shut_down_) throw queue_shut_down();
      try {
        queue_->push(std::move(item_));
      } catch (...) {
        queue_->promise_slot();  // the slot is free again
        throw;
      }
    }

   private:
    friend class queue;
    static void on_cancel(detail::cancel_point& point) noexcept {
      auto& self = static_cast<put_awaiter&>(point);
      if (!self.cancel_if_waiting() && self.give_up_reservation()) self.give_up_slot();
    }
    void give_up_slot() noexcept {
      if (!promised_slot_) return;
      promised_slot_ = false;
      --queue_->reserved_slots_;
      queue_->promise_slot();
    }
    queue* queue_;
    item_type& item_;
    bool promised_slot_ = false;
    bool done_ = false;
  };

  /// What `co_await q.join()` suspends in, when it waits.
  class join_awaiter : public detail::waiter {
   public:
    explicit join_awaiter(queue& q) noexcept : waiter(&on_cancel), queue_(&q) {}
    bool await_ready() {
      if (queue_->unfinished_ == 0) {
        cancel_point::capture();
        return true;
      }
      return waiter::cancelled_before_suspending("queue::join");
    }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) noexcept {
      waiter::suspend(queue_->joiners_, h);
    }
    void await_resume() { waiter::end_wait(); }

   private:
    static void on_cancel(detail::cancel_point& point) noexcept {
      (void)static_cast<join_awaiter&>(point).cancel_if_waiting();
    }
    queue* queue_;
  };

  /// Takes the first item, waiting while the queue is empty; throws queue_shut_down once it is
  /// shut down and drained. Python: `await q.get()`.
  auto get() noexcept {
    struct operation {
      queue* q;
      get_awaiter operator co_await() const noexcept { return get_awaiter(*q); }
    };
    return operation{this};
  }

  /// What put() returns: it holds the item until the put is done (an item whose put was
  /// cancelled is destroyed with it). It can be awaited once; a second await throws
  /// std::logic_error.
  class put_operation {
   public:
    put_awaiter operator co_await() & { return awaiter(); }
    put_awaiter operator co_await() && { return awaiter(); }

   private:
    friend class queue;
    template <class U>
    put_operation(queue& q, U&& item) : queue_(&q), item_(static_cast<U&&>(item)) {}
    // Once only: a second await would put the moved-from item (an int, twice).
    put_awaiter awaiter() {
      if (awaited_) [[unlikely]]
        detail::throw_put_awaited_twice();
      awaited_ = true;
      return put_awaiter(*queue_, item_);
    }
    queue* queue_;
    item_type item_;
    bool awaited_ = false;
  };

  /// Puts `item`, waiting while the queue is full; throws queue_shut_down once it is shut down.
  /// Python: `await q.put(item)`.
  put_operation put(const item_type& item) { return put_operation(*this, item); }
  put_operation put(item_type&& item) { return put_operation(*this, std::move(item)); }

  /// Waits until every item put has been marked done (task_done). Python: `await q.join()`.
  auto join() noexcept {
    struct operation {
      queue* q;
      join_awaiter operator co_await() const noexcept { return join_awaiter(*q); }
    };
    return operation{this};
  }

  /// The async iterator of a queue: each anext waits for the next item, and is empty once the
  /// queue is shut down and drained. The element is the item itself (T&&, valid until the
  /// next anext). Items taken are not marked done: call task_done() if join() is used.
  class async_iterator {
   public:
    explicit async_iterator(queue& q) noexcept : queue_(&q) {}

    class anext_awaiter : public get_awaiter {
     public:
      explicit anext_awaiter(async_iterator& it) noexcept
          : get_awaiter(*it.queue_), iterator_(&it) {}
      anext_result<item_type&&> await_resume() {
        if (!get_awaiter::resume_with_item()) return {};
        iterator_->current_.reset();
        queue& q = *get_awaiter::queue_;
        try {
          iterator_->current_.emplace(std::move(q.items_.front()));  // the only move
        } catch (...) {
          q.promise_item();  // it stays first in the queue, for the next getter
          throw;
        }
        q.drop_front();
        return anext_result<item_type&&>(&*iterator_->current_);
      }

     private:
      async_iterator* iterator_;
    };

    /// Python: `__anext__`.
    auto anext() noexcept {
      // A plain value: the awaiter, which the wait list points to, is made in place.
      struct operation {
        async_iterator* it;
        anext_awaiter operator co_await() const noexcept { return anext_awaiter(*it); }
      };
      return operation{this};
    }

   private:
    queue* queue_;
    std::optional<item_type> current_;
  };

  /// Python: `__aiter__` (a queue has none; this is dualiter's addition). Valid while the
  /// queue lives.
  async_iterator aiter() noexcept { return async_iterator(*this); }

 private:
  template <class U>
  void put_now(U&& item) {
    if (shut_down_) throw queue_shut_down();
    if (full()) throw queue_full();
    push(static_cast<U&&>(item));
  }

  // An item in; promised to the first getter if one waits.
  template <class U>
  void push(U&& item) {
    items_.emplace_back(static_cast<U&&>(item));  // may throw: then nothing changed
    ++unfinished_;
    promise_item();
  }
  // The first item out; a slot free for the first putter if one waits. If moving it out throws,
  // it stays first in the queue (strong guarantee): T's own move is the only one, the result
  // is elided into the caller's (NRVO; C++ does not promise it, so a T whose move may throw
  // takes the longer way).
  item_type take() {
    if constexpr (std::is_nothrow_move_constructible_v<item_type>) {
      item_type item(std::move(items_.front()));
      drop_front();
      return item;
    } else {
      struct drop_unless_thrown {
        queue& q;
        int exceptions = std::uncaught_exceptions();
        ~drop_unless_thrown() {
          if (std::uncaught_exceptions() == exceptions) q.drop_front();
        }
      } drop{*this};
      return item_type(std::move(items_.front()));
    }
  }
  // take() for a getter the item was promised to: if it cannot take it, the next getter can.
  item_type take_promised() {
    if constexpr (std::is_nothrow_move_constructible_v<item_type>) {
      return take();
    } else {
      try {
        return take();
      } catch (...) {
        promise_item();
        throw;
      }
    }
  }
  void drop_front() noexcept {
    items_.pop_front();
    promise_slot();
  }
  void promise_item() noexcept {
    if (size() == 0) return;
    get_awaiter* const getter = getters_.first_live<get_awaiter>();
    if (getter == nullptr) return;
    ++promised_;
    getter->promised_item_ = true;
    getters_.wake_first(woken_getters_);
  }
  void promise_slot() noexcept {
    if (full()) return;
    put_awaiter* const putter = putters_.first_live<put_awaiter>();
    if (putter == nullptr) return;
    ++reserved_slots_;
    putter->promised_slot_ = true;
    putters_.wake_first(woken_putters_);
  }

  // The lists go before the items: a waiter let go of by a destroyed queue touches neither.
  detail::wait_list getters_;
  detail::wait_list woken_getters_;
  detail::wait_list putters_;
  detail::wait_list woken_putters_;
  detail::wait_list joiners_;
  detail::wait_list woken_joiners_;
  detail::ring_buffer<item_type> items_;
  std::ptrdiff_t maxsize_;
  std::size_t limit_;               // 0: none
  std::size_t promised_ = 0;        // items at the front promised to woken getters
  std::size_t reserved_slots_ = 0;  // slots promised to woken putters
  std::size_t unfinished_ = 0;
  bool shut_down_ = false;
};

}  // namespace dualiter

#endif  // DUALITER_QUEUE_HPP

// dualiter::as_completed — the results of several awaitables, in the order they complete.
// Python: asyncio.as_completed (its 3.13 `async for` form).
#ifndef DUALITER_AS_COMPLETED_HPP
#define DUALITER_AS_COMPLETED_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include <dualiter/async_generator.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/driver.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/ready_queue.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_handle.hpp>

namespace dualiter {
namespace detail {

/// Where the tasks of one as_completed leave their outcomes, in completion order. Shared with
/// the tasks, which may outlive an abandoned generator while they react to their cancellation.
template <class R>
class completion_queue {
 public:
  explicit completion_queue(std::size_t n) : outcomes_(new result_slot<R>[n]) { order_.reserve(n); }

  result_slot<R>& slot(std::size_t i) noexcept { return outcomes_[i]; }
  void arrived(std::size_t i) noexcept {
    order_.push_back(i);  // reserved: never allocates
    if (consumer_ != nullptr) std::exchange(consumer_, nullptr)->wake();
  }

  /// Waits for the next outcome to arrive; gives its index. A cancel_point of the consuming
  /// task.
  class next_awaiter : public inline_aware, private cancel_point {
   public:
    explicit next_awaiter(completion_queue& q) noexcept : cancel_point(&on_cancel), queue_(q) {}
    next_awaiter(const next_awaiter&) = delete;
    next_awaiter& operator=(const next_awaiter&) = delete;
    ~next_awaiter() {
      if (queue_.consumer_ == this) queue_.consumer_ = nullptr;
    }
    bool await_ready() {
      if (queue_.taken_ < queue_.order_.size()) {
        cancel_point::capture();
        return true;
      }
      engine_ = detail::bound_engine::require("as_completed");
      return cancel_point::take_pending();
    }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) noexcept {
      node_.waiting = h;
      if (resume_link* link = detail::link_of(h)) (void)detail::detach_chain(*link);
      queue_.consumer_ = this;
      cancel_point::enter();
    }
    std::size_t await_resume() {
      if (queue_.consumer_ == this) queue_.consumer_ = nullptr;
      cancel_point::resume();
      return queue_.order_[queue_.taken_++];
    }

   private:
    friend class completion_queue;
    static void on_cancel(cancel_point& point) noexcept {
      auto& self = static_cast<next_awaiter&>(point);
      self.cancelled = true;
      if (self.queue_.consumer_ == &self) {
        self.queue_.consumer_ = nullptr;
        self.wake();
      }
    }
    void wake() noexcept { engine_.wake(node_); }

    completion_queue& queue_;
    detail::bound_engine engine_;
    ready_node node_;
  };
  struct next_operation {
    completion_queue* queue;
    next_awaiter operator co_await() const noexcept { return next_awaiter(*queue); }
  };
  next_operation next() noexcept { return {this}; }

 private:
  std::unique_ptr<result_slot<R>[]> outcomes_;
  std::vector<std::size_t> order_;
  std::size_t taken_ = 0;
  next_awaiter* consumer_ = nullptr;
};

template <class R, class A>
task<> complete_into(A awaitable, std::shared_ptr<completion_queue<R>> queue, std::size_t i) {
  try {
    if constexpr (std::is_void_v<R>) {
      co_await std::move(awaitable);
      queue->slot(i).set_value();
    } else {
      queue->slot(i).set_value(co_await std::move(awaitable));
    }
  } catch (...) {
    queue->slot(i).set_exception(std::current_exception());
  }
  queue->arrived(i);
}

/// Cancels the tasks still running when the generator is abandoned.
struct cancel_on_exit {
  std::vector<task_handle<>> tasks;
  ~cancel_on_exit() {
    for (auto& t : tasks) (void)t.cancel();
  }
};

template <class R, class A>
async_generator<R> completions(std::vector<A> awaitables) {
  const std::size_t n = awaitables.size();
  auto queue = std::make_shared<completion_queue<R>>(n);
  cancel_on_exit running;
  running.tasks.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    running.tasks.push_back(
        dualiter::create_task(detail::complete_into<R, A>(std::move(awaitables[i]), queue, i)));
  }
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = co_await queue->next();
    co_yield detail::take_result(queue->slot(i));  // rethrows an exception, here
  }
}

template <class R, class A>
task<R> as_task(A awaitable) {
  co_return co_await std::move(awaitable);
}

}  // namespace detail

/// An async generator of the results of `awaitables`, in the order they complete; an exception
/// is thrown at the anext where it arrives. Python: `async for r in asyncio.as_completed(aws)`.
/// Each awaitable runs as a task of its own, created at the first anext; abandoning the
/// generator cancels those still running.
template <class A>
async_generator<detail::owned_result_t<await_result_t<A>>> as_completed(std::vector<A> awaitables) {
  static_assert(Awaitable<A>, "dualiter: as_completed needs a vector of awaitables");
  return detail::completions<detail::owned_result_t<await_result_t<A>>, A>(std::move(awaitables));
}

/// as_completed for a pack of awaitables, all with the same result type.
template <class A, class... B>
  requires(sizeof...(B) > 0)
auto as_completed(A&& first, B&&... rest) {
  using result = detail::owned_result_t<await_result_t<A>>;
  static_assert((std::is_same_v<result, detail::owned_result_t<await_result_t<B>>> && ...),
                "dualiter: as_completed of a pack needs awaitables with one result type. Fix: "
                "wrap them in tasks that return a common type");
  std::vector<task<result>> tasks;
  tasks.reserve(1 + sizeof...(B));
  tasks.push_back(detail::as_task<result>(static_cast<A&&>(first)));
  (tasks.push_back(detail::as_task<result>(static_cast<B&&>(rest))), ...);
  return dualiter::as_completed(std::move(tasks));
}

}  // namespace dualiter

#endif  // DUALITER_AS_COMPLETED_HPP

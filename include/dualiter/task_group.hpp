// dualiter::task_group — tasks that end together: the first failure cancels the rest.
// Python: asyncio.TaskGroup.
#ifndef DUALITER_TASK_GROUP_HPP
#define DUALITER_TASK_GROUP_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <cstddef>
#include <exception>
#include <stdexcept>
#include <utility>

#include <dualiter/cancellation.hpp>
#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/ready_queue.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/detail/task_state.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/task_handle.hpp>

namespace dualiter {

/// A set of tasks awaited together. Python: `async with asyncio.TaskGroup() as g:`, with
/// `co_await g.wait()` where the block ends.
///
/// The first task to fail (an exception other than cancelled_error) cancels the others; wait()
/// returns once every task has ended and then rethrows that first exception, unchanged.
/// Python raises an ExceptionGroup of all the failures instead; dualiter keeps the first and
/// counts the rest (other_failures()), since C++ has no exception groups. Cancelling the task
/// that awaits wait() cancels every member, waits for them, then throws cancelled_error (or
/// the first failure, if one came first).
///
/// The group allocates nothing beyond each task's frame. Destroying a group whose tasks are
/// still pending cancels them, but cannot wait for them, since a destructor cannot await:
/// their cleanup runs later on the loop, after the group is gone, and failures then are
/// reported as unretrieved exceptions. Await wait() before the group goes.
class task_group : private detail::task_observer {
 public:
  task_group() noexcept = default;
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;
  ~task_group() {
    while (first_ != nullptr) {
      detail::task_state_base& member = *first_;
      leave(member);
      (void)member.cancel();
    }
  }

  /// Runs `awaitable` as a member task. Python: g.create_task(coro). When the group has
  /// failed already, the new task is cancelled before it starts.
  template <class A>
  auto create_task(A&& awaitable) {
    auto handle = dualiter::create_task(static_cast<A&&>(awaitable));
    join(*handle.state_);
    if (first_error_) (void)handle.cancel();
    return handle;
  }

  /// How many member tasks have not ended yet.
  std::size_t pending() const noexcept { return pending_; }
  /// How many members failed after the first (whose exception wait() rethrows).
  std::size_t other_failures() const noexcept { return other_failures_; }

  class wait_awaiter : public detail::inline_aware, private detail::cancel_point {
   public:
    explicit wait_awaiter(task_group& group) noexcept : cancel_point(&on_cancel), group_(group) {}
    wait_awaiter(const wait_awaiter&) = delete;
    wait_awaiter& operator=(const wait_awaiter&) = delete;
    ~wait_awaiter() {
      if (group_.waiter_ == this) group_.waiter_ = nullptr;  // its frame was destroyed
    }
    bool await_ready() {
      if (group_.pending_ == 0) {
        cancel_point::capture();
        return true;
      }
      engine_ = detail::bound_engine::require("task_group::wait");
      if (group_.waiter_ != nullptr) {
        throw std::logic_error(
            "dualiter: task_group::wait is awaited already by another coroutine. Fix: await "
            "it once");
      }
      if (cancel_point::take_pending()) {  // waits all the same, as the members end
        cancelled = false;
        group_.cancelled_ = true;
        group_.cancel_all();
      }
      return false;
    }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) noexcept {
      node_.waiting = h;
      if (detail::resume_link* link = detail::link_of(h)) (void)detail::detach_chain(*link);
      group_.waiter_ = this;
      cancel_point::enter();
    }
    void await_resume() {
      if (group_.waiter_ == this) group_.waiter_ = nullptr;
      cancel_point::resume();
      if (group_.first_error_) std::rethrow_exception(group_.first_error_);
      if (group_.cancelled_) detail::throw_cancelled();
    }

   private:
    friend class task_group;
    static void on_cancel(cancel_point& point) noexcept {
      auto& self = static_cast<wait_awaiter&>(point);
      self.group_.cancelled_ = true;
      self.group_.cancel_all();  // the members end, and then this await throws
    }
    void wake() noexcept { engine_.wake(node_); }

    task_group& group_;
    detail::bound_engine engine_;
    detail::ready_node node_;
  };

  /// Waits until every member has ended; rethrows the first failure. Python: the end of the
  /// `async with` block.
  auto wait() noexcept {
    // A plain value; the awaiter, which the group points to while it waits, is made in place.
    struct operation {
      task_group* group;
      wait_awaiter operator co_await() const noexcept { return wait_awaiter(*group); }
    };
    return operation{this};
  }

 private:
  void join(detail::task_state_base& member) noexcept {
    member.observer = this;
    member.prev_member = nullptr;
    member.next_member = first_;
    if (first_ != nullptr) first_->prev_member = &member;
    first_ = &member;
    ++pending_;
  }
  void leave(detail::task_state_base& member) noexcept {
    if (member.prev_member != nullptr) {
      member.prev_member->next_member = member.next_member;
    } else {
      first_ = member.next_member;
    }
    if (member.next_member != nullptr) member.next_member->prev_member = member.prev_member;
    member.prev_member = member.next_member = nullptr;
    member.observer = nullptr;
    --pending_;
  }
  void cancel_all() noexcept {
    for (detail::task_state_base* m = first_; m != nullptr; m = m->next_member) (void)m->cancel();
  }

  void task_ended(detail::task_state_base& member) noexcept override {
    leave(member);
    member.mark_retrieved();
    const std::exception_ptr e = member.exception();
    if (e && !member.cancelled()) {
      if (!first_error_) {
        first_error_ = e;
        cancel_all();
      } else {
        ++other_failures_;
      }
    }
    if (pending_ == 0 && waiter_ != nullptr) {
      wait_awaiter* w = std::exchange(waiter_, nullptr);
      w->wake();
    }
  }

  detail::task_state_base* first_ = nullptr;
  wait_awaiter* waiter_ = nullptr;
  std::size_t pending_ = 0;
  std::size_t other_failures_ = 0;
  std::exception_ptr first_error_;
  bool cancelled_ = false;
};

}  // namespace dualiter

#endif  // DUALITER_TASK_GROUP_HPP

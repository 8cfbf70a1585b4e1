// The tasks an engine runs (create_task), so that when its run ends it can cancel those still
// pending and run them to their end, as asyncio.run does, and let go of any that cannot end.
#ifndef DUALITER_DETAIL_TASK_LIST_HPP
#define DUALITER_DETAIL_TASK_LIST_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

namespace dualiter::detail {

class task_list;

/// What an engine keeps of each task it runs: a node of its task_list, removed by the task
/// itself when it ends.
class task_record {
 public:
  task_record(const task_record&) = delete;
  task_record& operator=(const task_record&) = delete;

  /// Python: Task.cancel(), as asyncio.run calls it at its end.
  virtual void cancel_for_shutdown() noexcept = 0;
  /// The engine's run ended and the task cannot: the engine lets go of it (its frame is
  /// destroyed now, or when the last task_handle goes).
  virtual void orphan() noexcept = 0;

  bool listed() const noexcept { return next_ != nullptr; }
  void unlist() noexcept {
    if (!listed()) return;
    prev_->next_ = next_;
    next_->prev_ = prev_;
    prev_ = next_ = nullptr;
  }

 protected:
  task_record() noexcept = default;
  ~task_record() { unlist(); }

 private:
  friend class task_list;
  task_record* prev_ = nullptr;
  task_record* next_ = nullptr;
  bool shutdown_cancelled_ = false;
};

/// A circular list around a sentinel, as the ready queue.
class task_list {
 public:
  task_list() noexcept { head_.prev_ = head_.next_ = &head_; }
  task_list(const task_list&) = delete;
  task_list& operator=(const task_list&) = delete;
  ~task_list() { orphan_all(); }

  bool empty() const noexcept { return head_.next_ == &head_; }
  void push_back(task_record& task) noexcept {
    task.prev_ = head_.prev_;
    task.next_ = &head_;
    head_.prev_->next_ = &task;
    head_.prev_ = &task;
  }
  /// Cancels every task not cancelled by this before (those created since, during shutdown).
  [[gnu::noinline]] void cancel_all_once() noexcept {
    for (task_record* t = head_.next_; t != &head_; t = t->next_) {
      if (t->shutdown_cancelled_) continue;
      t->shutdown_cancelled_ = true;
      t->cancel_for_shutdown();
    }
  }
  [[gnu::noinline]] void orphan_all() noexcept {
    while (!empty()) {
      task_record& t = *head_.next_;
      t.unlist();
      t.orphan();
    }
  }

 private:
  struct sentinel final : task_record {
    void cancel_for_shutdown() noexcept override {}
    void orphan() noexcept override {}
  };
  sentinel head_;
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_TASK_LIST_HPP

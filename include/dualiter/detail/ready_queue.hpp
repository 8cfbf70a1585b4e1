// The event loop's ready queue: an intrusive FIFO whose nodes live in the suspended coroutines'
// awaiters.
#ifndef DUALITER_DETAIL_READY_QUEUE_HPP
#define DUALITER_DETAIL_READY_QUEUE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>

namespace dualiter::detail {

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

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_READY_QUEUE_HPP

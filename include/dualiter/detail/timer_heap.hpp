// The event loop's timers: a binary min-heap of nodes that live in the sleeping coroutines'
// awaiters, so a destroyed frame leaves the heap at once.
#ifndef DUALITER_DETAIL_TIMER_HEAP_HPP
#define DUALITER_DETAIL_TIMER_HEAP_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <dualiter/detail/ready_queue.hpp>

namespace dualiter::detail {

class timer_heap;

/// A sleeping coroutine: a ready_node that waits in the timer heap until its deadline.
class timer_node : public ready_node {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  timer_node() noexcept = default;
  ~timer_node();

  time_point deadline{};

  /// In the heap, waiting for its deadline.
  bool armed() const noexcept { return heap_ != nullptr; }
  /// Leaves the heap before the deadline (a cancelled sleep).
  void disarm() noexcept;

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

inline void timer_node::disarm() noexcept {
  if (heap_ != nullptr) heap_->erase(*this);
}

inline timer_node::~timer_node() {
  disarm();
}

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_TIMER_HEAP_HPP

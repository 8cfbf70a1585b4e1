// A FIFO in one growing array (dualiter::queue's storage): no allocation per element, only when
// it grows, by doubling.
#ifndef DUALITER_DETAIL_RING_BUFFER_HPP
#define DUALITER_DETAIL_RING_BUFFER_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace dualiter::detail {

/// A circular buffer of T whose capacity is a power of two (so that an index wraps with a mask).
template <class T>
class ring_buffer {
 public:
  ring_buffer() noexcept = default;
  ring_buffer(const ring_buffer&) = delete;
  ring_buffer& operator=(const ring_buffer&) = delete;
  ~ring_buffer() {
    clear();
    if (data_ != nullptr) std::allocator<T>().deallocate(data_, capacity_);
  }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T& front() noexcept { return data_[head_]; }

  /// Strong guarantee: if growing or constructing throws, nothing changed but the capacity;
  /// except, as for std::vector, when growing moves a T that can throw while moving and cannot
  /// be copied: the items stay, in order, but those moved before the throw are moved-from.
  template <class... Args>
  void emplace_back(Args&&... args) {
    if (size_ == capacity_) grow();
    ::new (static_cast<void*>(data_ + ((head_ + size_) & (capacity_ - 1))))
        T(static_cast<Args&&>(args)...);
    ++size_;
  }
  void pop_front() noexcept {
    data_[head_].~T();
    head_ = (head_ + 1) & (capacity_ - 1);
    --size_;
  }
  void clear() noexcept {
    while (size_ != 0) pop_front();
  }

 private:
  void grow() {
    const std::size_t capacity = capacity_ == 0 ? 8 : capacity_ * 2;
    T* const data = std::allocator<T>().allocate(capacity);  // throws for an absurd size
    std::size_t moved = 0;
    try {
      for (; moved < size_; ++moved) {
        ::new (static_cast<void*>(data + moved))
            T(std::move_if_noexcept(data_[(head_ + moved) & (capacity_ - 1)]));
      }
    } catch (...) {
      while (moved != 0) data[--moved].~T();
      std::allocator<T>().deallocate(data, capacity);
      throw;
    }
    const std::size_t count = size_;
    clear();
    if (data_ != nullptr) std::allocator<T>().deallocate(data_, capacity_);
    data_ = data;
    capacity_ = capacity;
    head_ = 0;
    size_ = count;
  }

  T* data_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_RING_BUFFER_HPP

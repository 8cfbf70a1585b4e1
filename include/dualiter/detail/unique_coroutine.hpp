// Sole ownership of a coroutine frame: what every dualiter coroutine type holds.
#ifndef DUALITER_DETAIL_UNIQUE_COROUTINE_HPP
#define DUALITER_DETAIL_UNIQUE_COROUTINE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <utility>

namespace dualiter::detail {

/// Like std::unique_ptr for a coroutine frame: move-only; destroys the frame, wherever it is
/// suspended, when it goes.
template <class Promise>
class unique_coroutine {
 public:
  unique_coroutine() noexcept = default;
  explicit unique_coroutine(std::coroutine_handle<Promise> h) noexcept : handle_(h) {}
  unique_coroutine(unique_coroutine&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  unique_coroutine& operator=(unique_coroutine other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  ~unique_coroutine() {
    if (handle_) handle_.destroy();
  }

  std::coroutine_handle<Promise> get() const noexcept { return handle_; }
  explicit operator bool() const noexcept { return static_cast<bool>(handle_); }

 private:
  std::coroutine_handle<Promise> handle_;
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_UNIQUE_COROUTINE_HPP

// Where a coroutine leaves its outcome: a value, a reference, nothing (void), or an exception.
// Shared by task, sync_wait and gather.
#ifndef DUALITER_DETAIL_RESULT_SLOT_HPP
#define DUALITER_DETAIL_RESULT_SLOT_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace dualiter::detail {

/// Thrown when a result is read before anything was stored: awaiting a moved-from task, say.
struct no_result : std::logic_error {
  no_result() : std::logic_error("dualiter: no result: the coroutine did not run to completion") {}
  explicit no_result(const char* what) : std::logic_error(what) {}
};

template <class T>
class result_slot {
 public:
  result_slot() noexcept {}
  result_slot(const result_slot&) = delete;
  result_slot& operator=(const result_slot&) = delete;
  ~result_slot() { clear(); }

  template <class U>
  void set_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    ::new (static_cast<void*>(std::addressof(value_))) stored(static_cast<U&&>(value));
    state_ = state::value;
  }
  void set_exception(std::exception_ptr e) noexcept {
    ::new (static_cast<void*>(std::addressof(exception_))) std::exception_ptr(std::move(e));
    state_ = state::exception;
  }

  bool has_outcome() const noexcept { return state_ != state::empty; }
  /// The stored exception, or null.
  std::exception_ptr exception() const noexcept {
    return state_ == state::exception ? exception_ : nullptr;
  }
  /// True once the value was moved out by get() &&.
  bool taken() const noexcept { return state_ == state::taken; }

  /// The stored value, or the stored exception rethrown.
  T& get() & {
    check();
    return value_;
  }
  /// Moves the value out; afterwards taken() is true and get() throws no_result. The value is
  /// the caller's now, so a const T comes out as a plain one.
  std::remove_const_t<T> get() && {
    check();
    state_ = state::taken;
    return std::move(value_);
  }

 private:
  enum class state : unsigned char { empty, value, taken, exception };

  void check() const {
    if (state_ == state::exception) std::rethrow_exception(exception_);
    if (state_ != state::value) throw no_result();
  }
  // Compiler workaround (GCC 12 at -O3: -Wmaybe-uninitialized on the union member behind an if
  // chain; a switch over the state keeps it quiet).
  void clear() noexcept {
    switch (state_) {
      case state::value:
      case state::taken:
        value_.~stored();
        break;
      case state::exception:
        exception_.~exception_ptr();
        break;
      case state::empty:
        break;
    }
    state_ = state::empty;
  }

  // Stored without const (task<const T>), so that the rvalue path can move it out; handed out
  // as T& (so const) everywhere else.
  using stored = std::remove_const_t<T>;
  union {
    stored value_;
    std::exception_ptr exception_;
  };
  state state_ = state::empty;
};

/// References are stored as pointers: the slot hands back the very object.
template <class T>
  requires std::is_reference_v<T>
class result_slot<T> {
 public:
  void set_value(T value) noexcept { value_ = std::addressof(value); }
  void set_exception(std::exception_ptr e) noexcept { exception_ = std::move(e); }
  bool has_outcome() const noexcept { return value_ != nullptr || exception_; }
  std::exception_ptr exception() const noexcept { return exception_; }
  bool taken() const noexcept { return false; }  // handing a reference out again is harmless
  T get() const {
    if (exception_) std::rethrow_exception(exception_);
    if (value_ == nullptr) throw no_result();
    return static_cast<T>(*value_);
  }

 private:
  std::remove_reference_t<T>* value_ = nullptr;
  std::exception_ptr exception_;
};

template <>
class result_slot<void> {
 public:
  void set_value() noexcept { done_ = true; }
  void set_exception(std::exception_ptr e) noexcept { exception_ = std::move(e); }
  bool has_outcome() const noexcept { return done_ || exception_; }
  std::exception_ptr exception() const noexcept { return exception_; }
  bool taken() const noexcept { return false; }
  void get() const {
    if (exception_) std::rethrow_exception(exception_);
    if (!done_) throw no_result();
  }

 private:
  bool done_ = false;
  std::exception_ptr exception_;
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_RESULT_SLOT_HPP

// dualiter::anext_result — what `co_await anext(it)` gives on dualiter's own async iterators.
// Protocol vocabulary, kept apart from async_generator so that an adapter can use it without
// pulling in a coroutine type.
#ifndef DUALITER_ANEXT_RESULT_HPP
#define DUALITER_ANEXT_RESULT_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <type_traits>

namespace dualiter {

/// The result of `co_await anext(it)` on dualiter's async iterators: empty at the end, else
/// `*r` is the element (a reference to the yielded object, valid until the next anext).
/// Python: the value of `await anext(it)`, with StopAsyncIteration as the empty state.
template <class Ref>
class anext_result {
 public:
  using reference = Ref;
  using pointer = std::add_pointer_t<std::remove_reference_t<Ref>>;

  anext_result() noexcept = default;
  explicit anext_result(pointer element) noexcept : element_(element) {}

  explicit operator bool() const noexcept { return element_ != nullptr; }
  bool has_value() const noexcept { return element_ != nullptr; }
  Ref operator*() const noexcept { return static_cast<Ref>(*element_); }
  pointer operator->() const noexcept { return element_; }

 private:
  pointer element_ = nullptr;
};

}  // namespace dualiter

#endif  // DUALITER_ANEXT_RESULT_HPP

// The element types of generator<Ref, V> and async_generator<Ref, V>, as C++23's
// std::generator defines them, and the one way both hand a yielded lvalue out by copy.
#ifndef DUALITER_DETAIL_ELEMENT_TYPES_HPP
#define DUALITER_DETAIL_ELEMENT_TYPES_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <concepts>
#include <coroutine>
#include <memory>
#include <type_traits>

namespace dualiter::detail {

/// generator<int>: value int, reference int&& (elements are moved out, never copied), yields
/// int&&. generator<const std::string&>: value std::string, reference and yielded
/// const std::string& (no copies at all). generator<Ref, V>: value V, reference Ref.
template <class Ref, class V>
struct element_types {
  using value = std::conditional_t<std::is_void_v<V>, std::remove_cvref_t<Ref>, V>;
  using reference = std::conditional_t<std::is_void_v<V>, Ref&&, Ref>;
  using yielded = std::conditional_t<std::is_reference_v<reference>, reference, const reference&>;

  static_assert(std::is_same_v<value, std::remove_cvref_t<value>>,
                "dualiter: the value type of a generator must be a cv-unqualified object type");
};

/// Yielded is an rvalue reference, so `co_yield lvalue` must copy (see copied_yield).
template <class Yielded>
concept copies_lvalues =
    std::is_rvalue_reference_v<Yielded> &&
    std::constructible_from<std::remove_cvref_t<Yielded>, const std::remove_reference_t<Yielded>&>;

/// `co_yield e` compiles for an expression of type E: it binds to Yielded, or it is an lvalue
/// that copied_yield copies (see copies_lvalues).
template <class E, class Yielded>
concept yieldable =
    std::convertible_to<E, Yielded> ||
    (copies_lvalues<Yielded> && std::convertible_to<E, const std::remove_reference_t<Yielded>&>);

/// `co_yield lvalue` where the generator yields rvalue references: the awaiter keeps a copy in
/// the suspended frame and hands out a reference to it, valid until the next resumption.
/// Suspend is the promise's own yield awaiter; Promise::publish(pointer) records the element.
template <class Value, class Suspend>
struct copied_yield : Suspend {
  Value copy;

  template <class Promise>
  auto await_suspend(std::coroutine_handle<Promise> h) noexcept {
    // The address is taken here, not when the awaiter was made: only now does it sit in the frame.
    h.promise().publish(std::addressof(copy));
    return Suspend::await_suspend(h);
  }
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_ELEMENT_TYPES_HPP

// What begin() returns where a plain for loop must stop at one static_assert: an async_generator,
// or a range_from_iter class without iter().
#ifndef DUALITER_DETAIL_NOT_AN_ITERATOR_HPP
#define DUALITER_DETAIL_NOT_AN_ITERATOR_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <iterator>

namespace dualiter::detail {

/// Not an iterator (so SyncIterable stays false), but with just enough operators that a
/// range-for over it compiles past begin(), leaving begin()'s static_assert the only error.
struct not_an_iterator {
  friend bool operator!=(not_an_iterator, not_an_iterator) noexcept { return false; }
  friend bool operator!=(not_an_iterator, std::default_sentinel_t) noexcept { return false; }
  not_an_iterator& operator++() noexcept { return *this; }
  int operator*() const noexcept { return 0; }
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_NOT_AN_ITERATOR_HPP

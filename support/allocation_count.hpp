// The count of heap allocations that counting_new.hpp's operator new keeps. Apart from it so
// that the other translation units of a binary can read the count: operator new is replaced in
// exactly one.
#ifndef DUALITER_SUPPORT_ALLOCATION_COUNT_HPP
#define DUALITER_SUPPORT_ALLOCATION_COUNT_HPP

#include <atomic>

namespace dualiter::testing {
inline std::atomic<long> allocations{0};

/// Allocations made while it lives.
class allocation_scope {
 public:
  allocation_scope() noexcept : start_(allocations.load()) {}
  long count() const noexcept { return allocations.load() - start_; }

 private:
  long start_;
};
}  // namespace dualiter::testing

#endif  // DUALITER_SUPPORT_ALLOCATION_COUNT_HPP

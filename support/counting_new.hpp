// Replaces the global operator new of the binary that includes it (a test or a benchmark;
// include it in exactly one translation unit) so that it can count heap allocations. The
// replacements are dualiter's own (detail/allocation_counter.hpp), the ones users get from
// DUALITER_BENCHMARK_COUNT_ALLOCATIONS(): one implementation, tested by every test that counts.
#ifndef DUALITER_SUPPORT_COUNTING_NEW_HPP
#define DUALITER_SUPPORT_COUNTING_NEW_HPP

#include <dualiter/detail/allocation_counter.hpp>

namespace dualiter::testing {
using dualiter::detail::allocation_counter::allocations;

/// Allocations made while it lives.
class allocation_scope {
 public:
  allocation_scope() noexcept : start_(allocations.load()) {}
  long count() const noexcept { return allocations.load() - start_; }

 private:
  long start_;
};
}  // namespace dualiter::testing

DUALITER_DETAIL_DEFINE_COUNTING_NEW();

#endif  // DUALITER_SUPPORT_COUNTING_NEW_HPP

// Replaces the global operator new of the binary that includes it (a test or a benchmark;
// include it in exactly one translation unit) so that it can count heap allocations.
#ifndef DUALITER_SUPPORT_COUNTING_NEW_HPP
#define DUALITER_SUPPORT_COUNTING_NEW_HPP

#include <cstdlib>
#include <new>

#include "allocation_count.hpp"

// GCC at -O3 inlines these into callers, sees malloc's pointer reach free through `new` and
// `delete`, and warns of a mismatch that is in fact a matched replacement pair.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  dualiter::testing::allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) {
  return ::operator new(size);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

#endif  // DUALITER_SUPPORT_COUNTING_NEW_HPP

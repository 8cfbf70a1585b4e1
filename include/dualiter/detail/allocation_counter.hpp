// Counting heap allocations: the counter, and the replacement operator new/delete that feed it.
//
// One implementation serves dualiter::benchmark (DUALITER_BENCHMARK_COUNT_ALLOCATIONS) and the
// project's own tests and benchmark (support/counting_new.hpp). The replacements are global
// functions a program may define once only, so they come as a macro the program expands in
// exactly one translation unit; `installed` says at run time whether any translation unit did,
// so a reader of the counter can tell "no allocations" from "not counting".
#ifndef DUALITER_DETAIL_ALLOCATION_COUNTER_HPP
#define DUALITER_DETAIL_ALLOCATION_COUNTER_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace dualiter::detail::allocation_counter {

/// Calls of the replacement operator new (every form) since the program started.
inline std::atomic<long> allocations{0};

/// True once DUALITER_DETAIL_DEFINE_COUNTING_NEW's translation unit has been initialised.
inline std::atomic<bool> installed{false};

inline bool install() noexcept {
  installed.store(true, std::memory_order_relaxed);
  return true;
}

inline void* allocate(std::size_t size) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

inline void* allocate(std::size_t size, std::align_val_t alignment) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  const auto align = static_cast<std::size_t>(alignment);
  // aligned_alloc wants a size that is a multiple of the alignment.
  const std::size_t rounded = (size == 0 ? align : (size + align - 1) / align * align);
  if (void* p = std::aligned_alloc(align, rounded)) return p;
  throw std::bad_alloc();
}

}  // namespace dualiter::detail::allocation_counter

// GCC at -O3 inlines the replacements into callers, sees malloc's pointer reach free through
// `new` and `delete`, and warns of a mismatch that is in fact a matched replacement pair
// (-Wmismatched-new-delete). The warning is given where the inlined code lands, anywhere in the
// translation unit, so it stays off for the rest of it.
#if defined(__GNUC__) && !defined(__clang__)
#define DUALITER_DETAIL_IGNORE_MISMATCHED_NEW_DELETE \
  _Pragma("GCC diagnostic ignored \"-Wmismatched-new-delete\"")
#else
#define DUALITER_DETAIL_IGNORE_MISMATCHED_NEW_DELETE
#endif

/// Defines the replacement global operator new/delete (plain, array, sized, aligned) that count
/// into dualiter::detail::allocation_counter::allocations. Expand it once per program, at global
/// scope: a second expansion is a link error that, among the duplicate operators, names
/// dualiter_count_allocations_expanded_in_more_than_one_translation_unit. The nothrow
/// forms need no replacement: the standard library's call the plain ones.
#define DUALITER_DETAIL_DEFINE_COUNTING_NEW()                                              \
  DUALITER_DETAIL_IGNORE_MISMATCHED_NEW_DELETE                                             \
  extern const bool dualiter_count_allocations_expanded_in_more_than_one_translation_unit; \
  const bool dualiter_count_allocations_expanded_in_more_than_one_translation_unit =       \
      ::dualiter::detail::allocation_counter::install();                                   \
  void* operator new(std::size_t size) {                                                   \
    return ::dualiter::detail::allocation_counter::allocate(size);                         \
  }                                                                                        \
  void* operator new[](std::size_t size) {                                                 \
    return ::dualiter::detail::allocation_counter::allocate(size);                         \
  }                                                                                        \
  void* operator new(std::size_t size, std::align_val_t alignment) {                       \
    return ::dualiter::detail::allocation_counter::allocate(size, alignment);              \
  }                                                                                        \
  void* operator new[](std::size_t size, std::align_val_t alignment) {                     \
    return ::dualiter::detail::allocation_counter::allocate(size, alignment);              \
  }                                                                                        \
  void operator delete(void* p) noexcept {                                                 \
    std::free(p);                                                                          \
  }                                                                                        \
  void operator delete[](void* p) noexcept {                                               \
    std::free(p);                                                                          \
  }                                                                                        \
  void operator delete(void* p, std::size_t) noexcept {                                    \
    std::free(p);                                                                          \
  }                                                                                        \
  void operator delete[](void* p, std::size_t) noexcept {                                  \
    std::free(p);                                                                          \
  }                                                                                        \
  void operator delete(void* p, std::align_val_t) noexcept {                               \
    std::free(p);                                                                          \
  }                                                                                        \
  void operator delete[](void* p, std::align_val_t) noexcept {                             \
    std::free(p);                                                                          \
  }                                                                                        \
  void operator delete(void* p, std::size_t, std::align_val_t) noexcept {                  \
    std::free(p);                                                                          \
  }                                                                                        \
  void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {                \
    std::free(p);                                                                          \
  }                                                                                        \
  static_assert(true, "a semicolon after the macro ends this declaration")

#endif  // DUALITER_DETAIL_ALLOCATION_COUNTER_HPP

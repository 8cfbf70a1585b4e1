// What kind of build the tests run in, for the few tests whose limits depend on it: the
// depth that symmetric transfer reaches is unbounded only where it is a tail call.
#ifndef DUALITER_TESTS_SUPPORT_BUILD_FLAVOUR_HPP
#define DUALITER_TESTS_SUPPORT_BUILD_FLAVOUR_HPP

namespace dualiter::testing {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool sanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(undefined_behavior_sanitizer)
inline constexpr bool sanitized = true;
#else
inline constexpr bool sanitized = false;
#endif
#else
inline constexpr bool sanitized = false;
#endif

#ifdef __OPTIMIZE__
inline constexpr bool optimized = true;
#else
inline constexpr bool optimized = false;
#endif

/// Symmetric transfer is a tail call: optimised and not instrumented.
inline constexpr bool transfers_are_tail_calls = optimized && !sanitized;

}  // namespace dualiter::testing

#endif  // DUALITER_TESTS_SUPPORT_BUILD_FLAVOUR_HPP

// What dualiter needs from the compiler, checked before any other header is included: below
// C++20, or without coroutines, a user gets one error of dualiter's own saying what to do, instead
// of the hundreds of lines <coroutine> and the coroutine types would cause (GCC 12 with
// -std=c++17 printed 1,911).
//
// Every dualiter header includes this one first. The error has to be fatal, or the compiler would
// go on into <coroutine> and the user's co_await and bury it: GCC has no fatal diagnostic a header
// can raise except a missing include, so the message is the name of a header that does not exist.
// Clang can make a #pragma message fatal, which reads better; the include stays behind it for
// builds with -w, which silence the pragma.
#ifndef DUALITER_DETAIL_CONFIG_HPP
#define DUALITER_DETAIL_CONFIG_HPP

#if __cplusplus < 202002L || !defined(__cpp_impl_coroutine)
#if defined(__clang__)
#pragma clang diagnostic fatal "-W#pragma-messages"
#pragma message( \
    "dualiter needs C++20 or newer with coroutines: compile with -std=c++20 (Meson: project(..., default_options: ['cpp_std=c++20']))")
#endif
#include <dualiter needs C++20 or newer with coroutines: compile with -std=c++20 (Meson: project(..., default_options: ['cpp_std=c++20']))>
#endif

// The few functions every element passes through are inlined whatever the optimiser's budget
// for the translation unit has left (GCC's inline-unit-growth): without this, a large source
// file that uses dualiter's async types makes every element some 15 instructions dearer, and
// which file is "large" is an accident of what else it contains. Only when optimising, so
// that -O0 keeps these frames for the debugger.
#if defined(__OPTIMIZE__)
#define DUALITER_HOT [[gnu::always_inline]] inline
#else
#define DUALITER_HOT inline
#endif

#endif  // DUALITER_DETAIL_CONFIG_HPP

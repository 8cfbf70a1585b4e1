// dualiter on standalone Asio (Debian: libasio-dev, Asio 1.22; namespace ::asio): spawn,
// use_awaitable, lines, in namespace dualiter::asio. Optional: no core header includes it.
//
// Include it before any Asio header: Asio 1.22 enables its coroutine support (asio::awaitable,
// asio::use_awaitable) only for GCC, and Clang 14 with -std=c++20 needs ASIO_HAS_CO_AWAIT and
// ASIO_HAS_STD_COROUTINE defined before Asio is first included; this header defines them. A
// translation unit that includes Asio first must define them itself (-DASIO_HAS_CO_AWAIT
// -DASIO_HAS_STD_COROUTINE), or this header stops with an error that says so.
#ifndef DUALITER_ASIO_HPP
#define DUALITER_ASIO_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <utility>  // first, too: what the checks below ask of the standard library

#if defined(__clang__)
#if defined(ASIO_VERSION) && !defined(ASIO_HAS_CO_AWAIT)
#error \
    "dualiter/asio.hpp: Asio was included first, without coroutine support (Clang). Fix: include <dualiter/asio.hpp> before any Asio header, or define ASIO_HAS_CO_AWAIT and ASIO_HAS_STD_COROUTINE (-D) for the whole translation unit"
#endif
#ifndef ASIO_HAS_CO_AWAIT
#define ASIO_HAS_CO_AWAIT 1
#endif
#ifndef ASIO_HAS_STD_COROUTINE
#define ASIO_HAS_STD_COROUTINE 1
#endif
#endif

#include <asio/any_io_executor.hpp>
#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/basic_waitable_timer.hpp>
#include <asio/buffer.hpp>
#include <asio/defer.hpp>
#include <asio/dispatch.hpp>
#include <asio/error.hpp>
#include <asio/execution.hpp>
#include <asio/execution_context.hpp>
#include <asio/is_executor.hpp>
#include <asio/post.hpp>
#include <asio/prefer.hpp>
#include <asio/steady_timer.hpp>
#include <asio/system_executor.hpp>
#include <asio/thread_pool.hpp>
#include <asio/version.hpp>
// Per-operation cancellation (a cancellation slot bound to the handler) came with Asio 1.19.
#if ASIO_VERSION >= 101900
#include <asio/associated_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#define DUALITER_ASIO_CANCELLATION 1
#else
#define DUALITER_ASIO_CANCELLATION 0
#endif

#include <dualiter/detail/asio_includes.hpp>

#define DUALITER_ASIO_NET ::asio
#define DUALITER_ASIO_NET_NAMESPACE asio
#define DUALITER_ASIO_FLAVOUR standalone_asio
#define DUALITER_ASIO_ERROR_CODE std::error_code
#define DUALITER_ASIO_SYSTEM_ERROR std::system_error
#include <dualiter/detail/asio_engine.ipp>
#undef DUALITER_ASIO_NET
#undef DUALITER_ASIO_NET_NAMESPACE
#undef DUALITER_ASIO_FLAVOUR
#undef DUALITER_ASIO_ERROR_CODE
#undef DUALITER_ASIO_SYSTEM_ERROR
#undef DUALITER_ASIO_CANCELLATION

#endif  // DUALITER_ASIO_HPP

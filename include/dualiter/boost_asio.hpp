// dualiter on Boost.Asio (Debian: libboost-dev, Boost 1.74; namespace ::boost::asio): spawn,
// use_awaitable, lines, in namespace dualiter::asio, exactly as <dualiter/asio.hpp> for
// standalone Asio. Optional: no core header includes it. For libstdc++ builds: Boost 1.74's
// Asio does not compile with libc++ 19.
//
// Include it before any Boost.Asio header: Clang 14 with -std=c++20 needs
// BOOST_ASIO_HAS_CO_AWAIT and BOOST_ASIO_HAS_STD_COROUTINE defined before Boost.Asio is first
// included, and Boost 1.74's awaitable.hpp uses std::exchange without including <utility>
// (GCC 12 rejects it); this header sees to both. A translation unit that includes Boost.Asio
// first must define them itself (-DBOOST_ASIO_HAS_CO_AWAIT -DBOOST_ASIO_HAS_STD_COROUTINE, and
// #include <utility> first), or this header stops with an error that says so.
#ifndef DUALITER_BOOST_ASIO_HPP
#define DUALITER_BOOST_ASIO_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <utility>  // before boost/asio/awaitable.hpp, which needs it (Boost 1.74, GCC 12)

#if defined(__clang__)
#if defined(BOOST_ASIO_VERSION) && !defined(BOOST_ASIO_HAS_CO_AWAIT)
#error \
    "dualiter/boost_asio.hpp: Boost.Asio was included first, without coroutine support (Clang). Fix: include <dualiter/boost_asio.hpp> before any Boost.Asio header, or define BOOST_ASIO_HAS_CO_AWAIT and BOOST_ASIO_HAS_STD_COROUTINE (-D) for the whole translation unit"
#endif
#ifndef BOOST_ASIO_HAS_CO_AWAIT
#define BOOST_ASIO_HAS_CO_AWAIT 1
#endif
#ifndef BOOST_ASIO_HAS_STD_COROUTINE
#define BOOST_ASIO_HAS_STD_COROUTINE 1
#endif
#endif

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/basic_waitable_timer.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/is_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_executor.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/version.hpp>
#include <boost/system/system_error.hpp>
// Per-operation cancellation (a cancellation slot bound to the handler) came with Asio 1.19.
#if BOOST_ASIO_VERSION >= 101900
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#define DUALITER_ASIO_CANCELLATION 1
#else
#define DUALITER_ASIO_CANCELLATION 0
#endif

#include <dualiter/detail/asio_includes.hpp>

#define DUALITER_ASIO_NET ::boost::asio
#define DUALITER_ASIO_NET_NAMESPACE boost::asio
#define DUALITER_ASIO_FLAVOUR boost_asio
#define DUALITER_ASIO_ERROR_CODE ::boost::system::error_code
#define DUALITER_ASIO_SYSTEM_ERROR ::boost::system::system_error
#include <dualiter/detail/asio_engine.ipp>
#undef DUALITER_ASIO_NET
#undef DUALITER_ASIO_NET_NAMESPACE
#undef DUALITER_ASIO_FLAVOUR
#undef DUALITER_ASIO_ERROR_CODE
#undef DUALITER_ASIO_SYSTEM_ERROR
#undef DUALITER_ASIO_CANCELLATION

#endif  // DUALITER_BOOST_ASIO_HPP

// dualiter::cancelled_error, dualiter::timeout_error — what a cancelled or timed-out await
// throws. Python: asyncio.CancelledError, TimeoutError.
#ifndef DUALITER_CANCELLATION_HPP
#define DUALITER_CANCELLATION_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <exception>
#include <stdexcept>

namespace dualiter {

/// Thrown inside a cancelled task at the await where it is suspended (sleep_for, sleep_until,
/// yield_now, gather, awaiting a task_handle, an anext that waits on those), and by awaiting the
/// handle of a task that ended cancelled. Python: asyncio.CancelledError.
///
/// Deliberately not a std::exception: Python 3.8 made CancelledError a BaseException so that
/// `except Exception:` cleanup code does not swallow a cancellation by accident; in C++,
/// `catch (const std::exception&)` is that handler, so a cancellation passes through it and only
/// `catch (const dualiter::cancelled_error&)` or `catch (...)` stops it. A task may catch it,
/// `co_await` its cleanup after the handler, and rethrow it (`throw;` inside the handler, or a
/// stored std::exception_ptr afterwards).
class cancelled_error {
 public:
  const char* what() const noexcept {
    return "dualiter: the task was cancelled (Python: asyncio.CancelledError)";
  }
};

/// Thrown by wait_for when the awaitable did not finish in time; the awaitable was cancelled and
/// has finished reacting by then. Python: TimeoutError (asyncio.TimeoutError before 3.11).
class timeout_error : public std::runtime_error {
 public:
  timeout_error() : std::runtime_error("dualiter: wait_for timed out (Python: TimeoutError)") {}
};

namespace detail {
/// True when `e` holds a cancelled_error.
inline bool is_cancellation(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const cancelled_error&) {
    return true;
  } catch (...) {
    return false;
  }
}
}  // namespace detail

}  // namespace dualiter

#endif  // DUALITER_CANCELLATION_HPP

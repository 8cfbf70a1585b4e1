// What the tests of the loop's primitives (event, queue, lock, semaphore) await to let the
// coroutines they woke run: a few turns of the loop.
#ifndef DUALITER_TESTS_SUPPORT_SETTLE_HPP
#define DUALITER_TESTS_SUPPORT_SETTLE_HPP

#include <dualiter/event_loop.hpp>
#include <dualiter/task.hpp>

namespace dualiter::testing {

/// Lets every coroutine scheduled so far run, and those they schedule, a few levels deep: a
/// primitive wakes its waiters through the ready queue, never inline.
inline dualiter::task<> settle() {
  for (int i = 0; i < 4; ++i) co_await dualiter::yield_now();
}

}  // namespace dualiter::testing

#endif  // DUALITER_TESTS_SUPPORT_SETTLE_HPP

// Everything dualiter offers, in one include.
#ifndef DUALITER_DUALITER_HPP
#define DUALITER_DUALITER_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <dualiter/adapters.hpp>
#include <dualiter/algorithm.hpp>
#include <dualiter/anext_result.hpp>
#include <dualiter/as_completed.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/cancellation.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/event.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/lock.hpp>
#include <dualiter/queue.hpp>
#include <dualiter/semaphore.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>
#include <dualiter/task_group.hpp>
#include <dualiter/task_handle.hpp>
#include <dualiter/views.hpp>
#include <dualiter/wait_for.hpp>

#endif  // DUALITER_DUALITER_HPP

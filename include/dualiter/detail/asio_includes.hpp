// What detail/asio_engine.ipp uses besides Asio: the standard library and dualiter's core.
#ifndef DUALITER_DETAIL_ASIO_INCLUDES_HPP
#define DUALITER_DETAIL_ASIO_INCLUDES_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <algorithm>
#include <atomic>
#include <chrono>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>

#include <dualiter/async_generator.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/current_loop.hpp>
#include <dualiter/detail/driver.hpp>
#include <dualiter/detail/ready_queue.hpp>
#include <dualiter/detail/remote_queue.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/detail/task_context.hpp>
#include <dualiter/detail/task_list.hpp>
#include <dualiter/detail/timer_heap.hpp>

#endif  // DUALITER_DETAIL_ASIO_INCLUDES_HPP

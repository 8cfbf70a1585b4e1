// Which event loop, if any, runs on this thread. Kept apart from event_loop.hpp so that
// sync_wait can hide the loop without depending on it (see sync_wait).
#ifndef DUALITER_DETAIL_CURRENT_LOOP_HPP
#define DUALITER_DETAIL_CURRENT_LOOP_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <utility>

namespace dualiter {
class event_loop;
}

namespace dualiter::detail {

inline thread_local event_loop* current_loop = nullptr;

/// While alive, this thread has no running loop; the previous one is restored afterwards.
class hide_current_loop {
 public:
  hide_current_loop() noexcept : saved_(std::exchange(current_loop, nullptr)) {}
  hide_current_loop(const hide_current_loop&) = delete;
  hide_current_loop& operator=(const hide_current_loop&) = delete;
  ~hide_current_loop() { current_loop = saved_; }

 private:
  event_loop* saved_;
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_CURRENT_LOOP_HPP

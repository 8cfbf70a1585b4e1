// Measures how far the stack reaches across many calls, to prove that loops of synchronous
// completions keep it flat.
#ifndef DUALITER_TESTS_SUPPORT_STACK_DEPTH_HPP
#define DUALITER_TESTS_SUPPORT_STACK_DEPTH_HPP

#include <cstddef>
#include <cstdint>
#include <limits>

namespace dualiter::testing {

class stack_extent {
 public:
  /// Records where the stack is now; call it from the code whose depth matters.
  [[gnu::noinline]] void note() noexcept {
    // The frame address, not a local's: AddressSanitizer's use-after-return detection moves
    // locals to a separate heap of fake frames.
    const auto at = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
    if (at < lowest_) lowest_ = at;
    if (at > highest_) highest_ = at;
    ++notes_;
  }
  /// Bytes between the deepest and the shallowest point noted.
  std::size_t bytes() const noexcept { return notes_ == 0 ? 0 : highest_ - lowest_; }
  long notes() const noexcept { return notes_; }
  /// The deepest point noted (stacks grow down).
  std::uintptr_t deepest() const noexcept { return lowest_; }

 private:
  std::uintptr_t lowest_ = std::numeric_limits<std::uintptr_t>::max();
  std::uintptr_t highest_ = 0;
  long notes_ = 0;
};

}  // namespace dualiter::testing

#endif  // DUALITER_TESTS_SUPPORT_STACK_DEPTH_HPP

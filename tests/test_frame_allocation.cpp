// Where coroutine frames come from: the per-thread recycling cache by default, a caller's
// allocator when the coroutine's first parameters are std::allocator_arg, alloc.
#include <cstddef>
#include <memory>
#include <memory_resource>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/algorithm.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

// Beware: counting_new.hpp switches GCC's -Wmismatched-new-delete off for the rest of this file,
// so this file cannot show the GCC 12 warning that a user's std::allocator_arg coroutine gets at
// -O0 (frame_allocation.hpp says why, and what to do).
#include "counting_new.hpp"

using dualiter::detail::frame_cache;
using dualiter::detail::frame_cache_enabled;
using dualiter::testing::allocation_scope;

namespace {

/// A memory resource that counts what it hands out, from a fixed buffer: nothing it does
/// reaches the global operator new.
class counting_arena : public std::pmr::memory_resource {
 public:
  int allocations = 0;
  int deallocations = 0;

 private:
  void* do_allocate(std::size_t bytes, std::size_t alignment) override {
    ++allocations;
    return arena_.allocate(bytes, alignment);
  }
  void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override {
    ++deallocations;
    arena_.deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  alignas(std::max_align_t) std::byte buffer_[16 * 1024];
  std::pmr::monotonic_buffer_resource arena_{buffer_, sizeof buffer_,
                                             std::pmr::null_memory_resource()};
};

using arena_allocator = std::pmr::polymorphic_allocator<>;

// Made out of line and handed back, so that no optimiser can elide the frames.
[[gnu::noinline]] dualiter::generator<int> numbers(std::allocator_arg_t, arena_allocator, int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}

[[gnu::noinline]] dualiter::async_generator<int> async_numbers(std::allocator_arg_t,
                                                               arena_allocator, int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}

[[gnu::noinline]] dualiter::task<int> add(std::allocator_arg_t, arena_allocator, int a, int b) {
  co_return a + b;
}

[[gnu::noinline]] dualiter::task<int> sum_in_arena(std::allocator_arg_t, arena_allocator alloc,
                                                   int n) {
  int total = 0;
  for (int i = 0; i < n; ++i) total += co_await add(std::allocator_arg, alloc, total, i);
  auto g = async_numbers(std::allocator_arg, alloc, n);
  auto it = dualiter::aiter(g);
  while (auto x = co_await dualiter::anext(it)) total += *x;
  co_return total;
}

struct counter {
  int base;
  // A member coroutine: the object comes first, then std::allocator_arg, alloc.
  [[gnu::noinline]] dualiter::task<int> plus(std::allocator_arg_t, arena_allocator, int x) const {
    co_return base + x;
  }
};

[[gnu::noinline]] dualiter::task<int> answer() {
  co_return 42;
}

}  // namespace

TEST(frame_allocation, allocator_arg_puts_generator_frames_in_the_callers_arena) {
  counting_arena arena;
  allocation_scope global;
  int sum = 0;
  {
    auto g = numbers(std::allocator_arg, &arena, 5);
    for (int x : g) sum += x;
    EXPECT_EQ(arena.allocations, 1) << "the frame";
    EXPECT_EQ(arena.deallocations, 0) << "not before the generator is gone";
  }
  EXPECT_EQ(sum, 10);
  EXPECT_EQ(arena.deallocations, 1);
  EXPECT_EQ(global.count(), 0) << "nothing else allocates";
}

TEST(frame_allocation, allocator_arg_puts_task_and_async_generator_frames_in_the_arena) {
  counting_arena arena;
  allocation_scope global;
  const int n = 10;
  // The outer task's frame, one per awaited task, and the async generator's.
  const int result = dualiter::sync_wait(sum_in_arena(std::allocator_arg, &arena, n));
  int expected = 0;
  for (int i = 0; i < n; ++i) expected += expected + i;
  EXPECT_EQ(result, expected + n * (n - 1) / 2);
  EXPECT_EQ(arena.allocations, 1 + n + 1);
  EXPECT_EQ(arena.deallocations, arena.allocations) << "every frame given back";
  EXPECT_LE(global.count(), 1) << "at most sync_wait's own driver frame";
}

TEST(frame_allocation, a_member_coroutine_takes_the_allocator_after_the_object) {
  counting_arena arena;
  const counter c{40};
  EXPECT_EQ(dualiter::sync_wait(c.plus(std::allocator_arg, &arena, 2)), 42);
  EXPECT_EQ(arena.allocations, 1);
  EXPECT_EQ(arena.deallocations, 1);
}

TEST(frame_allocation, a_frame_made_again_comes_from_the_cache_not_operator_new) {
  static_cast<void>(dualiter::sync_wait(answer()));  // warm: this size class holds a block
  allocation_scope scope;
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(dualiter::sync_wait(answer()), 42);
  if constexpr (frame_cache_enabled) {
    EXPECT_EQ(scope.count(), 0) << "every frame after the first is a recycled block";
  } else {
    // Under AddressSanitizer every frame is fresh, so a use after destruction is reported.
    EXPECT_GE(scope.count(), 1000);
  }
}

TEST(frame_allocation, the_cache_keeps_a_bounded_number_of_blocks) {
  {
    std::vector<dualiter::task<int>> many;
    for (int i = 0; i < 1000; ++i) many.push_back(answer());
  }  // a thousand frames of one size freed at once
  if constexpr (frame_cache_enabled) {
    EXPECT_GT(frame_cache::cached_blocks(), 0u);
    EXPECT_LE(frame_cache::cached_blocks(),
              frame_cache::size_classes * frame_cache::max_free_per_class);
  } else {
    EXPECT_EQ(frame_cache::cached_blocks(), 0u);
  }
}

TEST(frame_allocation, a_frame_freed_on_another_thread_joins_that_threads_cache) {
  std::vector<dualiter::task<int>> made_here;
  for (int i = 0; i < 8; ++i) made_here.push_back(answer());
  std::size_t cached_there_before = 0;
  std::size_t cached_there_after = 0;
  std::thread([&] {
    cached_there_before = frame_cache::cached_blocks();
    made_here.clear();  // the frames die on this thread
    cached_there_after = frame_cache::cached_blocks();
  }).join();  // and its cache is emptied when it ends (no leak under LeakSanitizer)
  EXPECT_EQ(cached_there_before, 0u);
  EXPECT_EQ(cached_there_after, frame_cache_enabled ? 8u : 0u);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(dualiter::sync_wait(answer()), 42) << "still usable";
}

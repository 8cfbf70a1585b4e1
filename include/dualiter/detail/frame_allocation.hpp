// Where the frames of generator, async_generator and task come from.
//
// A coroutine frame lives as long as the coroutine, and most of dualiter's are short-lived and
// made again and again in a loop (a task awaited per element, a generator per row), so the
// global operator new/delete pair is most of what awaiting a task costs. By default, frames
// are recycled through a small per-thread cache: size classes of 64 bytes up to 1 KiB, at most
// 32 free blocks each; bigger frames, and frames freed when the class is full, go to the
// global operator delete. A frame freed on another thread than the one that made it joins the
// freeing thread's cache: blocks are plain operator new memory, any thread may reuse them.
//
// The cache is off under AddressSanitizer, so a use of a destroyed frame is still reported, and
// when DUALITER_NO_FRAME_CACHE is defined (define it the same in every translation unit).
//
// A coroutine whose first parameters are `std::allocator_arg_t, const Alloc&` (after the object
// for a member coroutine), as with C++23 std::generator, takes its frame from that allocator
// instead, a std::pmr::polymorphic_allocator say; the allocator is copied behind the frame, for
// the deallocation.
//
// GCC 12 at -O0 warns on such a coroutine that its frame's operator delete is "called on pointer
// returned from a mismatched allocation function" (-Wmismatched-new-delete): it pairs operator
// new and delete by mangled name, and a member template operator new never matches the sized
// operator delete a coroutine must use (the same false positive as for C++23 std::generator).
// The warning points at the user's coroutine, where no header can silence it: under GCC,
// disable -Wmismatched-new-delete around coroutines that take std::allocator_arg.
#ifndef DUALITER_DETAIL_FRAME_ALLOCATION_HPP
#define DUALITER_DETAIL_FRAME_ALLOCATION_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>

namespace dualiter::detail {

#if defined(DUALITER_NO_FRAME_CACHE) || defined(__SANITIZE_ADDRESS__)
inline constexpr bool frame_cache_enabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool frame_cache_enabled = false;
#else
inline constexpr bool frame_cache_enabled = true;
#endif
#else
inline constexpr bool frame_cache_enabled = true;
#endif

/// ::operator delete, sized where the compiler has sized deallocation (Clang before 19 needs
/// -fsized-deallocation for it).
inline void release_memory(void* p, [[maybe_unused]] std::size_t bytes) noexcept {
#if defined(__cpp_sized_deallocation)
  ::operator delete(p, bytes);
#else
  ::operator delete(p);
#endif
}

/// ::operator new, out of line: where GCC sees a pointer from ::operator new reach a frame's
/// class operator delete, it warns of a mismatch (-Wmismatched-new-delete) that is in fact
/// the pair this header makes.
[[gnu::noinline]] inline void* obtain_memory(std::size_t bytes) {
  return ::operator new(bytes);
}

/// The per-thread cache of frame-sized blocks.
class frame_cache {
 public:
  static constexpr std::size_t granule = 64;
  static constexpr std::size_t size_classes = 16;  // blocks of 64, 128, ..., 1024 bytes
  static constexpr unsigned max_free_per_class = 32;

  static void* allocate(std::size_t bytes) {
    if constexpr (frame_cache_enabled) {
      const std::size_t size_class = (bytes - 1) / granule;
      if (size_class < size_classes) {
        per_thread& cache = state;
        if (free_block* block = cache.heads[size_class]) {
          cache.heads[size_class] = block->next;
          --cache.counts[size_class];
          return block;
        }
        return detail::obtain_memory((size_class + 1) * granule);
      }
    }
    return detail::obtain_memory(bytes);
  }

  static void deallocate(void* p, std::size_t bytes) noexcept {
    if constexpr (frame_cache_enabled) {
      const std::size_t size_class = (bytes - 1) / granule;
      if (size_class < size_classes) {
        per_thread& cache = state;
        if (cache.counts[size_class] < max_free_per_class && !cache.thread_exiting) [[likely]] {
          if (!cache.cleanup_registered) [[unlikely]]
            register_cleanup();
          cache.heads[size_class] = ::new (p) free_block{cache.heads[size_class]};
          ++cache.counts[size_class];
          return;
        }
        detail::release_memory(p, (size_class + 1) * granule);
        return;
      }
    }
    detail::release_memory(p, bytes);
  }

  /// Blocks this thread's cache holds now (for tests).
  static std::size_t cached_blocks() noexcept {
    std::size_t n = 0;
    for (unsigned count : state.counts) n += count;
    return n;
  }

 private:
  struct free_block {
    free_block* next;
  };
  // Trivially destructible, so that reaching it costs no initialisation guard; the thread's
  // blocks are handed back by `cleanup` below, registered with the first cached block.
  struct per_thread {
    free_block* heads[size_classes];
    unsigned char counts[size_classes];
    bool cleanup_registered;
    bool thread_exiting;  // frames freed after the cleanup go straight back to operator delete
  };
  static inline constinit thread_local per_thread state{};

  struct cleanup {
    ~cleanup() {
      per_thread& cache = state;
      cache.thread_exiting = true;
      for (std::size_t c = 0; c < size_classes; ++c) {
        while (free_block* block = cache.heads[c]) {
          cache.heads[c] = block->next;
          detail::release_memory(block, (c + 1) * granule);
        }
        cache.counts[c] = 0;
      }
    }
  };

  [[gnu::noinline, gnu::cold]] static void register_cleanup() noexcept {
    static thread_local cleanup on_thread_exit;
    static_cast<void>(on_thread_exit);
    state.cleanup_registered = true;
  }
};

/// A base of every promise type of dualiter's coroutine types: their frames' operator new and
/// delete. Behind each frame sits the function that frees it: null for the cache, else one that
/// knows the allocator the frame came from (copied after that pointer).
class frame_allocation {
  using free_function = void (*)(void* frame, std::size_t size) noexcept;

  static constexpr std::size_t round_up(std::size_t n, std::size_t alignment) noexcept {
    return (n + alignment - 1) / alignment * alignment;
  }
  static constexpr std::size_t free_function_offset(std::size_t frame) noexcept {
    return round_up(frame, alignof(free_function));
  }
  static free_function& free_function_of(void* p, std::size_t frame) noexcept {
    return *std::launder(
        reinterpret_cast<free_function*>(static_cast<char*>(p) + free_function_offset(frame)));
  }

  // The unit allocators are asked for: aligned for any frame.
  struct alignas(__STDCPP_DEFAULT_NEW_ALIGNMENT__) frame_unit {
    unsigned char bytes[__STDCPP_DEFAULT_NEW_ALIGNMENT__];
  };

  template <class Alloc>
  struct with_allocator {
    using unit_allocator = typename std::allocator_traits<Alloc>::template rebind_alloc<frame_unit>;
    using traits = std::allocator_traits<unit_allocator>;

    static constexpr std::size_t allocator_offset(std::size_t frame) noexcept {
      return round_up(free_function_offset(frame) + sizeof(free_function), alignof(unit_allocator));
    }
    static constexpr std::size_t units(std::size_t frame) noexcept {
      return round_up(allocator_offset(frame) + sizeof(unit_allocator), sizeof(frame_unit)) /
             sizeof(frame_unit);
    }

    static void* allocate(std::size_t frame, const Alloc& alloc) {
      // The rest is discarded for a fancy pointer, so that this is the only error.
      if constexpr (!std::is_pointer_v<typename traits::pointer>) {
        static_assert(std::is_pointer_v<typename traits::pointer>,
                      "dualiter: the allocator after std::allocator_arg hands out fancy pointers "
                      "(its allocator_traits<A>::pointer is not T*), and a coroutine frame is "
                      "raw memory. Fix: pass an allocator whose pointer is T*, such as "
                      "std::pmr::polymorphic_allocator");
        return nullptr;
      } else {
        unit_allocator units_from(alloc);
        void* p = traits::allocate(units_from, units(frame));
        ::new (static_cast<char*>(p) + allocator_offset(frame))
            unit_allocator(std::move(units_from));
        free_function_of(p, frame) = &deallocate;
        return p;
      }
    }

    static void deallocate(void* p, std::size_t frame) noexcept {
      auto& stored = *std::launder(
          reinterpret_cast<unit_allocator*>(static_cast<char*>(p) + allocator_offset(frame)));
      unit_allocator units_from(std::move(stored));
      stored.~unit_allocator();
      traits::deallocate(units_from, static_cast<frame_unit*>(p), units(frame));
    }
  };

 public:
  static void* operator new(std::size_t frame) {
    void* p = frame_cache::allocate(free_function_offset(frame) + sizeof(free_function));
    free_function_of(p, frame) = nullptr;
    return p;
  }

  /// `co(std::allocator_arg, alloc, args...)`: the frame comes from alloc.
  template <class Alloc, class... Args>
  static void* operator new(std::size_t frame, std::allocator_arg_t, const Alloc& alloc,
                            const Args&...) {
    return with_allocator<Alloc>::allocate(frame, alloc);
  }

  /// `object.co(std::allocator_arg, alloc, args...)`, a member coroutine: the same.
  template <class Object, class Alloc, class... Args>
  static void* operator new(std::size_t frame, const Object&, std::allocator_arg_t,
                            const Alloc& alloc, const Args&...) {
    return with_allocator<Alloc>::allocate(frame, alloc);
  }

  static void operator delete(void* p, std::size_t frame) noexcept {
    if (free_function free = free_function_of(p, frame)) {
      free(p, frame);
    } else {
      frame_cache::deallocate(p, free_function_offset(frame) + sizeof(free_function));
    }
  }
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_FRAME_ALLOCATION_HPP

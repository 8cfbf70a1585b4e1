// The generator's yardsticks: the compiler's floor for the same semantics, the same generator
// with its frame in a std::pmr arena, and for_each over an async_generator (the algorithms'
// push path) beside a range-for over a generator.
//
// The floor and the arena case are registered with the kit (dualiter/benchmark.hpp), so that
// they are consumed exactly as `generator/sync` is: every element handed to
// benchmark::DoNotOptimize. A translation unit of its own, for GCC's per-unit inlining budget
// (see hand_written_cases.cpp).
#include <coroutine>
#include <cstddef>
#include <exception>
#include <iterator>
#include <memory>
#include <memory_resource>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include <dualiter/algorithm.hpp>
#include <dualiter/benchmark.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/sync_wait.hpp>

#include "measure.hpp"
#include "sources.hpp"

namespace {

using namespace dualiter_bench;

// The compiler's floor for generator<int>: the least a generator with the same semantics can
// do per element, written as the C++23 reference implementation (P2502) is. A yielded lvalue
// is copied into the frame; `co_yield nested{g}` yields g's elements, the consumer resuming the
// innermost generator directly (root/active); an exception reaches the consumer from ++ (the
// root's unhandled_exception rethrows it, a nested one's is rethrown in its parent). What it
// leaves out: a flat stack at -O0 (entering and leaving nested generators is symmetric
// transfer, one nested call each at -O0), elements_of over arbitrary ranges, element types
// other than int, the frame cache.
class floor_generator {
 public:
  struct promise_type;
  using handle = std::coroutine_handle<promise_type>;

  struct nested {
    floor_generator& child;
  };

  struct promise_type {
    promise_type* root = this;
    handle active;              // root only: the innermost running generator
    int* value = nullptr;       // root only: the current element
    handle parent;              // nested only
    std::exception_ptr failed;  // nested only: for the parent to rethrow

    floor_generator get_return_object() noexcept {
      active = handle::from_promise(*this);
      return floor_generator(active);
    }
    std::suspend_always initial_suspend() noexcept { return {}; }

    std::suspend_always yield_value(int&& v) noexcept {
      root->value = std::addressof(v);
      return {};
    }
    struct copy_awaiter {
      int copy;
      bool await_ready() const noexcept { return false; }
      void await_suspend(handle h) noexcept { h.promise().root->value = std::addressof(copy); }
      void await_resume() const noexcept {}
    };
    copy_awaiter yield_value(const int& v) noexcept { return {v}; }

    struct nested_awaiter {
      handle child;
      bool await_ready() const noexcept { return !child; }
      std::coroutine_handle<> await_suspend(handle h) noexcept {
        promise_type& c = child.promise();
        c.root = h.promise().root;
        c.parent = h;
        c.root->active = child;
        return child;
      }
      void await_resume() {
        if (child.promise().failed) std::rethrow_exception(child.promise().failed);
      }
    };
    nested_awaiter yield_value(nested n) noexcept { return {n.child.handle_}; }

    struct final_awaiter {
      bool await_ready() const noexcept { return false; }
      std::coroutine_handle<> await_suspend(handle h) noexcept {
        promise_type& p = h.promise();
        if (p.root == &p) return std::noop_coroutine();
        p.root->active = p.parent;
        return p.parent;
      }
      void await_resume() const noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }

    void unhandled_exception() {
      if (root == this) throw;
      failed = std::current_exception();
    }
    void return_void() noexcept {}
  };

  class iterator {
   public:
    using value_type = int;
    using difference_type = std::ptrdiff_t;
    iterator() noexcept = default;
    explicit iterator(handle root) noexcept : root_(root) {}
    int&& operator*() const noexcept { return static_cast<int&&>(*root_.promise().value); }
    iterator& operator++() {
      root_.promise().active.resume();
      return *this;
    }
    void operator++(int) { ++*this; }
    friend bool operator==(const iterator& it, std::default_sentinel_t) noexcept {
      return it.root_.done();
    }

   private:
    handle root_;
  };

  floor_generator(floor_generator&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  ~floor_generator() {
    if (handle_) handle_.destroy();
  }
  iterator begin() {
    handle_.resume();
    return iterator(handle_);
  }
  std::default_sentinel_t end() const noexcept { return {}; }

 private:
  explicit floor_generator(handle h) noexcept : handle_(h) {}
  handle handle_;
};

floor_generator floor_numbers(int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}

// numbers(n) as the generator.hpp example writes it, its frame from an allocator: a pool on an
// arena, so that every run reuses the block the last one gave back and nothing reaches
// operator new once the pool is warm.
//
// Compiler workaround (GCC 12 at -O0, see detail/frame_allocation.hpp): a false
// -Wmismatched-new-delete on every coroutine that takes std::allocator_arg.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
dualiter::generator<int> arena_numbers(std::allocator_arg_t, std::pmr::polymorphic_allocator<>,
                                       int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// for_each over an async_generator whose elements all come synchronously: the push path, each
// element handed to benchmark::DoNotOptimize as the kit's `generator/sync` does.
void BM_for_each_async_generator(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n, [n](allocation_meter& meter) {
    auto consumer = dualiter::for_each(async_numbers(n), [](int&& x) {
      int copy = x;
      benchmark::DoNotOptimize(copy);
    });
    meter.first_element();  // the frames are made; sync_wait's driver comes from the cache
    dualiter::sync_wait(std::move(consumer));
    return n;
  });
}

}  // namespace

void register_generator_cases(int n, std::vector<benchmark::internal::Benchmark*>& cases) {
  namespace kit = dualiter::benchmark;
  for (auto* c :
       kit::register_iterable("compiler_floor_generator", [n] { return floor_numbers(n); })) {
    cases.push_back(c);
  }
  // Made once, kept for the process: the kit runs the factory per run.
  static std::byte buffer[64 * 1024];
  static std::pmr::monotonic_buffer_resource arena(buffer, sizeof buffer);
  static std::pmr::unsynchronized_pool_resource pool(&arena);
  for (auto* c : kit::register_iterable(
           "generator_pmr_arena", [n] { return arena_numbers(std::allocator_arg, &pool, n); })) {
    cases.push_back(c);
  }
  cases.push_back(
      benchmark::RegisterBenchmark("BM_for_each_async_generator", BM_for_each_async_generator)
          ->Arg(n));
}

// The task's compiler floor, in a translation unit of its own: beside BM_task_await, GCC's
// per-unit inlining budget (inline-unit-growth) spent on it made BM_task_await 35 instructions
// an element dearer (151.5 -> 186.5, callgrind).
#include <coroutine>
#include <exception>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include <dualiter/detail/frame_allocation.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

#include "measure.hpp"
#include "sources.hpp"

namespace {

using namespace dualiter_bench;

// What the compiler gives for the same semantics as BM_task_await (task_cases.cpp): a lazy task
// whose awaiter starts it by symmetric transfer, which hands back by symmetric transfer, keeps its
// int or its exception, and takes its frame from dualiter's per-thread frame cache (the same
// allocator: the difference to BM_task_await is dualiter's own awaiting machinery, the
// inline-resumption link that keeps the stack flat at -O0, and the checks of misuse).
class floor_task {
 public:
  struct promise_type : dualiter::detail::frame_allocation {
    std::coroutine_handle<> continuation;
    long value = 0;
    std::exception_ptr error;
    floor_task get_return_object() noexcept {
      return floor_task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct hand_back {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        return h.promise().continuation;
      }
      void await_resume() noexcept {}
    };
    hand_back final_suspend() noexcept { return {}; }
    void return_value(long v) noexcept { value = v; }
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };
  floor_task(floor_task&& other) noexcept : h_(std::exchange(other.h_, nullptr)) {}
  ~floor_task() {
    if (h_) h_.destroy();
  }
  bool await_ready() noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
    h_.promise().continuation = awaiting;
    return h_;
  }
  long await_resume() {
    if (h_.promise().error) std::rethrow_exception(h_.promise().error);
    return h_.promise().value;
  }

 private:
  explicit floor_task(std::coroutine_handle<promise_type> h) noexcept : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

floor_task floor_identity(int i) {
  co_return i;
}

// The awaiting coroutine is a floor_task too: a dualiter::task would wrap the foreign awaiter.
floor_task floor_sum(int n, allocation_meter& meter) {
  long total = 0;
  meter.first_element();
  for (int i = 0; i < n; ++i) total += co_await floor_identity(i);
  co_return total;
}

void BM_compiler_floor_task(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n,
          [n](allocation_meter& meter) { return dualiter::sync_wait(floor_sum(n, meter)); });
}

}  // namespace

void register_task_floor_cases(int n, std::vector<benchmark::internal::Benchmark*>& cases) {
  cases.push_back(
      benchmark::RegisterBenchmark("BM_compiler_floor_task", BM_compiler_floor_task)->Arg(n));
}

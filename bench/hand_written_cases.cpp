// The cases of bench/sync_vs_async that dualiter::benchmark does not express: a consumer of
// their own (the compiler's floor, a pipeline written by hand), elements counted per source pull
// (the pipelines), a source that needs the event loop (yield_now, merge), several sources at
// once (gather). Each sums one run of N ints and reports items per second, allocs_per_item
// (from the first element on) and allocs_per_run.
//
// A translation unit of its own: GCC's inlining budget is per unit (inline-unit-growth), and
// with these and the kit's cases in one unit it ran out, and the awaiters of every
// async_generator in it became calls (+30 instructions an element under callgrind).
#include <coroutine>
#include <cstdint>
#include <mutex>
#include <ranges>
#include <thread>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include <dualiter/detail/allocation_counter.hpp>
#include <dualiter/dualiter.hpp>
#include <dualiter/views.hpp>

#include "measure.hpp"
#include "sources.hpp"

namespace {

using namespace dualiter_bench;

// One element per trip through the event loop: the kit would also drive it under sync_wait,
// where yield_now has no loop to yield to.
void BM_yield_now_round_trip(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n, [n](allocation_meter& meter) {
    auto g = yielding_numbers(n);
    return dualiter::run(sum_async(g, meter));
  });
}

// k async generators that each yield_now per element, consumed concurrently under gather:
// the loop's round trip shared by k consumers.
void BM_gather_generators(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const int k = static_cast<int>(state.range(1));
  measure(state, n / k * k, [=](allocation_meter& meter) {
    std::vector<dualiter::async_generator<int>> sources;
    std::vector<dualiter::task<long>> consumers;
    for (int i = 0; i < k; ++i) sources.push_back(yielding_numbers(n / k));
    for (auto& s : sources) consumers.push_back(sum_async(s, meter));
    return dualiter::run(dualiter::gather_all(std::move(consumers)));
  });
}

// The compiler's floor for the async case: the least an async generator can do per element
// when consumed by co_await in a task. No end or already-running checks, no exceptions, no
// detaching (correct only when the body never suspends), no stack safety. What dualiter adds
// over the sync generator beyond this is the price of those guarantees.
class floor_generator {
 public:
  struct promise_type {
    const int* value = nullptr;
    floor_generator get_return_object() noexcept {
      return floor_generator(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    std::suspend_always yield_value(const int& v) noexcept {
      value = &v;
      return {};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept {}
  };
  struct next_awaiter {
    std::coroutine_handle<promise_type> handle;
    bool await_ready() const noexcept { return false; }
    bool await_suspend(std::coroutine_handle<>) const {
      handle.resume();
      return false;
    }
    const int* await_resume() const noexcept {
      return handle.done() ? nullptr : handle.promise().value;
    }
  };
  floor_generator(floor_generator&& other) noexcept
      : handle_(std::exchange(other.handle_, nullptr)) {}
  ~floor_generator() {
    if (handle_) handle_.destroy();
  }
  next_awaiter next() const noexcept { return {handle_}; }

 private:
  explicit floor_generator(std::coroutine_handle<promise_type> h) noexcept : handle_(h) {}
  std::coroutine_handle<promise_type> handle_;
};

floor_generator floor_numbers(int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}

dualiter::task<long> sum_floor(floor_generator& g, allocation_meter& meter) {
  long total = 0;
  const int* x = co_await g.next();
  meter.first_element();
  for (; x; x = co_await g.next()) total += *x;
  co_return total;
}

void BM_compiler_floor_async(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n, [n](allocation_meter& meter) {
    auto g = floor_numbers(n);
    return dualiter::sync_wait(sum_floor(g, meter));
  });
}

// The pipeline `transform | filter | take` over 0..N-1: x * 2, kept when not a multiple of 3,
// the first N/2 of those. Every case does the same work; items are the source elements pulled.
constexpr auto doubled = [](int x) { return x * 2; };
constexpr auto not_multiple_of_3 = [](int x) { return x % 3 != 0; };

long pipeline_pulls(int n) {
  long pulled = 0, kept = 0;
  for (int x = 0; x < n && kept < n / 2; ++x, ++pulled) kept += not_multiple_of_3(doubled(x));
  return pulled;
}

// The floor: the same pipeline written by hand in the consumer of an async generator.
dualiter::task<long> pipeline_by_hand(dualiter::async_generator<int>& source, int n,
                                      allocation_meter& meter) {
  long total = 0;
  int left = n / 2;
  auto it = dualiter::aiter(source);
  auto x = co_await dualiter::anext(it);
  meter.first_element();
  for (; x && left > 0; x = co_await dualiter::anext(it)) {
    const int y = doubled(*x);
    if (!not_multiple_of_3(y)) continue;
    total += y;
    if (--left == 0) break;
  }
  co_return total;
}

void BM_pipeline_hand_loop(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, pipeline_pulls(n), [n](allocation_meter& meter) {
    auto g = async_numbers(n);
    return dualiter::sync_wait(pipeline_by_hand(g, n, meter));
  });
}

void BM_pipeline_async_views(benchmark::State& state) {
  namespace views = dualiter::views;
  const int n = static_cast<int>(state.range(0));
  measure(state, pipeline_pulls(n), [n](allocation_meter& meter) {
    auto v = async_numbers(n) | views::transform(doubled) | views::filter(not_multiple_of_3) |
             views::take(n / 2);
    return dualiter::sync_wait(sum_async(v, meter));
  });
}

void BM_pipeline_generator_dualiter_views(benchmark::State& state) {
  namespace views = dualiter::views;
  const int n = static_cast<int>(state.range(0));
  measure(state, pipeline_pulls(n), [n](allocation_meter& meter) {
    auto v = numbers(n) | views::transform(doubled) | views::filter(not_multiple_of_3) |
             views::take(n / 2);
    return sum_sync(v, meter);
  });
}

// Clang 14 cannot compile libstdc++ 12's view_interface, which every std::views adaptor uses.
#if !(defined(__clang__) && defined(__GLIBCXX__) && __clang_major__ < 15)
#define DUALITER_BENCH_STD_VIEWS 1
void BM_pipeline_generator_std_views(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, pipeline_pulls(n), [n](allocation_meter& meter) {
    auto v = numbers(n) | std::views::transform(doubled) | std::views::filter(not_multiple_of_3) |
             std::views::take(n / 2);
    return sum_sync(v, meter);
  });
}
#endif

// Two synchronous sources merged on the event loop: every element is one trip through the loop
// (the source that gave it is put back on the loop to pull the next).
void BM_merge_two_sources(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n / 2 * 2, [n](allocation_meter& meter) {
    auto m = dualiter::views::merge(async_numbers(n / 2), async_numbers(n / 2));
    return dualiter::run(sum_async(m, meter));
  });
}

// Another thread posts N calls to the loop with call_soon_threadsafe; each adds its element to
// the sum on the loop's thread, and the last one resumes the awaiting task. Items per second:
// the remote queue's throughput, a lock and a heap node per call on the posting side.
void BM_call_soon_threadsafe(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  struct last_call {  // a foreign awaiter: the last call resumes the task, on the loop's thread
    std::coroutine_handle<> parked;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h) noexcept { parked = h; }
    void await_resume() const noexcept {}
  };
  measure(state, n, [n](allocation_meter& meter) {
    dualiter::event_loop loop;
    long total = 0;
    int calls = 0;
    last_call done;
    std::thread poster;
    loop.run([](dualiter::event_loop& l, long& sum, int& count, last_call& last, std::thread& t,
                int items, allocation_meter& m) -> dualiter::task<> {
      m.first_element();
      t = std::thread([&l, &sum, &count, &last, items] {
        for (int i = 0; i < items; ++i) {
          l.call_soon_threadsafe([&sum, &count, &last, i, items] {
            sum += i;
            if (++count == items) last.parked.resume();
          });
        }
      });
      co_await last;
    }(loop, total, calls, done, poster, n, meter));
    poster.join();
    return total;
  });
}

}  // namespace

void register_hand_written_cases(int n, std::vector<benchmark::internal::Benchmark*>& cases) {
  cases.push_back(
      benchmark::RegisterBenchmark("BM_yield_now_round_trip", BM_yield_now_round_trip)->Arg(n));
  for (auto [name, fn] :
       {std::pair{"BM_pipeline_hand_loop", &BM_pipeline_hand_loop},
        std::pair{"BM_pipeline_async_views", &BM_pipeline_async_views},
        std::pair{"BM_pipeline_generator_dualiter_views", &BM_pipeline_generator_dualiter_views},
#ifdef DUALITER_BENCH_STD_VIEWS
        std::pair{"BM_pipeline_generator_std_views", &BM_pipeline_generator_std_views},
#endif
        std::pair{"BM_merge_two_sources", &BM_merge_two_sources},
        std::pair{"BM_compiler_floor_async", &BM_compiler_floor_async}}) {
    cases.push_back(benchmark::RegisterBenchmark(name, fn)->Arg(n));
  }
  // Two threads at work: wall-clock time, not the loop thread's CPU time.
  cases.push_back(benchmark::RegisterBenchmark("BM_call_soon_threadsafe", BM_call_soon_threadsafe)
                      ->Arg(n)
                      ->UseRealTime());
  auto* gathered = benchmark::RegisterBenchmark("BM_gather_generators", BM_gather_generators);
  for (int k : {1, 16}) gathered->Args({n, k});
  cases.push_back(gathered);
}

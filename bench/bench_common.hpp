// What the benchmarks of bench/ share: the allocation meter, the sources, the consumer.
#ifndef DUALITER_BENCH_COMMON_HPP
#define DUALITER_BENCH_COMMON_HPP

#include <benchmark/benchmark.h>

#include <dualiter/async_generator.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/task.hpp>

#include "allocation_count.hpp"

// In an anonymous namespace, as they were in sync_vs_async.cpp: internal linkage leaves GCC
// free to inline them as before.
namespace {

using dualiter::testing::allocations;

// Allocation bookkeeping for one benchmark: a run starts counting at its first element.
class allocation_meter {
 public:
  void run_started() noexcept { run_start_ = allocations.load(std::memory_order_relaxed); }
  void first_element() noexcept { first_ = allocations.load(std::memory_order_relaxed); }
  void run_ended() noexcept {
    const long now = allocations.load(std::memory_order_relaxed);
    per_element_ += now - first_;
    per_run_ += now - run_start_;
    ++runs_;
  }
  void report(benchmark::State& state, long items_per_run) const {
    const double items = static_cast<double>(items_per_run) * static_cast<double>(runs_);
    state.SetItemsProcessed(static_cast<std::int64_t>(items));
    state.counters["allocs_per_item"] = items > 0 ? static_cast<double>(per_element_) / items : 0;
    state.counters["allocs_per_run"] = runs_ > 0 ? static_cast<double>(per_run_) / runs_ : 0;
  }

 private:
  long run_start_ = 0, first_ = 0, per_element_ = 0, per_run_ = 0, runs_ = 0;
};

// Times `one_run(meter)`, which sums one run of `items` elements, and reports the counters.
template <class OneRun>
void measure(benchmark::State& state, long items, OneRun one_run) {
  allocation_meter meter;
  for (auto _ : state) {
    meter.run_started();
    benchmark::DoNotOptimize(one_run(meter));
    meter.run_ended();
  }
  meter.report(state, items);
}

dualiter::generator<int> numbers(int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}

dualiter::async_generator<int> async_numbers(int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}

dualiter::async_generator<int> yielding_numbers(int n) {
  for (int i = 0; i < n; ++i) {
    co_await dualiter::yield_now();  // Python: await asyncio.sleep(0)
    co_yield i;
  }
}

// The consumer every async case shares: `async for x in source: total += x`.
template <class Source>
dualiter::task<long> sum_async(Source& source, allocation_meter& meter) {
  long total = 0;
  auto it = dualiter::aiter(source);
  auto x = co_await dualiter::anext(it);
  meter.first_element();
  for (; x; x = co_await dualiter::anext(it)) total += *x;
  co_return total;
}

}  // namespace

namespace dualiter_bench {
/// Registers the Asio rows (sync_vs_async_asio.cpp).
void register_asio_benchmarks(long n);
}  // namespace dualiter_bench

#endif  // DUALITER_BENCH_COMMON_HPP

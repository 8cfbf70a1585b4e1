// How the hand-written benchmark cases measure one run: items per second, and heap allocations
// per element (from the first element on) and per run.
#ifndef DUALITER_BENCH_MEASURE_HPP
#define DUALITER_BENCH_MEASURE_HPP

#include <atomic>
#include <cstdint>
#include <iterator>
#include <ranges>

#include <benchmark/benchmark.h>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/allocation_counter.hpp>
#include <dualiter/task.hpp>

namespace dualiter_bench {

// Allocation bookkeeping for one benchmark: a run starts counting at its first element.
class allocation_meter {
 public:
  void run_started() noexcept {
    run_start_ = dualiter::detail::allocation_counter::allocations.load(std::memory_order_relaxed);
  }
  void first_element() noexcept {
    first_ = dualiter::detail::allocation_counter::allocations.load(std::memory_order_relaxed);
  }
  void run_ended() noexcept {
    const long now =
        dualiter::detail::allocation_counter::allocations.load(std::memory_order_relaxed);
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

// The consumer every async case shares: `async for x in source: total += x`.
template <class Source>
inline dualiter::task<long> sum_async(Source& source, allocation_meter& meter) {
  long total = 0;
  auto it = dualiter::aiter(source);
  auto x = co_await dualiter::anext(it);
  meter.first_element();
  for (; x; x = co_await dualiter::anext(it)) total += *x;
  co_return total;
}

template <class Range>
inline long sum_sync(Range&& range, allocation_meter& meter) {
  long total = 0;
  auto it = std::ranges::begin(range);
  meter.first_element();
  for (; it != std::ranges::end(range); ++it) total += *it;
  return total;
}

}  // namespace dualiter_bench

#endif  // DUALITER_BENCH_MEASURE_HPP

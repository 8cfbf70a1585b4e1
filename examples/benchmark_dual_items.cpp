// What does `async for` cost a class of yours, next to `for`? dualiter::benchmark drives it
// through every protocol it has and prints the table: here the dual_items class of
// examples/dual_iterable.cpp, minus the sleep its aiter() makes per element there (a benchmark
// of a 10 ms sleep measures the sleep).
//
//   benchmark_dual_items [Google Benchmark flags, e.g. --benchmark_min_time=0.01]
#include <numeric>
#include <utility>
#include <vector>

#include <dualiter/benchmark.hpp>
#include <dualiter/dualiter.hpp>

DUALITER_BENCHMARK_COUNT_ALLOCATIONS();  // adds allocs_per_item: heap allocations per element

int doubled(int x) {
  return x * 2;
}

class dual_items : public dualiter::range_from_iter<dual_items> {  // begin()/end() from iter()
 public:
  explicit dual_items(std::vector<int> items) : items_(std::move(items)) {}

  dualiter::generator<int> iter() const {  // __iter__
    for (int x : items_) co_yield doubled(x);
  }

  dualiter::async_generator<int> aiter() const {  // __aiter__
    for (int x : items_) co_yield doubled(x);
  }

 private:
  std::vector<int> items_;
};

int main(int argc, char** argv) {
  std::vector<int> items(10'000);
  std::iota(items.begin(), items.end(), 0);
  // dual_items is a DualIterable: dual_items/sync, dual_items/async_sync_wait and
  // dual_items/async_run. The factory runs outside the timed part of each run.
  dualiter::benchmark::register_iterable("dual_items", [&] { return dual_items(items); });
  return dualiter::benchmark::main(argc, argv);  // Google Benchmark's output, then the table
}

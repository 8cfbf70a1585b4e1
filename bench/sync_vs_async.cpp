// The cost of async iteration next to sync iteration, per element, in one run.
//
// Every benchmark walks N ints (N = --items, 2^20 by default) and reports items per second and
// `allocs_per_item`: heap allocations per element once iteration is under way. Coroutine frames
// are allocated before the first element (one per generator, task or driver), so that count is
// the per-element cost alone; `allocs_per_run` shows the frames.
//
// The cases that drive one iterable through its protocols are registered with
// dualiter::benchmark::register_iterable (dualiter/benchmark.hpp), the kit users have for their
// own iterables: `generator/sync`, `async_generator/async_sync_wait` (under sync_wait) and
// `async_generator/async_run` (on the event loop), `vector/sync` and `vector/async_*` (a vector
// through dual(v): the plain loop, and as_async), ... They hand every element to
// benchmark::DoNotOptimize, and report `ns_per_item` too. The BM_ cases do what the kit does not
// express (a consumer of their own, elements counted per source pull, a source that needs the
// event loop, several sources at once), counting allocations with the same operator new.
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <dualiter/benchmark.hpp>
#include <dualiter/dualiter.hpp>

#include "counting_new.hpp"
#include "sources.hpp"

namespace {

using namespace dualiter_bench;

// numbers(n) through `depth` generators, each yielding elements_of the next.
dualiter::generator<int> nested_numbers(int depth, int n) {
  if (depth == 0) {
    co_yield dualiter::elements_of(numbers(n));
  } else {
    co_yield dualiter::elements_of(nested_numbers(depth - 1, n));
  }
}

// --items=N, taken before Google Benchmark sees the arguments.
long items_from(int& argc, char** argv) {
  long items = 1L << 20;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--items=", 8) == 0) {
      items = std::strtol(argv[i] + 8, nullptr, 10);
      for (int j = i; j + 1 < argc; ++j) argv[j] = argv[j + 1];
      --argc;
      break;
    }
  }
  return items;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = static_cast<int>(items_from(argc, argv));
  namespace kit = dualiter::benchmark;
  std::vector<int> items(static_cast<std::size_t>(n));
  std::iota(items.begin(), items.end(), 0);
  std::vector<benchmark::internal::Benchmark*> cases;
  const auto add = [&cases](const std::vector<benchmark::internal::Benchmark*>& more) {
    cases.insert(cases.end(), more.begin(), more.end());
  };
  // vector/sync: the plain loop; vector/async_*: as_async over it (dual's async side). dual of
  // an lvalue holds it by reference: no copy of the vector per run.
  add(kit::register_iterable("vector", [&items] { return dualiter::dual(items); }));
  add(kit::register_iterable("generator", [n] { return numbers(n); }));
  add(kit::register_iterable("async_generator", [n] { return async_numbers(n); }));
  add(kit::register_iterable("as_sync_async_generator",
                             [n] { return dualiter::as_sync(async_numbers(n)); }));
  // elements_of at depth d: the element cost must not grow with d.
  for (int depth : {1, 8, 64}) {
    add(kit::register_iterable("elements_of_depth/" + std::to_string(depth),
                               [n, depth] { return nested_numbers(depth, n); }));
  }

  register_hand_written_cases(n, cases);
  register_task_cases(n, cases);
  register_task_floor_cases(n, cases);
  register_generator_cases(n, cases);
#ifdef DUALITER_BENCH_ASIO
  // The same on Asio (sync_vs_async_asio.cpp, built when Meson finds Asio), in a translation
  // unit of its own so that its inlining budget is its own.
  register_asio_benchmarks(n);
#endif
  for (auto* c : cases) c->Unit(benchmark::kMillisecond);

  // Google Benchmark's "library_build_type" is that of Debian's libbenchmark (a debug build);
  // what was measured is this binary, built at Meson's optimization level.
  benchmark::AddCustomContext("dualiter_optimization", "-O" DUALITER_BENCH_OPTIMIZATION);
  return kit::main(argc, argv);  // the table of the kit's cases after the usual output
}

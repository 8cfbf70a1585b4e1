// What the translation units of bench/sync_vs_async share: the sources every case walks, and
// the registration of the cases each unit of its own holds.
#ifndef DUALITER_BENCH_SOURCES_HPP
#define DUALITER_BENCH_SOURCES_HPP

#include <vector>

#include <benchmark/benchmark.h>

#include <dualiter/async_generator.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/generator.hpp>

namespace dualiter_bench {

inline dualiter::generator<int> numbers(int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}

inline dualiter::async_generator<int> async_numbers(int n) {
  for (int i = 0; i < n; ++i) co_yield i;
}

inline dualiter::async_generator<int> yielding_numbers(int n) {
  for (int i = 0; i < n; ++i) {
    co_await dualiter::yield_now();  // Python: await asyncio.sleep(0)
    co_yield i;
  }
}

}  // namespace dualiter_bench

/// Registers the BM_ cases of hand_written_cases.cpp with N = n, and adds them to `cases`.
void register_hand_written_cases(int n, std::vector<benchmark::internal::Benchmark*>& cases);
/// The Asio rows (bench/sync_vs_async_asio.cpp), built when Meson finds Asio.
void register_asio_benchmarks(long n);
/// The generator's yardsticks (bench/generator_cases.cpp): the compiler's floor, a pmr arena,
/// for_each over an async_generator.
void register_generator_cases(int n, std::vector<benchmark::internal::Benchmark*>& cases);
/// The task cases (bench/task_cases.cpp): create_task + await, and cancelling a sleeper.
void register_task_cases(int n, std::vector<benchmark::internal::Benchmark*>& cases);
/// What the compiler gives for a task with the same semantics (bench/task_floor_cases.cpp).
void register_task_floor_cases(int n, std::vector<benchmark::internal::Benchmark*>& cases);

#endif  // DUALITER_BENCH_SOURCES_HPP

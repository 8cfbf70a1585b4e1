// The rows of sync_vs_async on Asio: the same sources and consumer, spawned on an io_context
// run by this thread, next to Asio's own coroutines doing the same round trip. A translation
// unit of its own (see main in sync_vs_async.cpp); built when Meson finds Asio.
#include <dualiter/asio.hpp>  // before Asio: it prepares Asio for coroutines
// clang-format off
#include <asio.hpp>
// clang-format on

#include <exception>

#include <benchmark/benchmark.h>

#include "measure.hpp"
#include "sources.hpp"

namespace {

using namespace dualiter_bench;

template <class Source>
long run_on_asio(Source& source, allocation_meter& meter) {
  asio::io_context io;
  long total = 0;
  dualiter::asio::spawn(io, sum_async(source, meter),
                        [&](std::exception_ptr, long t) { total = t; });
  io.run();
  return total;
}

// Synchronously produced elements: no Asio at all per element.
void BM_async_generator_asio(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n, [n](allocation_meter& meter) {
    auto g = async_numbers(n);
    return run_on_asio(g, meter);
  });
}

// One yield_now per element: one handler posted to the io_context.
void BM_yield_now_round_trip_asio(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n, [n](allocation_meter& meter) {
    auto g = yielding_numbers(n);
    return run_on_asio(g, meter);
  });
}

// Asio's own: `co_await asio::post(ex, asio::use_awaitable)` per element in an asio::awaitable.
asio::awaitable<long> asio_posting_sum(int n, allocation_meter& meter) {
  auto ex = co_await asio::this_coro::executor;
  long total = 0;
  meter.first_element();
  for (int i = 0; i < n; ++i) {
    co_await asio::post(ex, asio::use_awaitable);
    total += i;
  }
  co_return total;
}

void BM_asio_awaitable_post_round_trip(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n, [n](allocation_meter& meter) {
    asio::io_context io;
    long total = 0;
    asio::co_spawn(io, asio_posting_sum(n, meter), [&](std::exception_ptr, long t) { total = t; });
    io.run();
    return total;
  });
}

}  // namespace

void register_asio_benchmarks(long n) {
  for (auto [name, fn] :
       {std::pair{"BM_async_generator_asio", &BM_async_generator_asio},
        std::pair{"BM_yield_now_round_trip_asio", &BM_yield_now_round_trip_asio},
        std::pair{"BM_asio_awaitable_post_round_trip", &BM_asio_awaitable_post_round_trip}}) {
    benchmark::RegisterBenchmark(name, fn)->Arg(n)->Unit(benchmark::kMillisecond);
  }
}

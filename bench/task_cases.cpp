// Tasks: co_await of a task under sync_wait; on the event loop, create_task + co_await of its
// handle, and cancelling a sleeping task, per task; and a queue's put/get round trip, per item. A
// translation unit of its own, so that GCC's per-unit inlining budget (inline-unit-growth) spent
// here does not slow the element cases of the other units.
#include <chrono>
#include <tuple>
#include <vector>

#include <benchmark/benchmark.h>

#include <dualiter/dualiter.hpp>

#include "measure.hpp"

namespace {

using namespace dualiter_bench;

// create_task + co_await of its handle, one task per element: the runner frame (the task's
// state) and the awaitable's own frame, a turn of the loop to start, and one to hand back.
dualiter::task<int> identity(int i) {
  co_return i;
}

void BM_create_task_await(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n, [n](allocation_meter& meter) {
    return dualiter::run([](int n, allocation_meter& meter) -> dualiter::task<long> {
      long total = 0;
      meter.first_element();
      for (int i = 0; i < n; ++i) total += co_await dualiter::create_task(identity(i));
      co_return total;
    }(n, meter));
  });
}

// co_await of a task per element, under sync_wait: the frame (from the frame cache), the start
// and the hand back, with no event loop in between.
void BM_task_await(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n, [n](allocation_meter& meter) {
    return dualiter::sync_wait([](int n, allocation_meter& meter) -> dualiter::task<long> {
      long total = 0;
      meter.first_element();
      for (int i = 0; i < n; ++i) total += co_await identity(i);
      co_return total;
    }(n, meter));
  });
}

// Per element: a task asleep on a timer, cancelled, and awaited to its end (its timer leaves
// the heap at once; the cancelled_error is caught by the awaiter).
dualiter::task<> sleep_a_day() {
  co_await dualiter::sleep_for(std::chrono::hours(24));
}

void BM_cancel_sleeping_task(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n, [n](allocation_meter& meter) {
    return dualiter::run([](int n, allocation_meter& meter) -> dualiter::task<long> {
      std::vector<dualiter::task_handle<>> sleepers;
      sleepers.reserve(static_cast<std::size_t>(n));
      meter.first_element();
      for (int i = 0; i < n; ++i) sleepers.push_back(dualiter::create_task(sleep_a_day()));
      co_await dualiter::yield_now();  // all asleep
      long cancelled = 0;
      for (auto& s : sleepers) s.cancel();
      for (auto& s : sleepers) {
        try {
          co_await s;
        } catch (const dualiter::cancelled_error&) {
          ++cancelled;
        }
      }
      co_return cancelled;
    }(n, meter));
  });
}

// Per item: a producer's put into a queue of one slot and a consumer's get, each waiting for the
// other in turn, so that every item is one hand-over to a waiting getter (woken through the
// loop's ready queue) and one to a waiting putter. Python: asyncio.Queue(1) between two
// coroutines under gather.
void BM_queue_round_trip(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  measure(state, n, [n](allocation_meter& meter) {
    dualiter::queue<int> q(1);
    auto producer = [](dualiter::queue<int>& q, int n) -> dualiter::task<> {
      for (int i = 0; i < n; ++i) co_await q.put(i);
    };
    auto consumer = [](dualiter::queue<int>& q, int n,
                       allocation_meter& meter) -> dualiter::task<long> {
      long total = co_await q.get();
      meter.first_element();
      for (int i = 1; i < n; ++i) total += co_await q.get();
      co_return total;
    };
    return std::get<1>(dualiter::run(dualiter::gather(producer(q, n), consumer(q, n, meter))));
  });
}
}  // namespace

void register_task_cases(int n, std::vector<benchmark::internal::Benchmark*>& cases) {
  cases.push_back(benchmark::RegisterBenchmark("BM_task_await", BM_task_await)->Arg(n));
  cases.push_back(
      benchmark::RegisterBenchmark("BM_create_task_await", BM_create_task_await)->Arg(n));
  cases.push_back(
      benchmark::RegisterBenchmark("BM_cancel_sleeping_task", BM_cancel_sleeping_task)->Arg(n));
  cases.push_back(benchmark::RegisterBenchmark("BM_queue_round_trip", BM_queue_round_trip)->Arg(n));
}

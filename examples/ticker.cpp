// Async generators that `await asyncio.sleep(0.01)` between items, two of them interleaved with
// gather, and what happens without a running loop.
//
//   async def ticker(name, n, delay):
//       for i in range(n):
//           await asyncio.sleep(delay)
//           yield f"{name}{i}"
#include <chrono>
#include <cstdio>
#include <string>

#include <dualiter/async_generator.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

using namespace std::chrono_literals;

dualiter::async_generator<std::string> ticker(std::string name, int n,
                                              std::chrono::milliseconds delay) {
  for (int i = 0; i < n; ++i) {
    co_await dualiter::sleep_for(delay);
    co_yield name + std::to_string(i);
  }
}

// async for tick in ticker(...): print(tick)
dualiter::task<int> print_all(dualiter::async_generator<std::string> ticks, std::string& log) {
  int count = 0;
  auto it = dualiter::aiter(ticks);
  while (auto tick = co_await dualiter::anext(it)) {
    std::printf("%s ", tick->c_str());
    log += *tick + " ";
    ++count;
  }
  co_return count;
}

int main() {
  std::string log;
  auto start = std::chrono::steady_clock::now();
  // asyncio.run(asyncio.gather(print_all(ticker("a", 3, 0.01)), print_all(ticker("b", 3, 0.015))))
  auto [a, b] = dualiter::run(
      dualiter::gather(print_all(ticker("a", 3, 10ms), log), print_all(ticker("b", 3, 15ms), log)));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  std::printf("\n%d + %d ticks in %lld ms: interleaved, not one after the other\n", a, b,
              static_cast<long long>(took.count()));
  // b0 is due at 15 ms, a2 at 30 ms: run one after the other, every a would come first.
  const bool interleaved = log.find("b0") < log.find("a2");

  // Without a running loop, sleep_for fails the way asyncio does: no running event loop.
  try {
    dualiter::sync_wait(print_all(ticker("c", 1, 1ms), log));
  } catch (const dualiter::no_running_event_loop& e) {
    std::printf("caught: %s\n", e.what());
    return interleaved ? 0 : 1;
  }
  return 1;
}

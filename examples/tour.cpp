// The README's tour, compiled and run by the tests so that it stays true.
#include <cstdio>

#include <dualiter/dualiter.hpp>

using namespace std::chrono_literals;

dualiter::generator<int> count(int n) {  // def count(n): yield from range(n)
  for (int i = 0; i < n; ++i) co_yield i;
}

dualiter::async_generator<int> ticks(int n) {  // async def ticks(n):
  for (int i = 0; i < n; ++i) {                //   for i in range(n):
    co_await dualiter::sleep_for(10ms);        //     await asyncio.sleep(0.01)
    co_yield i;                                //     yield i
  }
}

dualiter::task<int> total(dualiter::async_generator<int> g) {  // async def total(g):
  int sum = 0;
  auto it = dualiter::aiter(g);                             //   async for x in g:
  while (auto x = co_await dualiter::anext(it)) sum += *x;  //     sum += x
  co_return sum;
}

int main() {
  int counted = 0;
  for (int x : count(3)) counted += x;  // for x in count(3)
  auto start = std::chrono::steady_clock::now();
  auto [a, b] = dualiter::run(dualiter::gather(total(ticks(3)), total(ticks(5))));
  auto took = std::chrono::steady_clock::now() - start;  // about 50 ms, not 80
  int blocked = 0;
  for (int x : dualiter::as_sync(ticks(2))) blocked += x;  // block on an async source
  std::printf(
      "count: %d, gathered: %d and %d in %lld ms, as_sync: %d\n", counted, a, b,
      static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(took).count()),
      blocked);
  return counted == 3 && a == 3 && b == 10 && blocked == 1 ? 0 : 1;
}

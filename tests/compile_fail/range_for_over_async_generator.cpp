// A plain for loop cannot drive an async generator.
// expect: not sync iterable
// expect: dualiter::as_sync
// expect: co_await dualiter::anext
// expect: async_generator<int>
#include <dualiter/async_generator.hpp>

dualiter::async_generator<int> numbers() {
  co_yield 1;
}

int main() {
  auto g = numbers();
  for (int x : g) (void)x;
}

// The C++ twin of Python's
//   TypeError: 'async for' requires an object with __aiter__ method, got generator
// expect: not async iterable
// expect: generator<int>
// expect: dualiter::as_async
#include <dualiter/algorithm.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/sync_wait.hpp>

dualiter::generator<int> numbers() {
  co_yield 1;
}

int main() {
  dualiter::sync_wait(dualiter::for_each(numbers(), [](int) {}));
}

// The C++ twin of Python's
//   TypeError: 'async for' requires an object with __aiter__ method, got generator
// expect: not async iterable
// expect: generator<int>
// expect: dualiter::as_async
#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/generator.hpp>

template <class R>
void async_for(R&&) {
  dualiter::assert_async_iterable<R>();
}

dualiter::generator<int> numbers() {
  co_yield 1;
}

int main() {
  async_for(numbers());
}

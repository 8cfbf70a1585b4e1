// expect: not sync iterable
// expect: async_generator<int>
#include <dualiter/adapters.hpp>
#include <dualiter/async_generator.hpp>

dualiter::async_generator<int> numbers() {
  co_yield 1;
}

int main() {
  auto a = dualiter::as_async(numbers());
}

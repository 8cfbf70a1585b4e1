// A generator is synchronous: co_await in its body is an error that points to async_generator.
// expect: cannot co_await inside a generator
// expect: dualiter::async_generator
#include <coroutine>

#include <dualiter/generator.hpp>

dualiter::generator<int> numbers() {
  co_await std::suspend_never{};
  co_yield 1;
}

int main() {
  for (int x : numbers()) (void)x;
}

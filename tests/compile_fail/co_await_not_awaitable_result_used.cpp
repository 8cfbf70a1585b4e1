// co_await on something that is not awaitable, its result used: still one error, not a second
// one where the result is converted.
// expect: not awaitable
#include <dualiter/task.hpp>

dualiter::task<int> f() {
  int x = co_await 42;
  co_return x + 1;
}

int main() {
  (void)f();
}

// co_await on something that is not awaitable, inside a task: one clear error.
// expect: not awaitable
// expect-any: basic_string<char
// expect-any: std::string
#include <string>

#include <dualiter/task.hpp>

dualiter::task<int> f() {
  co_await std::string("not awaitable");
  co_return 1;
}

int main() {
  (void)f();
}

// expect: not awaitable
// expect-any: basic_string<char
// expect-any: std::string
#include <string>
#include <utility>
#include <vector>

#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/task.hpp>

dualiter::task<> all() {
  // Named: once any error has been reported, GCC 12 adds "array used as initializer" for a
  // braced std::vector temporary inside a co_await expression (reduced: any static_assert
  // failing elsewhere, then `co_await f(std::vector<std::string>{"x"})`), a cascade that is
  // the compiler's, not dualiter's.
  std::vector<std::string> texts{"x"};
  co_await dualiter::gather_all(std::move(texts));
}

int main() {
  dualiter::run(all());
}

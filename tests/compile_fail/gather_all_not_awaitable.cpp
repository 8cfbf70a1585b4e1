// expect: not awaitable
// expect: basic_string<char
#include <dualiter/event_loop.hpp>
#include <dualiter/task.hpp>
#include <string>
#include <vector>

dualiter::task<> all() {
  co_await dualiter::gather_all(std::vector<std::string>{"x"});
}

int main() {
  dualiter::run(all());
}

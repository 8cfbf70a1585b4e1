// expect: not awaitable
// expect: basic_string<char
#include <string>
#include <vector>

#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/task.hpp>

dualiter::task<> all() {
  co_await dualiter::gather_all(std::vector<std::string>{"x"});
}

int main() {
  dualiter::run(all());
}

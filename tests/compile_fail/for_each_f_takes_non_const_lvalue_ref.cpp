// An async_generator<std::string> hands out std::string&& (as std::generator does), which a
// callable taking std::string& cannot bind: one error, naming the element type and the fix.
// expect: for_each: f cannot be called with the elements
// expect-any: basic_string<char
// expect-any: std::string
// expect: by value, by const& or by &&
#include <string>

#include <dualiter/algorithm.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/sync_wait.hpp>

dualiter::async_generator<std::string> words() {
  co_yield "one";
}

int main() {
  std::size_t total = 0;
  dualiter::sync_wait(dualiter::for_each(words(), [&](std::string& w) { total += w.size(); }));
  return static_cast<int>(total);
}

// expect: dualiter::views::transform: the function cannot be called with the element type
#include <string>

#include <dualiter/async_generator.hpp>
#include <dualiter/views.hpp>

dualiter::async_generator<int> numbers() {
  co_yield 1;
}

int main() {
  auto g = numbers();
  (void)(g | dualiter::views::transform([](std::string& s) { return s.size(); }));
}

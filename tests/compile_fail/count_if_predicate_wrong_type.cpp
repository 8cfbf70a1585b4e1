// expect: dualiter: count_if: the predicate cannot be called with an element of r
#include <string>

#include <dualiter/algorithm.hpp>
#include <dualiter/async_generator.hpp>

dualiter::async_generator<int> numbers() {
  co_yield 1;
}

int main() {
  (void)dualiter::count_if(numbers(), [](const std::string& s) { return s.empty(); });
}

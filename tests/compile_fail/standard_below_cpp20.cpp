// A consumer that did not set cpp_std: dualiter's own error comes first and alone, before
// <coroutine> complains (GCC 12 printed 1,911 lines here, Clang 14 twenty errors).
// flags: -std=c++17
// expect: dualiter needs C++20 or newer with coroutines
// expect: -std=c++20
// expect: default_options: ['cpp_std=c++20']
#include <vector>

#include <dualiter/dualiter.hpp>

dualiter::generator<int> numbers() {
  co_yield 1;
}

int main() {
  std::vector<int> v;
  for (int x : numbers()) v.push_back(x);
}

// expect: dualiter::benchmark::register_iterable
// expect: the factory cannot be called without arguments
#include <vector>

#include <dualiter/benchmark.hpp>

int main() {
  dualiter::benchmark::register_iterable("sized", [](int n) { return std::vector<int>(n); });
}

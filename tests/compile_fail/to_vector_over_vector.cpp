// expect: not async iterable
// expect: std::vector<double>
#include <vector>

#include <dualiter/algorithm.hpp>
#include <dualiter/sync_wait.hpp>

int main() {
  auto copy = dualiter::sync_wait(dualiter::to_vector(std::vector<double>{1.0}));
  return static_cast<int>(copy.size());
}

// expect: not async iterable
// expect: std::vector<int>
// expect: dualiter::as_async
#include <vector>

#include <dualiter/algorithm.hpp>
#include <dualiter/sync_wait.hpp>

int main() {
  std::vector<int> v{1, 2};
  dualiter::sync_wait(dualiter::for_each(v, [](int) {}));
}

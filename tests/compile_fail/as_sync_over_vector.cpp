// as_sync wants an async iterable; a vector already works with a plain for loop.
// expect: not async iterable
// expect: std::vector<int>
// expect: plain for loop
#include <vector>

#include <dualiter/adapters.hpp>

int main() {
  for (int x : dualiter::as_sync(std::vector<int>{1})) (void)x;
}

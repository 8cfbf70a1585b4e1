// Uses a little of everything through the umbrella header; prints the two sums and the standard
// it was compiled with.
#include <chrono>
#include <cstdio>
#include <vector>

#include <dualiter/dualiter.hpp>

dualiter::async_generator<int> ticks(int n) {
  for (int i = 1; i <= n; ++i) {
    co_await dualiter::sleep_for(std::chrono::milliseconds(1));
    co_yield i;
  }
}

int main() {
  std::vector<int> v{1, 2, 3};
  int sync_sum = 0;
  for (int x : dualiter::as_sync(dualiter::as_async(v))) sync_sum += x;
  int async_sum = 0;
  dualiter::run(dualiter::for_each(ticks(3), [&](int x) { async_sum += x; }));
  // The standard is printed so the test can check the consumer's own choice was kept.
  std::printf("sync %d async %d C++ %ld\n", sync_sum, async_sum, static_cast<long>(__cplusplus));
  return sync_sum == 6 && async_sum == 6 ? 0 : 1;
}

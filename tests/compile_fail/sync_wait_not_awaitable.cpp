// expect: not awaitable
// expect: int
#include <dualiter/sync_wait.hpp>

int main() {
  return dualiter::sync_wait(42);
}

// One argument of gather is a plain value, not something to await.
// expect: not awaitable
// expect: double
#include <dualiter/event_loop.hpp>
#include <dualiter/gather.hpp>
#include <dualiter/task.hpp>

dualiter::task<int> one() {
  co_return 1;
}

dualiter::task<> both() {
  co_await dualiter::gather(one(), 2.0);
}

int main() {
  dualiter::run(both());
}

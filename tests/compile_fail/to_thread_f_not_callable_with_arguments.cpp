// expect: to_thread(f, args...) calls f(args...)
// expect: Fix: pass the arguments f takes
#include <string>

#include <dualiter/task.hpp>
#include <dualiter/threads.hpp>

dualiter::task<int> length_elsewhere() {
  co_return co_await dualiter::to_thread([](const std::string& s) { return int(s.size()); }, 42);
}

int main() {
  (void)length_elsewhere();
}

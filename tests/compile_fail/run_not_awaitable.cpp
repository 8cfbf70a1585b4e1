// expect: not awaitable
// expect: std::vector<int>
#include <dualiter/event_loop.hpp>
#include <vector>

int main() {
  dualiter::run(std::vector<int>{1});
}

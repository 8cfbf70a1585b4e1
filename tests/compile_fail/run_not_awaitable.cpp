// expect: not awaitable
// expect: std::vector<int>
#include <vector>

#include <dualiter/event_loop.hpp>

int main() {
  dualiter::run(std::vector<int>{1});
}

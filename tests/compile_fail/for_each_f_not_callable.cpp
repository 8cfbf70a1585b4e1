// expect: for_each: f cannot be called
#include <string>
#include <vector>

#include <dualiter/adapters.hpp>
#include <dualiter/algorithm.hpp>
#include <dualiter/sync_wait.hpp>

int main() {
  std::vector<int> v{1};
  dualiter::sync_wait(dualiter::for_each(dualiter::as_async(v), [](const std::string&) {}));
}

// expect: not dual iterable
// expect: sync iterable only
// expect: std::vector<int>
// expect: dualiter::dual
#include <dualiter/concepts.hpp>
#include <vector>

int main() {
  dualiter::assert_dual_iterable<std::vector<int>>();
}

// expect: not dual iterable
// expect: sync iterable only
// expect: std::vector<int>
// expect: dualiter::dual
#include <vector>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

int main() {
  dualiter::assert_dual_iterable<std::vector<int>>();
}

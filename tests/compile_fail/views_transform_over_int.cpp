// expect: dualiter::views::transform: the source is not iterable
#include <dualiter/views.hpp>

int main() {
  (void)dualiter::views::transform(42, [](int x) { return x + 1; });
}

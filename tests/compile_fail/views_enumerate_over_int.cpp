// expect: dualiter::views::enumerate: the source is not iterable
#include <dualiter/views.hpp>

int main() {
  (void)(42 | dualiter::views::enumerate);
}

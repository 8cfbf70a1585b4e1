// expect: dualiter::views::zip: a source is not iterable
#include <vector>

#include <dualiter/views.hpp>

int main() {
  std::vector<int> numbers{1, 2, 3};
  (void)dualiter::views::zip(numbers, 3.5);
}

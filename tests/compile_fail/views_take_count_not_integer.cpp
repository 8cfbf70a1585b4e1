// expect: dualiter::views::take: the count must be an integer
#include <vector>

#include <dualiter/views.hpp>

int main() {
  std::vector<int> numbers{1, 2, 3};
  (void)(numbers | dualiter::views::take(1.5));
}

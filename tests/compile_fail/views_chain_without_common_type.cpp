// expect: dualiter::views::chain: the sources' elements have no common type
#include <string>
#include <vector>

#include <dualiter/views.hpp>

int main() {
  std::vector<int> numbers{1, 2, 3};
  std::vector<std::string> words{"a"};
  (void)dualiter::views::chain(numbers, words);
}

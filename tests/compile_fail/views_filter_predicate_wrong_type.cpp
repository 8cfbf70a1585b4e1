// A predicate that cannot take the elements: one error naming the adaptor and the problem.
// expect: dualiter::views::filter: the predicate cannot be called with the element type
#include <string>
#include <vector>

#include <dualiter/views.hpp>

int main() {
  std::vector<int> numbers{1, 2, 3};
  (void)(numbers | dualiter::views::filter([](const std::string& s) { return s.empty(); }));
}

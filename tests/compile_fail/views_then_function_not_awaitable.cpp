// then's f must return an awaitable; a plain value belongs to transform.
// expect: dualiter::views::then: the function does not return an awaitable
#include <vector>

#include <dualiter/views.hpp>

int main() {
  std::vector<int> numbers{1, 2, 3};
  (void)(numbers | dualiter::views::then([](int x) { return x * 2; }));
}

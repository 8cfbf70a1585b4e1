// expect: dualiter::views::merge: a source is not iterable
#include <dualiter/async_generator.hpp>
#include <dualiter/views.hpp>

dualiter::async_generator<int> numbers() {
  co_yield 1;
}

struct not_a_sequence {};

int main() {
  (void)dualiter::views::merge(numbers(), not_a_sequence{});
}

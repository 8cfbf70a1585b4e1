// A factory whose result cannot be iterated either way: one error, naming the entry point and
// the type.
// expect: dualiter::benchmark::register_iterable
// expect: neither sync iterable (begin/end) nor async iterable (aiter)
// expect: not_a_range
#include <dualiter/benchmark.hpp>

struct not_a_range {
  int size = 3;
};

int main() {
  dualiter::benchmark::register_iterable("not_a_range", [] { return not_a_range{}; });
}

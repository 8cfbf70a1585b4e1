// expect: not async iterable
// expect: has no anext
// expect: source_of_anextless_iterator
#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

struct iterator_without_anext {};
struct source_of_anextless_iterator {
  iterator_without_anext aiter() { return {}; }
};

int main() {
  dualiter::assert_async_iterable<source_of_anextless_iterator>();
}

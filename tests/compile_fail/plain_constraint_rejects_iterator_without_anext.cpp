// The iterator aiter returns has no anext: the plain constraint's notes say so by name.
// expect: has_anext
// expect: anextless_source
#include <dualiter/concepts.hpp>

struct anextless_source {
  struct iterator {};
  iterator aiter() { return {}; }
};

template <dualiter::AsyncIterable R>
int consume(R&&) {
  return 0;
}

int main() {
  return consume(anextless_source{});
}

// anext returns a plain value: the plain constraint's notes name anext_is_awaitable.
// expect: anext_is_awaitable
// expect: blocking_source
#include <optional>

#include <dualiter/concepts.hpp>

struct blocking_source {
  struct iterator {
    std::optional<int> anext() { return std::nullopt; }
  };
  iterator aiter() { return {}; }
};

template <dualiter::AsyncIterable R>
int consume(R&&) {
  return 0;
}

int main() {
  return consume(blocking_source{});
}

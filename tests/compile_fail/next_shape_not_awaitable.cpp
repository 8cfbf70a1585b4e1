// A next() shape whose next() gives the optional directly, not an awaitable of it.
// expect: not async iterable
// expect: r.next() (the next() shape) does not return an awaitable
// expect: blocking_next_sequence
#include <optional>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

struct blocking_next_sequence {
  std::optional<int> next() { return std::nullopt; }
};

int main() {
  dualiter::assert_async_iterable<blocking_next_sequence>();
}

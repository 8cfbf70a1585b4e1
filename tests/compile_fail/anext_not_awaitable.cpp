// anext returns a plain value instead of something co_await accepts.
// expect: not async iterable
// expect: does not return an awaitable
// expect: plain_optional_source
#include <optional>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

struct plain_optional_source {
  struct iterator {
    std::optional<int> anext() { return std::nullopt; }
  };
  iterator aiter() { return {}; }
};

int main() {
  dualiter::assert_async_iterable<plain_optional_source>();
}

// A type with neither begin/end nor aiter.
// expect: not async iterable
// expect: no member r.aiter()
// expect: opaque_thing
#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

struct opaque_thing {};

int main() {
  dualiter::assert_async_iterable<opaque_thing>();
}

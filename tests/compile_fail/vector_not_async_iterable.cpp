// The C++ twin of Python's
//   TypeError: 'async for' requires an object with __aiter__ method, got list
// expect: not async iterable
// expect: std::vector<int>
// expect: dualiter::as_async
#include <vector>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

template <class R>
void consume_async(R&&) {
  dualiter::assert_async_iterable<R>();
}

int main() {
  consume_async(std::vector<int>{1, 2, 3});
}

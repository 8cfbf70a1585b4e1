// anext is awaitable, but its result cannot say "end".
// expect: not async iterable
// expect: optional-like
// expect: int_result_source
#include <coroutine>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

struct int_awaiter {
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  int await_resume() const noexcept { return 0; }
};
struct int_result_source {
  struct iterator {
    int_awaiter anext() { return {}; }
  };
  iterator aiter() { return {}; }
};

int main() {
  dualiter::assert_async_iterable<int_result_source>();
}

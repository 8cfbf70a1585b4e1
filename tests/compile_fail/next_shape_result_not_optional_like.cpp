// A next() shape whose awaited result cannot say "the end".
// expect: not async iterable
// expect: co_await r.next() (the next() shape) does not give an optional-like result
// expect: endless_next_sequence
#include <coroutine>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

struct endless_next_sequence {
  struct next_operation {
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    int await_resume() const noexcept { return 0; }
  };
  next_operation next() { return {}; }
};

int main() {
  dualiter::assert_async_iterable<endless_next_sequence>();
}

// expect: not dual iterable
// expect: async iterable only
// expect: async_source
#include <coroutine>
#include <optional>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

struct next_awaiter {
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  std::optional<int> await_resume() const noexcept { return std::nullopt; }
};
struct async_source {
  struct iterator {
    next_awaiter anext() { return {}; }
  };
  iterator aiter() { return {}; }
};

int main() {
  dualiter::assert_dual_iterable<async_source>();
}

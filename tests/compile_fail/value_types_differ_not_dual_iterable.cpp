// Both protocols, but the sync side gives int and the async side gives long.
// expect: not dual iterable
// expect: different value types
// expect: mismatched
#include <coroutine>
#include <optional>
#include <vector>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

struct next_awaiter {
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  std::optional<long> await_resume() const noexcept { return std::nullopt; }
};
struct mismatched {
  std::vector<int> items;
  auto begin() { return items.begin(); }
  auto end() { return items.end(); }
  struct iterator {
    next_awaiter anext() { return {}; }
  };
  iterator aiter() { return {}; }
};

int main() {
  dualiter::assert_dual_iterable<mismatched>();
}

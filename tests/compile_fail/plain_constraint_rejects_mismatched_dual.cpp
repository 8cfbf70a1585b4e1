// Both protocols, different value types: a plain DualIterable constraint names the requirement.
// expect: sync_and_async_value_types_match
// expect: int_and_long
#include <coroutine>
#include <optional>
#include <vector>

#include <dualiter/concepts.hpp>

struct next_awaiter {
  bool await_ready() const noexcept { return true; }
  void await_suspend(std::coroutine_handle<>) const noexcept {}
  std::optional<long> await_resume() const noexcept { return std::nullopt; }
};
struct int_and_long {
  std::vector<int> items;
  auto begin() { return items.begin(); }
  auto end() { return items.end(); }
  struct iterator {
    next_awaiter anext() { return {}; }
  };
  iterator aiter() { return {}; }
};

template <dualiter::DualIterable R>
int consume(R&) {
  return 0;
}

int main() {
  int_and_long both;
  return consume(both);
}

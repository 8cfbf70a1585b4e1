// A begin/++ sequence whose iterator cannot be compared with end().
// expect: not async iterable
// expect: it == r.end() or *it does not compile
// expect: endless_shape
#include <coroutine>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

struct endless_shape {
  struct iterator;
  struct ready_iterator {
    iterator* it;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    iterator& await_resume() const noexcept { return *it; }
  };
  struct iterator {
    int operator*() const { return 0; }
    ready_iterator operator++() { return {this}; }
  };
  struct begin_operation {
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    iterator await_resume() const noexcept { return {}; }
  };
  begin_operation begin() { return {}; }
};

int main() {
  dualiter::assert_async_iterable<endless_shape>();
}

// A cppcoro-like sequence whose begin() is awaitable but whose iterator advances with a plain ++.
// expect: not async iterable
// expect: co_await ++it does not
// expect: half_cppcoro_sequence
#include <coroutine>

#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

struct half_cppcoro_sequence {
  struct iterator {
    int operator*() const { return 0; }
    iterator& operator++() { return *this; }
    bool operator==(const iterator&) const = default;
  };
  struct begin_operation {
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    iterator await_resume() const noexcept { return {}; }
  };
  begin_operation begin() { return {}; }
  iterator end() { return {}; }
};

int main() {
  dualiter::assert_async_iterable<half_cppcoro_sequence>();
}

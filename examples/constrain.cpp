// Templates constrained on the three protocol concepts. Overloads resolve by subsumption: a
// type with both protocols picks the DualIterable overload, never an ambiguity.
#include <coroutine>
#include <cstdio>
#include <optional>
#include <vector>

#include <dualiter/adapters.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/diagnostics.hpp>

template <dualiter::SyncIterable R>
const char* describe(const R&) {
  return "sync iterable: use a plain for loop";
}
template <dualiter::AsyncIterable R>
const char* describe(const R&) {
  return "async iterable: use co_await dualiter::anext(it)";
}
template <dualiter::DualIterable R>
const char* describe(const R&) {
  return "dual iterable: either loop works";
}

// A hand-written async source: anext is ready at once and gives std::optional<int>.
struct countdown {
  int from = 3;
  struct next {
    std::optional<int> value;
    bool await_ready() const noexcept { return true; }
    void await_suspend(std::coroutine_handle<>) const noexcept {}
    std::optional<int> await_resume() const noexcept { return value; }
  };
  struct iterator {
    int left;
    next anext() { return {left > 0 ? std::optional<int>(left--) : std::nullopt}; }
  };
  iterator aiter() const { return {from}; }
};

// The same elements through both protocols.
struct both_ways : countdown {
  std::vector<int> items{3, 2, 1};
  auto begin() const { return items.begin(); }
  auto end() const { return items.end(); }
};

// Asserting entry point: a wrong argument gets dualiter's message rather than a wall of notes.
template <class R>
void must_be_async(const R&) {
  dualiter::assert_async_iterable<const R>();
}

static_assert(dualiter::DualIterable<both_ways>);
static_assert(dualiter::AsyncIterable<countdown> && !dualiter::SyncIterable<countdown>);

int main() {
  std::printf("std::vector<int>: %s\n", describe(std::vector<int>{1, 2}));
  std::printf("countdown:        %s\n", describe(countdown{}));
  std::printf("both_ways:        %s\n", describe(both_ways{}));

  // The adapters move a range between the worlds; overload resolution follows.
  std::vector<int> v{1, 2, 3};
  std::printf("as_async(v):      %s\n", describe(dualiter::as_async(v)));
  std::printf("dual(v):          %s\n", describe(dualiter::dual(v)));

  must_be_async(countdown{});
  // must_be_async(std::vector<int>{1, 2});
  // error: static assertion failed: dualiter: not async iterable: this is a sync range
  //   (begin/end) without aiter. Fix: wrap it with dualiter::as_async(r), or iterate it with a
  //   plain for loop   [with R = std::vector<int>]
  return 0;
}

// Small sources and sinks the test files share.
#ifndef DUALITER_TESTS_SUPPORT_SOURCES_HPP
#define DUALITER_TESTS_SUPPORT_SOURCES_HPP

#include <chrono>
#include <ranges>
#include <utility>
#include <vector>

#include <dualiter/async_generator.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/task.hpp>

namespace dualiter::testing {

/// 1, 2, ..., n, every element produced synchronously.
inline async_generator<int> count_to(int n) {
  for (int i = 1; i <= n; ++i) co_yield i;
}

/// 1, 2, ..., n from a plain generator.
inline generator<int> sync_count_to(int n) {
  for (int i = 1; i <= n; ++i) co_yield i;
}

/// Every element of a sync range, moved out where the range hands out rvalues: Python's
/// `list(r)`. (For async iterables the tests use dualiter::to_vector.)
template <class R>
std::vector<std::ranges::range_value_t<R>> sync_collect(R&& r) {
  std::vector<std::ranges::range_value_t<R>> out;
  for (auto&& x : r) out.push_back(std::forward<decltype(x)>(x));
  return out;
}

/// `value`, after sleeping `d` on the running loop: staggered completions for the task tools.
inline task<int> answer_after(std::chrono::milliseconds d, int value) {
  co_await dualiter::sleep_for(d);
  co_return value;
}

}  // namespace dualiter::testing

#endif  // DUALITER_TESTS_SUPPORT_SOURCES_HPP

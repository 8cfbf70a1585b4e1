// Small async sources and sinks the test files share.
#ifndef DUALITER_TESTS_SUPPORT_SOURCES_HPP
#define DUALITER_TESTS_SUPPORT_SOURCES_HPP

#include <vector>

#include <dualiter/async_generator.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/task.hpp>

namespace dualiter::testing {

/// 1, 2, ..., n, every element produced synchronously.
inline async_generator<int> count_to(int n) {
  for (int i = 1; i <= n; ++i) co_yield i;
}

/// Every element of r, pulled with aiter/anext: `async for x in r` into a list.
template <AsyncIterable R>
task<std::vector<async_value_t<R>>> collect_async(R& r) {
  std::vector<async_value_t<R>> out;
  auto it = dualiter::aiter(r);
  while (auto x = co_await dualiter::anext(it)) out.push_back(*x);
  co_return out;
}

}  // namespace dualiter::testing

#endif  // DUALITER_TESTS_SUPPORT_SOURCES_HPP

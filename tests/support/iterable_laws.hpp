// Laws every model of the iteration concepts must keep, written once (as Boost.Hana does in
// test/_include/laws/) and run over every model dualiter ships.
#ifndef DUALITER_TESTS_SUPPORT_ITERABLE_LAWS_HPP
#define DUALITER_TESTS_SUPPORT_ITERABLE_LAWS_HPP

#include <cstddef>
#include <iterator>
#include <limits>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/concepts.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/sync_wait.hpp>
#include <dualiter/task.hpp>

namespace dualiter::testing {

/// Pulls at most `limit` elements from r, then reports how many further anext calls were empty
/// out of `probes` (all of them, once the end was reached).
template <class R>
struct pulled {
  std::vector<async_value_t<R>> elements;
  int empty_probes = 0;
};

template <AsyncIterable R>
task<pulled<R>> pull(R& r, std::size_t limit, int probes) {
  pulled<R> out;
  auto it = dualiter::aiter(r);
  bool ended = false;
  while (out.elements.size() < limit) {
    auto x = co_await dualiter::anext(it);
    if (!x) {
      ended = true;
      break;
    }
    out.elements.push_back(*x);
  }
  for (int i = 0; ended && i < probes; ++i) {
    auto x = co_await dualiter::anext(it);
    if (!x) ++out.empty_probes;
  }
  co_return out;
}

/// Runs the task to completion; sync_wait by default, an event loop's run for sources that
/// sleep.
struct by_sync_wait {
  template <class T>
  T operator()(task<T> t) const {
    return dualiter::sync_wait(std::move(t));
  }
};

/// Runs the task on a fresh event loop, for sources that sleep.
struct by_event_loop {
  template <class T>
  T operator()(task<T> t) const {
    return dualiter::run(std::move(t));
  }
};

/// AsyncIterable laws: `make()` gives a fresh source each call. The elements come out as
/// `expected`; after the end, anext stays empty; abandoning the source after any number of
/// elements destroys everything (with `live` counting objects that must be gone then).
template <class Make, class T, class Drive = by_sync_wait>
void check_async_iterable_laws(Make make, const std::vector<T>& expected, const int* live = nullptr,
                               Drive drive = {}) {
  using R = decltype(make());
  static_assert(AsyncIterable<R>);
  {
    R source = make();
    auto result = drive(pull(source, std::numeric_limits<std::size_t>::max(), 3));
    EXPECT_EQ(result.elements, expected) << "the elements, in order";
    EXPECT_EQ(result.empty_probes, 3) << "after the end, anext must stay empty";
  }
  if (live) {
    EXPECT_EQ(*live, 0) << "objects left alive after a full run";
  }
  for (std::size_t k = 0; k <= expected.size(); ++k) {
    {
      R source = make();
      auto result = drive(pull(source, k, 0));
      EXPECT_EQ(result.elements.size(), k);
    }
    if (live) {
      EXPECT_EQ(*live, 0) << "objects left alive after abandoning at element " << k;
    }
  }
}

/// SyncIterable laws, the same three for a plain for loop.
template <class Make, class T>
void check_sync_iterable_laws(Make make, const std::vector<T>& expected,
                              const int* live = nullptr) {
  using R = decltype(make());
  static_assert(SyncIterable<R>);
  {
    R source = make();
    std::vector<T> got;
    auto it = std::ranges::begin(source);
    auto end = std::ranges::end(source);
    for (; it != end; ++it) got.push_back(*it);
    EXPECT_EQ(got, expected);
  }
  if (live) {
    EXPECT_EQ(*live, 0);
  }
  for (std::size_t k = 0; k <= expected.size(); ++k) {
    {
      R source = make();
      std::size_t taken = 0;
      for (auto it = std::ranges::begin(source); taken < k && it != std::ranges::end(source);
           ++it) {
        ++taken;
      }
      EXPECT_EQ(taken, k);
    }
    if (live) {
      EXPECT_EQ(*live, 0) << "objects left alive after abandoning at element " << k;
    }
  }
}

/// DualIterable laws: both sides keep their own laws and give equal sequences.
template <class Make, class T, class Drive = by_sync_wait>
void check_dual_iterable_laws(Make make, const std::vector<T>& expected, Drive drive = {}) {
  static_assert(DualIterable<decltype(make())>);
  check_sync_iterable_laws(make, expected);
  check_async_iterable_laws(make, expected, nullptr, drive);
}

}  // namespace dualiter::testing

#endif  // DUALITER_TESTS_SUPPORT_ITERABLE_LAWS_HPP

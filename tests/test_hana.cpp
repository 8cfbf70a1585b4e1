#include <vector>

// Hana piece by piece: the whole <boost/hana.hpp> brings traits.hpp, which Boost 1.74 wrote
// with std::is_literal_type and std::result_of, gone from C++20 in libc++.
#include <boost/hana/count_if.hpp>
#include <boost/hana/equal.hpp>
#include <boost/hana/filter.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/partition.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <gtest/gtest.h>

#include <dualiter/adapters.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/generator.hpp>
#include <dualiter/hana.hpp>
#include <dualiter/task.hpp>

namespace hana = boost::hana;

namespace {
using dual_vector = decltype(dualiter::dual(std::declval<std::vector<int>&>()));
constexpr auto types = hana::tuple_t<std::vector<int>, dualiter::generator<int>,
                                     dualiter::async_generator<int>, dual_vector, int>;
}  // namespace

static_assert(dualiter::hana::is_async_iterable(hana::type_c<dualiter::async_generator<int>>));
static_assert(!dualiter::hana::is_async_iterable(hana::type_c<std::vector<int>>));
static_assert(dualiter::hana::is_awaitable(hana::type_c<dualiter::task<>>));

static_assert(hana::filter(types, dualiter::hana::is_sync_iterable) ==
              hana::tuple_t<std::vector<int>, dualiter::generator<int>, dual_vector>);
static_assert(hana::filter(types, dualiter::hana::is_async_iterable) ==
              hana::tuple_t<dualiter::async_generator<int>, dual_vector>);
static_assert(hana::filter(types, dualiter::hana::is_dual_iterable) == hana::tuple_t<dual_vector>);

TEST(hana, predicates_partition_a_type_list_by_protocol) {
  auto parts = hana::partition(types, dualiter::hana::is_async_iterable);
  EXPECT_EQ(hana::length(hana::first(parts)), 2u);   // async_generator, dual
  EXPECT_EQ(hana::length(hana::second(parts)), 3u);  // vector, generator, int
  EXPECT_EQ(hana::count_if(types, dualiter::hana::is_sync_iterable), 3u);
}

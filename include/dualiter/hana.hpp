// Optional Boost.Hana predicates for the protocol concepts, for code that filters or
// partitions type lists. Not included by dualiter.hpp: only this header needs Boost.
//
//   auto types = hana::tuple_t<std::vector<int>, dualiter::async_generator<int>>;
//   auto async_ones = hana::filter(types, dualiter::hana::is_async_iterable);
#ifndef DUALITER_HANA_HPP
#define DUALITER_HANA_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <boost/hana/bool.hpp>
#include <boost/hana/type.hpp>

#include <dualiter/concepts.hpp>

namespace dualiter::hana {

/// `is_sync_iterable(hana::type_c<T>)` is `hana::true_` exactly when SyncIterable<T>.
inline constexpr auto is_sync_iterable = [](auto type) {
  return boost::hana::bool_c<SyncIterable<typename decltype(type)::type>>;
};

/// `is_async_iterable(hana::type_c<T>)` is `hana::true_` exactly when AsyncIterable<T>.
inline constexpr auto is_async_iterable = [](auto type) {
  return boost::hana::bool_c<AsyncIterable<typename decltype(type)::type>>;
};

/// `is_dual_iterable(hana::type_c<T>)` is `hana::true_` exactly when DualIterable<T>.
inline constexpr auto is_dual_iterable = [](auto type) {
  return boost::hana::bool_c<DualIterable<typename decltype(type)::type>>;
};

/// `is_awaitable(hana::type_c<T>)` is `hana::true_` exactly when Awaitable<T>.
inline constexpr auto is_awaitable = [](auto type) {
  return boost::hana::bool_c<Awaitable<typename decltype(type)::type>>;
};

}  // namespace dualiter::hana

#endif  // DUALITER_HANA_HPP

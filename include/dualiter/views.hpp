// dualiter::views — lazy adaptors that keep the protocol: a sync source gives a sync view, an
// async one an async view, a DualIterable one a DualIterable view with both sides adapted.
// Python: generator expressions and async comprehensions, itertools, aiostream.
//
//   Python                                         dualiter
//   (f(x) for x in r if p(x))                      r | views::filter(p) | views::transform(f)
//   [f(x) async for x in g if p(x)]                to_vector(g | views::filter(p) |
//   views::transform(f)) [await f(x) async for x in g]                  to_vector(g |
//   views::then(f)) itertools.islice(r, n) / takewhile / dropwhile views::take(n) / take_while(p) /
//   drop_while(p) enumerate(r), zip(a, b), itertools.chain(a, b) views::enumerate, views::zip(a,
//   b), views::chain(a, b) itertools.batched(r, n)                        views::chunk(n)
//   aiostream.stream.merge(a, b)                   views::merge(a, b)
//
// Every adaptor works as `r | views::X(args)` and as `views::X(r, args)`; enumerate takes no
// arguments (`r | views::enumerate`). Views are lazy, own rvalue sources and borrow lvalues (as
// std::views::all does); their iterators are valid while the view lives.
//
// Elements: a computed element (transform's result when f returns a value, enumerate's and
// zip's tuples, chunk's vectors) is handed out as an lvalue, on both sides, valid until the next
// ++ or anext; any other element is the source's own reference, never a copy. f (transform,
// then) gets the element as the source hands it out; a predicate gets it as an lvalue, so it
// cannot move from an element that is handed on. An exception from f or a predicate reaches the
// consumer at the ++ or anext that ran it.
#ifndef DUALITER_VIEWS_HPP
#define DUALITER_VIEWS_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <dualiter/detail/views_adaptors.hpp>

namespace dualiter::views {

/// `r | views::transform(f)`: f(x) for every element. Python: `(f(x) for x in r)`.
inline constexpr transform_fn transform{};
/// `r | views::filter(p)`: the elements for which p is true. Python: `(x for x in r if p(x))`.
inline constexpr predicate_adaptor<filter_tag> filter{};
/// `r | views::take(n)`: the first n elements; pulls no more than n. Python: itertools.islice.
/// A negative n throws std::invalid_argument.
inline constexpr count_adaptor<take_tag> take{};
/// `r | views::take_while(p)`: the elements up to the first for which p is false (which is
/// consumed). Python: itertools.takewhile.
inline constexpr predicate_adaptor<take_while_tag> take_while{};
/// `r | views::drop(n)`: all but the first n. Python: itertools.islice(r, n, None).
inline constexpr count_adaptor<drop_tag> drop{};
/// `r | views::drop_while(p)`: the elements from the first for which p is false. Python:
/// itertools.dropwhile.
inline constexpr predicate_adaptor<drop_while_tag> drop_while{};
/// `r | views::enumerate`: (index, element) tuples, for structured bindings. Python: enumerate.
inline constexpr enumerate_fn enumerate{};
/// `views::zip(a, b, ...)`: tuples of elements, ending with the shortest source. Python: zip.
inline constexpr sources_adaptor<zip_tag> zip{};
/// `views::chain(a, b, ...)`: the elements of each source in turn. Python: itertools.chain.
inline constexpr sources_adaptor<chain_tag> chain{};
/// `r | views::chunk(n)`: std::vectors of n elements, the last one shorter. Python:
/// itertools.batched. n < 1 throws std::invalid_argument.
inline constexpr count_adaptor<chunk_tag> chunk{};
/// `r | views::then(f)`: co_await f(x) for every element; async only. Python:
/// `(await f(x) async for x in r)`.
inline constexpr then_fn then{};
/// `views::merge(a, b, ...)`: the sources run concurrently on the running event loop, elements in
/// arrival order; async only. An exception from one source ends the merge with it and destroys
/// the others. Python: aiostream's stream.merge.
inline constexpr sources_adaptor<merge_tag> merge{};

}  // namespace dualiter::views

#endif  // DUALITER_VIEWS_HPP

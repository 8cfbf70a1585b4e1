// The function objects behind dualiter::views (views.hpp): each checks its arguments with one
// static_assert per misuse, naming the adaptor and the problem, then builds the view. A check that
// fails leaves the rest unevaluated (`if constexpr`), so a misuse gives one error, not a cascade.
#ifndef DUALITER_DETAIL_VIEWS_ADAPTORS_HPP
#define DUALITER_DETAIL_VIEWS_ADAPTORS_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/views_combine.hpp>
#include <dualiter/detail/views_core.hpp>
#include <dualiter/detail/views_elementwise.hpp>
#include <dualiter/detail/views_merge.hpp>
#include <dualiter/detail/views_skipping.hpp>
#include <dualiter/diagnostics.hpp>

namespace dualiter::detail {

// The element types a callable must accept, side by side; failing_ref_t names the first side
// that cannot call it, for the diagnostic.
template <class F, class S, template <class, class> class Accepts>
concept accepted_on_every_side = (!sync_side<S> || Accepts<F, sync_ref_t<S>>::value) &&
                                 (!async_side<S> || Accepts<F, async_ref_t<S>>::value);

template <class F, class S, template <class, class> class Accepts>
auto failing_ref() {
  if constexpr (sync_side<S>) {
    if constexpr (!Accepts<F, sync_ref_t<S>>::value || !async_side<S>) {
      return std::type_identity<sync_ref_t<S>>{};
    } else {
      return std::type_identity<async_ref_t<S>>{};
    }
  } else {
    return std::type_identity<async_ref_t<S>>{};
  }
}
template <class F, class S, template <class, class> class Accepts>
using failing_ref_t = typename decltype(failing_ref<F, S, Accepts>())::type;

template <class F, class Ref>
struct accepts_element : std::bool_constant<std::invocable<F&, Ref>> {};
template <class P, class Ref>
struct accepts_element_lvalue : std::bool_constant<std::predicate<P&, element_lvalue_t<Ref>>> {};

template <class N>
std::size_t checked_count(N n, const char* negative_message) {
  if constexpr (std::is_signed_v<N>) {
    if (n < 0) throw std::invalid_argument(negative_message);
  }
  return static_cast<std::size_t>(n);
}

/// For static_assert: a plain constant, so that Clang names the type without listing every
/// unsatisfied part of the concept (which would take the error over 40 lines).
template <class S>
inline constexpr bool iterable_source_v = iterable_source<S>;

template <class N>
inline constexpr bool is_count_v = std::is_integral_v<N> && !std::is_same_v<N, bool>;

}  // namespace dualiter::detail

// The message must be a string literal, so each adaptor spells its own; the macro only saves
// repeating the same sentence. Undefined at the end of this header.
#define DUALITER_VIEWS_ASSERT_SOURCE(NAME, R)                                                \
  static_assert(::dualiter::detail::iterable_source_v<R>,                                    \
                "dualiter::views::" NAME                                                     \
                ": the source is not iterable: it has neither "                              \
                "begin()/end() nor aiter(). Fix: pass a range, a dualiter::generator or an " \
                "async iterable (a dualiter::async_generator, dualiter::as_async(r), ...)")

namespace dualiter::views {

namespace detail_views {

/// The one-source adaptors with one argument: `views::X(r, arg)`, or `views::X(arg)` for `|`.
template <class Fn>
struct with_argument {
  template <class Arg>
  auto operator()(Arg arg) const {
    return Fn::make_closure(std::move(arg));
  }
  template <class R, class Arg>
  auto operator()(R&& r, Arg arg) const {
    return Fn::apply(static_cast<R&&>(r), std::move(arg));
  }
};

/// What a rejected partial application gives, so that piping into it adds no second error.
struct rejected {
  template <class R>
  friend void operator|(R&&, rejected) noexcept {}
};

template <class Fn, class Arg>
auto closure_of(Arg arg) {
  return ::dualiter::detail::view_closure<Fn, Arg>(std::move(arg));
}

}  // namespace detail_views

struct transform_fn : detail_views::with_argument<transform_fn> {
  template <class Elem, class F>
  static constexpr auto check_callable() {
    static_assert(std::invocable<F&, Elem>,
                  "dualiter::views::transform: the function cannot be called with the element "
                  "type (Elem below). Fix: make f take that type, or const T& / auto&&");
  }
  template <class R, class F>
  static auto apply(R&& r, F f) {
    namespace d = ::dualiter::detail;
    DUALITER_VIEWS_ASSERT_SOURCE("transform", R);
    if constexpr (d::iterable_source<R>) {
      using S = std::remove_reference_t<R>;
      check_callable<d::failing_ref_t<F, S, d::accepts_element>, F>();
      if constexpr (d::accepted_on_every_side<F, S, d::accepts_element>) {
        return d::transform_view<R, F>(static_cast<R&&>(r), std::move(f));
      }
    }
  }
  template <class F>
  static auto make_closure(F f) {
    return detail_views::closure_of<transform_fn>(std::move(f));
  }
};

/// The adaptors taking a predicate: filter, take_while, drop_while.
template <class Tag>
struct predicate_adaptor : detail_views::with_argument<predicate_adaptor<Tag>> {
  template <class R, class P>
  static auto apply(R&& r, P p) {
    namespace d = ::dualiter::detail;
    Tag::template assert_source<R>();
    if constexpr (d::iterable_source<R>) {
      using S = std::remove_reference_t<R>;
      using elem = d::element_lvalue_t<d::failing_ref_t<P, S, d::accepts_element_lvalue>>;
      Tag::template check_predicate<elem, P>();
      if constexpr (d::accepted_on_every_side<P, S, d::accepts_element_lvalue>) {
        return typename Tag::template view<R, P>(static_cast<R&&>(r), std::move(p));
      }
    }
  }
  template <class P>
  static auto make_closure(P p) {
    return detail_views::closure_of<predicate_adaptor>(std::move(p));
  }
};

struct filter_tag {
  template <class R, class P>
  using view = ::dualiter::detail::filter_view<R, P>;
  template <class R>
  static constexpr auto assert_source() {
    DUALITER_VIEWS_ASSERT_SOURCE("filter", R);
  }
  template <class Elem, class P>
  static constexpr auto check_predicate() {
    static_assert(std::predicate<P&, Elem>,
                  "dualiter::views::filter: the predicate cannot be called with the element type "
                  "(Elem below) or does not return something testable as bool. Fix: take the "
                  "element as const T& (or auto&&) and return bool");
  }
};
struct take_while_tag {
  template <class R, class P>
  using view = ::dualiter::detail::take_while_view<R, P>;
  template <class R>
  static constexpr auto assert_source() {
    DUALITER_VIEWS_ASSERT_SOURCE("take_while", R);
  }
  template <class Elem, class P>
  static constexpr auto check_predicate() {
    static_assert(std::predicate<P&, Elem>,
                  "dualiter::views::take_while: the predicate cannot be called with the element "
                  "type (Elem below) or does not return something testable as bool. Fix: take "
                  "the element as const T& (or auto&&) and return bool");
  }
};
struct drop_while_tag {
  template <class R, class P>
  using view = ::dualiter::detail::drop_while_view<R, P>;
  template <class R>
  static constexpr auto assert_source() {
    DUALITER_VIEWS_ASSERT_SOURCE("drop_while", R);
  }
  template <class Elem, class P>
  static constexpr auto check_predicate() {
    static_assert(std::predicate<P&, Elem>,
                  "dualiter::views::drop_while: the predicate cannot be called with the element "
                  "type (Elem below) or does not return something testable as bool. Fix: take "
                  "the element as const T& (or auto&&) and return bool");
  }
};

/// The adaptors taking a count: take, drop, chunk.
template <class Tag>
struct count_adaptor : detail_views::with_argument<count_adaptor<Tag>> {
  template <class R, class N>
  static auto apply(R&& r, N n) {
    namespace d = ::dualiter::detail;
    Tag::template assert_source<R>();
    Tag::template assert_count<N>();
    if constexpr (d::iterable_source<R> && d::is_count_v<N>) {
      return typename Tag::template view<R>(static_cast<R&&>(r), Tag::count(n));
    }
  }
  template <class N>
  static auto make_closure(N n) {
    Tag::template assert_count<N>();
    if constexpr (::dualiter::detail::is_count_v<N>) {
      return detail_views::closure_of<count_adaptor>(Tag::count(n));
    } else {
      return detail_views::rejected{};  // `r | rejected` compiles: the assertion stays alone
    }
  }
};

struct take_tag {
  template <class R>
  using view = ::dualiter::detail::take_view<R>;
  template <class R>
  static constexpr auto assert_source() {
    DUALITER_VIEWS_ASSERT_SOURCE("take", R);
  }
  template <class N>
  static constexpr auto assert_count() {
    static_assert(::dualiter::detail::is_count_v<N>,
                  "dualiter::views::take: the count must be an integer. Fix: pass an int or a "
                  "std::size_t");
  }
  template <class N>
  static std::size_t count(N n) {
    return ::dualiter::detail::checked_count(n, "dualiter::views::take: the count is negative");
  }
};
struct drop_tag {
  template <class R>
  using view = ::dualiter::detail::drop_view<R>;
  template <class R>
  static constexpr auto assert_source() {
    DUALITER_VIEWS_ASSERT_SOURCE("drop", R);
  }
  template <class N>
  static constexpr auto assert_count() {
    static_assert(::dualiter::detail::is_count_v<N>,
                  "dualiter::views::drop: the count must be an integer. Fix: pass an int or a "
                  "std::size_t");
  }
  template <class N>
  static std::size_t count(N n) {
    return ::dualiter::detail::checked_count(n, "dualiter::views::drop: the count is negative");
  }
};
struct chunk_tag {
  template <class R>
  using view = ::dualiter::detail::chunk_view<R>;
  template <class R>
  static constexpr auto assert_source() {
    DUALITER_VIEWS_ASSERT_SOURCE("chunk", R);
  }
  template <class N>
  static constexpr auto assert_count() {
    static_assert(::dualiter::detail::is_count_v<N>,
                  "dualiter::views::chunk: the size must be an integer. Fix: pass an int or a "
                  "std::size_t");
  }
  template <class N>
  static std::size_t count(N n) {
    // Python: itertools.batched raises ValueError('n must be at least one').
    const bool too_small = [n] {
      if constexpr (std::is_signed_v<N>) {
        return n < 1;
      } else {
        return n == 0;
      }
    }();
    if (too_small)
      throw std::invalid_argument("dualiter::views::chunk: the size must be at least 1");
    return static_cast<std::size_t>(n);
  }
};

struct then_fn : detail_views::with_argument<then_fn> {
  template <class R, class F>
  static auto apply(R&& r, F f) {
    namespace d = ::dualiter::detail;
    DUALITER_VIEWS_ASSERT_SOURCE("then", R);
    if constexpr (d::iterable_source<R>) {
      using ref = d::anext_ref_t<d::source_aiter_t<std::remove_reference_t<R>>>;
      check_callable<ref, F>();
      if constexpr (std::invocable<F&, ref>) {
        if constexpr (Awaitable<std::invoke_result_t<F&, ref>>) {
          return d::then_view<R, F>(static_cast<R&&>(r), std::move(f));
        }
      }
    }
  }
  template <class Elem, class F>
  static constexpr auto check_callable() {
    if constexpr (!std::invocable<F&, Elem>) {
      static_assert(std::invocable<F&, Elem>,
                    "dualiter::views::then: the function cannot be called with the element type "
                    "(Elem below). Fix: make f take that type, or const T& / auto&&");
    } else {
      static_assert(Awaitable<std::invoke_result_t<F&, Elem>>,
                    "dualiter::views::then: the function does not return an awaitable. Fix: "
                    "return a dualiter::task (or any awaitable), or use views::transform");
    }
  }
  template <class F>
  static auto make_closure(F f) {
    return detail_views::closure_of<then_fn>(std::move(f));
  }
};

struct enumerate_fn {
  template <class R>
  auto operator()(R&& r) const {
    DUALITER_VIEWS_ASSERT_SOURCE("enumerate", R);
    if constexpr (::dualiter::detail::iterable_source<R>) {
      return ::dualiter::detail::enumerate_view<R>(static_cast<R&&>(r), 0);
    }
  }
  template <class R>
  friend auto operator|(R&& r, enumerate_fn self) {
    return self(static_cast<R&&>(r));
  }
};

/// The adaptors over several sources: zip, chain, merge.
template <class Tag>
struct sources_adaptor {
  template <class... R>
  auto operator()(R&&... r) const {
    namespace d = ::dualiter::detail;
    Tag::template assert_sources<R...>();
    if constexpr ((d::iterable_source<R> && ...)) {
      if constexpr (Tag::template valid<R...>) {
        return typename Tag::template view<R...>(static_cast<R&&>(r)...);
      }
    }
  }
};

struct zip_tag {
  template <class... R>
  using view = ::dualiter::detail::zip_view<R...>;
  template <class... R>
  static constexpr bool valid = sizeof...(R) > 0;
  template <class... R>
  static constexpr auto assert_sources() {
    static_assert(sizeof...(R) > 0, "dualiter::views::zip: give it at least one source");
    static_assert((::dualiter::detail::iterable_source_v<R> && ...),
                  "dualiter::views::zip: a source is not iterable: it has neither begin()/end() "
                  "nor aiter(). Fix: pass ranges, generators or async iterables");
  }
};
}  // namespace dualiter::views

namespace dualiter::detail {
template <class... R>
concept have_common_reference = requires {
  typename std::common_reference_t<anext_ref_t<source_aiter_t<std::remove_reference_t<R>>>...>;
};
}  // namespace dualiter::detail

namespace dualiter::views {
struct chain_tag {
  template <class... R>
  using view = ::dualiter::detail::chain_view<R...>;
  template <class... R>
  static constexpr bool valid = sizeof...(R) > 0 && ::dualiter::detail::have_common_reference<R...>;
  template <class... R>
  static constexpr auto assert_sources() {
    static_assert(sizeof...(R) > 0, "dualiter::views::chain: give it at least one source");
    static_assert((::dualiter::detail::iterable_source_v<R> && ...),
                  "dualiter::views::chain: a source is not iterable: it has neither "
                  "begin()/end() nor aiter(). Fix: pass ranges, generators or async iterables");
    if constexpr ((::dualiter::detail::iterable_source<R> && ...) && sizeof...(R) > 0) {
      static_assert(::dualiter::detail::have_common_reference<R...>,
                    "dualiter::views::chain: the sources' elements have no common type. Fix: "
                    "transform them to one type first");
    }
  }
};
struct merge_tag {
  template <class... R>
  using view = ::dualiter::detail::merge_view<R...>;
  template <class... R>
  static constexpr bool valid = sizeof...(R) > 0 && ::dualiter::detail::have_common_reference<R...>;
  template <class... R>
  static constexpr auto assert_sources() {
    static_assert(sizeof...(R) > 0, "dualiter::views::merge: give it at least one source");
    static_assert((::dualiter::detail::iterable_source_v<R> && ...),
                  "dualiter::views::merge: a source is not iterable: it has neither "
                  "begin()/end() nor aiter(). Fix: pass async iterables (or ranges)");
    if constexpr ((::dualiter::detail::iterable_source<R> && ...) && sizeof...(R) > 0) {
      static_assert(::dualiter::detail::have_common_reference<R...>,
                    "dualiter::views::merge: the sources' elements have no common type. Fix: "
                    "transform them to one type first");
    }
  }
};
}  // namespace dualiter::views

#undef DUALITER_VIEWS_ASSERT_SOURCE

#endif  // DUALITER_DETAIL_VIEWS_ADAPTORS_HPP

// The frame every one-source view shares: how it holds the source and its argument, the sync
// iterators' common part, the forwarding awaiter, and adapted_view, which puts a sync iterator
// and an async iterator together into a view with the source's sides.
#ifndef DUALITER_DETAIL_VIEWS_FORWARDING_HPP
#define DUALITER_DETAIL_VIEWS_FORWARDING_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <coroutine>
#include <cstddef>
#include <iterator>
#include <optional>
#include <ranges>
#include <type_traits>
#include <utility>

#include <dualiter/adapters.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/views_core.hpp>

namespace dualiter::detail {

/// Holds the source as std::views::all would (an lvalue by reference, an rvalue by value) and
/// the adaptor's argument (a callable or a count), which the iterators point to.
template <class R, class Arg>
class view_storage {
 public:
  using source_type = std::remove_reference_t<R>;
  template <class U>
  view_storage(U&& r, Arg arg) : source_(static_cast<U&&>(r)), arg_(std::move(arg)) {}

 protected:
  source_type& source() noexcept { return source_.get(); }
  auto sync_range() { return std::pair(std::ranges::begin(source()), std::ranges::end(source())); }
  Arg& arg() noexcept { return arg_; }

 private:
  range_holder<R> source_;
  Arg arg_;
};

/// The common part of the sync iterators: the source's iterator and its end.
template <class S>
class sync_cursor {
 public:
  using difference_type = std::ptrdiff_t;

 protected:
  using base_iterator = std::ranges::iterator_t<S>;
  using base_sentinel = std::ranges::sentinel_t<S>;
  sync_cursor(base_iterator it, base_sentinel end) : it_(std::move(it)), end_(std::move(end)) {}
  bool at_end() const { return it_ == end_; }
  base_iterator it_;
  base_sentinel end_;
};

/// Forwarder awaiter: one anext of the view is one anext of the source; Self::settle turns the
/// source's result into the view's. With CanEnd (take, take_while) the view may have ended on
/// its own, and then the source is not asked at all.
template <class Self, class SrcIt, bool CanEnd>
class forwarding_awaiter
    : public inline_aware_like<typename held_awaiter<anext_awaitable_t<SrcIt>>::awaiter> {
  using held = held_awaiter<anext_awaitable_t<SrcIt>>;

 public:
  forwarding_awaiter(Self& self, SrcIt& it, bool ended) : self_(self) {
    if (!ended) inner_.emplace([&it] { return dualiter::anext(it); });
  }
  forwarding_awaiter(Self& self, SrcIt& it)
    requires(!CanEnd)
      : self_(self), inner_([&it] { return dualiter::anext(it); }) {}

  bool await_ready() { return !engaged() || inner().await_ready(); }
  template <class P>
  decltype(auto) await_suspend(std::coroutine_handle<P> h) {
    return inner().await_suspend(h);
  }
  auto await_resume() {
    if (!engaged()) return typename Self::result();
    return self_.settle(inner().await_resume());
  }

 private:
  bool engaged() const noexcept {
    if constexpr (CanEnd) {
      return inner_.has_value();
    } else {
      return true;
    }
  }
  auto& inner() {
    if constexpr (CanEnd) {
      return inner_->get();
    } else {
      return inner_.get();
    }
  }
  Self& self_;
  std::conditional_t<CanEnd, std::optional<held>, held> inner_;
};

/// Whether a result of anext only points to its element (which then lives elsewhere until the
/// next anext), rather than holding it.
template <class Result>
inline constexpr bool points_to_element_v = std::is_pointer_v<Result>;
template <class Ref>
inline constexpr bool points_to_element_v<anext_result<Ref>> = true;

/// The view of every one-source adaptor: Sync<S, Extra...> and Async<async iterator, Extra...>
/// are its iterators, each made from the source's iterators and the adaptor's argument.
template <class R, class Arg, template <class...> class Sync, template <class...> class Async,
          class... Extra>
class adapted_view : view_storage<R, Arg> {
  using S = std::remove_reference_t<R>;

 public:
  using view_storage<R, Arg>::view_storage;
  auto begin()
    requires sync_side<S>
  {
    return Sync<S, Extra...>(this->sync_range(), this->arg());
  }
  std::default_sentinel_t end() const noexcept
    requires sync_side<S>
  {
    return {};
  }
  auto aiter()
    requires async_side<S>
  {
    return Async<async_iterator_t<S&>, Extra...>(dualiter::aiter(this->source()), this->arg());
  }
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_VIEWS_FORWARDING_HPP

// The one-source views: transform, filter, take, take_while, drop, drop_while, enumerate.
//
// Each has a sync side (an input iterator over the source's iterators, compared with
// std::default_sentinel) when the source is SyncIterable, and an async side (a forwarder or a
// pull loop, see views_core.hpp) when it is AsyncIterable; so a dual source gives a dual view.
// Neither side uses std::views or view_interface, which Clang 14 cannot compile against
// libstdc++ 12.
#ifndef DUALITER_DETAIL_VIEWS_ELEMENTWISE_HPP
#define DUALITER_DETAIL_VIEWS_ELEMENTWISE_HPP

#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

#include <dualiter/adapters.hpp>
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
  forwarding_awaiter(Self& self, SrcIt& it) requires(!CanEnd)
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

// --- transform -------------------------------------------------------------------------------

template <class S, class F>
class transform_iterator : public sync_cursor<S> {
  using out = std::invoke_result_t<F&, sync_ref_t<S>>;

 public:
  using value_type = std::remove_cvref_t<out>;
  using reference = computed_ref_t<out>;
  transform_iterator(std::pair<std::ranges::iterator_t<S>, std::ranges::sentinel_t<S>> at, F& f)
      : sync_cursor<S>(std::move(at.first), std::move(at.second)), f_(&f) {
    load();
  }
  reference operator*() const { return cache_.get(); }
  transform_iterator& operator++() {
    ++this->it_;
    load();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const transform_iterator& i, std::default_sentinel_t) { return i.at_end(); }

 private:
  // f runs at begin() and ++, as on the async side at anext: its exceptions surface there.
  void load() {
    if (!this->at_end()) cache_.set([this]() -> out { return std::invoke(*f_, *this->it_); });
  }
  F* f_;
  computed_cache<out> cache_;
};

/// The async side of transform and enumerate: a forwarder whose elements are computed from
/// the source's and kept in the iterator, next to the source's result, which is kept too: its
/// element may live in it (a std::optional), and the computed element may refer to it.
template <class Derived, class SrcIt, class Out>
class computing_aiter {
  using source_result = std::remove_cvref_t<anext_result_t<SrcIt>>;

 public:
  using result = anext_result<computed_ref_t<Out>>;
  explicit computing_aiter(SrcIt it) : it_(std::move(it)) {}
  auto anext() { return forwarding_awaiter<computing_aiter, SrcIt, false>(*this, it_); }
  result settle(source_result r) {
    if constexpr (points_to_element_v<source_result>) {
      if (!r) return result();
      cache_.set([&]() -> Out { return static_cast<Derived&>(*this).compute(*r); });
    } else {
      held_.reset();
      if (!r) return result();
      held_.emplace(std::move(r));
      cache_.set([this]() -> Out { return static_cast<Derived&>(*this).compute(**held_); });
    }
    return result(cache_.address());
  }

 private:
  SrcIt it_;
  struct none {};
  [[no_unique_address]] std::conditional_t<points_to_element_v<source_result>, none,
                                           std::optional<source_result>>
      held_;
  computed_cache<Out> cache_;
};

template <class SrcIt, class F>
class transform_aiter
    : public computing_aiter<transform_aiter<SrcIt, F>, SrcIt,
                             std::invoke_result_t<F&, anext_ref_t<SrcIt>>> {
  using out = std::invoke_result_t<F&, anext_ref_t<SrcIt>>;

 public:
  transform_aiter(SrcIt it, F& f) : computing_aiter<transform_aiter, SrcIt, out>(std::move(it)), f_(&f) {}
  template <class E>
  out compute(E&& element) {
    return std::invoke(*f_, static_cast<E&&>(element));
  }

 private:
  F* f_;
};

// --- filter, drop, drop_while: pull loops on the async side ----------------------------------

/// Sync side of the three: skips elements while Self::skip(element) says so, at begin() (all
/// three) and at every ++ (filter only).
template <class S, class Self>
class skipping_iterator : public sync_cursor<S> {
 public:
  using value_type = std::ranges::range_value_t<S>;
  using reference = sync_ref_t<S>;
  reference operator*() const { return *this->it_; }
  Self& operator++() {
    ++this->it_;
    if (static_cast<Self&>(*this).every_step) satisfy();
    return static_cast<Self&>(*this);
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const Self& i, std::default_sentinel_t) { return i.at_end(); }

 protected:
  using sync_cursor<S>::sync_cursor;
  void satisfy() {
    while (!this->at_end()) {
      auto&& element = *this->it_;
      if (!static_cast<Self&>(*this).skip(element)) break;
      ++this->it_;
    }
  }
};

template <class S, class Pred>
class filter_iterator : public skipping_iterator<S, filter_iterator<S, Pred>> {
 public:
  static constexpr bool every_step = true;
  filter_iterator(auto at, Pred& p)
      : skipping_iterator<S, filter_iterator>(std::move(at.first), std::move(at.second)),
        pred_(&p) {
    this->satisfy();
  }
  template <class E>
  bool skip(E& e) {
    return !std::invoke(*pred_, e);
  }

 private:
  Pred* pred_;
};

template <class SrcIt, class Pred>
class filter_aiter : public pull_loop<filter_aiter<SrcIt, Pred>, SrcIt> {
 public:
  filter_aiter(SrcIt it, Pred& p) : pull_loop<filter_aiter, SrcIt>(std::move(it)), pred_(&p) {}
  template <class E>
  bool keep(E& e) {
    return std::invoke(*pred_, e);
  }

 private:
  Pred* pred_;
};

template <class S, class Pred>
class drop_while_iterator : public skipping_iterator<S, drop_while_iterator<S, Pred>> {
 public:
  static constexpr bool every_step = false;
  drop_while_iterator(auto at, Pred& p)
      : skipping_iterator<S, drop_while_iterator>(std::move(at.first), std::move(at.second)),
        pred_(&p) {
    this->satisfy();
  }
  template <class E>
  bool skip(E& e) {
    return std::invoke(*pred_, e);
  }

 private:
  Pred* pred_;
};

template <class SrcIt, class Pred>
class drop_while_aiter : public pull_loop<drop_while_aiter<SrcIt, Pred>, SrcIt> {
 public:
  drop_while_aiter(SrcIt it, Pred& p)
      : pull_loop<drop_while_aiter, SrcIt>(std::move(it)), pred_(&p) {}
  template <class E>
  bool keep(E& e) {
    if (dropping_ && std::invoke(*pred_, e)) return false;
    dropping_ = false;
    return true;
  }

 private:
  Pred* pred_;
  bool dropping_ = true;
};

template <class S>
class drop_iterator : public skipping_iterator<S, drop_iterator<S>> {
 public:
  static constexpr bool every_step = false;
  drop_iterator(auto at, std::size_t n)
      : skipping_iterator<S, drop_iterator>(std::move(at.first), std::move(at.second)), left_(n) {
    this->satisfy();
  }
  template <class E>
  bool skip(E&) {
    if (left_ == 0) return false;
    --left_;
    return true;
  }

 private:
  std::size_t left_;
};

template <class SrcIt>
class drop_aiter : public pull_loop<drop_aiter<SrcIt>, SrcIt> {
 public:
  drop_aiter(SrcIt it, std::size_t n) : pull_loop<drop_aiter, SrcIt>(std::move(it)), left_(n) {}
  template <class E>
  bool keep(E&) {
    if (left_ == 0) return true;
    --left_;
    return false;
  }

 private:
  std::size_t left_;
};

/// The view of every one-source adaptor: Sync<S, Extra...> and Async<async iterator, Extra...>
/// are its iterators, each made from the source's iterators and the adaptor's argument.
template <class R, class Arg, template <class...> class Sync, template <class...> class Async,
          class... Extra>
class adapted_view : view_storage<R, Arg> {
  using S = std::remove_reference_t<R>;

 public:
  using view_storage<R, Arg>::view_storage;
  auto begin() requires sync_side<S> {
    return Sync<S, Extra...>(this->sync_range(), this->arg());
  }
  std::default_sentinel_t end() const noexcept requires sync_side<S> { return {}; }
  auto aiter() requires async_side<S> {
    return Async<async_iterator_t<S&>, Extra...>(dualiter::aiter(this->source()), this->arg());
  }
};

template <class R, class F>
using transform_view = adapted_view<R, F, transform_iterator, transform_aiter, F>;
template <class R, class Pred>
using filter_view = adapted_view<R, Pred, filter_iterator, filter_aiter, Pred>;
template <class R, class Pred>
using drop_while_view = adapted_view<R, Pred, drop_while_iterator, drop_while_aiter, Pred>;
template <class R>
using drop_view = adapted_view<R, std::size_t, drop_iterator, drop_aiter>;

// --- take, take_while: forwarders that end early ---------------------------------------------

template <class S>
class take_iterator : public sync_cursor<S> {
 public:
  using value_type = std::ranges::range_value_t<S>;
  using reference = sync_ref_t<S>;
  take_iterator(auto at, std::size_t n)
      : sync_cursor<S>(std::move(at.first), std::move(at.second)), left_(n) {}
  reference operator*() const { return *this->it_; }
  take_iterator& operator++() {
    // The source moves on only while more is wanted: after the nth element nothing is pulled.
    if (--left_ > 0) ++this->it_;
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const take_iterator& i, std::default_sentinel_t) {
    return i.left_ == 0 || i.at_end();
  }

 private:
  std::size_t left_;
};

template <class SrcIt>
class take_aiter {
 public:
  using result = std::remove_cvref_t<anext_result_t<SrcIt>>;
  take_aiter(SrcIt it, std::size_t n) : it_(std::move(it)), left_(n) {}
  auto anext() { return forwarding_awaiter<take_aiter, SrcIt, true>(*this, it_, left_ == 0); }
  result settle(result r) {
    left_ = r ? left_ - 1 : 0;
    return r;
  }

 private:
  SrcIt it_;
  std::size_t left_;
};

template <class S, class Pred>
class take_while_iterator : public sync_cursor<S> {
 public:
  using value_type = std::ranges::range_value_t<S>;
  using reference = sync_ref_t<S>;
  take_while_iterator(auto at, Pred& p)
      : sync_cursor<S>(std::move(at.first), std::move(at.second)), pred_(&p) {
    check();
  }
  reference operator*() const { return *this->it_; }
  take_while_iterator& operator++() {
    ++this->it_;
    check();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const take_while_iterator& i, std::default_sentinel_t) { return i.done_; }

 private:
  void check() {
    if (this->at_end()) {
      done_ = true;
      return;
    }
    auto&& element = *this->it_;
    done_ = !std::invoke(*pred_, element);
  }
  Pred* pred_;
  bool done_ = false;
};

template <class SrcIt, class Pred>
class take_while_aiter {
 public:
  using result = std::remove_cvref_t<anext_result_t<SrcIt>>;
  take_while_aiter(SrcIt it, Pred& p) : it_(std::move(it)), pred_(&p) {}
  auto anext() { return forwarding_awaiter<take_while_aiter, SrcIt, true>(*this, it_, done_); }
  result settle(result r) {
    if (r) {
      auto&& element = *r;
      if (std::invoke(*pred_, element)) return r;
    }
    done_ = true;  // the first failing element is consumed, as by itertools.takewhile
    return result();
  }

 private:
  SrcIt it_;
  Pred* pred_;
  bool done_ = false;
};

template <class R>
using take_view = adapted_view<R, std::size_t, take_iterator, take_aiter>;
template <class R, class Pred>
using take_while_view = adapted_view<R, Pred, take_while_iterator, take_while_aiter, Pred>;

// --- enumerate -------------------------------------------------------------------------------

/// enumerate's element: (index, element), for structured bindings. Python: enumerate's tuples.
template <class Ref>
using enumerated_t = std::tuple<std::size_t, tuple_part_t<Ref>>;

template <class S>
class enumerate_iterator : public sync_cursor<S> {
  using out = enumerated_t<sync_ref_t<S>>;

 public:
  using value_type = out;
  using reference = out&;
  enumerate_iterator(auto at, std::size_t /*unused*/)
      : sync_cursor<S>(std::move(at.first), std::move(at.second)) {
    load();
  }
  reference operator*() const { return cache_.get(); }
  enumerate_iterator& operator++() {
    ++this->it_;
    ++index_;
    load();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const enumerate_iterator& i, std::default_sentinel_t) { return i.at_end(); }

 private:
  void load() {
    if (!this->at_end()) cache_.set([this] { return out(index_, *this->it_); });
  }
  std::size_t index_ = 0;
  computed_cache<out> cache_;
};

template <class SrcIt>
class enumerate_aiter
    : public computing_aiter<enumerate_aiter<SrcIt>, SrcIt, enumerated_t<anext_ref_t<SrcIt>>> {
  using out = enumerated_t<anext_ref_t<SrcIt>>;

 public:
  enumerate_aiter(SrcIt it, std::size_t /*unused*/)
      : computing_aiter<enumerate_aiter, SrcIt, out>(std::move(it)) {}
  template <class E>
  out compute(E&& element) {
    return out(index_++, static_cast<E&&>(element));
  }

 private:
  std::size_t index_ = 0;
};

template <class R>
using enumerate_view = adapted_view<R, std::size_t, enumerate_iterator, enumerate_aiter>;

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_VIEWS_ELEMENTWISE_HPP

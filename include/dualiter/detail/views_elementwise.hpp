// The one-source views whose anext is one anext of the source: transform, take, take_while,
// enumerate. (filter, drop and drop_while are in views_skipping.hpp.)
//
// Each has a sync side (an input iterator over the source's iterators, compared with
// std::default_sentinel) when the source is SyncIterable, and an async side (a forwarder or a
// pull loop, see views_core.hpp) when it is AsyncIterable; so a dual source gives a dual view.
// Neither side uses std::views or view_interface, which Clang 14 cannot compile against
// libstdc++ 12.
#ifndef DUALITER_DETAIL_VIEWS_ELEMENTWISE_HPP
#define DUALITER_DETAIL_VIEWS_ELEMENTWISE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

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
#include <dualiter/detail/views_forwarding.hpp>

namespace dualiter::detail {

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
  friend bool operator==(const transform_iterator& i, std::default_sentinel_t) {
    return i.at_end();
  }

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
                                           std::optional<source_result>> held_;
  computed_cache<Out> cache_;
};

template <class SrcIt, class F>
class transform_aiter : public computing_aiter<transform_aiter<SrcIt, F>, SrcIt,
                                               std::invoke_result_t<F&, anext_ref_t<SrcIt>>> {
  using out = std::invoke_result_t<F&, anext_ref_t<SrcIt>>;

 public:
  transform_aiter(SrcIt it, F& f)
      : computing_aiter<transform_aiter, SrcIt, out>(std::move(it)), f_(&f) {}
  template <class E>
  out compute(E&& element) {
    return std::invoke(*f_, static_cast<E&&>(element));
  }

 private:
  F* f_;
};

template <class R, class F>
using transform_view = adapted_view<R, F, transform_iterator, transform_aiter, F>;

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
  friend bool operator==(const enumerate_iterator& i, std::default_sentinel_t) {
    return i.at_end();
  }

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

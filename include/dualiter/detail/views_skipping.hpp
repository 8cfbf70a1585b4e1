// filter, drop, drop_while: one anext of the view may take several of the source, so their
// async side is a pull loop (views_core.hpp); their sync side skips in begin() and ++.
#ifndef DUALITER_DETAIL_VIEWS_SKIPPING_HPP
#define DUALITER_DETAIL_VIEWS_SKIPPING_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <cstddef>
#include <functional>
#include <iterator>
#include <ranges>
#include <utility>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/views_core.hpp>
#include <dualiter/detail/views_forwarding.hpp>

namespace dualiter::detail {

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

template <class R, class Pred>
using filter_view = adapted_view<R, Pred, filter_iterator, filter_aiter, Pred>;
template <class R, class Pred>
using drop_while_view = adapted_view<R, Pred, drop_while_iterator, drop_while_aiter, Pred>;
template <class R>
using drop_view = adapted_view<R, std::size_t, drop_iterator, drop_aiter>;

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_VIEWS_SKIPPING_HPP

// The views over several sources (zip, chain) or several elements at once (chunk), and then.
//
// Their async side is one async_generator per aiter() (one frame, made once): the per-element
// cost is one inline resumption, and the anext rules (empty after the end, already_running,
// exceptions at the anext that ran into them, destruction at any point) are the generator's.
// Sync-only inputs of a zip or chain with an async one are seen through as_async's iterator.
#ifndef DUALITER_DETAIL_VIEWS_COMBINE_HPP
#define DUALITER_DETAIL_VIEWS_COMBINE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <cstddef>
#include <functional>
#include <iterator>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <dualiter/adapters.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/views_core.hpp>
#include <dualiter/detail/views_elementwise.hpp>

namespace dualiter::detail {

/// Calls `f.template operator()<I>()` for a run-time i < N, through a table of N functions.
template <std::size_t N, class F>
decltype(auto) with_index(std::size_t i, F&& f) {
  using result = decltype(f.template operator()<0>());
  return [&]<std::size_t... I>(std::index_sequence<I...>) -> result {
    using entry = result (*)(F&);
    static constexpr entry table[] = {[](F& g) -> result { return g.template operator()<I>(); }...};
    return table[i](f);
  }(std::make_index_sequence<N>{});
}

/// The sides of a multi-source view: sync when every input is sync; async when some input is
/// async and every input is iterable (the sync-only ones are lifted).
template <class... S>
concept all_sync_side = (sync_side<S> && ...);
template <class... S>
concept some_async_side = (async_side<S> || ...) && (iterable_source<S> && ...);

template <class It>
using stored_result_t = std::optional<std::remove_cvref_t<anext_result_t<It>>>;

/// `co_await nth_anext(its, i, results)`: one anext of the i-th iterator (i known at run time),
/// its result left in std::get<i>(results); true for an element, false for the end.
template <class... It>
class nth_anext
    : public std::conditional_t<
          (std::is_base_of_v<inline_aware, typename held_awaiter<anext_awaitable_t<It>>::awaiter> &&
           ...),
          inline_aware, not_inline_aware> {
 public:
  using results = std::tuple<stored_result_t<It>...>;

  nth_anext(std::tuple<It...>& its, std::size_t i, results& out) : out_(out), i_(i) {
    with_index<sizeof...(It)>(i, [&]<std::size_t I>() {
      pending_.template emplace<I + 1>([&] { return dualiter::anext(std::get<I>(its)); });
    });
  }
  bool await_ready() {
    return with_index<sizeof...(It)>(
        i_, [&]<std::size_t I>() { return std::get<I + 1>(pending_).get().await_ready(); });
  }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) {
    return with_index<sizeof...(It)>(
        i_, [&]<std::size_t I>() { return suspend_on(std::get<I + 1>(pending_).get(), h); });
  }
  bool await_resume() {
    return with_index<sizeof...(It)>(i_, [&]<std::size_t I>() {
      auto& slot = std::get<I>(out_);
      slot.reset();
      slot.emplace(std::get<I + 1>(pending_).get().await_resume());
      return static_cast<bool>(*slot);
    });
  }

 private:
  std::variant<std::monostate, held_awaiter<anext_awaitable_t<It>>...> pending_;
  results& out_;
  std::size_t i_;
};

// --- zip -------------------------------------------------------------------------------------

template <class... S>
class zip_iterator {
  using out = std::tuple<tuple_part_t<sync_ref_t<S>>...>;

 public:
  using value_type = out;
  using reference = out&;
  using difference_type = std::ptrdiff_t;
  explicit zip_iterator(S&... sources)
      : its_(std::ranges::begin(sources)...), ends_(std::ranges::end(sources)...) {
    load();
  }
  reference operator*() const { return cache_.get(); }
  zip_iterator& operator++() {
    std::apply([](auto&... it) { (++it, ...); }, its_);
    load();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const zip_iterator& i, std::default_sentinel_t) { return i.done_; }

 private:
  void load() {
    done_ = [&]<std::size_t... I>(std::index_sequence<I...>) {
      return ((std::get<I>(its_) == std::get<I>(ends_)) || ...);
    }(std::index_sequence_for<S...>{});
    if (!done_) {
      cache_.set([this] { return std::apply([](auto&... it) { return out(*it...); }, its_); });
    }
  }
  std::tuple<std::ranges::iterator_t<S>...> its_;
  std::tuple<std::ranges::sentinel_t<S>...> ends_;
  computed_cache<out> cache_;
  bool done_ = false;
};

template <class Out, class... It>
async_generator<Out&> zip_elements(std::tuple<It...> its) {
  typename nth_anext<It...>::results results;
  for (;;) {
    // In argument order, and no further once one has ended: Python's zip.
    for (std::size_t i = 0; i < sizeof...(It); ++i) {
      if (!co_await nth_anext<It...>(its, i, results)) co_return;
    }
    Out out = std::apply([](auto&... r) { return Out(**r...); }, results);
    co_yield out;
  }
}

template <class... R>
class zip_view {
 public:
  template <class... U>
  explicit zip_view(U&&... r) : sources_(range_holder<R>(static_cast<U&&>(r))...) {}

  auto begin()
    requires all_sync_side<R...>
  {
    return std::apply(
        [](auto&... s) { return zip_iterator<std::remove_reference_t<R>...>(s.get()...); },
        sources_);
  }
  std::default_sentinel_t end() const noexcept
    requires all_sync_side<R...>
  {
    return {};
  }
  auto aiter()
    requires some_async_side<R...>
  {
    return std::apply(
        [](auto&... s) {
          using out =
              std::tuple<tuple_part_t<anext_ref_t<source_aiter_t<std::remove_reference_t<R>>>>...>;
          return zip_elements<out>(std::tuple(source_aiter(s.get())...));
        },
        sources_);
  }

 private:
  std::tuple<range_holder<R>...> sources_;
};

// --- chain -----------------------------------------------------------------------------------

template <class... S>
class chain_iterator {
 public:
  using reference = std::common_reference_t<sync_ref_t<S>...>;
  using value_type = std::remove_cvref_t<reference>;
  using difference_type = std::ptrdiff_t;
  explicit chain_iterator(S&... sources)
      : its_(std::ranges::begin(sources)...), ends_(std::ranges::end(sources)...) {
    settle();
  }
  reference operator*() const {
    return with_index<sizeof...(S)>(
        at_, [this]<std::size_t I>() -> reference { return *std::get<I>(its_); });
  }
  chain_iterator& operator++() {
    with_index<sizeof...(S)>(at_, [this]<std::size_t I>() { ++std::get<I>(its_); });
    settle();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const chain_iterator& i, std::default_sentinel_t) {
    return i.at_ == sizeof...(S);
  }

 private:
  // Moves on to the next source that is not at its end.
  void settle() {
    while (at_ < sizeof...(S) &&
           with_index<sizeof...(S)>(
               at_, [this]<std::size_t I>() { return std::get<I>(its_) == std::get<I>(ends_); })) {
      ++at_;
    }
  }
  std::tuple<std::ranges::iterator_t<S>...> its_;
  std::tuple<std::ranges::sentinel_t<S>...> ends_;
  std::size_t at_ = 0;
};

template <class Ref, class... It>
async_generator<Ref> chain_elements(std::tuple<It...> its) {
  typename nth_anext<It...>::results results;
  for (std::size_t i = 0; i < sizeof...(It); ++i) {
    while (co_await nth_anext<It...>(its, i, results)) {
      co_yield with_index<sizeof...(It)>(
          i, [&]<std::size_t I>() -> Ref { return static_cast<Ref>(**std::get<I>(results)); });
    }
  }
}

template <class... R>
class chain_view {
 public:
  template <class... U>
  explicit chain_view(U&&... r) : sources_(range_holder<R>(static_cast<U&&>(r))...) {}

  auto begin()
    requires all_sync_side<R...>
  {
    return std::apply(
        [](auto&... s) { return chain_iterator<std::remove_reference_t<R>...>(s.get()...); },
        sources_);
  }
  std::default_sentinel_t end() const noexcept
    requires all_sync_side<R...>
  {
    return {};
  }
  auto aiter()
    requires some_async_side<R...>
  {
    return std::apply(
        [](auto&... s) {
          using ref =
              std::common_reference_t<anext_ref_t<source_aiter_t<std::remove_reference_t<R>>>...>;
          return chain_elements<ref>(std::tuple(source_aiter(s.get())...));
        },
        sources_);
  }

 private:
  std::tuple<range_holder<R>...> sources_;
};

// --- chunk -----------------------------------------------------------------------------------

template <class S>
class chunk_iterator : public sync_cursor<S> {
 public:
  using value_type = std::vector<std::ranges::range_value_t<S>>;
  using reference = value_type&;
  chunk_iterator(auto at, std::size_t n)
      : sync_cursor<S>(std::move(at.first), std::move(at.second)), size_(n) {
    fill();
  }
  reference operator*() const { return chunk_; }
  chunk_iterator& operator++() {
    fill();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const chunk_iterator& i, std::default_sentinel_t) { return i.done_; }

 private:
  // The source moves past an element only when the next one is wanted, so a chunk of an
  // endless generator pulls exactly its own elements.
  void fill() {
    chunk_ = value_type();
    if (started_ && !this->at_end()) ++this->it_;
    started_ = true;
    while (!this->at_end()) {
      chunk_.push_back(*this->it_);
      if (chunk_.size() == size_) break;
      ++this->it_;
    }
    done_ = chunk_.empty();
  }
  mutable value_type chunk_;
  std::size_t size_;
  bool started_ = false;
  bool done_ = false;
};

template <class V, class It>
async_generator<std::vector<V>&> chunk_elements(It it, std::size_t size) {
  std::vector<V> chunk;
  while (auto x = co_await dualiter::anext(it)) {
    chunk.push_back(*x);
    if (chunk.size() == size) {
      co_yield chunk;
      chunk = std::vector<V>();  // the consumer may have moved from it
    }
  }
  if (!chunk.empty()) co_yield chunk;
}

template <class R>
class chunk_view : view_storage<R, std::size_t> {
  using S = std::remove_reference_t<R>;

 public:
  using view_storage<R, std::size_t>::view_storage;
  auto begin()
    requires sync_side<S>
  {
    return chunk_iterator<S>(this->sync_range(), this->arg());
  }
  std::default_sentinel_t end() const noexcept
    requires sync_side<S>
  {
    return {};
  }
  auto aiter()
    requires async_side<S>
  {
    return chunk_elements<async_value_t<S&>>(dualiter::aiter(this->source()), this->arg());
  }
};

// --- then ------------------------------------------------------------------------------------

template <class Ref, class It, class F>
async_generator<Ref> then_elements(It it, F& f) {
  while (auto x = co_await dualiter::anext(it)) {
    // Named, not awaited as a temporary: GCC 12 miscompiles co_await on temporaries that own
    // resources (see algorithm.hpp).
    auto step = std::invoke(f, *x);
    co_yield co_await std::move(step);
  }
}

template <class R, class F>
class then_view : view_storage<R, F> {
  using S = std::remove_reference_t<R>;

 public:
  using view_storage<R, F>::view_storage;
  auto aiter()
    requires iterable_source<S>
  {
    using it = source_aiter_t<S>;
    using ref = await_result_t<std::invoke_result_t<F&, anext_ref_t<it>>>;
    return then_elements<ref>(source_aiter(this->source()), this->arg());
  }
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_VIEWS_COMBINE_HPP

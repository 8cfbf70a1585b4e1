// views::merge: several async sources run concurrently on the awaiting coroutine's engine; their
// elements come out in arrival order. Python: aiostream's `stream.merge`.
//
// One coroutine per source (a child) pulls from it. A child that has an element parks with it
// in an arrival queue until the consumer has taken it and asked for the next one; only then is
// the child put back on the loop to pull again, so the element stays valid until the next anext
// (as for every async iterator) and no source runs more than one element ahead. The children
// are made at the first anext, all at once: one allocation for the shared state and one frame
// per source for the whole iteration, none per element.
#ifndef DUALITER_DETAIL_VIEWS_MERGE_HPP
#define DUALITER_DETAIL_VIEWS_MERGE_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <array>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <utility>

#include <dualiter/adapters.hpp>
#include <dualiter/async_generator.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/detail/unique_coroutine.hpp>
#include <dualiter/detail/views_core.hpp>
#include <dualiter/event_loop.hpp>

namespace dualiter::detail {

/// What the consumer and the children of one merge share.
template <class Ref, std::size_t N>
struct merge_state {
  using pointer = std::add_pointer_t<std::remove_reference_t<Ref>>;

  std::array<pointer, N> elements{};     // each child's parked element
  std::array<std::size_t, N> arrived{};  // a ring of the children holding elements, oldest first
  std::size_t first = 0, count = 0;
  std::size_t running = N;           // children that have not ended
  std::coroutine_handle<> consumer;  // the consumer waiting in anext, if any
  std::exception_ptr error;

  void push(std::size_t child) noexcept {
    arrived[(first + count) % N] = child;
    ++count;
  }
  std::size_t pop() noexcept {
    const std::size_t child = arrived[first];
    first = (first + 1) % N;
    --count;
    return child;
  }
  // Resumes the waiting consumer by symmetric transfer, or goes back to the loop.
  std::coroutine_handle<> wake() noexcept {
    if (consumer) return std::exchange(consumer, nullptr);
    return std::noop_coroutine();
  }
};

/// A child: pulls from one source. Its promise holds the node that puts it back on the loop.
template <class State>
class merge_child {
 public:
  struct promise_type {
    State& state;
    ready_node node;

    template <class... Rest>
    promise_type(State& s, Rest&...) noexcept : state(s) {}

    merge_child get_return_object() noexcept {
      return merge_child(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct ended {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        State& state = h.promise().state;
        // The consumer waits for an element, the end of all, or an error: not for this end.
        --state.running;
        if (state.running == 0 || state.error) return state.wake();
        return std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    ended final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept {
      if (!state.error) state.error = std::current_exception();
    }
    void return_void() noexcept {}
  };
  using handle = std::coroutine_handle<promise_type>;

  // Parks the child with its element until the consumer has moved on.
  struct parking {
    std::size_t index;
    typename State::pointer element;
    bool await_ready() const noexcept { return false; }
    std::coroutine_handle<> await_suspend(handle h) noexcept {
      State& state = h.promise().state;
      state.elements[index] = element;
      state.push(index);
      return state.wake();
    }
    void await_resume() const noexcept {}
  };

  merge_child() noexcept = default;
  handle get() const noexcept { return frame_.get(); }

 private:
  explicit merge_child(handle h) noexcept : frame_(h) {}
  unique_coroutine<promise_type> frame_;
};

/// The address of `element` once bound to Ref, a reference type (the very element).
template <class Ref, class E>
std::add_pointer_t<std::remove_reference_t<Ref>> address_as(E&& element) noexcept {
  Ref bound = static_cast<E&&>(element);
  return std::addressof(bound);
}

/// Source is T (the child owns the source, moved out of the view) or T& (borrowed).
template <class Ref, class State, class Source>
merge_child<State> run_merge_source(State& /*state*/, std::size_t index, Source source) {
  using parking = typename merge_child<State>::parking;
  if constexpr (AsyncIterable<std::remove_reference_t<Source>&>) {
    auto it = dualiter::aiter(source);
    while (auto x = co_await dualiter::anext(it)) {
      if constexpr (std::is_reference_v<Ref>) {
        co_await parking{index, address_as<Ref>(*x)};
      } else {
        Ref element = static_cast<Ref>(*x);
        co_await parking{index, std::addressof(element)};
      }
    }
  } else {
    // A sync source is walked with its own iterators: co_await on as_async's always-ready
    // anext here crashes Clang 14's coroutine splitting at -O2 and above.
    for (auto&& x : source) {
      using element_ref = std::ranges::range_reference_t<std::remove_reference_t<Source>>;
      if constexpr (std::is_reference_v<Ref> && std::is_reference_v<element_ref>) {
        co_await parking{index, address_as<Ref>(static_cast<decltype(x)&&>(x))};
      } else {  // an element made by value (a proxy, say) is kept as the value type
        std::remove_cvref_t<Ref> element = static_cast<decltype(x)&&>(x);
        co_await parking{index, std::addressof(element)};
      }
    }
  }
}

template <class Ref, class... R>
class merge_iterator {
  static constexpr std::size_t n = sizeof...(R);
  using state_type = merge_state<Ref, n>;
  using child = merge_child<state_type>;
  using element_ref = std::conditional_t<std::is_reference_v<Ref>, Ref, Ref&>;

  struct shared {
    state_type state;
    std::array<child, n> children;  // destroyed first: the frames refer to the state
    std::size_t current = n;        // the child whose element the consumer holds
    engine_ref engine;              // set when the merge starts
    bool finished = false;
  };

 public:
  using result = anext_result<element_ref>;

  explicit merge_iterator(std::tuple<range_holder<R>...>& sources) : sources_(&sources) {}

  class awaiter {
   public:
    explicit awaiter(merge_iterator& self) noexcept : self_(self) {}
    bool await_ready() { return self_.ready(); }
    void await_suspend(std::coroutine_handle<> consumer) noexcept {
      self_.shared_->state.consumer = consumer;
    }
    result await_resume() { return self_.take(); }

   private:
    merge_iterator& self_;
  };

  /// Python: `__anext__`.
  awaiter anext() noexcept { return awaiter(*this); }

 private:
  bool ready() {
    if (!shared_) start();
    shared& s = *shared_;
    if (s.state.consumer) throw already_running();
    if (s.finished) return true;
    if (s.current != n) {  // the consumer is done with that element: its child may go on
      child_node(s.current).waiting = s.children[s.current].get();
      s.engine.schedule(child_node(s.current));
      s.current = n;
    }
    return s.state.count > 0 || s.state.error || s.state.running == 0;
  }

  void start() {
    const engine_ref engine = detail::require_engine("views::merge");
    // The children and the consumer share merge_state, which is not locked.
    if (detail::current_engine != nullptr && !detail::current_engine->serialised()) [[unlikely]]
      detail::throw_not_serialised("views::merge");
    shared_ = std::make_unique<shared>();
    shared_->engine = engine;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      // Started in argument order, each running until it first suspends (as gather does).
      ((shared_->children[I] = run_merge_source<Ref, state_type, R>(
            shared_->state, I, static_cast<R&&>(std::get<I>(*sources_).get())),
        shared_->children[I].get().resume()),
       ...);
    }(std::index_sequence_for<R...>{});
  }

  result take() {
    shared& s = *shared_;
    if (s.finished) return result();
    if (s.state.error) {
      // The merge ends here; the other sources are destroyed now, not when the iterator goes.
      s.finished = true;
      s.children = {};
      std::rethrow_exception(std::exchange(s.state.error, nullptr));
    }
    if (s.state.count == 0) {
      s.finished = true;
      return result();
    }
    s.current = s.state.pop();
    return result(s.state.elements[s.current]);
  }

  ready_node& child_node(std::size_t i) { return shared_->children[i].get().promise().node; }

  std::tuple<range_holder<R>...>* sources_;
  std::unique_ptr<shared> shared_;
};

template <class... R>
class merge_view {
 public:
  template <class... U>
  explicit merge_view(U&&... r) : sources_(range_holder<R>(static_cast<U&&>(r))...) {}

  /// Starts nothing yet: the sources start at the first anext. Sources the view owns move into
  /// the iteration (so that abandoning it destroys them), so call aiter once. A borrowed
  /// (lvalue) source whose anext is still pending when the iteration is abandoned is left
  /// suspended mid-anext, pointing at a child that is gone: destroy it rather than resume it
  /// (pass sources as rvalues to have the merge own them).
  auto aiter() {
    using ref = std::common_reference_t<anext_ref_t<source_aiter_t<std::remove_reference_t<R>>>...>;
    return merge_iterator<ref, R...>(sources_);
  }

 private:
  std::tuple<range_holder<R>...> sources_;
};

}  // namespace dualiter::detail

#endif  // DUALITER_DETAIL_VIEWS_MERGE_HPP

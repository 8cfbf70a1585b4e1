// dualiter::gather, gather_all — run awaitables concurrently and collect their results.
// Python: asyncio.gather.
//
// Each argument runs in a driver coroutine of its own (detail/driver.hpp), started in argument
// order, each until it first suspends. A counter, one more than the number of branches while
// they are being started, tells the last branch to finish that it must resume the awaiting
// coroutine (cppcoro's when_all counter); if the starter is the last one out, every branch
// finished synchronously and gather does not suspend at all.
#ifndef DUALITER_GATHER_HPP
#define DUALITER_GATHER_HPP

#include <dualiter/detail/config.hpp>  // first: below C++20 it stops with one error

#include <atomic>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <memory>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <dualiter/concepts.hpp>
#include <dualiter/detail/driver.hpp>
#include <dualiter/detail/result_slot.hpp>
#include <dualiter/diagnostics.hpp>
#include <dualiter/event_loop.hpp>

namespace dualiter {

namespace detail {

/// What gather gives for an awaitable whose result is R: std::monostate for void, else the
/// result as sync_wait and run would hand it out.
template <class R>
using void_as_monostate_t =
    std::conditional_t<std::is_void_v<R>, std::monostate, owned_result_t<R>>;

/// What all branches of one gather share: how many are still running (plus one while gather is
/// still starting them), who waits, and the first exception in time. Branches may finish on
/// other threads, when their awaitables are resumed there.
class gather_join {
 public:
  /// Called before the first branch starts.
  void begin(std::coroutine_handle<> waiting, std::size_t branches) noexcept {
    waiting_ = waiting;
    pending_.store(branches + 1, std::memory_order_relaxed);
  }
  /// Called by the starter once all branches are started: true when they all finished
  /// meanwhile, so the awaiting coroutine goes on without suspending.
  bool all_finished_while_starting() noexcept { return arrive(); }
  /// Called by each branch when it finishes: where it transfers next.
  std::coroutine_handle<> branch_finished(std::exception_ptr error) noexcept {
    if (error && !failed_.exchange(true, std::memory_order_acq_rel)) first_error_ = error;
    return arrive() ? waiting_ : std::noop_coroutine();
  }
  void rethrow_first_error() const {
    if (first_error_) std::rethrow_exception(first_error_);
  }

 private:
  bool arrive() noexcept { return pending_.fetch_sub(1, std::memory_order_acq_rel) == 1; }

  std::atomic<std::size_t> pending_{0};
  std::atomic<bool> failed_{false};
  std::coroutine_handle<> waiting_;
  std::exception_ptr first_error_;
};

template <class A, bool = Awaitable<A>>
struct gathered_or_after_error {
  using type = after_error;
};
template <class A>
struct gathered_or_after_error<A, true> {
  using type = void_as_monostate_t<await_result_t<A>>;
};
/// What gather gives for A when some argument was not awaitable (the error is reported once).
template <class A>
using gathered_or_after_error_t = typename gathered_or_after_error<A>::type;

/// One branch: the driver's owner, with the slot its result goes to.
template <class R>
struct gather_branch {
  result_slot<R> result;
  gather_join* join = nullptr;

  std::coroutine_handle<> finish() noexcept { return join->branch_finished(result.exception()); }

  void_as_monostate_t<R> take() {
    if constexpr (std::is_void_v<R>) {
      result.get();
      return {};
    } else {
      return take_result(result);
    }
  }
};

/// A is the declared type of one argument (T& for an lvalue), so each branch awaits it as given.
template <class A>
using gather_branch_for = gather_branch<owned_result_t<await_result_t<A>>>;

/// The awaiter of gather (Storage = std::tuple<A...>) and gather_all (Storage =
/// std::vector<A>). Not movable: the branches' frames refer into it, so it lives in the
/// awaiting coroutine's frame, made there by the operation's operator co_await.
template <class... A>
class gather_awaiter : public resumes_on_loop_thread {
  using branches_t = std::tuple<gather_branch_for<A>...>;

 public:
  explicit gather_awaiter(std::tuple<A...>&& awaitables) noexcept(
      (std::is_nothrow_move_constructible_v<A> && ...))
      : awaitables_(std::move(awaitables)) {}
  gather_awaiter(const gather_awaiter&) = delete;
  gather_awaiter& operator=(const gather_awaiter&) = delete;

  bool await_ready() const noexcept { return sizeof...(A) == 0; }

  bool await_suspend(std::coroutine_handle<> waiting) {
    join_.begin(waiting, sizeof...(A));
    start(std::index_sequence_for<A...>{});
    return !join_.all_finished_while_starting();
  }

  /// The results in argument order, or the first exception thrown (once all have finished).
  std::tuple<void_as_monostate_t<await_result_t<A>>...> await_resume() {
    join_.rethrow_first_error();
    return take(std::index_sequence_for<A...>{});
  }

  static constexpr const char* name = "gather";

 private:
  template <std::size_t... I>
  void start(std::index_sequence<I...>) {
    // A fold over the comma operator runs left to right: branches start in argument order.
    ((std::get<I>(branches_).join = &join_,
      std::get<I>(drivers_) = detail::drive<A>(std::get<I>(awaitables_), std::get<I>(branches_)),
      std::get<I>(drivers_).start()),
     ...);
  }
  template <std::size_t... I>
  std::tuple<void_as_monostate_t<await_result_t<A>>...> take(std::index_sequence<I...>) {
    return std::tuple<void_as_monostate_t<await_result_t<A>>...>(std::get<I>(branches_).take()...);
  }

  std::tuple<A...> awaitables_;
  branches_t branches_;
  gather_join join_;
  std::tuple<driver<gather_branch_for<A>>...>
      drivers_;  // destroyed first: frames refer to the rest
};

template <class A>
class gather_all_awaiter : public resumes_on_loop_thread {
  using branch = gather_branch_for<A>;

 public:
  explicit gather_all_awaiter(std::vector<A>&& awaitables)
      : awaitables_(std::move(awaitables)), branches_(new branch[awaitables_.size()]) {
    drivers_.reserve(awaitables_.size());
  }
  gather_all_awaiter(const gather_all_awaiter&) = delete;
  gather_all_awaiter& operator=(const gather_all_awaiter&) = delete;

  bool await_ready() const noexcept { return awaitables_.empty(); }

  bool await_suspend(std::coroutine_handle<> waiting) {
    join_.begin(waiting, awaitables_.size());
    for (std::size_t i = 0; i < awaitables_.size(); ++i) {
      branches_[i].join = &join_;
      drivers_.push_back(detail::drive<A>(awaitables_[i], branches_[i]));
      drivers_.back().start();
    }
    return !join_.all_finished_while_starting();
  }

  std::vector<void_as_monostate_t<await_result_t<A>>> await_resume() {
    join_.rethrow_first_error();
    std::vector<void_as_monostate_t<await_result_t<A>>> out;
    out.reserve(awaitables_.size());
    for (std::size_t i = 0; i < awaitables_.size(); ++i) out.push_back(branches_[i].take());
    return out;
  }

  static constexpr const char* name = "gather_all";

 private:
  std::vector<A> awaitables_;
  std::unique_ptr<branch[]> branches_;
  gather_join join_;
  std::vector<driver<branch>> drivers_;  // destroyed first: the frames refer to the rest
};

/// What gather and gather_all return: a movable value holding the awaitables; the awaiter that
/// runs them is made when it is awaited, where the loop is looked up too, so that the error
/// names the misuse at the co_await.
template <class Awaiter, class Storage>
class gather_operation {
 public:
  explicit gather_operation(Storage&& awaitables) : awaitables_(std::move(awaitables)) {}

  Awaiter operator co_await() && {
    (void)detail::require_engine(Awaiter::name);
    return Awaiter(std::move(awaitables_));
  }

 private:
  Storage awaitables_;
};

}  // namespace detail

/// An awaitable that runs every argument concurrently on the awaiting coroutine's engine (the
/// running loop, or Asio) and gives a
/// std::tuple of their results in argument order (std::monostate for void ones). Python:
/// `await asyncio.gather(a, b)`.
///
/// Arguments start in order, each until it first suspends. Rvalue arguments are moved into
/// the awaitable; lvalues are awaited where they are. If any throws, gather still waits for
/// all of them, then rethrows the first exception thrown; no result is lost silently.
template <class... A>
auto gather(A&&... awaitables) {
  // A deduced return type makes the assertions fire at the call, before anything else.
  (assert_awaitable<A>(), ...);
  if constexpr ((Awaitable<A> && ...)) {
    return detail::gather_operation<detail::gather_awaiter<A...>, std::tuple<A...>>(
        std::tuple<A...>(static_cast<A&&>(awaitables)...));
  } else {
    // Keeps the assertion the only error, also where the results are unpacked.
    return detail::result_after_error<
        detail::awaitable_after_error<std::tuple<detail::gathered_or_after_error_t<A>...>>>();
  }
}

/// gather for a number of awaitables known only at run time: a std::vector of their results
/// (std::monostate for void) in order. Python: `await asyncio.gather(*aws)`.
template <class A>
auto gather_all(std::vector<A> awaitables) {
  assert_awaitable<A>();
  if constexpr (Awaitable<A>) {
    return detail::gather_operation<detail::gather_all_awaiter<A>, std::vector<A>>(
        std::move(awaitables));
  } else {
    return detail::result_after_error();  // keeps the assertion the only error
  }
}

}  // namespace dualiter

#endif  // DUALITER_GATHER_HPP

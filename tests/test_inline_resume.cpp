// detail/inline_resume.hpp on its own: a minimal coroutine type built from resume_link, driven
// through each case of the contract at the top of that header.
#include <coroutine>
#include <exception>
#include <stdexcept>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/detail/inline_resume.hpp>
#include <dualiter/detail/unique_coroutine.hpp>

#include "support/manual.hpp"

namespace {

using dualiter::detail::resume_link;

/// The smallest coroutine that takes part in inline resumption: it hands back like a task, and
/// its awaiter runs it with run_inline. It records what it saw, for the tests to check.
class probe {
 public:
  struct promise_type : resume_link {
    std::exception_ptr error;
    bool finished = false;
    probe get_return_object() noexcept {
      return probe(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct final_awaiter {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        h.promise().finished = true;
        return dualiter::detail::hand_back(h.promise());
      }
      void await_resume() noexcept {}
    };
    final_awaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { error = std::current_exception(); }
    void return_void() noexcept {}
    template <class A>
    decltype(auto) await_transform(A&& a) {
      return dualiter::detail::transform_awaitable(static_cast<A&&>(a));
    }
  };

  struct awaiter : dualiter::detail::inline_aware {
    std::coroutine_handle<promise_type> callee;
    bool suspended = false;
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> awaiting) {
      return dualiter::detail::run_inline(callee.promise(), callee, awaiting,
                                          dualiter::detail::link_of(awaiting));
    }
    void await_resume() const {
      if (callee.promise().error) std::rethrow_exception(callee.promise().error);
    }
  };
  awaiter operator co_await() const noexcept { return {{}, frame_.get()}; }

  bool finished() const noexcept { return frame_.get().promise().finished; }

 private:
  explicit probe(std::coroutine_handle<promise_type> h) noexcept : frame_(h) {}
  dualiter::detail::unique_coroutine<promise_type> frame_;
};

/// Gives the awaiting coroutine's inline depth, without suspending (it opts in: it never lets
/// the handle escape).
struct depth_now : dualiter::detail::inline_aware {
  std::uint32_t depth = 0;
  bool await_ready() const noexcept { return false; }
  template <class P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    const resume_link* link = dualiter::detail::link_of(h);
    depth = link != nullptr ? link->inline_depth : 0;
    return false;
  }
  std::uint32_t await_resume() const noexcept { return depth; }
};

/// A foreign awaiter that declines to suspend, or throws, from await_suspend.
struct declines {
  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<>) const noexcept { return false; }
  void await_resume() const noexcept {}
};
struct refuses {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<>) const { throw std::runtime_error("refused"); }
  void await_resume() const noexcept {}
};

using dualiter::testing::parking_spot;
using dualiter::testing::spawn;

}  // namespace

TEST(inline_resume, a_callee_that_completes_runs_one_level_deeper_and_the_caller_goes_on) {
  std::vector<std::uint32_t> depths;
  auto inner = [&]() -> probe {
    depths.push_back(co_await depth_now{});
    co_return;
  };
  auto outer = [&]() -> probe {
    depths.push_back(co_await depth_now{});
    co_await inner();
    depths.push_back(co_await depth_now{});
    co_await inner();
  };
  probe root = outer();
  auto driver = spawn([&]() -> probe& { return root; });
  EXPECT_TRUE(driver.done()) << "nothing suspended for real";
  EXPECT_TRUE(root.finished());
  EXPECT_EQ(depths, (std::vector<std::uint32_t>{1, 2, 1, 2}));
}

TEST(inline_resume, a_callee_that_suspends_detaches_the_chain_and_resumes_it_by_transfer) {
  parking_spot spot;
  std::vector<std::uint32_t> depths;
  auto leaf = [&]() -> probe {
    co_await spot.wait();  // foreign: wrapped, so the chain is detached first
    depths.push_back(co_await depth_now{});
  };
  auto middle = [&]() -> probe {
    co_await leaf();
    depths.push_back(co_await depth_now{});
  };
  probe root = middle();
  auto driver = spawn([&]() -> probe& { return root; });
  EXPECT_FALSE(driver.done()) << "the base's run_inline must report the suspension";
  ASSERT_TRUE(spot.occupied());
  spot.resume();
  EXPECT_TRUE(driver.done());
  // Resumed by the test, not inline: depth 0 all the way up, each handing back by transfer.
  EXPECT_EQ(depths, (std::vector<std::uint32_t>{0, 0}));
}

TEST(inline_resume, a_foreign_awaiter_that_declines_to_suspend_leaves_the_chain_attached) {
  std::vector<std::uint32_t> depths;
  auto inner = [&]() -> probe {
    co_await declines{};
    depths.push_back(co_await depth_now{});
  };
  auto outer = [&]() -> probe {
    co_await inner();
    depths.push_back(co_await depth_now{});
  };
  probe root = outer();
  auto driver = spawn([&]() -> probe& { return root; });
  EXPECT_TRUE(driver.done());
  EXPECT_EQ(depths, (std::vector<std::uint32_t>{2, 1})) << "reattach restores every depth";
}

TEST(inline_resume, an_await_suspend_that_throws_delivers_the_exception_inline) {
  std::vector<std::uint32_t> depths;
  auto inner = [&]() -> probe {
    bool caught = false;
    try {
      co_await refuses{};
    } catch (const std::runtime_error&) {
      caught = true;
    }
    if (caught) depths.push_back(co_await depth_now{});
  };
  auto outer = [&]() -> probe { co_await inner(); };
  probe root = outer();
  auto driver = spawn([&]() -> probe& { return root; });
  EXPECT_TRUE(driver.done());
  EXPECT_EQ(depths, (std::vector<std::uint32_t>{2}));
}

TEST(inline_resume, the_coroutine_past_the_depth_bound_is_resumed_by_the_chains_base) {
  constexpr auto bound = dualiter::detail::max_inline_depth;
  std::vector<std::uint32_t> depth_at;  // indexed by level, 0 = outermost
  struct chain {
    static probe down(std::uint32_t level, std::uint32_t last, std::vector<std::uint32_t>& out) {
      out[level] = co_await depth_now{};
      if (level < last) co_await down(level + 1, last, out);
    }
  };
  const std::uint32_t last = bound + 2;
  depth_at.resize(last + 1);
  probe root = chain::down(0, last, depth_at);
  auto driver = spawn([&]() -> probe& { return root; });
  EXPECT_TRUE(driver.done());
  EXPECT_EQ(depth_at[0], 1u);
  EXPECT_EQ(depth_at[bound - 1], bound) << "the deepest inline level";
  EXPECT_EQ(depth_at[bound], 1u) << "resumed by the chain's base, as its inline callee";
  EXPECT_EQ(depth_at[bound + 1], 2u) << "a new chain grows from the base";
  EXPECT_EQ(depth_at[bound + 2], 3u);
}

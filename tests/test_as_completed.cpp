// as_completed, from asyncio.as_completed's documented semantics.
#include <chrono>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include <dualiter/algorithm.hpp>
#include <dualiter/as_completed.hpp>
#include <dualiter/concepts.hpp>
#include <dualiter/event_loop.hpp>
#include <dualiter/task.hpp>

#include "support/manual.hpp"
#include "support/sources.hpp"

using dualiter::sleep_for;
using dualiter::task;
using dualiter::testing::answer_after;
using namespace std::chrono_literals;

static_assert(dualiter::AsyncIterable<decltype(dualiter::as_completed(std::vector<task<int>>{}))>);

TEST(as_completed, gives_results_in_completion_order_on_staggered_sleeps) {
  std::vector<task<int>> work;
  work.push_back(answer_after(30ms, 3));
  work.push_back(answer_after(10ms, 1));
  work.push_back(answer_after(20ms, 2));
  const auto order = dualiter::run(dualiter::to_vector(dualiter::as_completed(std::move(work))));
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

TEST(as_completed, of_a_pack) {
  const auto order = dualiter::run(dualiter::to_vector(
      dualiter::as_completed(answer_after(20ms, 2), answer_after(0ms, 0), answer_after(10ms, 1))));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

TEST(as_completed, an_exception_is_thrown_at_the_anext_where_it_arrives) {
  dualiter::run([]() -> task<> {
    std::vector<task<int>> work;
    work.push_back(answer_after(20ms, 2));
    work.push_back([]() -> task<int> {
      co_await sleep_for(10ms);
      throw std::runtime_error("second to arrive");
    }());
    work.push_back(answer_after(0ms, 0));
    auto g = dualiter::as_completed(std::move(work));
    auto it = dualiter::aiter(g);
    auto first = co_await dualiter::anext(it);
    EXPECT_EQ(*first, 0);
    EXPECT_THROW((void)co_await dualiter::anext(it), std::runtime_error);
  }());
}

TEST(as_completed, abandoning_it_cancels_what_is_still_running) {
  int live = 0;
  dualiter::run([&]() -> task<> {
    std::vector<task<int>> work;
    work.push_back(answer_after(0ms, 0));
    for (int i = 0; i < 3; ++i) {
      work.push_back([](int* live) -> task<int> {
        dualiter::testing::lifetime_counter alive(live);
        co_await sleep_for(std::chrono::hours(1));
        co_return 1;
      }(&live));
    }
    {
      auto g = dualiter::as_completed(std::move(work));
      auto it = dualiter::aiter(g);
      EXPECT_EQ(*co_await dualiter::anext(it), 0);
      EXPECT_EQ(live, 3);
    }
    co_await dualiter::yield_now();  // the cancelled tasks end on the loop
    EXPECT_EQ(live, 0);
  }());
}

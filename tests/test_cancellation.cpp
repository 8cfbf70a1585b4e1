#include <exception>
#include <stdexcept>
#include <type_traits>

#include <gtest/gtest.h>

#include <dualiter/cancellation.hpp>

// Python 3.8: CancelledError is a BaseException, so `except Exception` does not swallow it.
static_assert(!std::is_base_of_v<std::exception, dualiter::cancelled_error>);
// Python: TimeoutError, an OSError, so an Exception.
static_assert(std::is_base_of_v<std::runtime_error, dualiter::timeout_error>);

TEST(cancelled_error, passes_through_a_catch_of_std_exception) {
  bool by_std_exception = false;
  bool by_name = false;
  try {
    try {
      throw dualiter::cancelled_error{};
    } catch (const std::exception&) {
      by_std_exception = true;
    }
  } catch (const dualiter::cancelled_error& e) {
    by_name = std::string(e.what()).find("CancelledError") != std::string::npos;
  }
  EXPECT_FALSE(by_std_exception);
  EXPECT_TRUE(by_name);
}

TEST(cancelled_error, travels_through_an_exception_ptr) {
  std::exception_ptr e;
  try {
    throw dualiter::cancelled_error{};
  } catch (...) {
    e = std::current_exception();
  }
  EXPECT_THROW(std::rethrow_exception(e), dualiter::cancelled_error);
}

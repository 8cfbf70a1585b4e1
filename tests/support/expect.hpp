// Checking what an exception says.
#ifndef DUALITER_TESTS_SUPPORT_EXPECT_HPP
#define DUALITER_TESTS_SUPPORT_EXPECT_HPP

#include <exception>
#include <string>

namespace dualiter::testing {

/// What `f()` throws (its what()), or "no exception".
template <class F>
std::string error_of(F f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "no exception";
}

inline bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

}  // namespace dualiter::testing

#endif  // DUALITER_TESTS_SUPPORT_EXPECT_HPP

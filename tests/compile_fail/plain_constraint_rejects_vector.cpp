// A plain constrained template, no assert_*: the compilers' own notes name the missing part of
// the protocol (has_aiter), because AsyncIterable is made of named requirements.
// expect: has_aiter
// expect: std::vector<int>
#include <vector>

#include <dualiter/concepts.hpp>

template <dualiter::AsyncIterable R>
int consume(R&&) {
  return 0;
}

int main() {
  return consume(std::vector<int>{1, 2, 3});
}

// range_from_iter needs the class's __iter__: a member iter() returning a generator.
// expect: not sync iterable
// expect: needs a member iter()
// expect: items
#include <dualiter/generator.hpp>

struct items : dualiter::range_from_iter<items> {};

int main() {
  items all;
  for (int x : all) (void)x;
}

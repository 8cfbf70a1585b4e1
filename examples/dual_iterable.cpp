// A DualIterable class in C++: one object that works with both `for` and `async for`.
//
//   class DualIterable:
//       def __init__(self, items): self.items = items
//       def __iter__(self):
//           for x in self.items: yield doubled(x)
//       async def __aiter__(self):
//           for x in self.items:
//               await asyncio.sleep(0.01)
//               yield doubled(x)
#include <chrono>
#include <cstdio>
#include <utility>
#include <vector>

#include <dualiter/dualiter.hpp>

using namespace std::chrono_literals;

int doubled(int x) {
  return x * 2;
}  // the one pure function both paths share

class dual_items : public dualiter::range_from_iter<dual_items> {  // begin()/end() from iter()
 public:
  explicit dual_items(std::vector<int> items) : items_(std::move(items)) {}

  dualiter::generator<int> iter() const {  // __iter__
    for (int x : items_) co_yield doubled(x);
  }

  dualiter::async_generator<int> aiter() const {  // __aiter__
    for (int x : items_) {
      co_await dualiter::sleep_for(10ms);
      co_yield doubled(x);
    }
  }

 private:
  std::vector<int> items_;
};

static_assert(dualiter::DualIterable<dual_items>);

dualiter::task<std::vector<int>> async_loop(const dual_items& items) {
  std::vector<int> seen;
  auto it = dualiter::aiter(items);  // async for x in items:
  while (auto x = co_await dualiter::anext(it)) {
    std::printf("%d ", *x);
    seen.push_back(*x);
  }
  co_return seen;
}

int main() {
  const dual_items items({1, 2, 3});

  std::printf("for:       ");
  std::vector<int> sync_seen;
  for (int x : items) {
    std::printf("%d ", x);
    sync_seen.push_back(x);
  }

  std::printf("\nasync for: ");
  std::vector<int> async_seen = dualiter::run(async_loop(items));
  std::printf("\n");
  return sync_seen == async_seen && sync_seen == std::vector<int>{2, 4, 6} ? 0 : 1;
}

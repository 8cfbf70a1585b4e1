// expect: dualiter::queue<T>: T must be a cv-unqualified object type
// expect: queue<std::reference_wrapper<T>>
#include <dualiter/queue.hpp>

int main() {
  dualiter::queue<int&> q;
  int x = 1;
  q.put_nowait(x);
  (void)q.get_nowait();
}

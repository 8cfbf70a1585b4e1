// expect: call_soon_threadsafe(f) calls f() with no arguments
// expect: Fix: pass a callable taking none
#include <dualiter/event_loop.hpp>

int main() {
  dualiter::event_loop loop;
  loop.call_soon_threadsafe([](int x) { (void)x; });
}

// A coroutine given, after std::allocator_arg, an allocator whose pointer is not T*: one error.
// expect: hands out fancy pointers
// expect: std::pmr::polymorphic_allocator
#include <cstddef>
#include <memory>

#include <dualiter/task.hpp>

template <class T>
struct fancy_pointer {
  T* raw = nullptr;
  fancy_pointer() = default;
  fancy_pointer(std::nullptr_t) {}
  explicit fancy_pointer(T* p) : raw(p) {}
  T& operator*() const { return *raw; }
  T* operator->() const { return raw; }
  explicit operator bool() const { return raw != nullptr; }
  friend bool operator==(fancy_pointer, fancy_pointer) = default;
  static fancy_pointer pointer_to(T& r) { return fancy_pointer(&r); }
};

template <class T>
struct fancy_allocator {
  using value_type = T;
  using pointer = fancy_pointer<T>;
  fancy_allocator() = default;
  template <class U>
  fancy_allocator(const fancy_allocator<U>&) {}
  pointer allocate(std::size_t n) { return pointer(std::allocator<T>().allocate(n)); }
  void deallocate(pointer p, std::size_t n) { std::allocator<T>().deallocate(p.raw, n); }
  friend bool operator==(fancy_allocator, fancy_allocator) { return true; }
};

dualiter::task<int> answer(std::allocator_arg_t, fancy_allocator<std::byte>) {
  co_return 42;
}

int main() {
  auto t = answer(std::allocator_arg, fancy_allocator<std::byte>{});
  static_cast<void>(t);
}

// An allocator that is plain operator new/delete of the exact size. Asio treats
// std::allocator<void> as "use my per-thread recycling cache", whose blocks keep the size of
// whatever used them first; for a handler that stays pending for a long time (the read wait
// and keep-alive timer of an idle connection) an exactly sized block is smaller. Bind it
// with boost::asio::bind_allocator(PlainAllocator<void>(), handler).
#pragma once

#include <cstddef>
#include <new>

namespace dynamq::broker {

template <class T>
struct PlainAllocator {
  using value_type = T;
  PlainAllocator() = default;
  template <class U>
  PlainAllocator(const PlainAllocator<U>& /*other*/) noexcept {
  }  // NOLINT(google-explicit-constructor)
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
  void deallocate(T* p, std::size_t /*n*/) noexcept { ::operator delete(p); }
  template <class U>
  friend bool operator==(const PlainAllocator&, const PlainAllocator<U>&) noexcept {
    return true;
  }
};

}  // namespace dynamq::broker

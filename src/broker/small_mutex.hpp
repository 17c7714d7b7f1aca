// A 4-byte mutex for objects that exist once per client (Session): std::mutex is 40 bytes
// on x86-64 glibc, paid by every idle connection (bench/README.md, "Memory").
//
// The three-state futex mutex of U. Drepper, "Futexes Are Tricky" (mutex3), on C++20
// std::atomic wait/notify (a futex on Linux): 0 unlocked, 1 locked, 2 locked and maybe
// waited for. An uncontended lock/unlock is one atomic read-modify-write each and no system
// call; unlock wakes a waiter only when the state says there may be one.
//
// BasicLockable and Lockable: works with std::lock_guard / std::unique_lock / std::scoped_lock,
// not with std::condition_variable (use std::condition_variable_any). Not recursive.
#pragma once

#include <atomic>
#include <cstdint>

namespace dynamq::broker {

class SmallMutex {
 public:
  SmallMutex() = default;
  SmallMutex(const SmallMutex&) = delete;
  SmallMutex& operator=(const SmallMutex&) = delete;

  void lock() {
    std::uint32_t state = kUnlocked;
    if (state_.compare_exchange_strong(state, kLocked, std::memory_order_acquire,
                                       std::memory_order_relaxed)) {
      return;
    }
    // Contended: announce a waiter (state 2) and sleep until the holder releases. Whoever
    // gets the lock from here on keeps state 2, since other waiters may still sleep.
    if (state != kContended) {
      state = state_.exchange(kContended, std::memory_order_acquire);
    }
    while (state != kUnlocked) {
      state_.wait(kContended, std::memory_order_relaxed);
      state = state_.exchange(kContended, std::memory_order_acquire);
    }
  }

  [[nodiscard]] bool try_lock() {
    std::uint32_t state = kUnlocked;
    return state_.compare_exchange_strong(state, kLocked, std::memory_order_acquire,
                                          std::memory_order_relaxed);
  }

  void unlock() {
    if (state_.exchange(kUnlocked, std::memory_order_release) == kContended) {
      state_.notify_one();
    }
  }

  // For tests: a thread announced that it waits for the lock.
  [[nodiscard]] bool contended() const {
    return state_.load(std::memory_order_relaxed) == kContended;
  }

 private:
  static constexpr std::uint32_t kUnlocked = 0;
  static constexpr std::uint32_t kLocked = 1;
  static constexpr std::uint32_t kContended = 2;
  std::atomic<std::uint32_t> state_{kUnlocked};
};

}  // namespace dynamq::broker

// SmallMutex: mutual exclusion under contention, and no lost wake-up (a waiter left asleep
// after the last unlock would hang its thread: caught by a watchdog, not by timing).
#include "broker/small_mutex.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace dynamq::broker {
namespace {

// Polls `done` until it holds. A deadline is only a hang detector here: the conditions
// polled are met within milliseconds unless a waiter was never woken. Hung threads cannot
// be joined, so the test binary aborts instead of hanging ctest.
template <class Done>
void await_or_abort(Done done, const char* what) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::fprintf(stderr, "SmallMutex test: gave up waiting for %s (lost wake-up?)\n", what);
      std::abort();
    }
    std::this_thread::yield();
  }
}

TEST(SmallMutex, LockTryLockUnlock) {
  SmallMutex m;
  EXPECT_EQ(sizeof(m), 4U);
  EXPECT_TRUE(m.try_lock());
  EXPECT_FALSE(m.try_lock());
  EXPECT_FALSE(m.contended());
  m.unlock();
  {
    std::lock_guard lock(m);
    EXPECT_FALSE(m.try_lock());
  }
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

TEST(SmallMutex, ExcludesUnderContention) {
  SmallMutex m;
  constexpr int kThreads = 4;
  constexpr int kRounds = 100000;
  long counter = 0;  // plain: only the mutex protects it
  std::atomic<int> inside{0};
  std::atomic<int> overlaps{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        std::lock_guard lock(m);
        if (inside.fetch_add(1, std::memory_order_relaxed) != 0) {
          overlaps.fetch_add(1, std::memory_order_relaxed);
        }
        ++counter;
        inside.fetch_sub(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(counter, long{kThreads} * kRounds);
  EXPECT_FALSE(m.contended());
  EXPECT_TRUE(m.try_lock());
  m.unlock();
}

// Waiters that went to sleep while the lock was held must all get it after the unlock.
TEST(SmallMutex, WakesEveryWaiter) {
  constexpr int kRounds = 200;
  constexpr int kWaiters = 6;
  for (int round = 0; round < kRounds; ++round) {
    SmallMutex m;
    int got = 0;
    std::atomic<int> finished{0};
    m.lock();
    std::vector<std::thread> threads;
    for (int t = 0; t < kWaiters; ++t) {
      threads.emplace_back([&] {
        m.lock();
        ++got;
        m.unlock();
        finished.fetch_add(1);
      });
    }
    // At least one waiter announced itself (state 2): the unlock below must wake it.
    await_or_abort([&] { return m.contended(); }, "a waiter");
    m.unlock();
    await_or_abort([&] { return finished.load() == kWaiters; }, "every waiter to get the lock");
    for (auto& t : threads) {
      t.join();
    }
    ASSERT_EQ(got, kWaiters) << "round " << round;
    EXPECT_FALSE(m.contended());
  }
}

// Two threads handing a turn back and forth under the lock, contending for it all along: a
// lost wake-up stalls the pair.
TEST(SmallMutex, PingPongHandoffs) {
  SmallMutex m;
  constexpr int kTurns = 5000;
  int turn = 0;  // whose turn: 0 or 1; guarded by m
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  for (int me = 0; me < 2; ++me) {
    threads.emplace_back([&, me] {
      int done = 0;
      while (done < kTurns) {
        bool mine = false;
        {
          std::lock_guard lock(m);
          mine = turn == me;
          if (mine) {
            turn = 1 - me;
            ++done;
          }
        }
        if (!mine) {
          std::this_thread::yield();  // let the other player run on a busy machine
        }
      }
      finished.fetch_add(1);
    });
  }
  await_or_abort([&] { return finished.load() == 2; }, "both players");
  for (auto& t : threads) {
    t.join();
  }
  std::lock_guard lock(m);
  EXPECT_EQ(turn, 0);  // 2 × kTurns handoffs, starting at 0
}

}  // namespace
}  // namespace dynamq::broker

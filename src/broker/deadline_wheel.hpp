// One coarse deadline structure per event loop (CONNECT timeout, keep alive, back-pressure
// pause) instead of a steady_timer with a pending wait per connection (~400 B each for an
// idle connection, bench/README.md "Memory"). A timing wheel of kSlots lists of kTick each,
// driven by ONE steady_timer armed at the next non-empty slot; an entry is an intrusive list
// hook (24 B) inside its owner.
//
// Deadlines are checked lazily: activity (a packet) does not touch the wheel. When an
// entry's slot comes up the owner's on_deadline(now) runs; it compares its real deadline
// (e.g. last packet + 1.5 × keep alive) with `now` and either acts or schedules itself
// again. A slot never fires before the deadline it was scheduled for; it fires at most one
// tick late, or 1/8 of the time left (≤ 1 s) when that is longer, so long keep alives share
// whole-second slots and the loop wakes about once a second, not once per tick.
//
// Threading: an execution-context service (boost::asio::use_service), one per io_context,
// used only from the thread that runs that context (net/ runs one thread per loop), except
// adopt_executor() which any thread may call. When the io_context is destroyed, shutdown()
// unlinks every entry and drops the timer; owners destroyed afterwards (their handlers are
// destroyed after the services shut down) find themselves unlinked and never touch the wheel.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

namespace dynamq::broker {

// The hook an owner derives from (public, non-virtual): two list links and the tick of the
// slot it sits in. Not copyable: the wheel points at it.
class DeadlineEntry {
 public:
  DeadlineEntry() = default;
  DeadlineEntry(const DeadlineEntry&) = delete;
  DeadlineEntry& operator=(const DeadlineEntry&) = delete;
  ~DeadlineEntry() = default;

  [[nodiscard]] bool scheduled() const { return next_ != nullptr; }

 private:
  friend class DeadlineWheelCore;
  DeadlineEntry* prev_ = nullptr;
  DeadlineEntry* next_ = nullptr;
  std::uint64_t tick_ = 0;  // absolute tick (kTick units since the wheel's origin)
};

// Everything but the owner type (deadline_wheel.cpp).
class DeadlineWheelCore {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr Clock::duration kTick = std::chrono::milliseconds(100);
  static constexpr std::size_t kSlots = 1024;  // one revolution: 102.4 s
  // The most a long deadline may be rounded up (its slot is shared by many entries).
  static constexpr Clock::duration kMaxSlack = std::chrono::seconds(1);

  DeadlineWheelCore(const DeadlineWheelCore&) = delete;
  DeadlineWheelCore& operator=(const DeadlineWheelCore&) = delete;

  // Calls the owner's on_deadline at `due` or a little later (never before). An entry
  // already scheduled earlier stays where it is (its owner re-schedules when it fires);
  // one scheduled later moves. Loop thread only.
  void schedule(DeadlineEntry& entry, Clock::time_point due);
  // No-op for an entry that is not scheduled. Loop thread only.
  void remove(DeadlineEntry& entry);

  // Any thread, once per owner and before its first schedule(): the executor of the loop
  // (the first one given wins and runs the wheel's timer; the owner keeps a pointer to it
  // instead of its own copy).
  const boost::asio::any_io_executor& adopt_executor(const boost::asio::any_io_executor& executor);
  [[nodiscard]] const boost::asio::any_io_executor& executor() const { return executor_; }

  // For tests and diagnostics.
  [[nodiscard]] std::size_t size() const { return size_; }
  // When the slot of a scheduled entry comes up.
  [[nodiscard]] Clock::time_point slot_time(const DeadlineEntry& entry) const;

 protected:
  using Fire = void (*)(DeadlineEntry& entry, Clock::time_point now);
  explicit DeadlineWheelCore(Fire fire);
  ~DeadlineWheelCore();
  // The io_context is going away: forget every entry, drop the timer.
  void shutdown_wheel();

 private:
  struct Pending;  // the entries of the slot being processed
  [[nodiscard]] std::uint64_t tick_at_or_after(Clock::time_point t) const;
  void link(DeadlineEntry& entry, std::uint64_t tick);
  void unlink(DeadlineEntry& entry);
  void arm(std::uint64_t tick);
  void arm_next();
  void on_timer();

  Fire fire_;
  std::once_flag adopted_;
  boost::asio::any_io_executor executor_;
  std::optional<boost::asio::steady_timer> timer_;
  std::unique_ptr<DeadlineEntry[]> slots_;  // list heads (circular, sentinel per slot)
  Clock::time_point origin_;
  std::uint64_t current_ = 0;  // last tick processed
  std::uint64_t armed_tick_ = 0;
  std::uint64_t wait_seq_ = 0;  // identifies the pending wait (older ones are ignored)
  std::size_t size_ = 0;
  bool armed_ = false;
  bool shut_down_ = false;
};

// The wheel of one io_context for owners of type Owner, which derive from DeadlineEntry and
// have `void on_deadline(DeadlineWheelCore::Clock::time_point now)` (reachable by this class).
template <class Owner>
class DeadlineWheel final : public boost::asio::execution_context::service,
                            public DeadlineWheelCore {
 public:
  using key_type = DeadlineWheel;
  static inline boost::asio::execution_context::id id;

  explicit DeadlineWheel(boost::asio::execution_context& context)
      : boost::asio::execution_context::service(context), DeadlineWheelCore(&fire) {}

  // The wheel of the context `executor` belongs to (created on first use; thread-safe).
  static DeadlineWheel& of(const boost::asio::any_io_executor& executor) {
    return boost::asio::use_service<DeadlineWheel>(
        boost::asio::query(executor, boost::asio::execution::context));
  }

 private:
  void shutdown() override { shutdown_wheel(); }
  static void fire(DeadlineEntry& entry, Clock::time_point now) {
    static_cast<Owner&>(entry).on_deadline(now);
  }
};

}  // namespace dynamq::broker

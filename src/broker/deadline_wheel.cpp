#include "broker/deadline_wheel.hpp"

#include <algorithm>

namespace dynamq::broker {

// The entries taken out of the slot being processed, on a list of their own so an owner's
// on_deadline may remove (or destroy) any entry, this one included. If an owner throws, the
// rest goes back into the wheel instead of pointing at a dead stack frame.
struct DeadlineWheelCore::Pending {
  explicit Pending(DeadlineWheelCore& wheel) : wheel(wheel) { head.prev_ = head.next_ = &head; }
  Pending(const Pending&) = delete;
  Pending& operator=(const Pending&) = delete;
  ~Pending() {
    while (head.next_ != &head) {
      DeadlineEntry& entry = *head.next_;
      wheel.unlink(entry);
      wheel.link(entry, std::max(entry.tick_, wheel.current_ + 1));
    }
  }
  DeadlineWheelCore& wheel;
  DeadlineEntry head;
};

DeadlineWheelCore::DeadlineWheelCore(Fire fire)
    : fire_(fire), slots_(std::make_unique<DeadlineEntry[]>(kSlots)), origin_(Clock::now()) {
  for (std::size_t i = 0; i < kSlots; ++i) {
    slots_[i].prev_ = slots_[i].next_ = &slots_[i];
  }
}

DeadlineWheelCore::~DeadlineWheelCore() {
  shutdown_wheel();
}

void DeadlineWheelCore::shutdown_wheel() {
  shut_down_ = true;
  for (std::size_t i = 0; i < kSlots; ++i) {
    DeadlineEntry& head = slots_[i];
    for (DeadlineEntry* e = head.next_; e != &head;) {
      DeadlineEntry* next = e->next_;
      e->prev_ = e->next_ = nullptr;
      e = next;
    }
    head.prev_ = head.next_ = &head;
  }
  size_ = 0;
  armed_ = false;
  timer_.reset();  // cancels a pending wait (its handler only holds `this`)
}

const boost::asio::any_io_executor& DeadlineWheelCore::adopt_executor(
    const boost::asio::any_io_executor& executor) {
  std::call_once(adopted_, [&] { executor_ = executor; });
  return executor_;
}

std::uint64_t DeadlineWheelCore::tick_at_or_after(Clock::time_point t) const {
  if (t <= origin_) {
    return 0;
  }
  const auto elapsed = t - origin_;
  return static_cast<std::uint64_t>((elapsed + kTick - Clock::duration(1)) / kTick);
}

DeadlineWheelCore::Clock::time_point DeadlineWheelCore::slot_time(
    const DeadlineEntry& entry) const {
  return origin_ + static_cast<Clock::rep>(entry.tick_) * kTick;
}

void DeadlineWheelCore::link(DeadlineEntry& entry, std::uint64_t tick) {
  DeadlineEntry& head = slots_[tick % kSlots];
  entry.tick_ = tick;
  entry.next_ = &head;
  entry.prev_ = head.prev_;
  head.prev_->next_ = &entry;
  head.prev_ = &entry;
  ++size_;
}

void DeadlineWheelCore::unlink(DeadlineEntry& entry) {
  entry.prev_->next_ = entry.next_;
  entry.next_->prev_ = entry.prev_;
  entry.prev_ = entry.next_ = nullptr;
  --size_;
}

void DeadlineWheelCore::schedule(DeadlineEntry& entry, Clock::time_point due) {
  if (shut_down_) {
    return;
  }
  std::uint64_t tick = tick_at_or_after(due);
  // Long deadlines are rounded up to a coarser grid (1/8 of the time left, ≤ kMaxSlack), so
  // thousands of idle connections share a few slots per second.
  const auto left = due - Clock::now();
  const auto grid = std::clamp<std::uint64_t>(
      static_cast<std::uint64_t>(std::max<Clock::rep>(left / (8 * kTick), 1)), 1,
      static_cast<std::uint64_t>(kMaxSlack / kTick));
  tick = (tick + grid - 1) / grid * grid;
  tick = std::max(tick, current_ + 1);
  if (entry.scheduled()) {
    if (entry.tick_ <= tick) {
      return;  // comes up earlier; on_deadline schedules again then
    }
    unlink(entry);
  }
  link(entry, tick);
  if (!armed_ || tick < armed_tick_) {
    arm(tick);
  }
}

void DeadlineWheelCore::remove(DeadlineEntry& entry) {
  if (!entry.scheduled()) {
    return;
  }
  unlink(entry);
  if (size_ == 0 && armed_ && timer_) {
    // Nothing left to watch: no pending wait keeps an otherwise idle io_context running.
    armed_ = false;
    ++wait_seq_;
    timer_->cancel();
  }
}

void DeadlineWheelCore::arm(std::uint64_t tick) {
  if (!timer_) {
    timer_.emplace(executor_);
  }
  armed_ = true;
  armed_tick_ = tick;
  const std::uint64_t seq = ++wait_seq_;
  // Re-arming cancels the previous wait; a wait that completed before it could be cancelled
  // carries an older sequence number and is ignored.
  timer_->expires_at(origin_ + static_cast<Clock::rep>(tick) * kTick);
  timer_->async_wait([this, seq](const boost::system::error_code& ec) {
    if (!ec && seq == wait_seq_) {
      on_timer();
    }
  });
}

void DeadlineWheelCore::arm_next() {
  if (size_ == 0 || shut_down_) {
    return;
  }
  for (std::uint64_t tick = current_ + 1; tick <= current_ + kSlots; ++tick) {
    const DeadlineEntry& head = slots_[tick % kSlots];
    if (head.next_ != &head) {
      if (!armed_ || armed_tick_ != tick) {
        arm(tick);
      }
      return;
    }
  }
}

void DeadlineWheelCore::on_timer() {
  armed_ = false;
  // Whatever happens below (an owner may throw), the timer is armed again for what is left.
  struct Rearm {
    explicit Rearm(DeadlineWheelCore& w) : wheel(w) {}
    DeadlineWheelCore& wheel;
    Rearm(const Rearm&) = delete;
    Rearm& operator=(const Rearm&) = delete;
    ~Rearm() { wheel.arm_next(); }
  } rearm(*this);
  const auto now = Clock::now();
  const auto target = static_cast<std::uint64_t>((now - origin_) / kTick);
  // After a long stall one revolution visits every slot once.
  std::uint64_t tick = current_ + 1;
  if (target >= kSlots && tick < target - kSlots + 1) {
    tick = target - kSlots + 1;
  }
  for (; tick <= target && !shut_down_; ++tick) {
    current_ = tick;
    DeadlineEntry& head = slots_[tick % kSlots];
    if (head.next_ == &head) {
      continue;
    }
    Pending pending(*this);
    // Move the slot's whole list to `pending` (O(1)).
    pending.head.next_ = head.next_;
    pending.head.prev_ = head.prev_;
    pending.head.next_->prev_ = &pending.head;
    pending.head.prev_->next_ = &pending.head;
    head.prev_ = head.next_ = &head;
    while (pending.head.next_ != &pending.head && !shut_down_) {
      DeadlineEntry& entry = *pending.head.next_;
      const std::uint64_t due_tick = entry.tick_;
      unlink(entry);
      if (due_tick > tick) {
        link(entry, due_tick);  // a later revolution of the wheel
        continue;
      }
      fire_(entry, now);
    }
  }
  current_ = std::max(current_, target);
}

}  // namespace dynamq::broker

// Batches of bytes from the client, and back-pressure towards it (backpressure.hpp): the
// acks a batch produces leave in one write, the outbound queue is flushed once per batch, and
// a client whose publishes landed in congested sessions stops being read for a while.
#include <boost/asio/post.hpp>

#include "broker/backpressure.hpp"
#include "broker/connection.hpp"

namespace dynamq::broker {

std::vector<std::shared_ptr<Session>>& Connection::congested_sessions() {
  thread_local std::vector<std::shared_ptr<Session>> sessions;
  return sessions;
}

std::vector<std::uint8_t>& Connection::gathered() {
  // One connection at a time is inside on_bytes on a thread: its packets gather here.
  thread_local std::vector<std::uint8_t> bytes;
  return bytes;
}

void Connection::begin_batch() {
  gathered().clear();
  congested_sessions().clear();
  in_batch_ = true;
}

void Connection::emit_pending() {
  auto& bytes = gathered();
  if (!in_batch_ || bytes.empty()) {
    return;
  }
  link_->write(std::make_shared<const std::vector<std::uint8_t>>(bytes.begin(), bytes.end()));
  bytes.clear();
}

void Connection::end_batch() {
  if (flush_wanted_) {
    flush_wanted_ = false;
    flush();
  }
  emit_pending();
  in_batch_ = false;
  maybe_pause();
}

void Connection::maybe_pause() {
  std::vector<std::shared_ptr<Session>> congested;
  congested.swap(congested_sessions());
  if (congested.empty() || paused_ || state_ != State::connected || !session_) {
    return;
  }
  {
    // A client with messages waiting for its own window must read the PUBACKs that free it.
    std::lock_guard lock(session_->mutex);
    if (!session_->queue.empty()) {
      return;
    }
  }
  bool registered = false;
  for (const auto& session : congested) {
    std::lock_guard lock(session->mutex);
    registered =
        backpressure::add_waiter(*session, core_->settings, weak_from_this()) || registered;
  }
  if (!registered) {
    return;
  }
  paused_ = true;
  bump(core_->counters.publishers_paused);
  link_->pause_reading();
  last_received_ = std::chrono::steady_clock::now();
  reschedule();  // on_deadline resumes at the latest kHoldLimit from now
}

void Connection::resume_reading() {
  if (!paused_) {
    return;
  }
  paused_ = false;
  // The silence was ours, not the client's: keep alive counts from now (the wheel sees the
  // later deadline when the pause's slot comes up).
  last_received_ = std::chrono::steady_clock::now();
  if (state_ == State::connected) {
    link_->resume_reading();
    if (!buffer_.empty()) {
      // Packets read before the pause: handle them first (later bytes append behind them).
      boost::asio::post(executor(), [self = shared_from_this()] { self->on_bytes({}); });
    }
  }
}

void Connection::wake(std::vector<std::weak_ptr<Connection>> waiters) {
  for (auto& weak : waiters) {
    if (auto connection = weak.lock()) {
      const auto& executor = connection->executor();
      boost::asio::post(executor, [c = std::move(connection)] { c->resume_reading(); });
    }
  }
}

}  // namespace dynamq::broker

#include "broker/backpressure.hpp"

namespace dynamq::broker::backpressure {

namespace {
bool within_hold(const SessionBackpressure& bp, std::chrono::steady_clock::time_point now) {
  return now - bp.since < kHoldLimit;
}
}  // namespace

bool on_queued(Session& session, const BrokerSettings& settings) {
  if (!session.attached || session.queue.size() < high_water(settings)) {
    return false;
  }
  auto& cold = session.cold_state();
  if (!cold.backpressure) {
    cold.backpressure = std::make_unique<SessionBackpressure>();
  }
  auto& bp = *cold.backpressure;
  const auto now = std::chrono::steady_clock::now();
  if (bp.since == std::chrono::steady_clock::time_point{}) {
    bp.since = now;
  }
  return within_hold(bp, now);
}

bool add_waiter(Session& session, const BrokerSettings& settings,
                std::weak_ptr<Connection> publisher) {
  if (!session.attached || !session.cold || !session.cold->backpressure ||
      session.queue.size() < low_water(settings)) {
    return false;
  }
  auto& bp = *session.cold->backpressure;
  if (bp.since == std::chrono::steady_clock::time_point{} ||
      !within_hold(bp, std::chrono::steady_clock::now())) {
    return false;
  }
  bp.waiters.push_back(std::move(publisher));
  return true;
}

std::vector<std::weak_ptr<Connection>> take_waiters(Session& session,
                                                    const BrokerSettings& settings,
                                                    bool detaching) {
  std::vector<std::weak_ptr<Connection>> out;
  auto* bp = session.cold ? session.cold->backpressure.get() : nullptr;
  if (bp == nullptr || (!detaching && session.queue.size() >= low_water(settings))) {
    return out;
  }
  bp->since = {};
  out.swap(bp->waiters);
  return out;
}

}  // namespace dynamq::broker::backpressure

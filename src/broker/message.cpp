#include "broker/message.hpp"

namespace dynamq::broker {

std::optional<std::uint32_t> Message::remaining_expiry(
    std::chrono::steady_clock::time_point now) const {
  if (!properties->message_expiry_interval) {
    return std::nullopt;
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(now - received_at).count();
  const auto interval = static_cast<std::int64_t>(*properties->message_expiry_interval);
  if (elapsed >= interval) {
    return 0;
  }
  return static_cast<std::uint32_t>(interval - elapsed);
}

}  // namespace dynamq::broker

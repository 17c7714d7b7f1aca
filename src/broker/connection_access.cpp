// Access control on one connection: authentication of the CONNECT (possibly answered on
// another thread), PUBLISH authorization and the per-client publish rate.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "broker/connection.hpp"
#include "mqtt/topic.hpp"

namespace dynamq::broker {

using mqtt::ReasonCode;

void Connection::authenticate(mqtt::Connect& connect, bool assigned) {
  // A certificate the transport verified is the credential: its identity is the user name
  // and no password is checked (listener option use_identity_as_username).
  if (auto identity = link_->certificate_identity(); !identity.empty()) {
    info_->username = std::move(identity);
    admit(connect, assigned);
    return;
  }
  const auto& policy = core_->settings.access_policy;
  if (!policy) {
    admit(connect, assigned);
    return;
  }
  AuthRequest request;
  request.client_id = info_->client_id;
  request.username = connect.username;
  request.password = std::move(connect.password);
  connect.password.reset();
  request.remote_endpoint = info_->remote_endpoint;
  request.listener = info_->listener;
  state_ = State::authenticating;
  auto& c = cold();
  c.pending_connect = std::make_unique<mqtt::Connect>(std::move(connect));
  c.pending_assigned = assigned;
  // The answer may come from a verification thread: always continue on our executor.
  policy->authenticate(std::move(request),
                       [weak = weak_from_this(), executor = executor()](AuthResult result) {
                         boost::asio::post(executor, [weak, result] {
                           if (auto self = weak.lock()) {
                             self->on_authenticated(result);
                           }
                         });
                       });
}

void Connection::on_authenticated(AuthResult result) {
  if (state_ != State::authenticating || !cold_ || !cold_->pending_connect) {
    return;  // closed (connect timeout, transport gone) while the policy decided
  }
  const auto connect = std::move(cold_->pending_connect);
  const bool assigned = cold_->pending_assigned;
  release_cold_if_unused();
  if (result != AuthResult::allowed) {
    bump(core_->counters.auth_failures);
    const bool bad = result == AuthResult::bad_credentials;
    // The user name helps whoever reads the log; the password never appears anywhere.
    const std::string what = "client '" + info_->client_id + "' " +
                             (connect->username ? "user '" + *connect->username + "': "
                                                : std::string("without user name: "));
    refuse_connect(version_, bad ? ReasonCode::BadUserNameOrPassword : ReasonCode::NotAuthorized,
                   what + (bad ? "bad user name or password" : "not authorized"));
    return;
  }
  if (core_->shutting_down.load()) {
    refuse_connect(version_, ReasonCode::ServerUnavailable, "server shutting down");
    return;
  }
  admit(*connect, assigned);
  if (state_ == State::connected && !buffer_.empty()) {
    on_bytes({});  // what the client sent after CONNECT, held until now
  }
}

void Connection::admit(mqtt::Connect& connect, bool assigned) {
  // The will is a PUBLISH made later on the client's behalf: it must be one the client may
  // make now (mosquitto checks it at CONNECT too), else the CONNECT is refused.
  if (will_ && !publish_authorized(will_->topic)) {
    bump(core_->counters.denied_publish);
    refuse_connect(
        version_, ReasonCode::NotAuthorized,
        "client '" + info_->client_id + "': will topic '" + will_->topic + "' not authorized");
    return;
  }
  accept_connect(connect, assigned);
}

bool Connection::publish_authorized(const std::string& topic) const {
  // $SYS/… belongs to the broker: no client publishes there, whatever the policy says.
  if (topic == "$SYS" || topic.starts_with("$SYS/")) {
    return false;
  }
  const auto& policy = core_->settings.access_policy;
  return !policy || policy->authorize_publish(*info_, topic);
}

bool Connection::subscribe_authorized(const std::string& raw_filter) const {
  const auto& policy = core_->settings.access_policy;
  const auto parsed = mqtt::parse_subscription_filter(raw_filter);
  if (!policy || !parsed) {
    return true;  // an invalid filter gets 0x8F from the subscription itself
  }
  if (policy->authorize_subscribe(*info_, parsed->filter)) {
    return true;
  }
  bump(core_->counters.denied_subscribe);
  spdlog::info("client '{}' user '{}' {}: SUBSCRIBE to '{}' denied", info_->client_id,
               info_->username, info_->remote_endpoint, raw_filter);
  return false;
}

bool Connection::within_publish_rate() {
  const std::uint32_t rate = core_->settings.max_publish_rate;
  if (rate == 0) {
    return true;
  }
  // Token bucket of one second's worth of publishes, full at the first PUBLISH.
  auto& c = cold();
  const auto now = std::chrono::steady_clock::now();
  if (c.tokens_at == std::chrono::steady_clock::time_point{}) {
    c.publish_tokens = rate;
  } else {
    const double elapsed = std::chrono::duration<double>(now - c.tokens_at).count();
    c.publish_tokens = std::min<double>(rate, c.publish_tokens + elapsed * rate);
  }
  c.tokens_at = now;
  if (c.publish_tokens < 1.0) {
    return false;
  }
  c.publish_tokens -= 1.0;
  return true;
}

}  // namespace dynamq::broker

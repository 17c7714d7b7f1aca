// CONNECT → CONNACK (spec 3.1, 3.2) and the client's DISCONNECT (3.14).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>

#include "broker/connection.hpp"
#include "mqtt/encode.hpp"

namespace dynamq::broker {

using mqtt::ReasonCode;

void Connection::refuse_connect(mqtt::Version version, ReasonCode reason, std::string_view what) {
  if (reason != ReasonCode::BadUserNameOrPassword && reason != ReasonCode::NotAuthorized) {
    bump(core_->counters.protocol_errors);  // refused credentials are counted as auth_failures
  }
  spdlog::info("{} [{}]: CONNECT refused: {} (0x{:02x} {})", info_->remote_endpoint,
               info_->listener, what, static_cast<unsigned>(reason), mqtt::to_string(reason));
  // MQTT 5 answers every refusal with its reason code ([MQTT-3.2.2-7]); 3.1/3.1.1 have
  // return codes only for a few (unacceptable protocol version, identifier rejected, …)
  // and otherwise just close.
  const bool answer =
      version == mqtt::Version::v5 || reason == ReasonCode::UnsupportedProtocolVersion ||
      reason == ReasonCode::ClientIdentifierNotValid || reason == ReasonCode::ServerUnavailable ||
      reason == ReasonCode::BadUserNameOrPassword || reason == ReasonCode::NotAuthorized;
  if (answer) {
    mqtt::Connack connack;
    connack.reason_code = reason;
    if (version == mqtt::Version::v5 && !what.empty()) {
      connack.properties.reason_string = std::string(what);  // dropped by 3.1.1 encoding
    }
    auto bytes = std::make_shared<std::vector<std::uint8_t>>();
    mqtt::encode(connack, version, *bytes);
    link_->write(std::move(bytes));
  }
  close_link();
}

void Connection::on_connect(mqtt::Connect& connect) {
  const auto& settings = core_->settings;
  version_ = connect.version;
  info_->protocol_version = static_cast<std::uint8_t>(connect.version);
  info_->username = connect.username.value_or("");
  info_->clean_start = connect.clean_start;

  if (core_->shutting_down.load()) {
    refuse_connect(version_, ReasonCode::ServerUnavailable, "server shutting down");
    return;
  }
  if (v5() && connect.properties.authentication_method) {
    refuse_connect(version_, ReasonCode::BadAuthenticationMethod,
                   "enhanced authentication is not supported");
    return;
  }
  // Client identifier ([MQTT-3.1.3-6..8]): an empty one gets an assigned id, except in
  // 3.1.1 with clean session 0 and in 3.1, where it is rejected (return code 2).
  bool assigned = false;
  if (connect.client_id.empty()) {
    if (!v5() && (!connect.clean_start || version_ == mqtt::Version::v3_1)) {
      refuse_connect(version_, ReasonCode::ClientIdentifierNotValid,
                     "empty client id needs clean session 1 [MQTT-3.1.3-8]");
      return;
    }
    const auto id = core_->ids.next();
    connect.client_id = fmt::format("dynamq-{:x}{:012x}", id.high, id.low & 0xFFFFFFFFFFFF);
    assigned = true;
  } else if (connect.client_id.size() > settings.max_client_id_length) {
    refuse_connect(version_, ReasonCode::ClientIdentifierNotValid, "client id too long");
    return;
  }
  info_->client_id = connect.client_id;
  if (connect.will) {
    if (static_cast<std::uint8_t>(connect.will->qos) > settings.max_qos) {
      refuse_connect(version_, ReasonCode::QoSNotSupported, "will QoS above maximum QoS");
      return;
    }
    if (connect.will->retain && !settings.retain_available) {
      refuse_connect(version_, ReasonCode::RetainNotSupported, "will retain not supported");
      return;
    }
    will_ = std::make_unique<mqtt::Will>(std::move(*connect.will));
  }
  authenticate(connect, assigned);  // then accept_connect (connection_access.cpp)
}

void Connection::accept_connect(mqtt::Connect& connect, bool assigned) {
  const auto& settings = core_->settings;
  // Session Expiry Interval: MQTT 5 asks for one (capped); 3.1.1 clean session 0 keeps the
  // session for the configured maximum, clean session 1 ends it with the connection.
  std::uint32_t expiry = 0;
  bool expiry_capped = false;
  if (v5()) {
    expiry = connect.properties.session_expiry_interval.value_or(0);
    if (expiry > settings.session_expiry_max) {
      expiry = settings.session_expiry_max;
      expiry_capped = true;
    }
  } else if (!connect.clean_start) {
    expiry = settings.session_expiry_max;
  }
  info_->session_expiry_interval = expiry;

  // Keep alive, possibly overridden by Server Keep Alive in MQTT 5 ([MQTT-3.2.2-21]).
  std::uint16_t keep_alive = connect.keep_alive;
  bool server_keep_alive = false;
  if (v5()) {
    if (keep_alive == 0 && settings.keep_alive_default != 0) {
      keep_alive = settings.keep_alive_default;
      server_keep_alive = true;
    }
    if (settings.keep_alive_max != 0 && keep_alive > settings.keep_alive_max) {
      keep_alive = settings.keep_alive_max;
      server_keep_alive = true;
    }
  }
  keep_alive_ = keep_alive;

  if (v5()) {
    client_receive_maximum_ = connect.properties.receive_maximum.value_or(65535);
    client_maximum_packet_size_ = connect.properties.maximum_packet_size.value_or(0);
    client_topic_alias_maximum_ = connect.properties.topic_alias_maximum.value_or(0);
    request_problem_information_ = connect.properties.request_problem_information.value_or(true);
  }

  auto attached = core_->attach(shared_from_this(), info_, connect.clean_start, expiry);
  session_ = attached.session;
  if (attached.previous) {
    // Session takeover ([MQTT-3.1.4-3]): the old connection gets DISCONNECT 0x8E.
    auto previous = std::move(attached.previous);
    const bool continues = !connect.clean_start;
    boost::asio::post(previous->executor(), [previous, continues] {
      previous->kick(ReasonCode::SessionTakenOver, continues);
    });
  }

  mqtt::Connack connack;
  connack.session_present = attached.session_present;
  connack.reason_code = ReasonCode::Success;
  if (v5()) {
    auto& p = connack.properties;
    if (expiry_capped) {
      p.session_expiry_interval = expiry;
    }
    p.receive_maximum = settings.max_inflight;
    if (settings.max_qos < 2) {
      p.maximum_qos = settings.max_qos;
    }
    if (!settings.retain_available) {
      p.retain_available = false;
    }
    if (settings.max_packet_size != 0) {
      p.maximum_packet_size = settings.max_packet_size;
    }
    if (assigned) {
      p.assigned_client_identifier = info_->client_id;
    }
    p.topic_alias_maximum = settings.topic_alias_maximum;
    if (!settings.wildcard_subscription_available) {
      p.wildcard_subscription_available = false;
    }
    if (!settings.subscription_identifiers_available) {
      p.subscription_identifier_available = false;
    }
    if (!settings.shared_subscription_available) {
      p.shared_subscription_available = false;
    }
    if (server_keep_alive) {
      p.server_keep_alive = keep_alive;
    }
  }
  write(connack);
  state_ = State::connected;
  last_received_ = std::chrono::steady_clock::now();
  reschedule();  // keep alive instead of the CONNECT timeout
  spdlog::debug("client '{}' {}: connected (MQTT {}, session present {})", info_->client_id,
                info_->remote_endpoint, mqtt::to_string(version_), attached.session_present);

  if (core_->hooks.any()) {
    const auto list = core_->hooks.snapshot();
    if (!attached.session_present) {
      for (const auto& h : *list) {
        h->on_session_created(*info_);
      }
    }
    for (const auto& h : *list) {
      h->on_client_connected(*info_);
    }
  }
  if (state_ == State::connected) {
    resend_inflight();
    flush();
  }
}

void Connection::on_disconnect(const mqtt::Disconnect& disconnect) {
  client_disconnected_ = true;
  disconnect_reason_ = disconnect.reason_code;
  // [MQTT-3.14.4-3] a normal DISCONNECT discards the will; 0x04 asks for it (MQTT 5).
  publish_will_ = v5() && disconnect.reason_code == ReasonCode::DisconnectWithWillMessage;
  if (v5() && disconnect.properties.session_expiry_interval) {
    const std::uint32_t requested = *disconnect.properties.session_expiry_interval;
    if (info_->session_expiry_interval == 0 && requested != 0) {
      client_disconnected_ = false;
      publish_will_ = true;
      protocol_error(ReasonCode::ProtocolError,
                     "session expiry set on DISCONNECT after 0 in CONNECT [MQTT-3.14.2-2]");
      return;
    }
    const std::uint32_t expiry = std::min(requested, core_->settings.session_expiry_max);
    // info_ is shared with the session and read on other threads: replaced, not modified.
    auto updated = std::make_shared<ClientInfo>(*info_);
    updated->session_expiry_interval = expiry;
    info_ = std::move(updated);
    if (session_) {
      core_->replace_info(*session_, this, info_, expiry);
    }
  }
  close_link();
}

}  // namespace dynamq::broker

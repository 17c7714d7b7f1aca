#include "broker/connection.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "broker/backpressure.hpp"
#include "mqtt/decode.hpp"
#include "mqtt/encode.hpp"

namespace dynamq::broker {

namespace {

// The protocol level of a CONNECT whose body the decoder refused before reading it (e.g.
// too large): answer an MQTT 5 client in MQTT 5, with its reason code.
std::optional<mqtt::Version> sniff_connect_version(std::span<const std::uint8_t> bytes) {
  std::size_t i = 1;
  for (int n = 0; n < 4 && i < bytes.size(); ++n) {
    if ((bytes[i++] & 0x80) == 0) {
      break;
    }
  }
  // Protocol name (length-prefixed "MQTT" or "MQIsdp"), then the level byte.
  if (i + 2 > bytes.size()) {
    return std::nullopt;
  }
  const std::size_t name_length = (std::size_t{bytes[i]} << 8) | bytes[i + 1];
  const std::size_t level_at = i + 2 + name_length;
  if (name_length > 6 || level_at >= bytes.size()) {
    return std::nullopt;
  }
  switch (bytes[level_at]) {
    case 5:
      return mqtt::Version::v5;
    case 4:
      return mqtt::Version::v3_1_1;
    case 3:
      return mqtt::Version::v3_1;
    default:
      return std::nullopt;
  }
}

std::uint32_t packet_limit(std::uint32_t max_packet_size) {
  return max_packet_size == 0 ? mqtt::kNoPacketSizeLimit : max_packet_size;
}
}  // namespace

Connection::Connection(std::shared_ptr<BrokerCore> core, boost::asio::any_io_executor executor,
                       std::shared_ptr<ClientLink> link)
    : core_(std::move(core)),
      link_(std::move(link)),
      wheel_(&DeadlineWheel<Connection>::of(executor)),
      info_(std::make_shared<ClientInfo>()) {
  if (wheel_->adopt_executor(executor) != executor) {
    // Another executor of the same loop (never in net/): keep it, the wheel only watches.
    // cold_ then stays for the connection's life, so other threads may read it.
    cold().own_executor = std::move(executor);
    own_executor_ = true;
  }
  info_->node = core_->node_name;
  info_->remote_endpoint = link_->remote_endpoint();
  info_->listener = core_->listener_names.intern(link_->listener_name());
}

Connection::~Connection() {
  if (session_) {
    // Not finished (e.g. the broker went away first): the session must not keep a pointer
    // to this connection (Session::attached).
    std::lock_guard lock(session_->mutex);
    if (session_->attached == this) {
      session_->attached = nullptr;
      session_->set_online(false);
    }
  }
  unschedule();
  if (counted_) {
    core_->counters.connections_current.fetch_sub(1, std::memory_order_relaxed);
  }
}

void Connection::start() {
  if (core_->shutting_down.load()) {
    state_ = State::closed;
    link_->close();
    return;
  }
  bump(core_->counters.connections_current);
  bump(core_->counters.connections_total);
  counted_ = true;
  last_received_ = std::chrono::steady_clock::now();  // the CONNECT timeout starts
  reschedule();
}

void Connection::on_bytes(std::span<const std::uint8_t> bytes) {
  if (state_ == State::closed) {
    return;
  }
  if (state_ == State::authenticating) {
    // Held until the CONNECT is decided ([MQTT-3.1.4-5]); a client that floods meanwhile
    // is cut off.
    buffer_.append(bytes);
    if (buffer_.size() > std::max<std::size_t>(core_->settings.max_packet_size, 64 * 1024)) {
      protocol_error(mqtt::ReasonCode::PacketTooLarge, "too much data before CONNACK");
    }
    return;
  }
  begin_batch();
  decode_bytes(bytes);
  end_batch();
}

void Connection::decode_bytes(std::span<const std::uint8_t> bytes) {
  if (state_ == State::connected && !paused_) {
    last_received_ = std::chrono::steady_clock::now();  // the wheel looks at it lazily
  }
  // Decode straight from the caller's bytes when nothing is buffered (the common case);
  // keep only the tail of an incomplete packet.
  std::span<const std::uint8_t> input = bytes;
  if (!buffer_.empty()) {
    buffer_.append(bytes);
    input = buffer_.pending();
  }
  std::size_t offset = 0;
  const std::uint32_t limit = packet_limit(core_->settings.max_packet_size);
  // Back-pressure stops the batch after the publish that found its sessions congested: the
  // rest stays buffered until reading resumes (connection_backpressure.cpp). A CONNECT being
  // authenticated holds the rest until the policy answers (connection_access.cpp).
  while (offset < input.size() && state_ != State::closed && state_ != State::authenticating &&
         !paused_) {
    const auto rest = input.subspan(offset);
    auto result = state_ == State::awaiting_connect ? mqtt::decode_connect(rest, limit)
                                                    : mqtt::decode(rest, version_, limit);
    if (result.need_more()) {
      break;
    }
    if (result.malformed()) {
      if (state_ == State::awaiting_connect) {
        // Not a CONNECT at all: close without an answer [MQTT-3.1.0-1]. A bad CONNECT:
        // CONNACK with the reason (3.1.1 only has return codes for a few of them).
        if ((rest[0] >> 4) != 1) {
          bump(core_->counters.protocol_errors);
          spdlog::info("{} [{}]: first packet is not CONNECT, closing", info_->remote_endpoint,
                       info_->listener);
          close_link();
        } else {
          refuse_connect(sniff_connect_version(rest).value_or(result.version), result.reason,
                         result.detail);
        }
      } else {
        protocol_error(result.reason, result.detail);
      }
      break;
    }
    offset += result.consumed;
    handle(result.packet);
    if (!congested_sessions().empty()) {
      maybe_pause();
    }
  }
  if (state_ == State::closed) {
    buffer_.clear();
    return;
  }
  if (buffer_.empty()) {
    buffer_.append(input.subspan(offset));  // the rest of the caller's bytes
  } else {
    buffer_.consume(offset);  // `input` was the buffer
  }
}

void Connection::handle(mqtt::Packet& packet) {
  using mqtt::ReasonCode;
  switch (mqtt::packet_type(packet)) {
    case mqtt::PacketType::Connect:
      if (state_ == State::awaiting_connect) {
        on_connect(std::get<mqtt::Connect>(packet));
      } else {
        protocol_error(ReasonCode::ProtocolError, "second CONNECT [MQTT-3.1.0-2]");
      }
      return;
    case mqtt::PacketType::Publish:
      on_publish(std::get<mqtt::Publish>(packet));
      return;
    case mqtt::PacketType::Puback:
      on_puback(std::get<mqtt::Puback>(packet));
      return;
    case mqtt::PacketType::Pubrec:
      on_pubrec(std::get<mqtt::Pubrec>(packet));
      return;
    case mqtt::PacketType::Pubrel:
      on_pubrel(std::get<mqtt::Pubrel>(packet));
      return;
    case mqtt::PacketType::Pubcomp:
      on_pubcomp(std::get<mqtt::Pubcomp>(packet));
      return;
    case mqtt::PacketType::Subscribe:
      on_subscribe(std::get<mqtt::Subscribe>(packet));
      return;
    case mqtt::PacketType::Unsubscribe:
      on_unsubscribe(std::get<mqtt::Unsubscribe>(packet));
      return;
    case mqtt::PacketType::Pingreq:
      write(mqtt::Pingresp{});
      return;
    case mqtt::PacketType::Disconnect:
      on_disconnect(std::get<mqtt::Disconnect>(packet));
      return;
    case mqtt::PacketType::Auth:
      // No enhanced authentication was negotiated (CONNECT had no Authentication Method).
      protocol_error(ReasonCode::ProtocolError, "AUTH without an authentication method");
      return;
    default:
      protocol_error(ReasonCode::ProtocolError,
                     std::string("a client must not send ") +
                         std::string(mqtt::to_string(mqtt::packet_type(packet))));
      return;
  }
}

void Connection::write(const mqtt::Packet& packet) {
  if (in_batch_) {
    mqtt::encode(packet, version_, gathered());  // leaves at the end of the batch
    return;
  }
  auto bytes = std::make_shared<std::vector<std::uint8_t>>();
  mqtt::encode(packet, version_, *bytes);
  link_->write(std::move(bytes));
}

void Connection::protocol_error(mqtt::ReasonCode reason, std::string_view what) {
  bump(core_->counters.protocol_errors);
  spdlog::info("client '{}' {}: {} (0x{:02x} {}), closing", info_->client_id,
               info_->remote_endpoint, what, static_cast<unsigned>(reason),
               mqtt::to_string(reason));
  disconnect(reason, what);
}

void Connection::disconnect(mqtt::ReasonCode reason, std::string_view reason_string) {
  if (state_ == State::closed) {
    return;
  }
  disconnect_reason_ = reason;
  // [MQTT-4.13.1-1] MQTT 5: DISCONNECT with the reason code; before 5.0 just close.
  if (v5() && state_ == State::connected) {
    mqtt::Disconnect packet;
    packet.reason_code = reason;
    if (!reason_string.empty()) {
      packet.properties.reason_string = std::string(reason_string);
    }
    write(packet);
  }
  close_link();
}

void Connection::close_link() {
  if (state_ == State::closed) {
    return;
  }
  emit_pending();  // e.g. a DISCONNECT gathered in this batch
  const bool was_connected = state_ == State::connected;
  state_ = State::closed;
  unschedule();
  if (was_connected) {
    finish();
  }
  link_->close();
}

void Connection::on_transport_closed() {
  if (state_ != State::closed) {
    // The peer went away without DISCONNECT: the will is published ([MQTT-3.1.2-8]).
    const bool was_connected = state_ == State::connected;
    state_ = State::closed;
    unschedule();
    if (was_connected) {
      finish();
    }
  }
  if (counted_) {
    counted_ = false;
    core_->counters.connections_current.fetch_sub(1, std::memory_order_relaxed);
  }
  inbound_.clear();
}

void Connection::kick(mqtt::ReasonCode reason, bool session_continues) {
  if (state_ != State::connected) {
    if (state_ == State::awaiting_connect || state_ == State::authenticating) {
      close_link();
    }
    return;
  }
  if (session_continues && will_) {
    // The session goes on with the new connection: a delayed will is not published
    // ([MQTT-3.1.3-9]); one without delay is (the old connection ended abnormally).
    const auto delay = will_->properties.will_delay_interval.value_or(0);
    if (delay != 0) {
      will_.reset();
    }
  }
  spdlog::debug("client '{}' {}: disconnected by the server (0x{:02x})", info_->client_id,
                info_->remote_endpoint, static_cast<unsigned>(reason));
  disconnect(reason);
}

Connection::TopicAliases& Connection::aliases() {
  auto& c = cold();
  if (!c.aliases) {
    c.aliases = std::make_unique<TopicAliases>();
  }
  return *c.aliases;
}

Connection::Cold& Connection::cold() {
  if (!cold_) {
    cold_ = std::make_unique<Cold>();
  }
  return *cold_;
}

void Connection::release_cold_if_unused() {
  if (cold_ && !cold_->own_executor && !cold_->pending_connect && !cold_->aliases &&
      cold_->tokens_at == std::chrono::steady_clock::time_point{}) {
    cold_.reset();
  }
}

void Connection::schedule_flush() {
  boost::asio::post(executor(), [self = shared_from_this()] { self->flush(); });
}

std::optional<std::chrono::steady_clock::time_point> Connection::deadline() const {
  switch (state_) {
    case State::awaiting_connect:
    case State::authenticating:
      return last_received_ + core_->settings.connect_timeout;
    case State::connected:
      if (paused_) {
        return last_received_ + backpressure::kHoldLimit;  // the pause ends by itself
      }
      if (keep_alive_ == 0) {
        return std::nullopt;
      }
      // [MQTT-3.1.2-22] one and a half times the keep alive without a packet.
      return last_received_ + std::chrono::milliseconds(keep_alive_ * 1500);
    case State::closed:
      break;
  }
  return std::nullopt;
}

void Connection::reschedule() {
  if (const auto due = deadline()) {
    wheel_->schedule(*this, *due);
  } else {
    unschedule();
  }
}

void Connection::unschedule() {
  // Never scheduled once the loop's io_context is gone (its wheel unlinked every entry), so
  // a connection that outlives its loop does not touch the dead wheel.
  if (scheduled()) {
    wheel_->remove(*this);
  }
}

void Connection::on_deadline(std::chrono::steady_clock::time_point now) {
  const auto self = weak_from_this().lock();  // closing may drop net/'s reference
  const auto due = deadline();
  if (!self || !due) {
    return;
  }
  if (now < *due) {
    wheel_->schedule(*this, *due);  // there was activity since it was scheduled
    return;
  }
  if (paused_) {
    resume_reading();  // back-pressure holds a client for kHoldLimit at most
    reschedule();
    return;
  }
  if (state_ == State::awaiting_connect || state_ == State::authenticating) {
    bump(core_->counters.protocol_errors);
    spdlog::info("{} [{}]: no CONNECT within {} ms, closing", info_->remote_endpoint,
                 info_->listener, core_->settings.connect_timeout.count());
    close_link();
    return;
  }
  protocol_error(mqtt::ReasonCode::KeepAliveTimeout, "keep alive timeout");
}

void Connection::finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  bool owner = false;
  std::vector<Delivery> shared;
  std::vector<std::weak_ptr<Connection>> waiters;  // publishers paused on this session
  if (session_) {
    std::lock_guard lock(session_->mutex);
    if (session_->attached == this) {
      owner = true;
      session_->attached = nullptr;
      session_->set_online(false);
      waiters = backpressure::take_waiters(*session_, core_->settings, true);
      // A leaving share-group member's unsent and unacknowledged messages go to the others.
      for (auto it = session_->queue.begin(); it != session_->queue.end();) {
        if (it->share) {
          shared.push_back(std::move(*it));
          it = session_->queue.erase(it);
        } else {
          ++it;
        }
      }
      for (auto it = session_->inflight.begin(); it != session_->inflight.end();) {
        if (it->delivery.share && it->state == Outgoing::State::awaiting_ack) {
          shared.push_back(std::move(it->delivery));
          it = session_->inflight.erase(it);
        } else {
          ++it;
        }
      }
      // An offline session keeps no empty queues around.
      session_->queue.release_if_empty();
      session_->inflight.release_if_empty();
    }
  }
  wake(std::move(waiters));
  if (!shared.empty()) {
    core_->redistribute(std::move(shared), session_.get());
  }
  std::optional<DelayedWill> will;
  std::uint32_t will_delay = 0;
  if (will_ && publish_will_) {
    auto message = std::make_shared<Message>();
    message->id = core_->ids.next();
    message->topic = will_->topic;
    message->payload = will_->payload;
    message->qos = static_cast<std::uint8_t>(will_->qos);
    message->retain = will_->retain;
    mqtt::Properties properties = will_->properties;
    will_delay = properties.will_delay_interval.value_or(0);
    properties.will_delay_interval.reset();
    message->properties = std::move(properties);
    message->sender_client_id = info_->client_id;
    message->sender_username = info_->username;
    will = DelayedWill{std::move(message), *info_};
  }
  will_.reset();
  if (owner) {
    core_->session_offline(session_, executor(), std::move(will), will_delay);
  } else if (will) {
    core_->publish_internal(will->message, will->client);  // taken over: due now
  }
  if (core_->hooks.any()) {
    DisconnectInfo d;
    d.reason_code = static_cast<std::uint8_t>(disconnect_reason_);
    d.by_client = client_disconnected_;
    d.session_kept = owner && info_->session_expiry_interval != 0;
    const auto list = core_->hooks.snapshot();
    for (const auto& h : *list) {
      h->on_client_disconnected(*info_, d);
    }
  }
  session_.reset();
}

}  // namespace dynamq::broker

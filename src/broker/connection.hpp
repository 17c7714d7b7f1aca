// One client connection: decodes the bytes net/ hands over, enforces the protocol, and
// writes packets back through the ClientLink. Lives on one executor for its whole life;
// every member function below runs there (other threads only post to it).
//
// Split over several files by concern: connection.cpp (bytes, dispatch, lifecycle),
// connection_connect.cpp (CONNECT/CONNACK), connection_inbound.cpp (PUBLISH from the
// client, hook-held acks), connection_outbound.cpp (PUBLISH to the client, acks, resend),
// connection_subscribe.cpp (SUBSCRIBE/UNSUBSCRIBE), connection_access.cpp (authentication,
// authorization, publish rate).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/access_policy.hpp"
#include "broker/broker_core.hpp"
#include "broker/client_link.hpp"
#include "broker/deadline_wheel.hpp"
#include "broker/hooks.hpp"
#include "broker/input_buffer.hpp"
#include "broker/lazy_deque.hpp"
#include "mqtt/packets.hpp"

namespace dynamq::broker {

// Its deadlines (CONNECT timeout, keep alive, back-pressure pause) live on the loop's
// DeadlineWheel: the DeadlineEntry base is the hook, no timer per connection.
class Connection : public ConnectionHandler,
                   public std::enable_shared_from_this<Connection>,
                   public DeadlineEntry {
 public:
  Connection(std::shared_ptr<BrokerCore> core, boost::asio::any_io_executor executor,
             std::shared_ptr<ClientLink> link);
  ~Connection() override;

  // Arms the CONNECT timeout; called once by Broker::accept.
  void start();

  void on_bytes(std::span<const std::uint8_t> bytes) override;
  void on_transport_closed() override;

  // Posted by Session::deliver: send what the session has queued.
  void schedule_flush();
  // Posted by another thread: disconnect with `reason` (takeover 0x8E, shutdown 0x8B).
  // `session_continues`: the session lives on (a delayed will is then not published).
  void kick(mqtt::ReasonCode reason, bool session_continues);

  // Any thread. The loop's executor lives in the loop's wheel (no copy per connection).
  [[nodiscard]] const boost::asio::any_io_executor& executor() const {
    return own_executor_ ? cold_->own_executor : wheel_->executor();
  }

  // Back-pressure (connection_backpressure.cpp): posted by a session that drained below its
  // low-water mark, or by the pause deadline; reading from the client goes on.
  void resume_reading();

 private:
  // authenticating: CONNECT read, the access policy's answer pending; what the client
  // sends meanwhile is buffered, not processed ([MQTT-3.1.4-5]).
  enum class State : std::uint8_t { awaiting_connect, authenticating, connected, closed };

  struct InboundPublish {
    std::uint64_t seq = 0;
    MessagePtr message;
    std::uint16_t packet_id = 0;
    std::uint8_t qos = 0;
    bool done = false;
    bool denied = false;  // refused by the access policy (result holds 0x87)
    PendingAck::Result result;
  };

  // connection.cpp
  void decode_bytes(std::span<const std::uint8_t> bytes);
  void handle(mqtt::Packet& packet);
  void protocol_error(mqtt::ReasonCode reason, std::string_view what);
  void disconnect(mqtt::ReasonCode reason, std::string_view reason_string = {});
  void close_link();
  void finish();
  void write(const mqtt::Packet& packet);
  // The deadline of the current state (none: closed, or keep alive 0), computed from
  // last_received_; activity moves it without touching the wheel.
  [[nodiscard]] std::optional<std::chrono::steady_clock::time_point> deadline() const;
  void reschedule();  // puts the current deadline on the wheel (or takes it off)
  void unschedule();
  friend class DeadlineWheel<Connection>;
  void on_deadline(std::chrono::steady_clock::time_point now);  // the wheel's call
  [[nodiscard]] bool v5() const { return version_ == mqtt::Version::v5; }

  // connection_connect.cpp
  void on_connect(mqtt::Connect& connect);
  void refuse_connect(mqtt::Version version, mqtt::ReasonCode reason, std::string_view what);
  // connection_access.cpp: authentication, publish authorization, the publish rate.
  void authenticate(mqtt::Connect& connect, bool assigned);
  void on_authenticated(AuthResult result);
  void admit(mqtt::Connect& connect, bool assigned);  // checks the will, then accepts
  void accept_connect(mqtt::Connect& connect, bool assigned);
  [[nodiscard]] bool publish_authorized(const std::string& topic) const;
  // Counts and logs a refusal.
  [[nodiscard]] bool subscribe_authorized(const std::string& raw_filter) const;
  [[nodiscard]] bool within_publish_rate();
  void on_disconnect(const mqtt::Disconnect& disconnect);

  // connection_inbound.cpp
  void on_publish(mqtt::Publish& publish);
  void on_pubrel(const mqtt::Pubrel& pubrel);
  void on_hook_result(std::uint64_t seq, PendingAck::Result result);
  void drain_inbound();
  void complete_inbound(const InboundPublish& entry);

  // connection_outbound.cpp
  void flush();
  void request_flush();  // now, or at the end of the current batch
  void on_puback(const mqtt::Puback& puback);
  void on_pubrec(const mqtt::Pubrec& pubrec);
  void on_pubcomp(const mqtt::Pubcomp& pubcomp);
  void resend_inflight();
  // Appends the PUBLISH of `delivery` to `batch` (or writes shared bytes directly after
  // flushing `batch`); false when it is larger than the client's Maximum Packet Size.
  bool send_publish(const Delivery& delivery, std::uint16_t packet_id, bool dup,
                    std::vector<std::uint8_t>& batch);
  void write_batch(std::vector<std::uint8_t>& batch);
  [[nodiscard]] bool needs_own_encoding(const Delivery& delivery) const;

  // connection_backpressure.cpp
  // Sessions the current batch's publishes found congested (thread-local scratch).
  static std::vector<std::shared_ptr<Session>>& congested_sessions();
  static std::vector<std::uint8_t>& gathered();
  // Bytes read from the client are handled as one batch: acks are gathered into one write
  // and the outbound queue is flushed once, at the end (then maybe pause reading).
  void begin_batch();
  void end_batch();
  void emit_pending();  // writes the gathered packets now (keeps the order of writes)
  void maybe_pause();
  static void wake(std::vector<std::weak_ptr<Connection>> waiters);

  // connection_subscribe.cpp
  void on_subscribe(const mqtt::Subscribe& subscribe);
  void on_unsubscribe(const mqtt::Unsubscribe& unsubscribe);

  // Members are ordered by size (sizeof guarded in memory_layout_test.cpp); what few
  // connections use lives in Cold.
  std::shared_ptr<BrokerCore> core_;
  std::shared_ptr<ClientLink> link_;
  DeadlineWheel<Connection>* wheel_;  // of this connection's loop
  // Who the client is (logs, hooks, access control). Shared with the session once attached
  // (one copy per client, not two), and from then on replaced, never modified: other
  // threads read the session's pointer.
  std::shared_ptr<ClientInfo> info_;
  std::shared_ptr<Session> session_;
  InputBuffer buffer_;  // bytes of an incomplete packet (or left by a pause)

  // Keep alive ([MQTT-3.1.2-22]): the connection ends after 1.5 × keep alive of silence.
  // last_received_: before CONNACK the time of accept (the CONNECT timeout counts from
  // there), while paused by back-pressure the time of the pause, else the last packet.
  std::chrono::steady_clock::time_point last_received_{};

  // Will of this connection, published unless the client disconnects normally. Behind a
  // pointer: most connections have none, and an inline optional cost 544 bytes each.
  std::unique_ptr<mqtt::Will> will_;

  // Publishes whose ack waits on hooks (and those behind them, to keep ack and routing
  // order per client).
  LazyDeque<InboundPublish> inbound_;  // allocated on first use

  // Topic aliases both ways ([MQTT-3.3.2-*]), created when the first one is used: most
  // connections never use any, and a table sized to the maximum cost ~2 kB per MQTT 5
  // connection.
  struct TopicAliases {
    std::vector<std::string> inbound;  // the client's aliases; index = alias, grown on use
    std::unordered_map<std::string, std::uint16_t> outbound;  // ours towards the client
    std::uint16_t next_outbound = 1;
  };
  TopicAliases& aliases();

  // Rarely used state, allocated when first needed (and released when it no longer is): an
  // idle connection has none.
  struct Cold {
    // The executor given to Broker::accept when it is not the loop's (never in net/).
    boost::asio::any_io_executor own_executor;
    // Access control: the CONNECT waiting for the policy's answer.
    std::unique_ptr<mqtt::Connect> pending_connect;
    bool pending_assigned = false;
    // The publish-rate token bucket (BrokerSettings::max_publish_rate).
    double publish_tokens = 0;
    std::chrono::steady_clock::time_point tokens_at{};
    std::unique_ptr<TopicAliases> aliases;
  };
  Cold& cold();
  void release_cold_if_unused();
  std::unique_ptr<Cold> cold_;

  std::uint32_t inbound_seq_ = 0;
  std::uint32_t inbound_qos1_pending_ = 0;
  // What the client told us in CONNECT (MQTT 5).
  std::uint32_t client_maximum_packet_size_ = 0;  // 0 = no limit
  std::uint16_t client_receive_maximum_ = 65535;
  std::uint16_t client_topic_alias_maximum_ = 0;
  std::uint16_t keep_alive_ = 0;  // seconds, after Server Keep Alive
  State state_ = State::awaiting_connect;
  mqtt::Version version_ = mqtt::Version::v3_1_1;
  mqtt::ReasonCode disconnect_reason_ = mqtt::ReasonCode::Success;
  // Flags as bits (one byte): only this connection's executor touches them.
  bool request_problem_information_ : 1 = true;  // [MQTT-3.1.2-29]
  bool finished_ : 1 = false;
  bool counted_ : 1 = false;  // in connections_current
  bool publish_will_ : 1 = true;
  bool client_disconnected_ : 1 = false;  // the client sent DISCONNECT
  bool in_batch_ : 1 = false;             // inside on_bytes: writes are gathered
  bool flush_wanted_ : 1 = false;         // acks freed window slots during the batch
  bool paused_ : 1 = false;               // reading paused by back-pressure
  // executor() is cold_->own_executor. Set once, in the constructor; read by any thread,
  // so not a bit beside the others.
  bool own_executor_ = false;
};

}  // namespace dynamq::broker

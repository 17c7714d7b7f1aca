// One MQTT client connection of the load generator: TCP connect + CONNECT/CONNACK with a
// deadline, a packet reader over the codec's incremental decoder, and a double-buffered
// writer that gathers everything queued while a write is in flight into the next write
// (one syscall per batch). Lives on one io_context; never touched from another thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "mqtt/codec.hpp"
#include "net/asio.hpp"
#include "wire.hpp"

namespace dynamq::bench {

namespace asio = net::asio;
using net::awaitable;
using net::tcp;

class MqttConnection : public std::enable_shared_from_this<MqttConnection> {
 public:
  MqttConnection(asio::io_context& io, mqtt::Version version, std::size_t read_buffer_size);

  // TCP connect, CONNECT, wait for CONNACK; then, if `filter` is set, SUBSCRIBE and wait
  // for the SUBACK. Empty string on success, else what went wrong. Bounded by `timeout`.
  awaitable<std::string> open(tcp::endpoint endpoint, std::string client_id,
                              std::uint16_t keep_alive, std::optional<std::string> filter, int qos,
                              std::chrono::steady_clock::duration timeout);

  // The next packet from the stream, reading as needed; nullopt at end of stream, on a
  // socket error or a malformed packet (error() then says which). For the handshake.
  awaitable<std::optional<mqtt::Packet>> next_packet();

  // The hot path: read_more() waits for bytes (false: connection over), then
  // decode_buffered() hands every complete packet to `on_packet(mqtt::Packet&)`
  // (false: malformed input, connection closed).
  awaitable<bool> read_more();
  template <class OnPacket>
  bool decode_buffered(OnPacket&& on_packet) {
    for (;;) {
      const std::span<const std::uint8_t> input(read_buffer_.data() + read_begin_,
                                                read_end_ - read_begin_);
      if (input.empty()) {
        read_begin_ = read_end_ = 0;
        return true;
      }
      auto result = mqtt::decode(input, version_, mqtt::kNoPacketSizeLimit);
      if (result.complete()) {
        read_begin_ += result.consumed;
        on_packet(result.packet);
        continue;
      }
      if (result.malformed()) {
        fail("malformed packet from server: " + result.detail);
        return false;
      }
      make_room(result.needed);
      return true;
    }
  }

  // Queued bytes are written in order; queue_bytes() exposes the buffer for encoders that
  // append in place. flush() starts a write unless one is in flight (it chains on).
  Bytes& queue_bytes() noexcept { return pending_; }
  void flush();
  [[nodiscard]] std::size_t unwritten_bytes() const noexcept {
    return pending_.size() + writing_.size();
  }
  // Wakes on a completed write or a wake() call (e.g. a PUBACK), or at `deadline`.
  awaitable<void> wait(std::chrono::steady_clock::time_point deadline);
  void wake() { wake_.cancel(); }

  // PINGREQ whenever nothing was written for half of `keep_alive_s`; ends on close().
  awaitable<void> keep_alive(std::uint16_t keep_alive_s);

  // Sends DISCONNECT (after what is queued) and closes; idempotent.
  void disconnect();
  void close();
  [[nodiscard]] bool closed() const noexcept { return closed_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] mqtt::Version version() const noexcept { return version_; }
  // From CONNACK (5.0 Receive Maximum; 65535 when absent).
  [[nodiscard]] std::uint16_t server_receive_maximum() const noexcept {
    return server_receive_maximum_;
  }
  [[nodiscard]] std::chrono::steady_clock::time_point last_write() const noexcept {
    return last_write_;
  }

 private:
  void fail(std::string what);
  void make_room(std::size_t needed);
  void on_written(const net::error_code& ec);

  tcp::socket socket_;
  asio::steady_timer wake_;
  asio::steady_timer ping_timer_;
  mqtt::Version version_;
  Bytes read_buffer_;
  std::size_t read_begin_ = 0;
  std::size_t read_end_ = 0;
  Bytes pending_;
  Bytes writing_;
  bool write_in_flight_ = false;
  bool closed_ = false;
  bool close_after_write_ = false;
  std::string error_;
  std::uint16_t server_receive_maximum_ = 65535;
  std::chrono::steady_clock::time_point last_write_{};
};

}  // namespace dynamq::bench

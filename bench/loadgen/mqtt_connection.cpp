#include "mqtt_connection.hpp"

#include <variant>

namespace dynamq::bench {

MqttConnection::MqttConnection(asio::io_context& io, mqtt::Version version,
                               std::size_t read_buffer_size)
    : socket_(io), wake_(io), ping_timer_(io), version_(version), read_buffer_(read_buffer_size) {}

void MqttConnection::fail(std::string what) {
  if (error_.empty()) error_ = std::move(what);
  close();
}

void MqttConnection::close() {
  if (closed_) return;
  closed_ = true;
  net::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  wake_.cancel();
  ping_timer_.cancel();
}

void MqttConnection::disconnect() {
  if (closed_) return;
  append_disconnect(pending_, version_);
  close_after_write_ = true;
  flush();
}

void MqttConnection::flush() {
  if (write_in_flight_ || closed_ || pending_.empty()) return;
  std::swap(pending_, writing_);
  write_in_flight_ = true;
  last_write_ = std::chrono::steady_clock::now();
  asio::async_write(socket_, asio::buffer(writing_),
                    [self = shared_from_this()](const net::error_code& ec, std::size_t) {
                      self->on_written(ec);
                    });
}

void MqttConnection::on_written(const net::error_code& ec) {
  write_in_flight_ = false;
  writing_.clear();
  if (ec) {
    if (!closed_) fail("write: " + ec.message());
    return;
  }
  if (pending_.empty() && close_after_write_) {
    close();
    return;
  }
  wake_.cancel();
  flush();
}

awaitable<void> MqttConnection::wait(std::chrono::steady_clock::time_point deadline) {
  if (closed_) co_return;
  wake_.expires_at(deadline);
  co_await wake_.async_wait(net::use_awaitable_tuple);
}

void MqttConnection::make_room(std::size_t needed) {
  // Compact, then grow to the size the fixed header announced.
  if (read_begin_ > 0) {
    std::copy(read_buffer_.begin() + static_cast<long>(read_begin_),
              read_buffer_.begin() + static_cast<long>(read_end_), read_buffer_.begin());
    read_end_ -= read_begin_;
    read_begin_ = 0;
  }
  if (needed > read_buffer_.size()) read_buffer_.resize(needed);
}

awaitable<bool> MqttConnection::read_more() {
  if (closed_) co_return false;
  if (read_end_ == read_buffer_.size()) make_room(0);
  if (read_end_ == read_buffer_.size()) read_buffer_.resize(read_buffer_.size() * 2);
  auto [ec, n] = co_await socket_.async_read_some(
      asio::buffer(read_buffer_.data() + read_end_, read_buffer_.size() - read_end_),
      net::use_awaitable_tuple);
  if (ec) {
    if (close_after_write_) {
      close();  // we said DISCONNECT; the server closing first is normal
    } else if (!closed_) {
      fail(ec == asio::error::eof ? std::string("server closed the connection")
                                  : "read: " + ec.message());
    }
    co_return false;
  }
  read_end_ += n;
  co_return true;
}

awaitable<std::optional<mqtt::Packet>> MqttConnection::next_packet() {
  for (;;) {
    const std::size_t before = read_begin_;
    const std::span<const std::uint8_t> input(read_buffer_.data() + read_begin_,
                                              read_end_ - read_begin_);
    if (!input.empty()) {
      auto result = mqtt::decode(input, version_, mqtt::kNoPacketSizeLimit);
      if (result.complete()) {
        read_begin_ = before + result.consumed;
        if (read_begin_ == read_end_) read_begin_ = read_end_ = 0;
        co_return std::move(result.packet);
      }
      if (result.malformed()) {
        fail("malformed packet from server: " + result.detail);
        co_return std::nullopt;
      }
      make_room(result.needed);
    }
    if (!co_await read_more()) co_return std::nullopt;
  }
}

awaitable<std::string> MqttConnection::open(tcp::endpoint endpoint, std::string client_id,
                                            std::uint16_t keep_alive,
                                            std::optional<std::string> filter, int qos,
                                            std::chrono::steady_clock::duration timeout) {
  // The deadline closes the socket, which ends whichever await is pending.
  auto self = shared_from_this();
  asio::steady_timer deadline(socket_.get_executor());
  bool timed_out = false;
  deadline.expires_after(timeout);
  deadline.async_wait([self, &timed_out](const net::error_code& ec) {
    if (!ec && !self->closed_) {
      timed_out = true;
      self->fail("timed out");
    }
  });
  auto finish = [&](std::string what) {
    deadline.cancel();
    if (!what.empty()) fail(what);
    return what;
  };

  auto [ec] = co_await socket_.async_connect(endpoint, net::use_awaitable_tuple);
  if (ec) co_return finish(timed_out ? "connect timed out" : "connect: " + ec.message());
  socket_.set_option(tcp::no_delay(true));

  append_connect(pending_, version_, client_id, keep_alive);
  flush();
  auto packet = co_await next_packet();
  if (!packet) co_return finish("no CONNACK: " + error_);
  const auto* connack = std::get_if<mqtt::Connack>(&*packet);
  if (connack == nullptr) {
    co_return finish(std::string("expected CONNACK, got ") +
                     std::string(mqtt::to_string(mqtt::packet_type(*packet))));
  }
  if (connack->reason_code != mqtt::ReasonCode::Success) {
    co_return finish("CONNACK refused: " + std::string(mqtt::to_string(connack->reason_code)));
  }
  if (connack->properties.receive_maximum) {
    server_receive_maximum_ = *connack->properties.receive_maximum;
  }
  if (qos > 0 && connack->properties.maximum_qos && *connack->properties.maximum_qos < qos) {
    co_return finish("server's Maximum QoS is below the requested QoS");
  }

  if (filter) {
    append_subscribe(pending_, version_, 1, *filter, qos);
    flush();
    for (;;) {
      packet = co_await next_packet();
      if (!packet) co_return finish("no SUBACK: " + error_);
      if (const auto* suback = std::get_if<mqtt::Suback>(&*packet)) {
        if (suback->reason_codes.size() != 1 || mqtt::is_error(suback->reason_codes[0])) {
          co_return finish("SUBSCRIBE refused");
        }
        if (static_cast<int>(suback->reason_codes[0]) < qos) {
          co_return finish("SUBACK granted a lower QoS than requested");
        }
        break;
      }
      // Anything else before the SUBACK (e.g. retained messages) is skipped.
    }
  }
  co_return finish("");
}

}  // namespace dynamq::bench

namespace dynamq::bench {

awaitable<void> MqttConnection::keep_alive(std::uint16_t keep_alive_s) {
  if (keep_alive_s == 0) co_return;
  auto self = shared_from_this();
  // The server must hear from us within 1.5 x keep alive [MQTT-3.1.2-24]: any packet counts,
  // so ping only when nothing was written for half the interval.
  const auto half = std::chrono::milliseconds(keep_alive_s * 500);
  while (!closed_) {
    ping_timer_.expires_at(last_write_ + half);
    auto [ec] = co_await ping_timer_.async_wait(net::use_awaitable_tuple);
    if (closed_ || ec == asio::error::operation_aborted) break;
    if (std::chrono::steady_clock::now() - last_write_ >= half) {
      append_pingreq(pending_, version_);
      flush();
    }
  }
}

}  // namespace dynamq::bench

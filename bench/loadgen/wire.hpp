// The load generator's MQTT bytes, all produced and parsed by dynamq_mqtt (no second
// codec). Hot-path packets (PUBLISH, PUBACK) are encoded once by the codec and then copied
// and patched per message, with the codec's own patch helpers and layout.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mqtt/codec.hpp"

namespace dynamq::bench {

using Bytes = std::vector<std::uint8_t>;

void append_connect(Bytes& out, mqtt::Version version, const std::string& client_id,
                    std::uint16_t keep_alive);
void append_subscribe(Bytes& out, mqtt::Version version, std::uint16_t packet_id,
                      const std::string& filter, int qos);
void append_pingreq(Bytes& out, mqtt::Version version);
void append_disconnect(Bytes& out, mqtt::Version version);

// A PUBLISH of a fixed topic, QoS and payload size, encoded once; append() copies it and
// writes the stamp (and the packet id for QoS 1) into the copy.
class PublishTemplate {
 public:
  PublishTemplate(mqtt::Version version, const std::string& topic, int qos,
                  std::size_t payload_size);
  // Appends one PUBLISH; `stamp` is the 16-byte stamp to put at the payload's start.
  void append(Bytes& out, std::span<const std::uint8_t, 16> stamp, std::uint16_t packet_id) const;
  [[nodiscard]] std::size_t size() const noexcept { return bytes_.size(); }

 private:
  Bytes bytes_;
  mqtt::PublishLayout layout_;
  std::size_t payload_offset_ = 0;
};

// PUBACK for a packet id, encoded once by the codec; the id is its last two bytes (checked
// at construction against a second encoding, so a codec change cannot silently break it).
class PubackTemplate {
 public:
  explicit PubackTemplate(mqtt::Version version);
  void append(Bytes& out, std::uint16_t packet_id) const;

 private:
  Bytes bytes_;
};

}  // namespace dynamq::bench

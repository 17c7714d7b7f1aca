#include "wire.hpp"

#include <stdexcept>

namespace dynamq::bench {

void append_connect(Bytes& out, mqtt::Version version, const std::string& client_id,
                    std::uint16_t keep_alive) {
  mqtt::Connect connect;
  connect.version = version;
  connect.clean_start = true;
  connect.keep_alive = keep_alive;
  connect.client_id = client_id;
  mqtt::encode(mqtt::Packet{std::move(connect)}, version, out);
}

void append_subscribe(Bytes& out, mqtt::Version version, std::uint16_t packet_id,
                      const std::string& filter, int qos) {
  mqtt::Subscribe subscribe;
  subscribe.packet_id = packet_id;
  mqtt::Subscription entry;
  entry.filter = filter;
  entry.options.qos = static_cast<mqtt::QoS>(qos);
  subscribe.entries.push_back(std::move(entry));
  mqtt::encode(mqtt::Packet{std::move(subscribe)}, version, out);
}

void append_pingreq(Bytes& out, mqtt::Version version) {
  mqtt::encode(mqtt::Packet{mqtt::Pingreq{}}, version, out);
}

void append_disconnect(Bytes& out, mqtt::Version version) {
  mqtt::encode(mqtt::Packet{mqtt::Disconnect{}}, version, out);
}

PublishTemplate::PublishTemplate(mqtt::Version version, const std::string& topic, int qos,
                                 std::size_t payload_size) {
  mqtt::Publish publish;
  publish.topic = topic;
  publish.qos = static_cast<mqtt::QoS>(qos);
  publish.packet_id = qos > 0 ? 1 : 0;
  std::string payload(payload_size, 'x');
  publish.payload = mqtt::Payload(std::move(payload));
  layout_ = mqtt::encode_publish(publish, version, bytes_);
  if (layout_.start != 0 || layout_.size != bytes_.size() || payload_size < 16) {
    throw std::logic_error("PublishTemplate: unexpected PUBLISH layout");
  }
  // The payload is the tail of a PUBLISH (spec 3.3.3).
  payload_offset_ = bytes_.size() - payload_size;
}

void PublishTemplate::append(Bytes& out, std::span<const std::uint8_t, 16> stamp,
                             std::uint16_t packet_id) const {
  const std::size_t at = out.size();
  out.insert(out.end(), bytes_.begin(), bytes_.end());
  std::span<std::uint8_t> packet(out.data() + at, bytes_.size());
  if (layout_.packet_id_offset != 0) mqtt::set_publish_packet_id(packet, layout_, packet_id);
  std::copy(stamp.begin(), stamp.end(), packet.begin() + static_cast<long>(payload_offset_));
}

PubackTemplate::PubackTemplate(mqtt::Version version) {
  mqtt::Puback probe;
  probe.packet_id = 0xA1B2;
  bytes_ = mqtt::encode(mqtt::Packet{probe}, version);
  if (bytes_.size() < 4 || bytes_[bytes_.size() - 2] != 0xA1 || bytes_.back() != 0xB2) {
    throw std::logic_error("PubackTemplate: packet id is not the PUBACK's last two bytes");
  }
}

void PubackTemplate::append(Bytes& out, std::uint16_t packet_id) const {
  out.insert(out.end(), bytes_.begin(), bytes_.end());
  out[out.size() - 2] = static_cast<std::uint8_t>(packet_id >> 8);
  out[out.size() - 1] = static_cast<std::uint8_t>(packet_id & 0xFF);
}

}  // namespace dynamq::bench

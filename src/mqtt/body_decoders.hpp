// Internal: decoders of each packet type's body (everything after the fixed header).
// Each returns false after recording the failure in the reader.
#pragma once

#include <cstdint>

#include "mqtt/packets.hpp"
#include "mqtt/wire.hpp"

namespace dynamq::mqtt::wire {

// CONNECT carries its own version; `claimed` is set as soon as the protocol level is read
// (so a refused CONNECT can still be answered in the client's format).
bool decode_connect_body(Reader& r, Connect& out, Version& claimed);
bool decode_connack_body(Reader& r, Version v, Connack& out);
bool decode_publish_body(Reader& r, Version v, std::uint8_t flags, Publish& out);
// PUBACK, PUBREC, PUBREL, PUBCOMP.
template <class Ack>
bool decode_ack_body(Reader& r, Version v, Ack& out);
bool decode_subscribe_body(Reader& r, Version v, Subscribe& out);
bool decode_suback_body(Reader& r, Version v, Suback& out);
bool decode_unsubscribe_body(Reader& r, Version v, Unsubscribe& out);
bool decode_unsuback_body(Reader& r, Version v, Unsuback& out);
bool decode_disconnect_body(Reader& r, Version v, Disconnect& out);
bool decode_auth_body(Reader& r, Auth& out);

// Shared checks.
bool check_packet_id(Reader& r, std::uint16_t id);   // non-zero [MQTT-2.2.1-3]
bool check_end(Reader& r, std::string_view packet);  // no trailing bytes
// Whether `code` is one the spec lists for the packet type (5.0); else a Protocol Error.
bool check_reason(Reader& r, PacketType type, ReasonCode code);

}  // namespace dynamq::mqtt::wire

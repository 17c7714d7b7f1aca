// Internal: reading and writing the Properties section of each packet type (spec 2.2.2),
// with the per-packet-type table of which properties are allowed.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mqtt/properties.hpp"
#include "mqtt/wire.hpp"

namespace dynamq::mqtt::wire {

// Where a Properties section sits: every packet type that has one, plus the will.
enum class PropertyContext : std::uint8_t {
  connect,
  will,
  connack,
  publish,
  puback,  // also PUBREC, PUBREL, PUBCOMP
  subscribe,
  suback,
  unsubscribe,
  unsuback,
  disconnect,
  auth,
};

// Reads a length-prefixed Properties section into `out` (which must be empty). Properties
// not allowed in `context` are a Malformed Packet (spec 2.2.2.2); a single-valued property
// given twice, or a value outside its range, a Protocol Error.
bool read_properties(Reader& reader, PropertyContext context, Properties& out);

// Bytes of the properties (without the length prefix) that are allowed in `context`;
// others are silently not sent. Throws std::invalid_argument for a string over 65,535 bytes.
std::size_t properties_body_size(const Properties& properties, PropertyContext context);
// Writes the length prefix and the properties; `body_size` from properties_body_size.
void write_properties(Writer& writer, const Properties& properties, PropertyContext context,
                      std::size_t body_size);

// properties_body_size plus its length prefix.
inline std::size_t properties_section_size(const Properties& properties, PropertyContext context) {
  const std::size_t body = properties_body_size(properties, context);
  return vbi_size(static_cast<std::uint32_t>(body)) + body;
}

}  // namespace dynamq::mqtt::wire

// Test helpers: one or more valid packets of every type a version has, with every field
// that version can carry filled in (so round trips exercise all of it), and byte helpers.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "mqtt/codec.hpp"

namespace dynamq::mqtt::test {

using Bytes = std::vector<std::uint8_t>;

std::vector<Packet> sample_packets(Version version);

// Builds bytes from a mix of numbers and string pieces: bytes({0x10, 0x02}, "MQTT").
struct Piece {
  Piece(int byte) : data(1, static_cast<char>(byte)) {}  // NOLINT: implicit by design
  Piece(const char* text) : data(text) {}                // NOLINT
  Piece(std::string text) : data(std::move(text)) {}     // NOLINT
  std::string data;
};
Bytes bytes(std::initializer_list<Piece> pieces);

// Every property allowed in a PUBLISH, filled.
Properties full_publish_properties();

}  // namespace dynamq::mqtt::test

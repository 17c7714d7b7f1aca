// libFuzzer target for the MQTT decoder: arbitrary bytes are decoded as a stream under each
// version (and as a first CONNECT). Whatever decodes must re-encode to bytes that decode to
// the same packet, with the announced size, and every shorter prefix must ask for more.
// Any violation aborts (a crash for libFuzzer); sanitizers catch memory and UB errors.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "mqtt/codec.hpp"

namespace {

using namespace dynamq::mqtt;

[[noreturn]] void fail(const char* what, const DecodeResult& r) {
  std::fprintf(stderr, "fuzz_decode: %s (packet %s, reason 0x%02X, detail: %s)\n", what,
               std::string(to_string(packet_type(r.packet))).c_str(),
               static_cast<unsigned>(r.reason), r.detail.c_str());
  std::abort();
}

// `connect_first`: the result came from decode_connect.
void check(std::span<const std::uint8_t> input, const DecodeResult& r, Version version,
           std::uint32_t limit, bool connect_first) {
  switch (r.status) {
    case DecodeResult::Status::need_more:
      if (r.consumed != 0) fail("need_more consumed bytes", r);
      if (r.needed != 0 && r.needed <= input.size()) fail("need_more with enough bytes", r);
      return;
    case DecodeResult::Status::malformed:
      if (!is_error(r.reason) || r.detail.empty()) fail("malformed without reason", r);
      return;
    case DecodeResult::Status::complete:
      break;
  }
  if (r.consumed < 2 || r.consumed > input.size() || r.consumed > limit) {
    fail("bad consumed", r);
  }
  // A CONNECT is encoded at the version it asked for.
  const Version v =
      std::holds_alternative<Connect>(r.packet) ? std::get<Connect>(r.packet).version : version;
  if (connect_first && r.version != v) fail("decode_connect version mismatch", r);

  std::vector<std::uint8_t> bytes;
  encode(r.packet, v, bytes);
  if (bytes.size() != encoded_size(r.packet, v)) fail("encoded_size disagrees", r);
  const DecodeResult again = decode(bytes, v, kNoPacketSizeLimit);
  if (!again.complete()) fail(("re-encoded packet does not decode: " + again.detail).c_str(), r);
  if (again.consumed != bytes.size()) fail("re-encoded packet size", r);
  if (!(again.packet == r.packet)) fail("decode(encode(x)) != x", r);
  std::vector<std::uint8_t> twice;
  encode(again.packet, v, twice);
  if (twice != bytes) fail("encoding is not canonical", r);

  // Every proper prefix of the packet needs more (no early completion, no false malformed).
  const auto packet = input.first(r.consumed);
  for (const std::size_t n : {std::size_t{0}, std::size_t{1}, r.consumed / 2, r.consumed - 1}) {
    const auto prefix = connect_first ? decode_connect(packet.first(n), limit)
                                      : decode(packet.first(n), version, limit);
    if (!prefix.need_more()) fail("prefix of a complete packet did not ask for more", prefix);
  }
}

void decode_stream(std::span<const std::uint8_t> data, Version version, std::uint32_t limit) {
  std::size_t offset = 0;
  while (offset < data.size()) {
    const auto input = data.subspan(offset);
    const DecodeResult r = decode(input, version, limit);
    check(input, r, version, limit, false);
    if (!r.complete()) return;
    offset += r.consumed;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  // First packet of a connection: version unknown.
  check(input, decode_connect(input, kNoPacketSizeLimit), Version::v3_1_1, kNoPacketSizeLimit,
        true);
  for (const Version v : {Version::v3_1, Version::v3_1_1, Version::v5}) {
    decode_stream(input, v, kNoPacketSizeLimit);
  }
  // A tight maximum packet size derived from the input exercises the 0x95 path.
  if (size > 0) decode_stream(input, Version::v5, 2 + data[0] % 64);
  return 0;
}

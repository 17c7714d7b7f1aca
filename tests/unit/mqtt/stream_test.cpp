// A valid stream decodes to the same packets however it is split: at every byte position,
// and one byte at a time, the way a connection buffers what the socket delivers.
#include <gtest/gtest.h>

#include "sample_packets.hpp"

namespace dynamq::mqtt {
namespace {

using test::Bytes;

// The loop a connection runs: append what arrived, decode whole packets, keep the rest.
class StreamDecoder {
 public:
  explicit StreamDecoder(Version v, bool first_is_connect)
      : version_(v), awaiting_connect_(first_is_connect) {}

  // Returns false on a malformed packet.
  bool feed(std::span<const std::uint8_t> chunk) {
    buffer_.insert(buffer_.end(), chunk.begin(), chunk.end());
    std::size_t offset = 0;
    for (;;) {
      const auto input = std::span<const std::uint8_t>(buffer_).subspan(offset);
      DecodeResult r = awaiting_connect_ ? decode_connect(input, kNoPacketSizeLimit)
                                         : decode(input, version_, kNoPacketSizeLimit);
      if (r.malformed()) return false;
      if (r.need_more()) {
        if (r.needed != 0) {
          EXPECT_GT(r.needed, input.size());
        }
        break;
      }
      EXPECT_GT(r.consumed, 0U);
      awaiting_connect_ = false;
      offset += r.consumed;
      packets.push_back(std::move(r.packet));
    }
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset));
    return true;
  }
  [[nodiscard]] std::size_t buffered() const { return buffer_.size(); }

  std::vector<Packet> packets;

 private:
  Version version_;
  bool awaiting_connect_;
  Bytes buffer_;
};

class Stream : public ::testing::TestWithParam<Version> {
 protected:
  void SetUp() override {
    packets = test::sample_packets(GetParam());
    for (const auto& p : packets) encode(p, GetParam(), stream);
  }
  std::vector<Packet> packets;
  Bytes stream;
};

TEST_P(Stream, SplitAtEveryBytePosition) {
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    StreamDecoder d(GetParam(), true);
    ASSERT_TRUE(d.feed(std::span(stream).first(split))) << "split " << split;
    ASSERT_TRUE(d.feed(std::span(stream).subspan(split))) << "split " << split;
    ASSERT_EQ(d.packets.size(), packets.size()) << "split " << split;
    EXPECT_TRUE(d.packets == packets) << "split " << split;
    EXPECT_EQ(d.buffered(), 0U);
  }
}

TEST_P(Stream, OneByteAtATime) {
  StreamDecoder d(GetParam(), true);
  for (const std::uint8_t byte : stream) ASSERT_TRUE(d.feed(std::span(&byte, 1)));
  ASSERT_EQ(d.packets.size(), packets.size());
  EXPECT_TRUE(d.packets == packets);
  EXPECT_EQ(d.buffered(), 0U);
}

TEST_P(Stream, EveryPrefixOfEachPacketNeedsMore) {
  for (const auto& p : packets) {
    const Bytes bytes = encode(p, GetParam());
    const std::size_t header = 1 + decode_vbi(std::span(bytes).subspan(1)).length;
    for (std::size_t n = 0; n < bytes.size(); ++n) {
      const auto r = decode(std::span(bytes).first(n), GetParam(), kNoPacketSizeLimit);
      ASSERT_TRUE(r.need_more()) << to_string(packet_type(p)) << " prefix " << n << ": "
                                 << r.detail;
      EXPECT_EQ(r.consumed, 0U);
      // Once the fixed header is in, the whole packet's size is announced.
      EXPECT_EQ(r.needed, n >= header ? bytes.size() : 0U) << "prefix " << n;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllVersions, Stream,
                         ::testing::Values(Version::v3_1, Version::v3_1_1, Version::v5));

}  // namespace
}  // namespace dynamq::mqtt

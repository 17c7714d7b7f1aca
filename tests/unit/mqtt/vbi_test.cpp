#include "mqtt/vbi.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace dynamq::mqtt {
namespace {

// Boundaries from spec 1.5.5, table 1-1.
struct Case {
  std::uint32_t value;
  std::vector<std::uint8_t> wire;
};
const Case kCases[] = {
    {0, {0x00}},
    {127, {0x7F}},
    {128, {0x80, 0x01}},
    {16'383, {0xFF, 0x7F}},
    {16'384, {0x80, 0x80, 0x01}},
    {2'097'151, {0xFF, 0xFF, 0x7F}},
    {2'097'152, {0x80, 0x80, 0x80, 0x01}},
    {268'435'455, {0xFF, 0xFF, 0xFF, 0x7F}},
};

TEST(Vbi, EncodesSpecBoundaries) {
  for (const auto& c : kCases) {
    std::array<std::uint8_t, 4> out{};
    const std::size_t n = encode_vbi(c.value, out.data());
    EXPECT_EQ(n, c.wire.size()) << c.value;
    EXPECT_EQ(vbi_size(c.value), c.wire.size()) << c.value;
    EXPECT_EQ(std::vector<std::uint8_t>(out.begin(), out.begin() + n), c.wire) << c.value;
  }
}

TEST(Vbi, DecodesSpecBoundaries) {
  for (const auto& c : kCases) {
    auto wire = c.wire;
    wire.push_back(0xEE);  // following byte is not read
    const VbiResult r = decode_vbi(wire);
    ASSERT_EQ(r.status, VbiResult::Status::ok) << c.value;
    EXPECT_EQ(r.value, c.value);
    EXPECT_EQ(r.length, c.wire.size());
  }
}

TEST(Vbi, NeedsMoreUntilTheLastByte) {
  for (const auto& c : kCases) {
    for (std::size_t n = 0; n < c.wire.size(); ++n) {
      EXPECT_EQ(decode_vbi(std::span(c.wire).first(n)).status, VbiResult::Status::need_more);
    }
  }
}

TEST(Vbi, FiveBytesAreMalformed) {
  const std::vector<std::uint8_t> five = {0x80, 0x80, 0x80, 0x80, 0x01};
  EXPECT_EQ(decode_vbi(five).status, VbiResult::Status::malformed);
  // Malformed as soon as the fourth byte still says "more", before a fifth arrives.
  EXPECT_EQ(decode_vbi(std::span(five).first(4)).status, VbiResult::Status::malformed);
}

TEST(Vbi, EveryValueRoundTripsOnASample) {
  for (std::uint32_t v = 0; v <= kMaxVbi; v = v * 3 + 1) {
    std::array<std::uint8_t, 4> out{};
    const std::size_t n = encode_vbi(v, out.data());
    const VbiResult r = decode_vbi(std::span(out).first(n));
    ASSERT_EQ(r.status, VbiResult::Status::ok);
    EXPECT_EQ(r.value, v);
  }
}

}  // namespace
}  // namespace dynamq::mqtt

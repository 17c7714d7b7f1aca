// Internal: bounds-checked reading of a packet body and unchecked writing into a buffer
// sized beforehand. Not part of the public API.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "mqtt/reason_code.hpp"
#include "mqtt/utf8.hpp"
#include "mqtt/vbi.hpp"

namespace dynamq::mqtt::wire {

// Why a packet was refused; filled once, by the first check that fails.
struct Failure {
  ReasonCode reason = ReasonCode::Success;
  std::string detail;
};

// Reads fields from one packet's body (the remaining length is already known, so running
// out of bytes inside a field is a Malformed Packet, never "need more").
class Reader {
 public:
  Reader(std::span<const std::uint8_t> data, Failure& failure) : data_(data), failure_(failure) {}

  [[nodiscard]] std::size_t remaining() const noexcept { return data_.size() - pos_; }
  [[nodiscard]] bool at_end() const noexcept { return pos_ == data_.size(); }
  [[nodiscard]] std::span<const std::uint8_t> rest() const noexcept { return data_.subspan(pos_); }
  [[nodiscard]] Failure& failure() noexcept { return failure_; }

  bool fail(ReasonCode reason, std::string detail) {
    failure_.reason = reason;
    failure_.detail = std::move(detail);
    return false;
  }
  bool truncated(std::string_view what) {
    return fail(ReasonCode::MalformedPacket,
                std::string(what) + " runs past the end of the packet (remaining length)");
  }

  bool u8(std::uint8_t& v, std::string_view what) {
    if (remaining() < 1) return truncated(what);
    v = data_[pos_++];
    return true;
  }
  bool u16(std::uint16_t& v, std::string_view what) {
    if (remaining() < 2) return truncated(what);
    v = static_cast<std::uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool u32(std::uint32_t& v, std::string_view what) {
    if (remaining() < 4) return truncated(what);
    v = static_cast<std::uint32_t>(data_[pos_]) << 24 |
        static_cast<std::uint32_t>(data_[pos_ + 1]) << 16 |
        static_cast<std::uint32_t>(data_[pos_ + 2]) << 8 | data_[pos_ + 3];
    pos_ += 4;
    return true;
  }
  bool vbi(std::uint32_t& v, std::string_view what) {
    const VbiResult r = decode_vbi(rest());
    if (r.status == VbiResult::Status::need_more) return truncated(what);
    if (r.status == VbiResult::Status::malformed) {
      return fail(ReasonCode::MalformedPacket,
                  std::string(what) + ": variable byte integer longer than 4 bytes [MQTT-1.5.5-1]");
    }
    v = r.value;
    pos_ += r.length;
    return true;
  }
  // Binary Data / UTF-8 string body: 2-byte length then bytes, viewed in place.
  bool binary_view(std::string_view& v, std::string_view what) {
    std::uint16_t len = 0;
    if (!u16(len, what)) return false;
    if (remaining() < len) return truncated(what);
    v = std::string_view(reinterpret_cast<const char*>(data_.data() + pos_), len);
    pos_ += len;
    return true;
  }
  bool utf8_view(std::string_view& v, std::string_view what) {
    if (!binary_view(v, what)) return false;
    if (!is_valid_mqtt_utf8(v)) {
      const bool has_nul = v.find('\0') != std::string_view::npos;
      return fail(ReasonCode::MalformedPacket,
                  std::string(what) + (has_nul ? " contains U+0000 [MQTT-1.5.4-2]"
                                               : " is not well-formed UTF-8 [MQTT-1.5.4-1]"));
    }
    return true;
  }
  bool binary(std::string& v, std::string_view what) {
    std::string_view view;
    if (!binary_view(view, what)) return false;
    v.assign(view);
    return true;
  }
  bool utf8(std::string& v, std::string_view what) {
    std::string_view view;
    if (!utf8_view(view, what)) return false;
    v.assign(view);
    return true;
  }
  // Splits off the next n bytes as a reader of their own (properties section).
  bool sub(std::size_t n, Reader& out, std::string_view what) {
    if (remaining() < n) return truncated(what);
    out.data_ = data_.subspan(pos_, n);
    out.pos_ = 0;
    pos_ += n;
    return true;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
  Failure& failure_;
};

// Writes into memory already sized by the encoder's size computation.
class Writer {
 public:
  explicit Writer(std::uint8_t* p) noexcept : p_(p) {}
  [[nodiscard]] std::uint8_t* pos() const noexcept { return p_; }

  void u8(std::uint8_t v) noexcept { *p_++ = v; }
  void u16(std::uint16_t v) noexcept {
    p_[0] = static_cast<std::uint8_t>(v >> 8);
    p_[1] = static_cast<std::uint8_t>(v);
    p_ += 2;
  }
  void u32(std::uint32_t v) noexcept {
    p_[0] = static_cast<std::uint8_t>(v >> 24);
    p_[1] = static_cast<std::uint8_t>(v >> 16);
    p_[2] = static_cast<std::uint8_t>(v >> 8);
    p_[3] = static_cast<std::uint8_t>(v);
    p_ += 4;
  }
  void vbi(std::uint32_t v) noexcept { p_ += encode_vbi(v, p_); }
  void raw(std::string_view bytes) noexcept {
    if (!bytes.empty()) std::memcpy(p_, bytes.data(), bytes.size());
    p_ += bytes.size();
  }
  // 2-byte length prefix + bytes; the size pass has checked the length fits.
  void str(std::string_view s) noexcept {
    u16(static_cast<std::uint16_t>(s.size()));
    raw(s);
  }

 private:
  std::uint8_t* p_;
};

}  // namespace dynamq::mqtt::wire

// An owning, mutable-by-assignment string in 16 bytes (std::string: 32): up to 15
// characters inline, longer ones on the heap. For the strings every client has —
// ClientInfo's client id, user name and remote endpoint — which are mostly short and
// were three std::string of 32 B per connection (bench/README.md, "Memory").
//
// Reads like a string: implicit conversions to std::string_view and (copying) to
// std::string, ==, + with strings, fmt/spdlog and ostream output; c_str() is
// NUL-terminated. Copies are deep; no operation but assignment changes it.
//
// Layout: inline, bytes 0-14 hold the characters and byte 15 holds 15 - size (so a
// 15-character string's byte 15 is its NUL terminator); on the heap, bytes 0-7 hold the
// pointer, 8-11 the size and byte 15 kHeap. Accessed with memcpy: no type punning.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>

namespace dynamq::broker {

class CompactString {
 public:
  static constexpr std::size_t kInline = 15;

  CompactString() noexcept { set_inline_size(0); }
  CompactString(std::string_view s) { assign(s); }    // NOLINT(google-explicit-constructor)
  CompactString(const std::string& s) { assign(s); }  // NOLINT(google-explicit-constructor)
  CompactString(const char* s) { assign(std::string_view(s)); }  // NOLINT
  CompactString(const CompactString& other) { assign(other.view()); }
  CompactString(CompactString&& other) noexcept {
    std::memcpy(b_, other.b_, sizeof(b_));
    other.set_inline_size(0);
  }
  CompactString& operator=(const CompactString& other) {
    if (this != &other) {
      CompactString copy(other);
      swap(copy);
    }
    return *this;
  }
  CompactString& operator=(CompactString&& other) noexcept {
    CompactString moved(std::move(other));
    swap(moved);
    return *this;
  }
  CompactString& operator=(std::string_view s) { return *this = CompactString(s); }
  CompactString& operator=(const std::string& s) { return *this = CompactString(s); }
  CompactString& operator=(const char* s) { return *this = CompactString(s); }
  ~CompactString() { release(); }

  [[nodiscard]] bool on_heap() const { return b_[15] == kHeap; }
  [[nodiscard]] std::size_t size() const {
    if (on_heap()) {
      std::uint32_t n = 0;
      std::memcpy(&n, b_ + 8, sizeof(n));
      return n;
    }
    return kInline - b_[15];
  }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] const char* data() const {
    if (on_heap()) {
      const char* p = nullptr;
      std::memcpy(&p, b_, sizeof(p));
      return p;
    }
    return reinterpret_cast<const char*>(b_);
  }
  [[nodiscard]] const char* c_str() const { return data(); }
  [[nodiscard]] std::string_view view() const { return {data(), size()}; }
  [[nodiscard]] std::string str() const { return std::string(view()); }
  operator std::string_view() const { return view(); }  // NOLINT(google-explicit-constructor)
  operator std::string() const { return str(); }        // NOLINT(google-explicit-constructor)

  void swap(CompactString& other) noexcept {
    unsigned char tmp[sizeof(b_)];
    std::memcpy(tmp, b_, sizeof(b_));
    std::memcpy(b_, other.b_, sizeof(b_));
    std::memcpy(other.b_, tmp, sizeof(b_));
  }

  friend bool operator==(const CompactString& a, const CompactString& b) {
    return a.view() == b.view();
  }
  friend bool operator==(const CompactString& a, std::string_view b) { return a.view() == b; }
  friend bool operator==(const CompactString& a, const std::string& b) { return a.view() == b; }
  friend bool operator==(const CompactString& a, const char* b) { return a.view() == b; }
  friend std::string operator+(const CompactString& a, std::string_view b) {
    std::string out(a.view());
    out += b;
    return out;
  }
  friend std::string operator+(std::string a, const CompactString& b) {
    a += b.view();
    return a;
  }
  friend std::string operator+(const char* a, const CompactString& b) { return std::string(a) + b; }
  friend std::string operator+(const CompactString& a, char b) {
    std::string out(a.view());
    out += b;
    return out;
  }
  friend std::ostream& operator<<(std::ostream& out, const CompactString& s) {
    return out << s.view();
  }

 private:
  static constexpr unsigned char kHeap = 0x80;

  void set_inline_size(std::size_t n) {
    b_[n] = 0;  // the terminator (byte 15 itself when n == 15)
    b_[15] = static_cast<unsigned char>(kInline - n);
  }
  void assign(std::string_view s) {
    if (s.size() <= kInline) {
      std::memcpy(b_, s.data(), s.size());
      set_inline_size(s.size());
      return;
    }
    char* p = new char[s.size() + 1];
    std::memcpy(p, s.data(), s.size());
    p[s.size()] = '\0';
    const auto n = static_cast<std::uint32_t>(s.size());
    std::memcpy(b_, &p, sizeof(p));
    std::memcpy(b_ + 8, &n, sizeof(n));
    b_[15] = kHeap;
  }
  void release() {
    if (on_heap()) {
      delete[] data();
    }
  }

  alignas(8) unsigned char b_[16]{};
};

}  // namespace dynamq::broker

template <>
struct fmt::formatter<dynamq::broker::CompactString> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const dynamq::broker::CompactString& s, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(s.view(), ctx);
  }
};

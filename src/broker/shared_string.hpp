// An immutable string shared by reference count, one pointer wide: for values that many
// objects repeat, like the node and listener names in every client's ClientInfo (two
// std::string of 32 B each per connection before; bench/README.md, "Memory").
//
// Reads like a std::string / std::string_view (implicit conversions to both, ==, fmt and
// spdlog formatting); copies share the text and are safe to make and drop on any thread.
// StringInterner hands out one SharedString per distinct text.
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dynamq::broker {

class SharedString {
 public:
  SharedString() = default;  // ""
  explicit SharedString(std::string value) : rep_(new Rep{std::move(value)}) {}
  SharedString(const SharedString& other) noexcept : rep_(other.rep_) {
    if (rep_ != nullptr) {
      rep_->refs.fetch_add(1, std::memory_order_relaxed);
    }
  }
  SharedString(SharedString&& other) noexcept : rep_(std::exchange(other.rep_, nullptr)) {}
  SharedString& operator=(SharedString other) noexcept {
    std::swap(rep_, other.rep_);
    return *this;
  }
  ~SharedString() {
    if (rep_ != nullptr && rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      delete rep_;
    }
  }

  [[nodiscard]] const std::string& str() const { return rep_ != nullptr ? rep_->value : none(); }
  operator const std::string&() const { return str(); }  // NOLINT(google-explicit-constructor)
  operator std::string_view() const { return str(); }    // NOLINT(google-explicit-constructor)
  [[nodiscard]] const char* c_str() const { return str().c_str(); }
  [[nodiscard]] std::size_t size() const { return str().size(); }
  [[nodiscard]] bool empty() const { return str().empty(); }
  // Whether both share one text (same interned value), not only equal ones.
  [[nodiscard]] bool same(const SharedString& other) const { return rep_ == other.rep_; }

  friend bool operator==(const SharedString& a, const SharedString& b) {
    return a.rep_ == b.rep_ || a.str() == b.str();
  }
  friend bool operator==(const SharedString& a, std::string_view b) { return a.str() == b; }
  friend bool operator==(const SharedString& a, const char* b) { return a.str() == b; }
  friend std::ostream& operator<<(std::ostream& out, const SharedString& s) {
    return out << s.str();
  }

 private:
  struct Rep {
    std::string value;
    std::atomic<std::uint32_t> refs{1};
  };
  static const std::string& none() {
    static const std::string none;
    return none;
  }
  Rep* rep_ = nullptr;
};

// One SharedString per distinct text, kept for the interner's life: for small sets of
// values (listener names), not for per-client data.
class StringInterner {
 public:
  SharedString intern(std::string_view text) {
    std::lock_guard lock(mutex_);
    for (const auto& s : strings_) {
      if (s == text) {
        return s;
      }
    }
    return strings_.emplace_back(std::string(text));
  }

 private:
  std::mutex mutex_;
  std::vector<SharedString> strings_;
};

}  // namespace dynamq::broker

template <>
struct fmt::formatter<dynamq::broker::SharedString> : fmt::formatter<std::string_view> {
  template <class FormatContext>
  auto format(const dynamq::broker::SharedString& s, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(std::string_view(s.str()), ctx);
  }
};

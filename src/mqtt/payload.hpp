// An immutable byte buffer shared by reference: a PUBLISH decoded once is fanned out to
// many subscribers (and stored) without copying its payload.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace dynamq::mqtt {

class Payload {
 public:
  Payload() = default;  // empty; allocates nothing
  explicit Payload(std::string bytes)
      : bytes_(bytes.empty() ? nullptr : std::make_shared<const std::string>(std::move(bytes))) {}
  explicit Payload(std::string_view bytes) : Payload(std::string(bytes)) {}
  explicit Payload(std::shared_ptr<const std::string> bytes) : bytes_(std::move(bytes)) {}

  [[nodiscard]] std::string_view view() const noexcept {
    return bytes_ ? std::string_view(*bytes_) : std::string_view();
  }
  [[nodiscard]] std::size_t size() const noexcept { return bytes_ ? bytes_->size() : 0; }
  [[nodiscard]] bool empty() const noexcept { return size() == 0; }
  // The shared buffer itself (may be null when empty), e.g. to keep it alive elsewhere.
  [[nodiscard]] const std::shared_ptr<const std::string>& shared() const noexcept { return bytes_; }

  // Equal when the bytes are equal, whoever owns them.
  friend bool operator==(const Payload& a, const Payload& b) noexcept {
    return a.view() == b.view();
  }

 private:
  std::shared_ptr<const std::string> bytes_;
};

}  // namespace dynamq::mqtt

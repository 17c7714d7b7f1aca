// Bytes read from a client and not handled yet (the tail of an incomplete packet, or what
// a pause or a pending CONNECT held back), one pointer wide until first used: an idle
// connection never needs it, and an inline std::vector plus offset cost 32 B each
// (bench/README.md, "Memory"). Once created it is kept, with its capacity, like the vector
// it replaces: a busy connection does not allocate per read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace dynamq::broker {

class InputBuffer {
 public:
  // No bytes waiting.
  [[nodiscard]] bool empty() const { return !b_ || b_->begin == b_->bytes.size(); }
  // How many bytes wait.
  [[nodiscard]] std::size_t size() const { return b_ ? b_->bytes.size() - b_->begin : 0; }
  // The waiting bytes; valid until the next change.
  [[nodiscard]] std::span<const std::uint8_t> pending() const {
    return b_ ? std::span<const std::uint8_t>(b_->bytes).subspan(b_->begin)
              : std::span<const std::uint8_t>{};
  }
  // Whether the storage exists (for tests and memory accounting).
  [[nodiscard]] bool allocated() const { return b_ != nullptr; }

  void append(std::span<const std::uint8_t> bytes) {
    if (bytes.empty()) {
      return;
    }
    auto& b = get();
    b.bytes.insert(b.bytes.end(), bytes.begin(), bytes.end());
  }
  // The first `n` waiting bytes were handled. They are dropped only once they are most of
  // the buffer: a batch stopped (back-pressure) after each message must not move the rest
  // every time.
  void consume(std::size_t n) {
    if (!b_) {
      return;
    }
    b_->begin += n;
    if (b_->begin >= b_->bytes.size()) {
      clear();
    } else if (b_->begin > b_->bytes.size() / 2) {
      b_->bytes.erase(b_->bytes.begin(),
                      b_->bytes.begin() + static_cast<std::ptrdiff_t>(b_->begin));
      b_->begin = 0;
    }
  }
  void clear() {
    if (b_) {
      b_->bytes.clear();
      b_->begin = 0;
    }
  }

 private:
  struct Storage {
    std::vector<std::uint8_t> bytes;
    std::size_t begin = 0;  // of bytes, already handled
  };
  Storage& get() {
    if (!b_) {
      b_ = std::make_unique<Storage>();
    }
    return *b_;
  }
  std::unique_ptr<Storage> b_;
};

}  // namespace dynamq::broker

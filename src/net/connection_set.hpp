// The connections living on one loop, so shutdown can close what the broker did not.
#pragma once

#include <cstddef>
#include <vector>

namespace dynamq::net {

class ConnectionSet;

// What a loop needs to know about any connection, whatever its transport. The set links
// its members through these two pointers, so membership allocates nothing (a hash-set node
// and bucket cost ~40 bytes per connection). A connection is in its loop's set iff it has a
// predecessor or is the head: no flag of its own.
class LoopConnection {
 public:
  virtual ~LoopConnection() = default;
  // Closes the transport now, dropping unwritten bytes (shutdown deadline passed).
  virtual void abort() = 0;

 private:
  friend class ConnectionSet;
  LoopConnection* prev_ = nullptr;
  LoopConnection* next_ = nullptr;
};

// An intrusive doubly linked list. Touched only from its loop's thread: no lock.
class ConnectionSet {
 public:
  void add(LoopConnection* c) {
    if (contains(c)) {
      return;
    }
    c->prev_ = nullptr;
    c->next_ = head_;
    if (head_ != nullptr) {
      head_->prev_ = c;
    }
    head_ = c;
    ++size_;
  }
  void remove(LoopConnection* c) {
    if (!contains(c)) {
      return;
    }
    (c->prev_ != nullptr ? c->prev_->next_ : head_) = c->next_;
    if (c->next_ != nullptr) {
      c->next_->prev_ = c->prev_;
    }
    c->prev_ = c->next_ = nullptr;
    --size_;
  }
  [[nodiscard]] bool contains(const LoopConnection* c) const {
    return c->prev_ != nullptr || head_ == c;
  }
  [[nodiscard]] std::size_t size() const { return size_; }
  void abort_all() {
    // abort() removes the connection from the set: iterate over a copy.
    std::vector<LoopConnection*> all;
    all.reserve(size_);
    for (LoopConnection* c = head_; c != nullptr; c = c->next_) {
      all.push_back(c);
    }
    for (auto* c : all) {
      c->abort();
    }
  }

 private:
  LoopConnection* head_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace dynamq::net

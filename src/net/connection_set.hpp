// The connections living on one loop, so shutdown can close what the broker did not.
#pragma once

#include <string>
#include <unordered_set>
#include <vector>

namespace dynamq::net {

// What a loop needs to know about any connection, whatever its transport.
class LoopConnection {
 public:
  virtual ~LoopConnection() = default;
  // Closes the transport now, dropping unwritten bytes (shutdown deadline passed).
  virtual void abort() = 0;
};

// Touched only from its loop's thread: no lock.
class ConnectionSet {
 public:
  void add(LoopConnection* c) { set_.insert(c); }
  void remove(LoopConnection* c) { set_.erase(c); }
  [[nodiscard]] std::size_t size() const { return set_.size(); }
  void abort_all() {
    // abort() removes the connection from the set: iterate over a copy.
    const std::vector<LoopConnection*> all(set_.begin(), set_.end());
    for (auto* c : all) {
      c->abort();
    }
  }

 private:
  std::unordered_set<LoopConnection*> set_;
};

}  // namespace dynamq::net

// The write-side state of a connection while it has bytes queued or in flight. An idle
// connection has none (one pointer instead of four vectors and their small heap blocks);
// a connection takes one from its loop's pool on its first write and gives it back once the
// batch is fully written, so a busy connection reuses pooled vectors and allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "broker/client_link.hpp"
#include "net/asio.hpp"

namespace dynamq::net {

struct WriteBatch {
  std::vector<broker::SharedBytes> queue;     // written by the next flush
  std::vector<broker::SharedBytes> inflight;  // the batch being written
  std::vector<asio::const_buffer> buffers;    // inflight as iovecs
  std::vector<std::uint8_t> linear;           // inflight copied, for linearizing streams
  std::size_t first = 0;                      // first unwritten buffer of the batch
  std::size_t first_offset = 0;    // bytes of inflight[first] written (TcpConnection only)
  std::size_t queued_bytes = 0;    // in queue
  std::size_t inflight_bytes = 0;  // of inflight, not yet written

  void push(broker::SharedBytes bytes) {
    queued_bytes += bytes->size();
    queue.push_back(std::move(bytes));
  }
  // What is queued becomes the batch in flight (queue is then the empty, already-allocated
  // vector inflight was).
  void start_flight() {
    inflight.swap(queue);
    inflight_bytes = queued_bytes;
    queued_bytes = 0;
    first = 0;
    first_offset = 0;
  }
  // The batch in flight is written (or abandoned): releases its packets, keeps the capacity.
  void end_flight() {
    inflight.clear();
    inflight_bytes = 0;
    first = 0;
    first_offset = 0;
  }
  void drop_queued() {
    queue.clear();
    queued_bytes = 0;
  }
  [[nodiscard]] bool idle() const { return queue.empty() && inflight.empty(); }
  [[nodiscard]] std::size_t pending_bytes() const { return queued_bytes + inflight_bytes; }
};

// Free write batches of one loop; touched only from that loop's thread. It holds at most as
// many batches as connections on the loop had bytes pending at the same time (a fan-out to
// every subscriber), which is what those connections held before they went idle anyway.
class WriteBatchPool {
 public:
  std::unique_ptr<WriteBatch> take() {
    if (free_.empty()) {
      return std::make_unique<WriteBatch>();
    }
    auto batch = std::move(free_.back());
    free_.pop_back();
    return batch;
  }

  // `batch` must be empty (nothing queued, nothing in flight).
  void give(std::unique_ptr<WriteBatch> batch) {
    // A batch that once carried a huge burst does not keep that memory while pooled.
    if (batch->queue.capacity() > kKeepEntries) {
      std::vector<broker::SharedBytes>().swap(batch->queue);
    }
    if (batch->inflight.capacity() > kKeepEntries) {
      std::vector<broker::SharedBytes>().swap(batch->inflight);
    }
    if (batch->buffers.capacity() > kKeepEntries) {
      std::vector<asio::const_buffer>().swap(batch->buffers);
    }
    if (batch->linear.capacity() > kKeepLinearBytes) {
      std::vector<std::uint8_t>().swap(batch->linear);
    }
    free_.push_back(std::move(batch));
  }

  [[nodiscard]] std::size_t size() const { return free_.size(); }

 private:
  static constexpr std::size_t kKeepEntries = 256;
  static constexpr std::size_t kKeepLinearBytes = 64 * 1024;
  std::vector<std::unique_ptr<WriteBatch>> free_;
};

}  // namespace dynamq::net

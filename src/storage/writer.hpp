// The storage writer (SPEC.md §4, DESIGN.md "Storage is an event sink"): every table write
// of the message path goes through one queue, flushed in generations. A generation takes
// what is queued (up to a cap), writes items with BatchWriteItem (<= 25 each, all batches in
// flight at once), then the MsgId sets with one UpdateItem per topic. Failures are retried
// with exponential backoff; nothing is dropped while the queue is within its bound, and
// `full()` lets the caller hold publishers (back-pressure) instead.
//
// Thread-safety: enqueue / full / when_room / drain from any thread; the flush coroutine and
// every `done` callback run on the writer's executor (a single-threaded io_context).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "storage/storage_stats.hpp"
#include "storage/write_backend.hpp"
#include "storage/write_op.hpp"

namespace dynamq::storage {

struct WriterOptions {
  std::string topic_msg_map_table = "mqtt_topic_msg_map";
  std::string msg_table = "mqtt_msg";
  std::size_t max_pending = 100000;  // queued ops before full() says so
  std::size_t max_generation = 800;  // ops taken per generation
  // Wait this long for more ops when a generation would be small (batching under light load).
  std::chrono::milliseconds linger{5};
  // Writer-level tries of one op (each call also has the client's own retries); 0 = retry
  // retryable errors forever (async mode: nothing lost while DynamoDB is down).
  int max_attempts = 0;
  std::chrono::milliseconds min_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
  std::size_t max_ids_per_topic = 1000;
  std::string ttl_attribute;  // empty: no TTL on mqtt_topic_msg_map
  std::chrono::seconds ttl{0};
};

class Writer : public std::enable_shared_from_this<Writer> {
 public:
  Writer(boost::asio::any_io_executor executor, std::shared_ptr<WriteBackend> backend,
         WriterOptions options, std::shared_ptr<StorageStats> stats);

  void enqueue(WriteOp op);
  // Queued + in flight ops.
  [[nodiscard]] std::size_t pending() const;
  [[nodiscard]] bool full() const;
  // Runs `fn` (on the writer's executor) once the queue is below its bound; at once when it is.
  void when_room(std::function<void()> fn);
  // Runs `fn` when everything queued so far has been written or given up; after `timeout`
  // the rest is abandoned (counted as dropped, logged) and `fn` runs anyway.
  void drain(std::chrono::milliseconds timeout, std::function<void()> fn);

 private:
  dynamo::awaitable<void> run();
  // Writes one generation; returns the ops to send again.
  dynamo::awaitable<std::vector<WriteOp>> generation(std::vector<WriteOp> ops);
  dynamo::awaitable<void> set_phase(std::vector<WriteOp> ops, std::vector<WriteOp>& retry);
  void finish(WriteOp& op, bool ok);
  void retry_or_fail(std::vector<WriteOp>& retry, WriteOp op, const dynamo::Error& error);
  void trim(const std::string& topic, const dynamo::UpdateItemResponse& response);
  void notify_room_locked(std::vector<std::function<void()>>& out);

  boost::asio::any_io_executor executor_;
  std::shared_ptr<WriteBackend> backend_;
  WriterOptions options_;
  std::shared_ptr<StorageStats> stats_;

  mutable std::mutex mutex_;
  std::deque<WriteOp> queue_;
  std::size_t in_flight_ = 0;
  bool running_ = false;
  bool abandon_ = false;
  std::vector<std::function<void()>> room_waiters_;
  std::vector<std::function<void()>> drain_waiters_;
  // topic -> ids queued for trimming (writer thread only): a later ADD's answer still lists
  // them until their removal lands; they must not be trimmed (and counted) twice.
  std::unordered_map<std::string, std::unordered_set<std::string>> trimming_;
};

}  // namespace dynamq::storage

#include "storage/writer.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "storage/parallel.hpp"

namespace dynamq::storage {
namespace {

namespace asio = boost::asio;

// Worth sending again: no answer, throttling, 5xx, a spent retry budget. A 4xx validation
// error would fail again.
bool retryable(const dynamo::Error& e) {
  if (e.retryable) return true;
  if (e.is(dynamo::Error::kCancelled) || e.is(dynamo::Error::kInvalidRequest)) return false;
  return e.http_status == 0 || e.http_status >= 500 || e.http_status == 429;
}

std::string_view purpose_name(WritePurpose p) {
  switch (p) {
    case WritePurpose::message:
      return "store";
    case WritePurpose::retain_put:
      return "retain";
    case WritePurpose::retain_delete:
      return "retain delete";
    case WritePurpose::consume:
      return "consume";
    case WritePurpose::trim:
      return "trim";
  }
  return "write";
}

bool same_request(const WriteOp& op, const dynamo::WriteRequest& request) {
  if (const auto* put = std::get_if<dynamo::PutRequest>(&request)) {
    return op.kind == WriteOp::Kind::put && put->item == op.item;
  }
  const auto& erase = std::get<dynamo::DeleteRequest>(request);
  return op.kind == WriteOp::Kind::erase && erase.key == op.item;
}

}  // namespace

Writer::Writer(asio::any_io_executor executor, std::shared_ptr<WriteBackend> backend,
               WriterOptions options, std::shared_ptr<StorageStats> stats)
    : executor_(std::move(executor)),
      backend_(std::move(backend)),
      options_(std::move(options)),
      stats_(std::move(stats)) {}

void Writer::enqueue(WriteOp op) {
  bool start = false;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(op));
    if (!running_) {
      running_ = true;
      start = true;
    }
  }
  if (start) {
    asio::co_spawn(
        executor_, [self = shared_from_this()] { return self->run(); }, asio::detached);
  }
}

std::size_t Writer::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + in_flight_;
}

bool Writer::full() const {
  std::lock_guard lock(mutex_);
  return queue_.size() >= options_.max_pending;
}

void Writer::when_room(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.max_pending) {
      room_waiters_.push_back(std::move(fn));
      return;
    }
  }
  asio::post(executor_, std::move(fn));
}

void Writer::notify_room_locked(std::vector<std::function<void()>>& out) {
  if (queue_.size() < options_.max_pending && !room_waiters_.empty()) {
    out = std::move(room_waiters_);
    room_waiters_.clear();
  }
}

void Writer::drain(std::chrono::milliseconds timeout, std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    if (running_ || !queue_.empty()) {
      drain_waiters_.push_back(std::move(fn));
      fn = nullptr;
    }
  }
  if (fn) {
    asio::post(executor_, std::move(fn));
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(executor_, timeout);
  timer->async_wait([self = shared_from_this(), timer](const boost::system::error_code& ec) {
    if (ec) return;
    std::lock_guard lock(self->mutex_);
    if (self->running_) self->abandon_ = true;  // the flush loop drops what is left
  });
}

dynamo::awaitable<void> Writer::run() {
  auto backoff = options_.min_backoff;
  asio::steady_timer timer(executor_);
  for (;;) {
    bool small = false;
    {
      std::lock_guard lock(mutex_);
      small = queue_.size() < dynamo::kMaxBatchWriteItems && !abandon_;
    }
    if (small && options_.linger.count() > 0) {
      // Light load: give publishers a moment to fill the generation (batching).
      timer.expires_after(options_.linger);
      co_await timer.async_wait(dynamo::use_awaitable_tuple);
    }
    std::vector<WriteOp> ops;
    std::vector<std::function<void()>> rooms;
    std::vector<std::function<void()>> drained;
    bool dropping = false;
    {
      std::lock_guard lock(mutex_);
      if (queue_.empty()) {
        running_ = false;
        abandon_ = false;
        drained = std::move(drain_waiters_);
        drain_waiters_.clear();
      } else {
        dropping = abandon_;
        const std::size_t n =
            dropping ? queue_.size() : std::min(queue_.size(), options_.max_generation);
        ops.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
          ops.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        in_flight_ = dropping ? 0 : ops.size();
        notify_room_locked(rooms);
      }
    }
    for (auto& fn : rooms) fn();
    if (ops.empty()) {
      for (auto& fn : drained) fn();
      co_return;
    }
    if (dropping) {
      for (auto& op : ops) {
        stats_->dropped.fetch_add(1, std::memory_order_relaxed);
        spdlog::warn("storage: dropped at unload: {} of message {} on '{}'",
                     purpose_name(op.purpose), op.msgid, op.topic);
        if (op.done) op.done(false);
      }
      continue;
    }
    auto retry = co_await generation(std::move(ops));
    {
      std::lock_guard lock(mutex_);
      in_flight_ = 0;
      for (auto it = retry.rbegin(); it != retry.rend(); ++it) queue_.push_front(std::move(*it));
    }
    if (!retry.empty()) {
      timer.expires_after(backoff);
      co_await timer.async_wait(dynamo::use_awaitable_tuple);
      backoff = std::min(backoff * 2, options_.max_backoff);
    } else {
      backoff = options_.min_backoff;
    }
  }
}

void Writer::finish(WriteOp& op, bool ok) {
  if (op.purpose == WritePurpose::trim) {
    if (const auto it = trimming_.find(op.topic); it != trimming_.end()) {
      it->second.erase(op.msgid);
      if (it->second.empty()) trimming_.erase(it);
    }
  }
  if (ok) {
    switch (op.purpose) {
      case WritePurpose::message:
        stats_->stored.fetch_add(1, std::memory_order_relaxed);
        break;
      case WritePurpose::retain_put:
        stats_->retained_written.fetch_add(1, std::memory_order_relaxed);
        break;
      case WritePurpose::retain_delete:
        stats_->retained_deleted.fetch_add(1, std::memory_order_relaxed);
        break;
      case WritePurpose::consume:
        stats_->consumed.fetch_add(1, std::memory_order_relaxed);
        break;
      case WritePurpose::trim:
        break;
    }
  }
  if (op.done) {
    auto done = std::move(op.done);
    op.done = nullptr;
    done(ok);
  }
}

void Writer::retry_or_fail(std::vector<WriteOp>& retry, WriteOp op, const dynamo::Error& error) {
  ++op.attempts;
  bool abandon = false;
  {
    std::lock_guard lock(mutex_);
    abandon = abandon_;
  }
  const bool again = retryable(error) && !abandon &&
                     (options_.max_attempts == 0 || op.attempts < options_.max_attempts);
  if (again) {
    stats_->retried.fetch_add(1, std::memory_order_relaxed);
    if (op.attempts == 1 || op.attempts % 10 == 0) {
      spdlog::warn("storage: {} of message {} on '{}' failed (attempt {}), retrying: {}",
                   purpose_name(op.purpose), op.msgid, op.topic, op.attempts, error.describe());
    }
    retry.push_back(std::move(op));
    return;
  }
  stats_->failed.fetch_add(1, std::memory_order_relaxed);
  spdlog::error("storage: gave up {} of message {} on '{}' after {} attempt(s): {}",
                purpose_name(op.purpose), op.msgid, op.topic, op.attempts, error.describe());
  finish(op, false);
}

dynamo::awaitable<std::vector<WriteOp>> Writer::generation(std::vector<WriteOp> ops) {
  std::vector<WriteOp> retry;
  std::vector<WriteOp> set_ops;
  const ItemPlan plan = plan_item_writes(ops);
  for (const auto index : plan.superseded) {
    // A later write of the same item in this generation replaces it: its outcome is that
    // write's; its follow-up (a set add) is moot.
    ops[index].then.reset();
    finish(ops[index], true);
  }
  std::vector<dynamo::Result<dynamo::BatchWriteItemResponse>> results(plan.batches.size());
  std::vector<dynamo::awaitable<void>> tasks;
  for (std::size_t k = 0; k < plan.batches.size(); ++k) {
    tasks.push_back(
        [](Writer& self, dynamo::BatchWriteItemRequest request,
           dynamo::Result<dynamo::BatchWriteItemResponse>& out) -> dynamo::awaitable<void> {
          self.stats_->write_requests.fetch_add(1, std::memory_order_relaxed);
          out = co_await self.backend_->batch_write(std::move(request));
        }(*this, make_batch_request(ops, plan.batches[k]), results[k]));
  }
  co_await run_all(std::move(tasks));

  const dynamo::Error unprocessed{"UnprocessedItems", "not processed by DynamoDB", 0, true};
  auto succeeded = [&set_ops, this](WriteOp& op) {
    if (op.then) {
      WriteOp next = std::move(*op.then);
      next.done = std::move(op.done);
      next.purpose = op.purpose;
      op.done = nullptr;
      set_ops.push_back(std::move(next));
    } else {
      finish(op, true);
    }
  };
  for (std::size_t k = 0; k < plan.batches.size(); ++k) {
    const auto& result = results[k];
    for (const auto index : plan.batches[k]) {
      WriteOp& op = ops[index];
      if (!result.ok()) {
        retry_or_fail(retry, std::move(op), result.error());
        continue;
      }
      bool left = false;
      if (const auto it = result->unprocessed_items.find(op.table);
          it != result->unprocessed_items.end()) {
        left = std::any_of(it->second.begin(), it->second.end(),
                           [&op](const auto& request) { return same_request(op, request); });
      }
      if (left) {
        retry_or_fail(retry, std::move(op), unprocessed);
      } else {
        succeeded(op);
      }
    }
  }
  for (auto& op : ops) {
    if (op.kind == WriteOp::Kind::add_id || op.kind == WriteOp::Kind::remove_id) {
      set_ops.push_back(std::move(op));
    }
  }
  co_await set_phase(std::move(set_ops), retry);
  co_return retry;
}

dynamo::awaitable<void> Writer::set_phase(std::vector<WriteOp> ops, std::vector<WriteOp>& retry) {
  if (ops.empty()) co_return;
  const auto updates = plan_set_updates(ops);
  struct Outcome {
    std::optional<dynamo::Error> error;
    std::optional<dynamo::UpdateItemResponse> added;
  };
  std::vector<Outcome> outcomes(updates.size());
  SetUpdateOptions add_options;
  if (!options_.ttl_attribute.empty() && options_.ttl.count() > 0) {
    add_options.ttl_attribute = options_.ttl_attribute;
    add_options.expires_at = std::chrono::duration_cast<std::chrono::seconds>(
                                 std::chrono::system_clock::now().time_since_epoch())
                                 .count() +
                             options_.ttl.count();
  }
  std::vector<dynamo::awaitable<void>> tasks;
  for (std::size_t k = 0; k < updates.size(); ++k) {
    tasks.push_back([](Writer& self, const SetUpdate& update, SetUpdateOptions options,
                       Outcome& out) -> dynamo::awaitable<void> {
      if (!update.add.empty()) {
        self.stats_->write_requests.fetch_add(1, std::memory_order_relaxed);
        auto r = co_await self.backend_->update_item(
            make_add_request(update.table, update.topic, update.add, options));
        if (!r.ok()) {
          out.error = r.error();
          co_return;
        }
        out.added = std::move(r.value());
      }
      if (!update.remove.empty()) {
        self.stats_->write_requests.fetch_add(1, std::memory_order_relaxed);
        auto r = co_await self.backend_->update_item(
            make_remove_request(update.table, update.topic, update.remove));
        if (!r.ok()) out.error = r.error();
      }
    }(*this, updates[k], add_options, outcomes[k]));
  }
  co_await run_all(std::move(tasks));
  for (std::size_t k = 0; k < updates.size(); ++k) {
    // Trim before finishing this update's ops: the ADD's answer was taken before this
    // generation's removals, so ids whose trim completes here are still listed in it.
    if (!outcomes[k].error && outcomes[k].added) trim(updates[k].topic, *outcomes[k].added);
    for (const auto index : updates[k].ops) {
      // A failed update is sent again as a whole: ADD and DELETE of ids are idempotent.
      if (outcomes[k].error) {
        retry_or_fail(retry, std::move(ops[index]), *outcomes[k].error);
      } else {
        finish(ops[index], true);
      }
    }
  }
}

void Writer::trim(const std::string& topic, const dynamo::UpdateItemResponse& response) {
  const auto it = response.attributes.find("MsgId");
  if (it == response.attributes.end() || it->second.as_ss() == nullptr) return;
  auto& trimming = trimming_[topic];
  std::vector<std::string> ids;
  for (const auto& id : *it->second.as_ss()) {
    if (!trimming.contains(id)) ids.push_back(id);
  }
  const auto excess = oldest_beyond(ids, options_.max_ids_per_topic);
  if (excess.empty()) {
    if (trimming.empty()) trimming_.erase(topic);
    return;
  }
  trimming.insert(excess.begin(), excess.end());
  stats_->trimmed.fetch_add(excess.size(), std::memory_order_relaxed);
  spdlog::info(
      "storage: topic '{}' holds {} ids, over max_ids_per_topic {}: trimming the {} oldest", topic,
      it->second.as_ss()->size(), options_.max_ids_per_topic, excess.size());
  for (const auto& id : excess) {
    WriteOp op;
    op.kind = WriteOp::Kind::erase;
    op.purpose = WritePurpose::trim;
    op.table = options_.msg_table;
    op.key = id;
    op.item["msgid"] = dynamo::AttributeValue::s(id);
    op.topic = topic;
    op.msgid = id;
    op.then = std::make_unique<WriteOp>();
    op.then->kind = WriteOp::Kind::remove_id;
    op.then->table = options_.topic_msg_map_table;
    op.then->topic = topic;
    op.then->msgid = id;
    enqueue(std::move(op));
  }
}

}  // namespace dynamq::storage

// The writer against a fake WriteBackend (named as such: it stands in for DynamoDB to
// inject failures); the real engines are exercised by tests/integration/storage.
#include "storage/writer.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <map>
#include <set>

#include "storage/msgid_codec.hpp"

namespace dynamq::storage {
namespace {

class FakeBackend final : public WriteBackend {
 public:
  // Fails the first `fail_first` calls with `failure`.
  int fail_first = 0;
  dynamo::Error failure{"ServiceUnavailable", "down", 503, true};
  int batch_calls = 0;
  int update_calls = 0;
  std::size_t max_batch_seen = 0;
  std::map<std::string, std::map<std::string, dynamo::Item>>
      tables;                                         // table -> msgid/topic -> item
  std::map<std::string, std::set<std::string>> sets;  // topic -> MsgId

  dynamo::awaitable<dynamo::Result<dynamo::BatchWriteItemResponse>> batch_write(
      dynamo::BatchWriteItemRequest request) override {
    ++batch_calls;
    max_batch_seen = std::max(max_batch_seen, request.size());
    if (fail()) co_return failure;
    for (const auto& [table, writes] : request.request_items) {
      for (const auto& w : writes) {
        if (const auto* put = std::get_if<dynamo::PutRequest>(&w)) {
          tables[table][key_of(put->item)] = put->item;
        } else {
          tables[table].erase(key_of(std::get<dynamo::DeleteRequest>(w).key));
        }
      }
    }
    co_return dynamo::BatchWriteItemResponse{};
  }
  dynamo::awaitable<dynamo::Result<dynamo::UpdateItemResponse>> update_item(
      dynamo::UpdateItemRequest request) override {
    ++update_calls;
    if (fail()) co_return failure;
    auto& set = sets[*request.key.at("topic").as_s()];
    const auto& ids = *request.values.at(":ids").as_ss();
    const bool add = request.update_expression.rfind("ADD", 0) == 0;
    for (const auto& id : ids) {
      if (add) {
        set.insert(id);
      } else {
        set.erase(id);
      }
    }
    dynamo::UpdateItemResponse response;
    if (request.return_values == dynamo::ReturnValues::UpdatedNew) {
      response.attributes["MsgId"] =
          dynamo::AttributeValue::ss(std::vector<std::string>(set.begin(), set.end()));
    }
    co_return response;
  }

 private:
  bool fail() { return fail_first > 0 && fail_first-- > 0; }
  static std::string key_of(const dynamo::Item& item) {
    if (const auto it = item.find("msgid"); it != item.end()) return *it->second.as_s();
    return *item.at("topic").as_s();
  }
};

struct Fixture {
  boost::asio::io_context io;
  std::shared_ptr<FakeBackend> backend = std::make_shared<FakeBackend>();
  std::shared_ptr<StorageStats> stats = std::make_shared<StorageStats>();
  std::shared_ptr<Writer> writer;

  explicit Fixture(WriterOptions options = {}) {
    options.min_backoff = std::chrono::milliseconds(1);
    options.max_backoff = std::chrono::milliseconds(2);
    writer = std::make_shared<Writer>(io.get_executor(), backend, options, stats);
  }
};

std::string id_text(std::uint64_t n) {
  return encode_msgid(broker::MessageId{1700000000000000ULL + n, n});
}

WriteOp store(const std::string& topic, std::uint64_t n, std::function<void(bool)> done = {}) {
  WriteOp op;
  op.kind = WriteOp::Kind::put;
  op.purpose = WritePurpose::message;
  op.table = "mqtt_msg";
  op.key = id_text(n);
  op.msgid = op.key;
  op.topic = topic;
  op.item["msgid"] = dynamo::AttributeValue::s(op.key);
  op.item["topic"] = dynamo::AttributeValue::s(topic);
  op.then = std::make_unique<WriteOp>();
  op.then->kind = WriteOp::Kind::add_id;
  op.then->table = "mqtt_topic_msg_map";
  op.then->topic = topic;
  op.then->msgid = op.key;
  op.done = std::move(done);
  return op;
}

TEST(Writer, BatchesItemsAndCoalescesSetUpdates) {
  Fixture f;
  int ok = 0;
  for (std::uint64_t i = 0; i < 100; ++i) {
    f.writer->enqueue(store(i % 2 == 0 ? "a" : "b", i, [&ok](bool r) { ok += r ? 1 : 0; }));
  }
  f.io.run();
  EXPECT_EQ(ok, 100);
  EXPECT_EQ(f.stats->stored.load(), 100U);
  EXPECT_EQ(f.backend->tables["mqtt_msg"].size(), 100U);
  EXPECT_EQ(f.backend->sets["a"].size() + f.backend->sets["b"].size(), 100U);
  EXPECT_LE(f.backend->max_batch_seen, 25U);
  EXPECT_EQ(f.backend->batch_calls, 4);
  EXPECT_EQ(f.backend->update_calls, 2);  // one ADD per topic
  EXPECT_EQ(f.stats->write_requests.load(), 6U);
  EXPECT_EQ(f.writer->pending(), 0U);
}

TEST(Writer, RetriesRetryableFailuresUntilEverythingIsWritten) {
  Fixture f;
  f.backend->fail_first = 5;
  int ok = 0;
  for (std::uint64_t i = 0; i < 30; ++i) {
    f.writer->enqueue(store("t", i, [&ok](bool r) { ok += r ? 1 : 0; }));
  }
  f.io.run();
  EXPECT_EQ(ok, 30);
  EXPECT_GT(f.stats->retried.load(), 0U);
  EXPECT_EQ(f.stats->failed.load(), 0U);
  EXPECT_EQ(f.backend->tables["mqtt_msg"].size(), 30U);
  EXPECT_EQ(f.backend->sets["t"].size(), 30U);
}

TEST(Writer, GivesUpOnValidationErrorsAndSaysSo) {
  Fixture f;
  f.backend->fail_first = 1;
  f.backend->failure = dynamo::Error{"ValidationException", "bad", 400, false};
  std::optional<bool> outcome;
  f.writer->enqueue(store("t", 1, [&outcome](bool r) { outcome = r; }));
  f.io.run();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(*outcome);
  EXPECT_EQ(f.stats->failed.load(), 1U);
  EXPECT_EQ(f.stats->stored.load(), 0U);
  EXPECT_TRUE(f.backend->sets["t"].empty());  // no id without its message
}

TEST(Writer, SyncModeFailsAfterItsAttempts) {
  WriterOptions options;
  options.max_attempts = 3;
  Fixture f(options);
  f.backend->fail_first = 1000;
  std::optional<bool> outcome;
  f.writer->enqueue(store("t", 1, [&outcome](bool r) { outcome = r; }));
  f.io.run();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(*outcome);
  EXPECT_EQ(f.backend->batch_calls, 3);
  EXPECT_EQ(f.stats->retried.load(), 2U);
}

TEST(Writer, ConsumeInTheSameGenerationCancelsTheStore) {
  Fixture f;
  f.writer->enqueue(store("t", 1));
  WriteOp consume;
  consume.kind = WriteOp::Kind::erase;
  consume.purpose = WritePurpose::consume;
  consume.table = "mqtt_msg";
  consume.key = id_text(1);
  consume.item["msgid"] = dynamo::AttributeValue::s(consume.key);
  consume.then = std::make_unique<WriteOp>();
  consume.then->kind = WriteOp::Kind::remove_id;
  consume.then->table = "mqtt_topic_msg_map";
  consume.then->topic = "t";
  consume.then->msgid = consume.key;
  f.writer->enqueue(std::move(consume));
  f.io.run();
  EXPECT_TRUE(f.backend->tables["mqtt_msg"].empty());
  EXPECT_TRUE(f.backend->sets["t"].empty());
  // The put and its ADD never happen; only the (harmless) DELETE of the id is sent.
  EXPECT_EQ(f.backend->batch_calls, 1);
  EXPECT_EQ(f.backend->update_calls, 1);
  EXPECT_EQ(f.stats->consumed.load(), 1U);
}

TEST(Writer, TrimsTheOldestIdsBeyondTheBound) {
  WriterOptions options;
  options.max_ids_per_topic = 3;
  Fixture f(options);
  for (std::uint64_t i = 0; i < 5; ++i) f.writer->enqueue(store("t", i));
  f.io.run();
  EXPECT_EQ(f.stats->trimmed.load(), 2U);
  EXPECT_EQ(f.backend->sets["t"], (std::set<std::string>{id_text(2), id_text(3), id_text(4)}));
  EXPECT_EQ(f.backend->tables["mqtt_msg"].size(), 3U);
  EXPECT_FALSE(f.backend->tables["mqtt_msg"].contains(id_text(0)));
}

TEST(Writer, AnIdBeingTrimmedIsNotTrimmedTwice) {
  WriterOptions options;
  options.max_ids_per_topic = 3;
  options.max_generation = 5;  // the second generation's ADD still sees the first's trims
  Fixture f(options);
  for (std::uint64_t i = 0; i < 10; ++i) f.writer->enqueue(store("t", i));
  f.io.run();
  EXPECT_EQ(f.stats->trimmed.load(), 7U);
  EXPECT_EQ(f.backend->sets["t"], (std::set<std::string>{id_text(7), id_text(8), id_text(9)}));
  EXPECT_EQ(f.backend->tables["mqtt_msg"].size(), 3U);
}

TEST(Writer, FullQueueReleasesWaitersWhenThereIsRoom) {
  WriterOptions options;
  options.max_pending = 10;
  Fixture f(options);
  for (std::uint64_t i = 0; i < 15; ++i) f.writer->enqueue(store("t", i));
  EXPECT_TRUE(f.writer->full());
  bool released = false;
  f.writer->when_room([&released] { released = true; });
  EXPECT_FALSE(released);
  f.io.run();
  EXPECT_TRUE(released);
  EXPECT_FALSE(f.writer->full());
  EXPECT_EQ(f.stats->stored.load(), 15U);
}

TEST(Writer, DrainAbandonsWhatCannotBeWrittenInTime) {
  Fixture f;
  f.backend->fail_first = 1'000'000;
  int failed = 0;
  for (std::uint64_t i = 0; i < 3; ++i) {
    f.writer->enqueue(store("t", i, [&failed](bool r) { failed += r ? 0 : 1; }));
  }
  bool drained = false;
  f.writer->drain(std::chrono::milliseconds(50), [&drained] { drained = true; });
  f.io.run();
  EXPECT_TRUE(drained);
  EXPECT_EQ(failed, 3);
  // Ops waiting in the queue when the deadline passes are dropped; one whose call is in
  // flight then ends as failed (not retried). Which of the two depends on timing; each op is
  // counted exactly once either way.
  EXPECT_EQ(f.stats->dropped.load() + f.stats->failed.load(), 3U);
}

}  // namespace
}  // namespace dynamq::storage

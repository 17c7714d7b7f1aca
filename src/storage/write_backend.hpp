// What the writer needs from DynamoDB: two calls. An interface so the batching logic is
// unit-tested against a fake (tests/unit/storage), and runs against dynamo::Client here.
#pragma once

#include "dynamo/client.hpp"

namespace dynamq::storage {

class WriteBackend {
 public:
  virtual ~WriteBackend() = default;
  // <= 25 writes with distinct keys; the response lists what was not processed.
  virtual dynamo::awaitable<dynamo::Result<dynamo::BatchWriteItemResponse>> batch_write(
      dynamo::BatchWriteItemRequest request) = 0;
  virtual dynamo::awaitable<dynamo::Result<dynamo::UpdateItemResponse>> update_item(
      dynamo::UpdateItemRequest request) = 0;
};

class ClientWriteBackend final : public WriteBackend {
 public:
  explicit ClientWriteBackend(dynamo::Client client) : client_(std::move(client)) {}
  dynamo::awaitable<dynamo::Result<dynamo::BatchWriteItemResponse>> batch_write(
      dynamo::BatchWriteItemRequest request) override {
    // batch_write_all resubmits UnprocessedItems with backoff.
    co_return co_await client_.batch_write_all(std::move(request));
  }
  dynamo::awaitable<dynamo::Result<dynamo::UpdateItemResponse>> update_item(
      dynamo::UpdateItemRequest request) override {
    co_return co_await client_.update_item(std::move(request));
  }

 private:
  dynamo::Client client_;
};

}  // namespace dynamq::storage

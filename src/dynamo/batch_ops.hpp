// BatchWriteItem (<= 25 writes per call) and BatchGetItem (<= 100 keys per call).
// Client::batch_write_all / batch_get_all resubmit Unprocessed* with backoff.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dynamo/attribute_value.hpp"
#include "dynamo/expressions.hpp"

namespace dynamq::dynamo {

struct PutRequest {
  Item item;
  bool operator==(const PutRequest&) const = default;
};
struct DeleteRequest {
  Item key;
  bool operator==(const DeleteRequest&) const = default;
};
using WriteRequest = std::variant<PutRequest, DeleteRequest>;

inline constexpr std::size_t kMaxBatchWriteItems = 25;
inline constexpr std::size_t kMaxBatchGetKeys = 100;

struct BatchWriteItemRequest {
  std::map<std::string, std::vector<WriteRequest>> request_items;  // table -> writes
  std::size_t size() const;                                        // total writes over all tables
};
struct BatchWriteItemResponse {
  // What the service did not process (or, from batch_write_all, what was still unprocessed
  // when the attempts ran out). Empty: everything was written.
  std::map<std::string, std::vector<WriteRequest>> unprocessed_items;
  std::size_t unprocessed_count() const;
};

struct KeysAndAttributes {
  std::vector<Item> keys;
  std::optional<std::string> projection_expression;
  ExpressionNames names;
  bool consistent_read = false;
};

struct BatchGetItemRequest {
  std::map<std::string, KeysAndAttributes> request_items;  // table -> keys
  std::size_t size() const;                                // total keys
};
struct BatchGetItemResponse {
  std::map<std::string, std::vector<Item>> responses;  // table -> items found (any order)
  std::map<std::string, KeysAndAttributes> unprocessed_keys;
  std::size_t unprocessed_count() const;
};

}  // namespace dynamq::dynamo

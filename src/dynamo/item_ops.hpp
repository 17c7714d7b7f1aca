// Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem.
// A failed condition arrives as Error{type = "ConditionalCheckFailedException"}.
#pragma once

#include <optional>
#include <string>

#include "dynamo/attribute_value.hpp"
#include "dynamo/expressions.hpp"

namespace dynamq::dynamo {

struct PutItemRequest {
  std::string table_name;
  Item item;
  std::optional<std::string> condition_expression;
  ExpressionNames names;
  ExpressionValues values;
  ReturnValues return_values = ReturnValues::None;  // None or AllOld
};
struct PutItemResponse {
  Item attributes;  // old item when return_values = AllOld and it existed
};

struct GetItemRequest {
  std::string table_name;
  Item key;
  bool consistent_read = false;
  std::optional<std::string> projection_expression;
  ExpressionNames names;
};
struct GetItemResponse {
  std::optional<Item> item;  // nullopt: no such item
};

struct UpdateItemRequest {
  std::string table_name;
  Item key;
  std::string update_expression;  // e.g. "SET #v = :v ADD #n :one"
  std::optional<std::string> condition_expression;
  ExpressionNames names;
  ExpressionValues values;
  ReturnValues return_values = ReturnValues::None;
};
struct UpdateItemResponse {
  Item attributes;
};

struct DeleteItemRequest {
  std::string table_name;
  Item key;
  std::optional<std::string> condition_expression;
  ExpressionNames names;
  ExpressionValues values;
  ReturnValues return_values = ReturnValues::None;  // None or AllOld
};
struct DeleteItemResponse {
  Item attributes;
};

}  // namespace dynamq::dynamo

// Query and Scan, one page per call; Client::query_all / scan_all follow LastEvaluatedKey.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dynamo/attribute_value.hpp"
#include "dynamo/expressions.hpp"

namespace dynamq::dynamo {

enum class Select { Default, AllAttributes, AllProjectedAttributes, SpecificAttributes, Count };

struct QueryRequest {
  std::string table_name;
  std::optional<std::string> index_name;
  std::string key_condition_expression;  // e.g. "#c = :c AND begins_with(#t, :p)"
  std::optional<std::string> filter_expression;
  std::optional<std::string> projection_expression;
  ExpressionNames names;
  ExpressionValues values;
  std::optional<int> limit;
  bool consistent_read = false;
  bool scan_index_forward = true;
  Select select = Select::Default;
  std::optional<Item> exclusive_start_key;
};

struct ScanRequest {
  std::string table_name;
  std::optional<std::string> index_name;
  std::optional<std::string> filter_expression;
  std::optional<std::string> projection_expression;
  ExpressionNames names;
  ExpressionValues values;
  std::optional<int> limit;
  bool consistent_read = false;
  Select select = Select::Default;
  std::optional<int> segment;  // parallel scan: both or neither
  std::optional<int> total_segments;
  std::optional<Item> exclusive_start_key;
};

// Query and Scan answer the same shape.
struct QueryResponse {
  std::vector<Item> items;
  std::int64_t count = 0;
  std::int64_t scanned_count = 0;
  std::optional<Item> last_evaluated_key;  // set: more pages follow
};
using ScanResponse = QueryResponse;

}  // namespace dynamq::dynamo

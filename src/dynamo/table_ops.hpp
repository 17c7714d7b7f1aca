// Control-plane operations: CreateTable, DescribeTable, DeleteTable, ListTables,
// UpdateTimeToLive. Field names follow the DynamoDB API in snake_case.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dynamq::dynamo {

struct AttributeDefinition {
  std::string name;
  std::string type;  // "S", "N" or "B"
  bool operator==(const AttributeDefinition&) const = default;
};

enum class KeyType { Hash, Range };
struct KeySchemaElement {
  std::string name;
  KeyType key_type = KeyType::Hash;
  bool operator==(const KeySchemaElement&) const = default;
};

struct ProvisionedThroughput {
  std::int64_t read_capacity_units = 5;
  std::int64_t write_capacity_units = 5;
  bool operator==(const ProvisionedThroughput&) const = default;
};

enum class BillingMode { Provisioned, PayPerRequest };

struct Projection {
  std::string type = "ALL";  // ALL, KEYS_ONLY, INCLUDE
  std::vector<std::string> non_key_attributes;
};

struct SecondaryIndex {
  std::string name;
  std::vector<KeySchemaElement> key_schema;
  Projection projection;
  std::optional<ProvisionedThroughput> throughput;  // GSIs on provisioned tables only
};

struct CreateTableRequest {
  std::string table_name;
  std::vector<AttributeDefinition> attribute_definitions;
  std::vector<KeySchemaElement> key_schema;
  BillingMode billing_mode = BillingMode::Provisioned;
  ProvisionedThroughput throughput;  // ignored for PayPerRequest
  std::vector<SecondaryIndex> global_secondary_indexes;
  std::vector<SecondaryIndex> local_secondary_indexes;
};

struct TableDescription {
  std::string table_name;
  std::string table_status;  // CREATING, ACTIVE, DELETING, UPDATING, ...
  std::string table_arn;
  std::vector<AttributeDefinition> attribute_definitions;
  std::vector<KeySchemaElement> key_schema;
  std::optional<BillingMode> billing_mode;  // absent in some engines' answers
  std::optional<ProvisionedThroughput> throughput;
  std::int64_t item_count = 0;
  std::int64_t table_size_bytes = 0;
  std::vector<std::string> global_secondary_index_names;
  std::vector<std::string> local_secondary_index_names;
};

struct CreateTableResponse {
  TableDescription table;
};

struct DescribeTableRequest {
  std::string table_name;
};
struct DescribeTableResponse {
  TableDescription table;
};

struct DeleteTableRequest {
  std::string table_name;
};
struct DeleteTableResponse {
  TableDescription table;
};

struct ListTablesRequest {
  std::optional<std::string> exclusive_start_table_name;
  std::optional<int> limit;  // 1..100
};
struct ListTablesResponse {
  std::vector<std::string> table_names;
  std::optional<std::string> last_evaluated_table_name;
};

struct UpdateTimeToLiveRequest {
  std::string table_name;
  std::string attribute_name;
  bool enabled = true;
};
struct UpdateTimeToLiveResponse {
  std::string attribute_name;
  bool enabled = false;
};

}  // namespace dynamq::dynamo

// The six storage tables of SPEC.md §2 (the seed's definitions, names from the config) and the
// operations of `dynamq tables create | status | delete` on them.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "dynamo/client.hpp"
#include "storage/backend_config.hpp"

namespace dynamq::storage {

struct TableSpec {
  std::string seed_name;                                // "mqtt_msg"
  std::string name;                                     // as configured (prefix / rename)
  std::vector<dynamo::AttributeDefinition> attributes;  // in the seed's order
  std::vector<dynamo::KeySchemaElement> key_schema;     // HASH first
  bool ttl = false;  // carries the TTL attribute when backend.dynamo.msg_ttl is set
};

// The six tables, in the seed's order: mqtt_client, mqtt_sub, mqtt_msg, mqtt_topic_msg_map,
// mqtt_retain, mqtt_acked.
std::vector<TableSpec> table_specs(const BackendConfig& config);

// CreateTable with the seed's definition: ProvisionedThroughput from the config (5/5 by
// default) or PAY_PER_REQUEST for billing_mode = on_demand.
dynamo::CreateTableRequest create_table_request(const TableSpec& spec, const BackendConfig& config);

// "" when the existing table has the spec's key schema and key attribute types; otherwise
// what differs, e.g. "key schema is topic (S, HASH), expected clientid (S, HASH)".
std::string schema_difference(const TableSpec& spec, const dynamo::TableDescription& table);

// "clientid (S, HASH), topic (S, RANGE)".
std::string describe_key_schema(const std::vector<dynamo::KeySchemaElement>& keys,
                                const std::vector<dynamo::AttributeDefinition>& attributes);

// Progress lines ("mqtt_msg: created", "warning: ...") for the CLI; may be empty.
using TablesReport = std::function<void(const std::string& line)>;

// Creates the missing tables, accepts existing ones with the same schema, waits until every
// table is ACTIVE and enables TTL where configured (an engine without UpdateTimeToLive only
// gives a warning). The error names the table; a table with another schema is an error
// (type "SchemaMismatch").
dynamo::awaitable<dynamo::Result<bool>> create_tables(dynamo::Client client, BackendConfig config,
                                                      TablesReport report);

struct TableStatus {
  TableSpec spec;
  bool exists = false;
  dynamo::TableDescription description;  // when exists
  std::string difference;                // schema_difference, when exists
};
dynamo::awaitable<dynamo::Result<std::vector<TableStatus>>> table_status(dynamo::Client client,
                                                                         BackendConfig config);

// Deletes the six tables (absent ones are fine) and waits until they are gone.
dynamo::awaitable<dynamo::Result<bool>> delete_tables(dynamo::Client client, BackendConfig config,
                                                      TablesReport report);

}  // namespace dynamq::storage

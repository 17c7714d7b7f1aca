// The six tables and `dynamq tables` operations on them. Every wait polls DescribeTable with
// a deadline (tables become ACTIVE at once on local engines, in seconds to minutes on AWS).
#include "storage/tables.hpp"

#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>

namespace dynamq::storage {
namespace {

using dynamo::AttributeDefinition;
using dynamo::awaitable;
using dynamo::Error;
using dynamo::KeySchemaElement;
using dynamo::KeyType;
using dynamo::Result;

constexpr auto kPollInterval = std::chrono::milliseconds(100);
constexpr auto kWaitLimit = std::chrono::minutes(10);

TableSpec spec(std::string seed_name, std::string name, std::string hash,
               std::optional<std::string> range) {
  TableSpec t{std::move(seed_name), std::move(name), {}, {}, false};
  t.attributes.push_back({hash, "S"});
  t.key_schema.push_back({hash, KeyType::Hash});
  if (range) {
    t.attributes.push_back({*range, "S"});
    t.key_schema.push_back({*range, KeyType::Range});
  }
  return t;
}

std::string type_of(const std::string& name, const std::vector<AttributeDefinition>& attributes) {
  for (const auto& a : attributes) {
    if (a.name == name) return a.type;
  }
  return "?";
}

Error schema_mismatch(const TableSpec& spec, const std::string& difference) {
  return Error{"SchemaMismatch",
               "table " + spec.name + " exists with another schema: " + difference +
                   " (delete it or configure another name with backend.dynamo.table." +
                   spec.seed_name + ")",
               0, false};
}

// Requests are built as named locals, never as braced temporaries inside a co_await
// expression: GCC 12 relocates such temporaries in the coroutine frame and frees an SSO
// string buffer (seen with valgrind as an invalid free).
awaitable<Result<dynamo::DescribeTableResponse>> describe(const dynamo::Client& client,
                                                          std::string name) {
  dynamo::DescribeTableRequest req{std::move(name)};
  auto out = co_await client.describe_table(std::move(req));
  co_return out;
}

awaitable<void> pause(std::chrono::milliseconds d) {
  boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor, d);
  co_await timer.async_wait(dynamo::use_awaitable);
}

// Polls until the table is ACTIVE (gone == false) or does not exist (gone == true).
awaitable<Result<bool>> wait_for(const dynamo::Client& client, const std::string& name, bool gone) {
  const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
  while (true) {
    auto d = co_await describe(client, name);
    if (!d.ok()) {
      if (gone && d.error().resource_not_found()) co_return true;
      co_return d.error();
    }
    if (!gone && d->table.table_status == "ACTIVE") co_return true;
    if (std::chrono::steady_clock::now() > deadline) {
      co_return Error{Error::kTimeout,
                      "table " + name + " is still " + d->table.table_status + " after 10 min", 0,
                      false};
    }
    co_await pause(kPollInterval);
  }
}

bool unknown_operation(const Error& e) {
  return e.type.find("UnknownOperation") != std::string::npos;
}

// Enables TTL on `attribute` unless it already is. Engines without the operation (dynalite)
// only earn a warning: the tables work, old messages just do not expire by themselves.
awaitable<Result<bool>> enable_ttl(const dynamo::Client& client, const TableSpec& spec,
                                   const std::string& attribute, const TablesReport& report) {
  boost::json::object body{{"TableName", spec.name}};
  auto current =
      co_await client.call("DescribeTimeToLive", boost::json::serialize(body), spec.name);
  if (current.ok()) {
    const auto* d = current->as_object().if_contains("TimeToLiveDescription");
    const auto* status =
        d && d->is_object() ? d->as_object().if_contains("TimeToLiveStatus") : nullptr;
    const auto* attr = d && d->is_object() ? d->as_object().if_contains("AttributeName") : nullptr;
    if (status && status->is_string() &&
        (status->as_string() == "ENABLED" || status->as_string() == "ENABLING") && attr &&
        attr->is_string() && attr->as_string() == attribute) {
      if (report) report(spec.name + ": TTL on " + attribute + " already enabled");
      co_return true;
    }
  } else if (unknown_operation(current.error())) {
    if (report) {
      report("warning: " + spec.name + ": this engine does not support TTL (" +
             current.error().type + "); items will not expire");
    }
    co_return true;
  }
  dynamo::UpdateTimeToLiveRequest req{spec.name, attribute, true};
  auto r = co_await client.update_time_to_live(std::move(req));
  if (!r.ok()) {
    if (unknown_operation(r.error())) {
      if (report) {
        report("warning: " + spec.name + ": this engine does not support TTL (" + r.error().type +
               "); items will not expire");
      }
      co_return true;
    }
    co_return r.error();
  }
  if (report) report(spec.name + ": TTL enabled on " + attribute);
  co_return true;
}

}  // namespace

std::vector<TableSpec> table_specs(const BackendConfig& config) {
  const auto& n = config.tables;
  std::vector<TableSpec> out;
  out.push_back(spec("mqtt_client", n.client, "clientid", std::nullopt));
  out.push_back(spec("mqtt_sub", n.sub, "clientid", "topic"));
  out.push_back(spec("mqtt_msg", n.msg, "msgid", std::nullopt));
  out.push_back(spec("mqtt_topic_msg_map", n.topic_msg_map, "topic", std::nullopt));
  out.push_back(spec("mqtt_retain", n.retain, "topic", std::nullopt));
  out.push_back(spec("mqtt_acked", n.acked, "topic", "clientid"));
  out[2].ttl = out[3].ttl = config.msg_ttl.has_value();
  return out;
}

dynamo::CreateTableRequest create_table_request(const TableSpec& spec,
                                                const BackendConfig& config) {
  dynamo::CreateTableRequest req;
  req.table_name = spec.name;
  req.attribute_definitions = spec.attributes;
  req.key_schema = spec.key_schema;
  if (config.billing_mode == BillingMode::on_demand) {
    req.billing_mode = dynamo::BillingMode::PayPerRequest;
  } else {
    req.billing_mode = dynamo::BillingMode::Provisioned;
    req.throughput = {config.read_capacity, config.write_capacity};
  }
  return req;
}

std::string describe_key_schema(const std::vector<KeySchemaElement>& keys,
                                const std::vector<AttributeDefinition>& attributes) {
  std::string out;
  for (const auto& k : keys) {
    if (!out.empty()) out += ", ";
    out += k.name + " (" + type_of(k.name, attributes) + ", " +
           (k.key_type == KeyType::Hash ? "HASH" : "RANGE") + ")";
  }
  return out;
}

std::string schema_difference(const TableSpec& spec, const dynamo::TableDescription& table) {
  const auto expected = describe_key_schema(spec.key_schema, spec.attributes);
  const auto actual = describe_key_schema(table.key_schema, table.attribute_definitions);
  if (expected == actual) return "";
  return "key schema is " + actual + ", expected " + expected;
}

awaitable<Result<bool>> create_tables(dynamo::Client client, BackendConfig config,
                                      TablesReport report) {
  const auto specs = table_specs(config);
  for (const auto& spec : specs) {
    auto existing = co_await describe(client, spec.name);
    if (existing.ok()) {
      const auto difference = schema_difference(spec, existing->table);
      if (!difference.empty()) co_return schema_mismatch(spec, difference);
      if (report) report(spec.name + ": exists (" + existing->table.table_status + ")");
    } else if (existing.error().resource_not_found()) {
      auto created = co_await client.create_table(create_table_request(spec, config));
      if (!created.ok()) {
        // Created meanwhile by someone else: check it like an existing table.
        if (!created.error().resource_in_use()) co_return created.error();
        auto again = co_await describe(client, spec.name);
        if (!again.ok()) co_return again.error();
        const auto difference = schema_difference(spec, again->table);
        if (!difference.empty()) co_return schema_mismatch(spec, difference);
      }
      if (report) report(spec.name + ": created");
    } else {
      co_return existing.error();
    }
  }
  for (const auto& spec : specs) {
    auto active = co_await wait_for(client, spec.name, false);
    if (!active.ok()) co_return active.error();
  }
  for (const auto& spec : specs) {
    if (!spec.ttl) continue;
    auto ttl = co_await enable_ttl(client, spec, config.ttl_attribute, report);
    if (!ttl.ok()) co_return ttl.error();
  }
  co_return true;
}

awaitable<Result<std::vector<TableStatus>>> table_status(dynamo::Client client,
                                                         BackendConfig config) {
  std::vector<TableStatus> out;
  for (auto& spec : table_specs(config)) {
    TableStatus status{spec, false, {}, {}};
    auto d = co_await describe(client, spec.name);
    if (d.ok()) {
      status.exists = true;
      status.description = std::move(d->table);
      status.difference = schema_difference(spec, status.description);
    } else if (!d.error().resource_not_found()) {
      co_return d.error();
    }
    out.push_back(std::move(status));
  }
  co_return out;
}

awaitable<Result<bool>> delete_tables(dynamo::Client client, BackendConfig config,
                                      TablesReport report) {
  const auto specs = table_specs(config);
  for (const auto& spec : specs) {
    dynamo::DeleteTableRequest req{spec.name};
    auto r = co_await client.delete_table(std::move(req));
    if (r.ok()) {
      if (report) report(spec.name + ": deleted");
    } else if (r.error().resource_not_found()) {
      if (report) report(spec.name + ": absent");
    } else {
      co_return r.error();
    }
  }
  for (const auto& spec : specs) {
    auto gone = co_await wait_for(client, spec.name, true);
    if (!gone.ok()) co_return gone.error();
  }
  co_return true;
}

}  // namespace dynamq::storage

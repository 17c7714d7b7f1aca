// DynamoDB request JSON -> typed request of dynamq's client -> typed response -> JSON.
// Requests are named locals, never braced temporaries inside a co_await expression: GCC 12
// mishandles those in coroutine frames (an invalid free of an SSO string buffer).
#include "probe_json.hpp"

#include <boost/json.hpp>
#include <stdexcept>

namespace dynamq::probe {
namespace {

namespace json = boost::json;
using namespace dynamo;

struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};

const json::value* field(const json::object& o, std::string_view name) {
  return o.if_contains(name);
}

std::string str(const json::object& o, std::string_view name) {
  const auto* v = field(o, name);
  if (v == nullptr || !v->is_string()) throw BadInput("missing string " + std::string(name));
  return std::string(v->as_string());
}

std::optional<std::string> opt_str(const json::object& o, std::string_view name) {
  const auto* v = field(o, name);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) throw BadInput(std::string(name) + " must be a string");
  return std::string(v->as_string());
}

bool flag(const json::object& o, std::string_view name, bool fallback) {
  const auto* v = field(o, name);
  return v != nullptr && v->is_bool() ? v->as_bool() : fallback;
}

Item item(const json::value& v, std::string_view what) {
  std::string why;
  auto parsed = item_from_json(v, &why);
  if (!parsed) throw BadInput(std::string(what) + ": " + why);
  return std::move(*parsed);
}

Item item_field(const json::object& o, std::string_view name) {
  const auto* v = field(o, name);
  if (v == nullptr) throw BadInput("missing " + std::string(name));
  return item(*v, name);
}

ExpressionNames names(const json::object& o) {
  ExpressionNames out;
  if (const auto* v = field(o, "ExpressionAttributeNames")) {
    for (const auto& [k, n] : v->as_object()) out[std::string(k)] = std::string(n.as_string());
  }
  return out;
}

ExpressionValues values(const json::object& o) {
  ExpressionValues out;
  if (const auto* v = field(o, "ExpressionAttributeValues")) {
    for (const auto& [k, a] : v->as_object()) {
      std::string why;
      auto parsed = attribute_from_json(a, &why);
      if (!parsed) throw BadInput("ExpressionAttributeValues " + std::string(k) + ": " + why);
      out.emplace(std::string(k), std::move(*parsed));
    }
  }
  return out;
}

ReturnValues return_values(const json::object& o) {
  const auto r = opt_str(o, "ReturnValues").value_or("NONE");
  if (r == "NONE") return ReturnValues::None;
  if (r == "ALL_OLD") return ReturnValues::AllOld;
  if (r == "UPDATED_OLD") return ReturnValues::UpdatedOld;
  if (r == "ALL_NEW") return ReturnValues::AllNew;
  if (r == "UPDATED_NEW") return ReturnValues::UpdatedNew;
  throw BadInput("unknown ReturnValues " + r);
}

json::object error_json(const Error& e) {
  return {{"ok", false},
          {"error",
           {{"type", e.type},
            {"message", e.message},
            {"http_status", e.http_status},
            {"retryable", e.retryable}}}};
}

json::object ok(json::object result) {
  return {{"ok", true}, {"result", std::move(result)}};
}

json::array items_json(const std::vector<Item>& items) {
  json::array out;
  for (const auto& i : items) out.push_back(to_json(i));
  return out;
}

json::object writes_json(const std::map<std::string, std::vector<WriteRequest>>& writes) {
  json::object out;
  for (const auto& [table, list] : writes) {
    json::array a;
    for (const auto& w : list) {
      if (const auto* put = std::get_if<PutRequest>(&w)) {
        a.push_back(json::object{{"PutRequest", json::object{{"Item", to_json(put->item)}}}});
      } else {
        a.push_back(json::object{
            {"DeleteRequest", json::object{{"Key", to_json(std::get<DeleteRequest>(w).key)}}}});
      }
    }
    out[table] = std::move(a);
  }
  return out;
}

awaitable<json::object> dispatch(const Client& client, const std::string& op,
                                 const json::object& o) {
  if (op == "PutItem") {
    PutItemRequest r{
        str(o, "TableName"), item_field(o, "Item"), opt_str(o, "ConditionExpression"), names(o),
        values(o),           return_values(o)};
    auto out = co_await client.put_item(std::move(r));
    if (!out.ok()) co_return error_json(out.error());
    co_return ok({{"Attributes", to_json(out->attributes)}});
  }
  if (op == "GetItem") {
    GetItemRequest r{str(o, "TableName"), item_field(o, "Key"), flag(o, "ConsistentRead", false),
                     opt_str(o, "ProjectionExpression"), names(o)};
    auto out = co_await client.get_item(std::move(r));
    if (!out.ok()) co_return error_json(out.error());
    json::object result;
    if (out->item) result["Item"] = to_json(*out->item);
    co_return ok(std::move(result));
  }
  if (op == "UpdateItem") {
    UpdateItemRequest r{str(o, "TableName"),
                        item_field(o, "Key"),
                        str(o, "UpdateExpression"),
                        opt_str(o, "ConditionExpression"),
                        names(o),
                        values(o),
                        return_values(o)};
    auto out = co_await client.update_item(std::move(r));
    if (!out.ok()) co_return error_json(out.error());
    co_return ok({{"Attributes", to_json(out->attributes)}});
  }
  if (op == "DeleteItem") {
    DeleteItemRequest r{
        str(o, "TableName"), item_field(o, "Key"), opt_str(o, "ConditionExpression"), names(o),
        values(o),           return_values(o)};
    auto out = co_await client.delete_item(std::move(r));
    if (!out.ok()) co_return error_json(out.error());
    co_return ok({{"Attributes", to_json(out->attributes)}});
  }
  if (op == "Query" || op == "Scan") {
    Result<QueryResponse> out = Error{};
    if (op == "Query") {
      QueryRequest r;
      r.table_name = str(o, "TableName");
      r.key_condition_expression = str(o, "KeyConditionExpression");
      r.filter_expression = opt_str(o, "FilterExpression");
      r.projection_expression = opt_str(o, "ProjectionExpression");
      r.names = names(o);
      r.values = values(o);
      r.consistent_read = flag(o, "ConsistentRead", false);
      r.scan_index_forward = flag(o, "ScanIndexForward", true);
      if (const auto* l = field(o, "Limit")) r.limit = static_cast<int>(l->to_number<int64_t>());
      out = co_await client.query_all(std::move(r));
    } else {
      ScanRequest r;
      r.table_name = str(o, "TableName");
      r.filter_expression = opt_str(o, "FilterExpression");
      r.projection_expression = opt_str(o, "ProjectionExpression");
      r.names = names(o);
      r.values = values(o);
      r.consistent_read = flag(o, "ConsistentRead", false);
      if (const auto* l = field(o, "Limit")) r.limit = static_cast<int>(l->to_number<int64_t>());
      out = co_await client.scan_all(std::move(r));
    }
    if (!out.ok()) co_return error_json(out.error());
    co_return ok({{"Items", items_json(out->items)},
                  {"Count", out->count},
                  {"ScannedCount", out->scanned_count}});
  }
  if (op == "BatchWriteItem") {
    BatchWriteItemRequest r;
    for (const auto& [table, list] : o.at("RequestItems").as_object()) {
      auto& writes = r.request_items[std::string(table)];
      for (const auto& w : list.as_array()) {
        const auto& wo = w.as_object();
        if (const auto* put = wo.if_contains("PutRequest")) {
          writes.push_back(PutRequest{item_field(put->as_object(), "Item")});
        } else {
          writes.push_back(DeleteRequest{item_field(wo.at("DeleteRequest").as_object(), "Key")});
        }
      }
    }
    auto out = co_await client.batch_write_all(std::move(r));
    if (!out.ok()) co_return error_json(out.error());
    co_return ok({{"UnprocessedItems", writes_json(out->unprocessed_items)}});
  }
  if (op == "BatchGetItem") {
    BatchGetItemRequest r;
    for (const auto& [table, spec] : o.at("RequestItems").as_object()) {
      KeysAndAttributes k;
      for (const auto& key : spec.at("Keys").as_array()) k.keys.push_back(item(key, "Keys"));
      k.consistent_read = flag(spec.as_object(), "ConsistentRead", false);
      r.request_items[std::string(table)] = std::move(k);
    }
    auto out = co_await client.batch_get_all(std::move(r));
    if (!out.ok()) co_return error_json(out.error());
    json::object responses;
    for (const auto& [table, items] : out->responses) responses[table] = items_json(items);
    co_return ok(
        {{"Responses", std::move(responses)}, {"UnprocessedCount", out->unprocessed_count()}});
  }
  if (op == "ListTables") {
    ListTablesRequest req;  // named: see the note at the top of the file
    auto out = co_await client.list_tables(std::move(req));
    if (!out.ok()) co_return error_json(out.error());
    json::array names_out;
    for (const auto& n : out->table_names) names_out.push_back(json::string(n));
    co_return ok({{"TableNames", std::move(names_out)}});
  }
  if (op == "DescribeTable") {
    DescribeTableRequest req{str(o, "TableName")};
    auto out = co_await client.describe_table(std::move(req));
    if (!out.ok()) co_return error_json(out.error());
    co_return ok({{"TableStatus", out->table.table_status}, {"ItemCount", out->table.item_count}});
  }
  json::object body = o;
  body.erase("op");
  auto out = co_await client.call(op, json::serialize(body));
  if (!out.ok()) co_return error_json(out.error());
  co_return ok(out->is_object() ? out->as_object() : json::object{{"value", *out}});
}

}  // namespace

awaitable<json::object> run_request(Client client, json::value request) {
  try {
    if (!request.is_object()) throw BadInput("a request must be a JSON object");
    const auto& o = request.as_object();
    co_return co_await dispatch(client, str(o, "op"), o);
  } catch (const std::exception& e) {
    // BadInput, or Boost.JSON's at()/as_*() on a body of the wrong shape.
    co_return error_json(Error{"ProbeInput", e.what(), 0, false});
  }
}

}  // namespace dynamq::probe

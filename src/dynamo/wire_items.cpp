// Item, Query and Scan request/response bodies.
#include "dynamo/wire.hpp"
#include "dynamo/wire_common.hpp"

namespace dynamq::dynamo::wire {
namespace bj = boost::json;
namespace {

void write_return_values(json::ObjectWriter& w, ReturnValues r) {
  if (r != ReturnValues::None) w.string("ReturnValues", to_string(r));
}

std::string_view select_name(Select s) {
  switch (s) {
    case Select::AllAttributes:
      return "ALL_ATTRIBUTES";
    case Select::AllProjectedAttributes:
      return "ALL_PROJECTED_ATTRIBUTES";
    case Select::SpecificAttributes:
      return "SPECIFIC_ATTRIBUTES";
    case Select::Count:
      return "COUNT";
    case Select::Default:
      break;
  }
  return {};
}

bool read_attributes(const bj::value& v, Item& out, std::string* why) {
  const bj::object* o = v.if_object();
  if (o == nullptr) return fail(why, "body is not an object");
  std::optional<Item> item;
  if (!read_item_member(*o, "Attributes", item, why)) return false;
  if (item) out = std::move(*item);
  return true;
}

}  // namespace

std::string encode(const PutItemRequest& r) {
  std::string out;
  out.reserve(128);
  {
    json::ObjectWriter w(out);
    w.string("TableName", r.table_name);
    json::write_item(w.key("Item"), r.item);
    write_optional(w, "ConditionExpression", r.condition_expression);
    write_expression_attributes(w, r.names, r.values);
    write_return_values(w, r.return_values);
  }
  return out;
}

std::string encode(const GetItemRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    w.string("TableName", r.table_name);
    json::write_item(w.key("Key"), r.key);
    if (r.consistent_read) w.boolean("ConsistentRead", true);
    write_optional(w, "ProjectionExpression", r.projection_expression);
    write_names(w, r.names);
  }
  return out;
}

std::string encode(const UpdateItemRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    w.string("TableName", r.table_name);
    json::write_item(w.key("Key"), r.key);
    w.string("UpdateExpression", r.update_expression);
    write_optional(w, "ConditionExpression", r.condition_expression);
    write_expression_attributes(w, r.names, r.values);
    write_return_values(w, r.return_values);
  }
  return out;
}

std::string encode(const DeleteItemRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    w.string("TableName", r.table_name);
    json::write_item(w.key("Key"), r.key);
    write_optional(w, "ConditionExpression", r.condition_expression);
    write_expression_attributes(w, r.names, r.values);
    write_return_values(w, r.return_values);
  }
  return out;
}

std::string encode(const QueryRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    w.string("TableName", r.table_name);
    write_optional(w, "IndexName", r.index_name);
    w.string("KeyConditionExpression", r.key_condition_expression);
    write_optional(w, "FilterExpression", r.filter_expression);
    write_optional(w, "ProjectionExpression", r.projection_expression);
    write_expression_attributes(w, r.names, r.values);
    if (r.limit) w.integer("Limit", *r.limit);
    if (r.consistent_read) w.boolean("ConsistentRead", true);
    if (!r.scan_index_forward) w.boolean("ScanIndexForward", false);
    if (r.select != Select::Default) w.string("Select", select_name(r.select));
    if (r.exclusive_start_key) json::write_item(w.key("ExclusiveStartKey"), *r.exclusive_start_key);
  }
  return out;
}

std::string encode(const ScanRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    w.string("TableName", r.table_name);
    write_optional(w, "IndexName", r.index_name);
    write_optional(w, "FilterExpression", r.filter_expression);
    write_optional(w, "ProjectionExpression", r.projection_expression);
    write_expression_attributes(w, r.names, r.values);
    if (r.limit) w.integer("Limit", *r.limit);
    if (r.consistent_read) w.boolean("ConsistentRead", true);
    if (r.select != Select::Default) w.string("Select", select_name(r.select));
    if (r.segment) w.integer("Segment", *r.segment);
    if (r.total_segments) w.integer("TotalSegments", *r.total_segments);
    if (r.exclusive_start_key) json::write_item(w.key("ExclusiveStartKey"), *r.exclusive_start_key);
  }
  return out;
}

bool decode(const bj::value& v, PutItemResponse& out, std::string* why) {
  return read_attributes(v, out.attributes, why);
}
bool decode(const bj::value& v, UpdateItemResponse& out, std::string* why) {
  return read_attributes(v, out.attributes, why);
}
bool decode(const bj::value& v, DeleteItemResponse& out, std::string* why) {
  return read_attributes(v, out.attributes, why);
}

bool decode(const bj::value& v, GetItemResponse& out, std::string* why) {
  const bj::object* o = v.if_object();
  if (o == nullptr) return fail(why, "body is not an object");
  return read_item_member(*o, "Item", out.item, why);
}

bool decode(const bj::value& v, QueryResponse& out, std::string* why) {
  const bj::object* o = v.if_object();
  if (o == nullptr) return fail(why, "body is not an object");
  if (!read_items_member(*o, "Items", out.items, why)) return false;
  out.count = read_int(*o, "Count", static_cast<std::int64_t>(out.items.size()));
  out.scanned_count = read_int(*o, "ScannedCount", out.count);
  return read_item_member(*o, "LastEvaluatedKey", out.last_evaluated_key, why);
}

}  // namespace dynamq::dynamo::wire

// Control-plane request/response bodies.
#include "dynamo/wire.hpp"
#include "dynamo/wire_common.hpp"

namespace dynamq::dynamo::wire {
namespace bj = boost::json;
namespace {

void write_key_schema(json::ObjectWriter& w, const std::vector<KeySchemaElement>& ks) {
  std::string& out = w.key("KeySchema");
  out += '[';
  for (std::size_t i = 0; i < ks.size(); ++i) {
    if (i) out += ',';
    json::ObjectWriter e(out);
    e.string("AttributeName", ks[i].name);
    e.string("KeyType", ks[i].key_type == KeyType::Hash ? "HASH" : "RANGE");
  }
  out += ']';
}

void write_throughput(json::ObjectWriter& w, const ProvisionedThroughput& t) {
  json::ObjectWriter p(w.key("ProvisionedThroughput"));
  p.integer("ReadCapacityUnits", t.read_capacity_units);
  p.integer("WriteCapacityUnits", t.write_capacity_units);
}

void write_indexes(json::ObjectWriter& w, std::string_view name,
                   const std::vector<SecondaryIndex>& idx, bool provisioned) {
  if (idx.empty()) return;
  std::string& out = w.key(name);
  out += '[';
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (i) out += ',';
    json::ObjectWriter e(out);
    e.string("IndexName", idx[i].name);
    write_key_schema(e, idx[i].key_schema);
    {
      json::ObjectWriter p(e.key("Projection"));
      p.string("ProjectionType", idx[i].projection.type);
      if (!idx[i].projection.non_key_attributes.empty()) {
        std::string& a = p.key("NonKeyAttributes");
        a += '[';
        for (std::size_t k = 0; k < idx[i].projection.non_key_attributes.size(); ++k) {
          if (k) a += ',';
          json::write_string(a, idx[i].projection.non_key_attributes[k]);
        }
        a += ']';
      }
    }
    if (provisioned && idx[i].throughput) write_throughput(e, *idx[i].throughput);
  }
  out += ']';
}

bool read_table(const bj::value& v, TableDescription& t, std::string* why) {
  const bj::object* root = v.if_object();
  if (root == nullptr) return fail(why, "body is not an object");
  // CreateTable/DeleteTable answer "TableDescription", DescribeTable answers "Table".
  const bj::value* tv = root->if_contains("Table");
  if (tv == nullptr) tv = root->if_contains("TableDescription");
  if (tv == nullptr || !tv->is_object()) return fail(why, "no Table/TableDescription object");
  const bj::object& o = tv->get_object();
  t.table_name = read_string(o, "TableName");
  t.table_status = read_string(o, "TableStatus");
  t.table_arn = read_string(o, "TableArn");
  t.item_count = read_int(o, "ItemCount");
  t.table_size_bytes = read_int(o, "TableSizeBytes");
  if (auto* a = o.if_contains("AttributeDefinitions"); a && a->is_array())
    for (const auto& e : a->get_array())
      if (e.is_object())
        t.attribute_definitions.push_back({read_string(e.get_object(), "AttributeName"),
                                           read_string(e.get_object(), "AttributeType")});
  if (auto* a = o.if_contains("KeySchema"); a && a->is_array())
    for (const auto& e : a->get_array())
      if (e.is_object())
        t.key_schema.push_back(
            {read_string(e.get_object(), "AttributeName"),
             read_string(e.get_object(), "KeyType") == "RANGE" ? KeyType::Range : KeyType::Hash});
  if (auto* b = o.if_contains("BillingModeSummary"); b && b->is_object()) {
    std::string mode = read_string(b->get_object(), "BillingMode");
    if (mode == "PAY_PER_REQUEST") t.billing_mode = BillingMode::PayPerRequest;
    if (mode == "PROVISIONED") t.billing_mode = BillingMode::Provisioned;
  }
  if (auto* p = o.if_contains("ProvisionedThroughput"); p && p->is_object())
    t.throughput = ProvisionedThroughput{read_int(p->get_object(), "ReadCapacityUnits"),
                                         read_int(p->get_object(), "WriteCapacityUnits")};
  auto names = [&](std::string_view key, std::vector<std::string>& out) {
    if (auto* a = o.if_contains(key); a && a->is_array())
      for (const auto& e : a->get_array())
        if (e.is_object()) out.push_back(read_string(e.get_object(), "IndexName"));
  };
  names("GlobalSecondaryIndexes", t.global_secondary_index_names);
  names("LocalSecondaryIndexes", t.local_secondary_index_names);
  if (t.table_name.empty()) return fail(why, "table description without TableName");
  return true;
}

}  // namespace

std::string encode(const CreateTableRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    w.string("TableName", r.table_name);
    std::string& a = w.key("AttributeDefinitions");
    a += '[';
    for (std::size_t i = 0; i < r.attribute_definitions.size(); ++i) {
      if (i) a += ',';
      json::ObjectWriter e(a);
      e.string("AttributeName", r.attribute_definitions[i].name);
      e.string("AttributeType", r.attribute_definitions[i].type);
    }
    a += ']';
    write_key_schema(w, r.key_schema);
    bool provisioned = r.billing_mode == BillingMode::Provisioned;
    w.string("BillingMode", provisioned ? "PROVISIONED" : "PAY_PER_REQUEST");
    if (provisioned) write_throughput(w, r.throughput);
    write_indexes(w, "GlobalSecondaryIndexes", r.global_secondary_indexes, provisioned);
    write_indexes(w, "LocalSecondaryIndexes", r.local_secondary_indexes, false);
  }
  return out;
}

std::string encode(const DescribeTableRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    w.string("TableName", r.table_name);
  }
  return out;
}

std::string encode(const DeleteTableRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    w.string("TableName", r.table_name);
  }
  return out;
}

std::string encode(const ListTablesRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    write_optional(w, "ExclusiveStartTableName", r.exclusive_start_table_name);
    if (r.limit) w.integer("Limit", *r.limit);
  }
  return out;
}

std::string encode(const UpdateTimeToLiveRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    w.string("TableName", r.table_name);
    json::ObjectWriter s(w.key("TimeToLiveSpecification"));
    s.string("AttributeName", r.attribute_name);
    s.boolean("Enabled", r.enabled);
  }
  return out;
}

bool decode(const bj::value& v, CreateTableResponse& out, std::string* why) {
  return read_table(v, out.table, why);
}
bool decode(const bj::value& v, DescribeTableResponse& out, std::string* why) {
  return read_table(v, out.table, why);
}
bool decode(const bj::value& v, DeleteTableResponse& out, std::string* why) {
  return read_table(v, out.table, why);
}

bool decode(const bj::value& v, ListTablesResponse& out, std::string* why) {
  const bj::object* o = v.if_object();
  if (o == nullptr) return fail(why, "body is not an object");
  if (auto* a = o->if_contains("TableNames")) {
    if (!a->is_array()) return fail(why, "TableNames is not an array");
    for (const auto& e : a->get_array())
      if (auto* s = e.if_string()) out.table_names.emplace_back(s->data(), s->size());
  }
  if (auto* s = o->if_contains("LastEvaluatedTableName"); s && s->is_string())
    out.last_evaluated_table_name = std::string(s->get_string());
  return true;
}

bool decode(const bj::value& v, UpdateTimeToLiveResponse& out, std::string* why) {
  const bj::object* o = v.if_object();
  if (o == nullptr) return fail(why, "body is not an object");
  auto* s = o->if_contains("TimeToLiveSpecification");
  if (s == nullptr || !s->is_object()) return fail(why, "no TimeToLiveSpecification");
  out.attribute_name = read_string(s->get_object(), "AttributeName");
  if (auto* e = s->get_object().if_contains("Enabled"); e && e->is_bool())
    out.enabled = e->get_bool();
  return true;
}

}  // namespace dynamq::dynamo::wire

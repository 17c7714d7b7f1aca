// BatchWriteItem and BatchGetItem bodies.
#include "dynamo/wire.hpp"
#include "dynamo/wire_common.hpp"

namespace dynamq::dynamo {

std::size_t BatchWriteItemRequest::size() const {
  std::size_t n = 0;
  for (const auto& [t, w] : request_items) n += w.size();
  return n;
}
std::size_t BatchWriteItemResponse::unprocessed_count() const {
  std::size_t n = 0;
  for (const auto& [t, w] : unprocessed_items) n += w.size();
  return n;
}
std::size_t BatchGetItemRequest::size() const {
  std::size_t n = 0;
  for (const auto& [t, k] : request_items) n += k.keys.size();
  return n;
}
std::size_t BatchGetItemResponse::unprocessed_count() const {
  std::size_t n = 0;
  for (const auto& [t, k] : unprocessed_keys) n += k.keys.size();
  return n;
}

namespace wire {
namespace bj = boost::json;
namespace {

void write_keys_and_attributes(std::string& out, const KeysAndAttributes& ka) {
  json::ObjectWriter w(out);
  std::string& k = w.key("Keys");
  k += '[';
  for (std::size_t i = 0; i < ka.keys.size(); ++i) {
    if (i) k += ',';
    json::write_item(k, ka.keys[i]);
  }
  k += ']';
  write_optional(w, "ProjectionExpression", ka.projection_expression);
  write_names(w, ka.names);
  if (ka.consistent_read) w.boolean("ConsistentRead", true);
}

bool read_write_requests(const bj::value& v, std::vector<WriteRequest>& out, std::string* why) {
  const bj::array* a = v.if_array();
  if (a == nullptr) return fail(why, "write requests are not an array");
  for (const auto& e : *a) {
    const bj::object* o = e.if_object();
    if (o == nullptr) return fail(why, "write request is not an object");
    std::string inner;
    if (auto* p = o->if_contains("PutRequest"); p && p->is_object()) {
      auto* item = p->get_object().if_contains("Item");
      auto parsed = item ? item_from_json(*item, &inner) : std::nullopt;
      if (!parsed) return fail(why, "PutRequest.Item: " + inner);
      out.push_back(PutRequest{std::move(*parsed)});
    } else if (auto* d = o->if_contains("DeleteRequest"); d && d->is_object()) {
      auto* key = d->get_object().if_contains("Key");
      auto parsed = key ? item_from_json(*key, &inner) : std::nullopt;
      if (!parsed) return fail(why, "DeleteRequest.Key: " + inner);
      out.push_back(DeleteRequest{std::move(*parsed)});
    } else {
      return fail(why, "write request without PutRequest/DeleteRequest");
    }
  }
  return true;
}

}  // namespace

std::string encode(const BatchWriteItemRequest& r) {
  std::string out;
  out.reserve(64 + r.size() * 128);
  {
    json::ObjectWriter w(out);
    json::ObjectWriter tables(w.key("RequestItems"));
    for (const auto& [table, writes] : r.request_items) {
      std::string& a = tables.key(table);
      a += '[';
      bool first = true;
      for (const auto& wr : writes) {
        if (!first) a += ',';
        first = false;
        if (auto* p = std::get_if<PutRequest>(&wr)) {
          a += "{\"PutRequest\":{\"Item\":";
          json::write_item(a, p->item);
        } else {
          a += "{\"DeleteRequest\":{\"Key\":";
          json::write_item(a, std::get<DeleteRequest>(wr).key);
        }
        a += "}}";
      }
      a += ']';
    }
  }
  return out;
}

std::string encode(const BatchGetItemRequest& r) {
  std::string out;
  {
    json::ObjectWriter w(out);
    json::ObjectWriter tables(w.key("RequestItems"));
    for (const auto& [table, ka] : r.request_items)
      write_keys_and_attributes(tables.key(table), ka);
  }
  return out;
}

bool decode(const bj::value& v, BatchWriteItemResponse& out, std::string* why) {
  const bj::object* o = v.if_object();
  if (o == nullptr) return fail(why, "body is not an object");
  auto* u = o->if_contains("UnprocessedItems");
  if (u == nullptr || u->is_null()) return true;
  if (!u->is_object()) return fail(why, "UnprocessedItems is not an object");
  for (const auto& [table, writes] : u->get_object()) {
    std::vector<WriteRequest> list;
    if (!read_write_requests(writes, list, why)) return false;
    if (!list.empty()) out.unprocessed_items[std::string(table)] = std::move(list);
  }
  return true;
}

bool decode(const bj::value& v, BatchGetItemResponse& out, std::string* why) {
  const bj::object* o = v.if_object();
  if (o == nullptr) return fail(why, "body is not an object");
  if (auto* r = o->if_contains("Responses"); r && r->is_object()) {
    for (const auto& [table, items] : r->get_object()) {
      auto& dest = out.responses[std::string(table)];
      bj::object wrapper;  // reuse the array reader, which reads a member
      wrapper["Items"] = items;
      if (!read_items_member(wrapper, "Items", dest, why)) return false;
    }
  }
  if (auto* u = o->if_contains("UnprocessedKeys"); u && u->is_object()) {
    for (const auto& [table, ka] : u->get_object()) {
      const bj::object* kao = ka.if_object();
      if (kao == nullptr) return fail(why, "UnprocessedKeys entry is not an object");
      KeysAndAttributes dest;
      if (!read_items_member(*kao, "Keys", dest.keys, why)) return false;
      if (auto* p = kao->if_contains("ProjectionExpression"); p && p->is_string())
        dest.projection_expression = std::string(p->get_string());
      if (auto* n = kao->if_contains("ExpressionAttributeNames"); n && n->is_object())
        for (const auto& [k, val] : n->get_object())
          if (val.is_string()) dest.names[std::string(k)] = std::string(val.get_string());
      if (auto* c = kao->if_contains("ConsistentRead"); c && c->is_bool())
        dest.consistent_read = c->get_bool();
      if (!dest.keys.empty()) out.unprocessed_keys[std::string(table)] = std::move(dest);
    }
  }
  return true;
}

}  // namespace wire
}  // namespace dynamq::dynamo

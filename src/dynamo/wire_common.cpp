#include "dynamo/wire_common.hpp"

#include "dynamo/wire.hpp"

namespace dynamq::dynamo {

std::string_view to_string(ReturnValues r) {
  switch (r) {
    case ReturnValues::None:
      return "NONE";
    case ReturnValues::AllOld:
      return "ALL_OLD";
    case ReturnValues::UpdatedOld:
      return "UPDATED_OLD";
    case ReturnValues::AllNew:
      return "ALL_NEW";
    case ReturnValues::UpdatedNew:
      return "UPDATED_NEW";
  }
  return "NONE";
}

namespace wire {
namespace bj = boost::json;

void write_names(json::ObjectWriter& w, const ExpressionNames& names) {
  if (names.empty()) return;
  json::ObjectWriter m(w.key("ExpressionAttributeNames"));
  for (const auto& [k, v] : names) m.string(k, v);
}

void write_expression_attributes(json::ObjectWriter& w, const ExpressionNames& names,
                                 const ExpressionValues& values) {
  write_names(w, names);
  if (values.empty()) return;
  json::write_item(w.key("ExpressionAttributeValues"), values);
}

bool read_item_member(const bj::object& o, std::string_view key, std::optional<Item>& out,
                      std::string* why) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return true;
  std::string inner;
  auto item = item_from_json(it->value(), &inner);
  if (!item) return fail(why, std::string(key) + ": " + inner);
  out = std::move(*item);
  return true;
}

bool read_items_member(const bj::object& o, std::string_view key, std::vector<Item>& out,
                       std::string* why) {
  auto it = o.find(key);
  if (it == o.end()) return true;
  const bj::array* a = it->value().if_array();
  if (a == nullptr) return fail(why, std::string(key) + " is not an array");
  out.reserve(out.size() + a->size());
  for (const auto& e : *a) {
    std::string inner;
    auto item = item_from_json(e, &inner);
    if (!item) return fail(why, std::string(key) + ": " + inner);
    out.push_back(std::move(*item));
  }
  return true;
}

std::int64_t read_int(const bj::object& o, std::string_view key, std::int64_t dflt) {
  auto it = o.find(key);
  if (it == o.end()) return dflt;
  if (auto* i = it->value().if_int64()) return *i;
  if (auto* u = it->value().if_uint64()) return static_cast<std::int64_t>(*u);
  if (auto* d = it->value().if_double()) return static_cast<std::int64_t>(*d);
  return dflt;
}

std::string read_string(const bj::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (auto* s = it->value().if_string()) return std::string(s->data(), s->size());
  return {};
}

template <class Response>
Result<Response> decode_body(std::string_view body) {
  bj::error_code ec;
  // The DOM only lives until the typed response is built: a monotonic arena makes parsing
  // cheaper and frees it in one go.
  bj::monotonic_resource arena;
  bj::value v = bj::parse(body.empty() ? std::string_view("{}") : body, ec, &arena);
  if (ec)
    return Error{Error::kBadResponse, "response body is not JSON: " + ec.message(), 200, false};
  Response out;
  std::string why;
  if (!decode(v, out, &why))
    return Error{Error::kBadResponse, "unexpected response: " + why, 200, false};
  return out;
}

template Result<CreateTableResponse> decode_body(std::string_view);
template Result<DescribeTableResponse> decode_body(std::string_view);
template Result<DeleteTableResponse> decode_body(std::string_view);
template Result<ListTablesResponse> decode_body(std::string_view);
template Result<UpdateTimeToLiveResponse> decode_body(std::string_view);
template Result<PutItemResponse> decode_body(std::string_view);
template Result<GetItemResponse> decode_body(std::string_view);
template Result<UpdateItemResponse> decode_body(std::string_view);
template Result<DeleteItemResponse> decode_body(std::string_view);
template Result<QueryResponse> decode_body(std::string_view);
template Result<BatchWriteItemResponse> decode_body(std::string_view);
template Result<BatchGetItemResponse> decode_body(std::string_view);

}  // namespace wire
}  // namespace dynamq::dynamo

// Helpers shared by the wire_*.cpp codecs. Internal to dynamo/.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "dynamo/expressions.hpp"
#include "dynamo/json_writer.hpp"

namespace dynamq::dynamo::wire {

inline void write_optional(json::ObjectWriter& w, std::string_view name,
                           const std::optional<std::string>& v) {
  if (v) w.string(name, *v);
}

// ExpressionAttributeNames / ExpressionAttributeValues, omitted when empty (the service rejects
// empty maps).
void write_expression_attributes(json::ObjectWriter& w, const ExpressionNames& names,
                                 const ExpressionValues& values);
void write_names(json::ObjectWriter& w, const ExpressionNames& names);

inline bool fail(std::string* why, std::string msg) {
  if (why) *why = std::move(msg);
  return false;
}

// Reads an optional Item member ("Attributes", "Item", "LastEvaluatedKey").
bool read_item_member(const boost::json::object& o, std::string_view key, std::optional<Item>& out,
                      std::string* why);
// Reads an optional array-of-items member ("Items").
bool read_items_member(const boost::json::object& o, std::string_view key, std::vector<Item>& out,
                       std::string* why);
std::int64_t read_int(const boost::json::object& o, std::string_view key, std::int64_t dflt = 0);
std::string read_string(const boost::json::object& o, std::string_view key);

}  // namespace dynamq::dynamo::wire

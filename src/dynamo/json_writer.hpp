// A minimal append-only JSON writer for request bodies: the hot path (PutItem,
// BatchWriteItem) writes straight into one reused string instead of building a DOM first.
// Internal to dynamo/.
#pragma once

#include <string>
#include <string_view>

#include "dynamo/attribute_value.hpp"

namespace dynamq::dynamo::json {

// Appends `s` as a JSON string literal (quotes included). Bytes >= 0x80 pass through unchanged
// (UTF-8 stays UTF-8); '"', '\\' and control characters are escaped.
void write_string(std::string& out, std::string_view s);
void write_value(std::string& out, const AttributeValue& v);
void write_item(std::string& out, const Item& item);

// Writes an object member-by-member with commas handled.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  ~ObjectWriter() { out_ += '}'; }
  ObjectWriter(const ObjectWriter&) = delete;
  ObjectWriter& operator=(const ObjectWriter&) = delete;

  // Writes `"name":` and returns the buffer for the value.
  std::string& key(std::string_view name) {
    if (!first_) out_ += ',';
    first_ = false;
    write_string(out_, name);
    out_ += ':';
    return out_;
  }
  void string(std::string_view name, std::string_view v) { write_string(key(name), v); }
  void boolean(std::string_view name, bool v) { key(name) += v ? "true" : "false"; }
  void integer(std::string_view name, long long v) { key(name) += std::to_string(v); }

 private:
  std::string& out_;
  bool first_ = true;
};

}  // namespace dynamq::dynamo::json

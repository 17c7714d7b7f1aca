#include "dynamo/attribute_value.hpp"

#include <boost/json.hpp>
#include <charconv>

#include "dynamo/crypto.hpp"
#include "dynamo/json_writer.hpp"

namespace dynamq::dynamo {
namespace bj = boost::json;

std::string_view to_string(AttributeType t) {
  switch (t) {
    case AttributeType::S:
      return "S";
    case AttributeType::N:
      return "N";
    case AttributeType::B:
      return "B";
    case AttributeType::SS:
      return "SS";
    case AttributeType::NS:
      return "NS";
    case AttributeType::BS:
      return "BS";
    case AttributeType::BOOL:
      return "BOOL";
    case AttributeType::NUL:
      return "NULL";
    case AttributeType::M:
      return "M";
    case AttributeType::L:
      return "L";
  }
  return "?";
}

std::optional<std::int64_t> AttributeValue::as_int() const {
  const std::string* t = as_n();
  if (t == nullptr) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(t->data(), t->data() + t->size(), v);
  if (ec != std::errc() || p != t->data() + t->size()) return std::nullopt;
  return v;
}

// ---------- streaming writer ----------
namespace json {

void write_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t run = 0;  // start of the pending unescaped run: copied in one append
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
  }
  out.append(s.data() + run, s.size() - run);
  out += '"';
}

namespace {
void write_strings(std::string& out, const std::vector<std::string>& v, bool base64) {
  out += '[';
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    write_string(out, base64 ? crypto::base64_encode(v[i]) : v[i]);
  }
  out += ']';
}
}  // namespace

void write_value(std::string& out, const AttributeValue& v) {
  out += "{\"";
  out += to_string(v.type());
  out += "\":";
  std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          write_string(out, x);
        } else if constexpr (std::is_same_v<T, AttributeValue::Number>) {
          write_string(out, x.text);
        } else if constexpr (std::is_same_v<T, AttributeValue::Binary>) {
          write_string(out, crypto::base64_encode(x.bytes));
        } else if constexpr (std::is_same_v<T, AttributeValue::StringSet> ||
                             std::is_same_v<T, AttributeValue::NumberSet>) {
          write_strings(out, x.values, false);
        } else if constexpr (std::is_same_v<T, AttributeValue::BinarySet>) {
          write_strings(out, x.values, true);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, AttributeValue::Null>) {
          out += "true";
        } else if constexpr (std::is_same_v<T, Item>) {
          write_item(out, x);
        } else {
          static_assert(std::is_same_v<T, AttributeList>);
          out += '[';
          for (std::size_t i = 0; i < x.size(); ++i) {
            if (i) out += ',';
            write_value(out, x[i]);
          }
          out += ']';
        }
      },
      v.variant());
  out += '}';
}

void write_item(std::string& out, const Item& item) {
  out += '{';
  bool first = true;
  for (const auto& [name, value] : item) {
    if (!first) out += ',';
    first = false;
    write_string(out, name);
    out += ':';
    write_value(out, value);
  }
  out += '}';
}

}  // namespace json

// ---------- DOM ----------
bj::value to_json(const AttributeValue& v) {
  std::string s;
  json::write_value(s, v);
  return bj::parse(s);
}

bj::value to_json(const Item& item) {
  std::string s;
  json::write_item(s, item);
  return bj::parse(s);
}

namespace {

bool fail(std::string* why, std::string msg) {
  if (why) *why = std::move(msg);
  return false;
}

bool strings_from(const bj::value& v, std::vector<std::string>& out, bool base64,
                  std::string_view tag, std::string* why) {
  const bj::array* a = v.if_array();
  if (a == nullptr) return fail(why, std::string(tag) + " is not an array");
  out.reserve(a->size());
  for (const auto& e : *a) {
    const bj::string* s = e.if_string();
    if (s == nullptr) return fail(why, std::string(tag) + " element is not a string");
    if (base64) {
      auto bytes = crypto::base64_decode(*s);
      if (!bytes) return fail(why, std::string(tag) + " element is not valid base64");
      out.push_back(std::move(*bytes));
    } else {
      out.emplace_back(s->data(), s->size());
    }
  }
  return true;
}

}  // namespace

std::optional<AttributeValue> attribute_from_json(const bj::value& v, std::string* why) {
  const bj::object* o = v.if_object();
  if (o == nullptr || o->size() != 1) {
    fail(why, "attribute value must be an object with exactly one type key");
    return std::nullopt;
  }
  const auto& [tag_sv, inner] = *o->begin();
  std::string_view tag = tag_sv;
  auto need_string = [&]() -> const bj::string* {
    const bj::string* s = inner.if_string();
    if (s == nullptr) fail(why, std::string(tag) + " value is not a string");
    return s;
  };
  if (tag == "S") {
    if (auto* s = need_string()) return AttributeValue(std::string(s->data(), s->size()));
  } else if (tag == "N") {
    if (auto* s = need_string()) return AttributeValue::n(std::string(s->data(), s->size()));
  } else if (tag == "B") {
    if (auto* s = need_string()) {
      auto bytes = crypto::base64_decode(*s);
      if (bytes) return AttributeValue::b(std::move(*bytes));
      fail(why, "B value is not valid base64");
    }
  } else if (tag == "SS" || tag == "NS" || tag == "BS") {
    std::vector<std::string> values;
    if (strings_from(inner, values, tag == "BS", tag, why)) {
      if (tag == "SS") return AttributeValue::ss(std::move(values));
      if (tag == "NS") return AttributeValue::ns(std::move(values));
      return AttributeValue::bs(std::move(values));
    }
  } else if (tag == "BOOL") {
    if (inner.is_bool()) return AttributeValue::boolean(inner.get_bool());
    fail(why, "BOOL value is not a boolean");
  } else if (tag == "NULL") {
    if (inner.is_bool()) return AttributeValue::null();
    fail(why, "NULL value is not a boolean");
  } else if (tag == "M") {
    if (auto m = item_from_json(inner, why)) return AttributeValue::m(std::move(*m));
  } else if (tag == "L") {
    const bj::array* a = inner.if_array();
    if (a == nullptr) {
      fail(why, "L value is not an array");
      return std::nullopt;
    }
    AttributeList list;
    list.reserve(a->size());
    for (const auto& e : *a) {
      auto x = attribute_from_json(e, why);
      if (!x) return std::nullopt;
      list.push_back(std::move(*x));
    }
    return AttributeValue::l(std::move(list));
  } else {
    fail(why, "unknown attribute type '" + std::string(tag) + "'");
  }
  return std::nullopt;
}

std::optional<Item> item_from_json(const bj::value& v, std::string* why) {
  const bj::object* o = v.if_object();
  if (o == nullptr) {
    fail(why, "item is not an object");
    return std::nullopt;
  }
  Item item;
  for (const auto& [k, x] : *o) {
    auto a = attribute_from_json(x, why);
    if (!a) {
      if (why) *why = "attribute '" + std::string(k) + "': " + *why;
      return std::nullopt;
    }
    item.emplace_hint(item.end(), std::string(k), std::move(*a));
  }
  return item;
}

}  // namespace dynamq::dynamo

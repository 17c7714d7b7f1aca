// AttributeValue: one DynamoDB value of any of the ten wire types, with an exact round trip to
// and from the DynamoDB JSON form ({"S": "..."}, {"N": "1.5"}, {"B": "<base64>"}, ...).
// Numbers stay strings (DynamoDB numbers have 38 digits; a double would lose them); binary
// values hold raw bytes in a std::string and are base64 only on the wire.
#pragma once

#include <boost/json/fwd.hpp>
#include <concepts>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace dynamq::dynamo {

class AttributeValue;
using Item = std::map<std::string, AttributeValue>;  // also used for keys
using AttributeList = std::vector<AttributeValue>;

enum class AttributeType { S, N, B, SS, NS, BS, BOOL, NUL, M, L };
// "S", "N", ..., "NULL", "M", "L" — the wire tag.
std::string_view to_string(AttributeType t);

class AttributeValue {
 public:
  // Wrapper types keep the variant alternatives distinct (S vs N vs B are all strings).
  struct Number {
    std::string text;
    bool operator==(const Number&) const = default;
  };
  struct Binary {
    std::string bytes;
    bool operator==(const Binary&) const = default;
  };
  struct StringSet {
    std::vector<std::string> values;
    bool operator==(const StringSet&) const = default;
  };
  struct NumberSet {
    std::vector<std::string> values;
    bool operator==(const NumberSet&) const = default;
  };
  struct BinarySet {
    std::vector<std::string> values;  // raw bytes each
    bool operator==(const BinarySet&) const = default;
  };
  struct Null {
    bool operator==(const Null&) const = default;
  };
  // Order matches AttributeType.
  using Variant = std::variant<std::string, Number, Binary, StringSet, NumberSet, BinarySet, bool,
                               Null, Item, AttributeList>;

  AttributeValue() : v_(Null{}) {}  // NULL
  AttributeValue(std::string s) : v_(std::move(s)) {}
  AttributeValue(const char* s) : v_(std::string(s)) {}
  AttributeValue(Number n) : v_(std::move(n)) {}
  AttributeValue(Binary b) : v_(std::move(b)) {}
  AttributeValue(StringSet s) : v_(std::move(s)) {}
  AttributeValue(NumberSet s) : v_(std::move(s)) {}
  AttributeValue(BinarySet s) : v_(std::move(s)) {}
  AttributeValue(Null n) : v_(n) {}
  AttributeValue(Item m) : v_(std::move(m)) {}
  AttributeValue(AttributeList l) : v_(std::move(l)) {}
  // No implicit bool: "abc" must never become BOOL. Use AttributeValue::boolean().

  static AttributeValue s(std::string v) { return AttributeValue(std::move(v)); }
  static AttributeValue n(std::string text) { return AttributeValue(Number{std::move(text)}); }
  template <std::integral I>
  requires(!std::same_as<I, bool>) static AttributeValue n(I v) { return n(std::to_string(v)); }
  static AttributeValue b(std::string bytes) { return AttributeValue(Binary{std::move(bytes)}); }
  static AttributeValue ss(std::vector<std::string> v) {
    return AttributeValue(StringSet{std::move(v)});
  }
  static AttributeValue ns(std::vector<std::string> v) {
    return AttributeValue(NumberSet{std::move(v)});
  }
  static AttributeValue bs(std::vector<std::string> v) {
    return AttributeValue(BinarySet{std::move(v)});
  }
  static AttributeValue boolean(bool v) {
    AttributeValue a;
    a.v_ = v;
    return a;
  }
  static AttributeValue null() { return AttributeValue(); }
  static AttributeValue m(Item v) { return AttributeValue(std::move(v)); }
  static AttributeValue l(AttributeList v) { return AttributeValue(std::move(v)); }

  AttributeType type() const { return static_cast<AttributeType>(v_.index()); }

  // Typed accessors: nullptr when the value has another type.
  const std::string* as_s() const { return std::get_if<std::string>(&v_); }
  const std::string* as_n() const { return get_text<Number>(); }
  const std::string* as_b() const {
    auto* p = std::get_if<Binary>(&v_);
    return p ? &p->bytes : nullptr;
  }
  const std::vector<std::string>* as_ss() const { return get_values<StringSet>(); }
  const std::vector<std::string>* as_ns() const { return get_values<NumberSet>(); }
  const std::vector<std::string>* as_bs() const { return get_values<BinarySet>(); }
  const bool* as_bool() const { return std::get_if<bool>(&v_); }
  bool is_null() const { return std::holds_alternative<Null>(v_); }
  const Item* as_m() const { return std::get_if<Item>(&v_); }
  const AttributeList* as_l() const { return std::get_if<AttributeList>(&v_); }
  // N parsed as an integer; nullopt when not N or not an integer in range.
  std::optional<std::int64_t> as_int() const;

  const Variant& variant() const { return v_; }
  Variant& variant() { return v_; }

  bool operator==(const AttributeValue& o) const { return v_ == o.v_; }

 private:
  template <class W>
  const std::string* get_text() const {
    auto* p = std::get_if<W>(&v_);
    return p ? &p->text : nullptr;
  }
  template <class W>
  const std::vector<std::string>* get_values() const {
    auto* p = std::get_if<W>(&v_);
    return p ? &p->values : nullptr;
  }
  Variant v_;
};

// ---- DynamoDB JSON ----
// Encoding never fails. Decoding returns nullopt and fills *why (when given) on malformed input:
// not an object with exactly one known type tag, bad base64, wrong element types.
boost::json::value to_json(const AttributeValue& v);
boost::json::value to_json(const Item& item);  // {"name": {"S": ...}, ...}
std::optional<AttributeValue> attribute_from_json(const boost::json::value& v,
                                                  std::string* why = nullptr);
std::optional<Item> item_from_json(const boost::json::value& v, std::string* why = nullptr);

}  // namespace dynamq::dynamo

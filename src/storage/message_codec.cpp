#include "storage/message_codec.hpp"

#include "storage/msgid_codec.hpp"

namespace dynamq::storage {

using dynamo::AttributeValue;

bool is_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

dynamo::Item message_item(const broker::Message& m, const ItemOptions& options) {
  dynamo::Item item;
  item["msgid"] = AttributeValue::s(encode_msgid(m.id));
  item["topic"] = AttributeValue::s(m.topic);
  if (!m.sender_client_id.empty()) {
    item["sender"] = AttributeValue::s(m.sender_client_id);
  }
  item["qos"] = AttributeValue::n(static_cast<int>(m.qos));
  item["retain"] = AttributeValue::n(m.retain ? 1 : 0);
  const std::string_view payload = m.payload.view();
  if (payload.empty()) {
    item["payload"] = AttributeValue::null();
  } else if (is_utf8(payload)) {
    item["payload"] = AttributeValue::s(std::string(payload));
  } else {
    item["payload"] = AttributeValue::b(std::string(payload));
  }
  const auto arrived = arrived_seconds(m.id);
  item["arrived"] = AttributeValue::n(arrived);
  if (options.ttl) {
    item[options.ttl_attribute] = AttributeValue::n(arrived + options.ttl->count());
  }
  return item;
}

std::optional<broker::Message> message_from_item(const dynamo::Item& item, std::string* why) {
  auto fail = [why](std::string text) -> std::optional<broker::Message> {
    if (why != nullptr) *why = std::move(text);
    return std::nullopt;
  };
  broker::Message m;
  const auto msgid = item.find("msgid");
  if (msgid == item.end() || msgid->second.as_s() == nullptr) return fail("no msgid (S)");
  const auto id = decode_msgid(*msgid->second.as_s());
  if (!id) return fail("malformed msgid `" + *msgid->second.as_s() + "`");
  m.id = *id;
  const auto topic = item.find("topic");
  if (topic == item.end() || topic->second.as_s() == nullptr || topic->second.as_s()->empty()) {
    return fail("no topic (S)");
  }
  m.topic = *topic->second.as_s();
  if (const auto s = item.find("sender"); s != item.end() && s->second.as_s() != nullptr) {
    m.sender_client_id = *s->second.as_s();
  }
  const auto qos = item.find("qos");
  const auto q = qos == item.end() ? std::nullopt : qos->second.as_int();
  if (!q || *q < 0 || *q > 2) return fail("no qos (N 0..2)");
  m.qos = static_cast<std::uint8_t>(*q);
  if (const auto r = item.find("retain"); r != item.end()) {
    m.retain = r->second.as_int().value_or(0) != 0;
  }
  if (const auto p = item.find("payload"); p != item.end()) {
    if (const auto* s = p->second.as_s()) {
      m.payload = mqtt::Payload(*s);
    } else if (const auto* b = p->second.as_b()) {
      m.payload = mqtt::Payload(*b);
    } else if (!p->second.is_null()) {
      return fail("payload is neither S, B nor NULL");
    }
  }
  return m;
}

namespace {

std::size_t value_size(const AttributeValue& v) {
  using T = dynamo::AttributeType;
  switch (v.type()) {
    case T::S:
      return v.as_s()->size();
    case T::N:
      return v.as_n()->size();
    case T::B:
      return v.as_b()->size();
    case T::SS:
    case T::NS:
    case T::BS: {
      const auto* values = v.type() == T::SS   ? v.as_ss()
                           : v.type() == T::NS ? v.as_ns()
                                               : v.as_bs();
      std::size_t n = 0;
      for (const auto& e : *values) n += e.size();
      return n;
    }
    case T::BOOL:
    case T::NUL:
      return 1;
    case T::M: {
      std::size_t n = 3;
      for (const auto& [k, e] : *v.as_m()) n += k.size() + value_size(e) + 1;
      return n;
    }
    case T::L: {
      std::size_t n = 3;
      for (const auto& e : *v.as_l()) n += value_size(e) + 1;
      return n;
    }
  }
  return 0;
}

}  // namespace

std::size_t item_size(const dynamo::Item& item) {
  std::size_t n = 0;
  for (const auto& [name, value] : item) n += name.size() + value_size(value);
  return n;
}

}  // namespace dynamq::storage

#include "mqtt/property_codec.hpp"

#include <stdexcept>
#include <string>

#include "mqtt/topic.hpp"

namespace dynamq::mqtt::wire {

namespace {

using Ctx = PropertyContext;

constexpr std::uint16_t bit(Ctx c) {
  return static_cast<std::uint16_t>(1U << static_cast<int>(c));
}

constexpr std::uint16_t kAcks = bit(Ctx::puback) | bit(Ctx::suback) | bit(Ctx::unsuback);
constexpr std::uint16_t kAll = 0x7FF;

// Which packet types may carry each property (spec 2.2.2.2, table 2-4).
constexpr std::uint16_t allowed_in(PropertyId id) {
  switch (id) {
    case PropertyId::PayloadFormatIndicator:
    case PropertyId::MessageExpiryInterval:
    case PropertyId::ContentType:
    case PropertyId::ResponseTopic:
    case PropertyId::CorrelationData:
      return bit(Ctx::publish) | bit(Ctx::will);
    case PropertyId::SubscriptionIdentifier:
      return bit(Ctx::publish) | bit(Ctx::subscribe);
    case PropertyId::SessionExpiryInterval:
      return bit(Ctx::connect) | bit(Ctx::connack) | bit(Ctx::disconnect);
    case PropertyId::AssignedClientIdentifier:
    case PropertyId::ServerKeepAlive:
    case PropertyId::ResponseInformation:
    case PropertyId::MaximumQoS:
    case PropertyId::RetainAvailable:
    case PropertyId::WildcardSubscriptionAvailable:
    case PropertyId::SubscriptionIdentifierAvailable:
    case PropertyId::SharedSubscriptionAvailable:
      return bit(Ctx::connack);
    case PropertyId::AuthenticationMethod:
    case PropertyId::AuthenticationData:
      return bit(Ctx::connect) | bit(Ctx::connack) | bit(Ctx::auth);
    case PropertyId::RequestProblemInformation:
    case PropertyId::RequestResponseInformation:
      return bit(Ctx::connect);
    case PropertyId::WillDelayInterval:
      return bit(Ctx::will);
    case PropertyId::ServerReference:
      return bit(Ctx::connack) | bit(Ctx::disconnect);
    case PropertyId::ReasonString:
      return kAcks | bit(Ctx::connack) | bit(Ctx::disconnect) | bit(Ctx::auth);
    case PropertyId::ReceiveMaximum:
    case PropertyId::TopicAliasMaximum:
    case PropertyId::MaximumPacketSize:
      return bit(Ctx::connect) | bit(Ctx::connack);
    case PropertyId::TopicAlias:
      return bit(Ctx::publish);
    case PropertyId::UserProperty:
      return kAll;
  }
  return 0;
}

constexpr bool allowed(PropertyId id, Ctx ctx) {
  return (allowed_in(id) & bit(ctx)) != 0;
}

std::string hex(std::uint32_t v) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string s;
  do {
    s.insert(s.begin(), digits[v & 0xF]);
    v >>= 4;
  } while (v != 0);
  if (s.size() % 2 == 1) s.insert(s.begin(), '0');
  return "0x" + s;
}

std::string_view context_name(Ctx ctx) {
  switch (ctx) {
    case Ctx::connect:
      return "CONNECT";
    case Ctx::will:
      return "will properties";
    case Ctx::connack:
      return "CONNACK";
    case Ctx::publish:
      return "PUBLISH";
    case Ctx::puback:
      return "PUBACK/PUBREC/PUBREL/PUBCOMP";
    case Ctx::subscribe:
      return "SUBSCRIBE";
    case Ctx::suback:
      return "SUBACK";
    case Ctx::unsubscribe:
      return "UNSUBSCRIBE";
    case Ctx::unsuback:
      return "UNSUBACK";
    case Ctx::disconnect:
      return "DISCONNECT";
    case Ctx::auth:
      return "AUTH";
  }
  return "packet";
}

bool duplicate(Reader& r, PropertyId id) {
  return r.fail(ReasonCode::ProtocolError,
                "property " + hex(static_cast<std::uint8_t>(id)) +
                    " included more than once (it is single-valued) (spec 2.2.2.2)");
}

// Reads one value of each data type into an optional, refusing a second occurrence.
template <class T>
bool read_once(Reader& r, PropertyId id, std::optional<T>& field,
               bool (Reader::*read)(T&, std::string_view)) {
  if (field) return duplicate(r, id);
  T v{};
  if (!(r.*read)(v, "property value")) return false;
  field = std::move(v);
  return true;
}

bool read_string_once(Reader& r, PropertyId id, std::optional<std::string>& field, bool utf8) {
  if (field) return duplicate(r, id);
  std::string v;
  if (!(utf8 ? r.utf8(v, "property string") : r.binary(v, "property binary data"))) return false;
  field = std::move(v);
  return true;
}

// A Byte property that may only be 0 or 1.
bool read_flag_once(Reader& r, PropertyId id, std::optional<bool>& field, std::string_view clause) {
  if (field) return duplicate(r, id);
  std::uint8_t v = 0;
  if (!r.u8(v, "property value")) return false;
  if (v > 1) {
    return r.fail(ReasonCode::ProtocolError, "property " + hex(static_cast<std::uint8_t>(id)) +
                                                 " must be 0 or 1 " + std::string(clause));
  }
  field = v == 1;
  return true;
}

bool read_one(Reader& r, PropertyId id, Ctx ctx, Properties& p) {
  using R = Reader;
  switch (id) {
    case PropertyId::PayloadFormatIndicator:
      if (!read_once<std::uint8_t>(r, id, p.payload_format_indicator, &R::u8)) return false;
      if (*p.payload_format_indicator > 1) {
        return r.fail(ReasonCode::ProtocolError, "Payload Format Indicator must be 0 or 1");
      }
      return true;
    case PropertyId::MessageExpiryInterval:
      return read_once<std::uint32_t>(r, id, p.message_expiry_interval, &R::u32);
    case PropertyId::ContentType:
      return read_string_once(r, id, p.content_type, true);
    case PropertyId::ResponseTopic:
      if (!read_string_once(r, id, p.response_topic, true)) return false;
      if (!is_valid_topic_name(*p.response_topic)) {
        return r.fail(ReasonCode::ProtocolError,
                      "Response Topic must be a topic name without wildcards [MQTT-3.3.2-14]");
      }
      return true;
    case PropertyId::CorrelationData:
      return read_string_once(r, id, p.correlation_data, false);
    case PropertyId::SubscriptionIdentifier: {
      if (ctx == Ctx::subscribe && !p.subscription_identifiers.empty()) return duplicate(r, id);
      std::uint32_t v = 0;
      if (!r.vbi(v, "Subscription Identifier")) return false;
      if (v == 0) {
        return r.fail(ReasonCode::ProtocolError, "Subscription Identifier 0 (spec 3.8.2.1.2)");
      }
      p.subscription_identifiers.push_back(v);
      return true;
    }
    case PropertyId::SessionExpiryInterval:
      return read_once<std::uint32_t>(r, id, p.session_expiry_interval, &R::u32);
    case PropertyId::AssignedClientIdentifier:
      return read_string_once(r, id, p.assigned_client_identifier, true);
    case PropertyId::ServerKeepAlive:
      return read_once<std::uint16_t>(r, id, p.server_keep_alive, &R::u16);
    case PropertyId::AuthenticationMethod:
      return read_string_once(r, id, p.authentication_method, true);
    case PropertyId::AuthenticationData:
      return read_string_once(r, id, p.authentication_data, false);
    case PropertyId::RequestProblemInformation:
      return read_flag_once(r, id, p.request_problem_information, "(spec 3.1.2.11.7)");
    case PropertyId::WillDelayInterval:
      return read_once<std::uint32_t>(r, id, p.will_delay_interval, &R::u32);
    case PropertyId::RequestResponseInformation:
      return read_flag_once(r, id, p.request_response_information, "(spec 3.1.2.11.6)");
    case PropertyId::ResponseInformation:
      return read_string_once(r, id, p.response_information, true);
    case PropertyId::ServerReference:
      return read_string_once(r, id, p.server_reference, true);
    case PropertyId::ReasonString:
      return read_string_once(r, id, p.reason_string, true);
    case PropertyId::ReceiveMaximum:
      if (!read_once<std::uint16_t>(r, id, p.receive_maximum, &R::u16)) return false;
      if (*p.receive_maximum == 0) {
        return r.fail(ReasonCode::ProtocolError, "Receive Maximum 0 (spec 3.1.2.11.3)");
      }
      return true;
    case PropertyId::TopicAliasMaximum:
      return read_once<std::uint16_t>(r, id, p.topic_alias_maximum, &R::u16);
    case PropertyId::TopicAlias:
      if (!read_once<std::uint16_t>(r, id, p.topic_alias, &R::u16)) return false;
      if (*p.topic_alias == 0) {
        return r.fail(ReasonCode::TopicAliasInvalid, "Topic Alias 0 [MQTT-3.3.2-8]");
      }
      return true;
    case PropertyId::MaximumQoS:
      if (!read_once<std::uint8_t>(r, id, p.maximum_qos, &R::u8)) return false;
      if (*p.maximum_qos > 1) {
        return r.fail(ReasonCode::ProtocolError, "Maximum QoS must be 0 or 1 (spec 3.2.2.3.4)");
      }
      return true;
    case PropertyId::RetainAvailable:
      return read_flag_once(r, id, p.retain_available, "(spec 3.2.2.3.5)");
    case PropertyId::UserProperty: {
      UserProperty up;
      if (!r.utf8(up.first, "User Property name") || !r.utf8(up.second, "User Property value")) {
        return false;
      }
      p.user_properties.push_back(std::move(up));
      return true;
    }
    case PropertyId::MaximumPacketSize:
      if (!read_once<std::uint32_t>(r, id, p.maximum_packet_size, &R::u32)) return false;
      if (*p.maximum_packet_size == 0) {
        return r.fail(ReasonCode::ProtocolError, "Maximum Packet Size 0 (spec 3.1.2.11.4)");
      }
      return true;
    case PropertyId::WildcardSubscriptionAvailable:
      return read_flag_once(r, id, p.wildcard_subscription_available, "(spec 3.2.2.3.11)");
    case PropertyId::SubscriptionIdentifierAvailable:
      return read_flag_once(r, id, p.subscription_identifier_available, "(spec 3.2.2.3.12)");
    case PropertyId::SharedSubscriptionAvailable:
      return read_flag_once(r, id, p.shared_subscription_available, "(spec 3.2.2.3.13)");
  }
  return false;  // unreachable: ids are checked against the table first
}

// Value kinds as written on the wire.
struct Vbi {
  std::uint32_t v;
};
struct Str {
  std::string_view v;
};

// Calls f(id, value) for each property present, in identifier order.
template <class F>
void for_each_property(const Properties& p, F&& f) {
  using I = PropertyId;
  if (p.payload_format_indicator) f(I::PayloadFormatIndicator, *p.payload_format_indicator);
  if (p.message_expiry_interval) f(I::MessageExpiryInterval, *p.message_expiry_interval);
  if (p.content_type) f(I::ContentType, Str{*p.content_type});
  if (p.response_topic) f(I::ResponseTopic, Str{*p.response_topic});
  if (p.correlation_data) f(I::CorrelationData, Str{*p.correlation_data});
  for (const std::uint32_t id : p.subscription_identifiers) f(I::SubscriptionIdentifier, Vbi{id});
  if (p.session_expiry_interval) f(I::SessionExpiryInterval, *p.session_expiry_interval);
  if (p.assigned_client_identifier) {
    f(I::AssignedClientIdentifier, Str{*p.assigned_client_identifier});
  }
  if (p.server_keep_alive) f(I::ServerKeepAlive, *p.server_keep_alive);
  if (p.authentication_method) f(I::AuthenticationMethod, Str{*p.authentication_method});
  if (p.authentication_data) f(I::AuthenticationData, Str{*p.authentication_data});
  if (p.request_problem_information) {
    f(I::RequestProblemInformation, std::uint8_t{*p.request_problem_information});
  }
  if (p.will_delay_interval) f(I::WillDelayInterval, *p.will_delay_interval);
  if (p.request_response_information) {
    f(I::RequestResponseInformation, std::uint8_t{*p.request_response_information});
  }
  if (p.response_information) f(I::ResponseInformation, Str{*p.response_information});
  if (p.server_reference) f(I::ServerReference, Str{*p.server_reference});
  if (p.reason_string) f(I::ReasonString, Str{*p.reason_string});
  if (p.receive_maximum) f(I::ReceiveMaximum, *p.receive_maximum);
  if (p.topic_alias_maximum) f(I::TopicAliasMaximum, *p.topic_alias_maximum);
  if (p.topic_alias) f(I::TopicAlias, *p.topic_alias);
  if (p.maximum_qos) f(I::MaximumQoS, *p.maximum_qos);
  if (p.retain_available) f(I::RetainAvailable, std::uint8_t{*p.retain_available});
  for (const auto& [name, value] : p.user_properties) {
    f(I::UserProperty, std::pair<Str, Str>{Str{name}, Str{value}});
  }
  if (p.maximum_packet_size) f(I::MaximumPacketSize, *p.maximum_packet_size);
  if (p.wildcard_subscription_available) {
    f(I::WildcardSubscriptionAvailable, std::uint8_t{*p.wildcard_subscription_available});
  }
  if (p.subscription_identifier_available) {
    f(I::SubscriptionIdentifierAvailable, std::uint8_t{*p.subscription_identifier_available});
  }
  if (p.shared_subscription_available) {
    f(I::SharedSubscriptionAvailable, std::uint8_t{*p.shared_subscription_available});
  }
}

std::size_t str_size(Str s) {
  if (s.v.size() > 65'535) throw std::invalid_argument("mqtt: property string over 65535 bytes");
  return 2 + s.v.size();
}

struct SizeOf {
  std::size_t operator()(std::uint8_t) const { return 1; }
  std::size_t operator()(std::uint16_t) const { return 2; }
  std::size_t operator()(std::uint32_t) const { return 4; }
  std::size_t operator()(Vbi v) const {
    if (v.v > kMaxVbi) throw std::invalid_argument("mqtt: subscription identifier too large");
    return vbi_size(v.v);
  }
  std::size_t operator()(Str s) const { return str_size(s); }
  std::size_t operator()(const std::pair<Str, Str>& kv) const {
    return str_size(kv.first) + str_size(kv.second);
  }
};

struct WriteTo {
  Writer& w;
  void operator()(std::uint8_t v) const { w.u8(v); }
  void operator()(std::uint16_t v) const { w.u16(v); }
  void operator()(std::uint32_t v) const { w.u32(v); }
  void operator()(Vbi v) const { w.vbi(v.v); }
  void operator()(Str s) const { w.str(s.v); }
  void operator()(const std::pair<Str, Str>& kv) const {
    w.str(kv.first.v);
    w.str(kv.second.v);
  }
};

}  // namespace

bool read_properties(Reader& reader, PropertyContext context, Properties& out) {
  std::uint32_t length = 0;
  if (!reader.vbi(length, "property length")) return false;
  Reader props(std::span<const std::uint8_t>(), reader.failure());
  if (!reader.sub(length, props, "properties")) return false;
  while (!props.at_end()) {
    std::uint32_t raw_id = 0;
    if (!props.vbi(raw_id, "property identifier")) return false;
    const auto id = static_cast<PropertyId>(raw_id);
    if (raw_id > 0xFF || allowed_in(id) == 0) {
      return props.fail(ReasonCode::MalformedPacket,
                        "unknown property identifier " + hex(raw_id) + " (spec 2.2.2.2)");
    }
    if (!allowed(id, context)) {
      return props.fail(ReasonCode::MalformedPacket,
                        "property " + hex(raw_id) + " is not allowed in " +
                            std::string(context_name(context)) + " (spec 2.2.2.2)");
    }
    if (!read_one(props, id, context, out)) return false;
  }
  return true;
}

std::size_t properties_body_size(const Properties& properties, PropertyContext context) {
  std::size_t size = 0;
  for_each_property(properties, [&](PropertyId id, const auto& value) {
    if (allowed(id, context)) size += 1 + SizeOf{}(value);
  });
  if (size > kMaxVbi) throw std::invalid_argument("mqtt: properties too large");
  return size;
}

void write_properties(Writer& writer, const Properties& properties, PropertyContext context,
                      std::size_t body_size) {
  writer.vbi(static_cast<std::uint32_t>(body_size));
  if (body_size == 0) return;  // the common case: nothing allowed here is set
  for_each_property(properties, [&](PropertyId id, const auto& value) {
    if (!allowed(id, context)) return;
    writer.u8(static_cast<std::uint8_t>(id));
    WriteTo{writer}(value);
  });
}

}  // namespace dynamq::mqtt::wire

#include "sample_packets.hpp"

namespace dynamq::mqtt::test {

Bytes bytes(std::initializer_list<Piece> pieces) {
  Bytes out;
  for (const auto& p : pieces) out.insert(out.end(), p.data.begin(), p.data.end());
  return out;
}

Properties full_publish_properties() {
  Properties p;
  p.payload_format_indicator = 1;
  p.message_expiry_interval = 3600;
  p.content_type = "text/plain; charset=utf-8";
  p.response_topic = "reply/to/me";
  p.correlation_data = std::string("\x00\x01\xFF", 3);
  p.subscription_identifiers = {1, 268'435'455, 300};
  p.topic_alias = 7;
  p.user_properties = {{"k", "v"}, {"k", "v2"}, {"ünïcödé", ""}};
  return p;
}

namespace {

bool v5(Version v) {
  return v == Version::v5;
}

Properties reason(std::string text) {
  Properties p;
  p.reason_string = std::move(text);
  p.user_properties = {{"why", "because"}};
  return p;
}

std::vector<Packet> connects(Version v) {
  std::vector<Packet> out;
  Connect minimal;
  minimal.version = v;
  minimal.client_id = "c";
  out.emplace_back(minimal);

  Connect full;
  full.version = v;
  full.clean_start = false;
  full.keep_alive = 65'535;
  full.client_id = "client-ü-1";
  full.username = "user";
  full.password = std::string("p\x00ss\xFF", 5);
  Will will;
  will.topic = "will/topic";
  will.payload = Payload(std::string("gone\x00", 5));
  will.qos = QoS::exactly_once;
  will.retain = true;
  if (v5(v)) {
    will.properties.will_delay_interval = 30;
    will.properties.payload_format_indicator = 0;
    will.properties.message_expiry_interval = 10;
    will.properties.content_type = "application/octet-stream";
    will.properties.response_topic = "r";
    will.properties.correlation_data = "cd";
    will.properties.user_properties = {{"a", "b"}};
    full.properties.session_expiry_interval = 0xFFFFFFFF;
    full.properties.receive_maximum = 100;
    full.properties.maximum_packet_size = 1'048'576;
    full.properties.topic_alias_maximum = 10;
    full.properties.request_response_information = true;
    full.properties.request_problem_information = false;
    full.properties.authentication_method = "SCRAM-SHA-1";
    full.properties.authentication_data = std::string("\x01\x02", 2);
    full.properties.user_properties = {{"x", "1"}, {"x", "2"}};
  }
  full.will = will;
  out.emplace_back(full);

  if (v5(v)) {  // 5.0 allows a password without a user name
    Connect password_only;
    password_only.version = v;
    password_only.password = "secret";
    out.emplace_back(password_only);
  }
  return out;
}

std::vector<Packet> connacks(Version v) {
  std::vector<Packet> out;
  Connack ok;
  ok.session_present = v != Version::v3_1;
  out.emplace_back(ok);
  Connack refused;
  refused.reason_code = v5(v) ? ReasonCode::QuotaExceeded : ReasonCode::NotAuthorized;
  out.emplace_back(refused);
  if (v5(v)) {
    Connack full;
    auto& p = full.properties;
    p.session_expiry_interval = 60;
    p.assigned_client_identifier = "auto-1";
    p.server_keep_alive = 30;
    p.authentication_method = "m";
    p.authentication_data = "d";
    p.response_information = "resp/";
    p.server_reference = "other:1883";
    p.reason_string = "welcome";
    p.receive_maximum = 65'535;
    p.topic_alias_maximum = 0;
    p.maximum_qos = 1;
    p.retain_available = false;
    p.user_properties = {{"n", "v"}};
    p.maximum_packet_size = 268'435'460;
    p.wildcard_subscription_available = true;
    p.subscription_identifier_available = false;
    p.shared_subscription_available = true;
    out.emplace_back(full);
  }
  return out;
}

std::vector<Packet> publishes(Version v) {
  std::vector<Packet> out;
  Publish q0;
  q0.topic = "a/b";
  q0.payload = Payload(std::string("hello"));
  out.emplace_back(q0);

  Publish empty;  // empty payload, retained (deletes a retained message)
  empty.topic = "$SYS/x";
  empty.retain = true;
  out.emplace_back(empty);

  Publish q1;
  q1.topic = "ü/€/𝄞";
  q1.qos = QoS::at_least_once;
  q1.packet_id = 1;
  q1.payload = Payload(std::string(300, '\xAB'));  // 2-byte remaining length
  out.emplace_back(q1);

  Publish q2;
  q2.topic = "t";
  q2.qos = QoS::exactly_once;
  q2.dup = true;
  q2.retain = true;
  q2.packet_id = 65'535;
  q2.payload = Payload(std::string("\x00\x01\x02", 3));
  if (v5(v)) q2.properties = full_publish_properties();
  out.emplace_back(q2);

  if (v5(v)) {  // topic by alias only
    Publish alias;
    alias.properties.topic_alias = 1;
    alias.payload = Payload(std::string("x"));
    out.emplace_back(alias);
  }
  return out;
}

template <class Ack>
void acks(Version v, std::vector<Packet>& out, ReasonCode failure) {
  Ack plain;
  plain.packet_id = 42;
  out.emplace_back(plain);
  if (v5(v)) {
    Ack failed;
    failed.packet_id = 65'535;
    failed.reason_code = failure;
    out.emplace_back(failed);
    Ack with_props;
    with_props.packet_id = 1;
    with_props.properties = reason("ok");
    out.emplace_back(with_props);
  }
}

std::vector<Packet> subscriptions(Version v) {
  std::vector<Packet> out;
  Subscribe sub;
  sub.packet_id = 10;
  sub.entries.push_back({"a/+/c", {QoS::at_least_once}});
  sub.entries.push_back({"#", {QoS::exactly_once}});
  if (v5(v)) {
    sub.entries.push_back(
        {"$share/g/x/#", {QoS::at_most_once, true, true, RetainHandling::do_not_send}});
    sub.entries.push_back(
        {"r", {QoS::at_least_once, false, false, RetainHandling::send_if_new_subscription}});
    sub.properties.subscription_identifiers = {268'435'455};
    sub.properties.user_properties = {{"u", "p"}};
  }
  out.emplace_back(sub);

  Suback suback;
  suback.packet_id = 10;
  suback.reason_codes = {ReasonCode::GrantedQoS0, ReasonCode::GrantedQoS2};
  suback.reason_codes.push_back(v == Version::v3_1 ? ReasonCode::GrantedQoS1
                                                   : ReasonCode::UnspecifiedError);
  if (v5(v)) {
    suback.reason_codes.push_back(ReasonCode::SharedSubscriptionsNotSupported);
    suback.properties = reason("partly");
  }
  out.emplace_back(suback);

  Unsubscribe unsub;
  unsub.packet_id = 11;
  unsub.filters = {"a/+/c", "#"};
  if (v5(v)) unsub.properties.user_properties = {{"u", "p"}};
  out.emplace_back(unsub);

  Unsuback unsuback;
  unsuback.packet_id = 11;
  if (v5(v)) {
    unsuback.reason_codes = {ReasonCode::Success, ReasonCode::NoSubscriptionExisted};
    unsuback.properties = reason("done");
  }
  out.emplace_back(unsuback);
  return out;
}

}  // namespace

std::vector<Packet> sample_packets(Version v) {
  std::vector<Packet> out;
  for (auto& p : connects(v)) out.push_back(std::move(p));
  for (auto& p : connacks(v)) out.push_back(std::move(p));
  for (auto& p : publishes(v)) out.push_back(std::move(p));
  acks<Puback>(v, out, ReasonCode::NoMatchingSubscribers);
  acks<Pubrec>(v, out, ReasonCode::QuotaExceeded);
  acks<Pubrel>(v, out, ReasonCode::PacketIdentifierNotFound);
  acks<Pubcomp>(v, out, ReasonCode::PacketIdentifierNotFound);
  for (auto& p : subscriptions(v)) out.push_back(std::move(p));
  out.emplace_back(Pingreq{});
  out.emplace_back(Pingresp{});
  out.emplace_back(Disconnect{});
  if (v5(v)) {
    Disconnect with_will;
    with_will.reason_code = ReasonCode::DisconnectWithWillMessage;
    out.emplace_back(with_will);
    Disconnect full;
    full.reason_code = ReasonCode::SessionTakenOver;
    full.properties = reason("another connection");
    full.properties.session_expiry_interval = 0;
    full.properties.server_reference = "elsewhere";
    out.emplace_back(full);
    out.emplace_back(Auth{});
    Auth auth;
    auth.reason_code = ReasonCode::ContinueAuthentication;
    auth.properties.authentication_method = "SCRAM-SHA-1";
    auth.properties.authentication_data = std::string("\x00\x10", 2);
    auth.properties.reason_string = "step 2";
    out.emplace_back(auth);
  }
  return out;
}

}  // namespace dynamq::mqtt::test

// Human-readable names of versions, packet types and reason codes (for logs).
#include "mqtt/packets.hpp"
#include "mqtt/reason_code.hpp"
#include "mqtt/version.hpp"

namespace dynamq::mqtt {

std::string_view to_string(Version version) noexcept {
  switch (version) {
    case Version::v3_1:
      return "3.1";
    case Version::v3_1_1:
      return "3.1.1";
    case Version::v5:
      return "5.0";
  }
  return "unknown";
}

std::string_view to_string(PacketType type) noexcept {
  switch (type) {
    case PacketType::Connect:
      return "CONNECT";
    case PacketType::Connack:
      return "CONNACK";
    case PacketType::Publish:
      return "PUBLISH";
    case PacketType::Puback:
      return "PUBACK";
    case PacketType::Pubrec:
      return "PUBREC";
    case PacketType::Pubrel:
      return "PUBREL";
    case PacketType::Pubcomp:
      return "PUBCOMP";
    case PacketType::Subscribe:
      return "SUBSCRIBE";
    case PacketType::Suback:
      return "SUBACK";
    case PacketType::Unsubscribe:
      return "UNSUBSCRIBE";
    case PacketType::Unsuback:
      return "UNSUBACK";
    case PacketType::Pingreq:
      return "PINGREQ";
    case PacketType::Pingresp:
      return "PINGRESP";
    case PacketType::Disconnect:
      return "DISCONNECT";
    case PacketType::Auth:
      return "AUTH";
  }
  return "unknown";
}

std::string_view to_string(ReasonCode code) noexcept {
  switch (code) {
    case ReasonCode::Success:
      return "Success";
    case ReasonCode::GrantedQoS1:
      return "Granted QoS 1";
    case ReasonCode::GrantedQoS2:
      return "Granted QoS 2";
    case ReasonCode::DisconnectWithWillMessage:
      return "Disconnect with Will Message";
    case ReasonCode::NoMatchingSubscribers:
      return "No matching subscribers";
    case ReasonCode::NoSubscriptionExisted:
      return "No subscription existed";
    case ReasonCode::ContinueAuthentication:
      return "Continue authentication";
    case ReasonCode::ReAuthenticate:
      return "Re-authenticate";
    case ReasonCode::UnspecifiedError:
      return "Unspecified error";
    case ReasonCode::MalformedPacket:
      return "Malformed Packet";
    case ReasonCode::ProtocolError:
      return "Protocol Error";
    case ReasonCode::ImplementationSpecificError:
      return "Implementation specific error";
    case ReasonCode::UnsupportedProtocolVersion:
      return "Unsupported Protocol Version";
    case ReasonCode::ClientIdentifierNotValid:
      return "Client Identifier not valid";
    case ReasonCode::BadUserNameOrPassword:
      return "Bad User Name or Password";
    case ReasonCode::NotAuthorized:
      return "Not authorized";
    case ReasonCode::ServerUnavailable:
      return "Server unavailable";
    case ReasonCode::ServerBusy:
      return "Server busy";
    case ReasonCode::Banned:
      return "Banned";
    case ReasonCode::ServerShuttingDown:
      return "Server shutting down";
    case ReasonCode::BadAuthenticationMethod:
      return "Bad authentication method";
    case ReasonCode::KeepAliveTimeout:
      return "Keep Alive timeout";
    case ReasonCode::SessionTakenOver:
      return "Session taken over";
    case ReasonCode::TopicFilterInvalid:
      return "Topic Filter invalid";
    case ReasonCode::TopicNameInvalid:
      return "Topic Name invalid";
    case ReasonCode::PacketIdentifierInUse:
      return "Packet Identifier in use";
    case ReasonCode::PacketIdentifierNotFound:
      return "Packet Identifier not found";
    case ReasonCode::ReceiveMaximumExceeded:
      return "Receive Maximum exceeded";
    case ReasonCode::TopicAliasInvalid:
      return "Topic Alias invalid";
    case ReasonCode::PacketTooLarge:
      return "Packet too large";
    case ReasonCode::MessageRateTooHigh:
      return "Message rate too high";
    case ReasonCode::QuotaExceeded:
      return "Quota exceeded";
    case ReasonCode::AdministrativeAction:
      return "Administrative action";
    case ReasonCode::PayloadFormatInvalid:
      return "Payload format invalid";
    case ReasonCode::RetainNotSupported:
      return "Retain not supported";
    case ReasonCode::QoSNotSupported:
      return "QoS not supported";
    case ReasonCode::UseAnotherServer:
      return "Use another server";
    case ReasonCode::ServerMoved:
      return "Server moved";
    case ReasonCode::SharedSubscriptionsNotSupported:
      return "Shared Subscriptions not supported";
    case ReasonCode::ConnectionRateExceeded:
      return "Connection rate exceeded";
    case ReasonCode::MaximumConnectTime:
      return "Maximum connect time";
    case ReasonCode::SubscriptionIdentifiersNotSupported:
      return "Subscription Identifiers not supported";
    case ReasonCode::WildcardSubscriptionsNotSupported:
      return "Wildcard Subscriptions not supported";
  }
  return "Unknown";
}

ConnackReturnCode to_connack_return_code(ReasonCode code) noexcept {
  switch (code) {
    case ReasonCode::Success:
      return ConnackReturnCode::Accepted;
    case ReasonCode::UnsupportedProtocolVersion:
      return ConnackReturnCode::UnacceptableProtocolVersion;
    case ReasonCode::ClientIdentifierNotValid:
      return ConnackReturnCode::IdentifierRejected;
    case ReasonCode::BadUserNameOrPassword:
    case ReasonCode::BadAuthenticationMethod:
      return ConnackReturnCode::BadUserNameOrPassword;
    case ReasonCode::NotAuthorized:
    case ReasonCode::Banned:
      return ConnackReturnCode::NotAuthorized;
    default:
      return ConnackReturnCode::ServerUnavailable;
  }
}

ReasonCode from_connack_return_code(std::uint8_t return_code) noexcept {
  switch (return_code) {
    case 0:
      return ReasonCode::Success;
    case 1:
      return ReasonCode::UnsupportedProtocolVersion;
    case 2:
      return ReasonCode::ClientIdentifierNotValid;
    case 3:
      return ReasonCode::ServerUnavailable;
    case 4:
      return ReasonCode::BadUserNameOrPassword;
    case 5:
      return ReasonCode::NotAuthorized;
    default:
      return ReasonCode::UnspecifiedError;
  }
}

}  // namespace dynamq::mqtt

#include "dynamo/error_parse.hpp"

#include <array>
#include <boost/json.hpp>

namespace dynamq::dynamo {

std::string_view short_error_type(std::string_view type) {
  // "com.amazonaws.dynamodb.v20120810#X", "com.amazon.coral.service#X", or already short.
  auto hash = type.rfind('#');
  if (hash != std::string_view::npos) type = type.substr(hash + 1);
  // Some front ends append ":http://internal.amazon.com/coral/..." to the type.
  auto colon = type.find(':');
  if (colon != std::string_view::npos) type = type.substr(0, colon);
  return type;
}

bool is_retryable(std::string_view type, int http_status) {
  static constexpr std::array<std::string_view, 9> kRetryable = {
      "ProvisionedThroughputExceededException",
      "ThrottlingException",
      "RequestLimitExceeded",
      "InternalServerError",
      "ServiceUnavailable",
      "LimitExceededException",  // control-plane throttling
      "TransactionInProgressException",
      "Throttling",
      "TooManyRequestsException"};
  for (auto t : kRetryable)
    if (type == t) return true;
  if (type == Error::kConnection || type == Error::kTimeout) return true;
  return http_status >= 500;
}

Error parse_error_response(int http_status, std::string_view body) {
  Error e;
  e.http_status = http_status;
  boost::json::error_code ec;
  auto v = boost::json::parse(body, ec);
  const boost::json::object* o = ec ? nullptr : v.if_object();
  if (o != nullptr) {
    if (auto* t = o->if_contains("__type"); t && t->is_string())
      e.type = std::string(short_error_type(t->get_string()));
    for (const char* key : {"message", "Message"})
      if (auto* m = o->if_contains(key); m && m->is_string()) {
        e.message = std::string(m->get_string());
        break;
      }
  }
  if (e.type.empty()) {
    e.type = "HTTP" + std::to_string(http_status);
    if (e.message.empty()) {
      constexpr std::size_t kMax = 200;  // an HTML error page must not flood the log
      e.message = std::string(body.substr(0, kMax));
      if (body.size() > kMax) e.message += "...";
    }
  }
  e.retryable = is_retryable(e.type, http_status);
  return e;
}

}  // namespace dynamq::dynamo

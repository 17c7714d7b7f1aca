// The endpoint URL of a client, parsed once with Boost.URL.
#pragma once

#include <string>
#include <string_view>

#include "dynamo/result.hpp"

namespace dynamq::dynamo {

struct Endpoint {
  bool tls = false;
  std::string host;         // "127.0.0.1", "dynamodb.us-west-2.amazonaws.com" (no brackets)
  std::string port;         // always set: "80"/"443" by default
  std::string host_header;  // Host header and SigV4 host: host, plus ":port" if not default
  std::string path = "/";   // request target (DynamoDB uses "/")
};

// Accepts http:// and https:// URLs with a host; rejects user info, query and fragment.
// Error type Error::kInvalidRequest with a message naming the problem.
Result<Endpoint> parse_endpoint(std::string_view url);

}  // namespace dynamq::dynamo

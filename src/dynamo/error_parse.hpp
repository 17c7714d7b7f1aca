// Turning a DynamoDB error response into an Error, and deciding what is worth retrying.
#pragma once

#include <string_view>

#include "dynamo/result.hpp"

namespace dynamq::dynamo {

// "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException" -> the part after '#'.
std::string_view short_error_type(std::string_view type);

// Whether an error of this short type / HTTP status should be retried.
bool is_retryable(std::string_view type, int http_status);

// Parses an error body ({"__type": ..., "message"|"Message": ...}); a body that is not JSON
// still yields an Error (type "HTTP<status>", message = start of body, size-limited).
Error parse_error_response(int http_status, std::string_view body);

}  // namespace dynamq::dynamo

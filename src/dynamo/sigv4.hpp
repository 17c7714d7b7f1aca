// AWS Signature Version 4, as pure functions (every step is testable byte for byte against the
// AWS documentation and botocore) plus a per-day signing-key cache for the hot path.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dynamq::dynamo::sigv4 {

struct Header {
  std::string name;  // any case; canonicalised to lower case
  std::string value;
};

// What is signed. All `headers` are signed (pass exactly the ones to sign, including host).
struct CanonicalInput {
  std::string_view method;  // "POST"
  std::string_view path;    // "/" (already URI-encoded, as sent)
  std::string_view query;   // raw query string without '?', may be empty
  std::vector<Header> headers;
  std::string_view payload_sha256_hex;  // lower-case hex SHA-256 of the body
};

struct Scope {
  std::string_view date;     // "20150830" (UTC)
  std::string_view region;   // "us-east-1"
  std::string_view service;  // "dynamodb"
};

// "content-type;host;x-amz-date" — sorted lower-case names.
std::string signed_headers(const std::vector<Header>& headers);
// Canonical query: parameters sorted by name then value, each part URI-encoded (RFC 3986
// unreserved characters kept), after decoding what the caller encoded.
std::string canonical_query(std::string_view query);
std::string canonical_request(const CanonicalInput& in);
// "20150830/us-east-1/iam/aws4_request"
std::string credential_scope(const Scope& scope);
// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<hex sha256(canonical_request)>"
std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical_request);

using Key = std::array<unsigned char, 32>;
Key signing_key(std::string_view secret, const Scope& scope);
std::string signature(const Key& key, std::string_view string_to_sign);  // lower-case hex
// "AWS4-HMAC-SHA256 Credential=AKID/scope, SignedHeaders=..., Signature=..."
std::string authorization_header(std::string_view access_key_id, const Scope& scope,
                                 std::string_view signed_headers, std::string_view signature);

// Caches the derived key for one (secret, date, region, service): DynamoDB signing then costs
// two SHA-256 and one HMAC per request instead of two SHA-256 and five HMACs. Thread-safe.
class SigningKeyCache {
 public:
  Key get(std::string_view secret, const Scope& scope);

 private:
  std::mutex mu_;
  std::string secret_;  // a rotated secret (new credentials) invalidates the key
  std::string date_, region_, service_;
  Key key_{};
  bool valid_ = false;
};

// "20150830T123600Z" (UTC).
std::string format_amz_date(std::chrono::system_clock::time_point t);

// Exactly what Client signs for one DynamoDB JSON-protocol request: POST to `path` with the
// headers content-type (application/x-amz-json-1.0), host, x-amz-date, x-amz-target and, when
// a session token is set, x-amz-security-token.
struct DynamoRequest {
  std::string_view host_header;  // Endpoint::host_header
  std::string_view target;       // "DynamoDB_20120810.PutItem"
  std::string_view amz_date;     // format_amz_date(now)
  std::string_view region;
  std::string_view payload_sha256_hex;
  std::string_view access_key_id;
  std::string_view secret_access_key;
  std::string_view session_token;  // empty: none
  std::string_view path = "/";     // Endpoint::path
};
struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string authorization;  // the Authorization header value
};
// `cache` (optional) avoids re-deriving the key for every request of the same day.
Signed sign_dynamodb(const DynamoRequest& r, SigningKeyCache* cache = nullptr);

}  // namespace dynamq::dynamo::sigv4

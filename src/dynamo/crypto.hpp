// The small set of primitives SigV4 and the JSON codec need, on OpenSSL EVP.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace dynamq::dynamo::crypto {

using Digest = std::array<unsigned char, 32>;

Digest sha256(std::string_view data);
Digest hmac_sha256(std::string_view key, std::string_view data);
std::string hex(const unsigned char* data, std::size_t n);  // lower case
inline std::string hex(const Digest& d) {
  return hex(d.data(), d.size());
}
inline std::string sha256_hex(std::string_view data) {
  return hex(sha256(data));
}

std::string base64_encode(std::string_view bytes);
// Strict RFC 4648 with padding; nullopt on any other character or bad length.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace dynamq::dynamo::crypto

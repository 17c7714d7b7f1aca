// Salted password hashes: PBKDF2-HMAC-SHA512 (OpenSSL PKCS5_PBKDF2_HMAC), written as
//   $pbkdf2-sha512$<iterations>$<salt, base64>$<hash, base64>
// Mosquitto's `$7$<iterations>$<salt>$<hash>` (mosquitto_passwd, the same algorithm) is read
// too, so existing mosquitto password files keep working; we always write our own form.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dynamq::auth {

// 100,000+ iterations: the cost that makes an offline guess expensive (0.1-0.4 s of one
// core each); the broker pays it once per device and process (see authenticator.hpp).
inline constexpr unsigned kDefaultIterations = 100'000;
inline constexpr std::size_t kSaltBytes = 16;
inline constexpr std::size_t kHashBytes = 64;  // SHA-512 output

struct PasswordHash {
  unsigned iterations = 0;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

// Parses either form; nullopt with `error` set ("bad base64 in the salt", …) otherwise.
std::optional<PasswordHash> parse_password_hash(std::string_view text, std::string& error);
// The `$pbkdf2-sha512$…` text of a hash.
std::string format_password_hash(const PasswordHash& hash);
// A fresh random salt (RAND_bytes) and the derived hash. Throws std::runtime_error when
// OpenSSL cannot provide randomness or derive the key.
PasswordHash make_password_hash(std::string_view password,
                                unsigned iterations = kDefaultIterations);
// Derives the key from `password` with the stored salt and iterations and compares it in
// constant time (CRYPTO_memcmp). Costs `iterations` HMAC-SHA512 rounds.
bool verify_password(std::string_view password, const PasswordHash& stored);

// Standard base64 (with padding) of bytes / back; decode returns nullopt for bad input.
std::string base64_encode(const std::vector<std::uint8_t>& bytes);
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);

}  // namespace dynamq::auth

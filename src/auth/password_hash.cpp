#include "auth/password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <stdexcept>

namespace dynamq::auth {
namespace {

constexpr std::string_view kScheme = "pbkdf2-sha512";
constexpr std::string_view kMosquittoScheme = "7";
// Guards against a file that would make one verification take minutes.
constexpr unsigned kMaxIterations = 100'000'000;

std::vector<std::uint8_t> derive(std::string_view password, const std::vector<std::uint8_t>& salt,
                                 unsigned iterations, std::size_t length) {
  std::vector<std::uint8_t> out(length);
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha512(),
                        static_cast<int>(out.size()), out.data()) != 1) {
    throw std::runtime_error("PKCS5_PBKDF2_HMAC failed");
  }
  return out;
}

// Splits "$a$b$c$d" into its four fields.
bool split_fields(std::string_view text, std::string_view (&fields)[4]) {
  if (text.empty() || text.front() != '$') {
    return false;
  }
  text.remove_prefix(1);
  for (int i = 0; i < 4; ++i) {
    const auto dollar = text.find('$');
    if (i < 3) {
      if (dollar == std::string_view::npos) {
        return false;
      }
      fields[i] = text.substr(0, dollar);
      text.remove_prefix(dollar + 1);
    } else {
      if (dollar != std::string_view::npos) {
        return false;
      }
      fields[i] = text;
    }
  }
  return true;
}

}  // namespace

std::string base64_encode(const std::vector<std::uint8_t>& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::vector<std::uint8_t> out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) {
    return std::nullopt;
  }
  // EVP_DecodeBlock counts padding as zero bytes: drop one per '='.
  std::size_t size = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && size > 0; --i) {
    --size;
  }
  out.resize(size);
  return out;
}

std::optional<PasswordHash> parse_password_hash(std::string_view text, std::string& error) {
  std::string_view f[4];
  if (!split_fields(text, f)) {
    error = "expected $pbkdf2-sha512$<iterations>$<salt>$<hash>";
    return std::nullopt;
  }
  if (f[0] != kScheme && f[0] != kMosquittoScheme) {
    error = "unsupported hash scheme `" + std::string(f[0]) +
            "` (supported: pbkdf2-sha512, mosquitto's 7)";
    return std::nullopt;
  }
  PasswordHash h;
  const auto [end, ec] = std::from_chars(f[1].data(), f[1].data() + f[1].size(), h.iterations);
  if (ec != std::errc() || end != f[1].data() + f[1].size() || h.iterations == 0 ||
      h.iterations > kMaxIterations) {
    error = "the iteration count must be 1.." + std::to_string(kMaxIterations) + ", found `" +
            std::string(f[1]) + "`";
    return std::nullopt;
  }
  auto salt = base64_decode(f[2]);
  if (!salt || salt->size() < 8) {
    error = "the salt must be base64 of at least 8 bytes";
    return std::nullopt;
  }
  auto hash = base64_decode(f[3]);
  if (!hash || hash->size() != kHashBytes) {
    error = "the hash must be base64 of 64 bytes (SHA-512)";
    return std::nullopt;
  }
  h.salt = std::move(*salt);
  h.hash = std::move(*hash);
  return h;
}

std::string format_password_hash(const PasswordHash& hash) {
  // Appended piece by piece (a chain of operator+ trips GCC 12's -Wrestrict false positive).
  std::string out = "$";
  out += kScheme;
  out += '$';
  out += std::to_string(hash.iterations);
  out += '$';
  out += base64_encode(hash.salt);
  out += '$';
  out += base64_encode(hash.hash);
  return out;
}

PasswordHash make_password_hash(std::string_view password, unsigned iterations) {
  PasswordHash h;
  h.iterations = iterations;
  h.salt.resize(kSaltBytes);
  if (RAND_bytes(h.salt.data(), static_cast<int>(h.salt.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no randomness for the salt");
  }
  h.hash = derive(password, h.salt, iterations, kHashBytes);
  return h;
}

bool verify_password(std::string_view password, const PasswordHash& stored) {
  if (stored.hash.size() != kHashBytes) {
    return false;
  }
  const auto derived = derive(password, stored.salt, stored.iterations, kHashBytes);
  return CRYPTO_memcmp(derived.data(), stored.hash.data(), kHashBytes) == 0;
}

}  // namespace dynamq::auth

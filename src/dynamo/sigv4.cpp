#include "dynamo/sigv4.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "dynamo/crypto.hpp"

namespace dynamq::dynamo::sigv4 {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Header values: leading/trailing blanks trimmed, inner runs of blanks collapsed to one space.
std::string trim_collapse(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

bool unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

void uri_encode_into(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    if (unreserved(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

struct SortedHeader {
  std::string name;
  std::string value;
};

// Lower-cased, value-normalised, sorted by name; repeated names joined with ','.
std::vector<SortedHeader> canonical_headers(const std::vector<Header>& headers) {
  std::vector<SortedHeader> hs;
  hs.reserve(headers.size());
  for (const auto& h : headers) hs.push_back({lower(h.name), trim_collapse(h.value)});
  std::stable_sort(hs.begin(), hs.end(),
                   [](const SortedHeader& a, const SortedHeader& b) { return a.name < b.name; });
  std::vector<SortedHeader> merged;
  for (auto& h : hs) {
    if (!merged.empty() && merged.back().name == h.name) {
      merged.back().value += ',';
      merged.back().value += h.value;
    } else {
      merged.push_back(std::move(h));
    }
  }
  return merged;
}

}  // namespace

std::string signed_headers(const std::vector<Header>& headers) {
  std::string out;
  for (const auto& h : canonical_headers(headers)) {
    if (!out.empty()) out += ';';
    out += h.name;
  }
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t pos = 0;
  while (pos <= query.size() && !query.empty()) {
    std::size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view part = query.substr(pos, amp - pos);
    if (!part.empty()) {
      std::size_t eq = part.find('=');
      std::string k, v;
      uri_encode_into(k, percent_decode(part.substr(0, eq)));
      if (eq != std::string_view::npos) uri_encode_into(v, percent_decode(part.substr(eq + 1)));
      params.emplace_back(std::move(k), std::move(v));
    }
    pos = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [k, v] : params) {
    if (!out.empty()) out += '&';
    out += k;
    out += '=';
    out += v;
  }
  return out;
}

std::string canonical_request(const CanonicalInput& in) {
  auto hs = canonical_headers(in.headers);
  std::string out;
  out.reserve(256);
  out += in.method;
  out += '\n';
  out += in.path.empty() ? std::string_view("/") : in.path;
  out += '\n';
  out += canonical_query(in.query);
  out += '\n';
  for (const auto& h : hs) {
    out += h.name;
    out += ':';
    out += h.value;
    out += '\n';
  }
  out += '\n';
  for (std::size_t i = 0; i < hs.size(); ++i) {
    if (i) out += ';';
    out += hs[i].name;
  }
  out += '\n';
  out += in.payload_sha256_hex;
  return out;
}

std::string credential_scope(const Scope& s) {
  std::string out;
  out.reserve(s.date.size() + s.region.size() + s.service.size() + 16);
  out += s.date;
  out += '/';
  out += s.region;
  out += '/';
  out += s.service;
  out += "/aws4_request";
  return out;
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical_request) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out += amz_date;
  out += '\n';
  out += credential_scope(scope);
  out += '\n';
  out += crypto::sha256_hex(canonical_request);
  return out;
}

Key signing_key(std::string_view secret, const Scope& scope) {
  auto as_view = [](const crypto::Digest& d) {
    return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
  };
  std::string k0 = "AWS4";
  k0 += secret;
  auto k_date = crypto::hmac_sha256(k0, scope.date);
  std::fill(k0.begin(), k0.end(), '\0');  // do not leave the secret in freed memory
  auto k_region = crypto::hmac_sha256(as_view(k_date), scope.region);
  auto k_service = crypto::hmac_sha256(as_view(k_region), scope.service);
  return crypto::hmac_sha256(as_view(k_service), "aws4_request");
}

std::string signature(const Key& key, std::string_view sts) {
  auto d = crypto::hmac_sha256(
      std::string_view(reinterpret_cast<const char*>(key.data()), key.size()), sts);
  return crypto::hex(d);
}

std::string authorization_header(std::string_view access_key_id, const Scope& scope,
                                 std::string_view signed_hdrs, std::string_view sig) {
  std::string out = "AWS4-HMAC-SHA256 Credential=";
  out += access_key_id;
  out += '/';
  out += credential_scope(scope);
  out += ", SignedHeaders=";
  out += signed_hdrs;
  out += ", Signature=";
  out += sig;
  return out;
}

Key SigningKeyCache::get(std::string_view secret, const Scope& scope) {
  std::lock_guard lock(mu_);
  if (valid_ && secret == secret_ && date_ == scope.date && region_ == scope.region &&
      service_ == scope.service)
    return key_;
  key_ = signing_key(secret, scope);
  secret_ = secret;
  date_ = scope.date;
  region_ = scope.region;
  service_ = scope.service;
  valid_ = true;
  return key_;
}

std::string format_amz_date(std::chrono::system_clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[17];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return std::string(buf, 16);
}

Signed sign_dynamodb(const DynamoRequest& r, SigningKeyCache* cache) {
  CanonicalInput in;
  in.method = "POST";
  in.path = r.path;
  in.payload_sha256_hex = r.payload_sha256_hex;
  in.headers.reserve(5);
  in.headers.push_back({"content-type", "application/x-amz-json-1.0"});
  in.headers.push_back({"host", std::string(r.host_header)});
  in.headers.push_back({"x-amz-date", std::string(r.amz_date)});
  in.headers.push_back({"x-amz-target", std::string(r.target)});
  if (!r.session_token.empty())
    in.headers.push_back({"x-amz-security-token", std::string(r.session_token)});
  Scope scope{r.amz_date.substr(0, 8), r.region, "dynamodb"};
  Signed out;
  out.canonical_request = canonical_request(in);
  out.string_to_sign = string_to_sign(r.amz_date, scope, out.canonical_request);
  Key key =
      cache ? cache->get(r.secret_access_key, scope) : signing_key(r.secret_access_key, scope);
  out.signature = signature(key, out.string_to_sign);
  out.authorization =
      authorization_header(r.access_key_id, scope, signed_headers(in.headers), out.signature);
  return out;
}

}  // namespace dynamq::dynamo::sigv4

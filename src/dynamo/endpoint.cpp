#include "dynamo/endpoint.hpp"

#include <boost/url/parse.hpp>

namespace dynamq::dynamo {

Result<Endpoint> parse_endpoint(std::string_view url) {
  auto bad = [&](std::string why) {
    // A URL with user info may hold a password: do not echo it.
    std::string shown = url.find('@') == std::string_view::npos ? std::string(url) : "<redacted>";
    return Error{Error::kInvalidRequest, "endpoint '" + shown + "': " + why, 0, false};
  };
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return bad("not an absolute URL (" + parsed.error().message() + ")");
  const auto& u = *parsed;
  Endpoint ep;
  std::string scheme = u.scheme();
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "https") {
    ep.tls = true;
  } else if (scheme != "http") {
    return bad("scheme must be http or https");
  }
  if (u.has_userinfo()) return bad("user info is not allowed (credentials go elsewhere)");
  if (u.has_query() || u.has_fragment()) return bad("query and fragment are not allowed");
  ep.host = u.host_address();  // IPv6 without brackets
  // Host names are case-insensitive; botocore signs them lower-cased, so do we.
  for (char& c : ep.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ep.host.empty()) return bad("no host");
  std::string default_port = ep.tls ? "443" : "80";
  ep.port = u.has_port() && !u.port().empty() ? std::string(u.port()) : default_port;
  if (u.has_port() && u.port_number() == 0 && u.port() != "0") return bad("invalid port");
  std::string host_for_header =
      u.host_type() == boost::urls::host_type::ipv6 ? "[" + ep.host + "]" : ep.host;
  ep.host_header = ep.port == default_port ? host_for_header : host_for_header + ":" + ep.port;
  std::string path(u.encoded_path());
  ep.path = path.empty() ? "/" : path;
  return ep;
}

}  // namespace dynamq::dynamo

// The local admin endpoint that `dynamq ctl` talks to: plain HTTP/1.1 on a loopback
// address only (no authentication, so never on a routable address), one JSON body per
// answer. It knows nothing of plugins or the broker: the app passes a Handler.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace dynamq::admin {

struct Request {
  std::string method;  // "GET", "POST"
  std::string target;  // "/plugins/dynamo/load"
  std::string body;
};

struct Response {
  unsigned status = 200;
  std::string body;  // JSON
};

using Handler = std::function<Response(const Request&)>;

// Parses "127.0.0.1:18083" / "[::1]:18083" / "localhost:18083"; throws std::invalid_argument
// with what is wrong (not loopback, bad port).
struct Endpoint {
  std::string address;
  std::uint16_t port = 0;
};
Endpoint parse_loopback_endpoint(const std::string& text);

class AdminServer {
 public:
  // Binds at once (throws boost::system::system_error when it can't) and serves requests
  // on its own thread; the handler runs there, one request at a time.
  AdminServer(const Endpoint& endpoint, Handler handler);
  ~AdminServer();
  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The client side, for `dynamq ctl`: one request, the answer or an exception
// (std::runtime_error "cannot reach the admin endpoint at ...: ...").
Response call(const Endpoint& endpoint, const Request& request,
              std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace dynamq::admin

// Internal to dynamo/: a fixed-size pool of persistent HTTP/1.1 connections (plain TCP or TLS)
// to one endpoint. All state lives on one strand, so there are no locks: callers co_spawn
// send() onto strand(). A request waits (bounded by its deadline) for a free connection; the
// pool never opens more than `size` connections.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <vector>

#include "dynamo/asio.hpp"
#include "dynamo/endpoint.hpp"
#include "dynamo/result.hpp"

namespace dynamq::dynamo::detail {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using Strand = boost::asio::strand<boost::asio::any_io_executor>;
using Deadline = std::chrono::steady_clock::time_point;

struct PoolOptions {
  std::size_t size = 8;
  std::string ca_file;
  bool verify_peer = true;
};

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  static Result<std::shared_ptr<ConnectionPool>> create(boost::asio::any_io_executor ex,
                                                        Endpoint ep, PoolOptions opts);
  ~ConnectionPool();

  // Must run on strand(). `req` must stay alive until the call completes. Errors:
  // Error::kTimeout (deadline), Error::kCancelled (per-operation cancellation or shutdown),
  // Error::kConnection (resolve/connect/TLS/read/write). A reused connection the server had
  // already closed is reopened once, transparently.
  awaitable<Result<HttpResponse>> send(HttpRequest& req, Deadline deadline);

  const Strand& strand() const { return strand_; }
  // Closes every connection and fails waiting requests; later sends fail. Any thread.
  void shutdown();
  std::uint64_t connections_opened() const { return opened_.load(std::memory_order_relaxed); }

  struct Connection;  // defined in http_pool.cpp

 private:
  ConnectionPool(boost::asio::any_io_executor ex, Endpoint ep, PoolOptions opts);
  struct Waiter {
    boost::asio::steady_timer timer;
    Connection* granted = nullptr;
  };
  awaitable<Result<Connection*>> acquire(Deadline deadline);
  void release(Connection* c, bool reusable);
  awaitable<std::optional<Error>> connect(Connection& c, Deadline deadline);
  void do_shutdown();

  Strand strand_;
  Endpoint ep_;
  PoolOptions opts_;
  std::unique_ptr<boost::asio::ssl::context> tls_;
  std::vector<std::unique_ptr<Connection>> conns_;
  std::vector<Connection*> idle_;
  std::deque<Waiter*> waiters_;
  std::optional<boost::asio::ip::tcp::resolver::results_type> resolved_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> opened_{0};
};

}  // namespace dynamq::dynamo::detail

#include "dynamo/http_pool.hpp"

#include <openssl/ssl.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace dynamq::dynamo::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct ConnectionPool::Connection {
  std::unique_ptr<beast::tcp_stream> tcp;                     // http://
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;  // https://
  beast::flat_buffer buffer;  // kept across requests: no reallocation per response
  bool connected = false;

  beast::tcp_stream& lowest() { return tls ? tls->next_layer() : *tcp; }
  void close() {
    if (tcp || tls) {
      beast::error_code ignored;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      lowest().socket().close(ignored);
    }
    connected = false;
    buffer.clear();
  }
};

namespace {

constexpr std::uint64_t kMaxResponseBody = 64ull << 20;

Error make_error(const char* type, std::string msg) {
  return Error{type, std::move(msg), 0, true};
}

// A reused keep-alive connection that the server closed while idle fails like this on the
// first write or read; such a failure says nothing about the request, so it is resent once.
bool stale_connection_error(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted;
}

template <class Stream>
awaitable<beast::error_code> exchange(Stream& s, beast::flat_buffer& buf, HttpRequest& req,
                                      HttpResponse& res) {
  auto [wec, wn] = co_await http::async_write(s, req, use_awaitable_tuple);
  if (wec) co_return wec;
  // BatchGetItem answers up to 16 MB; Beast's default response limit is 8 MB.
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxResponseBody);
  auto [rec, rn] = co_await http::async_read(s, buf, parser, use_awaitable_tuple);
  if (!rec) res = parser.release();
  co_return rec;
}

}  // namespace

ConnectionPool::ConnectionPool(asio::any_io_executor ex, Endpoint ep, PoolOptions opts)
    : strand_(asio::make_strand(ex)), ep_(std::move(ep)), opts_(std::move(opts)) {}

ConnectionPool::~ConnectionPool() = default;

Result<std::shared_ptr<ConnectionPool>> ConnectionPool::create(asio::any_io_executor ex,
                                                               Endpoint ep, PoolOptions opts) {
  if (opts.size == 0)
    return Error{Error::kInvalidRequest, "pool_size must be at least 1", 0, false};
  std::shared_ptr<ConnectionPool> p(
      new ConnectionPool(std::move(ex), std::move(ep), std::move(opts)));
  if (p->ep_.tls) {
    p->tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    beast::error_code ec;
    p->tls_->set_default_verify_paths(ec);
    if (ec) return Error{Error::kInvalidRequest, "TLS: system CA store: " + ec.message(), 0, false};
    if (!p->opts_.ca_file.empty()) {
      p->tls_->load_verify_file(p->opts_.ca_file, ec);
      if (ec)
        return Error{Error::kInvalidRequest,
                     "TLS: CA file '" + p->opts_.ca_file + "': " + ec.message(), 0, false};
    }
    p->tls_->set_verify_mode(p->opts_.verify_peer ? asio::ssl::verify_peer
                                                  : asio::ssl::verify_none);
    SSL_CTX_set_min_proto_version(p->tls_->native_handle(), TLS1_2_VERSION);
  }
  p->conns_.reserve(p->opts_.size);
  for (std::size_t i = 0; i < p->opts_.size; ++i) {
    p->conns_.push_back(std::make_unique<Connection>());
    p->idle_.push_back(p->conns_.back().get());
  }
  return p;
}

awaitable<Result<ConnectionPool::Connection*>> ConnectionPool::acquire(Deadline deadline) {
  if (stopped_) co_return make_error(Error::kCancelled, "client is shut down");
  if (!idle_.empty()) {
    Connection* c = idle_.back();  // LIFO: the most recently used connection is likely open
    idle_.pop_back();
    co_return c;
  }
  Waiter w{asio::steady_timer(strand_), nullptr};
  w.timer.expires_at(deadline);
  waiters_.push_back(&w);
  auto [ec] = co_await w.timer.async_wait(use_awaitable_tuple);
  if (w.granted) co_return w.granted;
  std::erase(waiters_, &w);
  if (stopped_) co_return make_error(Error::kCancelled, "client is shut down");
  if (ec == asio::error::operation_aborted)
    co_return make_error(Error::kCancelled, "request cancelled while waiting for a connection");
  co_return make_error(Error::kTimeout, "timed out waiting for a free connection (pool_size " +
                                            std::to_string(opts_.size) + ")");
}

void ConnectionPool::release(Connection* c, bool reusable) {
  if (!reusable || stopped_) c->close();
  if (!waiters_.empty()) {
    Waiter* w = waiters_.front();
    waiters_.pop_front();
    w->granted = c;  // handed over directly: no other request can overtake the waiter
    w->timer.cancel();
    return;
  }
  idle_.push_back(c);
}

awaitable<std::optional<Error>> ConnectionPool::connect(Connection& c, Deadline deadline) {
  using namespace asio::experimental::awaitable_operators;
  c.close();
  std::string where = ep_.host + ":" + ep_.port;
  if (!resolved_) {
    tcp::resolver resolver(strand_);
    asio::steady_timer timer(strand_);
    timer.expires_at(deadline);
    auto r = co_await (resolver.async_resolve(ep_.host, ep_.port, use_awaitable_tuple) ||
                       timer.async_wait(use_awaitable_tuple));
    if (r.index() == 1) co_return make_error(Error::kTimeout, "timed out resolving " + where);
    auto& [ec, results] = std::get<0>(r);
    if (ec)
      co_return make_error(Error::kConnection, "cannot resolve " + where + ": " + ec.message());
    resolved_ = results;
  }
  if (tls_) {
    c.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(strand_, *tls_);
    c.tcp.reset();
  } else {
    c.tcp = std::make_unique<beast::tcp_stream>(strand_);
    c.tls.reset();
  }
  auto& lowest = c.lowest();
  lowest.expires_at(deadline);
  auto [cec, endpoint] = co_await lowest.async_connect(*resolved_, use_awaitable_tuple);
  if (cec) {
    resolved_.reset();  // addresses may have changed; resolve again next time
    if (cec == beast::error::timeout)
      co_return make_error(Error::kTimeout, "timed out connecting to " + where);
    if (cec == asio::error::operation_aborted)
      co_return make_error(Error::kCancelled, "request cancelled while connecting");
    co_return make_error(Error::kConnection, "cannot connect to " + where + ": " + cec.message());
  }
  beast::error_code ignored;
  lowest.socket().set_option(tcp::no_delay(true), ignored);  // small request/response pairs
  opened_.fetch_add(1, std::memory_order_relaxed);
  if (tls_) {
    // SNI only for names (RFC 6066 forbids IP literals); the certificate is checked against
    // the host either way.
    beast::error_code addr_ec;
    asio::ip::make_address(ep_.host, addr_ec);
    if (addr_ec && !SSL_set_tlsext_host_name(c.tls->native_handle(), ep_.host.c_str()))
      co_return make_error(Error::kConnection, "TLS: cannot set SNI for " + where);
    if (opts_.verify_peer) c.tls->set_verify_callback(asio::ssl::host_name_verification(ep_.host));
    auto [hec] =
        co_await c.tls->async_handshake(asio::ssl::stream_base::client, use_awaitable_tuple);
    if (hec) {
      c.close();
      if (hec == beast::error::timeout)
        co_return make_error(Error::kTimeout, "timed out in TLS handshake with " + where);
      co_return make_error(Error::kConnection,
                           "TLS handshake with " + where + " failed: " + hec.message());
    }
  }
  c.connected = true;
  co_return std::nullopt;
}

awaitable<Result<HttpResponse>> ConnectionPool::send(HttpRequest& req, Deadline deadline) {
  auto self = shared_from_this();  // the pool outlives every request running on it
  auto acquired = co_await acquire(deadline);
  if (!acquired.ok()) co_return acquired.error();
  Connection* c = acquired.value();
  if (stopped_) {
    release(c, false);
    co_return make_error(Error::kCancelled, "client is shut down");
  }
  for (int round = 0;; ++round) {
    bool reused = c->connected;
    if (!reused) {
      if (auto err = co_await connect(*c, deadline)) {
        release(c, false);
        if (stopped_) err->type = Error::kCancelled;
        co_return *err;
      }
    }
    c->lowest().expires_at(deadline);
    HttpResponse res;
    beast::error_code ec = c->tls ? co_await exchange(*c->tls, c->buffer, req, res)
                                  : co_await exchange(*c->tcp, c->buffer, req, res);
    if (!ec) {
      bool keep = res.keep_alive();
      c->lowest().expires_never();
      release(c, keep);
      co_return res;
    }
    c->close();
    if (!stopped_ && reused && round == 0 && stale_connection_error(ec)) continue;
    release(c, false);
    std::string where = ep_.host + ":" + ep_.port;
    if (stopped_) co_return make_error(Error::kCancelled, "client is shut down");
    if (ec == beast::error::timeout)
      co_return make_error(Error::kTimeout, "no response from " + where + " before the deadline");
    if (ec == asio::error::operation_aborted)
      co_return make_error(Error::kCancelled, "request cancelled");
    co_return make_error(Error::kConnection,
                         "HTTP exchange with " + where + " failed: " + ec.message());
  }
}

void ConnectionPool::shutdown() {
  if (stopped_.exchange(true)) return;
  asio::post(strand_, [self = shared_from_this()] { self->do_shutdown(); });
}

void ConnectionPool::do_shutdown() {
  for (auto& c : conns_)
    if (c->tcp || c->tls) {
      beast::error_code ignored;
      c->lowest().socket().cancel(ignored);
      c->lowest().socket().close(ignored);
      c->connected = false;
    }
  // Waiters see stopped_ when their timer completes.
  for (Waiter* w : waiters_) w->timer.cancel();
}

}  // namespace dynamq::dynamo::detail

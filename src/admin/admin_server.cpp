#include "admin/admin_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>
#include <thread>

namespace dynamq::admin {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

asio::awaitable<void> serve_connection(tcp::socket socket, const Handler& handler) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  for (;;) {
    stream.expires_after(std::chrono::seconds(30));
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(stream, buffer, req, use_tuple);
    if (ec) co_return;
    Response out;
    try {
      out =
          handler(Request{std::string(req.method_string()), std::string(req.target()), req.body()});
    } catch (const std::exception& e) {
      out = Response{500, std::string("{\"error\":\"internal error\"}")};
      spdlog::error("admin: {} {} failed: {}", std::string(req.method_string()),
                    std::string(req.target()), e.what());
    }
    http::response<http::string_body> res{static_cast<http::status>(out.status), req.version()};
    res.set(http::field::content_type, "application/json");
    res.keep_alive(req.keep_alive());
    res.body() = std::move(out.body);
    res.prepare_payload();
    stream.expires_after(std::chrono::seconds(30));
    auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
    if (wec || !req.keep_alive()) co_return;
  }
}

}  // namespace

Endpoint parse_loopback_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::invalid_argument("expected ADDRESS:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) throw std::invalid_argument("`" + host + "` is not an IP address");
  if (!address.is_loopback()) {
    throw std::invalid_argument("`" + host +
                                "` is not a loopback address (the admin endpoint has no "
                                "authentication: 127.0.0.1 or ::1 only)");
  }
  const std::string port_text = text.substr(colon + 1);
  std::size_t used = 0;
  unsigned long port = 0;
  try {
    port = std::stoul(port_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != port_text.size() || port_text.empty() || port > 65535) {
    throw std::invalid_argument("bad port `" + port_text + "`");
  }
  return Endpoint{address.to_string(), static_cast<std::uint16_t>(port)};
}

struct AdminServer::Impl {
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  Handler handler;
  std::thread thread;

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec) {
        if (ec == asio::error::operation_aborted) co_return;
        continue;
      }
      asio::co_spawn(io, serve_connection(std::move(socket), handler), asio::detached);
    }
  }
};

AdminServer::AdminServer(const Endpoint& endpoint, Handler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  const tcp::endpoint ep(asio::ip::make_address(endpoint.address), endpoint.port);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

AdminServer::~AdminServer() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->io.stop(); });
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::uint16_t AdminServer::port() const {
  return impl_->acceptor.local_endpoint().port();
}

Response call(const Endpoint& endpoint, const Request& request, std::chrono::milliseconds timeout) {
  const std::string where = endpoint.address + ":" + std::to_string(endpoint.port);
  try {
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(timeout);
    stream.connect(tcp::endpoint(asio::ip::make_address(endpoint.address), endpoint.port));
    http::request<http::string_body> req{
        request.method == "POST" ? http::verb::post : http::verb::get, request.target, 11};
    req.set(http::field::host, where);
    req.body() = request.body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    return Response{res.result_int(), res.body()};
  } catch (const boost::system::system_error& e) {
    throw std::runtime_error("cannot reach the admin endpoint at " + where + ": " +
                             e.code().message() + " (is dynamq running with admin.bind = " + where +
                             "?)");
  }
}

}  // namespace dynamq::admin

#include "fake_dynamodb_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "dynamo/asio.hpp"

namespace dynamq::dynamo::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

TestCertificate::TestCertificate() {
  std::random_device rd;
  dir = (std::filesystem::temp_directory_path() / ("dynamo_cert_" + std::to_string(rd()))).string();
  std::filesystem::create_directories(dir);
  cert_file = dir + "/cert.pem";
  key_file = dir + "/key.pem";
  std::string cmd =
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
      "-subj /CN=localhost -addext subjectAltName=DNS:localhost -keyout '" +
      key_file + "' -out '" + cert_file + "' >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed");
}

TestCertificate::~TestCertificate() {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

struct FakeDynamoDbServer::Impl {
  FakeDynamoDbServer& owner;
  Handler handler;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<asio::ssl::context> tls;
  std::thread thread;

  template <class Stream>
  awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(stream, buf, req, use_awaitable_tuple);
      if (ec) co_return;
      FakeRequest fr;
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        fr.headers[name] = std::string(f.value());
      }
      fr.target = fr.headers["x-amz-target"];
      fr.body = req.body();
      int index = owner.requests_++;
      {
        std::lock_guard lock(owner.mu_);
        owner.received_.push_back(fr);
      }
      FakeReply reply = handler(fr, index);
      if (reply.delay.count() > 0) {
        asio::steady_timer t(io, reply.delay);
        co_await t.async_wait(use_awaitable_tuple);
      }
      if (reply.drop) co_return;
      http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
      res.set(http::field::content_type, "application/x-amz-json-1.0");
      res.body() = reply.body;
      res.keep_alive(true);
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(stream, res, use_awaitable_tuple);
      if (wec) co_return;
      ++owner.replies_;
      if (reply.close_after) co_return;
    }
  }

  awaitable<void> connection(tcp::socket sock) {
    int now = ++owner.open_;
    int prev = owner.max_open_.load();
    while (now > prev && !owner.max_open_.compare_exchange_weak(prev, now)) {
    }
    if (tls) {
      beast::ssl_stream<tcp::socket> s(std::move(sock), *tls);
      auto [ec] = co_await s.async_handshake(asio::ssl::stream_base::server, use_awaitable_tuple);
      if (!ec) co_await serve(s);
    } else {
      co_await serve(sock);
    }
    --owner.open_;
  }

  awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor.async_accept(use_awaitable_tuple);
      if (ec) co_return;
      ++owner.accepted_;
      asio::co_spawn(io, connection(std::move(sock)), asio::detached);
    }
  }
};

FakeDynamoDbServer::FakeDynamoDbServer(Handler handler, const TestCertificate* cert)
    : impl_(new Impl{*this, std::move(handler)}), tls_(cert != nullptr) {
  if (cert) {
    impl_->tls.emplace(asio::ssl::context::tls_server);
    impl_->tls->use_certificate_chain_file(cert->cert_file);
    impl_->tls->use_private_key_file(cert->key_file, asio::ssl::context::pem);
  }
  tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);  // random free port
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

FakeDynamoDbServer::~FakeDynamoDbServer() {
  impl_->io.stop();
  impl_->thread.join();
}

std::string FakeDynamoDbServer::endpoint() const {
  return (tls_ ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port_);
}

std::vector<FakeRequest> FakeDynamoDbServer::received() const {
  std::lock_guard lock(mu_);
  return received_;
}

bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling interval only
  }
  return true;
}

}  // namespace dynamq::dynamo::test

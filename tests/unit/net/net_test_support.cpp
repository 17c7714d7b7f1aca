#include "net_test_support.hpp"

#include <future>
#include <thread>

namespace dynamq::net::test {

std::shared_ptr<RecordingHandler> make_echo_handler(asio::any_io_executor executor,
                                                    std::shared_ptr<broker::ClientLink> link) {
  auto h = std::make_shared<RecordingHandler>(std::move(executor), std::move(link));
  h->on_bytes_hook = [](RecordingHandler& self, std::span<const std::uint8_t> bytes) {
    self.link->write(std::make_shared<const std::vector<std::uint8_t>>(bytes.begin(), bytes.end()));
  };
  return h;
}

void RecordingHandler::on_bytes(std::span<const std::uint8_t> bytes) {
  calls.fetch_add(1);
  {
    std::lock_guard lock(mutex_);
    received_.insert(received_.end(), bytes.begin(), bytes.end());
  }
  if (on_bytes_hook) {
    on_bytes_hook(*this, bytes);
  }
}

void RecordingHandler::on_transport_closed() {
  closed.fetch_add(1);
  link.reset();  // the broker drops its link here; this breaks the ownership cycle
}

std::vector<std::uint8_t> RecordingHandler::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::size_t RecordingHandler::received_size() const {
  std::lock_guard lock(mutex_);
  return received_.size();
}

void RecordingHandler::run(std::function<void(broker::ClientLink&)> fn) {
  std::promise<void> done;
  asio::post(executor, [&] {
    if (link) {
      fn(*link);
    }
    done.set_value();
  });
  done.get_future().wait();
}

Server::Server(std::size_t max_connections, ConnectionOptions options, std::size_t threads)
    : pool(threads) {
  ListenerConfig config;
  config.kind = "tcp";
  config.name = "test";
  config.endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
  config.max_connections = max_connections;
  config.options = options;
  listener = std::make_unique<Listener>(
      pool, config,
      [this](asio::any_io_executor ex, std::shared_ptr<broker::ClientLink> link) {
        auto h = std::make_shared<RecordingHandler>(std::move(ex), std::move(link));
        if (on_accept) {
          on_accept(*h);
        }
        std::lock_guard lock(mutex_);
        handlers_.push_back(h);
        return h;
      },
      tcp_transport());
  endpoint = listener->bind();
  listener->start();
  pool.start();
}

Server::~Server() {
  listener->stop();
  pool.stop();
}

std::shared_ptr<RecordingHandler> Server::handler(std::size_t i) {
  std::lock_guard lock(mutex_);
  return i < handlers_.size() ? handlers_[i] : nullptr;
}

std::size_t Server::handler_count() {
  std::lock_guard lock(mutex_);
  return handlers_.size();
}

bool Server::wait_for(const std::function<bool()>& pred, std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= until) {
      return pred();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

Client::Client(const tcp::endpoint& endpoint) {
  socket.connect(endpoint);
}

void Client::send(std::span<const std::uint8_t> bytes) {
  asio::write(socket, asio::buffer(bytes.data(), bytes.size()));
}

std::vector<std::uint8_t> Client::read_exactly(std::size_t n) {
  std::vector<std::uint8_t> out(n);
  error_code ec;
  const auto got = asio::read(socket, asio::buffer(out), ec);
  out.resize(got);
  return out;
}

std::vector<std::uint8_t> Client::read_to_eof() {
  std::vector<std::uint8_t> out;
  std::vector<std::uint8_t> chunk(64 * 1024);
  for (;;) {
    error_code ec;
    const auto n = socket.read_some(asio::buffer(chunk), ec);
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(n));
    if (ec) {
      return out;
    }
  }
}

}  // namespace dynamq::net::test

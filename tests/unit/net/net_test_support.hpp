// A real listener on loopback with a recording ConnectionHandler, and blocking test clients.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "broker/client_link.hpp"
#include "net/io_pool.hpp"
#include "net/listener.hpp"

namespace dynamq::net::test {

// Records what the transport delivers; its hooks run on the connection's loop.
class RecordingHandler : public broker::ConnectionHandler,
                         public std::enable_shared_from_this<RecordingHandler> {
 public:
  RecordingHandler(asio::any_io_executor executor, std::shared_ptr<broker::ClientLink> link)
      : executor(std::move(executor)), link(std::move(link)) {}

  void on_bytes(std::span<const std::uint8_t> bytes) override;
  void on_transport_closed() override;

  // Thread-safe views for the test thread.
  std::vector<std::uint8_t> received() const;
  std::size_t received_size() const;
  int closed_count() const { return closed.load(); }
  // Runs fn(link) on the connection's loop and waits for it.
  void run(std::function<void(broker::ClientLink&)> fn);

  asio::any_io_executor executor;
  std::shared_ptr<broker::ClientLink> link;  // released on close (as the broker does)
  std::function<void(RecordingHandler&, std::span<const std::uint8_t>)> on_bytes_hook;
  std::atomic<int> closed{0};
  std::atomic<int> calls{0};

 private:
  mutable std::mutex mutex_;
  std::vector<std::uint8_t> received_;
};

// A RecordingHandler that writes back whatever arrives (echo servers of the transport tests).
std::shared_ptr<RecordingHandler> make_echo_handler(asio::any_io_executor executor,
                                                    std::shared_ptr<broker::ClientLink> link);

struct Server {
  explicit Server(std::size_t max_connections = 0, ConnectionOptions options = {},
                  std::size_t threads = 2);
  ~Server();

  // Handlers in accept order (thread-safe).
  std::shared_ptr<RecordingHandler> handler(std::size_t i);
  std::size_t handler_count();
  // Polls until pred() or the deadline; returns pred().
  static bool wait_for(const std::function<bool()>& pred,
                       std::chrono::milliseconds deadline = std::chrono::seconds(10));

  IoPool pool;
  std::unique_ptr<Listener> listener;
  tcp::endpoint endpoint;
  std::function<void(RecordingHandler&)> on_accept;  // set before clients connect

 private:
  std::mutex mutex_;
  std::vector<std::shared_ptr<RecordingHandler>> handlers_;
};

// A blocking client socket on its own io_context.
struct Client {
  explicit Client(const tcp::endpoint& endpoint);
  void send(std::span<const std::uint8_t> bytes);
  // Reads until `n` bytes or EOF; returns what was read.
  std::vector<std::uint8_t> read_exactly(std::size_t n);
  // Reads until EOF (or error); returns what was read.
  std::vector<std::uint8_t> read_to_eof();

  asio::io_context context;
  tcp::socket socket{context};
};

}  // namespace dynamq::net::test

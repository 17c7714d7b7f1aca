// FAKE DynamoDB endpoint for FAULT INJECTION in unit tests: an in-process HTTP/1.1 (or HTTPS)
// server on 127.0.0.1:<random port> whose answers a test scripts (throttling, 5xx, slow or
// dropped responses, UnprocessedItems, pages). It does not implement DynamoDB: tests of real
// behaviour run against DynamoDB Local / dynalite.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace dynamq::dynamo::test {

struct FakeRequest {
  std::string target;  // X-Amz-Target
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

struct FakeReply {
  int status = 200;
  std::string body = "{}";
  std::chrono::milliseconds delay{0};  // before answering
  bool close_after = false;  // close the socket after answering, without "Connection: close"
  bool drop = false;         // close the socket without answering
};

// PEM files of a self-signed certificate for "localhost" only, not 127.0.0.1 (made with the openssl
// command line in a temporary directory that is removed with the object).
struct TestCertificate {
  TestCertificate();
  ~TestCertificate();
  std::string dir, cert_file, key_file;
};

class FakeDynamoDbServer {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&, int index)>;
  explicit FakeDynamoDbServer(Handler handler, const TestCertificate* tls = nullptr);
  ~FakeDynamoDbServer();

  unsigned short port() const { return port_; }
  std::string endpoint() const;  // "http://127.0.0.1:<port>" or "https://localhost:<port>"
  int connections_accepted() const { return accepted_; }
  int max_open_connections() const { return max_open_; }
  int requests() const { return requests_; }
  int replies() const { return replies_; }
  std::vector<FakeRequest> received() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  unsigned short port_ = 0;
  bool tls_ = false;
  std::atomic<int> accepted_{0}, open_{0}, max_open_{0}, requests_{0}, replies_{0};
  mutable std::mutex mu_;
  std::vector<FakeRequest> received_;
  friend struct Impl;
};

// Polls `cond` until true or the deadline passes (waiting on a condition, not sleeping a guess).
bool wait_until(const std::function<bool()>& cond,
                std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace dynamq::dynamo::test

// Internal to dynamo/: the state behind a Client handle, and the request loop
// (sign, send on the pool, classify, back off, retry).
#pragma once

#include <atomic>
#include <mutex>
#include <random>

#include "dynamo/client.hpp"
#include "dynamo/http_pool.hpp"
#include "dynamo/sigv4.hpp"

namespace dynamq::dynamo::detail {

class ClientImpl : public std::enable_shared_from_this<ClientImpl> {
 public:
  ClientImpl(ClientOptions opts, Endpoint ep, std::shared_ptr<ConnectionPool> pool);

  // One operation: body in, successful response body out; retries inside.
  awaitable<Result<std::string>> execute(std::string_view operation, std::string body,
                                         std::string_view table);
  // Backoff sleep on the caller's executor; false when cancelled.
  awaitable<bool> sleep(std::chrono::milliseconds d);
  std::chrono::milliseconds next_backoff(int retry);

  void shutdown();
  bool stopped() const { return stopped_.load(std::memory_order_relaxed); }
  ClientStats stats() const;
  const ClientOptions& options() const { return opts_; }

 private:
  // Sets X-Amz-Date, X-Amz-Security-Token and Authorization on `req` for `now`.
  void sign(HttpRequest& req, const Credentials& creds, std::string_view payload_hash,
            std::chrono::system_clock::time_point now);

  const ClientOptions opts_;
  const Endpoint ep_;
  std::shared_ptr<ConnectionPool> pool_;
  std::shared_ptr<CredentialsProvider> creds_;
  sigv4::SigningKeyCache keys_;
  RetryBudget budget_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::uint64_t> requests_{0}, retries_{0}, failures_{0};
};

}  // namespace dynamq::dynamo::detail

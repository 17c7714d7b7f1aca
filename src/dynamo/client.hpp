// dynamq::dynamo::Client — an asynchronous DynamoDB client (JSON protocol, SigV4, keep-alive
// connection pool, retries). Every operation is an Asio C++20 coroutine that may be awaited
// from any executor; the caller's thread never blocks. Many calls may be in flight: each waits
// for one of `pool_size` persistent connections.
//
// A synchronous caller (a CLI) runs one call like this:
//   boost::asio::io_context io;
//   auto client = Client::create(io.get_executor(), opts).value();
//   std::optional<Result<ListTablesResponse>> out;
//   boost::asio::co_spawn(io, [&]() -> awaitable<void> { out = co_await client.list_tables({}); },
//                         boost::asio::detached);
//   io.run();
//
// Client is a cheap, copyable handle; copies share one pool. The pool's sockets belong to the
// executor given to create(): destroy every handle (and let pending calls finish, e.g. after
// shutdown()) before that io_context is destroyed. Per-request cancellation uses
// Asio's per-operation cancellation (e.g. awaitable operators `||` with a timer, or
// bind_cancellation_slot); the request then completes with Error::kCancelled.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/json/fwd.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "dynamo/asio.hpp"
#include "dynamo/batch_ops.hpp"
#include "dynamo/credentials.hpp"
#include "dynamo/item_ops.hpp"
#include "dynamo/query_ops.hpp"
#include "dynamo/result.hpp"
#include "dynamo/retry.hpp"
#include "dynamo/table_ops.hpp"

namespace dynamq::dynamo {

struct ClientOptions {
  // "http://127.0.0.1:8000" or "https://dynamodb.us-west-2.amazonaws.com[:port]" (Boost.URL).
  std::string endpoint;
  std::string region = "us-east-1";
  // nullptr: make_default_credentials_chain().
  std::shared_ptr<CredentialsProvider> credentials;
  std::size_t pool_size = 8;  // persistent connections, >= 1
  // Budget for one attempt: waiting for a connection, connecting, TLS, write, read.
  std::chrono::milliseconds request_timeout{10'000};
  RetryPolicy retry;
  // TLS: the system CA store is always used; ca_file adds a PEM file (tests use it).
  std::string ca_file;
  bool verify_peer = true;  // false only for tests against self-signed endpoints
  // Name used in log lines ("pool1"), so several clients can be told apart.
  std::string name = "dynamo";
};

// Counters for diagnostics and benchmarks (monotonic since create()).
struct ClientStats {
  std::uint64_t requests = 0;  // attempts sent
  std::uint64_t retries = 0;   // attempts that were retries
  std::uint64_t connections_opened = 0;
  std::uint64_t failures = 0;  // calls that returned an Error
};

namespace detail {
class ClientImpl;
struct ClientAccess;
}  // namespace detail

class Client {
 public:
  // Checks the options (URL scheme/host, region, pool_size, CA file); connects lazily.
  // `ex` runs the connections (an io_context executor; it may be multi-threaded, the client
  // uses a strand). Callers may await from any executor.
  static Result<Client> create(boost::asio::any_io_executor ex, ClientOptions options);

  // ---- control plane ----
  awaitable<Result<CreateTableResponse>> create_table(CreateTableRequest req) const;
  awaitable<Result<DescribeTableResponse>> describe_table(DescribeTableRequest req) const;
  awaitable<Result<DeleteTableResponse>> delete_table(DeleteTableRequest req) const;
  awaitable<Result<ListTablesResponse>> list_tables(ListTablesRequest req) const;
  awaitable<Result<UpdateTimeToLiveResponse>> update_time_to_live(
      UpdateTimeToLiveRequest req) const;

  // ---- items ----
  awaitable<Result<PutItemResponse>> put_item(PutItemRequest req) const;
  awaitable<Result<GetItemResponse>> get_item(GetItemRequest req) const;
  awaitable<Result<UpdateItemResponse>> update_item(UpdateItemRequest req) const;
  awaitable<Result<DeleteItemResponse>> delete_item(DeleteItemRequest req) const;

  // ---- query / scan: one page, or every page (items concatenated, counts summed,
  // last_evaluated_key empty) ----
  awaitable<Result<QueryResponse>> query(QueryRequest req) const;
  awaitable<Result<ScanResponse>> scan(ScanRequest req) const;
  awaitable<Result<QueryResponse>> query_all(QueryRequest req) const;
  awaitable<Result<ScanResponse>> scan_all(ScanRequest req) const;

  // ---- batches ----
  // One call; more than 25 writes / 100 keys is rejected locally (Error::kInvalidRequest).
  awaitable<Result<BatchWriteItemResponse>> batch_write_item(BatchWriteItemRequest req) const;
  awaitable<Result<BatchGetItemResponse>> batch_get_item(BatchGetItemRequest req) const;
  // Any size: sent in chunks of 25 / 100; Unprocessed* resubmitted with backoff until done or
  // retry.max_attempts rounds per chunk; the response lists what is still unprocessed.
  awaitable<Result<BatchWriteItemResponse>> batch_write_all(BatchWriteItemRequest req) const;
  awaitable<Result<BatchGetItemResponse>> batch_get_all(BatchGetItemRequest req) const;

  // Any operation by name with a ready JSON body; returns the parsed response body.
  // `table` is only used in log lines.
  awaitable<Result<boost::json::value>> call(std::string operation, std::string body,
                                             std::string table = {}) const;

  // Stops the client: closes connections, fails waiting and in-flight calls with
  // Error::kCancelled, and every later call too. Idempotent, thread-safe.
  void shutdown() const;

  ClientStats stats() const;
  const ClientOptions& options() const;

 private:
  friend struct detail::ClientAccess;
  explicit Client(std::shared_ptr<detail::ClientImpl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<detail::ClientImpl> impl_;
};

}  // namespace dynamq::dynamo

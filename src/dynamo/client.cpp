#include "dynamo/client.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/json.hpp>

#include "dynamo/client_impl.hpp"
#include "dynamo/crypto.hpp"
#include "dynamo/error_parse.hpp"
#include "dynamo/wire.hpp"

namespace dynamq::dynamo {
namespace detail {

namespace asio = boost::asio;
namespace http = boost::beast::http;

ClientImpl::ClientImpl(ClientOptions opts, Endpoint ep, std::shared_ptr<ConnectionPool> pool)
    : opts_(std::move(opts)),
      ep_(std::move(ep)),
      pool_(std::move(pool)),
      creds_(opts_.credentials ? opts_.credentials : make_default_credentials_chain()),
      budget_(opts_.retry),
      rng_(std::random_device{}()) {}

void ClientImpl::sign(HttpRequest& req, const Credentials& creds, std::string_view payload_hash,
                      std::chrono::system_clock::time_point now) {
  std::string amz_date = sigv4::format_amz_date(now);
  req.set("X-Amz-Date", amz_date);
  if (creds.session_token.empty())
    req.erase("X-Amz-Security-Token");
  else
    req.set("X-Amz-Security-Token", creds.session_token);
  auto target = req["X-Amz-Target"];
  auto signed_req = sigv4::sign_dynamodb(
      {ep_.host_header, std::string_view(target.data(), target.size()), amz_date, opts_.region,
       payload_hash, creds.access_key_id, creds.secret_access_key, creds.session_token, ep_.path},
      &keys_);
  req.set(http::field::authorization, signed_req.authorization);
}

std::chrono::milliseconds ClientImpl::next_backoff(int retry) {
  std::lock_guard lock(rng_mu_);
  return backoff_delay(opts_.retry, retry, rng_);
}

awaitable<bool> ClientImpl::sleep(std::chrono::milliseconds d) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(d);
  auto [ec] = co_await timer.async_wait(use_awaitable_tuple);
  co_return !ec && !stopped();
}

awaitable<Result<std::string>> ClientImpl::execute(std::string_view operation_view,
                                                   std::string body, std::string_view table_view) {
  auto self = shared_from_this();  // keeps the pool and options alive while this call runs
  std::string operation(operation_view), table(table_view);  // views die at first suspension
  HttpRequest req{http::verb::post, ep_.path, 11};
  req.set(http::field::host, ep_.host_header);
  req.set(http::field::content_type, "application/x-amz-json-1.0");
  req.set("X-Amz-Target", "DynamoDB_20120810." + operation);
  req.set(http::field::user_agent, "dynamq");
  req.keep_alive(true);
  const std::string payload_hash = crypto::sha256_hex(body);
  req.body() = std::move(body);
  req.prepare_payload();

  const int max_attempts = std::max(1, opts_.retry.max_attempts);
  for (int attempt = 1;; ++attempt) {
    if (stopped()) co_return Error{Error::kCancelled, "client is shut down", 0, false};
    auto creds = co_await creds_->get();
    if (!creds.ok()) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      co_return creds.error();
    }
    sign(req, creds.value(), payload_hash, std::chrono::system_clock::now());
    requests_.fetch_add(1, std::memory_order_relaxed);
    auto deadline = std::chrono::steady_clock::now() + opts_.request_timeout;
    auto res = co_await asio::co_spawn(pool_->strand(), pool_->send(req, deadline), use_awaitable);

    Error err;
    if (res.ok()) {
      int status = static_cast<int>(res->result_int());
      if (status == 200) {
        budget_.on_success();
        co_return std::move(res->body());
      }
      err = parse_error_response(status, res->body());
    } else {
      err = std::move(res.error());
      if (err.type == Error::kCancelled) err.retryable = false;
    }
    if (!err.retryable || attempt >= max_attempts || stopped()) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      if (attempt > 1) err.message += " (after " + std::to_string(attempt) + " attempts)";
      co_return err;
    }
    bool timeout_like = err.type == Error::kTimeout || err.type == Error::kConnection;
    if (!budget_.try_acquire(timeout_like)) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      err.message += " (not retried: retry budget exhausted)";
      co_return err;
    }
    auto delay = next_backoff(attempt);
    // Never the request body or headers here: they may carry data and the session token.
    spdlog::debug("{}: {} on table '{}' failed: {}; retry {}/{} in {} ms", opts_.name, operation,
                  table, err.describe(), attempt, max_attempts - 1, delay.count());
    retries_.fetch_add(1, std::memory_order_relaxed);
    if (!co_await sleep(delay))
      co_return Error{Error::kCancelled, "request cancelled during retry backoff", 0, false};
  }
}

void ClientImpl::shutdown() {
  if (stopped_.exchange(true)) return;
  pool_->shutdown();
}

ClientStats ClientImpl::stats() const {
  return {requests_.load(), retries_.load(), pool_->connections_opened(), failures_.load()};
}

namespace {

template <class Req>
std::string table_of(const Req& r) {
  if constexpr (requires { r.table_name; }) {
    return r.table_name;
  } else if constexpr (requires { r.request_items; }) {
    std::string names;  // batch requests: every table, for the log line
    for (const auto& [t, x] : r.request_items) names += (names.empty() ? "" : ",") + t;
    return names;
  } else {
    return {};
  }
}

template <class Req>
awaitable<Result<typename wire::Operation<Req>::Response>> run(std::shared_ptr<ClientImpl> impl,
                                                               Req req) {
  using Response = typename wire::Operation<Req>::Response;
  auto body = co_await impl->execute(wire::Operation<Req>::name, wire::encode(req), table_of(req));
  if (!body.ok()) co_return body.error();
  co_return wire::decode_body<Response>(body.value());
}

}  // namespace
}  // namespace detail

Result<Client> Client::create(boost::asio::any_io_executor ex, ClientOptions options) {
  auto ep = parse_endpoint(options.endpoint);
  if (!ep.ok()) return ep.error();
  auto invalid = [](std::string m) {
    return Error{Error::kInvalidRequest, std::move(m), 0, false};
  };
  if (options.region.empty()) return invalid("region is empty");
  if (options.pool_size == 0) return invalid("pool_size must be at least 1");
  if (options.request_timeout.count() <= 0) return invalid("request_timeout must be positive");
  if (options.retry.max_attempts < 1) return invalid("retry max_attempts must be at least 1");
  auto pool = detail::ConnectionPool::create(
      std::move(ex), ep.value(),
      detail::PoolOptions{options.pool_size, options.ca_file, options.verify_peer});
  if (!pool.ok()) return pool.error();
  return Client(std::make_shared<detail::ClientImpl>(std::move(options), std::move(ep.value()),
                                                     std::move(pool.value())));
}

#define DYNAMQ_CLIENT_OP(method, Req)                                               \
  awaitable<Result<wire::Operation<Req>::Response>> Client::method(Req req) const { \
    return detail::run(impl_, std::move(req));                                      \
  }
DYNAMQ_CLIENT_OP(create_table, CreateTableRequest)
DYNAMQ_CLIENT_OP(describe_table, DescribeTableRequest)
DYNAMQ_CLIENT_OP(delete_table, DeleteTableRequest)
DYNAMQ_CLIENT_OP(list_tables, ListTablesRequest)
DYNAMQ_CLIENT_OP(update_time_to_live, UpdateTimeToLiveRequest)
DYNAMQ_CLIENT_OP(put_item, PutItemRequest)
DYNAMQ_CLIENT_OP(get_item, GetItemRequest)
DYNAMQ_CLIENT_OP(update_item, UpdateItemRequest)
DYNAMQ_CLIENT_OP(delete_item, DeleteItemRequest)
DYNAMQ_CLIENT_OP(query, QueryRequest)
DYNAMQ_CLIENT_OP(scan, ScanRequest)
#undef DYNAMQ_CLIENT_OP

awaitable<Result<BatchWriteItemResponse>> Client::batch_write_item(
    BatchWriteItemRequest req) const {
  if (req.size() > kMaxBatchWriteItems)
    return [](std::size_t n) -> awaitable<Result<BatchWriteItemResponse>> {
      co_return Error{Error::kInvalidRequest,
                      "BatchWriteItem takes at most 25 writes, got " + std::to_string(n), 0, false};
    }(req.size());
  return detail::run(impl_, std::move(req));
}

awaitable<Result<BatchGetItemResponse>> Client::batch_get_item(BatchGetItemRequest req) const {
  if (req.size() > kMaxBatchGetKeys)
    return [](std::size_t n) -> awaitable<Result<BatchGetItemResponse>> {
      co_return Error{Error::kInvalidRequest,
                      "BatchGetItem takes at most 100 keys, got " + std::to_string(n), 0, false};
    }(req.size());
  return detail::run(impl_, std::move(req));
}

namespace {
awaitable<Result<boost::json::value>> call_raw(std::shared_ptr<detail::ClientImpl> impl,
                                               std::string operation, std::string body,
                                               std::string table) {
  auto r = co_await impl->execute(operation, std::move(body), table);
  if (!r.ok()) co_return r.error();
  boost::json::error_code ec;
  auto v = boost::json::parse(r.value().empty() ? std::string_view("{}") : r.value(), ec);
  if (ec)
    co_return Error{Error::kBadResponse, "response body is not JSON: " + ec.message(), 200, false};
  co_return v;
}
}  // namespace

// Not a coroutine itself: the returned awaitable must not depend on *this staying alive.
awaitable<Result<boost::json::value>> Client::call(std::string operation, std::string body,
                                                   std::string table) const {
  return call_raw(impl_, std::move(operation), std::move(body), std::move(table));
}

void Client::shutdown() const {
  impl_->shutdown();
}
ClientStats Client::stats() const {
  return impl_->stats();
}
const ClientOptions& Client::options() const {
  return impl_->options();
}

}  // namespace dynamq::dynamo

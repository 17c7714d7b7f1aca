// Client behaviour that needs scripted server answers: keep-alive, pool bounds, retries and
// their budget, timeouts, cancellation, shutdown, stale connections, TLS verification,
// pagination and UnprocessedItems. The server is FakeDynamoDbServer (fault injection only).
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <sstream>

#include "dynamo/client.hpp"
#include "dynamo/crypto.hpp"
#include "fake_dynamodb_server.hpp"
#include "test_util.hpp"

namespace dynamq::dynamo {
namespace {

namespace asio = boost::asio;
using test::FakeDynamoDbServer;
using test::FakeReply;
using test::FakeRequest;
using test::run_sync;
using test::wait_until;

constexpr const char* kSecret = "wJalrXUtnFEMI/K7MDENG+TopSecretKeyValue0";
constexpr const char* kToken = "SessionTokenThatMustNotLeak0123";

ClientOptions options(const std::string& endpoint) {
  ClientOptions o;
  o.endpoint = endpoint;
  o.region = "us-west-2";
  o.credentials = make_static_credentials({"AKIDTEST", kSecret, kToken, std::nullopt});
  o.pool_size = 2;
  o.request_timeout = std::chrono::seconds(10);
  o.retry.base_backoff = std::chrono::milliseconds(1);
  o.retry.max_backoff = std::chrono::milliseconds(5);
  return o;
}

PutItemRequest put(std::string id) {
  PutItemRequest r;
  r.table_name = "mqtt_msg";
  r.item = {{"msgid", std::move(id)}, {"payload", AttributeValue::b(std::string("\x00\x01", 2))}};
  return r;
}

FakeReply throttled() {
  return {
      400,
      R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException","message":"slow down"})"};
}

// Runs `body(client)` inside an io_context with a client made from `opts`.
template <class F>
auto with_client(ClientOptions opts, F body) {
  asio::io_context io;
  auto client = Client::create(io.get_executor(), std::move(opts));
  EXPECT_TRUE(client.ok()) << client.error().describe();
  using R = typename std::invoke_result_t<F, Client>::value_type;
  std::optional<R> out;
  asio::co_spawn(io, body(client.value()), [&](std::exception_ptr e, R r) {
    if (e) std::rethrow_exception(e);
    out.emplace(std::move(r));
  });
  io.run();
  return std::move(*out);
}

TEST(ClientFake, SignsAndSendsTheDynamoDbJsonProtocol) {
  FakeDynamoDbServer server([](const FakeRequest&, int) {
    return FakeReply{200, R"({"Attributes":{"msgid":{"S":"old"}}})"};
  });
  auto r =
      with_client(options(server.endpoint()), [](Client c) -> awaitable<Result<PutItemResponse>> {
        auto req = put("m1");
        req.return_values = ReturnValues::AllOld;
        co_return co_await c.put_item(req);
      });
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(*r->attributes.at("msgid").as_s(), "old");
  auto got = server.received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].target, "DynamoDB_20120810.PutItem");
  EXPECT_EQ(got[0].headers["content-type"], "application/x-amz-json-1.0");
  EXPECT_EQ(got[0].headers["host"], "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(got[0].headers["x-amz-security-token"], kToken);
  EXPECT_EQ(got[0].headers["x-amz-date"].size(), 16u);
  const std::string& auth = got[0].headers["authorization"];
  EXPECT_EQ(auth.rfind("AWS4-HMAC-SHA256 Credential=AKIDTEST/", 0), 0u) << auth;
  EXPECT_NE(auth.find("/us-west-2/dynamodb/aws4_request, SignedHeaders=content-type;host;"
                      "x-amz-date;x-amz-security-token;x-amz-target, Signature="),
            std::string::npos)
      << auth;
  auto body = boost::json::parse(got[0].body);
  EXPECT_EQ(body.at("Item").at("payload").at("B").as_string(), "AAE=");
  EXPECT_EQ(body.at("ReturnValues").as_string(), "ALL_OLD");
}

TEST(ClientFake, KeepAliveReusesOneConnectionForSequentialCalls) {
  FakeDynamoDbServer server([](const FakeRequest&, int) { return FakeReply{}; });
  auto ok = with_client(options(server.endpoint()), [](Client c) -> awaitable<int> {
    int ok = 0;
    for (int i = 0; i < 50; ++i) ok += (co_await c.put_item(put("m" + std::to_string(i)))).ok();
    co_return ok;
  });
  EXPECT_EQ(ok, 50);
  EXPECT_EQ(server.requests(), 50);
  EXPECT_EQ(server.connections_accepted(), 1);
}

TEST(ClientFake, ManyInFlightShareABoundedPool) {
  FakeDynamoDbServer server([](const FakeRequest&, int) {
    return FakeReply{200, "{}", std::chrono::milliseconds(5)};
  });
  auto opts = options(server.endpoint());
  opts.pool_size = 3;
  auto results = with_client(opts, [](Client c) -> awaitable<std::vector<bool>> {
    auto ex = co_await asio::this_coro::executor;
    auto done = std::make_shared<std::vector<bool>>();
    auto remaining = std::make_shared<int>(40);
    asio::steady_timer all_done(ex, asio::steady_timer::time_point::max());
    for (int i = 0; i < 40; ++i)
      asio::co_spawn(ex, c.put_item(put("m" + std::to_string(i))),
                     [&, done, remaining](std::exception_ptr, Result<PutItemResponse> r) {
                       done->push_back(r.ok());
                       if (--*remaining == 0) all_done.cancel();
                     });
    co_await all_done.async_wait(use_awaitable_tuple);
    co_return *done;
  });
  ASSERT_EQ(results.size(), 40u);
  EXPECT_EQ(std::count(results.begin(), results.end(), true), 40);
  EXPECT_LE(server.max_open_connections(), 3);
  EXPECT_LE(server.connections_accepted(), 3);
  EXPECT_EQ(server.requests(), 40);
}

TEST(ClientFake, RetriesThrottlingThenSucceeds) {
  FakeDynamoDbServer server(
      [](const FakeRequest&, int i) { return i < 2 ? throttled() : FakeReply{}; });
  ClientStats stats;
  auto r =
      with_client(options(server.endpoint()), [&](Client c) -> awaitable<Result<PutItemResponse>> {
        auto r = co_await c.put_item(put("m"));
        stats = c.stats();
        co_return r;
      });
  EXPECT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(stats.retries, 2u);
  EXPECT_EQ(stats.requests, 3u);
}

TEST(ClientFake, ConditionalCheckFailureIsAValueAndNotRetried) {
  FakeDynamoDbServer server([](const FakeRequest&, int) {
    return FakeReply{
        400,
        R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"})"};
  });
  auto r =
      with_client(options(server.endpoint()), [](Client c) -> awaitable<Result<PutItemResponse>> {
        auto req = put("m");
        req.condition_expression = "attribute_not_exists(msgid)";
        co_return co_await c.put_item(req);
      });
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().conditional_check_failed());
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_EQ(server.requests(), 1);
}

TEST(ClientFake, GivesUpAfterMaxAttempts) {
  FakeDynamoDbServer server([](const FakeRequest&, int) {
    return FakeReply{
        500,
        R"({"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"boom"})"};
  });
  auto opts = options(server.endpoint());
  opts.retry.max_attempts = 4;
  auto r = with_client(opts, [](Client c) -> awaitable<Result<PutItemResponse>> {
    co_return co_await c.put_item(put("m"));
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "InternalServerError");
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(server.requests(), 4);
}

TEST(ClientFake, RetryBudgetStopsHammeringAFailingEndpoint) {
  FakeDynamoDbServer server([](const FakeRequest&, int) {
    return FakeReply{503, "Service Unavailable"};
  });
  auto opts = options(server.endpoint());
  opts.retry.max_attempts = 10;
  opts.retry.budget_capacity = 12;  // two retries at cost 5, then empty
  opts.retry.retry_cost = 5;
  auto errors = with_client(opts, [](Client c) -> awaitable<std::vector<Error>> {
    std::vector<Error> out;
    for (int i = 0; i < 3; ++i) out.push_back((co_await c.put_item(put("m"))).error());
    co_return out;
  });
  // Call 1: 1 + 2 retries; calls 2 and 3: budget empty, one attempt each.
  EXPECT_EQ(server.requests(), 5);
  for (const auto& e : errors) EXPECT_EQ(e.type, "HTTP503");
  EXPECT_NE(errors[2].message.find("retry budget"), std::string::npos) << errors[2].message;
}

TEST(ClientFake, RequestTimeoutIsAnErrorValue) {
  FakeDynamoDbServer server([](const FakeRequest&, int) {
    return FakeReply{200, "{}", std::chrono::seconds(3)};
  });
  auto opts = options(server.endpoint());
  opts.request_timeout = std::chrono::milliseconds(100);
  opts.retry.max_attempts = 2;
  auto r = with_client(opts, [](Client c) -> awaitable<Result<PutItemResponse>> {
    co_return co_await c.put_item(put("m"));
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, Error::kTimeout);
  EXPECT_TRUE(r.error().retryable);
  EXPECT_EQ(server.requests(), 2);  // retried once, then gave up
  EXPECT_EQ(server.replies(), 0);
}

TEST(ClientFake, ServerClosingIdleConnectionsIsHandledTransparently) {
  FakeDynamoDbServer server([](const FakeRequest&, int) {
    FakeReply r;
    r.close_after = true;  // like a server with a short keep-alive timeout
    return r;
  });
  ClientStats stats;
  auto ok = with_client(options(server.endpoint()), [&](Client c) -> awaitable<int> {
    int ok = 0;
    for (int i = 0; i < 5; ++i) {
      auto r = co_await c.put_item(put("m"));
      EXPECT_TRUE(r.ok()) << r.error().describe();
      ok += r.ok();
      // Wait until the server has really closed before the next call reuses the socket.
      wait_until([&] { return server.replies() == i + 1; });
    }
    stats = c.stats();
    co_return ok;
  });
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(stats.retries, 0u);  // reconnects are not retries
  EXPECT_EQ(server.requests(), 5);
}

TEST(ClientFake, ConnectionRefusedIsRetryableConnectionError) {
  unsigned short dead_port;
  {
    FakeDynamoDbServer s([](const FakeRequest&, int) { return FakeReply{}; });
    dead_port = s.port();
  }  // closed: nothing listens there now
  auto opts = options("http://127.0.0.1:" + std::to_string(dead_port));
  opts.retry.max_attempts = 3;
  ClientStats stats;
  auto r = with_client(opts, [&](Client c) -> awaitable<Result<PutItemResponse>> {
    auto r = co_await c.put_item(put("m"));
    stats = c.stats();
    co_return r;
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, Error::kConnection);
  EXPECT_EQ(r.error().http_status, 0);
  EXPECT_EQ(stats.requests, 3u);
}

TEST(ClientFake, SecretsNeverInErrorsOrLogs) {
  auto stream = std::make_shared<std::ostringstream>();
  auto logger = std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(*stream));
  logger->set_level(spdlog::level::trace);
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(logger);
  FakeDynamoDbServer server([](const FakeRequest&, int i) {
    if (i == 0) return throttled();
    return FakeReply{
        400,
        R"({"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."})"};
  });
  auto opts = options(server.endpoint());
  auto r = with_client(opts, [](Client c) -> awaitable<Result<PutItemResponse>> {
    co_return co_await c.put_item(put("m"));
  });
  auto opts2 = options("http://127.0.0.1:1");  // connection refused
  opts2.retry.max_attempts = 2;
  auto r2 = with_client(opts2, [](Client c) -> awaitable<Result<PutItemResponse>> {
    co_return co_await c.put_item(put("m"));
  });
  spdlog::set_default_logger(previous);
  ASSERT_FALSE(r.ok());
  ASSERT_FALSE(r2.ok());
  EXPECT_EQ(r.error().type, "UnrecognizedClientException");
  std::string logs = stream->str();
  EXPECT_NE(logs.find("retry 1/"), std::string::npos) << logs;  // the retries were logged
  EXPECT_NE(logs.find("mqtt_msg"), std::string::npos) << logs;  // with the table
  for (const std::string& text : {r.error().describe(), r2.error().describe(), logs}) {
    EXPECT_EQ(text.find(kSecret), std::string::npos) << text;
    EXPECT_EQ(text.find(kToken), std::string::npos) << text;
  }
}

TEST(ClientFake, PerRequestCancellation) {
  FakeDynamoDbServer server([](const FakeRequest&, int) {
    return FakeReply{200, "{}", std::chrono::seconds(5)};
  });
  auto r =
      with_client(options(server.endpoint()), [&](Client c) -> awaitable<Result<PutItemResponse>> {
        using namespace asio::experimental::awaitable_operators;
        asio::steady_timer cancel_timer(co_await asio::this_coro::executor);
        cancel_timer.expires_after(std::chrono::milliseconds(100));
        auto which = co_await (c.put_item(put("m")) || cancel_timer.async_wait(use_awaitable));
        if (which.index() == 0) co_return std::get<0>(which);
        co_return Error{"TimerWon", "", 0, false};
      });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, "TimerWon");
  EXPECT_EQ(server.requests(), 1);
  EXPECT_EQ(server.replies(), 0);  // the call finished before the server answered
}

TEST(ClientFake, ShutdownFailsInFlightAndLaterCalls) {
  FakeDynamoDbServer server([](const FakeRequest&, int) {
    return FakeReply{200, "{}", std::chrono::seconds(5)};
  });
  auto opts = options(server.endpoint());
  opts.pool_size = 1;  // one call on the wire, two waiting for the connection
  auto results = with_client(opts, [&](Client c) -> awaitable<std::vector<Error>> {
    auto ex = co_await asio::this_coro::executor;
    auto out = std::make_shared<std::vector<Error>>();
    for (int i = 0; i < 3; ++i)
      asio::co_spawn(ex, c.put_item(put("m")),
                     [out](std::exception_ptr, Result<PutItemResponse> r) {
                       out->push_back(r.ok() ? Error{"ok"} : r.error());
                     });
    asio::steady_timer poll(ex);
    while (server.requests() < 1) {  // wait for the condition: the request reached the server
      poll.expires_after(std::chrono::milliseconds(2));
      co_await poll.async_wait(use_awaitable);
    }
    c.shutdown();
    while (out->size() < 3) {
      poll.expires_after(std::chrono::milliseconds(2));
      co_await poll.async_wait(use_awaitable);
    }
    out->push_back((co_await c.put_item(put("late"))).error());
    co_return *out;
  });
  ASSERT_EQ(results.size(), 4u);
  for (const auto& e : results) EXPECT_EQ(e.type, Error::kCancelled) << e.describe();
  EXPECT_EQ(server.replies(), 0);
  EXPECT_EQ(server.requests(), 1);
}

TEST(ClientFake, QueryAllFollowsLastEvaluatedKey) {
  FakeDynamoDbServer server([](const FakeRequest&, int i) {
    std::string key = R"({"clientid":{"S":"c"},"topic":{"S":"t)" + std::to_string(i) + R"("}})";
    std::string items = R"([{"topic":{"S":"t)" + std::to_string(i) + R"("}}])";
    if (i < 2)
      return FakeReply{200, R"({"Count":1,"ScannedCount":1,"Items":)" + items +
                                R"(,"LastEvaluatedKey":)" + key + "}"};
    return FakeReply{200, R"({"Count":1,"ScannedCount":2,"Items":)" + items + "}"};
  });
  auto r =
      with_client(options(server.endpoint()), [](Client c) -> awaitable<Result<QueryResponse>> {
        QueryRequest q;
        q.table_name = "mqtt_sub";
        q.key_condition_expression = "clientid = :c";
        q.values = {{":c", "c"}};
        co_return co_await c.query_all(q);
      });
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->items.size(), 3u);
  EXPECT_EQ(*r->items[2].at("topic").as_s(), "t2");
  EXPECT_EQ(r->count, 3);
  EXPECT_EQ(r->scanned_count, 4);
  auto got = server.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_FALSE(boost::json::parse(got[0].body).as_object().contains("ExclusiveStartKey"));
  EXPECT_EQ(boost::json::parse(got[2].body).at("ExclusiveStartKey").at("topic").at("S").as_string(),
            "t1");
}

BatchWriteItemRequest batch(int n) {
  BatchWriteItemRequest b;
  for (int i = 0; i < n; ++i)
    b.request_items["mqtt_msg"].push_back(PutRequest{{{"msgid", "m" + std::to_string(i)}}});
  return b;
}

// Answers every BatchWriteItem by leaving the last `keep` writes of the request unprocessed.
FakeReply leave_unprocessed(const FakeRequest& r, std::size_t keep) {
  auto body = boost::json::parse(r.body);
  auto& writes = body.at("RequestItems").at("mqtt_msg").as_array();
  boost::json::array rest;
  for (std::size_t i = writes.size() > keep ? writes.size() - keep : 0; i < writes.size(); ++i)
    rest.push_back(writes[i]);
  boost::json::object out;
  if (!rest.empty()) out["UnprocessedItems"] = boost::json::object{{"mqtt_msg", rest}};
  return FakeReply{200, boost::json::serialize(out)};
}

TEST(ClientFake, BatchWriteAllResubmitsUnprocessedUntilDone) {
  std::atomic<int> calls = 0;
  FakeDynamoDbServer server(
      [&](const FakeRequest& r, int) { return leave_unprocessed(r, ++calls <= 2 ? 10 : 0); });
  auto r = with_client(options(server.endpoint()),
                       [](Client c) -> awaitable<Result<BatchWriteItemResponse>> {
                         co_return co_await c.batch_write_all(batch(25));
                       });
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->unprocessed_count(), 0u);
  auto got = server.received();
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(boost::json::parse(got[0].body).at("RequestItems").at("mqtt_msg").as_array().size(),
            25u);
  auto second = boost::json::parse(got[1].body).at("RequestItems").at("mqtt_msg").as_array();
  ASSERT_EQ(second.size(), 10u);
  EXPECT_EQ(second[0].at("PutRequest").at("Item").at("msgid").at("S").as_string(), "m15");
}

TEST(ClientFake, BatchWriteAllChunksAndReportsWhatStaysUnprocessed) {
  FakeDynamoDbServer server([&](const FakeRequest& r, int) { return leave_unprocessed(r, 3); });
  auto opts = options(server.endpoint());
  opts.retry.max_attempts = 3;
  auto r = with_client(opts, [](Client c) -> awaitable<Result<BatchWriteItemResponse>> {
    co_return co_await c.batch_write_all(batch(30));  // chunks of 25 and 5
  });
  ASSERT_TRUE(r.ok()) << r.error().describe();
  // Each chunk: 3 rounds, the last 3 writes never processed.
  EXPECT_EQ(server.requests(), 6);
  EXPECT_EQ(r->unprocessed_count(), 6u);
  for (const auto& req : server.received())
    EXPECT_LE(boost::json::parse(req.body).at("RequestItems").at("mqtt_msg").as_array().size(),
              25u);
}

TEST(ClientFake, OversizedBatchRejectedLocally) {
  FakeDynamoDbServer server([](const FakeRequest&, int) { return FakeReply{}; });
  auto r = with_client(options(server.endpoint()),
                       [](Client c) -> awaitable<Result<BatchWriteItemResponse>> {
                         co_return co_await c.batch_write_item(batch(26));
                       });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().type, Error::kInvalidRequest);
  EXPECT_EQ(server.requests(), 0);
}

TEST(ClientFake, HttpsVerifiesTheServerCertificate) {
  test::TestCertificate cert;
  FakeDynamoDbServer server(
      [](const FakeRequest&, int) {
        return FakeReply{200, R"({"TableNames":["a"]})"};
      },
      &cert);
  auto opts = options(server.endpoint());  // https://localhost:<port>
  opts.ca_file = cert.cert_file;
  auto ok = with_client(opts, [](Client c) -> awaitable<Result<ListTablesResponse>> {
    auto first = co_await c.list_tables({});
    if (!first.ok()) co_return first;
    co_return co_await c.list_tables({});
  });
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ(ok->table_names, std::vector<std::string>{"a"});
  EXPECT_EQ(server.connections_accepted(), 1);  // one handshake for both calls
  // Without the CA the self-signed certificate must be refused.
  auto untrusted = options(server.endpoint());
  untrusted.retry.max_attempts = 1;
  auto bad = with_client(untrusted, [](Client c) -> awaitable<Result<ListTablesResponse>> {
    co_return co_await c.list_tables({});
  });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().type, Error::kConnection);
  EXPECT_NE(bad.error().message.find("TLS"), std::string::npos) << bad.error().message;
  // Trusted CA but a name the certificate does not carry (it names only "localhost").
  auto wrong_name = options("https://127.0.0.1:" + std::to_string(server.port()));
  wrong_name.ca_file = cert.cert_file;
  wrong_name.retry.max_attempts = 1;
  auto bad2 = with_client(wrong_name, [](Client c) -> awaitable<Result<ListTablesResponse>> {
    co_return co_await c.list_tables({});
  });
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.error().message.find("TLS"), std::string::npos) << bad2.error().message;
  EXPECT_EQ(server.replies(), 2);  // only the two trusted calls were answered
}

TEST(ClientFake, CreateRejectsBadOptions) {
  asio::io_context io;
  auto o = options("ftp://x");
  EXPECT_FALSE(Client::create(io.get_executor(), o).ok());
  o = options("http://127.0.0.1:1");
  o.pool_size = 0;
  EXPECT_FALSE(Client::create(io.get_executor(), o).ok());
  o = options("https://localhost:1");
  o.ca_file = "/nonexistent/ca.pem";
  auto r = Client::create(io.get_executor(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/ca.pem"), std::string::npos);
}

}  // namespace
}  // namespace dynamq::dynamo

// dynamq_dynamo_probe — TEST TOOL: runs DynamoDB operations through dynamq's own client
// (dynamq_dynamo) so integration tests can compare what it writes and reads with boto3.
//
//   dynamq_dynamo_probe --endpoint http://127.0.0.1:8000 [--region us-west-2]
//       [--access-key K --secret S] [--pool-size N] [--max-attempts N] [--timeout-ms N]
//       [--max-backoff-ms N]  < request.json
//
// stdin: one request object, or an array of them run in order. A request is the DynamoDB
// request body plus "op": {"op": "PutItem", "TableName": "t", "Item": {...}}. These are
// decoded into the client's typed requests and the answers encoded back from its typed
// responses (so both directions of its attribute mapping are exercised): PutItem, GetItem,
// UpdateItem, DeleteItem, Query and Scan (every page), BatchWriteItem and BatchGetItem (any
// size, unprocessed entries resubmitted), ListTables, DescribeTable. Any other op goes
// through Client::call with the body as given.
// stdout: one result object (or an array): {"ok": true, "result": {...}} or
// {"ok": false, "error": {"type", "message", "http_status", "retryable"}}, plus
// "stats": {"requests", "retries", "connections_opened", "failures"} of the client.
// Exit code 0 when every request succeeded, 1 otherwise, 2 on bad input.
#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <iterator>

#include "dynamo/client.hpp"
#include "probe_json.hpp"

namespace json = boost::json;
using namespace dynamq::dynamo;
using dynamq::probe::run_request;

int main(int argc, char** argv) {
  CLI::App app{"dynamq_dynamo_probe: DynamoDB operations through dynamq's client (test tool)"};
  ClientOptions options;
  std::string access_key = "local", secret = "local";
  int max_attempts = 5, timeout_ms = 10000, max_backoff_ms = 2000;
  app.add_option("--endpoint", options.endpoint, "http(s)://host:port")->required();
  app.add_option("--region", options.region)->default_val("us-west-2");
  app.add_option("--access-key", access_key);
  app.add_option("--secret", secret);
  app.add_option("--pool-size", options.pool_size)->default_val(4);
  app.add_option("--max-attempts", max_attempts);
  app.add_option("--timeout-ms", timeout_ms);
  app.add_option("--max-backoff-ms", max_backoff_ms);
  CLI11_PARSE(app, argc, argv);
  options.credentials = make_static_credentials({access_key, secret, "", std::nullopt});
  options.retry.max_attempts = max_attempts;
  options.retry.max_backoff = std::chrono::milliseconds(max_backoff_ms);
  options.request_timeout = std::chrono::milliseconds(timeout_ms);
  options.name = "probe";

  const std::string input(std::istreambuf_iterator<char>(std::cin), {});
  json::error_code ec;
  json::value doc = json::parse(input, ec);
  if (ec || !(doc.is_object() || doc.is_array())) {
    std::cerr << "dynamq_dynamo_probe: stdin must be a JSON object or array\n";
    return 2;
  }
  const bool many = doc.is_array();
  json::array requests = many ? doc.as_array() : json::array{doc};

  boost::asio::io_context io;
  auto client = Client::create(io.get_executor(), options);
  if (!client.ok()) {
    std::cerr << "dynamq_dynamo_probe: " << client.error().describe() << '\n';
    return 2;
  }
  json::array results;
  bool all_ok = true;
  boost::asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        for (const auto& r : requests) {
          auto out = co_await run_request(client.value(), r);
          all_ok = all_ok && out.at("ok").as_bool();
          results.push_back(std::move(out));
        }
        client->shutdown();
      },
      boost::asio::detached);
  io.run();
  const auto s = client->stats();
  const json::object stats{{"requests", s.requests},
                           {"retries", s.retries},
                           {"connections_opened", s.connections_opened},
                           {"failures", s.failures}};
  for (auto& r : results) r.as_object()["stats"] = stats;
  std::cout << json::serialize(many ? json::value(results) : results.at(0)) << '\n';
  return all_ok ? 0 : 1;
}

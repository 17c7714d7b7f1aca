// dynamo_load: end-to-end write load through dynamq's DynamoDB client (dynamq_dynamo), the
// C++ half of bench/dynamo/run.sh; js_load.mjs is the same load through the AWS SDK for
// JavaScript v3.
//
//   dynamo_load --endpoint URL --table T --op put|batch --items N --pool-size P --inflight C
//
// put:   N PutItem calls, C in flight; batch: N items in BatchWriteItem calls of 25, C in
// flight (UnprocessedItems resubmitted). Items look like the seed's mqtt_msg rows with a
// 100-byte payload. One thread runs the client (the JS SDK also runs on one thread).
// Prints one JSON line: {"client": "dynamq", "op", "items", "seconds", "items_per_s",
// "requests", "cpu_s", "cpu_us_per_request", "failures"}; CPU is getrusage(RUSAGE_SELF),
// user + system, measured around the load only.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "dynamo/client.hpp"

using namespace dynamq::dynamo;

namespace {

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto tv = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return tv(u.ru_utime) + tv(u.ru_stime);
}

Item make_item(std::size_t i, const std::string& run) {
  return Item{{"msgid", AttributeValue::s(run + "-" + std::to_string(i))},
              {"topic", AttributeValue::s("bench/topic/" + std::to_string(i % 100))},
              {"sender", AttributeValue::s("bench-client")},
              {"qos", AttributeValue::n(1)},
              {"retain", AttributeValue::n(0)},
              {"payload", AttributeValue::s(std::string(100, 'x'))},
              {"arrived", AttributeValue::n(1562308553 + static_cast<long>(i))}};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"dynamo_load: write load through dynamq's DynamoDB client"};
  ClientOptions options;
  std::string table = "bench_msg", op = "put";
  std::size_t items = 2000, inflight = 4;
  app.add_option("--endpoint", options.endpoint)->required();
  app.add_option("--table", table);
  app.add_option("--op", op)->check(CLI::IsMember({"put", "batch"}));
  app.add_option("--items", items);
  app.add_option("--pool-size", options.pool_size)->default_val(4);
  app.add_option("--inflight", inflight);
  CLI11_PARSE(app, argc, argv);
  options.region = "us-west-2";
  options.credentials = make_static_credentials({"local", "local", "", std::nullopt});

  boost::asio::io_context io(1);
  auto client = Client::create(io.get_executor(), options).value();
  const std::string run =
      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  const std::size_t unit = op == "put" ? 1 : kMaxBatchWriteItems;
  const std::size_t units = (items + unit - 1) / unit;
  std::size_t next = 0, done_workers = 0, failures = 0;

  // Warm up: open the pool's connections before the clock starts (the JS side does too).
  for (std::size_t w = 0; w < options.pool_size; ++w) {
    boost::asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
          ListTablesRequest req;  // a named local: GCC 12 mishandles braced temporaries here
          (void)co_await client.list_tables(std::move(req));
        },
        boost::asio::detached);
  }
  io.run();
  io.restart();

  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t w = 0; w < inflight; ++w) {
    boost::asio::co_spawn(
        io,
        [&]() -> awaitable<void> {
          while (next < units) {
            const std::size_t u = next++;
            if (op == "put") {
              PutItemRequest req{table, make_item(u, run), {}, {}, {}, {}};
              auto r = co_await client.put_item(std::move(req));
              failures += r.ok() ? 0 : 1;
            } else {
              BatchWriteItemRequest req;
              auto& writes = req.request_items[table];
              for (std::size_t i = u * unit; i < std::min(items, (u + 1) * unit); ++i) {
                writes.push_back(PutRequest{make_item(i, run)});
              }
              auto r = co_await client.batch_write_all(std::move(req));
              failures += !r.ok() || r->unprocessed_count() > 0 ? 1 : 0;
            }
          }
          if (++done_workers == inflight) client.shutdown();
        },
        boost::asio::detached);
  }
  const auto stats0 = client.stats();
  io.run();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  const auto requests = client.stats().requests - stats0.requests;
  std::printf(
      "{\"client\": \"dynamq\", \"op\": \"%s\", \"items\": %zu, \"seconds\": %.3f, "
      "\"items_per_s\": %.0f, \"requests\": %llu, \"cpu_s\": %.3f, \"cpu_us_per_request\": %.1f, "
      "\"failures\": %zu}\n",
      op.c_str(), items, seconds, items / seconds, static_cast<unsigned long long>(requests), cpu,
      requests ? cpu * 1e6 / static_cast<double>(requests) : 0.0, failures);
  return failures == 0 ? 0 : 1;
}

// Micro-benchmarks of the DynamoDB client's CPU work per request: signing, encoding a
// BatchWriteItem of 25 messages, decoding a Query page. Run:
//   <build>/bench/dynamo_micro_bench --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <string>

#include "dynamo/crypto.hpp"
#include "dynamo/sigv4.hpp"
#include "dynamo/wire.hpp"

namespace {

using namespace dynamq::dynamo;

// A stored MQTT message as storage/ would write it (seed's mqtt_msg table).
Item message_item(int i) {
  return {{"msgid", "Mjg4MTk1MDYwNTk0NjYwNzYzMTg4MDk3OTQ2MDU2Nzg1OT" + std::to_string(i)},
          {"topic", "sensors/building-7/floor-3/temperature"},
          {"sender", "mqttjs_231b962d5c"},
          {"qos", AttributeValue::n(1)},
          {"retain", AttributeValue::n(0)},
          {"payload", AttributeValue::b(std::string(256, static_cast<char>('a' + i % 26)))},
          {"arrived", AttributeValue::n(1562308553 + i)}};
}

void BM_SignPutItem(benchmark::State& state) {
  PutItemRequest req{"mqtt_msg", message_item(1)};
  std::string body = wire::encode(req);
  sigv4::SigningKeyCache cache;
  for (auto _ : state) {
    std::string hash = crypto::sha256_hex(body);
    auto s = sigv4::sign_dynamodb(
        {"127.0.0.1:8000", "DynamoDB_20120810.PutItem", "20260101T000000Z", "us-west-2", hash,
         "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""},
        &cache);
    benchmark::DoNotOptimize(s.authorization);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_SignPutItem);

void BM_SignPutItemNoKeyCache(benchmark::State& state) {
  std::string body = wire::encode(PutItemRequest{"mqtt_msg", message_item(1)});
  for (auto _ : state) {
    std::string hash = crypto::sha256_hex(body);
    auto s = sigv4::sign_dynamodb({"127.0.0.1:8000", "DynamoDB_20120810.PutItem",
                                   "20260101T000000Z", "us-west-2", hash, "AKIDEXAMPLE",
                                   "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""});
    benchmark::DoNotOptimize(s.authorization);
  }
}
BENCHMARK(BM_SignPutItemNoKeyCache);

void BM_EncodePutItem(benchmark::State& state) {
  PutItemRequest req{"mqtt_msg", message_item(1)};
  for (auto _ : state) benchmark::DoNotOptimize(wire::encode(req));
}
BENCHMARK(BM_EncodePutItem);

void BM_EncodeBatchWrite25(benchmark::State& state) {
  BatchWriteItemRequest req;
  for (int i = 0; i < 25; ++i) req.request_items["mqtt_msg"].push_back(PutRequest{message_item(i)});
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string body = wire::encode(req);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations() * 25);
  state.counters["body_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodeBatchWrite25);

void BM_DecodeQueryResponse(benchmark::State& state) {
  // A page of `n` items as DynamoDB returns it.
  const int n = static_cast<int>(state.range(0));
  std::string body = R"({"Count":)" + std::to_string(n) + R"(,"ScannedCount":)" +
                     std::to_string(n) + R"(,"Items":[)";
  for (int i = 0; i < n; ++i) {
    if (i) body += ',';
    std::string one = wire::encode(PutItemRequest{"t", message_item(i)});
    // {"TableName":"t","Item":{...}} -> the Item object
    auto start = one.find("\"Item\":") + 7;
    body += one.substr(start, one.size() - start - 1);
  }
  body += "]}";
  for (auto _ : state) {
    auto r = wire::decode_body<QueryResponse>(body);
    if (!r.ok() || r->items.size() != static_cast<std::size_t>(n))
      state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_DecodeQueryResponse)->Arg(10)->Arg(100);

}  // namespace

BENCHMARK_MAIN();

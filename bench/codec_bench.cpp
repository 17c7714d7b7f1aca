// Micro-benchmarks of the MQTT codec on a typical PUBLISH (the broker's hot path):
// decode, full encode, encode-once-and-patch fan-out, topic matching, UTF-8 validation.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "mqtt/codec.hpp"

namespace {

using namespace dynamq::mqtt;

const std::string kTopic = "sensors/building-7/floor-3/room-12/temperature";

Publish make_publish(std::size_t payload, QoS qos) {
  Publish p;
  p.topic = kTopic;
  p.qos = qos;
  p.packet_id = qos == QoS::at_most_once ? 0 : 4711;
  p.payload = Payload(std::string(payload, 'x'));
  return p;
}

Version version_arg(const benchmark::State& state) {
  return state.range(0) == 5 ? Version::v5 : Version::v3_1_1;
}

void BM_DecodePublish(benchmark::State& state) {
  const Version v = version_arg(state);
  const auto bytes = encode(make_publish(state.range(1), QoS::at_least_once), v);
  for (auto _ : state) {
    DecodeResult r = decode(bytes, v, kNoPacketSizeLimit);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_DecodePublish)->ArgsProduct({{4, 5}, {16, 256, 1024}});

void BM_EncodePublish(benchmark::State& state) {
  const Version v = version_arg(state);
  const Publish p = make_publish(state.range(1), QoS::at_least_once);
  std::vector<std::uint8_t> out;
  for (auto _ : state) {
    out.clear();
    encode_publish(p, v, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodePublish)->ArgsProduct({{4, 5}, {16, 256, 1024}});

// Fan-out: the PUBLISH is encoded once; each subscriber gets a copy with its packet id.
void BM_FanOutPatchPacketId(benchmark::State& state) {
  const Publish p = make_publish(state.range(0), QoS::at_least_once);
  std::vector<std::uint8_t> encoded;
  const PublishLayout layout = encode_publish(p, Version::v3_1_1, encoded);
  std::vector<std::uint8_t> out;
  std::uint16_t id = 1;
  for (auto _ : state) {
    out.assign(encoded.begin(), encoded.end());
    set_publish_packet_id(out, layout, id++ | 1);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FanOutPatchPacketId)->Arg(16)->Arg(256)->Arg(1024);

void BM_DecodeStreamOf100Publishes(benchmark::State& state) {
  std::vector<std::uint8_t> stream;
  for (int i = 0; i < 100; ++i)
    encode(make_publish(64, QoS::at_most_once), Version::v3_1_1, stream);
  for (auto _ : state) {
    std::size_t offset = 0;
    while (offset < stream.size()) {
      DecodeResult r =
          decode(std::span(stream).subspan(offset), Version::v3_1_1, kNoPacketSizeLimit);
      offset += r.consumed;
      benchmark::DoNotOptimize(r);
    }
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_DecodeStreamOf100Publishes);

void BM_TopicMatches(benchmark::State& state) {
  const std::string filters[] = {"sensors/+/floor-3/#", "sensors/building-7/floor-3/room-12/+", "#",
                                 "sensors/building-8/#"};
  for (auto _ : state) {
    for (const auto& f : filters) benchmark::DoNotOptimize(topic_matches(f, kTopic));
  }
  state.SetItemsProcessed(state.iterations() * 4);
}
BENCHMARK(BM_TopicMatches);

void BM_Utf8Validate(benchmark::State& state) {
  const std::string text = kTopic + "/Grüße/東京";
  for (auto _ : state) benchmark::DoNotOptimize(is_valid_mqtt_utf8(text));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text.size()));
}
BENCHMARK(BM_Utf8Validate);

}  // namespace

BENCHMARK_MAIN();

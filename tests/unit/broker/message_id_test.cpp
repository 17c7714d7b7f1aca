#include "broker/message_id.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace dynamq::broker {
namespace {

TEST(MessageId, HighBitsAreThePublishTimeAndIdsIncrease) {
  MessageIdGenerator gen(7);
  const auto before = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  MessageId last = gen.next();
  EXPECT_GE(static_cast<long long>(last.high), before);
  EXPECT_EQ(last.low >> 48, 7U);
  for (int i = 0; i < 10000; ++i) {
    const MessageId id = gen.next();
    EXPECT_LT(last, id);
    last = id;
  }
}

TEST(MessageId, UniqueAcrossThreads) {
  MessageIdGenerator gen(1);
  std::vector<std::vector<MessageId>> per_thread(4);
  std::vector<std::thread> threads;
  for (auto& ids : per_thread) {
    threads.emplace_back([&gen, &ids] {
      for (int i = 0; i < 5000; ++i) {
        ids.push_back(gen.next());
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  std::vector<MessageId> all;
  for (const auto& ids : per_thread) {
    for (std::size_t i = 1; i < ids.size(); ++i) {
      EXPECT_LT(ids[i - 1], ids[i]);  // increasing within each thread
    }
    all.insert(all.end(), ids.begin(), ids.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::adjacent_find(all.begin(), all.end()), all.end());
}

TEST(MessageId, DecimalIsThe128BitValue) {
  // The seed's example: 28819506059466076318809794605678590 >> 64 = 1562308553981613 µs.
  const MessageId id{1562308553981613ULL, 0};
  unsigned __int128 expected = 0;
  for (const char c : std::string("28819506059466076318809794605678590")) {
    expected = expected * 10 + static_cast<unsigned>(c - '0');
  }
  const MessageId seed{static_cast<std::uint64_t>(expected >> 64),
                       static_cast<std::uint64_t>(expected)};
  EXPECT_EQ(seed.high, id.high);
  EXPECT_EQ(seed.decimal(), "28819506059466076318809794605678590");
  EXPECT_EQ((MessageId{0, 42}.decimal()), "42");
}

}  // namespace
}  // namespace dynamq::broker

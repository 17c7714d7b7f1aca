// SharedString (the node and listener names shared by every ClientInfo) and its interner.
#include "broker/shared_string.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "broker/hooks.hpp"

namespace dynamq::broker {
namespace {

TEST(SharedString, ReadsLikeAString) {
  const SharedString empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty, "");
  EXPECT_EQ(empty.str(), std::string());

  const SharedString s(std::string("node-a@test"));
  EXPECT_EQ(sizeof(s), sizeof(void*));
  EXPECT_EQ(s, "node-a@test");
  EXPECT_EQ(s, std::string_view("node-a@test"));
  EXPECT_FALSE(s == "node-b@test");
  EXPECT_EQ(s.size(), 11U);
  EXPECT_STREQ(s.c_str(), "node-a@test");
  const std::string& ref = s;  // for APIs that take a std::string
  EXPECT_EQ(ref, "node-a@test");
  const std::string_view view = s;
  EXPECT_EQ(view, "node-a@test");
  std::string copy = s;
  copy += "!";
  EXPECT_EQ(s, "node-a@test");  // immutable: copying out does not touch it
  EXPECT_EQ(fmt::format("[{}] [{:>12}]", s, s), "[node-a@test] [ node-a@test]");
}

TEST(SharedString, CopiesShareTheTextAndOutliveTheOriginal) {
  SharedString copy;
  {
    const SharedString original(std::string(100, 'x'));  // on the heap, not SSO
    copy = original;
    EXPECT_TRUE(copy.same(original));
    SharedString moved = std::move(copy);
    EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is ""
    copy = moved;
  }
  EXPECT_EQ(copy, std::string(100, 'x'));
  copy = SharedString();
  EXPECT_TRUE(copy.empty());
}

TEST(SharedString, CopiedAndDroppedOnManyThreads) {
  const SharedString shared(std::string(64, 'y'));
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20000; ++i) {
        const SharedString c = shared;
        if (c.size() != 64) {
          mismatches.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
  EXPECT_EQ(mismatches.load(), 0);
  EXPECT_EQ(shared, std::string(64, 'y'));  // the last references were counted right (ASan)
}

TEST(StringInterner, OneValuePerText) {
  StringInterner interner;
  const auto a = interner.intern("default");
  const auto b = interner.intern(std::string("default"));
  const auto c = interner.intern("tls");
  EXPECT_TRUE(a.same(b));
  EXPECT_FALSE(a.same(c));
  EXPECT_EQ(a, "default");
  EXPECT_EQ(c, "tls");
}

TEST(ClientInfoNames, CopiedInfosShareNodeAndListener) {
  ClientInfo info;
  info.node = SharedString(std::string("node-1"));
  info.listener = SharedString(std::string("default"));
  const ClientInfo copy = info;  // e.g. a DelayedWill's
  EXPECT_TRUE(copy.node.same(info.node));
  EXPECT_TRUE(copy.listener.same(info.listener));
  EXPECT_EQ(copy.listener, "default");
}

}  // namespace
}  // namespace dynamq::broker

// The subscription tree: level matching, wildcards, the '$' rule, shared groups.
#include "broker/topic_tree.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "broker/broker_core.hpp"
#include "broker/session.hpp"

namespace dynamq::broker {
namespace {

class TopicTreeTest : public ::testing::Test {
 protected:
  std::shared_ptr<Session> session(const std::string& id) {
    auto info = std::make_shared<ClientInfo>();
    info->client_id = id;
    return std::make_shared<Session>(std::move(info));
  }
  std::set<std::string> matches(const std::string& topic) {
    std::vector<Target> out;
    tree_.match(topic, out);
    std::set<std::string> ids;
    for (const auto& t : out) {
      ids.insert(std::string(t.session->client_id()));
    }
    return ids;
  }
  BrokerCore core_{BrokerSettings{}};
  TopicTree tree_;
};

TEST_F(TopicTreeTest, ExactAndWildcardFilters) {
  const auto a = session("exact");
  const auto b = session("plus");
  const auto c = session("hash");
  const auto d = session("root-hash");
  tree_.subscribe("sport/tennis/player1", "", a, {});
  tree_.subscribe("sport/+/player1", "", b, {});
  tree_.subscribe("sport/#", "", c, {});
  tree_.subscribe("#", "", d, {});

  EXPECT_EQ(matches("sport/tennis/player1"),
            (std::set<std::string>{"exact", "plus", "hash", "root-hash"}));
  EXPECT_EQ(matches("sport/golf/player1"), (std::set<std::string>{"plus", "hash", "root-hash"}));
  EXPECT_EQ(matches("sport/tennis/player2"), (std::set<std::string>{"hash", "root-hash"}));
  // "sport/#" also matches the parent level itself [MQTT-4.7.1-2 non normative example].
  EXPECT_EQ(matches("sport"), (std::set<std::string>{"hash", "root-hash"}));
  EXPECT_EQ(matches("other"), (std::set<std::string>{"root-hash"}));
  // '+' matches exactly one level, including an empty one.
  EXPECT_EQ(matches("sport//player1"), (std::set<std::string>{"plus", "hash", "root-hash"}));
  EXPECT_EQ(matches("sport/a/b/player1"), (std::set<std::string>{"hash", "root-hash"}));
}

TEST_F(TopicTreeTest, DollarTopicsAreNotMatchedByLeadingWildcards) {
  const auto hash = session("hash");
  const auto plus = session("plus");
  const auto sys = session("sys");
  tree_.subscribe("#", "", hash, {});
  tree_.subscribe("+/monitor/Clients", "", plus, {});
  tree_.subscribe("$SYS/#", "", sys, {});
  // [MQTT-4.7.2-1]
  EXPECT_EQ(matches("$SYS/monitor/Clients"), (std::set<std::string>{"sys"}));
  EXPECT_EQ(matches("a/monitor/Clients"), (std::set<std::string>{"hash", "plus"}));
}

TEST_F(TopicTreeTest, UnsubscribeRemovesOnlyThatSubscriptionAndPrunes) {
  const auto a = session("a");
  const auto b = session("b");
  EXPECT_TRUE(tree_.subscribe("x/+/z", "", a, {}));
  EXPECT_TRUE(tree_.subscribe("x/+/z", "", b, {}));
  EXPECT_FALSE(tree_.subscribe("x/+/z", "", a, {}));  // replaced, not added
  EXPECT_EQ(tree_.subscription_count(), 2U);
  EXPECT_TRUE(tree_.unsubscribe("x/+/z", "", a.get()));
  EXPECT_FALSE(tree_.unsubscribe("x/+/z", "", a.get()));
  EXPECT_FALSE(tree_.unsubscribe("x/y", "", b.get()));
  EXPECT_EQ(matches("x/y/z"), (std::set<std::string>{"b"}));
  EXPECT_TRUE(tree_.unsubscribe("x/+/z", "", b.get()));
  EXPECT_TRUE(matches("x/y/z").empty());
  EXPECT_EQ(tree_.subscription_count(), 0U);
}

TEST_F(TopicTreeTest, OverlappingSubscriptionsAreAllReported) {
  const auto a = session("a");
  SubscriptionOptions q1;
  q1.qos = 1;
  SubscriptionOptions q2;
  q2.qos = 2;
  tree_.subscribe("a/+", "", a, q1);
  tree_.subscribe("a/#", "", a, q2);
  std::vector<Target> out;
  tree_.match("a/b", out);
  ASSERT_EQ(out.size(), 2U);  // the router merges them per session
  std::vector<std::uint8_t> qos{out[0].options.qos, out[1].options.qos};
  std::sort(qos.begin(), qos.end());
  EXPECT_EQ(qos, (std::vector<std::uint8_t>{1, 2}));
}

TEST_F(TopicTreeTest, SharedGroupPicksOneConnectedMemberRoundRobin) {
  const auto m1 = session("m1");
  const auto m2 = session("m2");
  const auto m3 = session("m3");
  const auto plain = session("plain");
  m1->set_online(true);
  m2->set_online(true);
  m3->set_online(false);
  tree_.subscribe("jobs/#", "workers", m1, {});
  tree_.subscribe("jobs/#", "workers", m2, {});
  tree_.subscribe("jobs/#", "workers", m3, {});
  tree_.subscribe("jobs/#", "", plain, {});
  std::map<std::string, int> counts;
  for (int i = 0; i < 10; ++i) {
    std::vector<Target> out;
    tree_.match("jobs/1", out);
    ASSERT_EQ(out.size(), 2U);  // one group member + the ordinary subscriber
    for (const auto& t : out) {
      if (t.share) {
        EXPECT_EQ(t.share->group, "workers");
        EXPECT_EQ(t.share->filter, "jobs/#");
        ++counts[std::string(t.session->client_id())];
      }
    }
  }
  EXPECT_EQ(counts["m1"], 5);
  EXPECT_EQ(counts["m2"], 5);
  EXPECT_EQ(counts["m3"], 0);  // offline members get nothing while others are connected

  // A leaving member is excluded when its messages are handed on.
  const auto t = tree_.pick_shared(ShareKey{"workers", "jobs/#"}, m1.get());
  ASSERT_TRUE(t.session);
  EXPECT_EQ(t.session->client_id(), "m2");
  // With nobody connected, some member still gets it (queued for it).
  m1->set_online(false);
  m2->set_online(false);
  std::vector<Target> out;
  tree_.match("jobs/2", out);
  EXPECT_EQ(out.size(), 2U);
}

TEST_F(TopicTreeTest, SharedGroupsAreIndependentPerGroupName) {
  const auto a = session("a");
  const auto b = session("b");
  a->set_online(true);
  b->set_online(true);
  tree_.subscribe("t", "g1", a, {});
  tree_.subscribe("t", "g2", b, {});
  EXPECT_EQ(matches("t"), (std::set<std::string>{"a", "b"}));
  EXPECT_TRUE(tree_.unsubscribe("t", "g1", a.get()));
  EXPECT_FALSE(tree_.unsubscribe("t", "g1", b.get()));
  EXPECT_EQ(matches("t"), (std::set<std::string>{"b"}));
}

}  // namespace
}  // namespace dynamq::broker

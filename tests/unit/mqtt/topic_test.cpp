#include "mqtt/topic.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dynamq::mqtt {
namespace {

TEST(TopicName, Validity) {
  EXPECT_TRUE(is_valid_topic_name("a"));
  EXPECT_TRUE(is_valid_topic_name("/"));
  EXPECT_TRUE(is_valid_topic_name("a//b/"));
  EXPECT_TRUE(is_valid_topic_name("$SYS/broker"));
  EXPECT_TRUE(is_valid_topic_name(" spaces are fine "));
  EXPECT_TRUE(is_valid_topic_name(std::string(65'535, 'x')));
  EXPECT_FALSE(is_valid_topic_name(""));  // [MQTT-4.7.3-1]
  EXPECT_FALSE(is_valid_topic_name(std::string(65'536, 'x')));
  EXPECT_FALSE(is_valid_topic_name("a/+"));
  EXPECT_FALSE(is_valid_topic_name("a/#"));
  EXPECT_FALSE(is_valid_topic_name("a+b"));
  EXPECT_FALSE(is_valid_topic_name(std::string("a\0b", 3)));
}

TEST(TopicFilter, Validity) {
  for (const char* ok : {"#", "+", "a/#", "+/+", "a/+/b", "/+", "+/", "a//#", "$SYS/#", "/", "a"}) {
    EXPECT_TRUE(is_valid_topic_filter(ok)) << ok;
  }
  for (const char* bad : {"", "a#", "a/#/b", "#/", "a/b#", "a+", "+a", "a/+b/c", "##", "++"}) {
    EXPECT_FALSE(is_valid_topic_filter(bad)) << bad;
  }
  EXPECT_FALSE(is_valid_topic_filter(std::string("a/\0", 3)));
  EXPECT_TRUE(is_valid_topic_filter(std::string(65'535, 'x')));
  EXPECT_FALSE(is_valid_topic_filter(std::string(65'536, 'x')));
}

struct MatchCase {
  const char* filter;
  const char* topic;
  bool matches;
};

// Examples from spec 4.7.1 and 4.7.2.
const MatchCase kMatches[] = {
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/#", "sport", true},
    {"#", "sport/tennis", true},
    {"#", "/", true},
    {"sport/tennis/+", "sport/tennis/player1", true},
    {"sport/tennis/+", "sport/tennis/player1/ranking", false},
    {"sport/+", "sport", false},
    {"sport/+", "sport/", true},
    {"+/+", "/finance", true},
    {"/+", "/finance", true},
    {"+", "/finance", false},
    {"+/tennis/#", "sport/tennis/x", true},
    {"a/b", "a/b", true},
    {"a/b", "a/b/c", false},
    {"a/b/c", "a/b", false},
    {"a/b", "A/b", false},
    {"a//b", "a//b", true},
    {"a/+/b", "a//b", true},
    {"a/#", "a", true},
    {"a/#", "ab", false},
    {"+", "a", true},
    {"+/#", "a", true},
    // [MQTT-4.7.2-1]: wildcards at the start do not match '$' topics.
    {"#", "$SYS/x", false},
    {"+/monitor/Clients", "$SYS/monitor/Clients", false},
    {"$SYS/#", "$SYS/monitor/Clients", true},
    {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
    {"a/+", "a/$b", true},  // only the first level is special
};

TEST(TopicMatches, SpecExamples) {
  for (const auto& c : kMatches) {
    EXPECT_EQ(topic_matches(c.filter, c.topic), c.matches) << c.filter << " vs " << c.topic;
  }
}

TEST(SharedSubscription, Parses) {
  auto plain = parse_subscription_filter("a/+/c");
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->shared());
  EXPECT_EQ(plain->filter, "a/+/c");

  auto shared = parse_subscription_filter("$share/group-1/sensors/#");
  ASSERT_TRUE(shared);
  EXPECT_TRUE(shared->shared());
  EXPECT_EQ(shared->share_group, "group-1");
  EXPECT_EQ(shared->filter, "sensors/#");

  auto slash = parse_subscription_filter("$share/g//");
  ASSERT_TRUE(slash);
  EXPECT_EQ(slash->filter, "/");

  // "$share" without the slash, or "$shared/...", are ordinary filters.
  auto not_share = parse_subscription_filter("$sharex/g/a");
  ASSERT_TRUE(not_share);
  EXPECT_FALSE(not_share->shared());
}

TEST(SharedSubscription, RejectsInvalidForms) {
  for (const char* bad : {"$share/", "$share/g", "$share//a", "$share/g+/a", "$share/#/a",
                          "$share/g/", "$share/g/a#", "$share/g/#/x", "a/#/b", ""}) {
    EXPECT_FALSE(parse_subscription_filter(bad)) << bad;
  }
}

}  // namespace
}  // namespace dynamq::mqtt

#include "mqtt/filter_relations.hpp"

#include <gtest/gtest.h>

namespace dynamq::mqtt {
namespace {

TEST(FilterRelations, Intersect) {
  EXPECT_TRUE(filters_intersect("#", "a/b"));
  EXPECT_TRUE(filters_intersect("a/#", "#"));
  EXPECT_TRUE(filters_intersect("a/+", "+/b"));
  EXPECT_TRUE(filters_intersect("a", "a/#"));  // "a/#" matches "a"
  EXPECT_TRUE(filters_intersect("a/b/c", "a/+/c"));
  EXPECT_FALSE(filters_intersect("a/b", "a/c"));
  EXPECT_FALSE(filters_intersect("a/+", "a/b/c"));
  EXPECT_FALSE(filters_intersect("a", "a/+"));
  EXPECT_FALSE(filters_intersect("b/#", "a/#"));
  // [MQTT-4.7.2-1] a leading wildcard never reaches '$' topics.
  EXPECT_FALSE(filters_intersect("#", "$SYS/x"));
  EXPECT_FALSE(filters_intersect("+/x", "$SYS/x"));
  EXPECT_TRUE(filters_intersect("$SYS/#", "$SYS/x"));
}

TEST(FilterRelations, Contains) {
  EXPECT_TRUE(filter_contains("#", "a/b"));
  EXPECT_TRUE(filter_contains("#", "+/+"));
  EXPECT_TRUE(filter_contains("a/#", "a"));
  EXPECT_TRUE(filter_contains("a/#", "a/+/c"));
  EXPECT_TRUE(filter_contains("a/+", "a/b"));
  EXPECT_TRUE(filter_contains("a/b", "a/b"));
  EXPECT_FALSE(filter_contains("a/b", "a/+"));
  EXPECT_FALSE(filter_contains("a/+", "a/#"));
  EXPECT_FALSE(filter_contains("a/+", "a/b/c"));
  EXPECT_FALSE(filter_contains("a", "a/#"));
  EXPECT_FALSE(filter_contains("a/b", "#"));
  EXPECT_FALSE(filter_contains("#", "$SYS/x"));
  EXPECT_TRUE(filter_contains("$SYS/#", "$SYS/x"));
}

// The cases of the storage rules' former filters_overlap (same relation).
TEST(FilterRelations, IntersectAsStorageRulesUseIt) {
  EXPECT_TRUE(filters_intersect("#", "a/b"));
  EXPECT_TRUE(filters_intersect("a/+", "a/b"));
  EXPECT_TRUE(filters_intersect("a/#", "+/b/c"));
  EXPECT_TRUE(filters_intersect("a/#", "a"));
  EXPECT_TRUE(filters_intersect("a", "a/#"));
  EXPECT_FALSE(filters_intersect("a/+", "a/b/c"));
  EXPECT_FALSE(filters_intersect("a/b", "a/c"));
  EXPECT_FALSE(filters_intersect("a/+", "a"));
  EXPECT_FALSE(filters_intersect("#", "$SYS/x"));
  EXPECT_FALSE(filters_intersect("+/x", "$SYS/x"));
  EXPECT_TRUE(filters_intersect("$SYS/#", "$SYS/x"));
}

}  // namespace
}  // namespace dynamq::mqtt

// OpenHashSet (the session registry's table): lookups, growth, backward-shift deletion
// under heavy collisions and wrap-around, checked against std::set as a model.
#include "broker/open_hash_set.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dynamq::broker {
namespace {

using Handle = std::shared_ptr<std::string>;
struct KeyOf {
  std::string_view operator()(const Handle& h) const { return *h; }
};
// Few distinct hashes: long runs of collisions.
struct FewHashes {
  std::size_t operator()(std::string_view s) const { return s.empty() ? 0 : s.back() % 3; }
};
// Every key's home is the last slot of the smallest table: runs wrap around.
struct LastSlot {
  std::size_t operator()(std::string_view /*s*/) const { return 15; }
};

template <class Set>
void expect_matches(Set& set, const std::set<std::string>& model, const std::string& when) {
  ASSERT_EQ(set.size(), model.size()) << when;
  for (const auto& key : model) {
    const auto* found = set.find(key);
    ASSERT_NE(found, nullptr) << key << " lost " << when;
    EXPECT_EQ(**found, key);
  }
  std::size_t visited = 0;
  set.for_each([&](const Handle& h) {
    ++visited;
    EXPECT_TRUE(model.contains(*h)) << *h;
  });
  EXPECT_EQ(visited, model.size());
  // Load stays within 3/4 and the capacity a power of two.
  EXPECT_LE(set.size() * 4, set.capacity() * 3);
  EXPECT_EQ(set.capacity() & (set.capacity() - 1), 0U);
}

// Random inserts and erases against the model.
template <class Hash>
void random_operations(unsigned seed, int keys, int steps) {
  OpenHashSet<Handle, KeyOf, Hash> set;
  std::set<std::string> model;
  std::mt19937 rng(seed);
  for (int step = 0; step < steps; ++step) {
    const std::string key = "client-" + std::to_string(rng() % keys);
    auto* slot = set.find(key);
    ASSERT_EQ(slot != nullptr, model.contains(key)) << key << " at step " << step;
    if (slot != nullptr) {
      set.erase(slot);
      model.erase(key);
      EXPECT_EQ(set.find(key), nullptr);
    } else {
      set.insert(std::make_shared<std::string>(key));
      model.insert(key);
    }
    if (step % 97 == 0) {
      expect_matches(set, model, "at step " + std::to_string(step));
    }
  }
  expect_matches(set, model, "at the end");
}

TEST(OpenHashSet, EmptyFindsNothing) {
  OpenHashSet<Handle, KeyOf> set;
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.find("x"), nullptr);
  EXPECT_EQ(set.capacity(), 0U);  // nothing allocated until the first insert
  EXPECT_TRUE(set.take_all().empty());
}

TEST(OpenHashSet, GrowsAndFindsEveryKey) {
  OpenHashSet<Handle, KeyOf> set;
  std::set<std::string> model;
  for (int i = 0; i < 5000; ++i) {
    const std::string key = "id-" + std::to_string(i);
    set.insert(std::make_shared<std::string>(key));
    model.insert(key);
  }
  expect_matches(set, model, "after inserts");
  EXPECT_EQ(set.find("id-5000"), nullptr);
  EXPECT_EQ(set.find(""), nullptr);
}

TEST(OpenHashSet, RandomOperationsWithTheRealHash) {
  random_operations<std::hash<std::string_view>>(1, 300, 20000);
}

TEST(OpenHashSet, RandomOperationsWithCollisions) {
  random_operations<FewHashes>(2, 60, 20000);
}

TEST(OpenHashSet, RandomOperationsWrappingAround) {
  random_operations<LastSlot>(3, 10, 5000);
}

TEST(OpenHashSet, ShrinksAfterAPeakAndTakesAll) {
  OpenHashSet<Handle, KeyOf> set;
  for (int i = 0; i < 1000; ++i) {
    set.insert(std::make_shared<std::string>(std::to_string(i)));
  }
  const std::size_t peak = set.capacity();
  for (int i = 0; i < 990; ++i) {
    set.erase(set.find(std::to_string(i)));
  }
  EXPECT_LT(set.capacity(), peak);
  EXPECT_EQ(set.size(), 10U);
  EXPECT_NE(set.find("995"), nullptr);
  const auto all = set.take_all();
  EXPECT_EQ(all.size(), 10U);
  EXPECT_TRUE(set.empty());
  EXPECT_EQ(set.find("995"), nullptr);
  set.insert(std::make_shared<std::string>("again"));  // usable after take_all
  EXPECT_NE(set.find("again"), nullptr);
}

}  // namespace
}  // namespace dynamq::broker

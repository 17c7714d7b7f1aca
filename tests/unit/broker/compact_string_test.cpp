// CompactString: ClientInfo's 16-byte strings (inline up to 15 characters, else on the heap).
#include "broker/compact_string.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dynamq::broker {
namespace {

// Every length around the inline limit, and one well beyond it.
std::vector<std::string> samples() {
  std::vector<std::string> out;
  for (std::size_t n : {0U, 1U, 7U, 14U, 15U, 16U, 17U, 64U, 300U}) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
      s.push_back(static_cast<char>('a' + i % 26));
    }
    out.push_back(s);
  }
  return out;
}

TEST(CompactString, SixteenBytesInlineUpToFifteenCharacters) {
  EXPECT_EQ(sizeof(CompactString), 16U);
  EXPECT_FALSE(CompactString(std::string(15, 'x')).on_heap());
  EXPECT_TRUE(CompactString(std::string(16, 'x')).on_heap());
  const CompactString empty;
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.size(), 0U);
  EXPECT_STREQ(empty.c_str(), "");
}

TEST(CompactString, HoldsEveryLengthWithATerminator) {
  for (const auto& s : samples()) {
    const CompactString c(s);
    EXPECT_EQ(c.size(), s.size());
    EXPECT_EQ(c.view(), s);
    EXPECT_EQ(c.str(), s);
    EXPECT_EQ(std::string(c.c_str()), s);  // NUL right after the last character
    EXPECT_EQ(c.c_str()[s.size()], '\0');
    EXPECT_EQ(c.on_heap(), s.size() > CompactString::kInline);
  }
}

TEST(CompactString, CopyMoveAssignAndSwapKeepValues) {
  const auto all = samples();
  for (const auto& a : all) {
    for (const auto& b : all) {
      CompactString x(a);
      CompactString y(b);
      CompactString copy = x;  // deep copy
      y = x;
      EXPECT_EQ(y, a);
      EXPECT_EQ(copy, a);
      y = b;  // heap <-> inline both ways
      EXPECT_EQ(y, b);
      EXPECT_EQ(x, a);  // the source is untouched
      CompactString moved = std::move(x);
      EXPECT_EQ(moved, a);
      EXPECT_TRUE(x.empty());  // NOLINT(bugprone-use-after-move): moved-from is ""
      x = std::move(y);
      EXPECT_EQ(x, b);
      x.swap(moved);
      EXPECT_EQ(x, a);
      EXPECT_EQ(moved, b);
      const CompactString& self = x;
      x = self;  // self-assignment
      EXPECT_EQ(x, a);
    }
  }
}

TEST(CompactString, ReadsLikeAString) {
  CompactString id = std::string("client-0123456789-long");
  const std::string as_string = id;
  const std::string_view as_view = id;
  EXPECT_EQ(as_string, "client-0123456789-long");
  EXPECT_EQ(as_view, "client-0123456789-long");
  EXPECT_EQ(id, std::string("client-0123456789-long"));
  EXPECT_EQ(std::string("client-0123456789-long"), id);
  EXPECT_FALSE(id == "client");
  const CompactString endpoint("127.0.0.1:1883");
  EXPECT_EQ(id + '\n' + endpoint, "client-0123456789-long\n127.0.0.1:1883");
  EXPECT_EQ("client '" + endpoint + "'", "client '127.0.0.1:1883'");
  EXPECT_EQ(endpoint + std::string_view("/x"), "127.0.0.1:1883/x");
  EXPECT_EQ(fmt::format("[{}] [{:>16}]", endpoint, endpoint),
            "[127.0.0.1:1883] [  127.0.0.1:1883]");
  std::ostringstream out;
  out << endpoint;
  EXPECT_EQ(out.str(), "127.0.0.1:1883");
  std::string assigned;
  assigned = endpoint;
  EXPECT_EQ(assigned, "127.0.0.1:1883");
  id = "short";
  EXPECT_EQ(id, "short");
  EXPECT_FALSE(id.on_heap());
}

}  // namespace
}  // namespace dynamq::broker

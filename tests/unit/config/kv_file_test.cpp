#include "config/kv_file.hpp"

#include <gtest/gtest.h>

#include <array>

using namespace dynamq::config;

namespace {

std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(KvFile, SplitsKeysValuesCommentsAndBlankLines) {
  const auto file = parse_kv_text(
      "## comment\n\nbackend.dynamo.region = us-west-2\n  a.b=  x = y  \n# trailing\n", "t.conf");
  ASSERT_EQ(file.entries.size(), 2U);
  EXPECT_EQ(file.entries[0].key, "backend.dynamo.region");
  EXPECT_EQ(file.entries[0].value, "us-west-2");
  EXPECT_EQ(file.entries[0].line, 3);
  EXPECT_EQ(file.entries[1].key, "a.b");
  EXPECT_EQ(file.entries[1].value, "x = y");
  EXPECT_EQ(file.entries[1].line, 4);
}

TEST(KvFile, KeepsJsonValuesWhole) {
  const auto file = parse_kv_text(
      R"(backend.dynamo.hook.client.connected.1    = {"action": {"function": "f"}, "pool": "p"})",
      "t.conf");
  ASSERT_EQ(file.entries.size(), 1U);
  EXPECT_EQ(file.entries[0].value, R"({"action": {"function": "f"}, "pool": "p"})");
}

TEST(KvFile, ErrorsNameFileAndLine) {
  EXPECT_EQ(error_of([] { parse_kv_text("a = 1\nnonsense\n", "x.conf"); }),
            "x.conf:2: expected `key = value`, found no `=`");
  // A value without its `=` may be a secret: it is never quoted.
  EXPECT_EQ(error_of([] { parse_kv_text("aws_secret_access_key TZt7XoRi+vtCJ\n", "x.conf"); }),
            "x.conf:1: expected `key = value` after `aws_secret_access_key`");
  EXPECT_EQ(error_of([] { parse_kv_text("a = 1\n\na = 2\n", "x.conf"); }),
            "x.conf:3: duplicate key `a` (first set on line 1)");
  EXPECT_EQ(error_of([] { parse_kv_text(" = 2\n", "x.conf"); }),
            "x.conf:1: missing key before `=`");
  EXPECT_EQ(error_of([] { read_kv_file("/nonexistent/dynamq.conf"); }),
            "/nonexistent/dynamq.conf:0: cannot open the file");
}

TEST(KvFile, TypedValues) {
  const auto file =
      parse_kv_text("n = 42\nbad = 4x\nbig = 99\nt = on\nd = 2h\ns = 64KB\n", "v.conf");
  const auto& e = file.entries;
  EXPECT_EQ(parse_uint(file, e[0], 1, 100), 42U);
  EXPECT_EQ(error_of([&] { parse_uint(file, e[1], 0, 10); }),
            "v.conf:2: `bad` must be a whole number, found `4x`");
  EXPECT_EQ(error_of([&] { parse_uint(file, e[2], 0, 10); }),
            "v.conf:3: `big` must be between 0 and 10, found 99");
  EXPECT_TRUE(parse_bool(file, e[3]));
  EXPECT_EQ(error_of([&] { parse_bool(file, e[0]); }),
            "v.conf:1: `n` must be true or false, found `42`");
  EXPECT_EQ(parse_duration(file, e[4]), std::chrono::hours(2));
  EXPECT_EQ(parse_duration(file, e[0]), std::chrono::seconds(42));
  EXPECT_EQ(error_of([&] { parse_duration(file, e[1]); }),
            "v.conf:2: `bad` must be a duration like 30s, 30m, 2h or 1d, found `4x`");
  EXPECT_EQ(parse_size(file, e[5], 0, 1 << 20), 64U * 1024);
}

TEST(KvFile, SuggestsCloseKeys) {
  constexpr std::array<std::string_view, 3> keys = {"listener.port", "listener.bind", "log.level"};
  EXPECT_EQ(closest_match("listener.prot", keys), "listener.port");
  EXPECT_EQ(closest_match("completely.different", keys), "");
}

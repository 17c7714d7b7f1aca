// ACL files in mosquitto's format: parsing (file:line errors), who each rule applies to,
// %u/%c patterns, precedence (deny wins, else any grant), SUBSCRIBE decisions, '$' topics.
#include "auth/acl.hpp"

#include <gtest/gtest.h>

#include "config/kv_file.hpp"

namespace dynamq::auth {
namespace {

const Subject kAnon{"", "anon-client"};
const Subject kAlice{"alice", "alice-phone"};
const Subject kBob{"bob", "bob-1"};

std::string error_of(const std::string& text) {
  try {
    (void)Acl::parse(text, "acl");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(Acl, TopicRulesBeforeAnyUserApplyToAnonymousClientsOnly) {
  // As in mosquitto: the first block is for clients without a user name.
  const auto acl = Acl::parse("topic read public/#\nuser alice\ntopic a/#\n", "acl");
  EXPECT_TRUE(acl.allowed(kAnon, "public/news", Access::read));
  EXPECT_FALSE(acl.allowed(kAnon, "public/news", Access::write));
  EXPECT_FALSE(acl.allowed(kAlice, "public/news", Access::read));
  EXPECT_TRUE(acl.allowed(kAlice, "a/1", Access::read));
  EXPECT_TRUE(acl.allowed(kAlice, "a/1", Access::write));  // no access word = readwrite
  EXPECT_FALSE(acl.allowed(kAnon, "a/1", Access::read));
  EXPECT_FALSE(acl.allowed(kBob, "a/1", Access::read));  // not listed: nothing granted
}

TEST(Acl, AccessWords) {
  const auto acl =
      Acl::parse("user alice\ntopic read r/#\ntopic write w/#\ntopic readwrite rw/#\n", "acl");
  EXPECT_TRUE(acl.allowed(kAlice, "r/x", Access::read));
  EXPECT_FALSE(acl.allowed(kAlice, "r/x", Access::write));
  EXPECT_FALSE(acl.allowed(kAlice, "w/x", Access::read));
  EXPECT_TRUE(acl.allowed(kAlice, "w/x", Access::write));
  EXPECT_TRUE(acl.allowed(kAlice, "rw/x", Access::read));
  EXPECT_TRUE(acl.allowed(kAlice, "rw/x", Access::write));
  EXPECT_FALSE(acl.allowed(kAlice, "other", Access::read));
}

TEST(Acl, DenyWinsWhateverTheOrder) {
  const auto acl = Acl::parse(
      "user alice\ntopic readwrite a/#\ntopic deny a/secret\n"
      "user bob\ntopic deny b/secret\ntopic readwrite b/#\n"
      "pattern deny %u/locked\n"
      "user carol\ntopic readwrite carol/#\n",
      "acl");
  EXPECT_TRUE(acl.allowed(kAlice, "a/open", Access::read));
  EXPECT_FALSE(acl.allowed(kAlice, "a/secret", Access::read));
  EXPECT_FALSE(acl.allowed(kAlice, "a/secret", Access::write));
  EXPECT_TRUE(acl.allowed(kBob, "b/open", Access::write));
  EXPECT_FALSE(acl.allowed(kBob, "b/secret", Access::write));
  // A pattern deny overrides a user's topic grant too.
  const Subject carol{"carol", "c1"};
  EXPECT_TRUE(acl.allowed(carol, "carol/open", Access::write));
  EXPECT_FALSE(acl.allowed(carol, "carol/locked", Access::write));
}

TEST(Acl, PatternsSubstituteUserAndClientId) {
  const auto acl = Acl::parse(
      "pattern readwrite users/%u/#\npattern write devices/%c/status\n"
      "pattern read shared/%u/%c\n",
      "acl");
  EXPECT_TRUE(acl.allowed(kAlice, "users/alice/inbox", Access::read));
  EXPECT_FALSE(acl.allowed(kAlice, "users/bob/inbox", Access::read));
  EXPECT_TRUE(acl.allowed(kAlice, "devices/alice-phone/status", Access::write));
  EXPECT_FALSE(acl.allowed(kAlice, "devices/bob-1/status", Access::write));
  EXPECT_FALSE(acl.allowed(kAlice, "devices/alice-phone/status", Access::read));
  EXPECT_TRUE(acl.allowed(kAlice, "shared/alice/alice-phone", Access::read));
  EXPECT_FALSE(acl.allowed(kAlice, "shared/alice/bob-1", Access::read));
  // Patterns apply to anonymous clients too, except those needing %u.
  EXPECT_TRUE(acl.allowed(kAnon, "devices/anon-client/status", Access::write));
  EXPECT_FALSE(acl.allowed(kAnon, "users//inbox", Access::read));
}

TEST(Acl, PatternsIgnoreValuesThatWouldWidenThem) {
  const auto acl = Acl::parse("pattern readwrite devices/%c/#\npattern read u/%u\n", "acl");
  // A client id with wildcards or levels must not reach other devices.
  EXPECT_FALSE(acl.allowed(Subject{"", "#"}, "devices/other/x", Access::write));
  EXPECT_FALSE(acl.allowed(Subject{"", "+"}, "devices/+/x", Access::write));
  EXPECT_FALSE(acl.allowed(Subject{"", "other/x"}, "devices/other/x/y", Access::write));
  EXPECT_FALSE(acl.allowed(Subject{"a/b", "c"}, "u/a/b", Access::read));
  EXPECT_TRUE(acl.allowed(Subject{"", "ok"}, "devices/ok/x", Access::write));
}

TEST(Acl, PatternWithoutPlaceholderAppliesToEveryone) {
  const auto acl = Acl::parse("pattern read news/#\nuser alice\ntopic write a\n", "acl");
  EXPECT_TRUE(acl.allowed(kAnon, "news/1", Access::read));
  EXPECT_TRUE(acl.allowed(kAlice, "news/1", Access::read));
  EXPECT_TRUE(acl.allowed(kBob, "news/1", Access::read));
  EXPECT_FALSE(acl.allowed(kBob, "news/1", Access::write));
}

TEST(Acl, UserBlocksOfTheSameUserMerge) {
  const auto acl =
      Acl::parse("user alice\ntopic a\nuser bob\ntopic b\nuser alice\ntopic c\n", "acl");
  EXPECT_TRUE(acl.allowed(kAlice, "a", Access::read));
  EXPECT_TRUE(acl.allowed(kAlice, "c", Access::read));
  EXPECT_FALSE(acl.allowed(kAlice, "b", Access::read));
  EXPECT_EQ(acl.rule_count(), 3U);
}

TEST(Acl, DollarTopicsNeedADollarRule) {
  const auto acl = Acl::parse("user alice\ntopic read #\ntopic read $SYS/broker/#\n", "acl");
  EXPECT_TRUE(acl.allowed(kAlice, "any/thing", Access::read));
  EXPECT_FALSE(acl.allowed(kAlice, "$SYS/other", Access::read));  // '#' does not reach '$'
  EXPECT_TRUE(acl.allowed(kAlice, "$SYS/broker/uptime", Access::read));
}

TEST(Acl, SubscribeDecisions) {
  const auto acl = Acl::parse(
      "user alice\ntopic readwrite a/#\ntopic deny a/secret/#\ntopic write w/#\n"
      "pattern read p/%u/#\n",
      "acl");
  EXPECT_TRUE(acl.allowed_subscribe(kAlice, "a/#"));  // readable, one part filtered later
  EXPECT_TRUE(acl.allowed_subscribe(kAlice, "#"));    // intersects readable rules
  EXPECT_TRUE(acl.allowed_subscribe(kAlice, "+/x"));
  EXPECT_TRUE(acl.allowed_subscribe(kAlice, "p/alice/1"));
  EXPECT_FALSE(acl.allowed_subscribe(kAlice, "a/secret/#"));  // entirely denied
  EXPECT_FALSE(acl.allowed_subscribe(kAlice, "a/secret/x"));
  EXPECT_FALSE(acl.allowed_subscribe(kAlice, "w/#"));  // write-only
  EXPECT_FALSE(acl.allowed_subscribe(kAlice, "b/x"));  // no rule at all
  EXPECT_FALSE(acl.allowed_subscribe(kAlice, "p/bob/#"));
  EXPECT_FALSE(acl.allowed_subscribe(kAlice, "$SYS/#"));
  EXPECT_FALSE(acl.allowed_subscribe(kBob, "a/#"));
}

TEST(Acl, MalformedLinesNameFileAndLine) {
  EXPECT_EQ(error_of("# ok\ntopic read a/#\nuser\n"), "acl:3: `user` needs a user name");
  EXPECT_EQ(error_of("topic sometimes a/b\n"),
            "acl:1: unknown access `sometimes` (expected read, write, readwrite or deny)");
  EXPECT_EQ(error_of("\n\ntopic read a/#/b\n"), "acl:3: invalid topic filter `a/#/b`");
  EXPECT_EQ(error_of("topic\n"), "acl:1: `topic` needs a topic filter");
  EXPECT_EQ(error_of("allow all\n"), "acl:1: expected `topic`, `pattern` or `user`, found `allow`");
  EXPECT_EQ(error_of("pattern read a/%u+/x\n"), "acl:1: invalid topic filter `a/%u+/x`");
}

TEST(Acl, FilterMayContainSpaces) {
  const auto acl = Acl::parse("user alice\ntopic read my topic/#\n", "acl");
  EXPECT_TRUE(acl.allowed(kAlice, "my topic/x", Access::read));
}

}  // namespace
}  // namespace dynamq::auth

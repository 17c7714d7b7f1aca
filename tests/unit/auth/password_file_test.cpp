// The password file: parsing with file:line errors, lookups, editing that keeps the rest.
#include "auth/password_file.hpp"

#include <gtest/gtest.h>

#include "config/kv_file.hpp"

namespace dynamq::auth {
namespace {

std::string line_for(const std::string& user, const std::string& password) {
  return user + ":" + format_password_hash(make_password_hash(password, 1000));
}

std::string error_of(const std::string& text) {
  try {
    (void)PasswordFile::parse(text, "pw");
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(PasswordFile, ParsesUsersCommentsAndBlankLines) {
  const auto text = "# users\n\n" + line_for("alice", "a") + "\n" + line_for("bob", "b") + "\r\n";
  const auto file = PasswordFile::parse(text, "pw");
  EXPECT_EQ(file.size(), 2U);
  ASSERT_NE(file.find("alice"), nullptr);
  EXPECT_TRUE(verify_password("a", *file.find("alice")));
  ASSERT_NE(file.find("bob"), nullptr);
  EXPECT_TRUE(verify_password("b", *file.find("bob")));
  EXPECT_EQ(file.find("carol"), nullptr);
  EXPECT_EQ(file.find("Alice"), nullptr);  // user names are case-sensitive
}

TEST(PasswordFile, MalformedLinesNameFileAndLine) {
  const auto good = line_for("alice", "a");
  EXPECT_EQ(error_of(good + "\nno colon here\n"),
            "pw:2: expected `user:$pbkdf2-sha512$iterations$salt$hash`");
  EXPECT_EQ(error_of("# c\n:" + good.substr(6) + "\n"), "pw:2: empty or invalid user name");
  EXPECT_EQ(error_of(good + "\n" + good + "\n"), "pw:2: user `alice` is listed twice");
  const auto bad_hash = error_of("bob:$pbkdf2-sha512$1000$AAAA$AAAA\n");
  EXPECT_EQ(bad_hash.rfind("pw:1: user `bob`: ", 0), 0U) << bad_hash;
  EXPECT_EQ(error_of("carol:plaintext\n").rfind("pw:1: user `carol`: ", 0), 0U);
  // The error never repeats the (hashed) secret.
  EXPECT_EQ(bad_hash.find("AAAA"), std::string::npos) << bad_hash;
}

TEST(PasswordFile, LoadOfMissingFileSaysSo) {
  try {
    (void)PasswordFile::load("/nonexistent/dynamq-passwords");
    FAIL() << "no error";
  } catch (const config::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dynamq-passwords: cannot read"),
              std::string::npos)
        << e.what();
  }
}

TEST(PasswordFile, EditingKeepsCommentsAndOrder) {
  const auto alice = line_for("alice", "a");
  auto file =
      PasswordFile::parse("# header\n" + alice + "\n\n" + line_for("bob", "b") + "\n", "pw");
  EXPECT_TRUE(file.set("alice", make_password_hash("new", 1000)));  // changed
  EXPECT_FALSE(file.set("carol", make_password_hash("c", 1000)));   // added
  EXPECT_TRUE(file.remove("bob"));
  EXPECT_FALSE(file.remove("bob"));
  const auto text = file.text();
  const auto reparsed = PasswordFile::parse(text, "pw");
  EXPECT_EQ(reparsed.size(), 2U);
  EXPECT_TRUE(verify_password("new", *reparsed.find("alice")));
  EXPECT_FALSE(verify_password("a", *reparsed.find("alice")));
  EXPECT_TRUE(verify_password("c", *reparsed.find("carol")));
  EXPECT_EQ(reparsed.find("bob"), nullptr);
  EXPECT_EQ(text.rfind("# header\nalice:", 0), 0U) << text;
  EXPECT_LT(text.find("alice:"), text.find("carol:"));
}

TEST(PasswordFile, ValidUserNames) {
  EXPECT_TRUE(valid_user_name("alice"));
  EXPECT_TRUE(valid_user_name("dev-01@site"));
  EXPECT_FALSE(valid_user_name(""));
  EXPECT_FALSE(valid_user_name("a:b"));
  EXPECT_FALSE(valid_user_name("a\nb"));
}

}  // namespace
}  // namespace dynamq::auth

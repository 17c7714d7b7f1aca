// Credentials providers (static, environment, shared files, chain) and endpoint parsing.
#include "dynamo/credentials.hpp"

#include <gtest/gtest.h>

#include "dynamo/endpoint.hpp"
#include "test_util.hpp"

namespace dynamq::dynamo {
namespace {

using test::run_sync;
using test::ScopedEnv;
using test::TempDir;

Result<Credentials> get(const std::shared_ptr<CredentialsProvider>& p) {
  return run_sync(p->get());
}

TEST(Credentials, StaticAnswersAndRejectsEmpty) {
  auto ok = get(make_static_credentials({"AKID", "SECRET", "TOKEN", std::nullopt}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->access_key_id, "AKID");
  EXPECT_EQ(ok->session_token, "TOKEN");
  auto empty = get(make_static_credentials({"AKID", "", "", std::nullopt}));
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().type, Error::kCredentials);
}

TEST(Credentials, EnvironmentVariables) {
  ScopedEnv a("AWS_ACCESS_KEY_ID", "ENVKEY"), s("AWS_SECRET_ACCESS_KEY", "ENVSECRET"),
      t("AWS_SESSION_TOKEN", "ENVTOKEN");
  auto c = get(make_environment_credentials());
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "ENVKEY");
  EXPECT_EQ(c->secret_access_key, "ENVSECRET");
  EXPECT_EQ(c->session_token, "ENVTOKEN");
  {
    ScopedEnv gone("AWS_SECRET_ACCESS_KEY", std::nullopt);
    auto missing = get(make_environment_credentials());
    ASSERT_FALSE(missing.ok());
    EXPECT_NE(missing.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
    EXPECT_EQ(missing.error().message.find("ENVKEY"), std::string::npos);  // no values
  }
}

TEST(Credentials, SharedFilesProfilesAndPrecedence) {
  TempDir dir;
  auto creds = dir.write("credentials",
                         "# comment\n[default]\naws_access_key_id = DEFKEY\n"
                         "aws_secret_access_key=DEFSECRET\n\n"
                         "[work]\nAWS_ACCESS_KEY_ID = WORKKEY\naws_secret_access_key = WORKSECRET\n"
                         "aws_session_token = WORKTOKEN\n");
  auto config = dir.write("config",
                          "[default]\nregion = us-west-2\n"
                          "[profile cfgonly]\naws_access_key_id = CFGKEY\n"
                          "aws_secret_access_key = CFGSECRET\n"
                          "[profile work]\naws_access_key_id = SHADOWED\n");
  ScopedEnv f1("AWS_SHARED_CREDENTIALS_FILE", creds.string()),
      f2("AWS_CONFIG_FILE", config.string());
  {
    ScopedEnv p("AWS_PROFILE", std::nullopt);
    auto c = get(make_shared_files_credentials());
    ASSERT_TRUE(c.ok()) << c.error().describe();
    EXPECT_EQ(c->access_key_id, "DEFKEY");
    EXPECT_EQ(c->secret_access_key, "DEFSECRET");
    EXPECT_EQ(c->session_token, "");
  }
  {
    ScopedEnv p("AWS_PROFILE", "work");
    auto c = get(make_shared_files_credentials());
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->access_key_id, "WORKKEY");  // the credentials file wins over config
    EXPECT_EQ(c->session_token, "WORKTOKEN");
  }
  {
    auto c = get(make_shared_files_credentials({"cfgonly", std::nullopt, std::nullopt}));
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->access_key_id, "CFGKEY");
  }
  {
    auto c = get(make_shared_files_credentials({"nosuch", std::nullopt, std::nullopt}));
    ASSERT_FALSE(c.ok());
    EXPECT_NE(c.error().message.find("nosuch"), std::string::npos);
    EXPECT_EQ(c.error().message.find("SECRET"), std::string::npos);
  }
}

TEST(Credentials, SharedFilesRereadWhenChanged) {
  TempDir dir;
  auto path =
      dir.write("credentials", "[default]\naws_access_key_id=A1\naws_secret_access_key=S1\n");
  auto provider = make_shared_files_credentials({"default", path, dir.path() / "absent"});
  auto c1 = get(provider);
  ASSERT_TRUE(c1.ok());
  EXPECT_EQ(c1->access_key_id, "A1");
  dir.write("credentials", "[default]\naws_access_key_id=A2\naws_secret_access_key=S2\n");
  // Make the change visible even on file systems with coarse timestamps.
  std::filesystem::last_write_time(
      path, std::filesystem::last_write_time(path) + std::chrono::seconds(5));
  auto c2 = get(provider);
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(c2->access_key_id, "A2");
}

TEST(Credentials, IniErrorsNameFileAndLineButNoValues) {
  auto r = parse_aws_ini("[default]\naws_secret_access_key SECRETVALUE\n", "creds");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("creds:2"), std::string::npos);
  EXPECT_EQ(r.error().message.find("SECRETVALUE"), std::string::npos);
  EXPECT_FALSE(parse_aws_ini("key = v\n", "f").ok());  // outside a section
  EXPECT_FALSE(parse_aws_ini("[open\n", "f").ok());
}

TEST(Credentials, ChainTakesFirstAnswerAndReportsAllFailures) {
  ScopedEnv a("AWS_ACCESS_KEY_ID", std::nullopt), s("AWS_SECRET_ACCESS_KEY", std::nullopt);
  auto chain =
      make_chain_credentials({make_environment_credentials(),
                              make_static_credentials({"CHAINKEY", "CHAINSECRET", "", {}})});
  auto c = get(chain);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->access_key_id, "CHAINKEY");

  auto none = make_chain_credentials(
      {make_environment_credentials(), make_static_credentials({"", "", "", {}})});
  auto e = get(none);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().type, Error::kCredentials);
  EXPECT_NE(e.error().message.find("environment"), std::string::npos);
  EXPECT_NE(e.error().message.find("static"), std::string::npos);
}

// A provider that counts calls and hands out credentials expiring at a set time: the chain must
// cache until shortly before expiry, then ask again (refreshing sources).
class CountingProvider : public CredentialsProvider {
 public:
  explicit CountingProvider(std::chrono::seconds lifetime) : lifetime_(lifetime) {}
  awaitable<Result<Credentials>> get() override {
    ++calls;
    co_return Credentials{"K" + std::to_string(calls), "S", "",
                          std::chrono::system_clock::now() + lifetime_};
  }
  std::string name() const override { return "counting"; }
  int calls = 0;

 private:
  std::chrono::seconds lifetime_;
};

TEST(Credentials, ChainCachesUntilNearExpiry) {
  auto longlived = std::make_shared<CountingProvider>(std::chrono::hours(1));
  auto chain = make_chain_credentials({longlived});
  EXPECT_EQ(get(chain)->access_key_id, "K1");
  EXPECT_EQ(get(chain)->access_key_id, "K1");
  EXPECT_EQ(longlived->calls, 1);
  auto shortlived = std::make_shared<CountingProvider>(std::chrono::minutes(1));  // < 5 min margin
  auto chain2 = make_chain_credentials({shortlived});
  EXPECT_EQ(get(chain2)->access_key_id, "K1");
  EXPECT_EQ(get(chain2)->access_key_id, "K2");
}

TEST(Endpoint, ParsesSchemesPortsAndHosts) {
  auto a = parse_endpoint("http://127.0.0.1:8000");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE(a->tls);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "8000");
  EXPECT_EQ(a->host_header, "127.0.0.1:8000");
  EXPECT_EQ(a->path, "/");
  auto b = parse_endpoint("https://DynamoDB.us-west-2.amazonaws.com");
  ASSERT_TRUE(b.ok());
  EXPECT_TRUE(b->tls);
  EXPECT_EQ(b->port, "443");
  EXPECT_EQ(b->host_header, "dynamodb.us-west-2.amazonaws.com");
  auto c = parse_endpoint("http://[::1]:8000/");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->host_header, "[::1]:8000");
  auto d = parse_endpoint("http://localhost:80/");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host_header, "localhost");
  for (const char* bad : {"localhost:8000", "ftp://x", "http://user:pw@h/", "http://h/?a=1", ""}) {
    auto e = parse_endpoint(bad);
    EXPECT_FALSE(e.ok()) << bad;
    if (!e.ok()) {
      EXPECT_EQ(e.error().type, Error::kInvalidRequest);
    }
  }
  auto userinfo = parse_endpoint("http://user:hunter2@h:1/");
  ASSERT_FALSE(userinfo.ok());
  EXPECT_EQ(userinfo.error().message.find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace dynamq::dynamo

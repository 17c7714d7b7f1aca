// Static, environment and chain providers. (Shared files: shared_files_credentials.cpp.)
#include "dynamo/credentials.hpp"

#include <cstdlib>

namespace dynamq::dynamo {

bool Credentials::expires_within(std::chrono::seconds margin,
                                 std::chrono::system_clock::time_point now) const {
  return expiry && *expiry - now < margin;
}

namespace {

Error no_credentials(std::string why) {
  return Error{Error::kCredentials, std::move(why), 0, false};
}

class StaticProvider final : public CredentialsProvider {
 public:
  explicit StaticProvider(Credentials c) : creds_(std::move(c)) {}
  awaitable<Result<Credentials>> get() override {
    if (creds_.access_key_id.empty() || creds_.secret_access_key.empty())
      co_return no_credentials("static credentials: access key id or secret access key is empty");
    co_return creds_;
  }
  std::string name() const override { return "static"; }

 private:
  const Credentials creds_;
};

class EnvironmentProvider final : public CredentialsProvider {
 public:
  awaitable<Result<Credentials>> get() override {
    // getenv is read-only here; nothing in dynamq calls setenv while serving.
    const char* id = std::getenv("AWS_ACCESS_KEY_ID");
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    if (id == nullptr || *id == '\0' || secret == nullptr || *secret == '\0')
      co_return no_credentials(
          "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set");
    Credentials c{id, secret, {}, std::nullopt};
    if (const char* token = std::getenv("AWS_SESSION_TOKEN"); token != nullptr)
      c.session_token = token;
    co_return c;
  }
  std::string name() const override { return "environment"; }
};

class ChainProvider final : public CredentialsProvider {
 public:
  explicit ChainProvider(std::vector<std::shared_ptr<CredentialsProvider>> ps)
      : providers_(std::move(ps)) {}

  awaitable<Result<Credentials>> get() override {
    {
      std::lock_guard lock(mu_);
      if (cached_ && !cached_->expires_within(std::chrono::minutes(5))) co_return *cached_;
    }
    std::string tried;
    for (const auto& p : providers_) {
      auto r = co_await p->get();
      if (r.ok()) {
        std::lock_guard lock(mu_);
        cached_ = r.value();
        co_return r;
      }
      if (!tried.empty()) tried += "; ";
      tried += r.error().message;
    }
    co_return no_credentials("no credentials found (" + (tried.empty() ? "empty chain" : tried) +
                             ")");
  }
  std::string name() const override { return "chain"; }

 private:
  const std::vector<std::shared_ptr<CredentialsProvider>> providers_;
  std::mutex mu_;
  std::optional<Credentials> cached_;
};

}  // namespace

std::shared_ptr<CredentialsProvider> make_static_credentials(Credentials creds) {
  return std::make_shared<StaticProvider>(std::move(creds));
}

std::shared_ptr<CredentialsProvider> make_environment_credentials() {
  return std::make_shared<EnvironmentProvider>();
}

std::shared_ptr<CredentialsProvider> make_chain_credentials(
    std::vector<std::shared_ptr<CredentialsProvider>> providers) {
  return std::make_shared<ChainProvider>(std::move(providers));
}

std::shared_ptr<CredentialsProvider> make_default_credentials_chain() {
  return make_chain_credentials({make_environment_credentials(), make_shared_files_credentials()});
}

}  // namespace dynamq::dynamo

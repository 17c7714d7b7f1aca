#include "app/file_access_policy.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <thread>

#include "auth/acl.hpp"
#include "auth/authenticator.hpp"
#include "auth/password_file.hpp"
#include "config/kv_file.hpp"

namespace dynamq::app {
namespace {

class FileAccessPolicy final : public broker::AccessPolicy {
 public:
  FileAccessPolicy(auth::AuthenticatorOptions options, std::optional<auth::Acl> acl)
      : authenticator_(std::move(options)), acl_(std::move(acl)) {}

  void authenticate(broker::AuthRequest request,
                    std::function<void(broker::AuthResult)> done) override {
    authenticator_.authenticate(std::move(request.username), std::move(request.password),
                                [done = std::move(done)](auth::Verdict v) {
                                  switch (v) {
                                    case auth::Verdict::allowed:
                                      done(broker::AuthResult::allowed);
                                      return;
                                    case auth::Verdict::bad_credentials:
                                      done(broker::AuthResult::bad_credentials);
                                      return;
                                    case auth::Verdict::not_authorized:
                                      done(broker::AuthResult::not_authorized);
                                      return;
                                  }
                                });
  }

  bool authorize_publish(const broker::ClientInfo& client, std::string_view topic) const override {
    return !acl_ || acl_->allowed(subject(client), topic, auth::Access::write);
  }
  bool authorize_subscribe(const broker::ClientInfo& client,
                           std::string_view filter) const override {
    return !acl_ || acl_->allowed_subscribe(subject(client), filter);
  }
  bool authorize_read(const broker::ClientInfo& client, std::string_view topic) const override {
    return !acl_ || acl_->allowed(subject(client), topic, auth::Access::read);
  }
  bool restricts_read() const override { return acl_.has_value(); }

 private:
  static auth::Subject subject(const broker::ClientInfo& client) {
    return auth::Subject{client.username, client.client_id};
  }

  auth::Authenticator authenticator_;
  std::optional<auth::Acl> acl_;
};

// A file named by a config key must be readable: the error names the key's line.
void check_readable(const std::string& path, const std::string& origin, const char* key) {
  std::ifstream in(path);
  if (!in) {
    throw config::ConfigError(origin + ": `" + key + "`: cannot read `" + path +
                              "`: " + std::strerror(errno));
  }
}

}  // namespace

std::shared_ptr<broker::AccessPolicy> make_access_policy(const AuthSettings& auth) {
  if (auth.allow_anonymous && auth.password_file.empty() && auth.acl_file.empty()) {
    return nullptr;
  }
  auth::AuthenticatorOptions options;
  options.allow_anonymous = auth.allow_anonymous;
  // PBKDF2 is CPU-bound: half the cores verify, the io threads keep serving the rest.
  options.worker_threads = std::clamp(std::thread::hardware_concurrency() / 2, 1U, 4U);
  if (!auth.password_file.empty()) {
    check_readable(auth.password_file, auth.password_file_origin, "auth.password_file");
    options.passwords =
        std::make_shared<const auth::PasswordFile>(auth::PasswordFile::load(auth.password_file));
    spdlog::info("auth: {} users from {}", options.passwords->size(), auth.password_file);
  } else if (!auth.allow_anonymous) {
    spdlog::warn(
        "auth.allow_anonymous = false without auth.password_file: only clients with a "
        "certificate identity can connect");
  }
  std::optional<auth::Acl> acl;
  if (!auth.acl_file.empty()) {
    check_readable(auth.acl_file, auth.acl_file_origin, "auth.acl_file");
    acl = auth::Acl::load(auth.acl_file);
    spdlog::info("auth: {} ACL rules from {}", acl->rule_count(), auth.acl_file);
  }
  return std::make_shared<FileAccessPolicy>(std::move(options), std::move(acl));
}

}  // namespace dynamq::app

// Where the signing keys come from. Providers are asynchronous so that refreshing sources
// (container / instance metadata, STS) fit the same interface; the ones here answer at once.
// Secrets never appear in errors or logs: Credentials has no operator<< and the providers'
// error messages name files, profiles and variables, never values.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dynamo/asio.hpp"
#include "dynamo/result.hpp"

namespace dynamq::dynamo {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none
  std::optional<std::chrono::system_clock::time_point> expiry;

  // True when expiry is set and is less than `margin` away.
  bool expires_within(std::chrono::seconds margin, std::chrono::system_clock::time_point now =
                                                       std::chrono::system_clock::now()) const;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Error type is Error::kCredentials when this source has nothing to offer.
  // Must be safe to call concurrently from several threads.
  virtual awaitable<Result<Credentials>> get() = 0;
  // Short name for diagnostics ("static", "environment", "shared-files:default", "chain").
  virtual std::string name() const = 0;
};

// Fixed keys (the `aws_access_key_id` / `aws_secret_access_key` of a pool in the config).
std::shared_ptr<CredentialsProvider> make_static_credentials(Credentials creds);

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and optional AWS_SESSION_TOKEN, read at each get().
std::shared_ptr<CredentialsProvider> make_environment_credentials();

// ~/.aws/credentials and ~/.aws/config. Paths from AWS_SHARED_CREDENTIALS_FILE /
// AWS_CONFIG_FILE (else $HOME/.aws/...), profile from AWS_PROFILE (else "default") unless given.
// In the config file the section is "[profile NAME]" (or "[default]"); the credentials file
// wins when both define a key. Files are re-read at most when they change (mtime).
struct SharedFilesOptions {
  std::optional<std::string> profile;
  std::optional<std::filesystem::path> credentials_file;
  std::optional<std::filesystem::path> config_file;
};
std::shared_ptr<CredentialsProvider> make_shared_files_credentials(SharedFilesOptions opts = {});

// The first provider that answers wins and is remembered until its credentials are within five
// minutes of expiry (never, for credentials without expiry); then the chain is asked again.
std::shared_ptr<CredentialsProvider> make_chain_credentials(
    std::vector<std::shared_ptr<CredentialsProvider>> providers);

// environment, then shared files: what the AWS CLI does minus the metadata services.
std::shared_ptr<CredentialsProvider> make_default_credentials_chain();

// Parses the INI-like AWS files (exposed for tests): returns section -> key -> value, keys
// lower-cased, '#' and ';' comments, values trimmed. Errors name the file and line.
using IniSections = std::map<std::string, std::map<std::string, std::string>>;
Result<IniSections> parse_aws_ini(const std::string& text, const std::string& file_name);

}  // namespace dynamq::dynamo

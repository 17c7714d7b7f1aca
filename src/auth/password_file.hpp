// The password file: one `user:hash` line per user (hash as in password_hash.hpp), `#`
// comments and blank lines ignored. Written by `dynamq passwd`; mosquitto_passwd files
// (`$7$` hashes) are read too. A malformed line stops start-up with `file:line: what`.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/password_hash.hpp"

namespace dynamq::auth {

// A user name may appear in the file: non-empty, no ':' and no control characters (a
// newline would split the line), at most 65535 bytes (MQTT's string limit).
bool valid_user_name(std::string_view user);

class PasswordFile {
 public:
  // Throws config::ConfigError ("path:line: what") for a malformed line or a user listed
  // twice, and ("path: cannot read …") when the file cannot be read.
  static PasswordFile load(const std::string& path);
  static PasswordFile parse(std::string_view text, const std::string& path);

  // nullptr for an unknown user.
  [[nodiscard]] const PasswordHash* find(std::string_view user) const;
  [[nodiscard]] std::size_t size() const { return users_.size(); }

  // Editing (dynamq passwd) keeps comments, blank lines and the order of users.
  // Returns true when the user existed (changed), false when added.
  bool set(const std::string& user, const PasswordHash& hash);
  // Returns false when there was no such user.
  bool remove(std::string_view user);
  [[nodiscard]] std::string text() const;

 private:
  struct Line {
    std::string text;  // the line as read, or "user:hash" for an edited one
    std::string user;  // empty for comments and blank lines
  };
  std::vector<Line> lines_;
  std::unordered_map<std::string, PasswordHash> users_;
};

}  // namespace dynamq::auth

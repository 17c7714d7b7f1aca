#include "auth/password_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "auth/line_text.hpp"
#include "config/kv_file.hpp"

namespace dynamq::auth {
using detail::line_error;
using detail::trim;

bool valid_user_name(std::string_view user) {
  if (user.empty() || user.size() > 65535) {
    return false;
  }
  return std::none_of(user.begin(), user.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return c == ':' || u < 0x20 || u == 0x7F;
  });
}

PasswordFile PasswordFile::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw config::ConfigError(path + ": cannot read the password file: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

PasswordFile PasswordFile::parse(std::string_view text, const std::string& path) {
  PasswordFile file;
  int number = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view raw = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    ++number;
    const std::string_view line = trim(raw);
    Line kept{std::string(raw), {}};
    if (!kept.text.empty() && kept.text.back() == '\r') {
      kept.text.pop_back();
    }
    if (line.empty() || line.front() == '#') {
      file.lines_.push_back(std::move(kept));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      throw line_error(path, number, "expected `user:$pbkdf2-sha512$iterations$salt$hash`");
    }
    const std::string user(line.substr(0, colon));
    if (!valid_user_name(user)) {
      throw line_error(path, number, "empty or invalid user name");
    }
    std::string error;
    auto hash = parse_password_hash(trim(line.substr(colon + 1)), error);
    if (!hash) {
      // Never echo the hash itself: it is a secret's derivative.
      throw line_error(path, number, "user `" + user + "`: " + error);
    }
    if (!file.users_.emplace(user, std::move(*hash)).second) {
      throw line_error(path, number, "user `" + user + "` is listed twice");
    }
    kept.user = user;
    file.lines_.push_back(std::move(kept));
  }
  return file;
}

const PasswordHash* PasswordFile::find(std::string_view user) const {
  const auto it = users_.find(std::string(user));
  return it == users_.end() ? nullptr : &it->second;
}

bool PasswordFile::set(const std::string& user, const PasswordHash& hash) {
  const std::string text = user + ":" + format_password_hash(hash);
  users_[user] = hash;
  for (auto& line : lines_) {
    if (line.user == user) {
      line.text = text;
      return true;
    }
  }
  lines_.push_back(Line{text, user});
  return false;
}

bool PasswordFile::remove(std::string_view user) {
  if (users_.erase(std::string(user)) == 0) {
    return false;
  }
  std::erase_if(lines_, [&](const Line& l) { return l.user == user; });
  return true;
}

std::string PasswordFile::text() const {
  std::string out;
  for (const auto& line : lines_) {
    out += line.text;
    out += '\n';
  }
  return out;
}

}  // namespace dynamq::auth

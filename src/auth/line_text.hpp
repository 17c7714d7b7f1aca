// Line helpers shared by the password-file and ACL-file parsers: both read mosquitto-style
// text files line by line and report errors as `file:line: what`.
#pragma once

#include <string>
#include <string_view>

#include "config/kv_file.hpp"

namespace dynamq::auth::detail {

inline config::ConfigError line_error(const std::string& path, int line, std::string_view what) {
  return config::ConfigError(path + ":" + std::to_string(line) + ": " + std::string(what));
}

// Without surrounding blanks and a trailing CR (files edited on Windows).
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace dynamq::auth::detail

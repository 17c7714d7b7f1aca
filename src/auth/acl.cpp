#include "auth/acl.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "auth/line_text.hpp"
#include "config/kv_file.hpp"
#include "mqtt/filter_relations.hpp"
#include "mqtt/topic.hpp"

namespace dynamq::auth {
namespace {

using detail::line_error;
using detail::trim;

// The first word of `s` (up to a space or tab) and what follows it, trimmed.
std::pair<std::string_view, std::string_view> first_word(std::string_view s) {
  const auto end = s.find_first_of(" \t");
  if (end == std::string_view::npos) {
    return {s, {}};
  }
  return {s.substr(0, end), trim(s.substr(end))};
}

bool has_level(std::string_view filter, std::string_view level) {
  std::size_t start = 0;
  while (true) {
    const auto slash = filter.find('/', start);
    if (filter.substr(start, slash - start) == level) {
      return true;
    }
    if (slash == std::string_view::npos) {
      return false;
    }
    start = slash + 1;
  }
}

// A value put into a pattern must stay one literal level.
bool safe_value(std::string_view v) {
  return !v.empty() && v.find_first_of("/+#") == std::string_view::npos;
}

// The pattern with whole "%u" / "%c" levels replaced.
std::string substitute(std::string_view pattern, const Subject& who) {
  std::string out;
  out.reserve(pattern.size() + who.username.size() + who.client_id.size());
  std::size_t start = 0;
  while (true) {
    const auto slash = pattern.find('/', start);
    const auto level = pattern.substr(start, slash - start);
    if (level == "%u") {
      out += who.username;
    } else if (level == "%c") {
      out += who.client_id;
    } else {
      out += level;
    }
    if (slash == std::string_view::npos) {
      return out;
    }
    out += '/';
    start = slash + 1;
  }
}

bool grants(Access rule, Access wanted) {
  return (static_cast<unsigned>(rule) & static_cast<unsigned>(wanted)) ==
         static_cast<unsigned>(wanted);
}

}  // namespace

Acl Acl::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw config::ConfigError(path + ": cannot read the ACL file: " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path);
}

Acl Acl::parse(std::string_view text, const std::string& path) {
  Acl acl;
  std::vector<Rule>* current = &acl.anonymous_;
  int number = 0;
  while (!text.empty()) {
    const auto newline = text.find('\n');
    const std::string_view line = trim(text.substr(0, newline));
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    ++number;
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto [keyword, rest] = first_word(line);
    if (keyword == "user") {
      if (rest.empty()) {
        throw line_error(path, number, "`user` needs a user name");
      }
      current = &acl.users_[std::string(rest)];
      continue;
    }
    if (keyword != "topic" && keyword != "pattern") {
      throw line_error(
          path, number,
          "expected `topic`, `pattern` or `user`, found `" + std::string(keyword) + "`");
    }
    if (rest.empty()) {
      throw line_error(path, number, "`" + std::string(keyword) + "` needs a topic filter");
    }
    Rule rule;
    auto [word, filter] = first_word(rest);
    if (filter.empty()) {
      filter = word;  // "topic a/b": readwrite, as in mosquitto
    } else if (word == "read") {
      rule.access = Access::read;
    } else if (word == "write") {
      rule.access = Access::write;
    } else if (word == "readwrite") {
      rule.access = Access::readwrite;
    } else if (word == "deny") {
      rule.access = Access::none;
    } else {
      throw line_error(
          path, number,
          "unknown access `" + std::string(word) + "` (expected read, write, readwrite or deny)");
    }
    const bool pattern = keyword == "pattern";
    rule.filter = std::string(filter);
    if (pattern) {
      rule.uses_user = has_level(filter, "%u");
      rule.uses_client = has_level(filter, "%c");
    }
    // Check the filter as it will be used (placeholders stand for one plain level).
    const std::string probe = pattern ? substitute(filter, Subject{"u", "c"}) : rule.filter;
    if (!mqtt::is_valid_topic_filter(probe)) {
      throw line_error(path, number, "invalid topic filter `" + rule.filter + "`");
    }
    (pattern ? acl.patterns_ : *current).push_back(std::move(rule));
  }
  return acl;
}

std::size_t Acl::rule_count() const {
  std::size_t n = anonymous_.size() + patterns_.size();
  for (const auto& [user, rules] : users_) {
    n += rules.size();
  }
  return n;
}

template <typename F>
void Acl::for_each_rule(const Subject& who, F&& f) const {
  const std::vector<Rule>* own = &anonymous_;
  if (!who.username.empty()) {
    const auto it = users_.find(std::string(who.username));
    own = it == users_.end() ? nullptr : &it->second;
  }
  if (own) {
    for (const auto& rule : *own) {
      if (f(rule.access, std::string_view(rule.filter))) {
        return;
      }
    }
  }
  const bool user_ok = safe_value(who.username);
  const bool client_ok = safe_value(who.client_id);
  for (const auto& rule : patterns_) {
    if ((rule.uses_user && !user_ok) || (rule.uses_client && !client_ok)) {
      continue;
    }
    if (!rule.uses_user && !rule.uses_client) {
      if (f(rule.access, std::string_view(rule.filter))) {
        return;
      }
      continue;
    }
    const std::string filter = substitute(rule.filter, who);
    if (f(rule.access, std::string_view(filter))) {
      return;
    }
  }
}

bool Acl::allowed(const Subject& who, std::string_view topic, Access access) const {
  bool allow = false;
  bool deny = false;
  for_each_rule(who, [&](Access rule, std::string_view filter) {
    if (!mqtt::topic_matches(filter, topic)) {
      return false;
    }
    if (rule == Access::none) {
      deny = true;
      return true;  // deny wins: no need to look further
    }
    allow = allow || grants(rule, access);
    return false;
  });
  return allow && !deny;
}

bool Acl::allowed_subscribe(const Subject& who, std::string_view filter) const {
  bool readable = false;
  bool denied = false;
  for_each_rule(who, [&](Access rule, std::string_view rule_filter) {
    if (rule == Access::none) {
      if (mqtt::filter_contains(rule_filter, filter)) {
        denied = true;
        return true;
      }
      return false;
    }
    readable =
        readable || (grants(rule, Access::read) && mqtt::filters_intersect(rule_filter, filter));
    return false;
  });
  return readable && !denied;
}

}  // namespace dynamq::auth

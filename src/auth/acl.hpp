// Topic access rules in mosquitto's acl_file format, so existing files can be reused:
//
//   # comment
//   topic [read|write|readwrite|deny] FILTER   rules for anonymous clients until the first
//                                              `user` line (as in mosquitto), then for that user
//   user NAME                                  following `topic` lines apply to NAME
//   pattern [read|write|readwrite|deny] FILTER for every client; %u = username, %c = client id
//
// The access word may be left out (readwrite). FILTER is the rest of the line (it may hold
// spaces) and must be a valid topic filter once %u/%c are put in.
//
// Precedence: the rules that apply to a client are its user's (or the anonymous) `topic`
// rules plus every `pattern`. If any matching rule is `deny`, access is denied; otherwise
// any matching rule granting the access allows it; otherwise it is denied (an ACL, once set,
// denies everything it does not grant). Unlike mosquitto, a pattern `deny` also overrides a
// user's `topic` grant, so deny always wins whatever the order.
// A pattern is skipped for a client whose substituted value is empty or contains '/', '+'
// or '#' (so a client id like "a/#" cannot widen its own rule); a pattern with %u is
// skipped for anonymous clients.
//
// SUBSCRIBE: a filter is refused when a deny rule contains it entirely or when no read
// rule intersects it (nothing it could ever deliver). A granted wildcard filter may match
// topics the client cannot read: delivery checks read access per message (allowed_read).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dynamq::auth {

enum class Access : std::uint8_t { none = 0, read = 1, write = 2, readwrite = 3 };

// Who is asking: username empty = anonymous.
struct Subject {
  std::string_view username;
  std::string_view client_id;
};

class Acl {
 public:
  struct Rule {
    Access access = Access::readwrite;  // none = deny
    std::string filter;
    bool uses_user = false;    // pattern with %u
    bool uses_client = false;  // pattern with %c
  };

  // Throws config::ConfigError ("path:line: what") for a malformed line, and ("path: cannot
  // read …") when the file cannot be read.
  static Acl load(const std::string& path);
  static Acl parse(std::string_view text, const std::string& path);

  // PUBLISH (write) and delivery (read) of a topic name.
  [[nodiscard]] bool allowed(const Subject& who, std::string_view topic, Access access) const;
  // SUBSCRIBE of a topic filter (without "$share/group/"); see the header comment.
  [[nodiscard]] bool allowed_subscribe(const Subject& who, std::string_view filter) const;

  [[nodiscard]] std::size_t rule_count() const;

 private:
  // Calls f(access, filter) for each rule that applies to `who`, patterns substituted;
  // stops early when f returns true.
  template <typename F>
  void for_each_rule(const Subject& who, F&& f) const;

  std::vector<Rule> anonymous_;
  std::unordered_map<std::string, std::vector<Rule>> users_;
  std::vector<Rule> patterns_;
};

}  // namespace dynamq::auth

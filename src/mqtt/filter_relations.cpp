#include "mqtt/filter_relations.hpp"

namespace dynamq::mqtt {
namespace {

// Level by level over a filter ("a/+/#" → "a", "+", "#").
class Levels {
 public:
  explicit Levels(std::string_view filter) : rest_(filter) {}
  [[nodiscard]] bool done() const { return done_; }
  std::string_view next() {
    const auto slash = rest_.find('/');
    std::string_view level = rest_.substr(0, slash);
    if (slash == std::string_view::npos) {
      done_ = true;
      rest_ = {};
    } else {
      rest_.remove_prefix(slash + 1);
    }
    return level;
  }

 private:
  std::string_view rest_;
  bool done_ = false;
};

// What the first level can match: '$' topics only by a literal '$…' level.
bool dollar_literal(std::string_view filter) {
  return !filter.empty() && filter.front() == '$';
}

bool starts_with_wildcard(std::string_view filter) {
  return !filter.empty() && (filter.front() == '+' || filter.front() == '#');
}

}  // namespace

bool filters_intersect(std::string_view a, std::string_view b) noexcept {
  if ((dollar_literal(a) && starts_with_wildcard(b)) ||
      (dollar_literal(b) && starts_with_wildcard(a))) {
    return false;
  }
  Levels la(a);
  Levels lb(b);
  while (!la.done() && !lb.done()) {
    const auto x = la.next();
    const auto y = lb.next();
    if (x == "#" || y == "#") {
      return true;
    }
    if (x != "+" && y != "+" && x != y) {
      return false;
    }
  }
  if (la.done() && lb.done()) {
    return true;
  }
  // One ended: the other may only go on with "#" ("a/#" matches "a").
  Levels& longer = la.done() ? lb : la;
  return longer.next() == "#";
}

bool filter_contains(std::string_view outer, std::string_view inner) noexcept {
  // `outer` starting with a wildcard misses the '$' topics a literal '$…' inner matches.
  if (starts_with_wildcard(outer) && dollar_literal(inner)) {
    return false;
  }
  Levels lo(outer);
  Levels li(inner);
  while (!lo.done() && !li.done()) {
    const auto o = lo.next();
    const auto i = li.next();
    if (o == "#") {
      return true;
    }
    if (i == "#") {
      return false;  // inner reaches any depth here, outer does not
    }
    if (o == "+") {
      continue;
    }
    if (i == "+" || o != i) {
      return false;
    }
  }
  if (lo.done() && li.done()) {
    return true;
  }
  if (li.done()) {
    // inner ended: "a" is inside "a/#".
    return lo.next() == "#" && lo.done();
  }
  // outer ended, inner goes deeper: only "inner = outer/#"'s parent level is shared, and
  // inner matches deeper topics outer does not.
  return false;
}

}  // namespace dynamq::mqtt

// Interprets the storage config file: the seed's keys and dynamq's own (see the header).
#include "storage/backend_config.hpp"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <map>

#include "storage/hook_rule_parse.hpp"

namespace dynamq::storage {
namespace {

using config::Entry;
using config::KvFile;

constexpr std::string_view kPrefix = "backend.dynamo.";
constexpr std::string_view kPoolFields[] = {"server", "pool_size", "aws_access_key_id",
                                            "aws_secret_access_key"};
// The keys without a pool, after the prefix.
constexpr std::string_view kOwnKeys[] = {
    "region",          "write_mode",   "billing_mode",  "read_capacity",     "write_capacity",
    "table_prefix",    "msg_ttl",      "ttl_attribute", "max_ids_per_topic", "max_pending_writes",
    "request_timeout", "max_attempts", "max_backoff"};
constexpr std::string_view kSeedTables[] = {"mqtt_client",        "mqtt_sub",    "mqtt_msg",
                                            "mqtt_topic_msg_map", "mqtt_retain", "mqtt_acked"};

bool valid_name_chars(std::string_view s, std::string_view extra) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [&](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           extra.find(c) != std::string_view::npos;
  });
}

// DynamoDB table names: 3..255 of [a-zA-Z0-9_.-].
bool valid_table_name(std::string_view s) {
  return s.size() >= 3 && s.size() <= 255 && valid_name_chars(s, "_.-");
}

[[noreturn]] void unknown_key(const KvFile& file, const Entry& entry,
                              const std::vector<std::string>& candidates) {
  std::vector<std::string_view> views(candidates.begin(), candidates.end());
  std::string message = "unknown key `" + entry.key + "`";
  const auto best = config::closest_match(entry.key, views);
  if (!best.empty()) message += "; did you mean `" + best + "`?";
  throw file.error(entry, message);
}

// Every key that would have been understood, for "did you mean" (with the pool name the
// user wrote, so `pool1.sever` suggests `pool1.server`).
std::vector<std::string> candidates_for(std::string_view rest) {
  std::vector<std::string> out;
  for (const auto k : kOwnKeys) out.push_back(std::string(kPrefix) + std::string(k));
  const auto dot = rest.find('.');
  const std::string pool(rest.substr(0, dot));
  for (const auto f : kPoolFields) {
    out.push_back(std::string(kPrefix) + pool + "." + std::string(f));
  }
  if (dot != std::string_view::npos) {
    out.push_back(std::string(kPrefix) + "hook." + std::string(rest.substr(dot + 1)));
  }
  for (const auto t : kSeedTables) out.push_back(std::string(kPrefix) + "table." + std::string(t));
  return out;
}

// Validates an endpoint with Boost.URL.
void parse_server(const KvFile& file, const Entry& entry, PoolConfig& pool) {
  // A URL with '@' may carry a password (user:pass@host): never quote it.
  const std::string shown = entry.value.find('@') == std::string::npos
                                ? "`" + entry.value + "`"
                                : "(not shown: it contains '@')";
  const auto fail = [&](const std::string& what) {
    throw file.error(entry, "`" + entry.key + "` " + what);
  };
  const auto parsed = boost::urls::parse_uri(entry.value);
  if (!parsed) fail("is not a valid URL: " + shown);
  const auto& url = *parsed;
  if (url.has_userinfo()) fail("must not contain user info (credentials go in aws_* keys)");
  const auto scheme = url.scheme();
  if (scheme != "http" && scheme != "https") {
    fail("must start with http:// or https://, found " + shown);
  }
  if (!url.has_authority() || url.host().empty()) fail("has no host: " + shown);
  if (url.has_query() || url.has_fragment() || (!url.path().empty() && url.path() != "/")) {
    fail("must be scheme://host[:port] without a path, query or fragment, found " + shown);
  }
  pool.tls = scheme == "https";
  pool.port = pool.tls ? 443 : 80;
  if (url.has_port()) {
    const auto port = url.port();
    std::uint64_t number = 0;
    for (const char c : port) number = number * 10 + static_cast<unsigned>(c - '0');
    if (port.empty() || port.size() > 5 || number == 0 || number > 65535) {
      fail("has an invalid port: " + shown);
    }
    pool.port = static_cast<std::uint16_t>(number);
  }
  pool.host = url.host_type() == boost::urls::host_type::ipv6 ? std::string(url.host_address())
                                                              : std::string(url.host());
  pool.server = entry.value;
}

struct PoolDraft {
  PoolConfig pool;
  const Entry* server = nullptr;
  const Entry* key_id = nullptr;
  const Entry* secret = nullptr;
};

std::chrono::milliseconds parse_ms(const KvFile& file, const Entry& entry) {
  const auto seconds = config::parse_duration(file, entry);
  if (seconds.count() == 0 || seconds.count() > 86400) {
    throw file.error(entry,
                     "`" + entry.key + "` must be between 1s and 1d, found `" + entry.value + "`");
  }
  return seconds;
}

template <class E>
E parse_choice(const KvFile& file, const Entry& entry,
               std::initializer_list<std::pair<std::string_view, E>> choices) {
  std::string names;
  for (const auto& [name, value] : choices) {
    if (entry.value == name) return value;
    names += names.empty() ? "" : " or ";
    names += name;
  }
  throw file.error(entry, "`" + entry.key + "` must be " + names + ", found `" + entry.value + "`");
}

// One key without a pool; false when `rest` is none of them.
bool parse_own_key(const KvFile& file, const Entry& e, std::string_view rest, BackendConfig& c,
                   std::optional<std::string>& prefix) {
  if (rest == "region") {
    if (!valid_name_chars(e.value, "-")) {
      throw file.error(
          e, "`" + e.key + "` must be a region name like us-west-2, found `" + e.value + "`");
    }
    c.region = e.value;
  } else if (rest == "write_mode") {
    c.write_mode =
        parse_choice<WriteMode>(file, e, {{"async", WriteMode::async}, {"sync", WriteMode::sync}});
  } else if (rest == "billing_mode") {
    c.billing_mode = parse_choice<BillingMode>(
        file, e,
        {{"provisioned", BillingMode::provisioned}, {"on_demand", BillingMode::on_demand}});
  } else if (rest == "read_capacity") {
    c.read_capacity = static_cast<std::uint32_t>(config::parse_uint(file, e, 1, 40000));
  } else if (rest == "write_capacity") {
    c.write_capacity = static_cast<std::uint32_t>(config::parse_uint(file, e, 1, 40000));
  } else if (rest == "table_prefix") {
    if (!e.value.empty() && !valid_name_chars(e.value, "_.-")) {
      throw file.error(
          e, "`" + e.key + "` may only contain a-z A-Z 0-9 _ . -, found `" + e.value + "`");
    }
    prefix = e.value;
  } else if (rest == "msg_ttl") {
    const auto ttl = config::parse_duration(file, e);
    c.msg_ttl = ttl.count() == 0 ? std::nullopt : std::optional(ttl);
  } else if (rest == "ttl_attribute") {
    if (e.value.empty() || e.value.size() > 255) {
      throw file.error(e, "`" + e.key + "` must be an attribute name of 1 to 255 bytes");
    }
    c.ttl_attribute = e.value;
  } else if (rest == "max_ids_per_topic") {
    // ~50 bytes per id: 8000 ids stay well under DynamoDB's 400 KB item limit.
    c.max_ids_per_topic = static_cast<std::uint32_t>(config::parse_uint(file, e, 1, 8000));
  } else if (rest == "max_pending_writes") {
    c.max_pending_writes = config::parse_uint(file, e, 1, 1'000'000'000);
  } else if (rest == "request_timeout") {
    c.request_timeout = parse_ms(file, e);
  } else if (rest == "max_attempts") {
    c.max_attempts = static_cast<std::uint32_t>(config::parse_uint(file, e, 1, 100));
  } else if (rest == "max_backoff") {
    c.max_backoff = parse_ms(file, e);
  } else {
    return false;
  }
  return true;
}

std::string* table_slot(TableNames& t, std::string_view seed_name) {
  std::string* slots[] = {&t.client, &t.sub, &t.msg, &t.topic_msg_map, &t.retain, &t.acked};
  for (std::size_t i = 0; i < std::size(kSeedTables); ++i) {
    if (kSeedTables[i] == seed_name) return slots[i];
  }
  return nullptr;
}

void parse_hook_key(const KvFile& file, const Entry& e, std::string_view spec,
                    std::vector<HookRule>& rules) {
  const auto names = hook_point_names();
  if (parse_hook_point(spec)) {
    throw file.error(e, "`" + e.key + "` needs a rule number, e.g. `" + e.key + ".1`");
  }
  const auto dot = spec.rfind('.');
  const std::string_view hook_name = spec.substr(0, dot == std::string_view::npos ? 0 : dot);
  const auto hook = parse_hook_point(hook_name);
  if (!hook) {
    std::string message = "unknown hook point `" + std::string(hook_name) + "` in `" + e.key + "`";
    const auto best = config::closest_match(hook_name, names);
    message += best.empty() ? " (hook points: client.connected, client.disconnected, "
                              "session.created, session.subscribed, session.unsubscribed, "
                              "message.publish, message.acked)"
                            : "; did you mean `" + best + "`?";
    throw file.error(e, message);
  }
  const std::string_view number = spec.substr(dot + 1);
  std::uint64_t order = 0;
  const bool digits =
      !number.empty() && number.size() <= 9 &&
      std::all_of(number.begin(), number.end(), [](char c) { return c >= '0' && c <= '9'; });
  for (const char c : number) order = digits ? order * 10 + static_cast<unsigned>(c - '0') : 0;
  if (!digits || order == 0) {
    throw file.error(e, "rule number `" + std::string(number) + "` in `" + e.key +
                            "` must be a whole number from 1 to 999999999");
  }
  for (const auto& r : rules) {
    if (r.hook == *hook && r.order == order) {
      throw file.error(e, "rule " + std::to_string(order) + " of `" + std::string(hook_name) +
                              "` is already defined on line " + std::to_string(r.line));
    }
  }
  rules.push_back(
      parse_hook_rule(file, e, *hook, static_cast<std::uint32_t>(order), RuleErrorSink(file, e)));
}

void finish_pools(const KvFile& file, std::map<std::string, PoolDraft>& drafts,
                  std::vector<std::string>& order, BackendConfig& c) {
  for (const auto& name : order) {
    auto& d = drafts[name];
    if (d.server == nullptr) {
      throw file.error(d.pool.line,
                       "pool `" + name + "` has no `" + std::string(kPrefix) + name + ".server`");
    }
    if ((d.key_id == nullptr) != (d.secret == nullptr)) {
      const Entry* given = d.key_id != nullptr ? d.key_id : d.secret;
      throw file.error(*given, "pool `" + name + "` sets `" + given->key +
                                   "` but not its pair; give both aws_access_key_id and "
                                   "aws_secret_access_key, or neither");
    }
    c.pools.push_back(std::move(d.pool));
  }
}

void finish_rules(const KvFile& file, BackendConfig& c) {
  for (auto& rule : c.rules) {
    if (rule.pool.empty()) {
      if (c.pools.size() != 1) {
        throw file.error(rule.line, "the rule names no `pool` and there are " +
                                        std::to_string(c.pools.size()) + " pools; add \"pool\"");
      }
      rule.pool = c.pools.front().name;
    }
    if (c.find_pool(rule.pool) == nullptr) {
      std::string known;
      for (const auto& p : c.pools) known += (known.empty() ? "" : ", ") + p.name;
      throw file.error(rule.line, "unknown pool `" + rule.pool + "` (defined pools: " +
                                      (known.empty() ? "none" : known) + ")");
    }
  }
  std::stable_sort(c.rules.begin(), c.rules.end(), [](const HookRule& a, const HookRule& b) {
    return a.hook != b.hook ? a.hook < b.hook : a.order < b.order;
  });
}

}  // namespace

const PoolConfig* BackendConfig::find_pool(std::string_view name) const {
  for (const auto& p : pools) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<const HookRule*> BackendConfig::rules_for(HookPoint hook) const {
  std::vector<const HookRule*> out;
  for (const auto& r : rules) {
    if (r.hook == hook) out.push_back(&r);
  }
  return out;
}

BackendConfig parse_backend_config(const KvFile& file) {
  BackendConfig c;
  c.path = file.path;
  std::map<std::string, PoolDraft> drafts;
  std::vector<std::string> pool_order;
  std::optional<std::string> prefix;
  std::vector<std::pair<std::string*, const Entry*>> renamed;

  for (const auto& e : file.entries) {
    const std::string_view key = e.key;
    if (!key.starts_with(kPrefix)) unknown_key(file, e, candidates_for(""));
    const std::string_view rest = key.substr(kPrefix.size());
    if (parse_own_key(file, e, rest, c, prefix)) continue;
    if (rest.starts_with("hook.")) {
      parse_hook_key(file, e, rest.substr(5), c.rules);
      continue;
    }
    if (rest.starts_with("table.")) {
      auto* slot = table_slot(c.tables, rest.substr(6));
      if (slot == nullptr) unknown_key(file, e, candidates_for(rest));
      if (!valid_table_name(e.value)) {
        throw file.error(e, "`" + e.key +
                                "` must be a table name of 3 to 255 characters "
                                "a-z A-Z 0-9 _ . -, found `" +
                                e.value + "`");
      }
      *slot = e.value;
      renamed.emplace_back(slot, &e);
      continue;
    }
    const auto dot = rest.find('.');
    const std::string_view pool_name = rest.substr(0, dot);
    const std::string_view field =
        dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
    const bool known_field =
        std::find(std::begin(kPoolFields), std::end(kPoolFields), field) != std::end(kPoolFields);
    if (!known_field || !valid_name_chars(pool_name, "_-") || pool_name == "hook" ||
        pool_name == "table") {
      unknown_key(file, e, candidates_for(rest));
    }
    auto [it, fresh] = drafts.try_emplace(std::string(pool_name));
    auto& d = it->second;
    if (fresh) {
      d.pool.name = pool_name;
      d.pool.line = e.line;
      pool_order.emplace_back(pool_name);
    }
    if (field == "server") {
      parse_server(file, e, d.pool);
      d.server = &e;
    } else if (field == "pool_size") {
      d.pool.pool_size = static_cast<std::uint32_t>(config::parse_uint(file, e, 1, 1024));
    } else if (field == "aws_access_key_id") {
      if (e.value.empty()) throw file.error(e, "`" + e.key + "` is empty");
      d.pool.access_key_id = e.value;
      d.key_id = &e;
    } else {
      if (e.value.empty()) throw file.error(e, "`" + e.key + "` is empty");
      d.pool.secret_access_key = Secret(e.value);
      d.secret = &e;
    }
  }

  if (prefix && !prefix->empty()) {
    TableNames prefixed;
    for (const auto t : kSeedTables) *table_slot(prefixed, t) = *prefix + std::string(t);
    for (const auto& [slot, entry] : renamed) {
      (void)entry;
      // An explicit name wins over the prefix: copy it across.
      for (const auto t : kSeedTables) {
        if (table_slot(c.tables, t) == slot) *table_slot(prefixed, t) = *slot;
      }
    }
    c.tables = prefixed;
  }
  finish_pools(file, drafts, pool_order, c);
  finish_rules(file, c);
  return c;
}

BackendConfig load_backend_config(const std::string& path) {
  return parse_backend_config(config::read_kv_file(path));
}

}  // namespace dynamq::storage

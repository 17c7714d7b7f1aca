// Hook points, functions, and the JSON of one `backend.dynamo.hook.<hookpoint>.<n>` rule.
#include <array>
#include <boost/json.hpp>
#include <utility>

#include "mqtt/topic.hpp"
#include "storage/backend_config.hpp"
#include "storage/hook_rule_parse.hpp"

namespace dynamq::storage {
namespace {

namespace json = boost::json;

constexpr std::array<std::pair<HookPoint, std::string_view>, 7> kHookNames{{
    {HookPoint::client_connected, "client.connected"},
    {HookPoint::client_disconnected, "client.disconnected"},
    {HookPoint::session_created, "session.created"},
    {HookPoint::session_subscribed, "session.subscribed"},
    {HookPoint::session_unsubscribed, "session.unsubscribed"},
    {HookPoint::message_publish, "message.publish"},
    {HookPoint::message_acked, "message.acked"},
}};

struct FunctionInfo {
  Function function;
  std::string_view name;
  std::array<std::optional<HookPoint>, 2> hooks;  // where it can run (SPEC.md §3)
};

constexpr std::array<FunctionInfo, 13> kFunctions{{
    {Function::on_client_connected, "on_client_connected", {HookPoint::client_connected, {}}},
    // The seed runs it on session.created; SPEC.md also allows client.connected.
    {Function::on_subscribe_lookup,
     "on_subscribe_lookup",
     {HookPoint::session_created, HookPoint::client_connected}},
    {Function::on_client_disconnected,
     "on_client_disconnected",
     {HookPoint::client_disconnected, {}}},
    {Function::on_message_fetch_for_queue,
     "on_message_fetch_for_queue",
     {HookPoint::session_subscribed, {}}},
    {Function::on_retain_lookup, "on_retain_lookup", {HookPoint::session_subscribed, {}}},
    {Function::on_acked_delete, "on_acked_delete", {HookPoint::session_unsubscribed, {}}},
    {Function::on_message_publish, "on_message_publish", {HookPoint::message_publish, {}}},
    {Function::on_message_store, "on_message_store", {HookPoint::message_publish, {}}},
    {Function::on_message_retain, "on_message_retain", {HookPoint::message_publish, {}}},
    {Function::on_retain_delete, "on_retain_delete", {HookPoint::message_publish, {}}},
    {Function::on_message_acked_for_queue,
     "on_message_acked_for_queue",
     {HookPoint::message_acked, {}}},
    {Function::on_message_fetch_for_pubsub,
     "on_message_fetch_for_pubsub",
     {HookPoint::session_subscribed, {}}},
    {Function::on_message_acked_for_pubsub,
     "on_message_acked_for_pubsub",
     {HookPoint::message_acked, {}}},
}};

const FunctionInfo& info(Function f) {
  for (const auto& i : kFunctions) {
    if (i.function == f) return i;
  }
  return kFunctions[0];  // unreachable: every enumerator is in the table
}

std::string hooks_of(Function f) {
  std::string out;
  for (const auto& h : info(f).hooks) {
    if (!h) continue;
    if (!out.empty()) out += " or ";
    out += to_string(*h);
  }
  return out;
}

std::string with_suggestion(std::string message, std::string_view word,
                            std::span<const std::string_view> candidates) {
  const auto best = config::closest_match(word, candidates);
  if (!best.empty()) message += "; did you mean `" + best + "`?";
  return message;
}

template <std::size_t N, class T>
std::vector<std::string_view> names_of(const std::array<T, N>& table) {
  std::vector<std::string_view> out;
  for (const auto& entry : table) {
    if constexpr (requires { entry.name; }) {
      out.push_back(entry.name);
    } else {
      out.push_back(entry.second);
    }
  }
  return out;
}

// Rejects members other than `allowed`, suggesting the closest.
void check_members(const json::object& object, std::span<const std::string_view> allowed,
                   std::string_view where, const RuleErrorSink& fail) {
  for (const auto& member : object) {
    const std::string_view key = member.key();
    bool known = false;
    for (const auto a : allowed) known = known || a == key;
    if (!known) {
      fail(with_suggestion("unknown field `" + std::string(key) + "` in " + std::string(where), key,
                           allowed));
    }
  }
}

std::uint32_t parse_count(const json::value& v, const RuleErrorSink& fail) {
  if (v.is_int64() && v.as_int64() >= 1 && v.as_int64() <= UINT32_MAX) {
    return static_cast<std::uint32_t>(v.as_int64());
  }
  if (v.is_uint64() && v.as_uint64() >= 1 && v.as_uint64() <= UINT32_MAX) {
    return static_cast<std::uint32_t>(v.as_uint64());
  }
  fail("`offline_opts.max_returned_count` must be a whole number from 1 to 4294967295, found " +
       json::serialize(v));
  return 0;
}

std::chrono::seconds parse_time_range(const json::value& v, const config::KvFile& file,
                                      const config::Entry& entry, const RuleErrorSink& fail) {
  if (v.is_int64() && v.as_int64() > 0) return std::chrono::seconds(v.as_int64());
  if (v.is_string()) {
    // Reuse the config file's duration syntax ("30m", "2h", "1d"), naming the JSON field.
    const config::Entry field{"offline_opts.time_range", std::string(v.as_string()), entry.line};
    try {
      const auto d = config::parse_duration(file, field);
      if (d.count() > 0) return d;
    } catch (const config::ConfigError&) {
    }
  }
  fail("`offline_opts.time_range` must be a duration like 30m, 2h or 1d, found " +
       json::serialize(v));
  return {};
}

}  // namespace

std::string_view to_string(HookPoint hook) {
  for (const auto& [h, name] : kHookNames) {
    if (h == hook) return name;
  }
  return "?";
}

std::string_view to_string(Function function) {
  return info(function).name;
}

std::optional<HookPoint> parse_hook_point(std::string_view name) {
  for (const auto& [h, n] : kHookNames) {
    if (n == name) return h;
  }
  return std::nullopt;
}

std::optional<Function> parse_function(std::string_view name) {
  for (const auto& i : kFunctions) {
    if (i.name == name) return i.function;
  }
  return std::nullopt;
}

bool runs_on(Function function, HookPoint hook) {
  for (const auto& h : info(function).hooks) {
    if (h && *h == hook) return true;
  }
  return false;
}

bool is_fetch_function(Function function) {
  return function == Function::on_message_fetch_for_queue ||
         function == Function::on_message_fetch_for_pubsub;
}

std::vector<std::string_view> hook_point_names() {
  return names_of(kHookNames);
}

HookRule parse_hook_rule(const config::KvFile& file, const config::Entry& entry, HookPoint hook,
                         std::uint32_t order, const RuleErrorSink& fail) {
  HookRule rule;
  rule.hook = hook;
  rule.order = order;
  rule.line = entry.line;

  boost::system::error_code ec;
  const json::value doc = json::parse(entry.value, ec);
  if (ec) fail("malformed JSON rule: " + ec.message() + " in `" + entry.value + "`");
  if (!doc.is_object()) fail("the rule must be a JSON object, found `" + entry.value + "`");
  const auto& object = doc.as_object();
  static constexpr std::string_view kRuleFields[] = {"topic", "action", "pool", "offline_opts"};
  check_members(object, kRuleFields, "the rule", fail);

  if (const auto* topic = object.if_contains("topic")) {
    if (!topic->is_string()) fail("`topic` must be a string, found " + json::serialize(*topic));
    const std::string filter(topic->as_string());
    if (!mqtt::is_valid_topic_filter(filter)) {
      fail("`topic` is not a valid MQTT topic filter: \"" + filter + "\"");
    }
    rule.topic = filter;
  }

  const auto* action = object.if_contains("action");
  if (action == nullptr) fail("the rule has no `action` (e.g. {\"function\": \"...\"})");
  if (!action->is_object()) fail("`action` must be an object like {\"function\": \"...\"}");
  static constexpr std::string_view kActionFields[] = {"function"};
  check_members(action->as_object(), kActionFields, "`action`", fail);
  const auto* function = action->as_object().if_contains("function");
  if (function == nullptr || !function->is_string()) {
    fail("`action.function` must be a function name string");
  }
  const std::string_view name = function->as_string();
  const auto parsed = parse_function(name);
  if (!parsed) {
    const auto names = names_of(kFunctions);
    fail(with_suggestion("unknown function `" + std::string(name) + "`", name, names));
  }
  rule.function = *parsed;
  if (!runs_on(rule.function, hook)) {
    fail("function `" + std::string(name) + "` cannot run on hook point `" +
         std::string(to_string(hook)) + "` (it runs on " + hooks_of(rule.function) + ")");
  }

  if (const auto* pool = object.if_contains("pool")) {
    if (!pool->is_string()) fail("`pool` must be a string, found " + json::serialize(*pool));
    rule.pool = std::string(pool->as_string());
  }

  if (const auto* opts = object.if_contains("offline_opts")) {
    if (!is_fetch_function(rule.function)) {
      fail(
          "`offline_opts` applies only to on_message_fetch_for_queue and "
          "on_message_fetch_for_pubsub, not to `" +
          std::string(name) + "`");
    }
    if (!opts->is_object()) fail("`offline_opts` must be an object");
    static constexpr std::string_view kOptFields[] = {"max_returned_count", "time_range"};
    check_members(opts->as_object(), kOptFields, "`offline_opts`", fail);
    if (const auto* v = opts->as_object().if_contains("max_returned_count")) {
      rule.offline_opts.max_returned_count = parse_count(*v, fail);
    }
    if (const auto* v = opts->as_object().if_contains("time_range")) {
      rule.offline_opts.time_range = parse_time_range(*v, file, entry, fail);
    }
  }
  return rule;
}

}  // namespace dynamq::storage

// The hook rules of the storage config, ready for dispatch: per hook point, in order, each
// with its topic filter and the index of its pool (SPEC.md §1, §3).
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/backend_config.hpp"

namespace dynamq::storage {

struct BoundRule {
  Function function = Function::on_client_connected;
  std::optional<std::string> topic;  // absent: every topic
  std::size_t pool = 0;              // index into BackendConfig::pools
  OfflineOpts offline_opts;
  int line = 0;
};

// True when the filter has '+' or '#'.
bool has_wildcard(std::string_view filter) noexcept;

class RuleSet {
 public:
  RuleSet() = default;
  explicit RuleSet(const BackendConfig& config);

  // Every rule of a hook point, in order.
  [[nodiscard]] const std::vector<BoundRule>& all(HookPoint hook) const;
  // Rules whose filter matches a topic name (message.publish, message.acked).
  [[nodiscard]] std::vector<const BoundRule*> for_topic(HookPoint hook,
                                                        std::string_view topic) const;
  // Rules whose filter overlaps a subscription filter (session.subscribed/unsubscribed).
  [[nodiscard]] std::vector<const BoundRule*> for_filter(HookPoint hook,
                                                         std::string_view filter) const;
  // Whether any rule of any hook point runs `function`.
  [[nodiscard]] bool uses(Function function) const;

 private:
  static constexpr std::size_t kHookPoints = 7;
  std::array<std::vector<BoundRule>, kHookPoints> rules_;
};

}  // namespace dynamq::storage

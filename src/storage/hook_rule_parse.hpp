// Internal to backend_config: parsing the JSON value of one hook rule.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/kv_file.hpp"
#include "storage/backend_config.hpp"

namespace dynamq::storage {

// Throws the file:line error for one entry: "file:line: `key`: message".
class RuleErrorSink {
 public:
  RuleErrorSink(const config::KvFile& file, const config::Entry& entry)
      : file_(file), entry_(entry) {}
  [[noreturn]] void operator()(const std::string& message) const {
    throw file_.error(entry_, "`" + entry_.key + "`: " + message);
  }

 private:
  const config::KvFile& file_;
  const config::Entry& entry_;
};

// The rule's JSON; checks fields, function name, hook point compatibility and offline_opts.
// The pool is only read here; backend_config checks that it exists.
HookRule parse_hook_rule(const config::KvFile& file, const config::Entry& entry, HookPoint hook,
                         std::uint32_t order, const RuleErrorSink& fail);

std::vector<std::string_view> hook_point_names();

}  // namespace dynamq::storage

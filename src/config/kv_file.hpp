// The `key = value` file format shared by etc/dynamq.conf and the seed's
// etc/plugins/emqx_backend_dynamo.conf: one pair per line, `#` comments, blank lines ignored.
// Every error names the file and line ("file:line: what") so a user can fix it at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace dynamq::config {

// A config problem; what() is the whole user-facing line, "file:line: what is wrong".
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Entry {
  std::string key;
  std::string value;
  int line = 0;
};

struct KvFile {
  std::string path;
  std::vector<Entry> entries;

  // "path:line: message", the one shape of every config error.
  [[nodiscard]] ConfigError error(const Entry& entry, std::string_view message) const;
  [[nodiscard]] ConfigError error(int line, std::string_view message) const;
};

// Reads and splits a file; throws ConfigError for unreadable files, lines without `=`,
// empty keys and duplicate keys.
KvFile read_kv_file(const std::string& path);
// Same, from text already in memory (tests, stdin).
KvFile parse_kv_text(std::string_view text, std::string path);

// Typed values. Each throws ConfigError naming the entry's file, line and key.
std::uint64_t parse_uint(const KvFile& file, const Entry& entry, std::uint64_t min,
                         std::uint64_t max);
bool parse_bool(const KvFile& file, const Entry& entry);
// "10", "10s", "30m", "2h", "1d" (a plain number is seconds).
std::chrono::seconds parse_duration(const KvFile& file, const Entry& entry);
// "1024", "64KB", "1MB" (binary multiples).
std::uint64_t parse_size(const KvFile& file, const Entry& entry, std::uint64_t min,
                         std::uint64_t max);

// The closest candidate by edit distance, or "" when nothing is close: for "did you mean".
std::string closest_match(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace dynamq::config

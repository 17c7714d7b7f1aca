#include "config/kv_file.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace dynamq::config {
namespace {

std::string_view trim(std::string_view s) {
  const auto* ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) {
    return {};
  }
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// Splits "123abc" into the number and its suffix; false when there is no leading number.
bool split_number(std::string_view text, std::uint64_t& number, std::string_view& suffix) {
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, number);
  if (ec != std::errc{} || ptr == text.data()) {
    return false;
  }
  suffix = std::string_view(ptr, static_cast<std::size_t>(end - ptr));
  return true;
}

}  // namespace

ConfigError KvFile::error(const Entry& entry, std::string_view message) const {
  return error(entry.line, message);
}

ConfigError KvFile::error(int line, std::string_view message) const {
  std::ostringstream out;
  out << path << ':' << line << ": " << message;
  return ConfigError(out.str());
}

KvFile parse_kv_text(std::string_view text, std::string path) {
  KvFile file{std::move(path), {}};
  std::unordered_map<std::string, int> seen;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    line = trim(line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) {
      // Quote only the first word: a line without `=` may be a secret with its key lost
      // (`aws_secret_access_key SECRET`), and errors must never show secrets.
      const auto word = line.substr(0, line.find_first_of(" \t"));
      throw file.error(line_no, word.size() == line.size()
                                    ? std::string("expected `key = value`, found no `=`")
                                    : "expected `key = value` after `" + std::string(word) + "`");
    }
    Entry entry{std::string(trim(line.substr(0, eq))), std::string(trim(line.substr(eq + 1))),
                line_no};
    if (entry.key.empty()) {
      throw file.error(line_no, "missing key before `=`");
    }
    if (const auto [it, fresh] = seen.emplace(entry.key, line_no); !fresh) {
      throw file.error(line_no, "duplicate key `" + entry.key + "` (first set on line " +
                                    std::to_string(it->second) + ")");
    }
    file.entries.push_back(std::move(entry));
  }
  return file;
}

KvFile read_kv_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(path + ":0: cannot open the file");
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_kv_text(buffer.str(), path);
}

std::uint64_t parse_uint(const KvFile& file, const Entry& entry, std::uint64_t min,
                         std::uint64_t max) {
  std::uint64_t value = 0;
  std::string_view suffix;
  if (!split_number(entry.value, value, suffix) || !suffix.empty()) {
    throw file.error(entry,
                     "`" + entry.key + "` must be a whole number, found `" + entry.value + "`");
  }
  if (value < min || value > max) {
    throw file.error(entry, "`" + entry.key + "` must be between " + std::to_string(min) + " and " +
                                std::to_string(max) + ", found " + entry.value);
  }
  return value;
}

bool parse_bool(const KvFile& file, const Entry& entry) {
  const std::string& v = entry.value;
  if (v == "true" || v == "on" || v == "yes" || v == "1") {
    return true;
  }
  if (v == "false" || v == "off" || v == "no" || v == "0") {
    return false;
  }
  throw file.error(entry, "`" + entry.key + "` must be true or false, found `" + v + "`");
}

std::chrono::seconds parse_duration(const KvFile& file, const Entry& entry) {
  std::uint64_t value = 0;
  std::string_view suffix;
  if (split_number(entry.value, value, suffix)) {
    static constexpr std::pair<std::string_view, std::uint64_t> units[] = {
        {"", 1}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
    for (const auto& [unit, factor] : units) {
      if (suffix == unit && value <= UINT32_MAX) {
        return std::chrono::seconds(value * factor);
      }
    }
  }
  throw file.error(entry, "`" + entry.key +
                              "` must be a duration like 30s, 30m, 2h or 1d, found `" +
                              entry.value + "`");
}

std::uint64_t parse_size(const KvFile& file, const Entry& entry, std::uint64_t min,
                         std::uint64_t max) {
  std::uint64_t value = 0;
  std::string_view suffix;
  if (split_number(entry.value, value, suffix)) {
    static constexpr std::pair<std::string_view, std::uint64_t> units[] = {
        {"", 1}, {"B", 1}, {"KB", 1024}, {"MB", 1024 * 1024}, {"GB", 1024ULL * 1024 * 1024}};
    for (const auto& [unit, factor] : units) {
      if (suffix == unit && value <= UINT64_MAX / factor) {
        const std::uint64_t bytes = value * factor;
        if (bytes < min || bytes > max) {
          throw file.error(entry, "`" + entry.key + "` must be between " + std::to_string(min) +
                                      " and " + std::to_string(max) + " bytes, found " +
                                      entry.value);
        }
        return bytes;
      }
    }
  }
  throw file.error(entry, "`" + entry.key + "` must be a size like 1024, 64KB or 1MB, found `" +
                              entry.value + "`");
}

std::string closest_match(std::string_view word, std::span<const std::string_view> candidates) {
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(3, word.size() / 3) + 1;
  for (const auto candidate : candidates) {
    const auto d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return std::string(best);
}

}  // namespace dynamq::config

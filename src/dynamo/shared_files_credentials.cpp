// ~/.aws/credentials and ~/.aws/config, as the AWS CLI reads them.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "dynamo/credentials.hpp"

namespace dynamq::dynamo {
namespace {

std::string trim(std::string_view s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string env_or(const char* name, const std::string& dflt) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::string(v) : dflt;
}

std::filesystem::path home_aws(const char* file) {
  return std::filesystem::path(env_or("HOME", ".")) / ".aws" / file;
}

struct FileState {
  std::filesystem::path path;
  std::filesystem::file_time_type mtime{};
  bool loaded = false;
  bool exists = false;
  IniSections sections;
};

class SharedFilesProvider final : public CredentialsProvider {
 public:
  explicit SharedFilesProvider(SharedFilesOptions o) : opts_(std::move(o)) {}

  awaitable<Result<Credentials>> get() override { co_return load(); }

  std::string name() const override { return "shared-files:" + profile(); }

 private:
  std::string profile() const {
    return opts_.profile ? *opts_.profile : env_or("AWS_PROFILE", "default");
  }

  // Re-reads a file when its mtime changed (rotated keys are picked up without a restart).
  std::optional<Error> refresh(FileState& f, const std::filesystem::path& path) {
    std::error_code ec;
    bool exists = std::filesystem::exists(path, ec);
    auto mtime =
        exists ? std::filesystem::last_write_time(path, ec) : std::filesystem::file_time_type{};
    if (f.loaded && f.path == path && f.exists == exists && f.mtime == mtime) return std::nullopt;
    f = FileState{path, mtime, true, exists, {}};
    if (!exists) return std::nullopt;
    std::ifstream in(path);
    if (!in) return Error{Error::kCredentials, path.string() + ": cannot be read", 0, false};
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = parse_aws_ini(ss.str(), path.string());
    if (!parsed.ok()) {
      f.loaded = false;
      return parsed.error();
    }
    f.sections = std::move(parsed.value());
    return std::nullopt;
  }

  Result<Credentials> load() {
    std::lock_guard lock(mu_);
    auto cred_path = opts_.credentials_file
                         ? *opts_.credentials_file
                         : std::filesystem::path(env_or("AWS_SHARED_CREDENTIALS_FILE",
                                                        home_aws("credentials").string()));
    auto conf_path =
        opts_.config_file
            ? *opts_.config_file
            : std::filesystem::path(env_or("AWS_CONFIG_FILE", home_aws("config").string()));
    if (auto e = refresh(cred_, cred_path)) return *e;
    if (auto e = refresh(conf_, conf_path)) return *e;
    std::string prof = profile();
    std::map<std::string, std::string> merged;
    // config: "[profile NAME]", or "[default]" for the default profile.
    auto take = [&](const IniSections& s, const std::string& section) {
      auto it = s.find(section);
      if (it == s.end()) return;
      for (const auto& [k, v] : it->second) merged[k] = v;  // later sources override
    };
    take(conf_.sections, prof == "default" ? "default" : "profile " + prof);
    if (prof == "default") take(conf_.sections, "profile default");
    take(cred_.sections, prof);  // the credentials file wins
    auto id = merged.find("aws_access_key_id");
    auto secret = merged.find("aws_secret_access_key");
    if (id == merged.end() || secret == merged.end() || id->second.empty() ||
        secret->second.empty())
      return Error{Error::kCredentials,
                   "shared files: profile '" + prof + "' has no aws_access_key_id and " +
                       "aws_secret_access_key in " + cred_path.string() + " or " +
                       conf_path.string(),
                   0, false};
    Credentials c{id->second, secret->second, {}, std::nullopt};
    if (auto t = merged.find("aws_session_token"); t != merged.end()) c.session_token = t->second;
    return c;
  }

  const SharedFilesOptions opts_;
  std::mutex mu_;
  FileState cred_, conf_;
};

}  // namespace

Result<IniSections> parse_aws_ini(const std::string& text, const std::string& file_name) {
  IniSections out;
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  std::string section;
  bool in_section = false;
  while (std::getline(in, line)) {
    ++lineno;
    std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t[0] == ';') continue;
    if (t[0] == '[') {
      if (t.back() != ']')
        return Error{Error::kCredentials,
                     file_name + ":" + std::to_string(lineno) + ": section header without ']'", 0,
                     false};
      section = trim(std::string_view(t).substr(1, t.size() - 2));
      // Collapse inner blanks of "profile   name".
      if (section.rfind("profile", 0) == 0 && section.size() > 7 &&
          (section[7] == ' ' || section[7] == '\t'))
        section = "profile " + trim(std::string_view(section).substr(7));
      out[section];
      in_section = true;
      continue;
    }
    // Continuation lines (indented sub-keys such as s3 settings) are not credentials: skip.
    if (line[0] == ' ' || line[0] == '\t') continue;
    auto eq = t.find('=');
    if (eq == std::string::npos)
      return Error{Error::kCredentials,
                   file_name + ":" + std::to_string(lineno) + ": expected 'key = value'", 0, false};
    if (!in_section)
      return Error{Error::kCredentials,
                   file_name + ":" + std::to_string(lineno) + ": key outside of a [section]", 0,
                   false};
    out[section][lower(trim(std::string_view(t).substr(0, eq)))] =
        trim(std::string_view(t).substr(eq + 1));
  }
  return out;
}

std::shared_ptr<CredentialsProvider> make_shared_files_credentials(SharedFilesOptions opts) {
  return std::make_shared<SharedFilesProvider>(std::move(opts));
}

}  // namespace dynamq::dynamo

// `dynamq passwd [--delete] [--stdin] [--iterations N] FILE USER`: adds a user to the
// password file of auth.password_file, changes its password, or (--delete) removes it.
//
// The password is never an argument (it would show in `ps` and shell history):
//   * on a terminal it is asked twice, without echo;
//   * with --stdin, or when stdin is not a terminal, the first line of stdin is the password
//     (scripts: `printf '%s\n' "$PW" | dynamq passwd FILE USER`).
// The file is created with mode 0600 when missing; an existing file keeps its mode, its
// comments and its order. It is replaced atomically (written next to it, then renamed).
// Exit codes: 0 done, 1 refused (unknown user to delete, passwords differ, empty password,
// bad user name), 2 the file is malformed or cannot be written.
#include <fcntl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "app/command.hpp"
#include "auth/password_file.hpp"
#include "config/kv_file.hpp"

namespace dynamq::app {
namespace {

struct PasswdArgs {
  std::string file;
  std::string user;
  bool remove = false;
  bool from_stdin = false;
  unsigned iterations = auth::kDefaultIterations;
};

// One line from `in` without its line ending; nullopt at end of input.
std::optional<std::string> read_line(std::FILE* in) {
  std::string line;
  int c = 0;
  bool any = false;
  while ((c = std::fgetc(in)) != EOF) {
    any = true;
    if (c == '\n') {
      break;
    }
    line.push_back(static_cast<char>(c));
  }
  if (!any) {
    return std::nullopt;
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

// Asks on the terminal with echo off.
std::optional<std::string> prompt(const char* text) {
  std::FILE* tty = std::fopen("/dev/tty", "r+");
  if (!tty) {
    return std::nullopt;
  }
  // Echo off before the prompt shows, so nothing typed after it is echoed or flushed.
  termios saved{};
  const bool have_termios = tcgetattr(fileno(tty), &saved) == 0;
  if (have_termios) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
  }
  std::fputs(text, tty);
  std::fflush(tty);
  auto line = read_line(tty);
  if (have_termios) {
    tcsetattr(fileno(tty), TCSAFLUSH, &saved);
  }
  std::fputs("\n", tty);
  std::fclose(tty);
  return line;
}

std::optional<std::string> read_password(const PasswdArgs& args) {
  if (args.from_stdin || isatty(STDIN_FILENO) == 0) {
    return read_line(stdin);
  }
  auto first = prompt("Password: ");
  if (!first) {
    return std::nullopt;
  }
  auto second = prompt("Reenter password: ");
  if (!second || *first != *second) {
    std::cerr << "dynamq passwd: the passwords do not match\n";
    return std::nullopt;
  }
  return first;
}

// Writes `text` to a temporary file beside `path` and renames it over `path`.
void replace_file(const std::string& path, const std::string& text) {
  mode_t mode = S_IRUSR | S_IWUSR;  // 0600 for a new file
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0) {
    mode = existing.st_mode & 07777;
  }
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, S_IRUSR | S_IWUSR);
  if (fd < 0) {
    throw std::runtime_error("cannot create " + tmp + ": " + std::strerror(errno));
  }
  std::size_t done = 0;
  bool ok = true;
  while (ok && done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    ok = n > 0;
    done += ok ? static_cast<std::size_t>(n) : 0;
  }
  ok = ok && ::fchmod(fd, mode) == 0 && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = ok ? errno : saved_errno;
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path + ": " + std::strerror(e));
  }
}

int run(const PasswdArgs& args) {
  if (!auth::valid_user_name(args.user)) {
    std::cerr << "dynamq passwd: a user name must be non-empty, without ':' or control "
                 "characters\n";
    return 1;
  }
  auth::PasswordFile file;
  const bool exists = std::filesystem::exists(args.file);
  try {
    if (exists) {
      file = auth::PasswordFile::load(args.file);
    }
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << '\n';
    return 2;
  }
  if (args.remove) {
    if (!file.remove(args.user)) {
      std::cerr << "dynamq passwd: no user `" << args.user << "` in " << args.file << '\n';
      return 1;
    }
  } else {
    auto password = read_password(args);
    if (!password) {
      std::cerr << "dynamq passwd: no password given\n";
      return 1;
    }
    if (password->empty()) {
      std::cerr << "dynamq passwd: the password must not be empty\n";
      return 1;
    }
    const bool changed = file.set(args.user, auth::make_password_hash(*password, args.iterations));
    std::fill(password->begin(), password->end(), '\0');
    std::cout << (changed ? "changed the password of `" : "added `") << args.user << "` "
              << (changed ? "in " : "to ") << args.file << '\n';
  }
  try {
    replace_file(args.file, file.text());
  } catch (const std::exception& e) {
    std::cerr << "dynamq passwd: " << e.what() << '\n';
    return 2;
  }
  if (args.remove) {
    std::cout << "deleted `" << args.user << "` from " << args.file << '\n';
  }
  return 0;
}

}  // namespace

Command add_passwd_command(CLI::App& app) {
  auto args = std::make_shared<PasswdArgs>();
  auto* cmd = app.add_subcommand(
      "passwd",
      "add a user to a password file (auth.password_file) or change its password; the "
      "password is asked twice on a terminal, else read from the first line of stdin");
  cmd->add_flag("-D,--delete", args->remove, "remove the user instead");
  cmd->add_flag("--stdin", args->from_stdin,
                "read the password from the first line of stdin even on a terminal");
  cmd->add_option("--iterations", args->iterations, "PBKDF2-HMAC-SHA512 iterations")
      ->check(CLI::Range(10'000U, 100'000'000U))
      ->capture_default_str();
  cmd->add_option("file", args->file, "password file (created with mode 0600 if missing)")
      ->required();
  cmd->add_option("user", args->user, "user name")->required();
  return Command{cmd, [args] {
                   try {
                     return run(*args);
                   } catch (const std::exception& e) {
                     std::cerr << "dynamq passwd: " << e.what() << '\n';
                     return 2;
                   }
                 }};
}

}  // namespace dynamq::app

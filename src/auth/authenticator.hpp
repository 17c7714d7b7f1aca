// Decides CONNECT credentials against the password file, without making the io threads pay
// for PBKDF2.
//
// A PBKDF2 verification at 100,000 iterations costs 0.1-0.4 s of one core (320 ms measured
// on the 2-core test VM). Done on an io thread it would stall every other connection of that
// loop (a reconnect storm of 10,000 devices would freeze the broker for an hour). So:
//   * a password is verified on a small pool of worker threads, and the answer is handed
//     back through the callback (the broker posts it to the connection's executor);
//   * a verified (user, password) pair is remembered as an HMAC-SHA256 of the password under
//     a random per-process key (never the password itself), tied to the user's stored hash:
//     the next connect of that device is answered at once, on the caller's thread (~8 µs).
//     Changing the user's hash (a new password file) invalidates it; a wrong password never
//     matches it and goes to the workers like any other.
// Anonymous clients and unknown users are answered at once (an unknown user costs no PBKDF2;
// its timing differs from a known user's, which reveals whether a user exists — the same
// trade-off mosquitto makes).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "auth/password_file.hpp"

namespace dynamq::auth {

enum class Verdict : std::uint8_t {
  allowed,
  bad_credentials,  // unknown user, wrong password, user without password
  not_authorized,   // no user name and anonymous clients are refused
};

struct AuthenticatorOptions {
  bool allow_anonymous = true;
  // Null: no password file; a client with a user name is then let in only when anonymous
  // access is allowed (its name is kept for ACLs and logs, unverified), as mosquitto does.
  std::shared_ptr<const PasswordFile> passwords;
  unsigned worker_threads = 1;
  std::size_t cache_capacity = 100'000;  // verified pairs remembered; cleared when full
};

class Authenticator {
 public:
  explicit Authenticator(AuthenticatorOptions options);
  ~Authenticator();
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // `done` runs exactly once: on the calling thread when the answer needs no PBKDF2 (or
  // is cached), else on a worker thread. `password` absent ≠ empty.
  void authenticate(std::optional<std::string> username, std::optional<std::string> password,
                    std::function<void(Verdict)> done);

  struct Stats {
    std::uint64_t verified = 0;    // PBKDF2 verifications run
    std::uint64_t cache_hits = 0;  // answered from the cache
  };
  [[nodiscard]] Stats stats() const;

 private:
  struct Job {
    std::string username;
    std::string password;
    const PasswordHash* stored = nullptr;
    std::function<void(Verdict)> done;
  };
  void work();
  [[nodiscard]] std::vector<std::uint8_t> tag(std::string_view password) const;

  AuthenticatorOptions options_;
  std::vector<std::uint8_t> key_;  // random HMAC key of the cache
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  // user → (stored hash it was verified against, tag of the password)
  std::unordered_map<std::string, std::pair<const PasswordHash*, std::vector<std::uint8_t>>> cache_;
  Stats stats_;
  std::vector<std::thread> workers_;
};

}  // namespace dynamq::auth

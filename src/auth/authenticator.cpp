#include "auth/authenticator.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace dynamq::auth {

Authenticator::Authenticator(AuthenticatorOptions options)
    : options_(std::move(options)), key_(32) {
  if (RAND_bytes(key_.data(), static_cast<int>(key_.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no randomness for the credential cache key");
  }
  if (options_.passwords) {
    const unsigned n = std::max(1U, options_.worker_threads);
    for (unsigned i = 0; i < n; ++i) {
      workers_.emplace_back([this] { work(); });
    }
  }
}

Authenticator::~Authenticator() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) {
    t.join();
  }
  // Jobs still queued are answered, so no caller waits forever.
  for (auto& job : jobs_) {
    job.done(Verdict::bad_credentials);
  }
}

std::vector<std::uint8_t> Authenticator::tag(std::string_view password) const {
  std::vector<std::uint8_t> out(EVP_MAX_MD_SIZE);
  unsigned length = 0;
  HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
       reinterpret_cast<const unsigned char*>(password.data()), password.size(), out.data(),
       &length);
  out.resize(length);
  return out;
}

void Authenticator::authenticate(std::optional<std::string> username,
                                 std::optional<std::string> password,
                                 std::function<void(Verdict)> done) {
  if (!username) {
    done(options_.allow_anonymous ? Verdict::allowed : Verdict::not_authorized);
    return;
  }
  if (!options_.passwords) {
    done(options_.allow_anonymous ? Verdict::allowed : Verdict::bad_credentials);
    return;
  }
  const PasswordHash* stored = options_.passwords->find(*username);
  if (!stored || !password) {
    done(Verdict::bad_credentials);
    return;
  }
  const auto t = tag(*password);
  {
    std::lock_guard lock(mutex_);
    const auto it = cache_.find(*username);
    if (it != cache_.end() && it->second.first == stored && it->second.second.size() == t.size() &&
        CRYPTO_memcmp(it->second.second.data(), t.data(), t.size()) == 0) {
      ++stats_.cache_hits;
      // Answer outside the lock: `done` may do anything.
    } else {
      jobs_.push_back(Job{std::move(*username), std::move(*password), stored, std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  done(Verdict::allowed);
}

void Authenticator::work() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) {
        return;
      }
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    const bool ok = verify_password(job.password, *job.stored);
    if (ok) {
      const auto t = tag(job.password);
      std::lock_guard lock(mutex_);
      if (cache_.size() >= options_.cache_capacity) {
        cache_.clear();  // simple bound; the cost is one more PBKDF2 per device
      }
      cache_[job.username] = {job.stored, t};
      ++stats_.verified;
    } else {
      std::lock_guard lock(mutex_);
      ++stats_.verified;
    }
    // Wipe the plaintext before answering.
    OPENSSL_cleanse(job.password.data(), job.password.size());
    job.done(ok ? Verdict::allowed : Verdict::bad_credentials);
  }
}

Authenticator::Stats Authenticator::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace dynamq::auth

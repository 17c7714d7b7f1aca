// The Authenticator: verdicts, verification off the caller's thread, the verified cache.
#include "auth/authenticator.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace dynamq::auth {
namespace {

struct Answer {
  Verdict verdict;
  std::thread::id thread;
};

Answer ask(Authenticator& a, std::optional<std::string> user, std::optional<std::string> pw) {
  std::promise<Answer> promise;
  auto future = promise.get_future();
  a.authenticate(std::move(user), std::move(pw), [&promise](Verdict v) {
    promise.set_value(Answer{v, std::this_thread::get_id()});
  });
  // A deadline, not a sleep: a verification at 1000 iterations takes well under a second.
  EXPECT_EQ(future.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  return future.get();
}

std::shared_ptr<const PasswordFile> users() {
  auto text = "alice:" + format_password_hash(make_password_hash("wonderland", 1000)) + "\n";
  return std::make_shared<const PasswordFile>(PasswordFile::parse(text, "pw"));
}

TEST(Authenticator, Verdicts) {
  Authenticator a({.allow_anonymous = false, .passwords = users()});
  EXPECT_EQ(ask(a, "alice", "wonderland").verdict, Verdict::allowed);
  EXPECT_EQ(ask(a, "alice", "looking-glass").verdict, Verdict::bad_credentials);
  EXPECT_EQ(ask(a, "alice", std::nullopt).verdict, Verdict::bad_credentials);
  EXPECT_EQ(ask(a, "mallory", "wonderland").verdict, Verdict::bad_credentials);
  EXPECT_EQ(ask(a, std::nullopt, std::nullopt).verdict, Verdict::not_authorized);
}

TEST(Authenticator, AnonymousAllowedStillChecksGivenUserNames) {
  Authenticator a({.allow_anonymous = true, .passwords = users()});
  EXPECT_EQ(ask(a, std::nullopt, std::nullopt).verdict, Verdict::allowed);
  EXPECT_EQ(ask(a, "alice", "nope").verdict, Verdict::bad_credentials);
}

TEST(Authenticator, WithoutPasswordFileUserNamesAreTakenAsGiven) {
  Authenticator open({.allow_anonymous = true});
  EXPECT_EQ(ask(open, "anyone", "anything").verdict, Verdict::allowed);
  Authenticator closed({.allow_anonymous = false});
  EXPECT_EQ(ask(closed, "anyone", "anything").verdict, Verdict::bad_credentials);
  EXPECT_EQ(ask(closed, std::nullopt, std::nullopt).verdict, Verdict::not_authorized);
}

TEST(Authenticator, VerifiesOffTheCallersThreadThenAnswersFromTheCache) {
  Authenticator a({.allow_anonymous = false, .passwords = users()});
  const auto first = ask(a, "alice", "wonderland");
  EXPECT_EQ(first.verdict, Verdict::allowed);
  EXPECT_NE(first.thread, std::this_thread::get_id());  // PBKDF2 ran on a worker
  EXPECT_EQ(a.stats().verified, 1U);

  const auto second = ask(a, "alice", "wonderland");
  EXPECT_EQ(second.verdict, Verdict::allowed);
  EXPECT_EQ(second.thread, std::this_thread::get_id());  // answered at once
  EXPECT_EQ(a.stats().cache_hits, 1U);
  EXPECT_EQ(a.stats().verified, 1U);

  // A wrong password never matches the cached entry: it is verified (and refused).
  EXPECT_EQ(ask(a, "alice", "wonderlan").verdict, Verdict::bad_credentials);
  EXPECT_EQ(a.stats().verified, 2U);
  EXPECT_EQ(a.stats().cache_hits, 1U);
}

TEST(Authenticator, ManyConcurrentRequestsAllAnswered) {
  Authenticator a({.allow_anonymous = false, .passwords = users(), .worker_threads = 2});
  constexpr int kN = 40;
  std::atomic<int> allowed{0};
  std::atomic<int> refused{0};
  std::promise<void> all;
  std::atomic<int> left{kN};
  for (int i = 0; i < kN; ++i) {
    a.authenticate("alice", i % 2 == 0 ? "wonderland" : "wrong", [&](Verdict v) {
      (v == Verdict::allowed ? allowed : refused)++;
      if (--left == 0) {
        all.set_value();
      }
    });
  }
  ASSERT_EQ(all.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(allowed.load(), kN / 2);
  EXPECT_EQ(refused.load(), kN / 2);
}

}  // namespace
}  // namespace dynamq::auth

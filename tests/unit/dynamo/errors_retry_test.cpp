// Error bodies, retry classification, backoff bounds and the retry budget.
#include <gtest/gtest.h>

#include "dynamo/error_parse.hpp"
#include "dynamo/retry.hpp"

namespace dynamq::dynamo {
namespace {

TEST(ErrorParse, StripsNamespacePrefixes) {
  EXPECT_EQ(short_error_type("com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException"),
            "ConditionalCheckFailedException");
  EXPECT_EQ(short_error_type("com.amazon.coral.service#UnrecognizedClientException"),
            "UnrecognizedClientException");
  EXPECT_EQ(short_error_type("ValidationException"), "ValidationException");
}

TEST(ErrorParse, ReadsTypeAndEitherMessageSpelling) {
  auto e = parse_error_response(
      400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
              "message":"The conditional request failed"})");
  EXPECT_EQ(e.type, "ConditionalCheckFailedException");
  EXPECT_EQ(e.message, "The conditional request failed");
  EXPECT_EQ(e.http_status, 400);
  EXPECT_FALSE(e.retryable);
  EXPECT_TRUE(e.conditional_check_failed());
  auto m = parse_error_response(
      400, R"({"__type":"com.amazon.coral.validate#ValidationException","Message":"bad key"})");
  EXPECT_EQ(m.type, "ValidationException");
  EXPECT_EQ(m.message, "bad key");
}

TEST(ErrorParse, NonJsonBodyKeepsStatusAndIsBounded) {
  std::string html = "<html>" + std::string(1000, 'x') + "</html>";
  auto e = parse_error_response(502, html);
  EXPECT_EQ(e.type, "HTTP502");
  EXPECT_TRUE(e.retryable);
  EXPECT_LT(e.message.size(), 300u);
  EXPECT_EQ(e.describe().rfind("HTTP502 (HTTP 502): <html>", 0), 0u);
}

TEST(ErrorParse, RetryableClassification) {
  struct Case {
    const char* type;
    int status;
    bool retryable;
  };
  for (auto c : std::initializer_list<Case>{
           {"ProvisionedThroughputExceededException", 400, true},
           {"ThrottlingException", 400, true},
           {"RequestLimitExceeded", 400, true},
           {"InternalServerError", 500, true},
           {"ServiceUnavailable", 503, true},
           {"SomethingNew", 503, true},  // any 5xx
           {"ValidationException", 400, false},
           {"ConditionalCheckFailedException", 400, false},
           {"ResourceNotFoundException", 400, false},
           {"ResourceInUseException", 400, false},
           {"UnrecognizedClientException", 400, false},
           {"AccessDeniedException", 400, false},
           {"ItemCollectionSizeLimitExceededException", 400, false},
       }) {
    std::string body = std::string(R"({"__type":"com.amazonaws.dynamodb.v20120810#)") + c.type +
                       R"(","message":"m"})";
    EXPECT_EQ(parse_error_response(c.status, body).retryable, c.retryable) << c.type;
  }
  EXPECT_TRUE(is_retryable(Error::kConnection, 0));
  EXPECT_TRUE(is_retryable(Error::kTimeout, 0));
  EXPECT_FALSE(is_retryable(Error::kCancelled, 0));
  EXPECT_FALSE(is_retryable(Error::kCredentials, 0));
}

TEST(ResultType, HoldsValueOrErrorAndRefusesTheWrongAccess) {
  Result<int> v = 7;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 7);
  EXPECT_THROW((void)v.error(), std::logic_error);
  Result<int> e = Error{"ThrottlingException", "slow", 400, true};
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().describe(), "ThrottlingException (HTTP 400): slow");
  try {
    (void)e.value();
    ADD_FAILURE() << "value() on an error must throw";
  } catch (const std::logic_error& ex) {
    EXPECT_NE(std::string(ex.what()).find("ThrottlingException"), std::string::npos);
  }
}

TEST(Backoff, FullJitterStaysWithinExponentialCap) {
  RetryPolicy p;
  p.base_backoff = std::chrono::milliseconds(10);
  p.max_backoff = std::chrono::milliseconds(300);
  EXPECT_EQ(backoff_cap(p, 1).count(), 10);
  EXPECT_EQ(backoff_cap(p, 2).count(), 20);
  EXPECT_EQ(backoff_cap(p, 5).count(), 160);
  EXPECT_EQ(backoff_cap(p, 6).count(), 300);
  EXPECT_EQ(backoff_cap(p, 1000).count(), 300);  // no overflow
  std::mt19937_64 rng(42);
  for (int retry = 1; retry <= 8; ++retry) {
    std::int64_t lo = 1 << 30, hi = -1;
    for (int i = 0; i < 2000; ++i) {
      auto d = backoff_delay(p, retry, rng).count();
      ASSERT_GE(d, 0);
      ASSERT_LE(d, backoff_cap(p, retry).count());
      lo = std::min(lo, d);
      hi = std::max(hi, d);
    }
    // Full jitter: the whole range is used, not just the top.
    EXPECT_LE(lo, backoff_cap(p, retry).count() / 4) << retry;
    EXPECT_GE(hi, backoff_cap(p, retry).count() * 3 / 4) << retry;
  }
}

TEST(RetryBudget, DrainsOnRetriesAndRefillsOnSuccess) {
  RetryPolicy p;
  p.budget_capacity = 20;
  p.retry_cost = 5;
  p.timeout_cost = 10;
  p.success_refund = 1;
  RetryBudget b(p);
  EXPECT_TRUE(b.try_acquire(true));   // 10 left
  EXPECT_TRUE(b.try_acquire(false));  // 5 left
  EXPECT_TRUE(b.try_acquire(false));  // 0 left
  EXPECT_FALSE(b.try_acquire(false));
  EXPECT_EQ(b.available(), 0);
  for (int i = 0; i < 5; ++i) b.on_success();
  EXPECT_TRUE(b.try_acquire(false));
  for (int i = 0; i < 100; ++i) b.on_success();
  EXPECT_EQ(b.available(), 20);  // capped
  p.budget_capacity = 0;         // disabled
  RetryBudget unlimited(p);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(unlimited.try_acquire(true));
}

}  // namespace
}  // namespace dynamq::dynamo

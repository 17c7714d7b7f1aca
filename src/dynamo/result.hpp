// Error and Result<T>: expected outcomes (a failed condition check, throttling, a timeout) are
// values, not exceptions. C++20 has no std::expected, so this is a deliberately small one.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dynamq::dynamo {

// One failed DynamoDB call (or a local failure before/after it).
//   type:        the short `__type` name from the service ("ConditionalCheckFailedException"), or
//                one of the client-side kinds below.
//   message:     human readable; never contains credentials.
//   http_status: the HTTP status, 0 when no response arrived.
//   retryable:   true when sending the same request again may succeed.
struct Error {
  std::string type;
  std::string message;
  int http_status = 0;
  bool retryable = false;

  // Client-side kinds (http_status == 0).
  static constexpr const char* kConnection = "ConnectionError";     // resolve/connect/TLS/IO failed
  static constexpr const char* kTimeout = "RequestTimeout";         // request_timeout elapsed
  static constexpr const char* kCancelled = "RequestCancelled";     // caller cancelled or shutdown
  static constexpr const char* kCredentials = "CredentialsError";   // no usable credentials
  static constexpr const char* kInvalidRequest = "InvalidRequest";  // rejected before sending
  static constexpr const char* kBadResponse = "BadResponse";        // unparseable response body

  bool is(std::string_view t) const { return type == t; }
  bool conditional_check_failed() const { return type == "ConditionalCheckFailedException"; }
  bool resource_not_found() const { return type == "ResourceNotFoundException"; }
  bool resource_in_use() const { return type == "ResourceInUseException"; }
  // "Type (HTTP 400): message" — for logs and CLI output.
  std::string describe() const;
};

// Holds either a T or an Error.
template <class T>
class [[nodiscard]] Result {
 public:
  // Default: an Error with an empty type. Exists because Asio's co_spawn needs it; prefer the
  // other constructors.
  Result() : v_(std::in_place_index<1>, Error{}) {}
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  // value() on an error and error() on a value are bugs in the caller: they throw
  // std::logic_error (with the error's description, which never holds secrets).
  T& value() & {
    check_value();
    return std::get<0>(v_);
  }
  const T& value() const& {
    check_value();
    return std::get<0>(v_);
  }
  T&& value() && {
    check_value();
    return std::get<0>(std::move(v_));
  }
  const Error& error() const {
    check_error();
    return std::get<1>(v_);
  }
  Error& error() {
    check_error();
    return std::get<1>(v_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  void check_value() const {
    if (!ok()) throw std::logic_error("Result::value() on an error: " + std::get<1>(v_).describe());
  }
  void check_error() const {
    if (ok()) throw std::logic_error("Result::error() on a value");
  }
  std::variant<T, Error> v_;
};

inline std::string Error::describe() const {
  std::string out = type;
  if (http_status != 0) out += " (HTTP " + std::to_string(http_status) + ")";
  if (!message.empty()) out += ": " + message;
  return out;
}

}  // namespace dynamq::dynamo

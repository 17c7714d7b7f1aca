// The one place that names Asio's completion tokens. Boost 1.81 has no default token, so
// every asynchronous call in dynamq passes one of these explicitly.
#pragma once

#include <boost/asio.hpp>

namespace dynamq::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

template <class T = void>
using awaitable = asio::awaitable<T>;

// Throws boost::system::system_error on failure: for operations whose failure is a bug.
inline constexpr auto use_awaitable = asio::use_awaitable;
// Returns (error_code, result...) instead of throwing: expected outcomes (EOF, timeouts,
// aborted operations) are values, not exceptions (DESIGN.md, principle 4).
inline constexpr auto use_awaitable_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace dynamq::net

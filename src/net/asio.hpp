// The one place that names Asio's completion tokens. Boost 1.81 has no default token, so
// every asynchronous call in dynamq passes one of these explicitly.
#pragma once

#include <boost/asio.hpp>

namespace dynamq::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;
// An accepted TCP socket bound to its loop's io_context executor rather than tcp::socket's
// polymorphic any_io_executor (32 bytes, copied into the work tracking of every pending
// operation on the socket): a smaller socket and a smaller pending read wait per idle
// connection. Converts to tcp::socket by move (TLS and WebSocket streams use tcp::socket).
using TcpSocket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;

template <class T = void>
using awaitable = asio::awaitable<T>;

// Throws boost::system::system_error on failure: for operations whose failure is a bug.
inline constexpr auto use_awaitable = asio::use_awaitable;
// Returns (error_code, result...) instead of throwing: expected outcomes (EOF, timeouts,
// aborted operations) are values, not exceptions (DESIGN.md, principle 4).
inline constexpr auto use_awaitable_tuple = asio::as_tuple(asio::use_awaitable);

}  // namespace dynamq::net

// Completion-token aliases for the dynamo layer. Boost 1.81 needs an explicit token on every
// async call; spelling them once here keeps call sites short. (dynamo/ sits below net/, so it
// cannot include net/asio.hpp; the names match it on purpose.)
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace dynamq::dynamo {

template <class T>
using awaitable = boost::asio::awaitable<T>;
using boost::asio::use_awaitable;
inline constexpr auto use_awaitable_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);

}  // namespace dynamq::dynamo

// co_spawn that reports an escaping exception instead of dropping it silently.
// `make` is a callable returning the awaitable; co_spawn keeps it (and what it captures)
// alive inside the coroutine for as long as the coroutine runs, so lambdas may capture.
#pragma once

#include <cstdio>
#include <exception>

#include "net/asio.hpp"

namespace dynamq::bench {

template <class MakeAwaitable>
void spawn(net::asio::io_context& io, MakeAwaitable make) {
  net::asio::co_spawn(io, std::move(make), [](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "loadgen: client task failed: %s\n", e.what());
    }
  });
}

}  // namespace dynamq::bench

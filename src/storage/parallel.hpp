// Runs coroutines concurrently on the caller's executor and waits for all of them.
// Boost 1.81's parallel_group has no ranged form, so this is the small version we need.
// The executor must be single-threaded (the storage io_context is), as the counter is plain.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <exception>
#include <memory>
#include <vector>

#include "dynamo/asio.hpp"

namespace dynamq::storage {

inline dynamo::awaitable<void> run_all(std::vector<dynamo::awaitable<void>> tasks) {
  if (tasks.empty()) co_return;
  auto executor = co_await boost::asio::this_coro::executor;
  auto done = std::make_shared<boost::asio::steady_timer>(
      executor, boost::asio::steady_timer::time_point::max());
  auto remaining = std::make_shared<std::size_t>(tasks.size());
  for (auto& task : tasks) {
    boost::asio::co_spawn(executor, std::move(task), [done, remaining](std::exception_ptr) {
      if (--*remaining == 0) done->cancel();
    });
  }
  while (*remaining != 0) {
    co_await done->async_wait(dynamo::use_awaitable_tuple);
  }
}

}  // namespace dynamq::storage

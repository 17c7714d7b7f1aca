// The storage plugin (SPEC.md §3): the seed's functions bound to broker hook points through
// the rules of the storage config. One instance = one "load"; it owns a thread running the
// DynamoDB clients (one per pool) and their writers. Hooks only queue work and return.
//
// Loading: create() then broker.hooks().add(plugin). Unloading: hooks().remove(plugin), then
// stop(), which flushes pending writes (bounded by a timeout) before closing the clients.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "broker/broker.hpp"
#include "broker/hooks.hpp"
#include "storage/backend_config.hpp"
#include "storage/storage_stats.hpp"

namespace dynamq::storage {

class StoragePlugin : public broker::Hooks {
 public:
  // Throws std::runtime_error naming the config file and pool when a client can't be made.
  static std::shared_ptr<StoragePlugin> create(broker::Broker& broker, BackendConfig config);
  ~StoragePlugin() override;

  // Flushes queued writes (at most `timeout`, the rest counted as dropped), stops the
  // clients and joins the thread. Idempotent. Call after removing the hooks.
  virtual void stop(std::chrono::milliseconds timeout) = 0;
  [[nodiscard]] virtual const StorageStats& stats() const = 0;
  // Writes queued or in flight, over every pool.
  [[nodiscard]] virtual std::size_t pending_writes() const = 0;
  // DynamoDB requests sent by every client (attempts, retries included).
  [[nodiscard]] virtual std::uint64_t dynamo_requests() const = 0;
  [[nodiscard]] virtual const BackendConfig& config() const = 0;

 protected:
  StoragePlugin() = default;
};

}  // namespace dynamq::storage

// Plugins of a running broker and the local admin endpoint (`dynamq ctl`).
//
// Keys of etc/dynamq.conf read here (and accepted by the broker config loader):
//   plugins.dynamo = off            on: load the DynamoDB storage plugin at start
//   plugins.dynamo.config = etc/plugins/dynamo.conf   its config (the seed's file format)
//   admin.bind = 127.0.0.1:18083    loopback address of the admin endpoint; off = none.
//                                   When this default address is taken, a warning is logged
//                                   and the broker runs without it; an explicitly configured
//                                   address that can't be bound stops start-up.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "broker/broker.hpp"

namespace dynamq::app {

class PluginHost;

// Reads the keys above from the broker config (`path`, then --set overrides), loads the
// plugins switched on and starts the admin endpoint. Throws config::ConfigError
// ("file:line: what") for a bad key or value, std::runtime_error when a plugin can't load.
// Destroying the host unloads every plugin (pending writes flushed); destroy it before the
// broker.
std::shared_ptr<PluginHost> start_plugins(broker::Broker& broker, const std::string& path,
                                          const std::vector<std::string>& overrides);

}  // namespace dynamq::app

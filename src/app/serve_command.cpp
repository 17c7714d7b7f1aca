// `dynamq --config FILE`: starts the broker. (Placeholder until net/ and broker/ land.)
#include <iostream>
#include <memory>
#include <string>

#include "app/command.hpp"

namespace dynamq::app {

CommandRun add_broker_options(CLI::App& app) {
  auto config_path = std::make_shared<std::string>("etc/dynamq.conf");
  app.add_option("-c,--config", *config_path, "broker config file (key = value)");
  return [config_path] {
    std::cerr << "dynamq: the broker is not wired yet (" << *config_path << ")\n";
    return 1;
  };
}

}  // namespace dynamq::app

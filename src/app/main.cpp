// dynamq entry point: parses the command line and hands over to a subcommand.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  CLI::App app{"dynamq: an MQTT 3.1/3.1.1/5.0 broker with message storage in Amazon DynamoDB"};
  app.set_version_flag("--version", std::string("dynamq ") + DYNAMQ_VERSION);
  std::string config_path = "etc/dynamq.conf";
  app.add_option("-c,--config", config_path, "broker config file (key = value)");
  CLI11_PARSE(app, argc, argv);
  std::cerr << "dynamq: the broker is not wired yet\n";
  return 1;
}

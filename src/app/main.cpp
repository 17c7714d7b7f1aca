// dynamq entry point: parses the command line and hands over to a subcommand.
#include <string>
#include <vector>

#include "app/command.hpp"

int main(int argc, char** argv) {
  CLI::App app{"dynamq: an MQTT 3.1/3.1.1/5.0 broker with message storage in Amazon DynamoDB"};
  app.set_version_flag("--version", std::string("dynamq ") + DYNAMQ_VERSION);
  app.require_subcommand(0, 1);

  const auto serve = dynamq::app::add_broker_options(app);
  const std::vector<dynamq::app::Command> commands = {dynamq::app::add_tables_command(app),
                                                      dynamq::app::add_ctl_command(app),
                                                      dynamq::app::add_passwd_command(app)};

  CLI11_PARSE(app, argc, argv);
  for (const auto& command : commands) {
    if (command.cli->parsed()) {
      return command.run();
    }
  }
  return serve();
}

// `dynamq tables create|status|delete`. (Placeholder until dynamo/ and storage/ land.)
#include <iostream>

#include "app/command.hpp"

namespace dynamq::app {

Command add_tables_command(CLI::App& app) {
  auto* cli = app.add_subcommand("tables", "create, show or delete the six storage tables");
  return {cli, [] {
            std::cerr << "dynamq tables: not implemented yet\n";
            return 1;
          }};
}

}  // namespace dynamq::app

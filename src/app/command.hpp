// Each subcommand of the `dynamq` executable lives in its own <name>_command.cpp and
// registers itself on the CLI; main.cpp only parses and dispatches.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace dynamq::app {

// Runs after parsing; returns the process exit code.
using CommandRun = std::function<int()>;

struct Command {
  CLI::App* cli = nullptr;  // the registered subcommand
  CommandRun run;
};

// `dynamq --config FILE`: the broker itself, run when no subcommand is given
// (serve_command.cpp).
CommandRun add_broker_options(CLI::App& app);
// `dynamq tables create|status|delete`: the storage tables of ../shared/SPEC.md §2
// (tables_command.cpp).
Command add_tables_command(CLI::App& app);
// `dynamq ctl plugins list|load|unload NAME`, `dynamq ctl stats`: a running broker's admin
// endpoint (ctl_command.cpp).
Command add_ctl_command(CLI::App& app);
// `dynamq passwd [--delete] [--stdin] FILE USER`: the password file of auth.password_file
// (passwd_command.cpp).
Command add_passwd_command(CLI::App& app);

}  // namespace dynamq::app

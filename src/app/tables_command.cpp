// `dynamq tables create | status | delete [--config FILE] [--pool NAME]`: the six storage
// tables of SPEC.md §2 (the seed's ./test/dynamo_test.sh). A tool: it asks nothing, prints
// one line per table, and one clear line on stderr with a non-zero exit code on failure.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <iostream>
#include <optional>

#include "app/command.hpp"
#include "storage/backend_config.hpp"
#include "storage/client_options.hpp"
#include "storage/tables.hpp"

namespace dynamq::app {
namespace {

struct TablesArgs {
  std::string config = "etc/plugins/dynamo.conf";
  std::string pool;
};

bool credentials_error(const dynamo::Error& e) {
  for (const char* t : {"UnrecognizedClient", "InvalidSignature", "SignatureDoesNotMatch",
                        "InvalidClientTokenId", "MissingAuthenticationToken", "AccessDenied",
                        "IncompleteSignature", "ExpiredToken", "Forbidden"}) {
    if (e.type.find(t) != std::string::npos) return true;
  }
  return e.http_status == 403;
}

std::string between(const std::string& text, const std::string& open, const std::string& close) {
  const auto b = text.find(open);
  if (b == std::string::npos) return "";
  const auto e = text.find(close, b + open.size());
  return e == std::string::npos ? "" : text.substr(b + open.size(), e - b - open.size());
}

// The error on one line. Some endpoints (moto, proxies in front of DynamoDB) answer auth
// failures with an XML body: show its <Code> and <Message> rather than the raw document.
std::string one_line(const dynamo::Error& e) {
  std::string text = e.describe();
  const auto code = between(e.message, "<Code>", "</Code>");
  if (!code.empty()) {
    text = code + " (HTTP " + std::to_string(e.http_status) +
           "): " + between(e.message, "<Message>", "</Message>");
  }
  for (auto& c : text) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return text;
}

// One line naming what went wrong and where; never a secret (errors carry none).
std::string explain(const dynamo::Error& e, const storage::PoolConfig& pool) {
  const std::string where = "DynamoDB at " + pool.server + " (pool " + pool.name + ")";
  if (e.type == dynamo::Error::kConnection || e.type == dynamo::Error::kTimeout) {
    return "cannot reach " + where + ": " + one_line(e);
  }
  if (e.type == dynamo::Error::kCredentials) {
    return "no credentials for " + where + ": " + e.message;
  }
  if (credentials_error(e)) return where + " rejected the credentials: " + one_line(e);
  if (e.type == "SchemaMismatch") return e.message;
  return where + ": " + one_line(e);
}

void print_status(const std::vector<storage::TableStatus>& tables) {
  for (const auto& t : tables) {
    std::string line = t.spec.name;
    line.resize(std::max<std::size_t>(line.size() + 1, 20), ' ');
    if (!t.exists) {
      line += "MISSING";
    } else {
      const auto& d = t.description;
      std::string state = d.table_status;
      state.resize(std::max<std::size_t>(state.size() + 1, 10), ' ');
      line += state + storage::describe_key_schema(d.key_schema, d.attribute_definitions) +
              "  items " + std::to_string(d.item_count);
      if (!t.difference.empty()) line += "  SCHEMA MISMATCH: " + t.difference;
    }
    std::cout << line << '\n';
  }
}

int run(const std::string& action, const TablesArgs& args) {
  storage::BackendConfig config;
  try {
    config = storage::load_backend_config(args.config);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << '\n';
    return 1;
  }
  const auto* pool = storage::select_pool(config, args.pool);
  if (pool == nullptr) {
    std::cerr << "dynamq tables: " << args.config << ": "
              << (args.pool.empty() ? "no pool is configured (backend.dynamo.<pool>.server)"
                                    : "no pool named `" + args.pool + "`")
              << '\n';
    return 1;
  }
  auto options = storage::client_options(config, *pool);
  if (!options.ok()) {
    std::cerr << "dynamq tables: " << options.error().message << '\n';
    return 1;
  }
  boost::asio::io_context io;
  auto client = dynamo::Client::create(io.get_executor(), std::move(options.value()));
  if (!client.ok()) {
    std::cerr << "dynamq tables: " << explain(client.error(), *pool) << '\n';
    return 1;
  }
  const auto report = [](const std::string& line) {
    (line.starts_with("warning:") ? std::cerr : std::cout) << line << '\n';
  };
  std::optional<dynamo::Error> failure;
  std::optional<std::vector<storage::TableStatus>> status;
  auto work = [&]() -> dynamo::awaitable<void> {
    if (action == "create") {
      auto r = co_await storage::create_tables(client.value(), config, report);
      if (!r.ok()) failure = r.error();
    } else if (action == "delete") {
      auto r = co_await storage::delete_tables(client.value(), config, report);
      if (!r.ok()) failure = r.error();
    } else {
      auto r = co_await storage::table_status(client.value(), config);
      if (r.ok()) {
        status = std::move(r.value());
      } else {
        failure = r.error();
      }
    }
    client->shutdown();
  };
  boost::asio::co_spawn(io, work, boost::asio::detached);
  io.run();
  if (failure) {
    std::cerr << "dynamq tables " << action << ": " << explain(*failure, *pool) << '\n';
    return 1;
  }
  if (status) {
    print_status(*status);
    // Non-zero when a table is missing or differs, so scripts can check readiness.
    for (const auto& t : *status) {
      if (!t.exists || !t.difference.empty()) return 3;
    }
  }
  return 0;
}

}  // namespace

Command add_tables_command(CLI::App& app) {
  auto* cli = app.add_subcommand(
      "tables",
      "create, show or delete the six storage tables (exit 0 ok, 1 error, 3 status: a table "
      "is missing or has another schema)");
  cli->require_subcommand(1);
  auto args = std::make_shared<TablesArgs>();
  auto action = std::make_shared<std::string>();
  cli->add_option("--config", args->config, "storage config (the seed's emqx_backend_dynamo.conf)")
      ->capture_default_str();
  cli->add_option("--pool", args->pool, "pool whose endpoint and keys to use (default: the first)");
  for (const auto& [name, help] :
       {std::pair{"create", "create the missing tables, wait until ACTIVE, enable TTL if set"},
        std::pair{"status", "each table's state, key schema and item count"},
        std::pair{"delete", "delete the six tables (nothing else)"}}) {
    auto* sub = cli->add_subcommand(name, help);
    sub->fallthrough();  // `tables create --config F` works as well as `tables --config F create`
    sub->callback([action, n = std::string(name)] { *action = n; });
  }
  return {cli, [args, action] { return run(*action, *args); }};
}

}  // namespace dynamq::app

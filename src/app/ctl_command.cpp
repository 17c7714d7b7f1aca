// `dynamq ctl [--admin ADDR] plugins list | plugins load NAME | plugins unload NAME | stats`:
// talks to a running broker over its local admin endpoint (admin.bind in etc/dynamq.conf;
// default 127.0.0.1:18083). The seed's `emqx_ctl plugins load emqx_backend_dynamo` is
// `dynamq ctl plugins load dynamo` (the name emqx_backend_dynamo is accepted too).
// Exit codes: 0 done, 1 refused by the broker, 2 broker not reachable.
#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>

#include "admin/admin_server.hpp"
#include "app/command.hpp"

namespace dynamq::app {
namespace {

namespace json = boost::json;

struct CtlArgs {
  std::string admin = "127.0.0.1:18083";
  std::string plugin;
};

int request(const CtlArgs& args, const std::string& method, const std::string& target,
            const std::function<void(const json::value&)>& print) {
  admin::Endpoint endpoint;
  try {
    endpoint = admin::parse_loopback_endpoint(args.admin);
  } catch (const std::invalid_argument& e) {
    std::cerr << "dynamq ctl: --admin " << args.admin << ": " << e.what() << '\n';
    return 2;
  }
  admin::Response response;
  try {
    response = admin::call(endpoint, admin::Request{method, target, ""});
  } catch (const std::exception& e) {
    std::cerr << "dynamq ctl: " << e.what() << '\n';
    return 2;
  }
  boost::system::error_code ec;
  const auto body = json::parse(response.body, ec);
  if (ec) {
    std::cerr << "dynamq ctl: unexpected answer (HTTP " << response.status << "): " << response.body
              << '\n';
    return 1;
  }
  if (response.status != 200) {
    const auto* error = body.is_object() ? body.as_object().if_contains("error") : nullptr;
    std::cerr << "dynamq ctl: "
              << (error && error->is_string() ? std::string(error->as_string())
                                              : json::serialize(body))
              << '\n';
    return 1;
  }
  print(body);
  return 0;
}

void print_message(const json::value& body) {
  std::cout << json::value_to<std::string>(body.at("message")) << '\n';
}

void print_plugins(const json::value& body) {
  for (const auto& p : body.at("plugins").as_array()) {
    std::cout << json::value_to<std::string>(p.at("name")) << "  "
              << (p.at("loaded").as_bool() ? "loaded" : "not loaded") << "  config "
              << json::value_to<std::string>(p.at("config")) << '\n';
  }
}

void print_stats(const json::value& body) {
  for (const auto& [section, values] : body.as_object()) {
    for (const auto& [name, value] : values.as_object()) {
      std::cout << std::string(section) << '.' << std::string(name) << " = ";
      if (value.is_bool()) {
        std::cout << (value.as_bool() ? "true" : "false");
      } else {
        std::cout << json::serialize(value);
      }
      std::cout << '\n';
    }
  }
}

}  // namespace

Command add_ctl_command(CLI::App& app) {
  auto args = std::make_shared<CtlArgs>();
  if (const char* env = std::getenv("DYNAMQ_ADMIN"); env != nullptr && *env != '\0') {
    args->admin = env;
  }
  auto* ctl = app.add_subcommand("ctl", "control a running dynamq (plugins, stats)");
  ctl->add_option("--admin", args->admin,
                  "admin endpoint of the broker (admin.bind; env DYNAMQ_ADMIN)")
      ->capture_default_str();
  ctl->require_subcommand(1);
  auto* plugins = ctl->add_subcommand("plugins", "list, load or unload plugins");
  plugins->require_subcommand(1);
  auto* list = plugins->add_subcommand("list", "show the plugins and whether they are loaded");
  auto* load = plugins->add_subcommand("load", "load a plugin (dynamo)");
  load->add_option("name", args->plugin, "plugin name")->required();
  auto* unload =
      plugins->add_subcommand("unload", "unload a plugin (pending writes are flushed first)");
  unload->add_option("name", args->plugin, "plugin name")->required();
  auto* stats = ctl->add_subcommand("stats", "show storage and broker counters");
  return Command{
      ctl, [=] {
        if (list->parsed()) return request(*args, "GET", "/plugins", print_plugins);
        if (load->parsed()) {
          return request(*args, "POST", "/plugins/" + args->plugin + "/load", print_message);
        }
        if (unload->parsed()) {
          return request(*args, "POST", "/plugins/" + args->plugin + "/unload", print_message);
        }
        if (stats->parsed()) return request(*args, "GET", "/stats", print_stats);
        return 1;
      }};
}

}  // namespace dynamq::app

// loadgen: MQTT publish->subscribe load generator (see bench/README.md).
#include <cstdio>
#include <exception>

#include "load_run.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
  using namespace dynamq::bench;
  Options options;
  if (const int code = parse_options(argc, argv, options); code >= 0) return code;
  try {
    if (options.idle_mode()) return run_idle(options);
    const RunResult result = run_load(options);
    const std::string out =
        options.json ? json_object(options, result) : human_line(options, result);
    std::printf("%s\n", out.c_str());
    // 0: measured; 1: could not run (setup failed); 3: ran, but errors or QoS 1 violations.
    if (result.setup_failed) return 1;
    return result.ok(options) ? 0 : 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "loadgen: %s\n", e.what());
    return 1;
  }
}

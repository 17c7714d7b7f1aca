// The two things loadgen does: a publish/subscribe load run, and holding idle connections.
#pragma once

#include "options.hpp"
#include "run_result.hpp"

namespace dynamq::bench {

// Connects subscribers, then publishers, publishes through warm-up and the measured
// window (or --count), drains, disconnects everything and returns the merged numbers.
RunResult run_load(const Options& options);

// Opens --idle connections (CONNECT only), prints one JSON line when all are up, holds
// them for --hold seconds (or until SIGINT/SIGTERM), then disconnects. Returns exit code.
int run_idle(const Options& options);

}  // namespace dynamq::bench

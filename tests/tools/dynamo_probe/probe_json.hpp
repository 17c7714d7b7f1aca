// dynamq_dynamo_probe: one JSON request -> the client's typed call -> one JSON result.
#pragma once

#include <boost/json/value.hpp>

#include "dynamo/client.hpp"

namespace dynamq::probe {

// {"ok": true, "result": {...}} or {"ok": false, "error": {...}}; never throws on bad input
// (answers {"ok": false, "error": {"type": "ProbeInput", ...}}).
dynamo::awaitable<boost::json::object> run_request(dynamo::Client client,
                                                   boost::json::value request);

}  // namespace dynamq::probe

// DynamoDB client options for one pool of the storage config: endpoint, region, credentials
// (static keys of the pool, else the standard AWS chain), pool size, timeouts and retries.
#pragma once

#include "dynamo/client.hpp"
#include "storage/backend_config.hpp"

namespace dynamq::storage {

// Region: backend.dynamo.region, else AWS_REGION, else AWS_DEFAULT_REGION; an error
// (type Error::kInvalidRequest) when none is set.
dynamo::Result<dynamo::ClientOptions> client_options(const BackendConfig& config,
                                                     const PoolConfig& pool);

// The pool `name`, or the first pool when `name` is empty; nullptr when there is none.
const PoolConfig* select_pool(const BackendConfig& config, const std::string& name);

}  // namespace dynamq::storage

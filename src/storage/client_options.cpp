#include "storage/client_options.hpp"

#include <cstdlib>

namespace dynamq::storage {

dynamo::Result<dynamo::ClientOptions> client_options(const BackendConfig& config,
                                                     const PoolConfig& pool) {
  dynamo::ClientOptions o;
  o.endpoint = pool.server;
  o.region = config.region;
  for (const char* var : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    const char* value = std::getenv(var);
    if (o.region.empty() && value != nullptr && *value != '\0') o.region = value;
  }
  if (o.region.empty()) {
    return dynamo::Error{dynamo::Error::kInvalidRequest,
                         config.path + ": no region: set backend.dynamo.region (or AWS_REGION)", 0,
                         false};
  }
  if (!pool.access_key_id.empty()) {
    o.credentials = dynamo::make_static_credentials(
        {pool.access_key_id, pool.secret_access_key.reveal(), "", std::nullopt});
  } else {
    o.credentials = dynamo::make_default_credentials_chain();
  }
  o.pool_size = pool.pool_size;
  o.request_timeout = config.request_timeout;
  o.retry.max_attempts = static_cast<int>(config.max_attempts);
  o.retry.max_backoff = config.max_backoff;
  o.name = pool.name;
  return o;
}

const PoolConfig* select_pool(const BackendConfig& config, const std::string& name) {
  if (name.empty()) return config.pools.empty() ? nullptr : &config.pools.front();
  return config.find_pool(name);
}

}  // namespace dynamq::storage

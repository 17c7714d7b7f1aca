// The broker's AccessPolicy from the auth.* keys: the password file and the ACL file
// (src/auth), read once at start-up.
#pragma once

#include <memory>

#include "app/broker_config.hpp"
#include "broker/access_policy.hpp"

namespace dynamq::app {

// Null when nothing restricts access (anonymous allowed, no password file, no ACL).
// Throws config::ConfigError: "dynamq.conf:N: …" when a file cannot be read,
// "passwords:N: …" / "acl:N: …" for a malformed line in it.
std::shared_ptr<broker::AccessPolicy> make_access_policy(const AuthSettings& auth);

}  // namespace dynamq::app

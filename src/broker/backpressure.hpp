// Back-pressure from slow sessions to the connections that publish to them (see
// bench/README.md, "Back-pressure"). A publisher whose messages land in a session whose queue
// (messages waiting beyond the inflight window) reached the high-water mark stops being read
// until that queue drops below the low-water mark; TCP flow control then slows the client,
// and QoS 1 publishers stop getting PUBACKs for messages the broker could not hand on.
//
// Bounded by construction, so nothing can wait forever:
// * a session holds its publishers at most kHoldLimit per episode above the high-water mark;
//   after that it counts as a slow consumer and its queue grows to max_queued_messages with
//   overflow dropped and counted, exactly as without back-pressure;
// * a paused connection resumes by itself after kHoldLimit whatever happens;
// * a connection is never paused for its own session (a client subscribed to what it
//   publishes), nor while its own session has messages waiting for the window (it must read
//   the PUBACKs that free it), so paused connections are never consumers that others wait on.
//
// Every function here is called with the session's mutex held.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <vector>

#include "broker/broker_settings.hpp"
#include "broker/session.hpp"

namespace dynamq::broker::backpressure {

inline constexpr std::chrono::milliseconds kHoldLimit{1000};

// Queue length (messages beyond the window) at which publishers pause: at most 1000, and
// half the queue limit so that back-pressure starts before anything is dropped.
inline std::size_t high_water(const BrokerSettings& settings) {
  const std::size_t half = settings.max_queued_messages / 2;
  return half < 1000 ? (half < 2 ? 2 : half) : 1000;
}
inline std::size_t low_water(const BrokerSettings& settings) {
  return high_water(settings) / 2;
}

// After a message was queued: true when its publisher should pause.
bool on_queued(Session& session, const BrokerSettings& settings);
// A publisher wants to pause on `session`: registers it as a waiter when the session is
// still congested (true), else false (do not pause).
bool add_waiter(Session& session, const BrokerSettings& settings,
                std::weak_ptr<Connection> publisher);
// After the attached connection sent from the queue: when it fell below the low-water mark,
// ends the episode and hands back the waiters to resume (or always, with `detaching`).
std::vector<std::weak_ptr<Connection>> take_waiters(Session& session,
                                                    const BrokerSettings& settings,
                                                    bool detaching = false);

}  // namespace dynamq::broker::backpressure

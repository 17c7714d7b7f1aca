// One timer serving every deadline of a connection (a blocked write, the close linger),
// created on first use: an idle connection has none, and an Asio timer is ~90 bytes.
//
// The timer is only re-armed when it fires, so a busy connection does not pay a timer-queue
// operation per write: a later deadline just moves at(), and the owner, called when the
// armed time comes, compares at() with now and re-arms. An earlier deadline than the armed
// one (the close linger after a 30 s write deadline) re-arms at once; the wait it cancels
// sees a newer generation and does nothing. Touched only from the owner's loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

#include "net/asio.hpp"

namespace dynamq::net {

class LazyDeadline {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  // Sets the deadline to `at`. `fire()` runs on `context` when the armed time has come
  // (unless cancelled or superseded); it must keep the owner, and so this object, alive.
  template <class Fire>
  void arm(asio::io_context& context, time_point at, Fire fire) {
    if (!state_) {
      state_ = std::make_unique<State>(context);
    }
    auto& s = *state_;
    s.at = at;
    if (s.armed && s.at >= s.timer.expiry()) {
      return;
    }
    s.armed = true;
    s.timer.expires_at(s.at);
    const auto gen = ++s.generation;
    s.timer.async_wait([state = &s, gen, fire = std::move(fire)](error_code ec) mutable {
      if (gen != state->generation) {
        return;
      }
      state->armed = false;
      if (!ec) {
        fire();
      }
    });
  }

  // The latest deadline set; only after arm().
  [[nodiscard]] time_point at() const { return state_->at; }

  void cancel() {
    if (state_) {
      state_->timer.cancel();
    }
  }

 private:
  struct State {
    explicit State(asio::io_context& context) : timer(context) {}
    asio::steady_timer timer;
    time_point at{};
    std::uint64_t generation = 0;
    bool armed = false;
  };
  std::unique_ptr<State> state_;
};

}  // namespace dynamq::net

#include "load_run.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "io_threads.hpp"
#include "mqtt/topic.hpp"
#include "payload_stamp.hpp"
#include "publisher.hpp"
#include "spawn.hpp"
#include "subscriber.hpp"

namespace dynamq::bench {
namespace {

using namespace std::chrono_literals;

std::uint64_t seconds_ns(double s) {
  return static_cast<std::uint64_t>(s * 1e9);
}

tcp::endpoint resolve(const Options& options) {
  asio::io_context io;
  tcp::resolver resolver(io);
  return *resolver.resolve(options.host, std::to_string(options.port)).begin();
}

// Setup progress shared with the io threads.
struct SetupCounters {
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
};

// Opens `total` clients with at most `concurrency` handshakes at a time. `open(i)` spawns
// client i's handshake, which must bump `counters` when it ends. Returns false on a failure
// or when `deadline` passes.
template <class Open>
bool open_all(int total, int concurrency, SetupCounters& counters, Open open,
              std::chrono::steady_clock::time_point deadline) {
  int spawned = 0;
  while (counters.done.load() < total) {
    if (counters.failed.load() > 0 || std::chrono::steady_clock::now() > deadline) return false;
    while (spawned < total && spawned - counters.done.load() < concurrency) open(spawned++);
    std::this_thread::sleep_for(1ms);
  }
  return counters.failed.load() == 0;
}

void progress(const Options& options, const char* what) {
  if (!options.quiet) std::fprintf(stderr, "loadgen: %s\n", what);
}

}  // namespace

RunResult run_load(const Options& options) {
  RunResult result;
  const auto endpoint = resolve(options);
  const auto run_deadline = std::chrono::steady_clock::now() +
                            std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                std::chrono::duration<double>(options.timeout_s));
  IoThreads io(options.threads);
  std::vector<ThreadStats> stats(static_cast<std::size_t>(io.size()));
  // With two or more threads, subscribers and publishers get loops of their own: on a
  // shared loop, 50 unlimited publishers would take 50 turns for each turn of the one
  // subscriber, and the load generator, not the broker, would cap delivered msgs/s.
  const int sub_threads = io.size() == 1 ? 1 : std::max(1, io.size() / 2);
  const int pub_threads = io.size() == 1 ? 1 : io.size() - sub_threads;
  const int pub_first = io.size() == 1 ? 0 : sub_threads;
  auto sub_loop = [&](int j) { return j % sub_threads; };
  auto pub_loop = [&](int i) { return pub_first + i % pub_threads; };
  Timeline timeline;

  std::vector<std::shared_ptr<Subscriber>> subscribers;
  std::vector<std::shared_ptr<Publisher>> publishers;
  std::atomic<bool> first_error_set{false};
  std::string setup_error;
  auto note_setup_error = [&](const std::string& who, const std::string& what) {
    if (!first_error_set.exchange(true)) setup_error = who + ": " + what;
  };

  // Subscribers first, so that nothing published is missed.
  SetupCounters sub_counters;
  for (int j = 0; j < options.subscribers; ++j) {
    subscribers.push_back(std::make_shared<Subscriber>(
        io.at(sub_loop(j)), options, j, stats[static_cast<std::size_t>(sub_loop(j))]));
  }
  bool ok = open_all(
      options.subscribers, options.connect_concurrency, sub_counters,
      [&](int j) {
        auto sub = subscribers[static_cast<std::size_t>(j)];
        spawn(io.at(sub_loop(j)), [&, sub, j]() -> awaitable<void> {
          auto error = co_await sub->open(endpoint);
          if (error.empty()) {
            sub->start();
          } else {
            note_setup_error("subscriber " + std::to_string(j), error);
            sub_counters.failed.fetch_add(1);
          }
          sub_counters.done.fetch_add(1);
        });
      },
      run_deadline);
  progress(options, ok ? "subscribers connected and subscribed" : "subscriber setup failed");

  SetupCounters pub_counters;
  if (ok) {
    for (int i = 0; i < options.publishers; ++i) {
      publishers.push_back(std::make_shared<Publisher>(
          io.at(pub_loop(i)), options, i, stats[static_cast<std::size_t>(pub_loop(i))]));
    }
    ok = open_all(
        options.publishers, options.connect_concurrency, pub_counters,
        [&](int i) {
          auto pub = publishers[static_cast<std::size_t>(i)];
          spawn(io.at(pub_loop(i)), [&, pub, i]() -> awaitable<void> {
            auto error = co_await pub->open(endpoint);
            if (!error.empty()) {
              note_setup_error("publisher " + std::to_string(i), error);
              pub_counters.failed.fetch_add(1);
            }
            pub_counters.done.fetch_add(1);
          });
        },
        run_deadline);
    progress(options, ok ? "publishers connected" : "publisher setup failed");
  }

  // Which subscriber hears which publisher: the expected deliveries.
  std::vector<std::vector<int>> listeners(static_cast<std::size_t>(options.publishers));
  for (int i = 0; i < options.publishers; ++i) {
    const auto topic = options.publisher_topic(i);
    for (int j = 0; j < options.subscribers; ++j) {
      if (mqtt::topic_matches(options.subscriber_filter(j), topic)) {
        listeners[static_cast<std::size_t>(i)].push_back(j);
      }
    }
  }

  if (ok) {
    // Start shortly in the future so every publisher begins on the same schedule.
    const std::uint64_t start = now_ns() + 20'000'000;
    timeline.start_ns = start;
    if (options.count_mode()) {
      timeline.window_begin_ns = start;
      timeline.window_end_ns = UINT64_MAX;
      timeline.publish_end_ns = UINT64_MAX;
      timeline.drain_deadline_ns = UINT64_MAX;
    } else {
      timeline.window_begin_ns = start + seconds_ns(options.warmup_s);
      timeline.window_end_ns = timeline.window_begin_ns + seconds_ns(options.duration_s);
      timeline.publish_end_ns = timeline.window_end_ns;
      timeline.drain_deadline_ns = timeline.publish_end_ns + seconds_ns(options.drain_s);
    }
    // Each client gets its own copy on its own thread; subscribers' copies are queued
    // before any publisher starts, so they are in place before the first delivery.
    for (int j = 0; j < options.subscribers; ++j) {
      auto s = subscribers[static_cast<std::size_t>(j)];
      asio::post(io.at(sub_loop(j)), [s, timeline] { s->set_timeline(timeline); });
    }
    for (int i = 0; i < options.publishers; ++i) {
      auto p = publishers[static_cast<std::size_t>(i)];
      asio::post(io.at(pub_loop(i)), [p, timeline] { p->start(timeline); });
    }
    progress(options, "publishing");

    // Wait for the publishers, then for deliveries to catch up with what was published.
    auto expected_now = [&] {
      std::uint64_t expected = 0;
      for (int i = 0; i < options.publishers; ++i) {
        const auto& pub = publishers[static_cast<std::size_t>(i)];
        expected += (options.qos > 0 ? pub->acked() : pub->sent()) *
                    listeners[static_cast<std::size_t>(i)].size();
      }
      return expected;
    };
    auto delivered_now = [&] {
      std::uint64_t delivered = 0;
      for (auto& s : stats) delivered += s.delivered.get();
      return delivered;
    };
    std::uint64_t last_delivered = 0;
    auto last_progress = std::chrono::steady_clock::now();
    bool publishers_done = false;
    for (;;) {
      std::this_thread::sleep_for(10ms);
      const auto now = std::chrono::steady_clock::now();
      if (now > run_deadline) {
        result.errors++;
        if (result.first_error.empty()) result.first_error = "run hit --timeout";
        break;
      }
      if (!publishers_done) {
        publishers_done = std::all_of(publishers.begin(), publishers.end(),
                                      [](const auto& p) { return p->done(); });
        if (publishers_done) {
          progress(options, "publishers done, draining");
          last_progress = now;
        }
        continue;
      }
      const auto delivered = delivered_now();
      if (delivered >= expected_now()) break;
      if (delivered != last_delivered) {
        last_delivered = delivered;
        last_progress = now;
      }
      // Nothing more arrives (losses) or the drain allowance is used up.
      if (now - last_progress > 1s || now_ns() > timeline.drain_deadline_ns) break;
    }
  } else {
    result.setup_failed = true;
    result.errors++;
    result.first_error = setup_error.empty() ? "setup timed out" : setup_error;
  }

  // Say goodbye politely, give the writes a moment, then stop the loops.
  for (std::size_t j = 0; j < subscribers.size(); ++j) {
    auto c = subscribers[j]->connection();
    asio::post(io.at(sub_loop(static_cast<int>(j))), [c] { c->disconnect(); });
  }
  for (std::size_t i = 0; i < publishers.size(); ++i) {
    auto c = publishers[i]->connection();
    asio::post(io.at(pub_loop(static_cast<int>(i))), [c] { c->disconnect(); });
  }
  std::this_thread::sleep_for(100ms);
  io.stop();

  // Merge. Safe now: the io threads are joined.
  const double measured_s = options.duration_s;
  std::uint64_t last_delivery = 0;
  for (auto& s : stats) {
    result.published += s.published.get();
    result.acked += s.acked.get();
    result.delivered += s.delivered.get();
    result.foreign += s.foreign;
    result.skipped += s.skipped;
    result.unexpected_acks += s.unexpected_acks;
    result.latency.merge(s.latency);
    if (s.errors > 0) {
      if (result.first_error.empty()) result.first_error = s.first_error;
      result.errors += s.errors;
    }
    last_delivery = std::max(last_delivery, s.last_delivery_ns);
  }
  std::uint64_t published_in_window = 0;
  std::uint64_t delivered_in_window = 0;
  for (auto& s : stats) {
    published_in_window += s.published_in_window;
    delivered_in_window += s.delivered_in_window;
  }
  if (!result.setup_failed) {
    for (const auto& conn_owner : subscribers) {
      const auto& error = conn_owner->connection()->error();
      if (!error.empty()) {
        ++result.errors;
        if (result.first_error.empty()) result.first_error = "subscriber: " + error;
      }
    }
    for (const auto& conn_owner : publishers) {
      const auto& error = conn_owner->connection()->error();
      if (!error.empty()) {
        ++result.errors;
        if (result.first_error.empty()) result.first_error = "publisher: " + error;
      }
    }
  }
  // Per (subscriber, publisher): gaps inside the stream are losses (a later message came,
  // an earlier one never will); the missing tail (acknowledged -- at QoS 0 sent -- beyond
  // the last seen) is what had not arrived when the drain ended: lost or still queued.
  for (int i = 0; i < options.publishers && !result.setup_failed; ++i) {
    const auto& pub = publishers[static_cast<std::size_t>(i)];
    const std::uint64_t promised = options.qos > 0 ? pub->acked() : pub->sent();
    for (int j : listeners[static_cast<std::size_t>(i)]) {
      const auto& sub = subscribers[static_cast<std::size_t>(j)];
      result.expected += promised;
      const std::uint64_t seen = sub->next_sequence(i);
      if (promised > seen) result.undelivered += promised - seen;
    }
  }
  for (const auto& sub : subscribers) {
    result.lost += sub->gaps();
    result.duplicates_or_reordered += sub->duplicates_or_reordered();
  }
  if (options.count_mode()) {
    const double span_s = last_delivery > timeline.start_ns
                              ? static_cast<double>(last_delivery - timeline.start_ns) / 1e9
                              : 0.0;
    result.measured_s = span_s;
    result.delivered_per_s = span_s > 0 ? static_cast<double>(result.delivered) / span_s : 0;
    result.published_per_s = span_s > 0 ? static_cast<double>(result.published) / span_s : 0;
  } else {
    result.measured_s = measured_s;
    result.delivered_per_s = static_cast<double>(delivered_in_window) / measured_s;
    result.published_per_s = static_cast<double>(published_in_window) / measured_s;
  }
  return result;
}

}  // namespace dynamq::bench

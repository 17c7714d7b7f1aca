// The kernel floor of a broker's delivery on loopback: broker-side CPU (user + system of the
// measuring thread, CLOCK_THREAD_CPUTIME_ID) of the syscalls every delivery needs at a modest
// load, when the client is a thread on the other CPU blocked in epoll_wait — as loadgen's
// subscriber loop is when compare_mosquitto.py runs a fixed offered load (broker on CPU 0,
// loadgen on CPU 1). See "The floor at fixed load" in bench/README.md.
//
// Every benchmark reports the measuring thread's CPU time of the measured section only, as
// manual time (the "Time" column) and as per-operation counters, with the cost of the clock
// reads subtracted. Waiting for the peer to consume and fall asleep again happens between
// the clock reads (the "CPU" column includes it: ignore that column).
//
//   floor_bench [--measure_cpu=0] [--peer_cpu=1] [Google Benchmark flags]
#include <benchmark/benchmark.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "loopback_peer.hpp"

namespace {

using floor_bench::Peer;
using floor_bench::TcpPair;

int g_measure_cpu = 0;
int g_peer_cpu = 1;
std::int64_t g_clock_ns = 0;  // cost of one clock-read pair, subtracted from every interval

double load_average() {
  std::ifstream in("/proc/loadavg");
  double load = 0;
  in >> load;
  return load;
}

std::vector<int> peer_fds(const std::vector<TcpPair>& pairs) {
  std::vector<int> fds;
  for (const TcpPair& p : pairs) fds.push_back(p.peer_fd);
  return fds;
}

// The broker's epoll set over its ends of the connections (level-triggered; data = index).
int broker_epoll(const std::vector<TcpPair>& pairs) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, pairs[i].broker_fd, &ev);
  }
  return ep;
}

// Reads `bytes` from the broker's ends as a broker does: epoll_wait (blocking), then one recv
// per ready socket. `events` has room for one event per socket (allocated off the clock).
// Returns the number of epoll_wait calls, or -1 on a socket error.
int read_all(int ep, const std::vector<TcpPair>& pairs, std::vector<epoll_event>& events,
             std::size_t bytes) {
  char buf[4096];
  int waits = 0;
  std::size_t got = 0;
  while (got < bytes) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    ++waits;
    for (int e = 0; e < n; ++e) {
      const ssize_t r = ::recv(pairs[events[e].data.u64].broker_fd, buf, sizeof buf, 0);
      if (r <= 0) return -1;
      got += static_cast<std::size_t>(r);
    }
  }
  return waits;
}

// Measured CPU ns of every iteration: the mean is what a broker pays on average on this
// (shared) machine, the median what an undisturbed iteration costs.
struct Tally {
  double total = 0;
  std::vector<double> each;
  void add(double ns) {
    total += ns;
    each.push_back(ns);
  }
  double median() {
    if (each.empty()) return 0;
    std::nth_element(each.begin(), each.begin() + each.size() / 2, each.end());
    return each[each.size() / 2];
  }
};

void report(benchmark::State& state, Tally& tally, double per_iteration, double waits) {
  using benchmark::Counter;
  state.counters["cpu_us_per_op"] =
      Counter(tally.total / 1e3 / per_iteration, Counter::kAvgIterations);
  state.counters["median_us_per_op"] = tally.median() / 1e3 / per_iteration;
  if (waits > 0)
    state.counters["epoll_waits_per_op"] = Counter(waits / per_iteration, Counter::kAvgIterations);
  state.counters["clock_pair_ns"] = static_cast<double>(g_clock_ns);
  state.counters["load1"] = load_average();
}

// At a fixed load a broker's bursts are milliseconds apart and the CPU runs other work in
// between (here: other processes), so its caches are cold when it sends. `gap_us` > 0 sleeps
// that long before each measured section (off the clock) to reproduce that; 0 measures
// back-to-back iterations with warm caches.
void idle_gap(std::int64_t gap_us) {
  if (gap_us > 0) std::this_thread::sleep_for(std::chrono::microseconds(gap_us));
}

// How often the peer thread returned from epoll_wait per op: ~1 per op means (nearly) every
// send found it asleep and woke it; 1/N per op for a burst of N, one wake-up per burst.
void peer_wakeups(benchmark::State& state, const Peer& peer, double per_iteration) {
  state.counters["peer_wakeups_per_op"] = benchmark::Counter(
      static_cast<double>(peer.wakeups()) / per_iteration, benchmark::Counter::kAvgIterations);
}

// (a), (b), (d): one non-blocking send of k PUBLISHes (k = msgs_per_write) to each of N
// sockets whose reader is blocked in epoll_wait on the other CPU. One op = one message.
void BM_SendToSleepingReader(benchmark::State& state) {
  const int sockets = static_cast<int>(state.range(0));
  const int per_write = static_cast<int>(state.range(1));
  const std::int64_t gap_us = state.range(2);
  auto pairs = floor_bench::make_pairs(sockets);
  std::string data;
  for (int i = 0; i < per_write; ++i) data += floor_bench::publish_packet();
  Peer peer(peer_fds(pairs), g_peer_cpu, Peer::Mode::reader, false, data.size());
  std::uint64_t sent = 0;
  Tally tally;
  for (auto _ : state) {
    peer.wait_read_and_asleep(sent);
    idle_gap(gap_us);
    const std::int64_t t0 = floor_bench::thread_cpu_ns();
    for (const TcpPair& p : pairs) {
      if (::send(p.broker_fd, data.data(), data.size(), MSG_NOSIGNAL) !=
          static_cast<ssize_t>(data.size())) {
        state.SkipWithError("short or failed send");
        break;
      }
    }
    const double ns = static_cast<double>(floor_bench::thread_cpu_ns() - t0 - g_clock_ns);
    sent += data.size() * pairs.size();
    tally.add(ns);
    state.SetIterationTime(ns / 1e9);
  }
  report(state, tally, sockets * per_write, 0);
  peer_wakeups(state, peer, sockets * per_write);
  state.counters["cpu_us_per_write"] =
      benchmark::Counter(tally.total / 1e3 / sockets, benchmark::Counter::kAvgIterations);
  floor_bench::close_pairs(pairs);
}
BENCHMARK(BM_SendToSleepingReader)
    ->ArgNames({"sockets", "msgs_per_write", "gap_us"})
    ->Args({1, 1, 0})
    ->Args({100, 1, 0})
    ->Args({1, 4, 0})
    ->Args({1, 16, 0})
    ->Iterations(3000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SendToSleepingReader)
    ->ArgNames({"sockets", "msgs_per_write", "gap_us"})
    ->Args({1, 1, 7500})
    ->Args({100, 1, 7500})
    ->Iterations(400)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// A broker does user-space work between two deliveries (dynamq: 2–5 µs per delivery at
// fixed load), which evicts part of the kernel's send path from the caches. Here the same
// fan-out as SendToSleepingReader/100, but before each send (off the clock) the thread
// writes one byte per cache line of a `touch_kb` buffer. One op = one send.
void BM_SendWithWorkBetween(benchmark::State& state) {
  const int sockets = static_cast<int>(state.range(0));
  std::vector<char> scratch(static_cast<std::size_t>(state.range(1)) * 1024, 0);
  auto pairs = floor_bench::make_pairs(sockets);
  const std::string data = floor_bench::publish_packet();
  Peer peer(peer_fds(pairs), g_peer_cpu, Peer::Mode::reader, false, data.size());
  std::uint64_t sent = 0;
  Tally tally;
  for (auto _ : state) {
    peer.wait_read_and_asleep(sent);
    double burst_ns = 0;
    for (const TcpPair& p : pairs) {
      for (std::size_t i = 0; i < scratch.size(); i += 64) ++scratch[i];
      benchmark::ClobberMemory();
      const std::int64_t t0 = floor_bench::thread_cpu_ns();
      const ssize_t r = ::send(p.broker_fd, data.data(), data.size(), MSG_NOSIGNAL);
      burst_ns += static_cast<double>(floor_bench::thread_cpu_ns() - t0 - g_clock_ns);
      if (r != static_cast<ssize_t>(data.size())) state.SkipWithError("short or failed send");
    }
    sent += data.size() * pairs.size();
    tally.add(burst_ns);
    state.SetIterationTime(burst_ns / 1e9);
  }
  report(state, tally, sockets, 0);
  peer_wakeups(state, peer, sockets);
  floor_bench::close_pairs(pairs);
}
BENCHMARK(BM_SendWithWorkBetween)
    ->ArgNames({"sockets", "touch_kb"})
    ->Args({100, 0})
    ->Args({100, 32})
    ->Args({100, 256})
    ->Iterations(1000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// The same send when nobody waits on the socket (no wake-up to do): the TCP path alone. The
// measuring thread drains the peer end itself, off the clock.
void BM_SendNoWaiter(benchmark::State& state) {
  auto pairs = floor_bench::make_pairs(1);
  const std::string data = floor_bench::publish_packet();
  Tally tally;
  char buf[4096];
  const std::int64_t gap_us = state.range(0);
  for (auto _ : state) {
    idle_gap(gap_us);
    const std::int64_t t0 = floor_bench::thread_cpu_ns();
    const ssize_t r = ::send(pairs[0].broker_fd, data.data(), data.size(), MSG_NOSIGNAL);
    const double ns = static_cast<double>(floor_bench::thread_cpu_ns() - t0 - g_clock_ns);
    if (r != static_cast<ssize_t>(data.size()) ||
        ::recv(pairs[0].peer_fd, buf, sizeof buf, 0) != r) {
      state.SkipWithError("send/recv failed");
      break;
    }
    tally.add(ns);
    state.SetIterationTime(ns / 1e9);
  }
  report(state, tally, 1, 0);
  floor_bench::close_pairs(pairs);
}
BENCHMARK(BM_SendNoWaiter)
    ->ArgName("gap_us")
    ->Arg(0)
    ->Iterations(3000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SendNoWaiter)
    ->ArgName("gap_us")
    ->Arg(7500)
    ->Iterations(400)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// (c): the broker blocked in epoll_wait; the peer (other CPU) then sends one 4-byte PUBACK on
// each of N sockets; the broker wakes and reads them all (epoll_wait + one recv per ready
// socket). One op = one PUBACK. N = 1 is a lone PUBACK waking an idle broker; N = 100 is the
// burst of a fan-out's 100 subscribers answering one PUBLISH.
void BM_ReadPubacks(benchmark::State& state) {
  const int sockets = static_cast<int>(state.range(0));
  auto pairs = floor_bench::make_pairs(sockets);
  const int ep = broker_epoll(pairs);
  Peer peer(peer_fds(pairs), g_peer_cpu, Peer::Mode::puback_sender, false, 0);
  const pid_t self = ::gettid();
  std::vector<epoll_event> events(pairs.size());
  const std::size_t bytes = 4 * pairs.size();
  Tally tally;
  double waits = 0;
  for (auto _ : state) {
    const std::int64_t t0 = floor_bench::thread_cpu_ns();
    peer.request(self);  // two atomic stores; the peer sends once this thread sleeps
    const int w = read_all(ep, pairs, events, bytes);
    const double ns = static_cast<double>(floor_bench::thread_cpu_ns() - t0 - g_clock_ns);
    if (w < 0) {
      state.SkipWithError("recv failed");
      break;
    }
    peer.wait_sent();
    tally.add(ns);
    waits += w;
    state.SetIterationTime(ns / 1e9);
  }
  report(state, tally, sockets, waits);
  ::close(ep);
  floor_bench::close_pairs(pairs);
}
BENCHMARK(BM_ReadPubacks)
    ->ArgName("sockets")
    ->Arg(1)
    ->Arg(100)
    ->Iterations(3000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// Fan-out QoS 1 end to end, broker side: send one PUBLISH to each of N subscribers (blocked
// in epoll_wait on the other CPU, each answering with a PUBACK), then read all N PUBACKs.
// One op = one delivery (its write plus its PUBACK read, TCP ACKs riding on the PUBACKs as
// in the real protocol). The check that (b) + (c) add up.
void BM_FanOutQos1Round(benchmark::State& state) {
  const int sockets = static_cast<int>(state.range(0));
  const std::int64_t gap_us = state.range(1);
  auto pairs = floor_bench::make_pairs(sockets);
  const int ep = broker_epoll(pairs);
  const std::string data = floor_bench::publish_packet();
  Peer peer(peer_fds(pairs), g_peer_cpu, Peer::Mode::reader, true, data.size());
  std::vector<epoll_event> events(pairs.size());
  std::uint64_t sent = 0;
  Tally tally;
  double waits = 0;
  for (auto _ : state) {
    peer.wait_read_and_asleep(sent);
    idle_gap(gap_us);
    const std::int64_t t0 = floor_bench::thread_cpu_ns();
    bool ok = true;
    for (const TcpPair& p : pairs)
      ok = ok && ::send(p.broker_fd, data.data(), data.size(), MSG_NOSIGNAL) ==
                     static_cast<ssize_t>(data.size());
    const int w = ok ? read_all(ep, pairs, events, 4 * pairs.size()) : -1;
    const double ns = static_cast<double>(floor_bench::thread_cpu_ns() - t0 - g_clock_ns);
    if (w < 0) {
      state.SkipWithError("send/recv failed");
      break;
    }
    sent += data.size() * pairs.size();
    tally.add(ns);
    waits += w;
    state.SetIterationTime(ns / 1e9);
  }
  report(state, tally, sockets, waits);
  peer_wakeups(state, peer, sockets);
  ::close(ep);
  floor_bench::close_pairs(pairs);
}
BENCHMARK(BM_FanOutQos1Round)
    ->ArgNames({"sockets", "gap_us"})
    ->Args({1, 0})
    ->Args({100, 0})
    ->Iterations(3000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FanOutQos1Round)
    ->ArgNames({"sockets", "gap_us"})
    ->Args({100, 7500})
    ->Iterations(400)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// The cheapest possible PUBACK read: k PUBACKs already queued in the socket (no epoll_wait, no
// wake-up), taken by one recv. One op = one PUBACK. k = 1 is the per-PUBACK floor of eager
// reading; k = 10 what a broker reading PUBACKs lazily (once per 10, within a window of 20)
// would pay. The measuring thread queues them itself from the peer end, off the clock.
void BM_RecvQueuedPubacks(benchmark::State& state) {
  const int per_recv = static_cast<int>(state.range(0));
  const std::int64_t gap_us = state.range(1);
  auto pairs = floor_bench::make_pairs(1);
  std::string acks;
  for (int i = 0; i < per_recv; ++i) acks += floor_bench::puback_packet();
  Tally tally;
  char buf[4096];
  for (auto _ : state) {
    if (::send(pairs[0].peer_fd, acks.data(), acks.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(acks.size())) {
      state.SkipWithError("send failed");
      break;
    }
    idle_gap(gap_us);
    const std::int64_t t0 = floor_bench::thread_cpu_ns();
    const ssize_t r = ::recv(pairs[0].broker_fd, buf, sizeof buf, 0);
    const double ns = static_cast<double>(floor_bench::thread_cpu_ns() - t0 - g_clock_ns);
    if (r != static_cast<ssize_t>(acks.size())) {
      state.SkipWithError("recv did not return the queued PUBACKs");
      break;
    }
    tally.add(ns);
    state.SetIterationTime(ns / 1e9);
  }
  report(state, tally, per_recv, 0);
  floor_bench::close_pairs(pairs);
}
BENCHMARK(BM_RecvQueuedPubacks)
    ->ArgNames({"pubacks_per_recv", "gap_us"})
    ->Args({1, 0})
    ->Args({10, 0})
    ->Iterations(3000)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RecvQueuedPubacks)
    ->ArgNames({"pubacks_per_recv", "gap_us"})
    ->Args({1, 7500})
    ->Iterations(400)
    ->UseManualTime()
    ->Unit(benchmark::kMicrosecond);

// Fan-in QoS 1, one message handled eagerly, broker side: a PUBLISH is waiting on the
// publisher's connection (queued off the clock, so the broker's own wake-up for it is NOT
// counted); epoll_wait + recv it, send the PUBACK to the publisher and the PUBLISH to the
// subscriber (two threads on the other CPU, both blocked in epoll_wait, as loadgen's
// publisher and subscriber loops), then wait for and read the subscriber's PUBACK.
// One op = one message.
void BM_FanInQos1Round(benchmark::State& state) {
  auto pairs = floor_bench::make_pairs(2);  // [0] publisher, [1] subscriber
  const int ep = broker_epoll(pairs);
  const std::string publish = floor_bench::publish_packet();
  const std::string puback = floor_bench::puback_packet();
  Peer publisher({pairs[0].peer_fd}, g_peer_cpu, Peer::Mode::reader, false, publish.size());
  Peer subscriber({pairs[1].peer_fd}, g_peer_cpu, Peer::Mode::reader, true, publish.size());
  std::vector<epoll_event> events(pairs.size());
  char buf[4096];
  std::uint64_t n = 0;
  Tally tally;
  double waits = 0;
  for (auto _ : state) {
    publisher.wait_read_and_asleep(n * puback.size());
    subscriber.wait_read_and_asleep(n * publish.size());
    if (::send(pairs[0].peer_fd, publish.data(), publish.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(publish.size())) {
      state.SkipWithError("send failed");
      break;
    }
    const std::int64_t t0 = floor_bench::thread_cpu_ns();
    int w = ::epoll_wait(ep, events.data(), 1, -1);
    bool ok = w == 1 && ::recv(pairs[0].broker_fd, buf, sizeof buf, 0) ==
                            static_cast<ssize_t>(publish.size());
    ok = ok && ::send(pairs[0].broker_fd, puback.data(), puback.size(), MSG_NOSIGNAL) ==
                   static_cast<ssize_t>(puback.size());
    ok = ok && ::send(pairs[1].broker_fd, publish.data(), publish.size(), MSG_NOSIGNAL) ==
                   static_cast<ssize_t>(publish.size());
    const int w2 = ok ? read_all(ep, pairs, events, puback.size()) : -1;
    const double ns = static_cast<double>(floor_bench::thread_cpu_ns() - t0 - g_clock_ns);
    if (w2 < 0) {
      state.SkipWithError("send/recv failed");
      break;
    }
    ++n;
    tally.add(ns);
    waits += w + w2;
    state.SetIterationTime(ns / 1e9);
  }
  report(state, tally, 1, waits);
  ::close(ep);
  floor_bench::close_pairs(pairs);
}
BENCHMARK(BM_FanInQos1Round)->Iterations(3000)->UseManualTime()->Unit(benchmark::kMicrosecond);

// Our own flags, removed from argv before Google Benchmark sees it.
bool take_flag(const char* arg, const char* name, int& value) {
  const std::size_t len = std::strlen(name);
  if (std::strncmp(arg, name, len) != 0 || arg[len] != '=') return false;
  value = std::atoi(arg + len + 1);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (take_flag(argv[i], "--measure_cpu", g_measure_cpu) ||
        take_flag(argv[i], "--peer_cpu", g_peer_cpu))
      continue;
    argv[kept++] = argv[i];
  }
  argc = kept;
  floor_bench::pin_to_cpu(g_measure_cpu);
  g_clock_ns = floor_bench::clock_pair_overhead_ns();
  std::fprintf(stderr, "measuring thread on CPU %d, peer on CPU %d, clock pair %lld ns\n",
               g_measure_cpu, g_peer_cpu, static_cast<long long>(g_clock_ns));
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// Pieces of the loopback floor benchmark (floor_bench.cpp): loopback TCP socket pairs, CPU
// pinning, the calling thread's CPU clock, and the peer thread that plays loadgen's side of
// the connections (a reader blocked in epoll_wait, or a sender of PUBACKs).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace floor_bench {

// CPU time of the calling thread in ns (sum_exec_runtime: user + system; with this kernel's
// tick accounting and no IRQ_TIME_ACCOUNTING it includes softirq work done on the thread's
// behalf, e.g. the loopback receive path run inside send() — the same base as the utime +
// stime in /proc/PID/stat that compare_mosquitto.py reads).
std::int64_t thread_cpu_ns();

// The cost of two back-to-back thread_cpu_ns() calls (the median of many), to subtract from
// every measured interval.
std::int64_t clock_pair_overhead_ns();

// Pins the calling thread to one CPU; throws on failure.
void pin_to_cpu(int cpu);

// One connected loopback TCP connection: broker_fd is the broker's end (non-blocking,
// TCP_NODELAY as both brokers set it), peer_fd the client's (non-blocking, TCP_NODELAY).
struct TcpPair {
  int broker_fd = -1;
  int peer_fd = -1;
};
std::vector<TcpPair> make_pairs(int n);
void close_pairs(std::vector<TcpPair>& pairs);

// A ~85-byte MQTT 3.1.1 QoS 1 PUBLISH as loadgen's publishers send it (topic bench/lgPID/0,
// 64-byte payload), and the 4-byte PUBACK a subscriber answers with.
std::string publish_packet();
std::string puback_packet();

// True when thread tid of this process is blocked (state S in /proc/self/task/TID/stat).
bool thread_sleeping(pid_t tid);

// The client side, on its own thread pinned to `cpu`, with one epoll set over all peer_fds
// (as loadgen's subscriber loop holds its 100 subscribers).
//  * Mode::reader: blocks in epoll_wait, reads whatever arrives; with reply_puback it answers
//    every complete PUBLISH with a PUBACK on the same socket (a QoS 1 subscriber).
//  * Mode::puback_sender: on request(), waits until the measuring thread is asleep, then
//    sends one PUBACK on every socket (the PUBACKs the broker then reads).
class Peer {
 public:
  enum class Mode { reader, puback_sender };
  Peer(std::vector<int> peer_fds, int cpu, Mode mode, bool reply_puback, std::size_t publish_size);
  ~Peer();
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  // reader: spin (off the measured clock) until `bytes` have been read in total and the peer
  // thread is blocked in epoll_wait again.
  void wait_read_and_asleep(std::uint64_t bytes) const;
  // reader: how many times epoll_wait returned (the peer was woken or found work).
  std::uint64_t wakeups() const { return wakeups_.load(); }
  // puback_sender: ask for one round of PUBACKs, sent once thread `waiter` sleeps.
  void request(pid_t waiter);
  // puback_sender: spin until the last requested round has been sent.
  void wait_sent() const;

 private:
  void run_reader();
  void run_sender();

  std::vector<int> fds_;
  int cpu_;
  Mode mode_;
  bool reply_puback_;
  std::size_t publish_size_;
  int stop_fd_ = -1;
  std::atomic<pid_t> tid_{0};
  std::atomic<bool> in_wait_{false};
  std::atomic<std::uint64_t> bytes_read_{0};
  std::atomic<std::uint64_t> wakeups_{0};
  std::atomic<pid_t> waiter_{0};
  std::atomic<std::uint64_t> requested_{0};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace floor_bench

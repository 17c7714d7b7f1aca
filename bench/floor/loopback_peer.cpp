#include "loopback_peer.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace floor_bench {

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

void set_options(int fd) {
  const int one = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) fail("TCP_NODELAY");
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) fail("O_NONBLOCK");
}

}  // namespace

std::int64_t thread_cpu_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t clock_pair_overhead_ns() {
  std::vector<std::int64_t> samples(20001);
  for (auto& s : samples) {
    const std::int64_t t0 = thread_cpu_ns();
    s = thread_cpu_ns() - t0;
  }
  std::nth_element(samples.begin(), samples.begin() + samples.size() / 2, samples.end());
  return samples[samples.size() / 2];
}

void pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  const int rc = ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
  if (rc != 0) {
    errno = rc;
    fail("pin to CPU " + std::to_string(cpu));
  }
}

std::vector<TcpPair> make_pairs(int n) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) fail("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listener, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listener, n + 16) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    fail("listen on 127.0.0.1:0");
  std::vector<TcpPair> pairs;
  for (int i = 0; i < n; ++i) {
    TcpPair p;
    p.peer_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (p.peer_fd < 0 ||
        ::connect(p.peer_fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0)
      fail("connect");
    p.broker_fd = ::accept(listener, nullptr, nullptr);
    if (p.broker_fd < 0) fail("accept");
    set_options(p.peer_fd);
    set_options(p.broker_fd);
    pairs.push_back(p);
  }
  ::close(listener);
  return pairs;
}

void close_pairs(std::vector<TcpPair>& pairs) {
  for (const TcpPair& p : pairs) {
    ::close(p.broker_fd);
    ::close(p.peer_fd);
  }
  pairs.clear();
}

std::string publish_packet() {
  const std::string topic = "bench/lg12345/0";  // loadgen's default prefix bench/lg<pid>
  const std::string payload(64, 'x');
  std::string body;
  body.push_back(static_cast<char>(topic.size() >> 8));
  body.push_back(static_cast<char>(topic.size() & 0xff));
  body += topic;
  body += std::string{'\x12', '\x34'};  // packet id
  body += payload;
  std::string packet;
  packet.push_back('\x32');                          // PUBLISH, QoS 1
  packet.push_back(static_cast<char>(body.size()));  // remaining length < 128: one byte
  return packet + body;
}

std::string puback_packet() {
  return std::string{'\x40', '\x02', '\x12', '\x34'};
}

bool thread_sleeping(pid_t tid) {
  const std::string path = "/proc/self/task/" + std::to_string(tid) + "/stat";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::array<char, 512> buf{};
  const ssize_t n = ::read(fd, buf.data(), buf.size() - 1);
  ::close(fd);
  if (n <= 0) return false;
  const char* close_paren = std::strrchr(buf.data(), ')');
  return close_paren != nullptr && close_paren[1] == ' ' && close_paren[2] == 'S';
}

Peer::Peer(std::vector<int> peer_fds, int cpu, Mode mode, bool reply_puback,
           std::size_t publish_size)
    : fds_(std::move(peer_fds)),
      cpu_(cpu),
      mode_(mode),
      reply_puback_(reply_puback),
      publish_size_(publish_size) {
  stop_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (stop_fd_ < 0) fail("eventfd");
  thread_ = std::thread([this] { mode_ == Mode::reader ? run_reader() : run_sender(); });
  while (tid_.load() == 0) std::this_thread::yield();
}

Peer::~Peer() {
  stop_.store(true);
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ::close(stop_fd_);
}

void Peer::wait_read_and_asleep(std::uint64_t bytes) const {
  while (bytes_read_.load(std::memory_order_acquire) < bytes || !in_wait_.load())
    std::this_thread::yield();
  while (!thread_sleeping(tid_.load())) std::this_thread::yield();
}

void Peer::request(pid_t waiter) {
  waiter_.store(waiter);
  requested_.fetch_add(1, std::memory_order_release);
}

void Peer::wait_sent() const {
  while (sent_.load(std::memory_order_acquire) < requested_.load()) std::this_thread::yield();
}

void Peer::run_reader() {
  pin_to_cpu(cpu_);
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event ev{};
  ev.events = EPOLLIN;
  for (std::size_t i = 0; i < fds_.size(); ++i) {
    ev.data.u64 = i;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fds_[i], &ev);
  }
  ev.data.u64 = fds_.size();
  ::epoll_ctl(ep, EPOLL_CTL_ADD, stop_fd_, &ev);
  std::vector<std::uint64_t> partial(fds_.size(), 0);  // bytes of an incomplete PUBLISH
  std::vector<epoll_event> events(fds_.size() + 1);
  std::vector<char> buf(1 << 16);
  const std::string puback = puback_packet();
  std::string acks;
  tid_.store(::gettid());
  while (!stop_.load()) {
    in_wait_.store(true);
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), -1);
    in_wait_.store(false);
    wakeups_.fetch_add(1, std::memory_order_relaxed);
    for (int e = 0; e < n; ++e) {
      const std::size_t i = events[e].data.u64;
      if (i == fds_.size()) continue;  // stop
      const ssize_t got = ::recv(fds_[i], buf.data(), buf.size(), 0);
      if (got <= 0) continue;
      if (reply_puback_) {
        partial[i] += static_cast<std::uint64_t>(got);
        acks.clear();
        for (; partial[i] >= publish_size_; partial[i] -= publish_size_) acks += puback;
        if (!acks.empty()) ::send(fds_[i], acks.data(), acks.size(), MSG_NOSIGNAL);
      }
      bytes_read_.fetch_add(static_cast<std::uint64_t>(got), std::memory_order_release);
    }
  }
  ::close(ep);
}

void Peer::run_sender() {
  pin_to_cpu(cpu_);
  const std::string puback = puback_packet();
  tid_.store(::gettid());
  std::uint64_t done = 0;
  while (!stop_.load()) {
    if (requested_.load(std::memory_order_acquire) == done) {
      std::this_thread::yield();
      continue;
    }
    // The broker side must be blocked in epoll_wait, as a broker idling between PUBACKs is.
    while (!thread_sleeping(waiter_.load()) && !stop_.load()) std::this_thread::yield();
    for (const int fd : fds_) ::send(fd, puback.data(), puback.size(), MSG_NOSIGNAL);
    sent_.store(++done, std::memory_order_release);
  }
}

}  // namespace floor_bench

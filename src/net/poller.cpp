#include "net/poller.hpp"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>

#include <cerrno>

#include "net/tcp_connection.hpp"

namespace dynamq::net {

namespace {

int create_epoll() {
  const int fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (fd < 0) {
    throw boost::system::system_error(error_code(errno, boost::system::system_category()),
                                      "epoll_create1");
  }
  return fd;
}

}  // namespace

Poller::Poller(asio::io_context& context) : epoll_(context, create_epoll()) {}

bool Poller::add(int fd, TcpConnection* target) {
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = target;
  if (::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_ADD, fd, &ev) != 0) {
    return false;
  }
  if (!armed_) {
    arm();
  }
  return true;
}

void Poller::remove(int fd) {
  epoll_event ev{};  // ignored for DEL, but kernels before 2.6.9 wanted it non-null
  ::epoll_ctl(epoll_.native_handle(), EPOLL_CTL_DEL, fd, &ev);
}

void Poller::arm() {
  armed_ = true;
  epoll_.async_wait(asio::posix::descriptor_base::wait_read, [this](error_code ec) {
    armed_ = false;
    if (ec) {
      return;  // the loop is being destroyed
    }
    dispatch();
    arm();
  });
}

void Poller::dispatch() {
  const int n =
      ::epoll_wait(epoll_.native_handle(), events_.data(), static_cast<int>(events_.size()), 0);
  if (n <= 0) {
    return;  // EINTR or a spurious wake-up
  }
  ++batches_;
  batch_size_ = static_cast<std::size_t>(n);
  // A connection closed by an earlier event of this batch (a session takeover closing the
  // old connection) is still alive: it releases itself only in a handler posted when it
  // finished, which runs after this batch (TcpConnection::finish).
  for (int i = 0; i < n; ++i) {
    static_cast<TcpConnection*>(events_[static_cast<std::size_t>(i)].data.ptr)
        ->on_poll(events_[static_cast<std::size_t>(i)].events);
  }
  batch_size_ = 0;
}

}  // namespace dynamq::net

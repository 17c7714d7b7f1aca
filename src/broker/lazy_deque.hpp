// A std::deque that allocates nothing until the first push. libstdc++'s deque allocates its
// map (64 B) and a 512-byte node in its constructor, so every idle connection and session
// paid ~1.7 kB for three queues that were never used (bench/README.md, idle memory).
// Once created the deque is kept (a busy queue would otherwise allocate per message);
// release() drops it, for callers that know the queue will stay empty for long.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <utility>

namespace dynamq::broker {

template <class T>
class LazyDeque {
 public:
  using Deque = std::deque<T>;
  using iterator = typename Deque::iterator;
  using const_iterator = typename Deque::const_iterator;
  using value_type = T;

  LazyDeque() = default;
  LazyDeque(LazyDeque&&) noexcept = default;
  LazyDeque& operator=(LazyDeque&&) noexcept = default;

  [[nodiscard]] bool empty() const { return !d_ || d_->empty(); }
  [[nodiscard]] std::size_t size() const { return d_ ? d_->size() : 0; }
  // Whether the underlying deque exists (for tests and memory accounting).
  [[nodiscard]] bool allocated() const { return d_ != nullptr; }

  void push_back(T value) { get().push_back(std::move(value)); }
  template <class... Args>
  T& emplace_back(Args&&... args) {
    return get().emplace_back(std::forward<Args>(args)...);
  }

  // Precondition (as for std::deque): not empty.
  T& front() { return d_->front(); }
  const T& front() const { return d_->front(); }
  T& back() { return d_->back(); }
  const T& back() const { return d_->back(); }
  void pop_front() { d_->pop_front(); }

  // Value-initialized deque iterators compare equal, so an unallocated queue iterates
  // as empty.
  iterator begin() { return d_ ? d_->begin() : iterator{}; }
  iterator end() { return d_ ? d_->end() : iterator{}; }
  const_iterator begin() const { return d_ ? d_->cbegin() : const_iterator{}; }
  const_iterator end() const { return d_ ? d_->cend() : const_iterator{}; }
  // `it` must come from this queue (so the deque exists).
  iterator erase(iterator it) { return d_->erase(it); }

  void clear() {
    if (d_) {
      d_->clear();
    }
  }
  // Frees the deque if it is empty.
  void release_if_empty() {
    if (d_ && d_->empty()) {
      d_.reset();
    }
  }

 private:
  Deque& get() {
    if (!d_) {
      d_ = std::make_unique<Deque>();
    }
    return *d_;
  }

  std::unique_ptr<Deque> d_;
};

}  // namespace dynamq::broker

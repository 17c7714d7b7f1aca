#include "broker/hooks.hpp"

#include <algorithm>

namespace dynamq::broker {

void PendingAck::complete(Result result) {
  std::function<void(const Result&)> done;
  {
    std::lock_guard lock(mutex_);
    if (completed_) {
      return;
    }
    completed_ = true;
    result_ = std::move(result);
    done = std::move(done_);
  }
  if (done) {
    done(result_);
  }
}

void PendingAck::on_complete(std::function<void(const Result&)> done) {
  {
    std::lock_guard lock(mutex_);
    if (!completed_) {
      done_ = std::move(done);
      return;
    }
  }
  done(result_);
}

void HookRegistry::add(std::shared_ptr<Hooks> hooks) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<List>(*list_);
  next->push_back(std::move(hooks));
  count_.store(next->size(), std::memory_order_release);
  list_ = std::move(next);
}

bool HookRegistry::remove(const std::shared_ptr<Hooks>& hooks) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<List>(*list_);
  const auto it = std::find(next->begin(), next->end(), hooks);
  if (it == next->end()) {
    return false;
  }
  next->erase(it);
  count_.store(next->size(), std::memory_order_release);
  list_ = std::move(next);
  return true;
}

void HookRegistry::clear() {
  std::lock_guard lock(mutex_);
  list_ = std::make_shared<const List>();
  count_.store(0, std::memory_order_release);
}

std::shared_ptr<const HookRegistry::List> HookRegistry::snapshot() const {
  std::lock_guard lock(mutex_);
  return list_;
}

}  // namespace dynamq::broker

// The multi-call helpers: query_all / scan_all (follow LastEvaluatedKey) and
// batch_write_all / batch_get_all (chunk, then resubmit Unprocessed* with backoff).
#include "dynamo/client.hpp"
#include "dynamo/client_impl.hpp"

namespace dynamq::dynamo {
namespace detail {

struct ClientAccess {
  static const std::shared_ptr<ClientImpl>& impl(const Client& c) { return c.impl_; }
};

namespace {

template <class Req>
awaitable<Result<QueryResponse>> all_pages(Client c, Req req) {
  QueryResponse total;
  for (;;) {
    Result<QueryResponse> page = Error{};
    if constexpr (std::is_same_v<Req, QueryRequest>)
      page = co_await c.query(req);
    else
      page = co_await c.scan(req);
    if (!page.ok()) co_return page.error();
    auto& p = page.value();
    total.count += p.count;
    total.scanned_count += p.scanned_count;
    total.items.insert(total.items.end(), std::make_move_iterator(p.items.begin()),
                       std::make_move_iterator(p.items.end()));
    if (!p.last_evaluated_key || p.last_evaluated_key->empty()) co_return total;
    req.exclusive_start_key = std::move(p.last_evaluated_key);
  }
}

awaitable<Result<BatchWriteItemResponse>> write_all(Client c, BatchWriteItemRequest req) {
  auto impl = ClientAccess::impl(c);
  const int rounds = std::max(1, c.options().retry.max_attempts);
  BatchWriteItemResponse total;
  // Flatten to (table, write) and cut into chunks of 25.
  std::vector<std::pair<const std::string*, WriteRequest*>> all;
  for (auto& [table, writes] : req.request_items)
    for (auto& w : writes) all.emplace_back(&table, &w);
  for (std::size_t start = 0; start < all.size(); start += kMaxBatchWriteItems) {
    BatchWriteItemRequest chunk;
    for (std::size_t i = start; i < std::min(all.size(), start + kMaxBatchWriteItems); ++i)
      chunk.request_items[*all[i].first].push_back(std::move(*all[i].second));
    for (int round = 1;; ++round) {
      auto r = co_await c.batch_write_item(std::move(chunk));
      if (!r.ok()) co_return r.error();
      if (r->unprocessed_items.empty()) break;
      if (round >= rounds || impl->stopped()) {
        for (auto& [table, writes] : r->unprocessed_items) {
          auto& dest = total.unprocessed_items[table];
          dest.insert(dest.end(), std::make_move_iterator(writes.begin()),
                      std::make_move_iterator(writes.end()));
        }
        break;
      }
      chunk.request_items = std::move(r->unprocessed_items);
      // Unprocessed items mean the table is throttled: back off like for a retry.
      if (!co_await impl->sleep(impl->next_backoff(round)))
        co_return Error{Error::kCancelled, "batch write cancelled during backoff", 0, false};
    }
  }
  co_return total;
}

awaitable<Result<BatchGetItemResponse>> get_all(Client c, BatchGetItemRequest req) {
  auto impl = ClientAccess::impl(c);
  const int rounds = std::max(1, c.options().retry.max_attempts);
  BatchGetItemResponse total;
  // Chunks of at most 100 keys; a table's keys may span chunks, its options are copied.
  std::vector<BatchGetItemRequest> chunks;
  std::size_t in_chunk = kMaxBatchGetKeys;
  for (auto& [table, ka] : req.request_items)
    for (auto& key : ka.keys) {
      if (in_chunk == kMaxBatchGetKeys) {
        chunks.emplace_back();
        in_chunk = 0;
      }
      auto [it, inserted] = chunks.back().request_items.try_emplace(table);
      if (inserted) {
        it->second.projection_expression = ka.projection_expression;
        it->second.names = ka.names;
        it->second.consistent_read = ka.consistent_read;
      }
      it->second.keys.push_back(std::move(key));
      ++in_chunk;
    }
  for (auto& chunk : chunks) {
    for (int round = 1;; ++round) {
      auto r = co_await c.batch_get_item(std::move(chunk));
      if (!r.ok()) co_return r.error();
      for (auto& [table, items] : r->responses) {
        auto& dest = total.responses[table];
        dest.insert(dest.end(), std::make_move_iterator(items.begin()),
                    std::make_move_iterator(items.end()));
      }
      if (r->unprocessed_keys.empty()) break;
      if (round >= rounds || impl->stopped()) {
        for (auto& [table, ka] : r->unprocessed_keys) {
          auto [it, inserted] = total.unprocessed_keys.try_emplace(table, ka);
          if (!inserted)
            it->second.keys.insert(it->second.keys.end(), ka.keys.begin(), ka.keys.end());
        }
        break;
      }
      chunk = BatchGetItemRequest{std::move(r->unprocessed_keys)};
      if (!co_await impl->sleep(impl->next_backoff(round)))
        co_return Error{Error::kCancelled, "batch get cancelled during backoff", 0, false};
    }
  }
  co_return total;
}

}  // namespace
}  // namespace detail

// Not coroutines themselves: the work runs on a copy of the handle, so *this may go away.
awaitable<Result<QueryResponse>> Client::query_all(QueryRequest req) const {
  return detail::all_pages(*this, std::move(req));
}
awaitable<Result<ScanResponse>> Client::scan_all(ScanRequest req) const {
  return detail::all_pages(*this, std::move(req));
}
awaitable<Result<BatchWriteItemResponse>> Client::batch_write_all(BatchWriteItemRequest req) const {
  return detail::write_all(*this, std::move(req));
}
awaitable<Result<BatchGetItemResponse>> Client::batch_get_all(BatchGetItemRequest req) const {
  return detail::get_all(*this, std::move(req));
}

}  // namespace dynamq::dynamo

// (Requests are named before co_await: GCC 12 rejects string literals in aggregates built
// inside a co_await expression, "array used as initializer".)
// INTEGRATION (label "integration"): the client against real engines, dynalite and DynamoDB
// Local, started with
// scripts/dynamodb and stopped by PID. The main integration suite is tests/integration/.
#include <gtest/gtest.h>

#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <sstream>

#include "dynamo/client.hpp"
#include "test_util.hpp"

namespace dynamq::dynamo {
namespace {

using test::run_sync;

// One engine process (scripts/dynamodb start ENGINE 0), stopped by PID when the test ends.
class Engine {
 public:
  explicit Engine(const std::string& name) {
    std::string cmd = std::string(DYNAMQ_DYNAMODB_SCRIPT) + " start " + name + " 0";
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return;
    char buf[128] = {};
    std::string out;
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    ::pclose(p);
    std::istringstream in(out);
    in >> pid_ >> port_;
  }
  ~Engine() {
    if (pid_ > 0) {
      std::string cmd = std::string(DYNAMQ_DYNAMODB_SCRIPT) + " stop " + std::to_string(pid_);
      EXPECT_EQ(std::system(cmd.c_str()), 0);
    }
  }
  bool started() const { return pid_ > 0 && port_ > 0; }

  template <class F>
  auto with_client(F body) {
    boost::asio::io_context io;
    ClientOptions o;
    o.endpoint = "http://127.0.0.1:" + std::to_string(port_);
    o.region = "us-west-2";
    o.credentials = make_static_credentials({"local", "local", "", std::nullopt});
    o.pool_size = 4;
    auto c = Client::create(io.get_executor(), o);
    EXPECT_TRUE(c.ok());
    using R = typename std::invoke_result_t<F, Client>::value_type;
    std::optional<R> out;
    boost::asio::co_spawn(io, body(c.value()), [&](std::exception_ptr e, R r) {
      if (e) std::rethrow_exception(e);
      out.emplace(std::move(r));
    });
    io.run();
    return std::move(*out);
  }

 private:
  int pid_ = 0, port_ = 0;
};

awaitable<bool> wait_active(Client c, std::string table) {
  for (int i = 0; i < 200; ++i) {
    DescribeTableRequest req{table};
    auto d = co_await c.describe_table(req);
    if (d.ok() && d->table.table_status == "ACTIVE") co_return true;
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor,
                                std::chrono::milliseconds(50));
    co_await t.async_wait(use_awaitable);
  }
  co_return false;
}

std::vector<std::string> every_operation(Engine& engine) {
  return engine.with_client([](Client c) -> awaitable<std::vector<std::string>> {
    std::vector<std::string> f;
    auto check = [&](bool ok, std::string what) {
      if (!ok) f.push_back(std::move(what));
    };
    CreateTableRequest ct;
    ct.table_name = "mqtt_sub";
    ct.attribute_definitions = {{"clientid", "S"}, {"topic", "S"}};
    ct.key_schema = {{"clientid", KeyType::Hash}, {"topic", KeyType::Range}};
    auto created = co_await c.create_table(ct);
    check(created.ok(), "create_table: " + (created.ok() ? "" : created.error().describe()));
    check(co_await wait_active(c, "mqtt_sub"), "table never ACTIVE");
    auto again = co_await c.create_table(ct);
    check(!again.ok() && again.error().resource_in_use(), "second create must be ResourceInUse");

    // Every attribute type through a real engine and back.
    Item item{{"clientid", "c1"},
              {"topic", "传感器/温度"},
              {"qos", AttributeValue::n(2)},
              {"bin", AttributeValue::b(std::string("\0\xff\x10", 3))},
              {"ss", AttributeValue::ss({"a", "b"})},
              {"ns", AttributeValue::ns({"1", "2"})},
              {"bs", AttributeValue::bs({"x", "y"})},
              {"flag", AttributeValue::boolean(true)},
              {"nothing", AttributeValue::null()},
              {"m", AttributeValue::m({{"k", "v"}})},
              {"l", AttributeValue::l({AttributeValue::n(1), "s"})}};
    PutItemRequest put_req{"mqtt_sub", item};
    auto put = co_await c.put_item(put_req);
    check(put.ok(), "put_item");
    GetItemRequest get_req{"mqtt_sub", {{"clientid", "c1"}, {"topic", "传感器/温度"}}, true};
    auto got = co_await c.get_item(get_req);
    check(got.ok() && got->item && *got->item == item, "get_item round trip of every type");

    PutItemRequest cond{"mqtt_sub", item, "attribute_not_exists(clientid)"};
    auto failed = co_await c.put_item(cond);
    check(!failed.ok() && failed.error().conditional_check_failed(), "conditional put must fail");

    UpdateItemRequest up;
    up.table_name = "mqtt_sub";
    up.key = {{"clientid", "c1"}, {"topic", "传感器/温度"}};
    up.update_expression = "SET #q = :q ADD #s :more";
    up.names = {{"#q", "qos"}, {"#s", "ss"}};
    up.values = {{":q", AttributeValue::n(1)}, {":more", AttributeValue::ss({"c"})}};
    up.return_values = ReturnValues::AllNew;
    auto updated = co_await c.update_item(up);
    check(updated.ok() && updated->attributes.at("qos").as_int() == 1 &&
              updated->attributes.at("ss").as_ss()->size() == 3,
          "update_item ALL_NEW");

    BatchWriteItemRequest bw;
    for (int i = 0; i < 60; ++i)
      bw.request_items["mqtt_sub"].push_back(PutRequest{{{"clientid", "c2"},
                                                         {"topic", "t/" + std::to_string(100 + i)},
                                                         {"qos", AttributeValue::n(i % 3)}}});
    auto written = co_await c.batch_write_all(bw);
    check(written.ok() && written->unprocessed_count() == 0, "batch_write_all of 60");

    QueryRequest q;
    q.table_name = "mqtt_sub";
    q.key_condition_expression = "clientid = :c AND begins_with(topic, :p)";
    q.values = {{":c", "c2"}, {":p", "t/"}};
    q.limit = 7;  // forces 9 pages
    auto all = co_await c.query_all(q);
    check(all.ok() && all->items.size() == 60 && !all->last_evaluated_key, "query_all pages");
    q.filter_expression = "qos = :z";
    q.values[":z"] = AttributeValue::n(0);
    q.limit.reset();
    auto filtered = co_await c.query(q);
    check(filtered.ok() && filtered->items.size() == 20, "query with filter");

    BatchGetItemRequest bg;
    for (int i = 0; i < 60; ++i)
      bg.request_items["mqtt_sub"].keys.push_back(
          {{"clientid", "c2"}, {"topic", "t/" + std::to_string(100 + i)}});
    bg.request_items["mqtt_sub"].keys.push_back({{"clientid", "nobody"}, {"topic", "x"}});
    auto read = co_await c.batch_get_all(bg);
    check(read.ok() && read->responses["mqtt_sub"].size() == 60 && read->unprocessed_count() == 0,
          "batch_get_all of 61 keys (60 exist)");

    ScanRequest s;
    s.table_name = "mqtt_sub";
    s.limit = 10;
    auto scanned = co_await c.scan_all(s);
    check(scanned.ok() && scanned->items.size() == 61, "scan_all");

    DeleteItemRequest del_req{"mqtt_sub",   {{"clientid", "c1"}, {"topic", "传感器/温度"}},
                              std::nullopt, {},
                              {},           ReturnValues::AllOld};
    auto del = co_await c.delete_item(del_req);
    check(del.ok() && updated.ok() && del->attributes == updated->attributes,
          "delete_item ALL_OLD returns the item as last updated");

    auto tables = co_await c.list_tables({});
    check(tables.ok() && tables->table_names == std::vector<std::string>{"mqtt_sub"},
          "list_tables");
    DeleteTableRequest drop_req{"mqtt_sub"};
    auto dropped = co_await c.delete_table(drop_req);
    check(dropped.ok(), "delete_table");
    DescribeTableRequest missing_req{"no_such_table"};
    auto missing = co_await c.describe_table(missing_req);
    check(
        !missing.ok() && missing.error().resource_not_found() && missing.error().http_status == 400,
        "describe of a missing table is ResourceNotFound");
    co_return f;
  });
}

TEST(EngineDynalite, EveryOperation) {
  Engine engine("dynalite");
  ASSERT_TRUE(engine.started());
  auto failures = every_operation(engine);
  EXPECT_TRUE(failures.empty()) << ::testing::PrintToString(failures);
}

TEST(EngineDynamoDbLocal, EveryOperation) {
  Engine engine("local");
  ASSERT_TRUE(engine.started());
  auto failures = every_operation(engine);
  EXPECT_TRUE(failures.empty()) << ::testing::PrintToString(failures);
}

}  // namespace
}  // namespace dynamq::dynamo

// The DynamoDB JSON protocol: request bodies and response bodies for each operation, as pure
// functions (no I/O), so encoding is unit-tested and benchmarked on its own.
#pragma once

#include <boost/json/fwd.hpp>
#include <string>
#include <string_view>

#include "dynamo/batch_ops.hpp"
#include "dynamo/item_ops.hpp"
#include "dynamo/query_ops.hpp"
#include "dynamo/result.hpp"
#include "dynamo/table_ops.hpp"

namespace dynamq::dynamo::wire {

// Request bodies (compact JSON).
std::string encode(const CreateTableRequest& r);
std::string encode(const DescribeTableRequest& r);
std::string encode(const DeleteTableRequest& r);
std::string encode(const ListTablesRequest& r);
std::string encode(const UpdateTimeToLiveRequest& r);
std::string encode(const PutItemRequest& r);
std::string encode(const GetItemRequest& r);
std::string encode(const UpdateItemRequest& r);
std::string encode(const DeleteItemRequest& r);
std::string encode(const QueryRequest& r);
std::string encode(const ScanRequest& r);
std::string encode(const BatchWriteItemRequest& r);
std::string encode(const BatchGetItemRequest& r);

// Response bodies. false + *why on a body that does not have the documented shape.
bool decode(const boost::json::value& v, CreateTableResponse& out, std::string* why);
bool decode(const boost::json::value& v, DescribeTableResponse& out, std::string* why);
bool decode(const boost::json::value& v, DeleteTableResponse& out, std::string* why);
bool decode(const boost::json::value& v, ListTablesResponse& out, std::string* why);
bool decode(const boost::json::value& v, UpdateTimeToLiveResponse& out, std::string* why);
bool decode(const boost::json::value& v, PutItemResponse& out, std::string* why);
bool decode(const boost::json::value& v, GetItemResponse& out, std::string* why);
bool decode(const boost::json::value& v, UpdateItemResponse& out, std::string* why);
bool decode(const boost::json::value& v, DeleteItemResponse& out, std::string* why);
bool decode(const boost::json::value& v, QueryResponse& out, std::string* why);
bool decode(const boost::json::value& v, BatchWriteItemResponse& out, std::string* why);
bool decode(const boost::json::value& v, BatchGetItemResponse& out, std::string* why);

// Parses a body then decodes it; Error::kBadResponse on failure.
template <class Response>
Result<Response> decode_body(std::string_view body);

// Operation name and response type per request type (for the X-Amz-Target header).
template <class Request>
struct Operation;
#define DYNAMQ_DYNAMO_OP(Req, Resp, Name)          \
  template <>                                      \
  struct Operation<Req> {                          \
    using Response = Resp;                         \
    static constexpr std::string_view name = Name; \
  };
DYNAMQ_DYNAMO_OP(CreateTableRequest, CreateTableResponse, "CreateTable")
DYNAMQ_DYNAMO_OP(DescribeTableRequest, DescribeTableResponse, "DescribeTable")
DYNAMQ_DYNAMO_OP(DeleteTableRequest, DeleteTableResponse, "DeleteTable")
DYNAMQ_DYNAMO_OP(ListTablesRequest, ListTablesResponse, "ListTables")
DYNAMQ_DYNAMO_OP(UpdateTimeToLiveRequest, UpdateTimeToLiveResponse, "UpdateTimeToLive")
DYNAMQ_DYNAMO_OP(PutItemRequest, PutItemResponse, "PutItem")
DYNAMQ_DYNAMO_OP(GetItemRequest, GetItemResponse, "GetItem")
DYNAMQ_DYNAMO_OP(UpdateItemRequest, UpdateItemResponse, "UpdateItem")
DYNAMQ_DYNAMO_OP(DeleteItemRequest, DeleteItemResponse, "DeleteItem")
DYNAMQ_DYNAMO_OP(QueryRequest, QueryResponse, "Query")
DYNAMQ_DYNAMO_OP(ScanRequest, ScanResponse, "Scan")
DYNAMQ_DYNAMO_OP(BatchWriteItemRequest, BatchWriteItemResponse, "BatchWriteItem")
DYNAMQ_DYNAMO_OP(BatchGetItemRequest, BatchGetItemResponse, "BatchGetItem")
#undef DYNAMQ_DYNAMO_OP

}  // namespace dynamq::dynamo::wire

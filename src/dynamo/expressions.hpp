// Expression parameters shared by the item, query and batch operations.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "dynamo/attribute_value.hpp"

namespace dynamq::dynamo {

// "#n" -> "attribute name"
using ExpressionNames = std::map<std::string, std::string>;
// ":v" -> value
using ExpressionValues = std::map<std::string, AttributeValue>;

// ReturnValues for PutItem / UpdateItem / DeleteItem (PutItem and DeleteItem accept only NONE
// and ALL_OLD; the service rejects the others with a ValidationException).
enum class ReturnValues { None, AllOld, UpdatedOld, AllNew, UpdatedNew };
std::string_view to_string(ReturnValues r);

}  // namespace dynamq::dynamo

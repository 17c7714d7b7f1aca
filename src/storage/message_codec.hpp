// A broker Message <-> a DynamoDB item of mqtt_msg / mqtt_retain (SPEC.md §2):
//   msgid S (msgid_codec form), topic S, sender S (omitted when the sender has no client id),
//   qos N, retain N (0/1), payload, arrived N (unix seconds of the id's time),
//   [ttl attribute N (unix seconds) when a TTL is configured].
// payload: valid UTF-8 -> S (as in the seed); anything else -> B, so nothing is corrupted
// (DynamoDB Local answers HTTP 500 to invalid UTF-8 in S, dynalite silently mangles it);
// empty -> NULL, because an empty S or B is refused in key positions and by older engines,
// and NULL is unambiguous when read back.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "broker/message.hpp"
#include "dynamo/attribute_value.hpp"

namespace dynamq::storage {

// DynamoDB's limit on one item (names + values).
inline constexpr std::size_t kMaxItemBytes = 400 * 1024;

struct ItemOptions {
  std::optional<std::chrono::seconds> ttl;  // absent: no TTL attribute
  std::string ttl_attribute = "expires_at";
};

dynamo::Item message_item(const broker::Message& message, const ItemOptions& options = {});

// The message of an item; nullopt (and *why) when an attribute is missing or malformed.
// The message's id is the decoded msgid; sender_client_id the `sender`.
std::optional<broker::Message> message_from_item(const dynamo::Item& item,
                                                 std::string* why = nullptr);

// Size of an item as DynamoDB counts it (attribute names + values; numbers counted at
// their text length, an upper bound of DynamoDB's own count).
std::size_t item_size(const dynamo::Item& item);

// Well-formed UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
bool is_utf8(std::string_view bytes) noexcept;

}  // namespace dynamq::storage

// Message ids in the seed's form (SPEC.md §2): the unpadded base64 of the decimal digits of
// the 128-bit id, e.g. "Mjg4MTk1MDYwNTk0NjYwNzYzMTg4MDk3OTQ2MDU2Nzg1OTD" is
// "28819506059466076318809794605678590", whose high 64 bits are the publish time in µs.
//
// Encoding writes standard base64 without padding (unused trailing bits zero). Decoding also
// accepts the seed's own ids, whose last character carries non-zero unused bits ("...OTD"
// where a strict encoder writes "...OTA"): those bits are ignored, as base64 decoders do.
// base64 strings do not sort like the ids they hold: compare decoded ids, never the strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "broker/message_id.hpp"

namespace dynamq::storage {

std::string encode_msgid(const broker::MessageId& id);
// nullopt for anything that is not base64 of 1..39 decimal digits fitting in 128 bits.
std::optional<broker::MessageId> decode_msgid(std::string_view text);

// The 128-bit id as decimal digits, and back (nullopt on overflow or a non-digit).
std::string id_decimal(const broker::MessageId& id);
std::optional<broker::MessageId> id_from_decimal(std::string_view digits);

// Unix seconds of the publish time (the seed's `arrived`).
inline std::int64_t arrived_seconds(const broker::MessageId& id) {
  return static_cast<std::int64_t>(id.high / 1'000'000);
}

}  // namespace dynamq::storage

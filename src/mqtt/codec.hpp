// Everything of the MQTT codec in one include.
#pragma once

#include "mqtt/decode.hpp"
#include "mqtt/encode.hpp"
#include "mqtt/packets.hpp"
#include "mqtt/payload.hpp"
#include "mqtt/properties.hpp"
#include "mqtt/reason_code.hpp"
#include "mqtt/topic.hpp"
#include "mqtt/utf8.hpp"
#include "mqtt/vbi.hpp"
#include "mqtt/version.hpp"

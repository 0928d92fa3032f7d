/*
 * jvalue.c: one JSON DATA / QUANTITY value (see jvalue.h).
 */
#include "flow/jvalue.h"

#include "core/hex.h"

bool vt_json_fixed(const json_t *v, uint8_t *out, size_t n) {
  return json_is_string(v) && vc_hex_decode_fixed(json_string_value(v), json_string_length(v), out, n) == VC_OK;
}

bool vt_json_u64(const json_t *v, uint64_t *out) {
  return json_is_string(v) && vc_hex_quantity_u64(json_string_value(v), json_string_length(v), out) == VC_OK;
}

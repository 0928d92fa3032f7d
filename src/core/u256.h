/*
 * u256.h: 256-bit unsigned integers, just enough for balances, values and fees.
 *
 * Four little-endian 64-bit limbs (w[0] is least significant). Conversions to and from
 * big-endian bytes and JSON-RPC QUANTITY hex, comparison, and add/sub that report
 * overflow instead of wrapping silently. Plain values: no allocation, no ownership.
 */
#ifndef VC_U256_H
#define VC_U256_H

#include "core/vc_base.h"

typedef struct {
  uint64_t w[4];
} vc_u256;

/* Big-endian bytes (len <= 32, may carry leading zeros) -> value. VC_ERR_LIMIT if the
 * number does not fit 256 bits (len > 32 with non-zero excess bytes). */
vc_status vc_u256_from_be(vc_u256 *out, const uint8_t *be, size_t len) VC_MUST_CHECK;

/* Value -> 32 big-endian bytes (left padded). */
void vc_u256_to_be(const vc_u256 *a, uint8_t out[32]);

/* Value -> minimal big-endian bytes in out[32]; returns the length (0 for zero). The
 * bytes start at out[0]. */
size_t vc_u256_to_be_min(const vc_u256 *a, uint8_t out[32]);

void vc_u256_from_u64(vc_u256 *out, uint64_t v);
bool vc_u256_is_zero(const vc_u256 *a);

/* -1, 0, 1 like memcmp. */
int vc_u256_cmp(const vc_u256 *a, const vc_u256 *b);

/* out = a + b; returns true on overflow (out then holds the wrapped sum). */
bool vc_u256_add(vc_u256 *out, const vc_u256 *a, const vc_u256 *b);

/* out = a - b; returns true on underflow (b > a; out then holds the wrapped difference). */
bool vc_u256_sub(vc_u256 *out, const vc_u256 *a, const vc_u256 *b);

/* JSON-RPC QUANTITY ("0x0", "0x1f", no leading zeros) -> value. */
vc_status vc_u256_from_quantity(vc_u256 *out, const char *s, size_t slen) VC_MUST_CHECK;

/* Value -> QUANTITY text; out needs at least 67 bytes. Returns chars written (no NUL). */
size_t vc_u256_to_quantity(const vc_u256 *a, char out[67]);

#endif

/*
 * u256.c: 256-bit unsigned arithmetic on four 64-bit limbs (see u256.h).
 *
 * Only what verifiers need: exact conversions, comparison, and carry-reporting add/sub.
 * Overflow is reported to the caller, never hidden.
 */
#include "core/u256.h"

#include "core/hex.h"

#include <string.h>

vc_status vc_u256_from_be(vc_u256 *out, const uint8_t *be, size_t len) {
  while (len > 32) {
    if (*be) return VC_ERR_LIMIT;
    be++;
    len--;
  }
  memset(out, 0, sizeof *out);
  for (size_t i = 0; i < len; i++) {
    size_t bit = (len - 1 - i) * 8; /* position of this byte from the least significant */
    out->w[bit / 64] |= (uint64_t)be[i] << (bit % 64);
  }
  return VC_OK;
}

void vc_u256_to_be(const vc_u256 *a, uint8_t out[32]) {
  for (size_t i = 0; i < 32; i++) {
    size_t bit = (31 - i) * 8;
    out[i] = (uint8_t)(a->w[bit / 64] >> (bit % 64));
  }
}

size_t vc_u256_to_be_min(const vc_u256 *a, uint8_t out[32]) {
  uint8_t full[32];
  vc_u256_to_be(a, full);
  size_t i = 0;
  while (i < 32 && full[i] == 0) i++;
  memcpy(out, full + i, 32 - i);
  return 32 - i;
}

void vc_u256_from_u64(vc_u256 *out, uint64_t v) {
  memset(out, 0, sizeof *out);
  out->w[0] = v;
}

bool vc_u256_is_zero(const vc_u256 *a) {
  return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}

int vc_u256_cmp(const vc_u256 *a, const vc_u256 *b) {
  for (int i = 3; i >= 0; i--) {
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  }
  return 0;
}

bool vc_u256_add(vc_u256 *out, const vc_u256 *a, const vc_u256 *b) {
  uint64_t carry = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t s = a->w[i] + carry;
    uint64_t c1 = s < carry;
    uint64_t r = s + b->w[i];
    uint64_t c2 = r < s;
    out->w[i] = r;
    carry = c1 | c2;
  }
  return carry != 0;
}

bool vc_u256_sub(vc_u256 *out, const vc_u256 *a, const vc_u256 *b) {
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t ai = a->w[i], bi = b->w[i];
    uint64_t d = ai - bi;
    uint64_t b1 = ai < bi;
    uint64_t r = d - borrow;
    uint64_t b2 = d < borrow;
    out->w[i] = r;
    borrow = b1 | b2;
  }
  return borrow != 0;
}

vc_status vc_u256_from_quantity(vc_u256 *out, const char *s, size_t slen) {
  uint8_t be[32];
  size_t n = 0;
  vc_status st = vc_hex_quantity(s, slen, be, &n);
  if (st != VC_OK) return st;
  return vc_u256_from_be(out, be, n);
}

size_t vc_u256_to_quantity(const vc_u256 *a, char out[67]) {
  uint8_t be[32];
  vc_u256_to_be(a, be);
  return vc_hex_encode_quantity(be, 32, out);
}

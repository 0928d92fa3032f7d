/*
 * hex.c: strict DATA / QUANTITY hex codecs for JSON-RPC values (see hex.h).
 *
 * A 256-entry table maps characters to nibble values, so the decoders are one table
 * lookup per character and never call locale-dependent ctype.
 */
#include "core/hex.h"

#include <string.h>

/* Character -> nibble value; X (0x10) marks "not a hex digit". Decoding ORs every looked
 * up value into one accumulator and checks bit 4 once at the end: no per-character branch. */
#define X 0x10
static const uint8_t nibble_of[256] = {
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, X, X, X, X, X, X,
    X, 10, 11, 12, 13, 14, 15, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, 10, 11, 12, 13, 14, 15, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
    X, X, X, X, X, X, X, X, X, X, X, X, X, X, X, X,
};
#undef X

static inline uint8_t nib(char c) {
  return nibble_of[(uint8_t)c];
}

static const char digits[] = "0123456789abcdef";

static bool has_prefix(const char *s, size_t slen) {
  return s && slen >= 2 && s[0] == '0' && s[1] == 'x';
}

vc_status vc_hex_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *out_len) {
  if (!has_prefix(s, slen)) return VC_ERR_INPUT;
  const char *d = s + 2;
  size_t nd = slen - 2;
  if (nd % 2) return VC_ERR_INPUT;
  if (nd / 2 > cap) return VC_ERR_LIMIT;
  uint8_t bad = 0;
  for (size_t i = 0; i < nd / 2; i++) {
    uint8_t hi = nib(d[2 * i]), lo = nib(d[2 * i + 1]);
    bad |= hi | lo;
    out[i] = (uint8_t)(hi << 4 | lo);
  }
  if (bad & 0x10) return VC_ERR_INPUT; /* out holds garbage; callers discard it on error */
  if (out_len) *out_len = nd / 2;
  return VC_OK;
}

vc_status vc_hex_decode_fixed(const char *s, size_t slen, uint8_t *out, size_t n) {
  if (!has_prefix(s, slen) || slen != 2 + 2 * n) return VC_ERR_INPUT;
  size_t got = 0;
  return vc_hex_decode(s, slen, out, n, &got);
}

vc_status vc_hex_quantity(const char *s, size_t slen, uint8_t out[32], size_t *out_len) {
  if (!has_prefix(s, slen) || slen == 2) return VC_ERR_INPUT;
  const char *d = s + 2;
  size_t nd = slen - 2;
  if (d[0] == '0') {
    if (nd != 1) return VC_ERR_INPUT; /* leading zero digit */
    *out_len = 0;
    return VC_OK;
  }
  if (nd > 64) return VC_ERR_LIMIT;
  size_t nbytes = (nd + 1) / 2;
  size_t di = 0;
  for (size_t i = 0; i < nbytes; i++) {
    uint8_t v = 0;
    /* an odd digit count puts a single digit in the first byte */
    size_t take = (i == 0 && nd % 2) ? 1 : 2;
    for (size_t k = 0; k < take; k++) {
      uint8_t x = nib(d[di++]);
      if (x & 0x10) return VC_ERR_INPUT;
      v = (uint8_t)(v << 4 | x);
    }
    out[i] = v;
  }
  *out_len = nbytes;
  return VC_OK;
}

vc_status vc_hex_quantity_u64(const char *s, size_t slen, uint64_t *out) {
  uint8_t be[32];
  size_t n = 0;
  vc_status st = vc_hex_quantity(s, slen, be, &n);
  if (st != VC_OK) return st;
  if (n > 8) return VC_ERR_LIMIT;
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) v = v << 8 | be[i];
  *out = v;
  return VC_OK;
}

size_t vc_hex_encode(const uint8_t *in, size_t len, char *out) {
  out[0] = '0';
  out[1] = 'x';
  for (size_t i = 0; i < len; i++) {
    out[2 + 2 * i] = digits[in[i] >> 4];
    out[3 + 2 * i] = digits[in[i] & 15];
  }
  out[2 + 2 * len] = 0;
  return 2 + 2 * len;
}

size_t vc_hex_encode_quantity(const uint8_t *be, size_t len, char *out) {
  size_t i = 0;
  while (i < len && be[i] == 0) i++;
  size_t o = 0;
  out[o++] = '0';
  out[o++] = 'x';
  if (i == len) {
    out[o++] = '0';
    out[o] = 0;
    return o;
  }
  if (be[i] >> 4) out[o++] = digits[be[i] >> 4];
  out[o++] = digits[be[i] & 15];
  for (i++; i < len; i++) {
    out[o++] = digits[be[i] >> 4];
    out[o++] = digits[be[i] & 15];
  }
  out[o] = 0;
  return o;
}

/*
 * evm_word.h: the EVM's 256-bit word, fast paths inline.
 *
 * The word is the core's vc_u256 (four little-endian 64-bit limbs), so values cross
 * between the EVM and the rest of libverity-core without conversion. u256.{h,c} stays
 * the small, overflow-reporting API the verifiers use; the EVM needs wrapping arithmetic
 * at interpreter speed, so the operations live here as static inline functions (add,
 * sub, mul with unsigned __int128 limbs, shifts, comparisons, byte access) and the slow
 * ones (division, modular arithmetic with 512-bit intermediates, exp) in evm_word.c.
 * Plain values: no allocation, no state. Callers: the interpreter and the tx layer.
 */
#ifndef EVM_WORD_H
#define EVM_WORD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/u256.h"

typedef vc_u256 evm_word;
typedef unsigned __int128 evm_u128;

/* Word copy as four 64-bit moves: every other write to a stack word is 64-bit wide, and
 * a 128-bit load of a word written that way stalls on store forwarding. */
static inline void w_copy(evm_word *d, const evm_word *s) {
  uint64_t a = s->w[0], b = s->w[1], c = s->w[2], e = s->w[3];
  d->w[0] = a;
  d->w[1] = b;
  d->w[2] = c;
  d->w[3] = e;
}

static inline void w_zero(evm_word *r) { r->w[0] = r->w[1] = r->w[2] = r->w[3] = 0; }
static inline void w_u64(evm_word *r, uint64_t v) {
  r->w[0] = v;
  r->w[1] = r->w[2] = r->w[3] = 0;
}
static inline bool w_is_zero(const evm_word *a) {
  return (a->w[0] | a->w[1] | a->w[2] | a->w[3]) == 0;
}
static inline bool w_eq(const evm_word *a, const evm_word *b) {
  return ((a->w[0] ^ b->w[0]) | (a->w[1] ^ b->w[1]) | (a->w[2] ^ b->w[2]) |
          (a->w[3] ^ b->w[3])) == 0;
}
/* true when a fits 64 bits */
static inline bool w_fits64(const evm_word *a) { return (a->w[1] | a->w[2] | a->w[3]) == 0; }

static inline bool w_lt(const evm_word *a, const evm_word *b) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i];
  return false;
}
static inline bool w_slt(const evm_word *a, const evm_word *b) {
  bool an = a->w[3] >> 63, bn = b->w[3] >> 63;
  if (an != bn) return an;
  return w_lt(a, b);
}

static inline void w_add(evm_word *r, const evm_word *a, const evm_word *b) {
  uint64_t c = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t s = a->w[i] + c;
    c = s < c;
    uint64_t t = s + b->w[i];
    c += t < s;
    r->w[i] = t;
  }
}
static inline void w_sub(evm_word *r, const evm_word *a, const evm_word *b) {
  uint64_t br = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t ai = a->w[i], bi = b->w[i];
    uint64_t d = ai - bi;
    uint64_t b1 = ai < bi;
    uint64_t d2 = d - br;
    uint64_t b2 = d < br;
    r->w[i] = d2;
    br = b1 | b2;
  }
}
static inline void w_mul(evm_word *r, const evm_word *a, const evm_word *b) {
  uint64_t a0 = a->w[0], a1 = a->w[1], a2 = a->w[2], a3 = a->w[3];
  uint64_t b0 = b->w[0], b1 = b->w[1], b2 = b->w[2], b3 = b->w[3];
  evm_u128 t;
  if ((a1 | a2 | a3 | b1 | b2 | b3) == 0) { /* the common case: two 64-bit operands */
    t = (evm_u128)a0 * b0;
    r->w[0] = (uint64_t)t;
    r->w[1] = (uint64_t)(t >> 64);
    r->w[2] = r->w[3] = 0;
    return;
  }
  /* schoolbook, low 256 bits only: each step's sum fits 128 bits */
  uint64_t r0, r1, r2, r3, c;
  t = (evm_u128)a0 * b0;
  r0 = (uint64_t)t;
  c = (uint64_t)(t >> 64);
  t = (evm_u128)a0 * b1 + c;
  r1 = (uint64_t)t;
  c = (uint64_t)(t >> 64);
  t = (evm_u128)a0 * b2 + c;
  r2 = (uint64_t)t;
  c = (uint64_t)(t >> 64);
  r3 = a0 * b3 + c;
  t = (evm_u128)a1 * b0 + r1;
  r1 = (uint64_t)t;
  c = (uint64_t)(t >> 64);
  t = (evm_u128)a1 * b1 + r2 + c;
  r2 = (uint64_t)t;
  c = (uint64_t)(t >> 64);
  r3 += a1 * b2 + c;
  t = (evm_u128)a2 * b0 + r2;
  r2 = (uint64_t)t;
  c = (uint64_t)(t >> 64);
  r3 += a2 * b1 + c + a3 * b0;
  r->w[0] = r0;
  r->w[1] = r1;
  r->w[2] = r2;
  r->w[3] = r3;
}
static inline void w_neg(evm_word *r, const evm_word *a) {
  evm_word z;
  w_zero(&z);
  w_sub(r, &z, a);
}
static inline bool w_is_neg(const evm_word *a) { return a->w[3] >> 63; }

static inline void w_not(evm_word *r, const evm_word *a) {
  for (int i = 0; i < 4; i++) r->w[i] = ~a->w[i];
}

/* r = a << n (n < 256) */
static inline void w_shl(evm_word *r, const evm_word *a, unsigned n) {
  evm_word t;
  unsigned limbs = n / 64, bits = n % 64;
  for (int i = 3; i >= 0; i--) {
    int src = i - (int)limbs;
    uint64_t v = src >= 0 ? a->w[src] << bits : 0;
    if (bits && src - 1 >= 0) v |= a->w[src - 1] >> (64 - bits);
    t.w[i] = v;
  }
  w_copy(r, &t);
}
/* r = a >> n (n < 256), logical */
static inline void w_shr(evm_word *r, const evm_word *a, unsigned n) {
  evm_word t;
  unsigned limbs = n / 64, bits = n % 64;
  for (int i = 0; i < 4; i++) {
    unsigned src = (unsigned)i + limbs;
    uint64_t v = src < 4 ? a->w[src] >> bits : 0;
    if (bits && src + 1 < 4) v |= a->w[src + 1] << (64 - bits);
    t.w[i] = v;
  }
  w_copy(r, &t);
}

/* r = x >> shift, arithmetic (SAR: shift is the top of the stack) */
static inline void w_sar(evm_word *r, const evm_word *shift, const evm_word *x) {
  uint64_t fill = (uint64_t)((int64_t)x->w[3] >> 63);
  if (!w_fits64(shift) || shift->w[0] >= 256) {
    r->w[0] = r->w[1] = r->w[2] = r->w[3] = fill;
    return;
  }
  unsigned n = (unsigned)shift->w[0];
  if (!fill) return w_shr(r, x, n);
  evm_word t;
  t.w[0] = ~x->w[0];
  t.w[1] = ~x->w[1];
  t.w[2] = ~x->w[2];
  t.w[3] = ~x->w[3];
  w_shr(&t, &t, n);
  r->w[0] = ~t.w[0];
  r->w[1] = ~t.w[1];
  r->w[2] = ~t.w[2];
  r->w[3] = ~t.w[3];
}

/* Leading zero bits (256 for zero): EIP-7939 CLZ. */
static inline unsigned w_clz(const evm_word *a) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i]) return (unsigned)(3 - i) * 64 + (unsigned)__builtin_clzll(a->w[i]);
  return 256;
}

/* Big-endian bytes (n <= 32) into a word. */
static inline void w_from_be(evm_word *r, const uint8_t *p, size_t n) {
  w_zero(r);
  for (size_t i = 0; i < n; i++) {
    size_t bit = (n - 1 - i) * 8;
    r->w[bit / 64] |= (uint64_t)p[i] << (bit % 64);
  }
}
/* The word as 32 big-endian bytes. */
static inline void w_to_be(const evm_word *a, uint8_t out[32]) {
  for (int i = 0; i < 4; i++) {
    uint64_t v = a->w[3 - i];
    for (int j = 0; j < 8; j++) out[i * 8 + j] = (uint8_t)(v >> (56 - 8 * j));
  }
}
/* 32 big-endian bytes into a word. */
static inline void w_from_be32(evm_word *r, const uint8_t p[32]) {
  for (int i = 0; i < 4; i++) {
    uint64_t v = 0;
    for (int j = 0; j < 8; j++) v = (v << 8) | p[i * 8 + j];
    r->w[3 - i] = v;
  }
}
/* 20-byte address <-> word (low 160 bits). */
static inline void w_from_addr(evm_word *r, const uint8_t a[20]) { w_from_be(r, a, 20); }
static inline void w_to_addr(const evm_word *a, uint8_t out[20]) {
  uint8_t be[32];
  w_to_be(a, be);
  memcpy(out, be + 12, 20);
}

/* --- evm_word.c: the slow paths --- */
void w_div(evm_word *q, const evm_word *a, const evm_word *b);  /* b == 0 -> 0 */
void w_mod(evm_word *r, const evm_word *a, const evm_word *b);  /* b == 0 -> 0 */
void w_sdiv(evm_word *q, const evm_word *a, const evm_word *b);
void w_smod(evm_word *r, const evm_word *a, const evm_word *b);
void w_addmod(evm_word *r, const evm_word *a, const evm_word *b, const evm_word *m);
void w_mulmod(evm_word *r, const evm_word *a, const evm_word *b, const evm_word *m);
void w_exp(evm_word *r, const evm_word *base, const evm_word *e);
void w_signextend(evm_word *r, const evm_word *k, const evm_word *x);
void w_byte(evm_word *r, const evm_word *i, const evm_word *x);
/* Significant bytes of a (0 for zero): EXP's per-byte gas. */
unsigned w_byte_len(const evm_word *a);

#endif

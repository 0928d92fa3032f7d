/*
 * bls_fp.c: arithmetic in Fp and Fp2 = Fp[u]/(u^2 + 1) for the BLS12-381 backend:
 * conversion to and from the 48-byte big-endian encoding, exponentiation, inversion
 * (Fermat), square roots (p = 3 mod 4 in Fp; the norm-based complex method in Fp2)
 * and the sign conventions of the ZCash encoding and of RFC 9380 (sgn0).
 * Called by the curve, pairing and hash-to-curve files of src/core/bls/ only.
 */
#include "core/bls/bls_field.h"

#include <string.h>

/* Leaves Montgomery form: returns the canonical integer a R^-1 mod p. */
static void fp_to_plain(bls_fp *r, const bls_fp *a) {
  bls_fp one_plain = {{1, 0, 0, 0, 0, 0}};
  bls_fp_mul(r, a, &one_plain);
}

void bls_fp_from_u64(bls_fp *r, uint64_t v) {
  bls_fp t = {{v, 0, 0, 0, 0, 0}};
  bls_fp_mul(r, &t, &bls_fp_r2);
}

bool bls_fp_from_be48(bls_fp *r, const uint8_t in[BLS_FP_BYTES]) {
  bls_fp t;
  for (int i = 0; i < 6; i++) {
    uint64_t w = 0;
    for (int k = 0; k < 8; k++) w = (w << 8) | in[(5 - i) * 8 + k];
    t.l[i] = w;
  }
  for (int i = 5; i >= 0; i--) { /* canonical: strictly below p */
    if (t.l[i] < bls_fp_p.l[i]) break;
    if (t.l[i] > bls_fp_p.l[i] || i == 0) return false;
  }
  bls_fp_mul(r, &t, &bls_fp_r2);
  return true;
}

void bls_fp_to_be48(uint8_t out[BLS_FP_BYTES], const bls_fp *a) {
  bls_fp t;
  fp_to_plain(&t, a);
  for (int i = 0; i < 6; i++)
    for (int k = 0; k < 8; k++) out[(5 - i) * 8 + k] = (uint8_t)(t.l[i] >> (56 - 8 * k));
}

void bls_fp_from_be_reduce(bls_fp *r, const uint8_t *in, size_t len) {
  bls_fp acc = {{0, 0, 0, 0, 0, 0}}, base, w;
  bls_fp_from_u64(&base, (uint64_t)1 << 32);
  bls_fp_sqr(&base, &base); /* 2^64 in Montgomery form */
  size_t head = len % 8;
  size_t pos = 0;
  if (head) {
    uint64_t v = 0;
    for (; pos < head; pos++) v = (v << 8) | in[pos];
    bls_fp_from_u64(&acc, v);
  }
  for (; pos < len; pos += 8) {
    uint64_t v = 0;
    for (int k = 0; k < 8; k++) v = (v << 8) | in[pos + (size_t)k];
    bls_fp_mul(&acc, &acc, &base);
    bls_fp_from_u64(&w, v);
    bls_fp_add(&acc, &acc, &w);
  }
  *r = acc;
}

/* Fixed 4-bit windows over a 384-bit exponent: 380 squarings and at most 96 products. */
void bls_fp_pow(bls_fp *r, const bls_fp *a, const bls_fp *exp_plain) {
  bls_fp table[16], acc = bls_fp_one;
  table[0] = bls_fp_one;
  table[1] = *a;
  for (int i = 2; i < 16; i++) bls_fp_mul(&table[i], &table[i - 1], a);
  bool started = false;
  for (int w = 95; w >= 0; w--) {
    unsigned nib = (unsigned)(exp_plain->l[w / 16] >> (4 * (w % 16))) & 0xf;
    if (started)
      for (int k = 0; k < 4; k++) bls_fp_sqr(&acc, &acc);
    if (nib) {
      bls_fp_mul(&acc, &acc, &table[nib]);
      started = true;
    }
  }
  *r = acc;
}

void bls_fp_inv(bls_fp *r, const bls_fp *a) { bls_fp_pow(r, a, &bls_exp_p_minus_2); }

bool bls_fp_sqrt(bls_fp *r, const bls_fp *a) {
  bls_fp s, chk;
  bls_fp_pow(&s, a, &bls_exp_p_plus_1_div_4);
  bls_fp_sqr(&chk, &s);
  *r = s;
  return bls_fp_eq(&chk, a);
}

bool bls_fp_is_lex_largest(const bls_fp *a) {
  bls_fp t;
  fp_to_plain(&t, a);
  for (int i = 5; i >= 0; i--) {
    if (t.l[i] != bls_exp_p_minus_1_div_2.l[i]) return t.l[i] > bls_exp_p_minus_1_div_2.l[i];
  }
  return false;
}

int bls_fp_sgn0(const bls_fp *a) {
  bls_fp t;
  fp_to_plain(&t, a);
  return (int)(t.l[0] & 1);
}

/* ---------------- Fp2 ---------------- */

void bls_fp2_conj(bls_fp2 *r, const bls_fp2 *a) {
  r->c0 = a->c0;
  bls_fp_neg(&r->c1, &a->c1);
}

/* Karatsuba: 3 Fp products. */
void bls_fp2_mul(bls_fp2 *r, const bls_fp2 *a, const bls_fp2 *b) {
  bls_fp t0, t1, s0, s1;
  bls_fp_mul(&t0, &a->c0, &b->c0);
  bls_fp_mul(&t1, &a->c1, &b->c1);
  bls_fp_add(&s0, &a->c0, &a->c1);
  bls_fp_add(&s1, &b->c0, &b->c1);
  bls_fp_mul(&s0, &s0, &s1);
  bls_fp_sub(&s0, &s0, &t0);
  bls_fp_sub(&r->c1, &s0, &t1);
  bls_fp_sub(&r->c0, &t0, &t1);
}

/* (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u */
void bls_fp2_sqr(bls_fp2 *r, const bls_fp2 *a) {
  bls_fp s, d, m;
  bls_fp_add(&s, &a->c0, &a->c1);
  bls_fp_sub(&d, &a->c0, &a->c1);
  bls_fp_mul(&m, &a->c0, &a->c1);
  bls_fp_mul(&r->c0, &s, &d);
  bls_fp_add(&r->c1, &m, &m);
}

void bls_fp2_mul_fp(bls_fp2 *r, const bls_fp2 *a, const bls_fp *b) {
  bls_fp_mul(&r->c0, &a->c0, b);
  bls_fp_mul(&r->c1, &a->c1, b);
}

void bls_fp2_inv(bls_fp2 *r, const bls_fp2 *a) {
  bls_fp n, t;
  bls_fp_sqr(&n, &a->c0);
  bls_fp_sqr(&t, &a->c1);
  bls_fp_add(&n, &n, &t);
  bls_fp_inv(&n, &n);
  bls_fp_mul(&r->c0, &a->c0, &n);
  bls_fp_mul(&t, &a->c1, &n);
  bls_fp_neg(&r->c1, &t);
}

/* a / 2: halving commutes with the Montgomery factor, so work on the limbs. */
static void fp_half(bls_fp *r, const bls_fp *a) {
  uint64_t t[6], c = 0, odd = 0 - (a->l[0] & 1);
  t[0] = bls_adc(a->l[0], BLS_P0 & odd, &c);
  t[1] = bls_adc(a->l[1], BLS_P1 & odd, &c);
  t[2] = bls_adc(a->l[2], BLS_P2 & odd, &c);
  t[3] = bls_adc(a->l[3], BLS_P3 & odd, &c);
  t[4] = bls_adc(a->l[4], BLS_P4 & odd, &c);
  t[5] = bls_adc(a->l[5], BLS_P5 & odd, &c); /* a + p < 2^382: no carry */
  for (int i = 0; i < 5; i++) r->l[i] = (t[i] >> 1) | (t[i + 1] << 63);
  r->l[5] = t[5] >> 1;
}

/* For t a square: x = sqrt(t) and xinv = 1/x from one exponentiation,
 * y = t^((p - 3) / 4), x = t y, 1/x = y. Returns false when t is not a square. */
static bool fp_sqrt_and_inv(bls_fp *x, bls_fp *xinv, const bls_fp *t) {
  bls_fp y, chk;
  bls_fp_pow(&y, t, &bls_exp_p_minus_3_div_4);
  bls_fp_mul(x, t, &y);
  bls_fp_sqr(&chk, x);
  *xinv = y;
  return bls_fp_eq(&chk, t);
}

/* The "complex method": with n = a0^2 + a1^2 (a square in Fp exactly when a is a
 * square in Fp2) and s = sqrt(n), one of (a0 +- s) / 2 is a square t, and
 * sqrt(a) = sqrt(t) + a1 / (2 sqrt(t)) u. Two or three Fp exponentiations. */
bool bls_fp2_sqrt(bls_fp2 *r, const bls_fp2 *a) {
  bls_fp n, t, s, x0, x0inv;
  if (bls_fp_is_zero(&a->c1)) { /* a in Fp: sqrt(a0) or sqrt(-a0) u (-1 is not a square in Fp) */
    bls_fp neg;
    if (bls_fp_sqrt(&r->c0, &a->c0)) {
      memset(&r->c1, 0, sizeof r->c1);
      return true;
    }
    bls_fp_neg(&neg, &a->c0);
    memset(&r->c0, 0, sizeof r->c0);
    return bls_fp_sqrt(&r->c1, &neg);
  }
  bls_fp_sqr(&n, &a->c0);
  bls_fp_sqr(&t, &a->c1);
  bls_fp_add(&n, &n, &t);
  if (!bls_fp_sqrt(&s, &n)) return false;
  bls_fp_add(&t, &a->c0, &s);
  fp_half(&t, &t);
  if (!fp_sqrt_and_inv(&x0, &x0inv, &t)) {
    bls_fp_sub(&t, &a->c0, &s);
    fp_half(&t, &t);
    if (!fp_sqrt_and_inv(&x0, &x0inv, &t)) return false;
  }
  bls_fp x1;
  bls_fp_mul(&x1, &a->c1, &x0inv);
  fp_half(&x1, &x1);
  bls_fp2 x = {x0, x1}, chk;
  bls_fp2_sqr(&chk, &x);
  *r = x;
  return bls_fp2_eq(&chk, a);
}

bool bls_fp2_is_zero(const bls_fp2 *a) { return bls_fp_is_zero(&a->c0) && bls_fp_is_zero(&a->c1); }

bool bls_fp2_eq(const bls_fp2 *a, const bls_fp2 *b) {
  return bls_fp_eq(&a->c0, &b->c0) && bls_fp_eq(&a->c1, &b->c1);
}

void bls_fp2_set_one(bls_fp2 *r) {
  r->c0 = bls_fp_one;
  memset(&r->c1, 0, sizeof r->c1);
}

/* ZCash encoding: compare the imaginary part first, the real part when it is zero. */
bool bls_fp2_is_lex_largest(const bls_fp2 *a) {
  if (!bls_fp_is_zero(&a->c1)) return bls_fp_is_lex_largest(&a->c1);
  return bls_fp_is_lex_largest(&a->c0);
}

/* RFC 9380 section 4.1, m = 2. */
int bls_fp2_sgn0(const bls_fp2 *a) {
  int sign0 = bls_fp_sgn0(&a->c0);
  int zero0 = bls_fp_is_zero(&a->c0);
  int sign1 = bls_fp_sgn0(&a->c1);
  return sign0 | (zero0 & sign1);
}

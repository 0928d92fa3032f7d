/*
 * bn254_fp.c: arithmetic in Fp and Fp2 = Fp[u]/(u^2 + 1) for the in-tree BN254
 * precompiles: conversion to and from the 32-byte big-endian EVM encoding,
 * exponentiation, inversion (binary extended Euclid; Fermat's a^(p-2) is the test's
 * reference), and the Fp2 products (Karatsuba).
 * Called by the other bn254_*.c files and pc_bn254.c; values are caller-owned.
 */
#include "core/evm/bn254.h"

#include <string.h>

/* Leaves Montgomery form: returns the canonical integer a R^-1 mod p. */
static void fp_to_plain(bn_fp *r, const bn_fp *a) {
  bn_fp one_plain = {{1, 0, 0, 0}};
  bn_fp_mul(r, a, &one_plain);
}

void bn_fp_from_u64(bn_fp *r, uint64_t v) {
  bn_fp t = {{v, 0, 0, 0}};
  bn_fp_mul(r, &t, &bn_fp_r2);
}

void bn_fp_from_plain(bn_fp *r, const bn_fp *plain) { bn_fp_mul(r, plain, &bn_fp_r2); }

bool bn_fp_from_be32(bn_fp *r, const uint8_t in[BN_FP_BYTES]) {
  bn_fp t;
  for (int i = 0; i < 4; i++) {
    uint64_t w = 0;
    for (int k = 0; k < 8; k++) w = (w << 8) | in[(3 - i) * 8 + k];
    t.l[i] = w;
  }
  for (int i = 3; i >= 0; i--) { /* canonical: strictly below p */
    if (t.l[i] < bn_fp_p.l[i]) break;
    if (t.l[i] > bn_fp_p.l[i] || i == 0) return false;
  }
  bn_fp_mul(r, &t, &bn_fp_r2);
  return true;
}

void bn_fp_to_be32(uint8_t out[BN_FP_BYTES], const bn_fp *a) {
  bn_fp t;
  fp_to_plain(&t, a);
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 8; k++) out[(3 - i) * 8 + k] = (uint8_t)(t.l[i] >> (56 - 8 * k));
}

/* Fixed 4-bit windows over a 256-bit exponent: 252 squarings and at most 64 products. */
void bn_fp_pow(bn_fp *r, const bn_fp *a, const bn_fp *exp_plain) {
  bn_fp table[16], acc = bn_fp_one;
  table[0] = bn_fp_one;
  table[1] = *a;
  for (int i = 2; i < 16; i++) bn_fp_mul(&table[i], &table[i - 1], a);
  bool started = false;
  for (int w = 63; w >= 0; w--) {
    unsigned nib = (unsigned)(exp_plain->l[w / 16] >> (4 * (w % 16))) & 0xf;
    if (started)
      for (int k = 0; k < 4; k++) bn_fp_sqr(&acc, &acc);
    if (nib) {
      bn_fp_mul(&acc, &acc, &table[nib]);
      started = true;
    }
  }
  *r = acc;
}

/* ---- inversion: binary extended Euclid on plain integers (variable time) ---- */

static bool u256_is_even(const bn_fp *a) { return (a->l[0] & 1) == 0; }

static bool u256_is_one(const bn_fp *a) {
  return a->l[0] == 1 && (a->l[1] | a->l[2] | a->l[3]) == 0;
}

static bool u256_geq(const bn_fp *a, const bn_fp *b) {
  for (int i = 3; i >= 0; i--)
    if (a->l[i] != b->l[i]) return a->l[i] > b->l[i];
  return true;
}

static void u256_sub(bn_fp *r, const bn_fp *a, const bn_fp *b) {
  uint64_t br = 0;
  for (int i = 0; i < 4; i++) r->l[i] = bn_sbb(a->l[i], b->l[i], &br);
}

static void u256_shr1(bn_fp *a) {
  for (int i = 0; i < 3; i++) a->l[i] = (a->l[i] >> 1) | (a->l[i + 1] << 63);
  a->l[3] >>= 1;
}

/* x / 2 mod p for x < p: (x + p) / 2 when x is odd (x + p < 2^255, no carry out). */
static void half_mod_p(bn_fp *x) {
  if (!u256_is_even(x)) {
    uint64_t c = 0;
    for (int i = 0; i < 4; i++) x->l[i] = bn_adc(x->l[i], bn_fp_p.l[i], &c);
  }
  u256_shr1(x);
}

/* Halves u while it is even, keeping u = a x mod p. */
static void strip_twos(bn_fp *u, bn_fp *x) {
  while (u256_is_even(u)) {
    u256_shr1(u);
    half_mod_p(x);
  }
}

/* a is a Montgomery value aR. The Euclid loop keeps u = (aR) x1 and v = (aR) x2 mod p
 * and ends with one of them 1, so y = (aR)^-1 = a^-1 R^-1; the Montgomery product of
 * y with R^3 (= mont(R^2, R^2)) is a^-1 R, the inverse in Montgomery form. About four
 * times faster than Fermat's a^(p - 2). Zero maps to zero. */
void bn_fp_inv(bn_fp *r, const bn_fp *a) {
  if (bn_fp_is_zero(a)) {
    *r = *a;
    return;
  }
  bn_fp u = *a, v = bn_fp_p, x1 = {{1, 0, 0, 0}}, x2 = {{0, 0, 0, 0}}, r3;
  while (!u256_is_one(&u) && !u256_is_one(&v)) {
    if (bn_fp_is_zero(&u) || bn_fp_is_zero(&v)) { /* only for a >= p, never canonical */
      memset(r, 0, sizeof *r);
      return;
    }
    strip_twos(&u, &x1);
    strip_twos(&v, &x2);
    if (u256_geq(&u, &v)) {
      u256_sub(&u, &u, &v);
      bn_fp_sub(&x1, &x1, &x2); /* plain values below p: the modular subtraction works */
    } else {
      u256_sub(&v, &v, &u);
      bn_fp_sub(&x2, &x2, &x1);
    }
  }
  bn_fp_mul(&r3, &bn_fp_r2, &bn_fp_r2);
  bn_fp_mul(r, u256_is_one(&u) ? &x1 : &x2, &r3);
}

/* ---------------- Fp2 ---------------- */

void bn_fp2_set_one(bn_fp2 *r) {
  r->c0 = bn_fp_one;
  memset(&r->c1, 0, sizeof r->c1);
}

void bn_fp2_conj(bn_fp2 *r, const bn_fp2 *a) {
  r->c0 = a->c0;
  bn_fp_neg(&r->c1, &a->c1);
}

/* (a0 + a1 u)(b0 + b1 u) = (a0 b0 - a1 b1) + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) u */
void bn_fp2_mul(bn_fp2 *r, const bn_fp2 *a, const bn_fp2 *b) {
  bn_fp t0, t1, s, u;
  bn_fp_mul(&t0, &a->c0, &b->c0);
  bn_fp_mul(&t1, &a->c1, &b->c1);
  bn_fp_add(&s, &a->c0, &a->c1);
  bn_fp_add(&u, &b->c0, &b->c1);
  bn_fp_mul(&s, &s, &u);
  bn_fp_sub(&s, &s, &t0);
  bn_fp_sub(&r->c1, &s, &t1);
  bn_fp_sub(&r->c0, &t0, &t1);
}

/* (a0 + a1 u)^2 = (a0 + a1)(a0 - a1) + 2 a0 a1 u */
void bn_fp2_sqr(bn_fp2 *r, const bn_fp2 *a) {
  bn_fp s, d, m;
  bn_fp_add(&s, &a->c0, &a->c1);
  bn_fp_sub(&d, &a->c0, &a->c1);
  bn_fp_mul(&m, &a->c0, &a->c1);
  bn_fp_mul(&r->c0, &s, &d);
  bn_fp_dbl(&r->c1, &m);
}

void bn_fp2_mul_fp(bn_fp2 *r, const bn_fp2 *a, const bn_fp *b) {
  bn_fp_mul(&r->c0, &a->c0, b);
  bn_fp_mul(&r->c1, &a->c1, b);
}

/* (a0 + a1 u)(9 + u) = (9 a0 - a1) + (a0 + 9 a1) u, 9 a = 8 a + a by doublings */
void bn_fp2_mul_xi(bn_fp2 *r, const bn_fp2 *a) {
  bn_fp n0, n1;
  bn_fp_dbl(&n0, &a->c0);
  bn_fp_dbl(&n0, &n0);
  bn_fp_dbl(&n0, &n0);
  bn_fp_add(&n0, &n0, &a->c0);
  bn_fp_dbl(&n1, &a->c1);
  bn_fp_dbl(&n1, &n1);
  bn_fp_dbl(&n1, &n1);
  bn_fp_add(&n1, &n1, &a->c1);
  bn_fp_sub(&n0, &n0, &a->c1);
  bn_fp_add(&r->c1, &n1, &a->c0);
  r->c0 = n0;
}

/* (a0 + a1 u)^-1 = (a0 - a1 u) / (a0^2 + a1^2) */
void bn_fp2_inv(bn_fp2 *r, const bn_fp2 *a) {
  bn_fp n, t;
  bn_fp_sqr(&n, &a->c0);
  bn_fp_sqr(&t, &a->c1);
  bn_fp_add(&n, &n, &t);
  bn_fp_inv(&n, &n);
  bn_fp_mul(&r->c0, &a->c0, &n);
  bn_fp_mul(&t, &a->c1, &n);
  bn_fp_neg(&r->c1, &t);
}

/*
 * bn254_fp.c: arithmetic in Fp and Fp2 = Fp[u]/(u^2 + 1) for the in-tree BN254
 * precompiles: conversion to and from the 32-byte big-endian EVM encoding,
 * exponentiation, inversion (GMP's mpn extended gcd; Fermat's a^(p-2) is the test's
 * reference), and the Fp2 products (Karatsuba).
 * Called by the other bn254_*.c files and pc_bn254.c; values are caller-owned.
 */
#include "core/evm/bn254.h"

#include <gmp.h>
#include <string.h>

_Static_assert(GMP_LIMB_BITS == 64 && sizeof(mp_limb_t) == sizeof(uint64_t),
               "bn254_fp.c hands 64-bit limbs to GMP's mpn functions");

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

/* a is a Montgomery value aR, 0 < aR < p. GMP's extended gcd of U = aR + p and V = p
 * (it wants U >= V; U = aR mod p) gives S with U S + V T = 1, so y = S mod p is
 * (aR)^-1 = a^-1 R^-1, and the Montgomery product of y with R^3 (= mont(R^2, R^2)) is
 * a^-1 R, the inverse in Montgomery form. mpn_gcdext works on the caller's limbs and
 * small stack scratch (no heap); about five times faster than Fermat's a^(p - 2),
 * which the unit test compares it with. Zero (and anything without an inverse) maps
 * to zero. */
void bn_fp_inv(bn_fp *r, const bn_fp *a) {
  mp_limb_t u[5], v[5], g[5], s[5];
  mp_size_t sn = 0;
  bn_fp y = {{0, 0, 0, 0}}, r3;
  if (bn_fp_is_zero(a)) {
    *r = y;
    return;
  }
  memcpy(u, a->l, 4 * sizeof(mp_limb_t));
  memcpy(v, bn_fp_p.l, 4 * sizeof(mp_limb_t));
  (void)mpn_add_n(u, u, v, 4); /* < 2p < 2^255: no carry out */
  mp_size_t gn = mpn_gcdext(g, s, &sn, u, 4, v, 4);
  mp_size_t n = sn < 0 ? -sn : sn;
  if (gn != 1 || g[0] != 1 || n > 4) {
    *r = y;
    return;
  }
  memcpy(y.l, s, (size_t)n * sizeof(mp_limb_t));
  if (sn < 0) { /* S = -|S|: p - |S|, with |S| < p */
    mp_limb_t t[4];
    memcpy(t, y.l, sizeof t);
    memcpy(y.l, bn_fp_p.l, sizeof y.l);
    (void)mpn_sub_n((mp_limb_t *)y.l, (const mp_limb_t *)y.l, t, 4);
  }
  bn_fp_mul(&r3, &bn_fp_r2, &bn_fp_r2);
  bn_fp_mul(r, &y, &r3);
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

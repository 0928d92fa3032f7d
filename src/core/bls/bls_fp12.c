/*
 * bls_fp12.c: Fp6 = Fp2[v]/(v^3 - xi) and Fp12 = Fp6[w]/(w^2 - v), xi = 1 + u, the
 * towers in which the BLS12-381 pairing lives. Multiplication is Karatsuba at each
 * level; the Miller loop multiplies by sparse lines (mul_by_014) and the final
 * exponentiation squares in the cyclotomic subgroup (Granger-Scott). The Frobenius
 * map conjugates each Fp2 coefficient of w^k and scales it by xi^(k (p - 1) / 6).
 * Used by bls_pairing.c; values are caller-owned structs, aliasing allowed.
 */
#include "core/bls/bls_field.h"

#include <string.h>

/* ---------------- Fp6 ---------------- */

void bls_fp6_add(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b) {
  bls_fp2_add(&r->c0, &a->c0, &b->c0);
  bls_fp2_add(&r->c1, &a->c1, &b->c1);
  bls_fp2_add(&r->c2, &a->c2, &b->c2);
}

void bls_fp6_sub(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b) {
  bls_fp2_sub(&r->c0, &a->c0, &b->c0);
  bls_fp2_sub(&r->c1, &a->c1, &b->c1);
  bls_fp2_sub(&r->c2, &a->c2, &b->c2);
}

static void fp6_neg(bls_fp6 *r, const bls_fp6 *a) {
  bls_fp2_neg(&r->c0, &a->c0);
  bls_fp2_neg(&r->c1, &a->c1);
  bls_fp2_neg(&r->c2, &a->c2);
}

void bls_fp6_mul(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b) {
  bls_fp2 t0, t1, t2, s, u, c0, c1, c2;
  bls_fp2_mul(&t0, &a->c0, &b->c0);
  bls_fp2_mul(&t1, &a->c1, &b->c1);
  bls_fp2_mul(&t2, &a->c2, &b->c2);
  /* c0 = xi ((a1 + a2)(b1 + b2) - t1 - t2) + t0 */
  bls_fp2_add(&s, &a->c1, &a->c2);
  bls_fp2_add(&u, &b->c1, &b->c2);
  bls_fp2_mul(&s, &s, &u);
  bls_fp2_sub(&s, &s, &t1);
  bls_fp2_sub(&s, &s, &t2);
  bls_fp2_mul_xi(&s, &s);
  bls_fp2_add(&c0, &s, &t0);
  /* c1 = (a0 + a1)(b0 + b1) - t0 - t1 + xi t2 */
  bls_fp2_add(&s, &a->c0, &a->c1);
  bls_fp2_add(&u, &b->c0, &b->c1);
  bls_fp2_mul(&s, &s, &u);
  bls_fp2_sub(&s, &s, &t0);
  bls_fp2_sub(&s, &s, &t1);
  bls_fp2_mul_xi(&u, &t2);
  bls_fp2_add(&c1, &s, &u);
  /* c2 = (a0 + a2)(b0 + b2) - t0 - t2 + t1 */
  bls_fp2_add(&s, &a->c0, &a->c2);
  bls_fp2_add(&u, &b->c0, &b->c2);
  bls_fp2_mul(&s, &s, &u);
  bls_fp2_sub(&s, &s, &t0);
  bls_fp2_sub(&s, &s, &t2);
  bls_fp2_add(&c2, &s, &t1);
  r->c0 = c0;
  r->c1 = c1;
  r->c2 = c2;
}

/* (a0 + a1 v + a2 v^2) v = xi a2 + a0 v + a1 v^2 */
void bls_fp6_mul_by_v(bls_fp6 *r, const bls_fp6 *a) {
  bls_fp2 t;
  bls_fp2_mul_xi(&t, &a->c2);
  r->c2 = a->c1;
  r->c1 = a->c0;
  r->c0 = t;
}

/* a (b0 + b1 v) */
static void fp6_mul_by_01(bls_fp6 *r, const bls_fp6 *a, const bls_fp2 *b0, const bls_fp2 *b1) {
  bls_fp2 t0, t1, s, u, c0, c1, c2;
  bls_fp2_mul(&t0, &a->c0, b0);
  bls_fp2_mul(&t1, &a->c1, b1);
  /* c0 = xi a2 b1 + t0 */
  bls_fp2_mul(&s, &a->c2, b1);
  bls_fp2_mul_xi(&s, &s);
  bls_fp2_add(&c0, &s, &t0);
  /* c1 = (a0 + a1)(b0 + b1) - t0 - t1 */
  bls_fp2_add(&s, &a->c0, &a->c1);
  bls_fp2_add(&u, b0, b1);
  bls_fp2_mul(&s, &s, &u);
  bls_fp2_sub(&s, &s, &t0);
  bls_fp2_sub(&c1, &s, &t1);
  /* c2 = a2 b0 + t1 */
  bls_fp2_mul(&s, &a->c2, b0);
  bls_fp2_add(&c2, &s, &t1);
  r->c0 = c0;
  r->c1 = c1;
  r->c2 = c2;
}

/* a (b1 v) = xi a2 b1 + a0 b1 v + a1 b1 v^2 */
static void fp6_mul_by_1(bls_fp6 *r, const bls_fp6 *a, const bls_fp2 *b1) {
  bls_fp2 c0, c1, c2;
  bls_fp2_mul(&c0, &a->c2, b1);
  bls_fp2_mul_xi(&c0, &c0);
  bls_fp2_mul(&c1, &a->c0, b1);
  bls_fp2_mul(&c2, &a->c1, b1);
  r->c0 = c0;
  r->c1 = c1;
  r->c2 = c2;
}

void bls_fp6_inv(bls_fp6 *r, const bls_fp6 *a) {
  bls_fp2 c0, c1, c2, t, s;
  bls_fp2_sqr(&c0, &a->c0); /* c0 = a0^2 - xi a1 a2 */
  bls_fp2_mul(&t, &a->c1, &a->c2);
  bls_fp2_mul_xi(&t, &t);
  bls_fp2_sub(&c0, &c0, &t);
  bls_fp2_sqr(&c1, &a->c2); /* c1 = xi a2^2 - a0 a1 */
  bls_fp2_mul_xi(&c1, &c1);
  bls_fp2_mul(&t, &a->c0, &a->c1);
  bls_fp2_sub(&c1, &c1, &t);
  bls_fp2_sqr(&c2, &a->c1); /* c2 = a1^2 - a0 a2 */
  bls_fp2_mul(&t, &a->c0, &a->c2);
  bls_fp2_sub(&c2, &c2, &t);
  bls_fp2_mul(&t, &a->c2, &c1); /* t = a0 c0 + xi (a2 c1 + a1 c2) */
  bls_fp2_mul(&s, &a->c1, &c2);
  bls_fp2_add(&t, &t, &s);
  bls_fp2_mul_xi(&t, &t);
  bls_fp2_mul(&s, &a->c0, &c0);
  bls_fp2_add(&t, &t, &s);
  bls_fp2_inv(&t, &t);
  bls_fp2_mul(&r->c0, &c0, &t);
  bls_fp2_mul(&r->c1, &c1, &t);
  bls_fp2_mul(&r->c2, &c2, &t);
}

/* ---------------- Fp12 ---------------- */

void bls_fp12_set_one(bls_fp12 *r) {
  memset(r, 0, sizeof *r);
  r->c0.c0.c0 = bls_fp_one;
}

bool bls_fp12_eq(const bls_fp12 *a, const bls_fp12 *b) {
  const bls_fp2 *x = &a->c0.c0, *y = &b->c0.c0;
  for (int i = 0; i < 6; i++)
    if (!bls_fp2_eq(&x[i], &y[i])) return false;
  return true;
}

bool bls_fp12_is_one(const bls_fp12 *a) {
  bls_fp12 one;
  bls_fp12_set_one(&one);
  return bls_fp12_eq(a, &one);
}

void bls_fp12_mul(bls_fp12 *r, const bls_fp12 *a, const bls_fp12 *b) {
  bls_fp6 t0, t1, s, u;
  bls_fp6_mul(&t0, &a->c0, &b->c0);
  bls_fp6_mul(&t1, &a->c1, &b->c1);
  bls_fp6_add(&s, &a->c0, &a->c1);
  bls_fp6_add(&u, &b->c0, &b->c1);
  bls_fp6_mul(&s, &s, &u);
  bls_fp6_sub(&s, &s, &t0);
  bls_fp6_sub(&r->c1, &s, &t1);
  bls_fp6_mul_by_v(&t1, &t1);
  bls_fp6_add(&r->c0, &t0, &t1);
}

/* (a0 + a1 w)^2 = (a0 + a1)(a0 + v a1) - t - v t + 2 t w, t = a0 a1 */
void bls_fp12_sqr(bls_fp12 *r, const bls_fp12 *a) {
  bls_fp6 t, s, u, vt;
  bls_fp6_mul(&t, &a->c0, &a->c1);
  bls_fp6_add(&s, &a->c0, &a->c1);
  bls_fp6_mul_by_v(&u, &a->c1);
  bls_fp6_add(&u, &u, &a->c0);
  bls_fp6_mul(&s, &s, &u);
  bls_fp6_sub(&s, &s, &t);
  bls_fp6_mul_by_v(&vt, &t);
  bls_fp6_sub(&r->c0, &s, &vt);
  bls_fp6_add(&r->c1, &t, &t);
}

void bls_fp12_conj(bls_fp12 *r, const bls_fp12 *a) {
  r->c0 = a->c0;
  fp6_neg(&r->c1, &a->c1);
}

/* (a0 + a1 w)^-1 = (a0 - a1 w) / (a0^2 - v a1^2) */
void bls_fp12_inv(bls_fp12 *r, const bls_fp12 *a) {
  bls_fp6 t0, t1;
  bls_fp6_mul(&t0, &a->c0, &a->c0);
  bls_fp6_mul(&t1, &a->c1, &a->c1);
  bls_fp6_mul_by_v(&t1, &t1);
  bls_fp6_sub(&t0, &t0, &t1);
  bls_fp6_inv(&t0, &t0);
  bls_fp6_mul(&r->c0, &a->c0, &t0);
  bls_fp6_mul(&t1, &a->c1, &t0);
  fp6_neg(&r->c1, &t1);
}

/* Coefficient k of w^k: c0 holds w^0, w^2, w^4 and c1 holds w^1, w^3, w^5. */
static void fp12_frobenius_once(bls_fp12 *r, const bls_fp12 *a) {
  const bls_fp2 *in[6] = {&a->c0.c0, &a->c1.c0, &a->c0.c1, &a->c1.c1, &a->c0.c2, &a->c1.c2};
  bls_fp2 *out[6] = {&r->c0.c0, &r->c1.c0, &r->c0.c1, &r->c1.c1, &r->c0.c2, &r->c1.c2};
  bls_fp2 tmp[6];
  for (int k = 0; k < 6; k++) {
    bls_fp2_conj(&tmp[k], in[k]);
    if (k) bls_fp2_mul(&tmp[k], &tmp[k], &bls_frob_gamma[k]);
  }
  for (int k = 0; k < 6; k++) *out[k] = tmp[k];
}

void bls_fp12_frobenius(bls_fp12 *r, const bls_fp12 *a, int n) {
  *r = *a;
  for (int i = 0; i < n; i++) fp12_frobenius_once(r, r);
}

/* (a + b s)^2 in Fp4 = Fp2[s]/(s^2 - xi): returns (a^2 + xi b^2, 2ab). */
static void fp4_sqr(bls_fp2 *c0, bls_fp2 *c1, const bls_fp2 *a, const bls_fp2 *b) {
  bls_fp2 t0, t1, t2;
  bls_fp2_sqr(&t0, a);
  bls_fp2_sqr(&t1, b);
  bls_fp2_mul_xi(&t2, &t1);
  bls_fp2_add(c0, &t2, &t0);
  bls_fp2_add(&t2, a, b);
  bls_fp2_sqr(&t2, &t2);
  bls_fp2_sub(&t2, &t2, &t0);
  bls_fp2_sub(c1, &t2, &t1);
}

/* 3 t - 2 z (sign = -1) or 3 t + 2 z (sign = +1) */
static void gs_combine(bls_fp2 *z, const bls_fp2 *t, int sign) {
  bls_fp2 s;
  if (sign < 0)
    bls_fp2_sub(&s, t, z);
  else
    bls_fp2_add(&s, t, z);
  bls_fp2_dbl(&s, &s);
  bls_fp2_add(z, &s, t);
}

void bls_fp12_cyclotomic_sqr(bls_fp12 *r, const bls_fp12 *a) {
  bls_fp2 z0 = a->c0.c0, z4 = a->c0.c1, z3 = a->c0.c2;
  bls_fp2 z2 = a->c1.c0, z1 = a->c1.c1, z5 = a->c1.c2;
  bls_fp2 t0, t1, t2, t3;
  fp4_sqr(&t0, &t1, &z0, &z1);
  gs_combine(&z0, &t0, -1);
  gs_combine(&z1, &t1, +1);
  fp4_sqr(&t0, &t1, &z2, &z3);
  fp4_sqr(&t2, &t3, &z4, &z5);
  gs_combine(&z4, &t0, -1);
  gs_combine(&z5, &t1, +1);
  bls_fp2_mul_xi(&t0, &t3);
  gs_combine(&z2, &t0, +1);
  gs_combine(&z3, &t2, -1);
  r->c0.c0 = z0;
  r->c0.c1 = z4;
  r->c0.c2 = z3;
  r->c1.c0 = z2;
  r->c1.c1 = z1;
  r->c1.c2 = z5;
}

/* a (L0 + L1 w), L0 = l0 + l1 v, L1 = l4 v (coefficient 4 of w^k numbering c0.c0,
 * c0.c1, c0.c2, c1.c0, c1.c1, c1.c2 = 0..5). */
void bls_fp12_mul_by_014(bls_fp12 *r, const bls_fp12 *a, const bls_fp2 *l0, const bls_fp2 *l1,
                         const bls_fp2 *l4) {
  bls_fp6 t0, t1, s;
  bls_fp2 l14;
  fp6_mul_by_01(&t0, &a->c0, l0, l1);
  fp6_mul_by_1(&t1, &a->c1, l4);
  bls_fp2_add(&l14, l1, l4);
  bls_fp6_add(&s, &a->c0, &a->c1);
  fp6_mul_by_01(&s, &s, l0, &l14);
  bls_fp6_sub(&s, &s, &t0);
  bls_fp6_sub(&r->c1, &s, &t1);
  bls_fp6_mul_by_v(&t1, &t1);
  bls_fp6_add(&r->c0, &t0, &t1);
}

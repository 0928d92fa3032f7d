/*
 * bn254_fp12.c: Fp6 = Fp2[v]/(v^3 - xi) and Fp12 = Fp6[w]/(w^2 - v), xi = 9 + u, the
 * towers in which the BN254 pairing lives. Multiplication is Karatsuba at each level;
 * the Miller loop multiplies by sparse lines (mul_by_013: the coefficients of w^0, w^1
 * and w^3, where the D-type twist puts them) and the final exponentiation squares in
 * the cyclotomic subgroup (Granger-Scott). The Frobenius map conjugates each Fp2
 * coefficient of w^k and scales it by xi^(k (p - 1) / 6).
 * Used by bn254_pairing.c; values are caller-owned structs, aliasing allowed.
 */
#include "core/evm/bn254.h"

#include <string.h>

/* ---------------- Fp6 ---------------- */

void bn_fp6_add(bn_fp6 *r, const bn_fp6 *a, const bn_fp6 *b) {
  bn_fp2_add(&r->c0, &a->c0, &b->c0);
  bn_fp2_add(&r->c1, &a->c1, &b->c1);
  bn_fp2_add(&r->c2, &a->c2, &b->c2);
}

void bn_fp6_sub(bn_fp6 *r, const bn_fp6 *a, const bn_fp6 *b) {
  bn_fp2_sub(&r->c0, &a->c0, &b->c0);
  bn_fp2_sub(&r->c1, &a->c1, &b->c1);
  bn_fp2_sub(&r->c2, &a->c2, &b->c2);
}

static void fp6_neg(bn_fp6 *r, const bn_fp6 *a) {
  bn_fp2_neg(&r->c0, &a->c0);
  bn_fp2_neg(&r->c1, &a->c1);
  bn_fp2_neg(&r->c2, &a->c2);
}

/* Karatsuba over three coefficients: six Fp2 products. */
void bn_fp6_mul(bn_fp6 *r, const bn_fp6 *a, const bn_fp6 *b) {
  bn_fp2 t0, t1, t2, s, u, c0, c1, c2;
  bn_fp2_mul(&t0, &a->c0, &b->c0);
  bn_fp2_mul(&t1, &a->c1, &b->c1);
  bn_fp2_mul(&t2, &a->c2, &b->c2);
  /* c0 = xi ((a1 + a2)(b1 + b2) - t1 - t2) + t0 */
  bn_fp2_add(&s, &a->c1, &a->c2);
  bn_fp2_add(&u, &b->c1, &b->c2);
  bn_fp2_mul(&s, &s, &u);
  bn_fp2_sub(&s, &s, &t1);
  bn_fp2_sub(&s, &s, &t2);
  bn_fp2_mul_xi(&s, &s);
  bn_fp2_add(&c0, &s, &t0);
  /* c1 = (a0 + a1)(b0 + b1) - t0 - t1 + xi t2 */
  bn_fp2_add(&s, &a->c0, &a->c1);
  bn_fp2_add(&u, &b->c0, &b->c1);
  bn_fp2_mul(&s, &s, &u);
  bn_fp2_sub(&s, &s, &t0);
  bn_fp2_sub(&s, &s, &t1);
  bn_fp2_mul_xi(&u, &t2);
  bn_fp2_add(&c1, &s, &u);
  /* c2 = (a0 + a2)(b0 + b2) - t0 - t2 + t1 */
  bn_fp2_add(&s, &a->c0, &a->c2);
  bn_fp2_add(&u, &b->c0, &b->c2);
  bn_fp2_mul(&s, &s, &u);
  bn_fp2_sub(&s, &s, &t0);
  bn_fp2_sub(&s, &s, &t2);
  bn_fp2_add(&c2, &s, &t1);
  r->c0 = c0;
  r->c1 = c1;
  r->c2 = c2;
}

/* (a0 + a1 v + a2 v^2) v = xi a2 + a0 v + a1 v^2 */
void bn_fp6_mul_by_v(bn_fp6 *r, const bn_fp6 *a) {
  bn_fp2 t;
  bn_fp2_mul_xi(&t, &a->c2);
  r->c2 = a->c1;
  r->c1 = a->c0;
  r->c0 = t;
}

/* a b0 for b0 in Fp2 */
static void fp6_mul_by_0(bn_fp6 *r, const bn_fp6 *a, const bn_fp2 *b0) {
  bn_fp2_mul(&r->c0, &a->c0, b0);
  bn_fp2_mul(&r->c1, &a->c1, b0);
  bn_fp2_mul(&r->c2, &a->c2, b0);
}

/* a (b0 + b1 v): five Fp2 products */
static void fp6_mul_by_01(bn_fp6 *r, const bn_fp6 *a, const bn_fp2 *b0, const bn_fp2 *b1) {
  bn_fp2 t0, t1, s, u, c0, c1, c2;
  bn_fp2_mul(&t0, &a->c0, b0);
  bn_fp2_mul(&t1, &a->c1, b1);
  /* c0 = xi a2 b1 + t0 */
  bn_fp2_mul(&s, &a->c2, b1);
  bn_fp2_mul_xi(&s, &s);
  bn_fp2_add(&c0, &s, &t0);
  /* c1 = (a0 + a1)(b0 + b1) - t0 - t1 */
  bn_fp2_add(&s, &a->c0, &a->c1);
  bn_fp2_add(&u, b0, b1);
  bn_fp2_mul(&s, &s, &u);
  bn_fp2_sub(&s, &s, &t0);
  bn_fp2_sub(&c1, &s, &t1);
  /* c2 = a2 b0 + t1 */
  bn_fp2_mul(&s, &a->c2, b0);
  bn_fp2_add(&c2, &s, &t1);
  r->c0 = c0;
  r->c1 = c1;
  r->c2 = c2;
}

void bn_fp6_inv(bn_fp6 *r, const bn_fp6 *a) {
  bn_fp2 c0, c1, c2, t, s;
  bn_fp2_sqr(&c0, &a->c0); /* c0 = a0^2 - xi a1 a2 */
  bn_fp2_mul(&t, &a->c1, &a->c2);
  bn_fp2_mul_xi(&t, &t);
  bn_fp2_sub(&c0, &c0, &t);
  bn_fp2_sqr(&c1, &a->c2); /* c1 = xi a2^2 - a0 a1 */
  bn_fp2_mul_xi(&c1, &c1);
  bn_fp2_mul(&t, &a->c0, &a->c1);
  bn_fp2_sub(&c1, &c1, &t);
  bn_fp2_sqr(&c2, &a->c1); /* c2 = a1^2 - a0 a2 */
  bn_fp2_mul(&t, &a->c0, &a->c2);
  bn_fp2_sub(&c2, &c2, &t);
  bn_fp2_mul(&t, &a->c2, &c1); /* t = a0 c0 + xi (a2 c1 + a1 c2), the norm to Fp2 */
  bn_fp2_mul(&s, &a->c1, &c2);
  bn_fp2_add(&t, &t, &s);
  bn_fp2_mul_xi(&t, &t);
  bn_fp2_mul(&s, &a->c0, &c0);
  bn_fp2_add(&t, &t, &s);
  bn_fp2_inv(&t, &t);
  bn_fp2_mul(&r->c0, &c0, &t);
  bn_fp2_mul(&r->c1, &c1, &t);
  bn_fp2_mul(&r->c2, &c2, &t);
}

/* ---------------- Fp12 ---------------- */

void bn_fp12_set_one(bn_fp12 *r) {
  memset(r, 0, sizeof *r);
  r->c0.c0.c0 = bn_fp_one;
}

bool bn_fp12_eq(const bn_fp12 *a, const bn_fp12 *b) {
  const bn_fp2 *x[6] = {&a->c0.c0, &a->c0.c1, &a->c0.c2, &a->c1.c0, &a->c1.c1, &a->c1.c2};
  const bn_fp2 *y[6] = {&b->c0.c0, &b->c0.c1, &b->c0.c2, &b->c1.c0, &b->c1.c1, &b->c1.c2};
  for (int i = 0; i < 6; i++)
    if (!bn_fp2_eq(x[i], y[i])) return false;
  return true;
}

bool bn_fp12_is_one(const bn_fp12 *a) {
  bn_fp12 one;
  bn_fp12_set_one(&one);
  return bn_fp12_eq(a, &one);
}

void bn_fp12_mul(bn_fp12 *r, const bn_fp12 *a, const bn_fp12 *b) {
  bn_fp6 t0, t1, s, u;
  bn_fp6_mul(&t0, &a->c0, &b->c0);
  bn_fp6_mul(&t1, &a->c1, &b->c1);
  bn_fp6_add(&s, &a->c0, &a->c1);
  bn_fp6_add(&u, &b->c0, &b->c1);
  bn_fp6_mul(&s, &s, &u);
  bn_fp6_sub(&s, &s, &t0);
  bn_fp6_sub(&r->c1, &s, &t1);
  bn_fp6_mul_by_v(&t1, &t1);
  bn_fp6_add(&r->c0, &t0, &t1);
}

/* (a0 + a1 w)^2 = (a0 + a1)(a0 + v a1) - t - v t + 2 t w, t = a0 a1 */
void bn_fp12_sqr(bn_fp12 *r, const bn_fp12 *a) {
  bn_fp6 t, s, u, vt;
  bn_fp6_mul(&t, &a->c0, &a->c1);
  bn_fp6_add(&s, &a->c0, &a->c1);
  bn_fp6_mul_by_v(&u, &a->c1);
  bn_fp6_add(&u, &u, &a->c0);
  bn_fp6_mul(&s, &s, &u);
  bn_fp6_sub(&s, &s, &t);
  bn_fp6_mul_by_v(&vt, &t);
  bn_fp6_sub(&r->c0, &s, &vt);
  bn_fp6_add(&r->c1, &t, &t);
}

void bn_fp12_conj(bn_fp12 *r, const bn_fp12 *a) {
  r->c0 = a->c0;
  fp6_neg(&r->c1, &a->c1);
}

/* (a0 + a1 w)^-1 = (a0 - a1 w) / (a0^2 - v a1^2) */
void bn_fp12_inv(bn_fp12 *r, const bn_fp12 *a) {
  bn_fp6 t0, t1;
  bn_fp6_mul(&t0, &a->c0, &a->c0);
  bn_fp6_mul(&t1, &a->c1, &a->c1);
  bn_fp6_mul_by_v(&t1, &t1);
  bn_fp6_sub(&t0, &t0, &t1);
  bn_fp6_inv(&t0, &t0);
  bn_fp6_mul(&r->c0, &a->c0, &t0);
  bn_fp6_mul(&t1, &a->c1, &t0);
  fp6_neg(&r->c1, &t1);
}

/* Coefficient k of w^k: c0 holds w^0, w^2, w^4 and c1 holds w^1, w^3, w^5. */
static void fp12_frobenius_once(bn_fp12 *r, const bn_fp12 *a) {
  const bn_fp2 *in[6] = {&a->c0.c0, &a->c1.c0, &a->c0.c1, &a->c1.c1, &a->c0.c2, &a->c1.c2};
  bn_fp2 *out[6] = {&r->c0.c0, &r->c1.c0, &r->c0.c1, &r->c1.c1, &r->c0.c2, &r->c1.c2};
  bn_fp2 tmp[6];
  for (int k = 0; k < 6; k++) {
    bn_fp2_conj(&tmp[k], in[k]);
    if (k) bn_fp2_mul(&tmp[k], &tmp[k], &bn_frob_gamma[k]);
  }
  for (int k = 0; k < 6; k++) *out[k] = tmp[k];
}

void bn_fp12_frobenius(bn_fp12 *r, const bn_fp12 *a, int n) {
  *r = *a;
  for (int i = 0; i < n; i++) fp12_frobenius_once(r, r);
}

/* (a + b s)^2 in Fp4 = Fp2[s]/(s^2 - xi): returns (a^2 + xi b^2, 2ab). */
static void fp4_sqr(bn_fp2 *c0, bn_fp2 *c1, const bn_fp2 *a, const bn_fp2 *b) {
  bn_fp2 t0, t1, t2;
  bn_fp2_sqr(&t0, a);
  bn_fp2_sqr(&t1, b);
  bn_fp2_mul_xi(&t2, &t1);
  bn_fp2_add(c0, &t2, &t0);
  bn_fp2_add(&t2, a, b);
  bn_fp2_sqr(&t2, &t2);
  bn_fp2_sub(&t2, &t2, &t0);
  bn_fp2_sub(c1, &t2, &t1);
}

/* z = 3 t - 2 z (sign < 0) or 3 t + 2 z (sign > 0) */
static void gs_combine(bn_fp2 *z, const bn_fp2 *t, int sign) {
  bn_fp2 s;
  if (sign < 0)
    bn_fp2_sub(&s, t, z);
  else
    bn_fp2_add(&s, t, z);
  bn_fp2_dbl(&s, &s);
  bn_fp2_add(z, &s, t);
}

/* Granger-Scott: the element as three Fp4 values (z0, z1), (z2, z3), (z4, z5) with
 * s = w^3; three Fp4 squarings (nine Fp2 squarings) instead of a full Fp12 squaring. */
void bn_fp12_cyclotomic_sqr(bn_fp12 *r, const bn_fp12 *a) {
  bn_fp2 z0 = a->c0.c0, z4 = a->c0.c1, z3 = a->c0.c2;
  bn_fp2 z2 = a->c1.c0, z1 = a->c1.c1, z5 = a->c1.c2;
  bn_fp2 t0, t1, t2, t3;
  fp4_sqr(&t0, &t1, &z0, &z1);
  gs_combine(&z0, &t0, -1);
  gs_combine(&z1, &t1, +1);
  fp4_sqr(&t0, &t1, &z2, &z3);
  fp4_sqr(&t2, &t3, &z4, &z5);
  gs_combine(&z4, &t0, -1);
  gs_combine(&z5, &t1, +1);
  bn_fp2_mul_xi(&t0, &t3);
  gs_combine(&z2, &t0, +1);
  gs_combine(&z3, &t2, -1);
  r->c0.c0 = z0;
  r->c0.c1 = z4;
  r->c0.c2 = z3;
  r->c1.c0 = z2;
  r->c1.c1 = z1;
  r->c1.c2 = z5;
}

/* a (S0 + S1 w) with S0 = s0 and S1 = s1 + s3 v (w^3 = v w): 13 Fp2 products. */
void bn_fp12_mul_by_013(bn_fp12 *r, const bn_fp12 *a, const bn_fp2 *s0, const bn_fp2 *s1,
                        const bn_fp2 *s3) {
  bn_fp6 t0, t1, s;
  bn_fp2 s01;
  fp6_mul_by_0(&t0, &a->c0, s0);
  fp6_mul_by_01(&t1, &a->c1, s1, s3);
  bn_fp2_add(&s01, s0, s1);
  bn_fp6_add(&s, &a->c0, &a->c1);
  fp6_mul_by_01(&s, &s, &s01, s3);
  bn_fp6_sub(&s, &s, &t0);
  bn_fp6_sub(&r->c1, &s, &t1);
  bn_fp6_mul_by_v(&t1, &t1);
  bn_fp6_add(&r->c0, &t0, &t1);
}

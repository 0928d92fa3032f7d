/*
 * bn254_g1.c: the group G1 of BN254, y^2 = x^3 + 3 over Fp, for ECADD (0x06) and
 * ECMUL (0x07). The curve has prime order r (cofactor 1), so a point that decodes
 * and lies on the curve is in G1.
 *
 * Jacobian formulas for a = 0: doubling dbl-2009-l, addition add-2007-bl (with the
 * doubling and inverse cases handled explicitly). Scalar multiplication is a fixed
 * 4-bit window over the 256-bit big-endian scalar, not reduced (the precompile takes
 * any 256-bit value; [k]P only depends on k mod r).
 * Called by pc_bn254.c and bn254_pairing.c; callers own the structs.
 */
#include "core/evm/bn254.h"

#include <string.h>

/* the curve constant b = 3 */
static void g1_b(bn_fp *b) { bn_fp_from_u64(b, 3); }

void bn_g1j_set_inf(bn_g1j *r) {
  r->x = bn_fp_one;
  r->y = bn_fp_one;
  memset(&r->z, 0, sizeof r->z);
}

bool bn_g1j_is_inf(const bn_g1j *a) { return bn_fp_is_zero(&a->z); }

void bn_g1j_from_affine(bn_g1j *r, const bn_g1a *a) {
  if (a->inf) {
    bn_g1j_set_inf(r);
    return;
  }
  r->x = a->x;
  r->y = a->y;
  r->z = bn_fp_one;
}

void bn_g1j_to_affine(bn_g1a *r, const bn_g1j *a) {
  if (bn_g1j_is_inf(a)) {
    memset(r, 0, sizeof *r);
    r->inf = true;
    return;
  }
  bn_fp zi, zi2, zi3;
  bn_fp_inv(&zi, &a->z);
  bn_fp_sqr(&zi2, &zi);
  bn_fp_mul(&zi3, &zi2, &zi);
  bn_fp_mul(&r->x, &a->x, &zi2);
  bn_fp_mul(&r->y, &a->y, &zi3);
  r->inf = false;
}

/* dbl-2009-l: 2M + 5S */
void bn_g1j_dbl(bn_g1j *r, const bn_g1j *a) {
  if (bn_g1j_is_inf(a)) {
    *r = *a;
    return;
  }
  bn_fp A, B, C, D, E, F, t;
  bn_fp_sqr(&A, &a->x);
  bn_fp_sqr(&B, &a->y);
  bn_fp_sqr(&C, &B);
  bn_fp_add(&D, &a->x, &B); /* D = 2 ((X + B)^2 - A - C) */
  bn_fp_sqr(&D, &D);
  bn_fp_sub(&D, &D, &A);
  bn_fp_sub(&D, &D, &C);
  bn_fp_dbl(&D, &D);
  bn_fp_dbl(&E, &A); /* E = 3A */
  bn_fp_add(&E, &E, &A);
  bn_fp_sqr(&F, &E);
  bn_fp_mul(&t, &a->y, &a->z); /* Z3 = 2 Y Z (before Y is overwritten) */
  bn_fp_dbl(&r->z, &t);
  bn_fp_dbl(&t, &D); /* X3 = F - 2D */
  bn_fp_sub(&r->x, &F, &t);
  bn_fp_sub(&t, &D, &r->x); /* Y3 = E (D - X3) - 8C */
  bn_fp_mul(&t, &E, &t);
  bn_fp_dbl(&C, &C);
  bn_fp_dbl(&C, &C);
  bn_fp_dbl(&C, &C);
  bn_fp_sub(&r->y, &t, &C);
}

/* add-2007-bl: 11M + 5S; equal inputs double, opposite inputs give infinity. */
void bn_g1j_add(bn_g1j *r, const bn_g1j *a, const bn_g1j *b) {
  if (bn_g1j_is_inf(a)) {
    *r = *b;
    return;
  }
  if (bn_g1j_is_inf(b)) {
    *r = *a;
    return;
  }
  bn_fp z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
  bn_fp_sqr(&z1z1, &a->z);
  bn_fp_sqr(&z2z2, &b->z);
  bn_fp_mul(&u1, &a->x, &z2z2);
  bn_fp_mul(&u2, &b->x, &z1z1);
  bn_fp_mul(&s1, &a->y, &b->z);
  bn_fp_mul(&s1, &s1, &z2z2);
  bn_fp_mul(&s2, &b->y, &a->z);
  bn_fp_mul(&s2, &s2, &z1z1);
  bn_fp_sub(&h, &u2, &u1);
  bn_fp_sub(&rr, &s2, &s1);
  if (bn_fp_is_zero(&h)) {
    if (bn_fp_is_zero(&rr))
      bn_g1j_dbl(r, a);
    else
      bn_g1j_set_inf(r);
    return;
  }
  bn_fp_dbl(&rr, &rr);
  bn_fp_dbl(&i, &h);
  bn_fp_sqr(&i, &i);
  bn_fp_mul(&j, &h, &i);
  bn_fp_mul(&v, &u1, &i);
  bn_fp_add(&t, &a->z, &b->z); /* Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H */
  bn_fp_sqr(&t, &t);
  bn_fp_sub(&t, &t, &z1z1);
  bn_fp_sub(&t, &t, &z2z2);
  bn_fp_mul(&r->z, &t, &h);
  bn_fp_sqr(&t, &rr); /* X3 = r^2 - J - 2V */
  bn_fp_sub(&t, &t, &j);
  bn_fp_sub(&t, &t, &v);
  bn_fp_sub(&r->x, &t, &v);
  bn_fp_sub(&t, &v, &r->x); /* Y3 = r (V - X3) - 2 S1 J */
  bn_fp_mul(&t, &t, &rr);
  bn_fp_mul(&s1, &s1, &j);
  bn_fp_dbl(&s1, &s1);
  bn_fp_sub(&r->y, &t, &s1);
}

/* Window of 4 bits: 15 precomputed multiples, 252 doublings, at most 64 additions. */
void bn_g1j_mul(bn_g1j *r, const bn_g1j *a, const uint8_t k_be[32]) {
  bn_g1j table[16], acc;
  bn_g1j_set_inf(&table[0]);
  table[1] = *a;
  for (int i = 2; i < 16; i++) bn_g1j_add(&table[i], &table[i - 1], a);
  bn_g1j_set_inf(&acc);
  for (int pos = 0; pos < 64; pos++) {
    unsigned nib = (pos & 1) ? (k_be[pos / 2] & 0xf) : (k_be[pos / 2] >> 4);
    if (!bn_g1j_is_inf(&acc))
      for (int d = 0; d < 4; d++) bn_g1j_dbl(&acc, &acc);
    if (nib) bn_g1j_add(&acc, &acc, &table[nib]);
  }
  *r = acc;
}

bool bn_g1a_on_curve(const bn_g1a *a) {
  if (a->inf) return true;
  bn_fp lhs, rhs, b;
  bn_fp_sqr(&lhs, &a->y);
  bn_fp_sqr(&rhs, &a->x);
  bn_fp_mul(&rhs, &rhs, &a->x);
  g1_b(&b);
  bn_fp_add(&rhs, &rhs, &b);
  return bn_fp_eq(&lhs, &rhs);
}

void bn_g1_generator(bn_g1a *r) {
  bn_fp_from_u64(&r->x, 1);
  bn_fp_from_u64(&r->y, 2);
  r->inf = false;
}

bool bn_g1a_decode(bn_g1a *r, const uint8_t in[BN_G1_BYTES]) {
  memset(r, 0, sizeof *r);
  if (!bn_fp_from_be32(&r->x, in) || !bn_fp_from_be32(&r->y, in + BN_FP_BYTES)) return false;
  if (bn_fp_is_zero(&r->x) && bn_fp_is_zero(&r->y)) { /* (0, 0) is not on the curve */
    r->inf = true;
    return true;
  }
  return bn_g1a_on_curve(r);
}

void bn_g1a_encode(uint8_t out[BN_G1_BYTES], const bn_g1a *a) {
  if (a->inf) {
    memset(out, 0, BN_G1_BYTES);
    return;
  }
  bn_fp_to_be32(out, &a->x);
  bn_fp_to_be32(out + BN_FP_BYTES, &a->y);
}

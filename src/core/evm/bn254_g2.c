/*
 * bn254_g2.c: the group G2 of BN254 on the sextic twist E': y^2 = x^3 + 3/xi over Fp2
 * (xi = 9 + u), for ECPAIRING (0x08). E'(Fp2) has order r (2p - r), so a point on the
 * twist must also be checked to lie in the order-r subgroup.
 *
 * The same Jacobian formulas as G1 (a = 0), over Fp2. psi = untwist o Frobenius o
 * twist maps (x, y) to (conj(x) xi^((p-1)/3), conj(y) xi^((p-1)/2)); the Miller loop
 * uses it for its two closing lines. Subgroup membership is checked with psi and one
 * multiplication by x (proof at bn_g2j_in_subgroup); the definition [r]Q = O stays
 * as the reference the unit tests compare it with.
 * Called by pc_bn254.c and bn254_pairing.c; callers own the structs.
 */
#include "core/evm/bn254.h"

#include <string.h>

void bn_g2j_set_inf(bn_g2j *r) {
  bn_fp2_set_one(&r->x);
  bn_fp2_set_one(&r->y);
  memset(&r->z, 0, sizeof r->z);
}

bool bn_g2j_is_inf(const bn_g2j *a) { return bn_fp2_is_zero(&a->z); }

void bn_g2j_from_affine(bn_g2j *r, const bn_g2a *a) {
  if (a->inf) {
    bn_g2j_set_inf(r);
    return;
  }
  r->x = a->x;
  r->y = a->y;
  bn_fp2_set_one(&r->z);
}

void bn_g2j_to_affine(bn_g2a *r, const bn_g2j *a) {
  if (bn_g2j_is_inf(a)) {
    memset(r, 0, sizeof *r);
    r->inf = true;
    return;
  }
  bn_fp2 zi, zi2, zi3;
  bn_fp2_inv(&zi, &a->z);
  bn_fp2_sqr(&zi2, &zi);
  bn_fp2_mul(&zi3, &zi2, &zi);
  bn_fp2_mul(&r->x, &a->x, &zi2);
  bn_fp2_mul(&r->y, &a->y, &zi3);
  r->inf = false;
}

/* dbl-2009-l over Fp2 */
void bn_g2j_dbl(bn_g2j *r, const bn_g2j *a) {
  if (bn_g2j_is_inf(a)) {
    *r = *a;
    return;
  }
  bn_fp2 A, B, C, D, E, F, t;
  bn_fp2_sqr(&A, &a->x);
  bn_fp2_sqr(&B, &a->y);
  bn_fp2_sqr(&C, &B);
  bn_fp2_add(&D, &a->x, &B);
  bn_fp2_sqr(&D, &D);
  bn_fp2_sub(&D, &D, &A);
  bn_fp2_sub(&D, &D, &C);
  bn_fp2_dbl(&D, &D);
  bn_fp2_dbl(&E, &A);
  bn_fp2_add(&E, &E, &A);
  bn_fp2_sqr(&F, &E);
  bn_fp2_mul(&t, &a->y, &a->z);
  bn_fp2_dbl(&r->z, &t);
  bn_fp2_dbl(&t, &D);
  bn_fp2_sub(&r->x, &F, &t);
  bn_fp2_sub(&t, &D, &r->x);
  bn_fp2_mul(&t, &E, &t);
  bn_fp2_dbl(&C, &C);
  bn_fp2_dbl(&C, &C);
  bn_fp2_dbl(&C, &C);
  bn_fp2_sub(&r->y, &t, &C);
}

/* add-2007-bl over Fp2; equal inputs double, opposite inputs give infinity. */
void bn_g2j_add(bn_g2j *r, const bn_g2j *a, const bn_g2j *b) {
  if (bn_g2j_is_inf(a)) {
    *r = *b;
    return;
  }
  if (bn_g2j_is_inf(b)) {
    *r = *a;
    return;
  }
  bn_fp2 z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
  bn_fp2_sqr(&z1z1, &a->z);
  bn_fp2_sqr(&z2z2, &b->z);
  bn_fp2_mul(&u1, &a->x, &z2z2);
  bn_fp2_mul(&u2, &b->x, &z1z1);
  bn_fp2_mul(&s1, &a->y, &b->z);
  bn_fp2_mul(&s1, &s1, &z2z2);
  bn_fp2_mul(&s2, &b->y, &a->z);
  bn_fp2_mul(&s2, &s2, &z1z1);
  bn_fp2_sub(&h, &u2, &u1);
  bn_fp2_sub(&rr, &s2, &s1);
  if (bn_fp2_is_zero(&h)) {
    if (bn_fp2_is_zero(&rr))
      bn_g2j_dbl(r, a);
    else
      bn_g2j_set_inf(r);
    return;
  }
  bn_fp2_dbl(&rr, &rr);
  bn_fp2_dbl(&i, &h);
  bn_fp2_sqr(&i, &i);
  bn_fp2_mul(&j, &h, &i);
  bn_fp2_mul(&v, &u1, &i);
  bn_fp2_add(&t, &a->z, &b->z);
  bn_fp2_sqr(&t, &t);
  bn_fp2_sub(&t, &t, &z1z1);
  bn_fp2_sub(&t, &t, &z2z2);
  bn_fp2_mul(&r->z, &t, &h);
  bn_fp2_sqr(&t, &rr);
  bn_fp2_sub(&t, &t, &j);
  bn_fp2_sub(&t, &t, &v);
  bn_fp2_sub(&r->x, &t, &v);
  bn_fp2_sub(&t, &v, &r->x);
  bn_fp2_mul(&t, &t, &rr);
  bn_fp2_mul(&s1, &s1, &j);
  bn_fp2_dbl(&s1, &s1);
  bn_fp2_sub(&r->y, &t, &s1);
}

void bn_g2j_neg(bn_g2j *r, const bn_g2j *a) {
  r->x = a->x;
  bn_fp2_neg(&r->y, &a->y);
  r->z = a->z;
}

void bn_g2j_mul(bn_g2j *r, const bn_g2j *a, const uint8_t k_be[32]) {
  bn_g2j table[16], acc;
  bn_g2j_set_inf(&table[0]);
  table[1] = *a;
  for (int i = 2; i < 16; i++) bn_g2j_add(&table[i], &table[i - 1], a);
  bn_g2j_set_inf(&acc);
  for (int pos = 0; pos < 64; pos++) {
    unsigned nib = (pos & 1) ? (k_be[pos / 2] & 0xf) : (k_be[pos / 2] >> 4);
    if (!bn_g2j_is_inf(&acc))
      for (int d = 0; d < 4; d++) bn_g2j_dbl(&acc, &acc);
    if (nib) bn_g2j_add(&acc, &acc, &table[nib]);
  }
  *r = acc;
}

/* X1 Z2^2 = X2 Z1^2 and Y1 Z2^3 = Y2 Z1^3 */
bool bn_g2j_eq(const bn_g2j *a, const bn_g2j *b) {
  bool ai = bn_g2j_is_inf(a), bi = bn_g2j_is_inf(b);
  if (ai || bi) return ai && bi;
  bn_fp2 z1z1, z2z2, l, r;
  bn_fp2_sqr(&z1z1, &a->z);
  bn_fp2_sqr(&z2z2, &b->z);
  bn_fp2_mul(&l, &a->x, &z2z2);
  bn_fp2_mul(&r, &b->x, &z1z1);
  if (!bn_fp2_eq(&l, &r)) return false;
  bn_fp2_mul(&z1z1, &z1z1, &a->z);
  bn_fp2_mul(&z2z2, &z2z2, &b->z);
  bn_fp2_mul(&l, &a->y, &z2z2);
  bn_fp2_mul(&r, &b->y, &z1z1);
  return bn_fp2_eq(&l, &r);
}

bool bn_g2a_on_curve(const bn_g2a *a) {
  if (a->inf) return true;
  bn_fp2 lhs, rhs;
  bn_fp2_sqr(&lhs, &a->y);
  bn_fp2_sqr(&rhs, &a->x);
  bn_fp2_mul(&rhs, &rhs, &a->x);
  bn_fp2_add(&rhs, &rhs, &bn_twist_b);
  return bn_fp2_eq(&lhs, &rhs);
}

void bn_g2a_psi(bn_g2a *r, const bn_g2a *a) {
  if (a->inf) {
    *r = *a;
    return;
  }
  bn_fp2_conj(&r->x, &a->x);
  bn_fp2_mul(&r->x, &r->x, &bn_frob_gamma[2]);
  bn_fp2_conj(&r->y, &a->y);
  bn_fp2_mul(&r->y, &r->y, &bn_frob_gamma[3]);
  r->inf = false;
}

bool bn_g2j_in_subgroup_slow(const bn_g2j *a) {
  uint8_t r_be[32];
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 8; k++) r_be[(3 - i) * 8 + k] = (uint8_t)(bn_order_r.l[i] >> (56 - 8 * k));
  bn_g2j t;
  bn_g2j_mul(&t, a, r_be);
  return bn_g2j_is_inf(&t);
}

/* the BN parameter x, big-endian */
static const uint8_t x_be[32] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                 0, 0, 0, 0, 0, 0, 0, 0, 0x44, 0xe9, 0x92, 0xb4,
                                 0x4a, 0x69, 0x09, 0xf1};

/* psi on Jacobian coordinates: conj(x) = conj(X) / conj(Z)^2, likewise for y. */
static void g2j_psi(bn_g2j *r, const bn_g2j *a) {
  bn_fp2_conj(&r->x, &a->x);
  bn_fp2_mul(&r->x, &r->x, &bn_frob_gamma[2]);
  bn_fp2_conj(&r->y, &a->y);
  bn_fp2_mul(&r->y, &r->y, &bn_frob_gamma[3]);
  bn_fp2_conj(&r->z, &a->z);
}

/* Q is in G2 exactly when f(psi) Q = O for f(y) = (x + 1) + x y + x y^2 - 2x y^3, i.e.
 * [x+1]Q + psi([x]Q) + psi^2([x]Q) = psi^3([2x]Q) (the test of El Housni, Guillevic
 * and Piellard, eprint 2022/348, for BN254; one 63-bit multiplication).
 * Why it is exact (checked with Python big integers):
 *  - on G2, psi acts as [p] and f(p) = 0 mod r, so every Q in G2 passes;
 *  - psi satisfies psi^2 - t psi + p = 0 on the whole twist (t = 6x^2 + 1, the trace
 *    of Frobenius; psi is Frobenius carried over by the untwisting map), so f(psi)
 *    reduces to A + B psi with integers A, B, and f(psi) Q = O gives
 *    [N]Q = (A + B(t - psi))(A + B psi) Q = O with N = A^2 + t A B + p B^2;
 *  - gcd(N, #E'(Fp2)) = r where #E'(Fp2) = r (2p - r) and r does not divide 2p - r,
 *    so such a Q has order dividing r: it is in G2. */
bool bn_g2j_in_subgroup(const bn_g2j *a) {
  if (bn_g2j_is_inf(a)) return true;
  bn_g2j xq, lhs, t, rhs;
  bn_g2j_mul(&xq, a, x_be);
  bn_g2j_add(&lhs, &xq, a); /* [x + 1]Q */
  g2j_psi(&t, &xq);
  bn_g2j_add(&lhs, &lhs, &t);
  g2j_psi(&t, &t);
  bn_g2j_add(&lhs, &lhs, &t);
  g2j_psi(&rhs, &t); /* psi^3([x]Q), doubled */
  bn_g2j_dbl(&rhs, &rhs);
  return bn_g2j_eq(&lhs, &rhs);
}

void bn_g2_generator(bn_g2a *r) {
  bn_fp_from_plain(&r->x.c0, &bn_g2_gen_coords[0]);
  bn_fp_from_plain(&r->x.c1, &bn_g2_gen_coords[1]);
  bn_fp_from_plain(&r->y.c0, &bn_g2_gen_coords[2]);
  bn_fp_from_plain(&r->y.c1, &bn_g2_gen_coords[3]);
  r->inf = false;
}

bool bn_g2a_decode(bn_g2a *r, const uint8_t in[BN_G2_BYTES]) {
  memset(r, 0, sizeof *r);
  if (!bn_fp_from_be32(&r->x.c1, in) || !bn_fp_from_be32(&r->x.c0, in + 32) ||
      !bn_fp_from_be32(&r->y.c1, in + 64) || !bn_fp_from_be32(&r->y.c0, in + 96))
    return false;
  if (bn_fp2_is_zero(&r->x) && bn_fp2_is_zero(&r->y)) { /* (0, 0) is not on the twist */
    r->inf = true;
    return true;
  }
  if (!bn_g2a_on_curve(r)) return false;
  bn_g2j j;
  bn_g2j_from_affine(&j, r);
  return bn_g2j_in_subgroup(&j);
}

void bn_g2a_encode(uint8_t out[BN_G2_BYTES], const bn_g2a *a) {
  if (a->inf) {
    memset(out, 0, BN_G2_BYTES);
    return;
  }
  bn_fp_to_be32(out, &a->x.c1);
  bn_fp_to_be32(out + 32, &a->x.c0);
  bn_fp_to_be32(out + 64, &a->y.c1);
  bn_fp_to_be32(out + 96, &a->y.c0);
}

/*
 * bls_map_g1.c: the map from a field element of Fp to a point of E1 (RFC 9380 section
 * 6.6.2 simplified SWU onto the 11-isogenous curve E1': y^2 = x^3 + A' x + B', Z = 11,
 * then the 11-isogeny of appendix E.2), and G1 cofactor clearing by h_eff = 1 - x.
 * EIP-2537's BLS12_MAP_FP_TO_G1 is clear_cofactor(map_to_g1(u)); the same two steps are
 * the G1 half of RFC 9380 hash_to_curve. Called by bls_evm.c; the result is a Jacobian
 * point owned by the caller. Not constant time (public inputs only).
 */
#include "core/bls/bls_curve.h"


/* g(x) = x^3 + A' x + B' on E1' */
static void sswu1_curve(bls_fp *gx, const bls_fp *x) {
  bls_fp t;
  bls_fp_sqr(&t, x);
  bls_fp_add(&t, &t, &bls_sswu1_a);
  bls_fp_mul(&t, &t, x);
  bls_fp_add(gx, &t, &bls_sswu1_b);
}

/* Horner evaluation of a polynomial with ascending coefficients. */
static void poly_eval(bls_fp *r, const bls_fp *coef, size_t n, const bls_fp *x) {
  bls_fp acc = coef[n - 1];
  for (size_t i = n - 1; i-- > 0;) {
    bls_fp_mul(&acc, &acc, x);
    bls_fp_add(&acc, &acc, &coef[i]);
  }
  *r = acc;
}

/* Steps 1-10 of the simplified SWU map: (x', y') on E1'; false only if no square root
 * is found where the construction guarantees one (never for a correct Z). */
static bool sswu1(bls_fp *xs, bls_fp *y, const bls_fp *u) {
  bls_fp u2, zu2, tv1, x1, x2, gx;
  bls_fp_sqr(&u2, u);
  bls_fp_mul(&zu2, &bls_sswu1_z, &u2); /* Z u^2 */
  bls_fp_sqr(&tv1, &zu2);
  bls_fp_add(&tv1, &tv1, &zu2); /* Z^2 u^4 + Z u^2 */
  if (bls_fp_is_zero(&tv1)) {
    x1 = bls_sswu1_b_over_za;
  } else {
    bls_fp_inv(&tv1, &tv1);
    bls_fp_add(&tv1, &tv1, &bls_fp_one);
    bls_fp_mul(&x1, &bls_sswu1_minus_b_over_a, &tv1);
  }
  sswu1_curve(&gx, &x1);
  *xs = x1;
  if (!bls_fp_sqrt(y, &gx)) {
    bls_fp_mul(&x2, &zu2, &x1);
    sswu1_curve(&gx, &x2);
    if (!bls_fp_sqrt(y, &gx)) return false;
    *xs = x2;
  }
  if (bls_fp_sgn0(u) != bls_fp_sgn0(y)) bls_fp_neg(y, y);
  return true;
}

/* The 11-isogeny in Jacobian form without inversion (as bls_map_to_g2 does for the
 * 3-isogeny): Z = xd yd, X = xn xd yd^2, Y = y' yn xd^3 yd^2. */
void bls_map_to_g1(bls_g1p *r, const bls_fp *u) {
  bls_fp xs, y, xn, xd, yn, yd, yd2, xd3, t;
  if (!sswu1(&xs, &y, u)) { /* unreachable for Z = 11; the identity, never a guess */
    bls_g1p_set_inf(r);
    return;
  }
  poly_eval(&xn, bls_iso11_xnum, 12, &xs);
  poly_eval(&xd, bls_iso11_xden, 11, &xs);
  poly_eval(&yn, bls_iso11_ynum, 16, &xs);
  poly_eval(&yd, bls_iso11_yden, 16, &xs);
  if (bls_fp_is_zero(&xd) || bls_fp_is_zero(&yd)) { /* isogeny kernel: maps to O */
    bls_g1p_set_inf(r);
    return;
  }
  bls_fp_mul(&r->z, &xd, &yd);
  bls_fp_sqr(&yd2, &yd);
  bls_fp_mul(&t, &xn, &xd);
  bls_fp_mul(&r->x, &t, &yd2);
  bls_fp_sqr(&xd3, &xd);
  bls_fp_mul(&xd3, &xd3, &xd);
  bls_fp_mul(&t, &y, &yn);
  bls_fp_mul(&t, &t, &xd3);
  bls_fp_mul(&r->y, &t, &yd2);
}

void bls_g1p_clear_cofactor(bls_g1p *r, const bls_g1p *a) {
  static const uint8_t h_eff[8] = {0xd2, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01};
  bls_g1p_mul(r, a, h_eff, sizeof h_eff);
}

/*
 * bls_g2.c: the group G2 of BLS12-381 (E': y^2 = x^3 + 4(1 + u) over Fp2) in Jacobian
 * coordinates, the 96-byte ZCash encoding (x.c1 first, flags in its top bits), the
 * psi endomorphism, the subgroup test psi(P) == [x]P and cofactor clearing by h_eff
 * through psi (RFC 9380 section 8.8.2 / appendix G.3). Used by bls.c (signatures,
 * hashed messages), bls_h2c.c and bls_pairing.c; callers own every struct.
 */
#include "core/bls/bls_curve.h"

#include <string.h>

void bls_g2p_set_inf(bls_g2p *r) {
  memset(r, 0, sizeof *r);
  bls_fp2_set_one(&r->x);
  bls_fp2_set_one(&r->y);
}

bool bls_g2p_is_inf(const bls_g2p *a) { return bls_fp2_is_zero(&a->z); }

void bls_g2p_from_affine(bls_g2p *r, const bls_g2a *a) {
  if (a->inf) {
    bls_g2p_set_inf(r);
    return;
  }
  r->x = a->x;
  r->y = a->y;
  bls_fp2_set_one(&r->z);
}

void bls_g2p_to_affine(bls_g2a *r, const bls_g2p *a) {
  if (bls_g2p_is_inf(a)) {
    memset(r, 0, sizeof *r);
    r->inf = true;
    return;
  }
  bls_fp2 zi, zi2, zi3;
  bls_fp2_inv(&zi, &a->z);
  bls_fp2_sqr(&zi2, &zi);
  bls_fp2_mul(&zi3, &zi2, &zi);
  bls_fp2_mul(&r->x, &a->x, &zi2);
  bls_fp2_mul(&r->y, &a->y, &zi3);
  r->inf = false;
}

/* dbl-2009-l (a = 0) */
void bls_g2p_dbl(bls_g2p *r, const bls_g2p *a) {
  if (bls_g2p_is_inf(a)) {
    *r = *a;
    return;
  }
  bls_fp2 A, B, C, D, E, F, t, z3;
  bls_fp2_sqr(&A, &a->x);
  bls_fp2_sqr(&B, &a->y);
  bls_fp2_sqr(&C, &B);
  bls_fp2_add(&D, &a->x, &B);
  bls_fp2_sqr(&D, &D);
  bls_fp2_sub(&D, &D, &A);
  bls_fp2_sub(&D, &D, &C);
  bls_fp2_dbl(&D, &D);
  bls_fp2_dbl(&E, &A);
  bls_fp2_add(&E, &E, &A);
  bls_fp2_sqr(&F, &E);
  bls_fp2_mul(&z3, &a->y, &a->z);
  bls_fp2_dbl(&r->z, &z3);
  bls_fp2_dbl(&t, &D);
  bls_fp2_sub(&r->x, &F, &t);
  bls_fp2_sub(&t, &D, &r->x);
  bls_fp2_mul(&t, &E, &t);
  bls_fp2_dbl(&C, &C);
  bls_fp2_dbl(&C, &C);
  bls_fp2_dbl(&C, &C);
  bls_fp2_sub(&r->y, &t, &C);
}

/* add-2007-bl */
void bls_g2p_add(bls_g2p *r, const bls_g2p *a, const bls_g2p *b) {
  if (bls_g2p_is_inf(a)) {
    *r = *b;
    return;
  }
  if (bls_g2p_is_inf(b)) {
    *r = *a;
    return;
  }
  bls_fp2 z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t, z3;
  bls_fp2_sqr(&z1z1, &a->z);
  bls_fp2_sqr(&z2z2, &b->z);
  bls_fp2_mul(&u1, &a->x, &z2z2);
  bls_fp2_mul(&u2, &b->x, &z1z1);
  bls_fp2_mul(&s1, &a->y, &b->z);
  bls_fp2_mul(&s1, &s1, &z2z2);
  bls_fp2_mul(&s2, &b->y, &a->z);
  bls_fp2_mul(&s2, &s2, &z1z1);
  bls_fp2_sub(&h, &u2, &u1);
  bls_fp2_sub(&rr, &s2, &s1);
  if (bls_fp2_is_zero(&h)) {
    if (bls_fp2_is_zero(&rr))
      bls_g2p_dbl(r, a);
    else
      bls_g2p_set_inf(r);
    return;
  }
  bls_fp2_dbl(&i, &h);
  bls_fp2_sqr(&i, &i);
  bls_fp2_mul(&j, &h, &i);
  bls_fp2_dbl(&rr, &rr);
  bls_fp2_mul(&v, &u1, &i);
  bls_fp2_add(&z3, &a->z, &b->z);
  bls_fp2_sqr(&z3, &z3);
  bls_fp2_sub(&z3, &z3, &z1z1);
  bls_fp2_sub(&z3, &z3, &z2z2);
  bls_fp2_mul(&r->z, &z3, &h);
  bls_fp2_sqr(&t, &rr);
  bls_fp2_sub(&t, &t, &j);
  bls_fp2_sub(&t, &t, &v);
  bls_fp2_sub(&r->x, &t, &v);
  bls_fp2_sub(&t, &v, &r->x);
  bls_fp2_mul(&t, &rr, &t);
  bls_fp2_mul(&s1, &s1, &j);
  bls_fp2_dbl(&s1, &s1);
  bls_fp2_sub(&r->y, &t, &s1);
}

void bls_g2p_neg(bls_g2p *r, const bls_g2p *a) {
  r->x = a->x;
  bls_fp2_neg(&r->y, &a->y);
  r->z = a->z;
}

void bls_g2p_mul(bls_g2p *r, const bls_g2p *a, const uint8_t *k_be, size_t k_len) {
  bls_g2p acc, base = *a;
  bls_g2p_set_inf(&acc);
  for (size_t i = 0; i < k_len; i++) {
    for (int b = 7; b >= 0; b--) {
      bls_g2p_dbl(&acc, &acc);
      if ((k_be[i] >> b) & 1) bls_g2p_add(&acc, &acc, &base);
    }
  }
  *r = acc;
}

/* r = [x]a for the (negative) BLS parameter x. */
static void g2p_mul_x(bls_g2p *r, const bls_g2p *a) {
  uint8_t be[8];
  for (int i = 0; i < 8; i++) be[i] = (uint8_t)(BLS_X_ABS >> (56 - 8 * i));
  bls_g2p_mul(r, a, be, sizeof be);
  bls_g2p_neg(r, r);
}

bool bls_g2p_eq(const bls_g2p *a, const bls_g2p *b) {
  bool ia = bls_g2p_is_inf(a), ib = bls_g2p_is_inf(b);
  if (ia || ib) return ia && ib;
  bls_fp2 z1z1, z2z2, l, rr;
  bls_fp2_sqr(&z1z1, &a->z);
  bls_fp2_sqr(&z2z2, &b->z);
  bls_fp2_mul(&l, &a->x, &z2z2);
  bls_fp2_mul(&rr, &b->x, &z1z1);
  if (!bls_fp2_eq(&l, &rr)) return false;
  bls_fp2_mul(&z2z2, &z2z2, &b->z);
  bls_fp2_mul(&z1z1, &z1z1, &a->z);
  bls_fp2_mul(&l, &a->y, &z2z2);
  bls_fp2_mul(&rr, &b->y, &z1z1);
  return bls_fp2_eq(&l, &rr);
}

bool bls_g2a_on_curve(const bls_g2a *a) {
  if (a->inf) return true;
  bls_fp2 lhs, rhs;
  bls_fp2_sqr(&lhs, &a->y);
  bls_fp2_sqr(&rhs, &a->x);
  bls_fp2_mul(&rhs, &rhs, &a->x);
  bls_fp2_add(&rhs, &rhs, &bls_g2_b);
  return bls_fp2_eq(&lhs, &rhs);
}

void bls_g2p_psi(bls_g2p *r, const bls_g2p *a) {
  bls_fp2_conj(&r->x, &a->x);
  bls_fp2_mul(&r->x, &r->x, &bls_psi_cx);
  bls_fp2_conj(&r->y, &a->y);
  bls_fp2_mul(&r->y, &r->y, &bls_psi_cy);
  bls_fp2_conj(&r->z, &a->z);
}

bool bls_g2p_in_subgroup(const bls_g2p *a) {
  if (bls_g2p_is_inf(a)) return true;
  bls_g2p psi, xp;
  bls_g2p_psi(&psi, a);
  g2p_mul_x(&xp, a);
  return bls_g2p_eq(&psi, &xp);
}

/* [x^2 - x - 1]P + [x - 1]psi(P) + psi^2(2P), in the order of RFC 9380 appendix G.3. */
void bls_g2p_clear_cofactor(bls_g2p *r, const bls_g2p *a) {
  bls_g2p t1, t2, t3, negp;
  g2p_mul_x(&t1, a);
  bls_g2p_psi(&t2, a);
  bls_g2p_dbl(&t3, a);
  bls_g2p_psi(&t3, &t3);
  bls_g2p_psi(&t3, &t3);
  bls_g2p_neg(&t2, &t2);
  bls_g2p_add(&t3, &t3, &t2); /* t3 = psi2(2P) - psi(P) */
  bls_g2p_neg(&t2, &t2);
  bls_g2p_add(&t2, &t1, &t2); /* t2 = [x]P + psi(P) */
  g2p_mul_x(&t2, &t2);
  bls_g2p_add(&t3, &t3, &t2);
  bls_g2p_neg(&t1, &t1);
  bls_g2p_add(&t3, &t3, &t1);
  bls_g2p_neg(&negp, a);
  bls_g2p_add(r, &t3, &negp);
}

void bls_g2_generator(bls_g2a *r) {
  r->x = bls_g2_gen_x;
  r->y = bls_g2_gen_y;
  r->inf = false;
}

vc_status bls_g2a_decode(bls_g2a *r, const uint8_t in[BLS_G2_COMPRESSED], vc_err *err) {
  uint8_t buf[BLS_FP_BYTES];
  uint8_t flags = in[0] & 0xe0;
  memset(r, 0, sizeof *r);
  if (!(flags & 0x80)) return vc_fail(err, VC_ERR_INPUT, "G2 point: compression flag not set");
  if (flags & 0x40) {
    uint8_t rest = in[0] & 0x3f;
    for (size_t i = 1; i < BLS_G2_COMPRESSED; i++) rest |= in[i];
    if (rest) return vc_fail(err, VC_ERR_INPUT, "G2 point: infinity flag with nonzero bits");
    r->inf = true;
    return VC_OK;
  }
  memcpy(buf, in, sizeof buf);
  buf[0] &= 0x1f;
  if (!bls_fp_from_be48(&r->x.c1, buf) || !bls_fp_from_be48(&r->x.c0, in + BLS_FP_BYTES))
    return vc_fail(err, VC_ERR_INPUT, "G2 point: x coordinate is not below p");
  bls_fp2 rhs;
  bls_fp2_sqr(&rhs, &r->x);
  bls_fp2_mul(&rhs, &rhs, &r->x);
  bls_fp2_add(&rhs, &rhs, &bls_g2_b);
  if (!bls_fp2_sqrt(&r->y, &rhs)) return vc_fail(err, VC_ERR_INPUT, "G2 point: not on the curve");
  if (bls_fp2_is_lex_largest(&r->y) != ((flags & 0x20) != 0)) bls_fp2_neg(&r->y, &r->y);
  bls_g2p p;
  bls_g2p_from_affine(&p, r);
  if (!bls_g2p_in_subgroup(&p)) return vc_fail(err, VC_ERR_INPUT, "G2 point: not in the r-order subgroup");
  return VC_OK;
}

void bls_g2a_encode(uint8_t out[BLS_G2_COMPRESSED], const bls_g2a *a) {
  memset(out, 0, BLS_G2_COMPRESSED);
  if (a->inf) {
    out[0] = 0xc0;
    return;
  }
  bls_fp_to_be48(out, &a->x.c1);
  bls_fp_to_be48(out + BLS_FP_BYTES, &a->x.c0);
  out[0] |= 0x80;
  if (bls_fp2_is_lex_largest(&a->y)) out[0] |= 0x20;
}

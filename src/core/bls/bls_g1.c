/*
 * bls_g1.c: the group G1 of BLS12-381 (E: y^2 = x^3 + 4 over Fp) in Jacobian
 * coordinates, the 48-byte ZCash point encoding, and the subgroup test
 * phi(P) == -[x^2]P with phi(x, y) = (beta x, y) (M. Scott, "A note on group
 * membership tests for G1, G2 and GT on BLS pairing-friendly curves"), which costs two
 * 64-bit scalar multiplications instead of one by the 255-bit group order.
 * Used by bls.c (public keys) and bls_pairing.c; callers own every struct.
 */
#include "core/bls/bls_curve.h"

#include <string.h>

void bls_g1p_set_inf(bls_g1p *r) {
  memset(r, 0, sizeof *r);
  r->x = bls_fp_one;
  r->y = bls_fp_one;
}

bool bls_g1p_is_inf(const bls_g1p *a) { return bls_fp_is_zero(&a->z); }

void bls_g1p_from_affine(bls_g1p *r, const bls_g1a *a) {
  if (a->inf) {
    bls_g1p_set_inf(r);
    return;
  }
  r->x = a->x;
  r->y = a->y;
  r->z = bls_fp_one;
}

void bls_g1p_to_affine(bls_g1a *r, const bls_g1p *a) {
  if (bls_g1p_is_inf(a)) {
    memset(r, 0, sizeof *r);
    r->inf = true;
    return;
  }
  bls_fp zi, zi2, zi3;
  bls_fp_inv(&zi, &a->z);
  bls_fp_sqr(&zi2, &zi);
  bls_fp_mul(&zi3, &zi2, &zi);
  bls_fp_mul(&r->x, &a->x, &zi2);
  bls_fp_mul(&r->y, &a->y, &zi3);
  r->inf = false;
}

/* dbl-2009-l (a = 0) */
void bls_g1p_dbl(bls_g1p *r, const bls_g1p *a) {
  if (bls_g1p_is_inf(a)) {
    *r = *a;
    return;
  }
  bls_fp A, B, C, D, E, F, t, z3;
  bls_fp_sqr(&A, &a->x);
  bls_fp_sqr(&B, &a->y);
  bls_fp_sqr(&C, &B);
  bls_fp_add(&D, &a->x, &B);
  bls_fp_sqr(&D, &D);
  bls_fp_sub(&D, &D, &A);
  bls_fp_sub(&D, &D, &C);
  bls_fp_dbl(&D, &D);
  bls_fp_dbl(&E, &A);
  bls_fp_add(&E, &E, &A);
  bls_fp_sqr(&F, &E);
  bls_fp_mul(&z3, &a->y, &a->z);
  bls_fp_dbl(&r->z, &z3);
  bls_fp_dbl(&t, &D);
  bls_fp_sub(&r->x, &F, &t);
  bls_fp_sub(&t, &D, &r->x);
  bls_fp_mul(&t, &E, &t);
  bls_fp_dbl(&C, &C);
  bls_fp_dbl(&C, &C);
  bls_fp_dbl(&C, &C);
  bls_fp_sub(&r->y, &t, &C);
}

/* add-2007-bl */
void bls_g1p_add(bls_g1p *r, const bls_g1p *a, const bls_g1p *b) {
  if (bls_g1p_is_inf(a)) {
    *r = *b;
    return;
  }
  if (bls_g1p_is_inf(b)) {
    *r = *a;
    return;
  }
  bls_fp z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
  bls_fp_sqr(&z1z1, &a->z);
  bls_fp_sqr(&z2z2, &b->z);
  bls_fp_mul(&u1, &a->x, &z2z2);
  bls_fp_mul(&u2, &b->x, &z1z1);
  bls_fp_mul(&s1, &a->y, &b->z);
  bls_fp_mul(&s1, &s1, &z2z2);
  bls_fp_mul(&s2, &b->y, &a->z);
  bls_fp_mul(&s2, &s2, &z1z1);
  bls_fp_sub(&h, &u2, &u1);
  bls_fp_sub(&rr, &s2, &s1);
  if (bls_fp_is_zero(&h)) {
    if (bls_fp_is_zero(&rr))
      bls_g1p_dbl(r, a);
    else
      bls_g1p_set_inf(r);
    return;
  }
  bls_fp_dbl(&i, &h);
  bls_fp_sqr(&i, &i);
  bls_fp_mul(&j, &h, &i);
  bls_fp_dbl(&rr, &rr);
  bls_fp_mul(&v, &u1, &i);
  bls_fp z3;
  bls_fp_add(&z3, &a->z, &b->z);
  bls_fp_sqr(&z3, &z3);
  bls_fp_sub(&z3, &z3, &z1z1);
  bls_fp_sub(&z3, &z3, &z2z2);
  bls_fp_mul(&r->z, &z3, &h);
  bls_fp_sqr(&t, &rr);
  bls_fp_sub(&t, &t, &j);
  bls_fp_sub(&t, &t, &v);
  bls_fp_sub(&r->x, &t, &v);
  bls_fp_sub(&t, &v, &r->x);
  bls_fp_mul(&t, &rr, &t);
  bls_fp_mul(&s1, &s1, &j);
  bls_fp_dbl(&s1, &s1);
  bls_fp_sub(&r->y, &t, &s1);
}

/* madd-2007-bl: b affine */
void bls_g1p_add_affine(bls_g1p *r, const bls_g1p *a, const bls_g1a *b) {
  if (b->inf) {
    *r = *a;
    return;
  }
  if (bls_g1p_is_inf(a)) {
    bls_g1p_from_affine(r, b);
    return;
  }
  bls_fp z1z1, u2, s2, h, hh, i, j, rr, v, t, z3;
  bls_fp_sqr(&z1z1, &a->z);
  bls_fp_mul(&u2, &b->x, &z1z1);
  bls_fp_mul(&s2, &b->y, &a->z);
  bls_fp_mul(&s2, &s2, &z1z1);
  bls_fp_sub(&h, &u2, &a->x);
  bls_fp_sub(&rr, &s2, &a->y);
  if (bls_fp_is_zero(&h)) {
    if (bls_fp_is_zero(&rr))
      bls_g1p_dbl(r, a);
    else
      bls_g1p_set_inf(r);
    return;
  }
  bls_fp_sqr(&hh, &h);
  bls_fp_dbl(&i, &hh);
  bls_fp_dbl(&i, &i);
  bls_fp_mul(&j, &h, &i);
  bls_fp_dbl(&rr, &rr);
  bls_fp_mul(&v, &a->x, &i);
  bls_fp_add(&z3, &a->z, &h);
  bls_fp_sqr(&z3, &z3);
  bls_fp_sub(&z3, &z3, &z1z1);
  bls_fp_sub(&z3, &z3, &hh);
  bls_fp y1j;
  bls_fp_mul(&y1j, &a->y, &j);
  bls_fp_dbl(&y1j, &y1j);
  r->z = z3;
  bls_fp_sqr(&t, &rr);
  bls_fp_sub(&t, &t, &j);
  bls_fp_sub(&t, &t, &v);
  bls_fp_sub(&r->x, &t, &v);
  bls_fp_sub(&t, &v, &r->x);
  bls_fp_mul(&t, &rr, &t);
  bls_fp_sub(&r->y, &t, &y1j);
}

void bls_g1p_neg(bls_g1p *r, const bls_g1p *a) {
  r->x = a->x;
  bls_fp_neg(&r->y, &a->y);
  r->z = a->z;
}

void bls_g1p_mul(bls_g1p *r, const bls_g1p *a, const uint8_t *k_be, size_t k_len) {
  bls_g1p acc, base = *a;
  bls_g1p_set_inf(&acc);
  for (size_t i = 0; i < k_len; i++) {
    for (int b = 7; b >= 0; b--) {
      bls_g1p_dbl(&acc, &acc);
      if ((k_be[i] >> b) & 1) bls_g1p_add(&acc, &acc, &base);
    }
  }
  *r = acc;
}

static void g1p_mul_u64(bls_g1p *r, const bls_g1p *a, uint64_t k) {
  uint8_t be[8];
  for (int i = 0; i < 8; i++) be[i] = (uint8_t)(k >> (56 - 8 * i));
  bls_g1p_mul(r, a, be, sizeof be);
}

bool bls_g1p_eq(const bls_g1p *a, const bls_g1p *b) {
  bool ia = bls_g1p_is_inf(a), ib = bls_g1p_is_inf(b);
  if (ia || ib) return ia && ib;
  bls_fp z1z1, z2z2, l, rr;
  bls_fp_sqr(&z1z1, &a->z);
  bls_fp_sqr(&z2z2, &b->z);
  bls_fp_mul(&l, &a->x, &z2z2);
  bls_fp_mul(&rr, &b->x, &z1z1);
  if (!bls_fp_eq(&l, &rr)) return false;
  bls_fp_mul(&z2z2, &z2z2, &b->z);
  bls_fp_mul(&z1z1, &z1z1, &a->z);
  bls_fp_mul(&l, &a->y, &z2z2);
  bls_fp_mul(&rr, &b->y, &z1z1);
  return bls_fp_eq(&l, &rr);
}

bool bls_g1a_on_curve(const bls_g1a *a) {
  if (a->inf) return true;
  bls_fp lhs, rhs;
  bls_fp_sqr(&lhs, &a->y);
  bls_fp_sqr(&rhs, &a->x);
  bls_fp_mul(&rhs, &rhs, &a->x);
  bls_fp_add(&rhs, &rhs, &bls_g1_b);
  return bls_fp_eq(&lhs, &rhs);
}

bool bls_g1p_in_subgroup(const bls_g1p *a) {
  if (bls_g1p_is_inf(a)) return true;
  bls_g1p phi = *a, t;
  bls_fp_mul(&phi.x, &phi.x, &bls_g1_beta);
  g1p_mul_u64(&t, a, BLS_X_ABS);
  g1p_mul_u64(&t, &t, BLS_X_ABS); /* [x^2]P */
  bls_g1p_neg(&t, &t);
  return bls_g1p_eq(&phi, &t);
}

void bls_g1_generator(bls_g1a *r) {
  r->x = bls_g1_gen_x;
  r->y = bls_g1_gen_y;
  r->inf = false;
}

vc_status bls_g1a_decode(bls_g1a *r, const uint8_t in[BLS_G1_COMPRESSED], vc_err *err) {
  uint8_t buf[BLS_G1_COMPRESSED];
  uint8_t flags = in[0] & 0xe0;
  memset(r, 0, sizeof *r);
  if (!(flags & 0x80)) return vc_fail(err, VC_ERR_INPUT, "G1 point: compression flag not set");
  if (flags & 0x40) {
    uint8_t rest = in[0] & 0x3f;
    for (size_t i = 1; i < BLS_G1_COMPRESSED; i++) rest |= in[i];
    if (rest) return vc_fail(err, VC_ERR_INPUT, "G1 point: infinity flag with nonzero bits");
    r->inf = true;
    return VC_OK;
  }
  memcpy(buf, in, sizeof buf);
  buf[0] &= 0x1f;
  if (!bls_fp_from_be48(&r->x, buf)) return vc_fail(err, VC_ERR_INPUT, "G1 point: x is not below p");
  bls_fp rhs;
  bls_fp_sqr(&rhs, &r->x);
  bls_fp_mul(&rhs, &rhs, &r->x);
  bls_fp_add(&rhs, &rhs, &bls_g1_b);
  if (!bls_fp_sqrt(&r->y, &rhs)) return vc_fail(err, VC_ERR_INPUT, "G1 point: not on the curve");
  if (bls_fp_is_lex_largest(&r->y) != ((flags & 0x20) != 0)) bls_fp_neg(&r->y, &r->y);
  bls_g1p p;
  bls_g1p_from_affine(&p, r);
  if (!bls_g1p_in_subgroup(&p)) return vc_fail(err, VC_ERR_INPUT, "G1 point: not in the r-order subgroup");
  return VC_OK;
}

void bls_g1a_encode(uint8_t out[BLS_G1_COMPRESSED], const bls_g1a *a) {
  if (a->inf) {
    memset(out, 0, BLS_G1_COMPRESSED);
    out[0] = 0xc0;
    return;
  }
  bls_fp_to_be48(out, &a->x);
  out[0] |= 0x80;
  if (bls_fp_is_lex_largest(&a->y)) out[0] |= 0x20;
}

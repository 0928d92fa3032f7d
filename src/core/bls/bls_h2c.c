/*
 * bls_h2c.c: hashing to G2 per RFC 9380, suite BLS12381G2_XMD:SHA-256_SSWU_RO_:
 * expand_message_xmd with SHA-256 (nettle), hash_to_field into Fp2 (two elements,
 * L = 64 bytes each), the simplified SWU map onto the 3-isogenous curve
 * E2': y^2 = x^3 + 240u x + 1012(1 + u) with Z = -(2 + u), the 3-isogeny to E2, and
 * cofactor clearing by h_eff. The domain separation tag is the caller's: Ethereum's
 * BLS_SIG_..._POP_ tag comes from bls.c, the RFC's QUUX tag from the tests.
 * Inputs are capped (DST <= 1024 bytes, longer than 255 hashed per section 5.3.3; output <= 8160 bytes, message <= 1 MiB); the
 * result is a Jacobian point owned by the caller.
 */
#include "core/bls/bls_curve.h"

#include <nettle/sha2.h>
#include <string.h>

#define SHA256_BYTES 32
#define SHA256_BLOCK 64
#define H2C_MSG_MAX ((size_t)1 << 20)
#define H2C_L 64 /* ceil((ceil(log2(p)) + k) / 8) with k = 128 */

vc_status bls_expand_message_xmd(uint8_t *out, size_t out_len, const uint8_t *msg, size_t msg_len,
                                 const uint8_t *dst, size_t dst_len, vc_err *err) {
  uint8_t dst_hashed[SHA256_BYTES];
  struct sha256_ctx ctx;
  if (dst_len > BLS_DST_MAX)
    return vc_fail(err, VC_ERR_LIMIT, "expand_message_xmd: DST of %zu bytes over the %d cap", dst_len,
                   BLS_DST_MAX);
  if (dst_len > 255) { /* RFC 9380 section 5.3.3: DST = H("H2C-OVERSIZE-DST-" || DST) */
    static const char prefix[] = "H2C-OVERSIZE-DST-";
    sha256_init(&ctx);
    sha256_update(&ctx, sizeof prefix - 1, (const uint8_t *)prefix);
    sha256_update(&ctx, dst_len, dst);
    sha256_digest(&ctx, SHA256_BYTES, dst_hashed);
    dst = dst_hashed;
    dst_len = SHA256_BYTES;
  }
  if (out_len == 0 || out_len > BLS_XMD_MAX)
    return vc_fail(err, VC_ERR_LIMIT, "expand_message_xmd: output length %zu not in 1..%d", out_len,
                   BLS_XMD_MAX);
  if (msg_len > H2C_MSG_MAX)
    return vc_fail(err, VC_ERR_LIMIT, "expand_message_xmd: message of %zu bytes over the %zu cap", msg_len,
                   H2C_MSG_MAX);
  size_t ell = (out_len + SHA256_BYTES - 1) / SHA256_BYTES;
  static const uint8_t z_pad[SHA256_BLOCK] = {0};
  uint8_t lib[2] = {(uint8_t)(out_len >> 8), (uint8_t)out_len};
  uint8_t dst_len_byte = (uint8_t)dst_len;
  uint8_t b0[SHA256_BYTES], bi[SHA256_BYTES], x[SHA256_BYTES];
  uint8_t ctr = 0;

  sha256_init(&ctx);
  sha256_update(&ctx, sizeof z_pad, z_pad);
  if (msg_len) sha256_update(&ctx, msg_len, msg);
  sha256_update(&ctx, sizeof lib, lib);
  sha256_update(&ctx, 1, &ctr);
  if (dst_len) sha256_update(&ctx, dst_len, dst);
  sha256_update(&ctx, 1, &dst_len_byte);
  sha256_digest(&ctx, SHA256_BYTES, b0);

  memset(bi, 0, sizeof bi); /* strxor(b0, 0) = b0 for the first block */
  for (size_t i = 1; i <= ell; i++) {
    for (size_t k = 0; k < SHA256_BYTES; k++) x[k] = (uint8_t)(b0[k] ^ bi[k]);
    ctr = (uint8_t)i;
    sha256_init(&ctx);
    sha256_update(&ctx, sizeof x, x);
    sha256_update(&ctx, 1, &ctr);
    if (dst_len) sha256_update(&ctx, dst_len, dst);
    sha256_update(&ctx, 1, &dst_len_byte);
    sha256_digest(&ctx, SHA256_BYTES, bi);
    size_t off = (i - 1) * SHA256_BYTES;
    size_t n = out_len - off < SHA256_BYTES ? out_len - off : SHA256_BYTES;
    memcpy(out + off, bi, n);
  }
  return VC_OK;
}

vc_status bls_hash_to_field_fp2(bls_fp2 u[2], const uint8_t *msg, size_t msg_len, const uint8_t *dst,
                                size_t dst_len, vc_err *err) {
  uint8_t uniform[2 * 2 * H2C_L];
  vc_status st = bls_expand_message_xmd(uniform, sizeof uniform, msg, msg_len, dst, dst_len, err);
  if (st != VC_OK) return st;
  for (int i = 0; i < 2; i++) {
    bls_fp_from_be_reduce(&u[i].c0, uniform + (size_t)(2 * i) * H2C_L, H2C_L);
    bls_fp_from_be_reduce(&u[i].c1, uniform + (size_t)(2 * i + 1) * H2C_L, H2C_L);
  }
  return VC_OK;
}

/* g(x) = x^3 + A' x + B' on E2' */
static void sswu_curve(bls_fp2 *gx, const bls_fp2 *x) {
  bls_fp2 t;
  bls_fp2_sqr(&t, x);
  bls_fp2_add(&t, &t, &bls_sswu_a);
  bls_fp2_mul(&t, &t, x);
  bls_fp2_add(gx, &t, &bls_sswu_b);
}

/* Horner evaluation of a polynomial with ascending coefficients. */
static void poly_eval(bls_fp2 *r, const bls_fp2 *coef, size_t n, const bls_fp2 *x) {
  bls_fp2 acc = coef[n - 1];
  for (size_t i = n - 1; i-- > 0;) {
    bls_fp2_mul(&acc, &acc, x);
    bls_fp2_add(&acc, &acc, &coef[i]);
  }
  *r = acc;
}

/* RFC 9380 section 6.6.2 (straight-line form of simplified SWU), then the 3-isogeny
 * of appendix E.3, returned in Jacobian form without any inversion:
 * Z = xd yd, X = xn xd yd^2, Y = y' yn xd^3 yd^2. */
void bls_map_to_g2(bls_g2p *r, const bls_fp2 *u) {
  bls_fp2 u2, zu2, tv1, x1, x2, gx, y, t;
  bls_fp2_sqr(&u2, u);
  bls_fp2_mul(&zu2, &bls_sswu_z, &u2); /* Z u^2 */
  bls_fp2_sqr(&tv1, &zu2);
  bls_fp2_add(&tv1, &tv1, &zu2); /* Z^2 u^4 + Z u^2 */
  if (bls_fp2_is_zero(&tv1)) {
    x1 = bls_sswu_b_over_za;
  } else {
    bls_fp2 one;
    bls_fp2_set_one(&one);
    bls_fp2_inv(&tv1, &tv1);
    bls_fp2_add(&tv1, &tv1, &one);
    bls_fp2_mul(&x1, &bls_sswu_minus_b_over_a, &tv1);
  }
  sswu_curve(&gx, &x1);
  bls_fp2 xs = x1;
  if (!bls_fp2_sqrt(&y, &gx)) {
    bls_fp2_mul(&x2, &zu2, &x1);
    sswu_curve(&gx, &x2);
    /* gx1 non-square implies gx2 = Z^3 u^6 gx1 is a square (Z is a non-square), so
     * this branch cannot fail; should it, the result is the identity, never a guess. */
    if (!bls_fp2_sqrt(&y, &gx)) {
      bls_g2p_set_inf(r);
      return;
    }
    xs = x2;
  }
  if (bls_fp2_sgn0(u) != bls_fp2_sgn0(&y)) bls_fp2_neg(&y, &y);

  bls_fp2 xn, xd, yn, yd, yd2, xd3;
  poly_eval(&xn, bls_iso3_xnum, 4, &xs);
  poly_eval(&xd, bls_iso3_xden, 3, &xs);
  poly_eval(&yn, bls_iso3_ynum, 4, &xs);
  poly_eval(&yd, bls_iso3_yden, 4, &xs);
  if (bls_fp2_is_zero(&xd) || bls_fp2_is_zero(&yd)) { /* isogeny kernel: maps to O */
    bls_g2p_set_inf(r);
    return;
  }
  bls_fp2_mul(&r->z, &xd, &yd);
  bls_fp2_sqr(&yd2, &yd);
  bls_fp2_mul(&t, &xn, &xd);
  bls_fp2_mul(&r->x, &t, &yd2);
  bls_fp2_sqr(&xd3, &xd);
  bls_fp2_mul(&xd3, &xd3, &xd);
  bls_fp2_mul(&t, &y, &yn);
  bls_fp2_mul(&t, &t, &xd3);
  bls_fp2_mul(&r->y, &t, &yd2);
}

vc_status bls_hash_to_g2(bls_g2p *r, const uint8_t *msg, size_t msg_len, const uint8_t *dst,
                         size_t dst_len, vc_err *err) {
  bls_fp2 u[2];
  bls_g2p q0, q1;
  vc_status st = bls_hash_to_field_fp2(u, msg, msg_len, dst, dst_len, err);
  if (st != VC_OK) return st;
  bls_map_to_g2(&q0, &u[0]);
  bls_map_to_g2(&q1, &u[1]);
  bls_g2p_add(&q0, &q0, &q1);
  bls_g2p_clear_cofactor(r, &q0);
  return VC_OK;
}

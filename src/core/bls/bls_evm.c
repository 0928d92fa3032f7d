/*
 * bls_evm.c: the EIP-2537 operations of bls_evm.h on top of the in-tree field, curve,
 * pairing, map and MSM code: decoding of the padded uncompressed encodings (top 16 bytes
 * zero, value below p, on the curve, optionally in the subgroup), encoding of results
 * (affine, infinity as zeros), and the seven operations. The KZG point evaluation lives
 * in bls_kzg.c. Errors name the pair and the coordinate at fault. The MSM's points and
 * scalars are copied into one malloc'd block, freed before return; nothing else
 * allocates. Called by src/core/evm/pc_bls.c.
 */
#include "core/bls/bls_evm.h"

#include <stdlib.h>
#include <string.h>

#include "core/bls/bls_curve.h"

#define FP_PAD 16 /* leading zero bytes of a 64-byte Fp encoding */

static bool all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/* One padded Fp element; what names it in the message ("G1 point 2 x"). */
static vc_status fp_decode(bls_fp *r, const uint8_t in[BLS_EVM_FP], const char *what, size_t idx,
                           vc_err *err) {
  if (!all_zero(in, FP_PAD))
    return vc_fail(err, VC_ERR_INPUT, "%s (pair %zu): the top 16 bytes of a field element must be zero",
                   what, idx);
  if (!bls_fp_from_be48(r, in + FP_PAD))
    return vc_fail(err, VC_ERR_INPUT, "%s (pair %zu): field element is not below the modulus p", what,
                   idx);
  return VC_OK;
}

static void fp_encode(uint8_t out[BLS_EVM_FP], const bls_fp *a) {
  memset(out, 0, FP_PAD);
  bls_fp_to_be48(out + FP_PAD, a);
}

static vc_status fp2_decode(bls_fp2 *r, const uint8_t in[BLS_EVM_FP2], const char *what, size_t idx,
                            vc_err *err) {
  vc_status st = fp_decode(&r->c0, in, what, idx, err);
  if (st == VC_OK) st = fp_decode(&r->c1, in + BLS_EVM_FP, what, idx, err);
  return st;
}

/* A G1 point: infinity (all zeros) or an on-curve (x, y); subgroup-checked on request. */
static vc_status g1_decode(bls_g1a *r, const uint8_t in[BLS_EVM_G1], bool subgroup, size_t idx,
                           vc_err *err) {
  memset(r, 0, sizeof *r);
  vc_status st = fp_decode(&r->x, in, "G1 x", idx, err);
  if (st == VC_OK) st = fp_decode(&r->y, in + BLS_EVM_FP, "G1 y", idx, err);
  if (st != VC_OK) return st;
  if (all_zero(in, BLS_EVM_G1)) {
    r->inf = true;
    return VC_OK;
  }
  if (!bls_g1a_on_curve(r))
    return vc_fail(err, VC_ERR_INPUT, "G1 point (pair %zu) is not on the curve y^2 = x^3 + 4", idx);
  if (subgroup) {
    bls_g1p p;
    bls_g1p_from_affine(&p, r);
    if (!bls_g1p_in_subgroup(&p))
      return vc_fail(err, VC_ERR_INPUT, "G1 point (pair %zu) is not in the order-r subgroup", idx);
  }
  return VC_OK;
}

static vc_status g2_decode(bls_g2a *r, const uint8_t in[BLS_EVM_G2], bool subgroup, size_t idx,
                           vc_err *err) {
  memset(r, 0, sizeof *r);
  vc_status st = fp2_decode(&r->x, in, "G2 x", idx, err);
  if (st == VC_OK) st = fp2_decode(&r->y, in + BLS_EVM_FP2, "G2 y", idx, err);
  if (st != VC_OK) return st;
  if (all_zero(in, BLS_EVM_G2)) {
    r->inf = true;
    return VC_OK;
  }
  if (!bls_g2a_on_curve(r))
    return vc_fail(err, VC_ERR_INPUT, "G2 point (pair %zu) is not on the curve y^2 = x^3 + 4(1 + u)", idx);
  if (subgroup) {
    bls_g2p p;
    bls_g2p_from_affine(&p, r);
    if (!bls_g2p_in_subgroup(&p))
      return vc_fail(err, VC_ERR_INPUT, "G2 point (pair %zu) is not in the order-r subgroup", idx);
  }
  return VC_OK;
}

static void g1_encode(uint8_t out[BLS_EVM_G1], const bls_g1p *p) {
  bls_g1a a;
  bls_g1p_to_affine(&a, p);
  if (a.inf) {
    memset(out, 0, BLS_EVM_G1);
    return;
  }
  fp_encode(out, &a.x);
  fp_encode(out + BLS_EVM_FP, &a.y);
}

static void g2_encode(uint8_t out[BLS_EVM_G2], const bls_g2p *p) {
  bls_g2a a;
  bls_g2p_to_affine(&a, p);
  if (a.inf) {
    memset(out, 0, BLS_EVM_G2);
    return;
  }
  fp_encode(out, &a.x.c0);
  fp_encode(out + BLS_EVM_FP, &a.x.c1);
  fp_encode(out + 2 * BLS_EVM_FP, &a.y.c0);
  fp_encode(out + 3 * BLS_EVM_FP, &a.y.c1);
}

vc_status bls_evm_g1_add(uint8_t out[BLS_EVM_G1], const uint8_t a[BLS_EVM_G1], const uint8_t b[BLS_EVM_G1],
                         vc_err *err) {
  bls_g1a pa, pb;
  bls_g1p r;
  vc_status st = g1_decode(&pa, a, false, 0, err);
  if (st == VC_OK) st = g1_decode(&pb, b, false, 1, err);
  if (st != VC_OK) return st;
  bls_g1p_from_affine(&r, &pa);
  bls_g1p_add_affine(&r, &r, &pb);
  g1_encode(out, &r);
  return VC_OK;
}

vc_status bls_evm_g2_add(uint8_t out[BLS_EVM_G2], const uint8_t a[BLS_EVM_G2], const uint8_t b[BLS_EVM_G2],
                         vc_err *err) {
  bls_g2a pa, pb;
  bls_g2p r;
  vc_status st = g2_decode(&pa, a, false, 0, err);
  if (st == VC_OK) st = g2_decode(&pb, b, false, 1, err);
  if (st != VC_OK) return st;
  bls_g2p_from_affine(&r, &pa);
  bls_g2p_add_affine(&r, &r, &pb);
  g2_encode(out, &r);
  return VC_OK;
}

static vc_status msm_count_ok(size_t n, vc_err *err) {
  if (n == 0) return vc_fail(err, VC_ERR_INPUT, "MSM input is empty: at least one (point, scalar) pair");
  if (n > BLS_EVM_MSM_MAX)
    return vc_fail(err, VC_ERR_LIMIT, "MSM of %zu pairs is over the %zu-pair cap", n, BLS_EVM_MSM_MAX);
  return VC_OK;
}

vc_status bls_evm_g1_msm(uint8_t out[BLS_EVM_G1], const uint8_t *pairs, size_t n, vc_err *err) {
  vc_status st = msm_count_ok(n, err);
  if (st != VC_OK) return st;
  bls_g1a *pts = malloc(n * (sizeof *pts + BLS_EVM_SCALAR));
  if (!pts) return vc_fail(err, VC_ERR_NOMEM, "MSM of %zu G1 pairs: out of memory", n);
  uint8_t (*k)[BLS_EVM_SCALAR] = (uint8_t (*)[BLS_EVM_SCALAR])(pts + n);
  for (size_t i = 0; i < n; i++) {
    const uint8_t *pair = pairs + i * BLS_EVM_G1_PAIR;
    st = g1_decode(&pts[i], pair, true, i, err);
    if (st != VC_OK) goto out;
    memcpy(k[i], pair + BLS_EVM_G1, BLS_EVM_SCALAR);
  }
  bls_g1p r;
  if (!bls_g1_msm(&r, pts, (const uint8_t (*)[BLS_MSM_SCALAR])k, n)) {
    st = vc_fail(err, VC_ERR_NOMEM, "MSM of %zu G1 pairs: out of memory for the buckets", n);
    goto out;
  }
  g1_encode(out, &r);
out:
  free(pts);
  return st;
}

vc_status bls_evm_g2_msm(uint8_t out[BLS_EVM_G2], const uint8_t *pairs, size_t n, vc_err *err) {
  vc_status st = msm_count_ok(n, err);
  if (st != VC_OK) return st;
  bls_g2a *pts = malloc(n * (sizeof *pts + BLS_EVM_SCALAR));
  if (!pts) return vc_fail(err, VC_ERR_NOMEM, "MSM of %zu G2 pairs: out of memory", n);
  uint8_t (*k)[BLS_EVM_SCALAR] = (uint8_t (*)[BLS_EVM_SCALAR])(pts + n);
  for (size_t i = 0; i < n; i++) {
    const uint8_t *pair = pairs + i * BLS_EVM_G2_PAIR;
    st = g2_decode(&pts[i], pair, true, i, err);
    if (st != VC_OK) goto out;
    memcpy(k[i], pair + BLS_EVM_G2, BLS_EVM_SCALAR);
  }
  bls_g2p r;
  if (!bls_g2_msm(&r, pts, (const uint8_t (*)[BLS_MSM_SCALAR])k, n)) {
    st = vc_fail(err, VC_ERR_NOMEM, "MSM of %zu G2 pairs: out of memory for the buckets", n);
    goto out;
  }
  g2_encode(out, &r);
out:
  free(pts);
  return st;
}

#define PAIRING_BATCH 8 /* pairs decoded and run through one Miller loop at a time */

vc_status bls_evm_pairing_check(bool *is_one, const uint8_t *pairs, size_t n, vc_err *err) {
  bls_g1a ps[PAIRING_BATCH];
  bls_g2a qs[PAIRING_BATCH];
  bls_fp12 f, part, e;
  *is_one = false;
  if (n == 0) return vc_fail(err, VC_ERR_INPUT, "pairing check input is empty: at least one (G1, G2) pair");
  bls_fp12_set_one(&f);
  for (size_t off = 0; off < n; off += PAIRING_BATCH) {
    size_t m = n - off < PAIRING_BATCH ? n - off : PAIRING_BATCH;
    for (size_t j = 0; j < m; j++) {
      const uint8_t *pair = pairs + (off + j) * BLS_EVM_PAIRING_PAIR;
      vc_status st = g1_decode(&ps[j], pair, true, off + j, err);
      if (st == VC_OK) st = g2_decode(&qs[j], pair + BLS_EVM_G1, true, off + j, err);
      if (st != VC_OK) return st;
    }
    bls_miller_loop(&part, ps, qs, m);
    bls_fp12_mul(&f, &f, &part);
  }
  bls_final_exp(&e, &f);
  *is_one = bls_fp12_is_one(&e);
  return VC_OK;
}

vc_status bls_evm_map_fp_to_g1(uint8_t out[BLS_EVM_G1], const uint8_t in[BLS_EVM_FP], vc_err *err) {
  bls_fp u;
  bls_g1p p;
  vc_status st = fp_decode(&u, in, "map input", 0, err);
  if (st != VC_OK) return st;
  bls_map_to_g1(&p, &u);
  bls_g1p_clear_cofactor(&p, &p);
  g1_encode(out, &p);
  return VC_OK;
}

vc_status bls_evm_map_fp2_to_g2(uint8_t out[BLS_EVM_G2], const uint8_t in[BLS_EVM_FP2], vc_err *err) {
  bls_fp2 u;
  bls_g2p p;
  vc_status st = fp2_decode(&u, in, "map input", 0, err);
  if (st != VC_OK) return st;
  bls_map_to_g2(&p, &u);
  bls_g2p_clear_cofactor(&p, &p);
  g2_encode(out, &p);
  return VC_OK;
}

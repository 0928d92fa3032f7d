/*
 * bls_msm.c: multi-scalar multiplication sum [k_i] P_i in G1 and G2, for the EIP-2537
 * MSM precompiles (via bls_evm.c).
 *
 * Pippenger's bucket method: the 256-bit scalars are cut into windows of c bits (c picked
 * per call from a cost model, 2..BLS_MSM_WINDOW_MAX); for each window, from the top, the
 * accumulator is doubled c times, every point is added (mixed, affine) into the bucket
 * of its digit, and the buckets are summed with the running-sum trick (2 * 2^c
 * additions). A single pair takes a fixed 4-bit window instead. Scalars are used as
 * given, all 256 bits, so a scalar >= r is fine (the EIP allows it). The buckets are
 * malloc'd per call and freed before return; the points are the caller's.
 * Not constant time (public inputs only).
 */
#include "core/bls/bls_curve.h"

#include <stdlib.h>

#define BLS_MSM_WINDOW_MAX 12 /* at most 4095 buckets: 590 KB for G1, 1.2 MB for G2 */
#define SCALAR_BITS (8 * BLS_MSM_SCALAR)

/* The c that minimizes additions: ceil(256 / c) windows, each n bucket additions and
 * 2 * 2^c for the bucket sums. */
static unsigned window_bits(size_t n) {
  unsigned best = 2;
  double best_cost = 0;
  for (unsigned c = 2; c <= BLS_MSM_WINDOW_MAX; c++) {
    double windows = (double)((SCALAR_BITS + c - 1) / c);
    double cost = windows * ((double)n + (double)(2u << c));
    if (c == 2 || cost < best_cost) {
      best = c;
      best_cost = cost;
    }
  }
  return best;
}

/* Bits lo .. lo + c - 1 (bit 0 = least significant) of a big-endian 32-byte scalar. */
static unsigned digit(const uint8_t k[BLS_MSM_SCALAR], unsigned lo, unsigned c) {
  uint32_t v = 0;
  unsigned byte = lo / 8;
  for (unsigned i = 0; i < 3 && byte + i < BLS_MSM_SCALAR; i++)
    v |= (uint32_t)k[BLS_MSM_SCALAR - 1 - byte - i] << (8 * i);
  return (v >> (lo % 8)) & ((1u << c) - 1);
}

/* madd-2007-bl over Fp2, as bls_g1p_add_affine is over Fp. */
void bls_g2p_add_affine(bls_g2p *r, const bls_g2p *a, const bls_g2a *b) {
  if (b->inf) {
    *r = *a;
    return;
  }
  if (bls_g2p_is_inf(a)) {
    bls_g2p_from_affine(r, b);
    return;
  }
  bls_fp2 z1z1, u2, s2, h, hh, i, j, rr, v, t, z3, y1j;
  bls_fp2_sqr(&z1z1, &a->z);
  bls_fp2_mul(&u2, &b->x, &z1z1);
  bls_fp2_mul(&s2, &b->y, &a->z);
  bls_fp2_mul(&s2, &s2, &z1z1);
  bls_fp2_sub(&h, &u2, &a->x);
  bls_fp2_sub(&rr, &s2, &a->y);
  if (bls_fp2_is_zero(&h)) {
    if (bls_fp2_is_zero(&rr))
      bls_g2p_dbl(r, a);
    else
      bls_g2p_set_inf(r);
    return;
  }
  bls_fp2_sqr(&hh, &h);
  bls_fp2_dbl(&i, &hh);
  bls_fp2_dbl(&i, &i);
  bls_fp2_mul(&j, &h, &i);
  bls_fp2_dbl(&rr, &rr);
  bls_fp2_mul(&v, &a->x, &i);
  bls_fp2_add(&z3, &a->z, &h);
  bls_fp2_sqr(&z3, &z3);
  bls_fp2_sub(&z3, &z3, &z1z1);
  bls_fp2_sub(&z3, &z3, &hh);
  bls_fp2_mul(&y1j, &a->y, &j);
  bls_fp2_dbl(&y1j, &y1j);
  r->z = z3;
  bls_fp2_sqr(&t, &rr);
  bls_fp2_sub(&t, &t, &j);
  bls_fp2_sub(&t, &t, &v);
  bls_fp2_sub(&r->x, &t, &v);
  bls_fp2_sub(&t, &v, &r->x);
  bls_fp2_mul(&t, &rr, &t);
  bls_fp2_sub(&r->y, &t, &y1j);
}

/* [k]P with a fixed 4-bit window: 15 table additions, 256 doublings, <= 64 additions. */
static void g1_mul_window(bls_g1p *r, const bls_g1a *p, const uint8_t k[BLS_MSM_SCALAR]) {
  bls_g1p table[16], acc;
  bls_g1p_set_inf(&table[0]);
  for (int i = 1; i < 16; i++) bls_g1p_add_affine(&table[i], &table[i - 1], p);
  bls_g1p_set_inf(&acc);
  for (unsigned w = SCALAR_BITS / 4; w-- > 0;) {
    for (int d = 0; d < 4; d++) bls_g1p_dbl(&acc, &acc);
    unsigned nib = digit(k, 4 * w, 4);
    if (nib) bls_g1p_add(&acc, &acc, &table[nib]);
  }
  *r = acc;
}

static void g2_mul_window(bls_g2p *r, const bls_g2a *p, const uint8_t k[BLS_MSM_SCALAR]) {
  bls_g2p table[16], acc;
  bls_g2p_set_inf(&table[0]);
  for (int i = 1; i < 16; i++) bls_g2p_add_affine(&table[i], &table[i - 1], p);
  bls_g2p_set_inf(&acc);
  for (unsigned w = SCALAR_BITS / 4; w-- > 0;) {
    for (int d = 0; d < 4; d++) bls_g2p_dbl(&acc, &acc);
    unsigned nib = digit(k, 4 * w, 4);
    if (nib) bls_g2p_add(&acc, &acc, &table[nib]);
  }
  *r = acc;
}

bool bls_g1_msm(bls_g1p *r, const bls_g1a *pts, const uint8_t (*k)[BLS_MSM_SCALAR], size_t n) {
  bls_g1p_set_inf(r);
  if (n == 0) return true;
  if (n == 1) {
    g1_mul_window(r, &pts[0], k[0]);
    return true;
  }
  unsigned c = window_bits(n);
  size_t nb = ((size_t)1 << c) - 1;
  bls_g1p *bucket = malloc(nb * sizeof *bucket);
  if (!bucket) return false;
  bls_g1p acc, run, sum;
  bls_g1p_set_inf(&acc);
  for (unsigned w = (SCALAR_BITS + c - 1) / c; w-- > 0;) {
    for (unsigned d = 0; d < c; d++) bls_g1p_dbl(&acc, &acc);
    for (size_t b = 0; b < nb; b++) bls_g1p_set_inf(&bucket[b]);
    for (size_t i = 0; i < n; i++) {
      unsigned dg = digit(k[i], w * c, c);
      if (dg) bls_g1p_add_affine(&bucket[dg - 1], &bucket[dg - 1], &pts[i]);
    }
    bls_g1p_set_inf(&run);
    bls_g1p_set_inf(&sum);
    for (size_t b = nb; b-- > 0;) { /* sum = sum_b (b + 1) bucket[b] */
      bls_g1p_add(&run, &run, &bucket[b]);
      bls_g1p_add(&sum, &sum, &run);
    }
    bls_g1p_add(&acc, &acc, &sum);
  }
  free(bucket);
  *r = acc;
  return true;
}

bool bls_g2_msm(bls_g2p *r, const bls_g2a *pts, const uint8_t (*k)[BLS_MSM_SCALAR], size_t n) {
  bls_g2p_set_inf(r);
  if (n == 0) return true;
  if (n == 1) {
    g2_mul_window(r, &pts[0], k[0]);
    return true;
  }
  unsigned c = window_bits(n);
  size_t nb = ((size_t)1 << c) - 1;
  bls_g2p *bucket = malloc(nb * sizeof *bucket);
  if (!bucket) return false;
  bls_g2p acc, run, sum;
  bls_g2p_set_inf(&acc);
  for (unsigned w = (SCALAR_BITS + c - 1) / c; w-- > 0;) {
    for (unsigned d = 0; d < c; d++) bls_g2p_dbl(&acc, &acc);
    for (size_t b = 0; b < nb; b++) bls_g2p_set_inf(&bucket[b]);
    for (size_t i = 0; i < n; i++) {
      unsigned dg = digit(k[i], w * c, c);
      if (dg) bls_g2p_add_affine(&bucket[dg - 1], &bucket[dg - 1], &pts[i]);
    }
    bls_g2p_set_inf(&run);
    bls_g2p_set_inf(&sum);
    for (size_t b = nb; b-- > 0;) {
      bls_g2p_add(&run, &run, &bucket[b]);
      bls_g2p_add(&sum, &sum, &run);
    }
    bls_g2p_add(&acc, &acc, &sum);
  }
  free(bucket);
  *r = acc;
  return true;
}

/*
 * bls_intree.c: the in-tree BLS12-381 backend (bls_backend.h) built on the field,
 * curve, pairing and hash-to-curve code of this directory. core_verify runs one
 * multi-Miller loop over all pairs (e(pk_i, H(m_i)) and e(-G1, sig)) in batches of
 * eight and one final exponentiation. Stack use is bounded (no allocation).
 */
#include "core/bls/bls_backend.h"
#include "core/bls/bls_curve.h"

#include <string.h>

_Static_assert(sizeof(((bls_g1 *)0)->x) == sizeof(bls_fp), "bls_g1.x must hold one Fp element");
_Static_assert(sizeof(((bls_g1 *)0)->y) == sizeof(bls_fp), "bls_g1.y must hold one Fp element");

static void g1_from_pub(bls_g1a *r, const bls_g1 *p) {
  memcpy(r->x.l, p->x, sizeof r->x.l);
  memcpy(r->y.l, p->y, sizeof r->y.l);
  r->inf = p->inf != 0;
}

static void g1_to_pub(bls_g1 *r, const bls_g1a *a) {
  memcpy(r->x, a->x.l, sizeof r->x);
  memcpy(r->y, a->y.l, sizeof r->y);
  r->inf = a->inf ? 1 : 0;
}

static vc_status intree_g1_decode(bls_g1 *out, const uint8_t in[BLS_PUBKEY_BYTES], vc_err *err) {
  bls_g1a a;
  vc_status st = bls_g1a_decode(&a, in, err);
  if (st != VC_OK) return st;
  g1_to_pub(out, &a);
  return VC_OK;
}

static void intree_g1_encode(uint8_t out[BLS_PUBKEY_BYTES], const bls_g1 *p) {
  bls_g1a a;
  g1_from_pub(&a, p);
  bls_g1a_encode(out, &a);
}

static void intree_g1_sum(bls_g1 *out, size_t *count, const bls_g1 *pts, const uint8_t *bits, size_t n) {
  bls_g1p acc;
  bls_g1a a;
  size_t c = 0;
  bls_g1p_set_inf(&acc);
  for (size_t i = 0; i < n; i++) {
    if (bits && !((bits[i / 8] >> (i % 8)) & 1)) continue;
    g1_from_pub(&a, &pts[i]);
    bls_g1p_add_affine(&acc, &acc, &a);
    c++;
  }
  bls_g1p_to_affine(&a, &acc);
  g1_to_pub(out, &a);
  *count = c;
}

static vc_status intree_g2_sum(uint8_t out[BLS_SIGNATURE_BYTES], const uint8_t (*sigs)[BLS_SIGNATURE_BYTES],
                               size_t n, vc_err *err) {
  bls_g2p acc, p;
  bls_g2a a;
  bls_g2p_set_inf(&acc);
  for (size_t i = 0; i < n; i++) {
    vc_status st = bls_g2a_decode(&a, sigs[i], err);
    if (st != VC_OK) return st;
    bls_g2p_from_affine(&p, &a);
    bls_g2p_add(&acc, &acc, &p);
  }
  bls_g2p_to_affine(&a, &acc);
  bls_g2a_encode(out, &a);
  return VC_OK;
}

#define PAIR_CHUNK 8

static vc_status intree_core_verify(const bls_g1 *pks, const vc_bytes *msgs, size_t n,
                                    const uint8_t sig[BLS_SIGNATURE_BYTES], const uint8_t *dst,
                                    size_t dst_len, vc_err *err) {
  bls_g1a ps[PAIR_CHUNK];
  bls_g2a qs[PAIR_CHUNK];
  bls_g2p h;
  bls_fp12 f, part, e;
  vc_status st = bls_g2a_decode(&qs[0], sig, err);
  if (st != VC_OK) return st;
  bls_g1_generator(&ps[0]);
  bls_fp_neg(&ps[0].y, &ps[0].y); /* e(-G1, sig) */
  size_t m = 1;
  bls_fp12_set_one(&f);
  for (size_t i = 0; i < n; i++) {
    g1_from_pub(&ps[m], &pks[i]);
    if (ps[m].inf) return vc_fail(err, VC_ERR_INPUT, "public key %zu is the point at infinity", i);
    st = bls_hash_to_g2(&h, msgs[i].ptr, msgs[i].len, dst, dst_len, err);
    if (st != VC_OK) return st;
    bls_g2p_to_affine(&qs[m], &h);
    if (++m == PAIR_CHUNK) {
      bls_miller_loop(&part, ps, qs, m);
      bls_fp12_mul(&f, &f, &part);
      m = 0;
    }
  }
  if (m) {
    bls_miller_loop(&part, ps, qs, m);
    bls_fp12_mul(&f, &f, &part);
  }
  bls_final_exp(&e, &f);
  if (!bls_fp12_is_one(&e)) return vc_fail(err, VC_ERR_MISMATCH, "BLS signature does not verify");
  return VC_OK;
}

const bls_backend bls_backend_intree = {
    .name = "in-tree",
    .g1_decode = intree_g1_decode,
    .g1_encode = intree_g1_encode,
    .g1_sum = intree_g1_sum,
    .g2_sum = intree_g2_sum,
    .core_verify = intree_core_verify,
};

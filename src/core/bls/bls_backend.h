/*
 * bls_backend.h: the seam between the ciphersuite logic in bls.c and the curve
 * arithmetic underneath. A backend provides five primitive operations; bls.c holds
 * the rules (KeyValidate, empty lists, the eth_ infinity case, caps, DST) once for all
 * backends. This tree ships one backend, bls_backend_intree (bls_intree.c); a system
 * with blst could add a table whose functions call blst_p1_uncompress,
 * blst_p1_add_or_double_affine, blst_core_verify_pk_in_g1 and so on, and select it in
 * bls.c at build time. The bls_g1 layout (Montgomery x, y with R = 2^384) matches
 * blst_p1_affine, so decompressed keys would carry over unchanged.
 * Tables are immutable and live for the whole program.
 */
#ifndef BLS_BACKEND_H
#define BLS_BACKEND_H

#include "core/bls/bls.h"

typedef struct {
  const char *name;
  /* Decode a 48-byte key: flags, x < p, curve, subgroup. Infinity sets out->inf. */
  vc_status (*g1_decode)(bls_g1 *out, const uint8_t in[BLS_PUBKEY_BYTES], vc_err *err);
  void (*g1_encode)(uint8_t out[BLS_PUBKEY_BYTES], const bls_g1 *p);
  /* out = sum of pts[i] with bit i set in bits (all when bits is NULL); *count = how many. */
  void (*g1_sum)(bls_g1 *out, size_t *count, const bls_g1 *pts, const uint8_t *bits, size_t n);
  /* Decode (with subgroup checks) and add n signatures. */
  vc_status (*g2_sum)(uint8_t out[BLS_SIGNATURE_BYTES], const uint8_t (*sigs)[BLS_SIGNATURE_BYTES],
                      size_t n, vc_err *err);
  /* prod_i e(pks[i], H(msgs[i])) == e(G1, sig) under the given DST; the signature is
   * decoded and subgroup-checked here. Keys must not be infinity. */
  vc_status (*core_verify)(const bls_g1 *pks, const vc_bytes *msgs, size_t n,
                           const uint8_t sig[BLS_SIGNATURE_BYTES], const uint8_t *dst, size_t dst_len,
                           vc_err *err);
} bls_backend;

extern const bls_backend bls_backend_intree;

#endif

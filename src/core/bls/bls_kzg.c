/*
 * bls_kzg.c: EIP-4844 verify_kzg_proof for the point evaluation precompile (0x0a), as
 * the consensus specs define it (deneb/polynomial-commitments.md, verify_kzg_proof_impl):
 *
 *   e(commitment - [y]G1, -G2) * e(proof, [s]_2 - [z]G2) == 1
 *
 * with z, y below the BLS modulus r and commitment, proof valid compressed G1 points
 * (flags, x < p, on the curve, in G1; infinity allowed). [s]_2 is the one G2 point of
 * the KZG ceremony's trusted setup the check needs, g2_monomial[1] of
 * trusted_setup_4096.json (consensus-specs presets/mainnet/trusted_setups; the same
 * value is in c-kzg-4844's trusted_setup.txt and go-ethereum's
 * crypto/kzg4844/trusted_setup.json):
 *
 *   0xb5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2
 *     afaaab24f3499f72185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c6
 *     0b087041de621000edc98edada20c1def2
 *
 * It is held below already decompressed (affine, Montgomery form, computed from those
 * bytes with bls_g2a_decode); test_bls_precompile compresses it back and compares.
 * Called by src/core/evm/pc_kzg.c through bls_evm.h; no allocation, no state.
 */
#include "core/bls/bls_evm.h"

#include <string.h>

#include "core/bls/bls_curve.h"

/* BLS_MODULUS r, big-endian */
static const uint8_t bls_modulus_be[BLS_KZG_FIELD] = {
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};

/* [s]_2 = g2_monomial[1], compressed (see the header comment) */
static const uint8_t setup_g2_s[BLS_G2_COMPRESSED] = {
    0xb5, 0xbf, 0xd7, 0xdd, 0x8c, 0xde, 0xb1, 0x28, 0x84, 0x3b, 0xc2, 0x87, 0x23, 0x0a, 0xf3, 0x89,
    0x26, 0x18, 0x70, 0x75, 0xcb, 0xfb, 0xef, 0xa8, 0x10, 0x09, 0xa2, 0xce, 0x61, 0x5a, 0xc5, 0x3d,
    0x29, 0x14, 0xe5, 0x87, 0x0c, 0xb4, 0x52, 0xd2, 0xaf, 0xaa, 0xab, 0x24, 0xf3, 0x49, 0x9f, 0x72,
    0x18, 0x5c, 0xbf, 0xee, 0x53, 0x49, 0x27, 0x14, 0x73, 0x44, 0x29, 0xb7, 0xb3, 0x86, 0x08, 0xe2,
    0x39, 0x26, 0xc9, 0x11, 0xcc, 0xec, 0xea, 0xc9, 0xa3, 0x68, 0x51, 0x47, 0x7b, 0xa4, 0xc6, 0x0b,
    0x08, 0x70, 0x41, 0xde, 0x62, 0x10, 0x00, 0xed, 0xc9, 0x8e, 0xda, 0xda, 0x20, 0xc1, 0xde, 0xf2};

static bool below_modulus(const uint8_t v[BLS_KZG_FIELD]) {
  return memcmp(v, bls_modulus_be, BLS_KZG_FIELD) < 0;
}

static vc_status setup_point(bls_g2a *s, vc_err *err) {
  return bls_g2a_decode(s, setup_g2_s, err);
}

void bls_evm_kzg_setup_g2(uint8_t out[96]) {
  bls_g2a s;
  vc_err err;
  if (setup_point(&s, &err) != VC_OK) {
    memset(out, 0, 96);
    return;
  }
  bls_g2a_encode(out, &s);
}

vc_status bls_evm_kzg_verify(const uint8_t commitment[BLS_KZG_G1], const uint8_t z[BLS_KZG_FIELD],
                             const uint8_t y[BLS_KZG_FIELD], const uint8_t proof[BLS_KZG_G1], vc_err *err) {
  bls_g1a c, pi, g1, pair_p[2];
  bls_g2a s, g2, pair_q[2];
  bls_g1p t1;
  bls_g2p t2;
  vc_status st;
  if (!below_modulus(z)) return vc_fail(err, VC_ERR_INPUT, "KZG point z is not below the BLS modulus r");
  if (!below_modulus(y)) return vc_fail(err, VC_ERR_INPUT, "KZG value y is not below the BLS modulus r");
  if ((st = bls_g1a_decode(&c, commitment, err)) != VC_OK) return st;
  if ((st = bls_g1a_decode(&pi, proof, err)) != VC_OK) return st;
  if ((st = setup_point(&s, err)) != VC_OK) return st;
  bls_g1_generator(&g1);
  bls_g2_generator(&g2);
  /* P - [y]G1 */
  if (!bls_g1_msm(&t1, &g1, (const uint8_t (*)[BLS_MSM_SCALAR])y, 1))
    return vc_fail(err, VC_ERR_NOMEM, "KZG: out of memory");
  bls_g1p_neg(&t1, &t1);
  bls_g1p_add_affine(&t1, &t1, &c);
  bls_g1p_to_affine(&pair_p[0], &t1);
  bls_fp2_neg(&g2.y, &g2.y);
  pair_q[0] = g2; /* -G2 */
  /* [s]_2 - [z]G2 */
  bls_g2_generator(&g2);
  if (!bls_g2_msm(&t2, &g2, (const uint8_t (*)[BLS_MSM_SCALAR])z, 1))
    return vc_fail(err, VC_ERR_NOMEM, "KZG: out of memory");
  bls_g2p_neg(&t2, &t2);
  bls_g2p_add_affine(&t2, &t2, &s);
  bls_g2p_to_affine(&pair_q[1], &t2);
  pair_p[1] = pi;
  if (!bls_pairing_product_is_one(pair_p, pair_q, 2))
    return vc_fail(err, VC_ERR_MISMATCH, "KZG proof does not verify for this commitment, z and y");
  return VC_OK;
}

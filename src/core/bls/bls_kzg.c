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
 * It is held below already decompressed (affine, Montgomery form, computed once from
 * those bytes with bls_g2a_decode, which also checked curve and subgroup), so a call
 * pays no square root; test_bls_precompile compares it with the published bytes
 * decompressed and runs it through G2MSM (curve and subgroup checks).
 * Called by src/core/evm/pc_kzg.c through bls_evm.h; no allocation, no state.
 */
#include "core/bls/bls_evm.h"

#include <string.h>

#include "core/bls/bls_curve.h"

/* BLS_MODULUS r, big-endian */
static const uint8_t bls_modulus_be[BLS_KZG_FIELD] = {
    0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8, 0x08, 0x09, 0xa1, 0xd8, 0x05,
    0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe, 0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};

/* [s]_2 = g2_monomial[1], affine, Montgomery form (x = c0 + c1 u, y likewise) */
static const bls_g2a setup_g2_s = {
    .x = {{{0x6120a2099b0379f9ULL, 0xa2df815cb8210e4eULL, 0xcb57be5577bd3d4fULL, 0x62da0ea89a0c93f8ULL,
            0x02e0ee16968e150dULL, 0x171f09aea833acd5ULL}},
          {{0x11a3670749dfd455ULL, 0x04991d7b3abffadcULL, 0x85446a8e14437f41ULL, 0x27174e7b4e76e3f2ULL,
            0x7bfa6dd397f60a20ULL, 0x02fcc329ac07080fULL}}},
    .y = {{{0xaa130838793b2317ULL, 0xe236dd220f891637ULL, 0x6502782925760980ULL, 0xd05c25f60557ec89ULL,
            0x6095767a44064474ULL, 0x185693917080d405ULL}},
          {{0x549f9e175b03dc0aULL, 0x32c0c95a77106cfeULL, 0x64a74eae5705d080ULL, 0x53deeaf56659ed9eULL,
            0x09a1d368508afb93ULL, 0x12cf3a4525b5e9bdULL}}},
    .inf = false};

static bool below_modulus(const uint8_t v[BLS_KZG_FIELD]) {
  return memcmp(v, bls_modulus_be, BLS_KZG_FIELD) < 0;
}

void bls_evm_kzg_setup_g2(uint8_t out[BLS_EVM_G2]) {
  const bls_fp *c[4] = {&setup_g2_s.x.c0, &setup_g2_s.x.c1, &setup_g2_s.y.c0, &setup_g2_s.y.c1};
  memset(out, 0, BLS_EVM_G2);
  for (size_t i = 0; i < 4; i++) bls_fp_to_be48(out + i * BLS_EVM_FP + (BLS_EVM_FP - BLS_FP_BYTES), c[i]);
}

vc_status bls_evm_kzg_verify(const uint8_t commitment[BLS_KZG_G1], const uint8_t z[BLS_KZG_FIELD],
                             const uint8_t y[BLS_KZG_FIELD], const uint8_t proof[BLS_KZG_G1], vc_err *err) {
  bls_g1a c, pi, g1, pair_p[2];
  bls_g2a g2, pair_q[2];
  bls_g1p t1;
  bls_g2p t2;
  vc_status st;
  if (!below_modulus(z)) return vc_fail(err, VC_ERR_INPUT, "KZG point z is not below the BLS modulus r");
  if (!below_modulus(y)) return vc_fail(err, VC_ERR_INPUT, "KZG value y is not below the BLS modulus r");
  if ((st = bls_g1a_decode(&c, commitment, err)) != VC_OK) return st;
  if ((st = bls_g1a_decode(&pi, proof, err)) != VC_OK) return st;
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
  bls_g2p_add_affine(&t2, &t2, &setup_g2_s);
  bls_g2p_to_affine(&pair_q[1], &t2);
  pair_p[1] = pi;
  if (!bls_pairing_product_is_one(pair_p, pair_q, 2))
    return vc_fail(err, VC_ERR_MISMATCH, "KZG proof does not verify for this commitment, z and y");
  return VC_OK;
}

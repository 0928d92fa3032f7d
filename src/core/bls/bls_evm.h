/*
 * bls_evm.h: the BLS12-381 operations the EVM's precompiles need, on byte strings, so
 * src/core/evm/ never sees the field and curve internals of src/core/bls/.
 *
 * EIP-2537 (0x0b..0x11, Prague) works on uncompressed encodings: an Fp element is 64
 * bytes big-endian whose top 16 bytes must be zero and whose value must be below p; an
 * Fp2 element c0 + c1 u is enc(c0) || enc(c1); a G1 point is enc(x) || enc(y) (128
 * bytes), a G2 point enc(x) || enc(y) over Fp2 (256 bytes); the point at infinity is all
 * zero bytes. Every decoded point must lie on its curve; MSM and pairing inputs must also
 * lie in the order-r subgroup (addition inputs need not). MSM scalars are 32-byte
 * big-endian integers of any value (not required to be below r).
 *
 * EIP-4844's point evaluation (0x0a, Cancun) uses the 48-byte compressed G1 encoding
 * (ZCash flags) for the commitment and the proof, and the trusted setup's [s]_2.
 *
 * Every function returns VC_OK with its result in caller-owned memory, or fills err with
 * what was wrong: VC_ERR_INPUT for an invalid encoding, a point off its curve or outside
 * the subgroup; VC_ERR_MISMATCH for a well-formed KZG proof that does not verify;
 * VC_ERR_LIMIT for an MSM over BLS_EVM_MSM_MAX pairs; VC_ERR_NOMEM when the MSM's
 * scratch memory (malloc'd and freed inside the call) cannot be had. Pair indexes in the
 * messages count from 0. Callers: src/core/evm/pc_bls.c and pc_kzg.c. Thread-safe: no
 * state is kept between calls.
 */
#ifndef BLS_EVM_H
#define BLS_EVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vc_base.h"

#define BLS_EVM_FP 64       /* padded Fp element */
#define BLS_EVM_FP2 128     /* padded Fp2 element */
#define BLS_EVM_G1 128      /* uncompressed G1 point */
#define BLS_EVM_G2 256      /* uncompressed G2 point */
#define BLS_EVM_SCALAR 32   /* MSM scalar */
#define BLS_EVM_G1_PAIR (BLS_EVM_G1 + BLS_EVM_SCALAR) /* 160: one G1 MSM pair */
#define BLS_EVM_G2_PAIR (BLS_EVM_G2 + BLS_EVM_SCALAR) /* 288: one G2 MSM pair */
#define BLS_EVM_PAIRING_PAIR (BLS_EVM_G1 + BLS_EVM_G2) /* 384: one pairing pair */
/* Pairs per MSM call. 65536 G1 pairs cost 408 million gas under EIP-2537's schedule,
 * G2 pairs 773 million: far over any block's gas limit, so no payable call is refused. */
#define BLS_EVM_MSM_MAX ((size_t)1 << 16)

#define BLS_KZG_G1 48       /* compressed commitment or proof */
#define BLS_KZG_FIELD 32    /* z and y: big-endian, below the BLS modulus r */

/* out = a + b (G1), no subgroup check. */
vc_status bls_evm_g1_add(uint8_t out[BLS_EVM_G1], const uint8_t a[BLS_EVM_G1],
                         const uint8_t b[BLS_EVM_G1], vc_err *err) VC_MUST_CHECK;
/* out = a + b (G2), no subgroup check. */
vc_status bls_evm_g2_add(uint8_t out[BLS_EVM_G2], const uint8_t a[BLS_EVM_G2],
                         const uint8_t b[BLS_EVM_G2], vc_err *err) VC_MUST_CHECK;
/* out = sum [k_i] P_i over n >= 1 pairs, pairs = n * 160 bytes (point || scalar). */
vc_status bls_evm_g1_msm(uint8_t out[BLS_EVM_G1], const uint8_t *pairs, size_t n,
                         vc_err *err) VC_MUST_CHECK;
/* The same in G2, pairs = n * 288 bytes. */
vc_status bls_evm_g2_msm(uint8_t out[BLS_EVM_G2], const uint8_t *pairs, size_t n,
                         vc_err *err) VC_MUST_CHECK;
/* *is_one = (prod e(P_i, Q_i) == 1) over n >= 1 pairs, pairs = n * 384 bytes
 * (G1 || G2). No allocation: the pairs run through the Miller loop in batches. */
vc_status bls_evm_pairing_check(bool *is_one, const uint8_t *pairs, size_t n,
                                vc_err *err) VC_MUST_CHECK;
/* out = clear_cofactor(iso_map(sswu(u))) for u in Fp (64 bytes). */
vc_status bls_evm_map_fp_to_g1(uint8_t out[BLS_EVM_G1], const uint8_t in[BLS_EVM_FP],
                               vc_err *err) VC_MUST_CHECK;
/* The same for u in Fp2 (128 bytes, c0 || c1) onto G2. */
vc_status bls_evm_map_fp2_to_g2(uint8_t out[BLS_EVM_G2], const uint8_t in[BLS_EVM_FP2],
                                vc_err *err) VC_MUST_CHECK;

/* EIP-4844 verify_kzg_proof: z, y < r; commitment and proof valid compressed G1 points
 * (infinity allowed); e(commitment - [y]G1, -G2) * e(proof, [s]_2 - [z]G2) == 1.
 * VC_OK when the proof holds, VC_ERR_MISMATCH when it does not. */
vc_status bls_evm_kzg_verify(const uint8_t commitment[BLS_KZG_G1], const uint8_t z[BLS_KZG_FIELD],
                             const uint8_t y[BLS_KZG_FIELD], const uint8_t proof[BLS_KZG_G1],
                             vc_err *err) VC_MUST_CHECK;

/* The trusted setup's [s]_2 as this build holds it, in the 256-byte EIP-2537 encoding,
 * for tests that compare it with the published g2_monomial[1]. */
void bls_evm_kzg_setup_g2(uint8_t out[BLS_EVM_G2]);

#endif

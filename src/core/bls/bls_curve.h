/*
 * bls_curve.h: the BLS12-381 groups for the in-tree backend.
 *
 *   G1 on E:  y^2 = x^3 + 4 over Fp;
 *   G2 on E': y^2 = x^3 + 4(1 + u) over Fp2 (the M-type sextic twist).
 *
 * Points are Jacobian (X, Y, Z) with x = X/Z^2, y = Y/Z^3; Z = 0 is the point at
 * infinity. Affine forms carry an explicit infinity flag. Decoding follows the ZCash
 * serialization (bit 7 compressed, bit 6 infinity, bit 5 sign of y) and always checks
 * canonical coordinates, the curve equation and membership of the order-r subgroup
 * (G1: phi(P) = -[x^2]P; G2: psi(P) = [x]P, Scott's endomorphism tests).
 * Internal to src/core/bls/; callers own the structs.
 */
#ifndef BLS_CURVE_H
#define BLS_CURVE_H

#include "core/bls/bls_field.h"
#include "core/vc_base.h"

typedef struct { bls_fp x, y, z; } bls_g1p;
typedef struct { bls_fp x, y; bool inf; } bls_g1a;
typedef struct { bls_fp2 x, y, z; } bls_g2p;
typedef struct { bls_fp2 x, y; bool inf; } bls_g2a;

#define BLS_G1_COMPRESSED 48
#define BLS_G2_COMPRESSED 96

/* --- G1 (bls_g1.c) --- */
void bls_g1p_set_inf(bls_g1p *r);
bool bls_g1p_is_inf(const bls_g1p *a);
void bls_g1p_from_affine(bls_g1p *r, const bls_g1a *a);
void bls_g1p_to_affine(bls_g1a *r, const bls_g1p *a);
void bls_g1p_dbl(bls_g1p *r, const bls_g1p *a);
void bls_g1p_add(bls_g1p *r, const bls_g1p *a, const bls_g1p *b);
void bls_g1p_add_affine(bls_g1p *r, const bls_g1p *a, const bls_g1a *b);
void bls_g1p_neg(bls_g1p *r, const bls_g1p *a);
/* r = [k]a for a scalar given as big-endian bytes (any length). */
void bls_g1p_mul(bls_g1p *r, const bls_g1p *a, const uint8_t *k_be, size_t k_len);
bool bls_g1p_eq(const bls_g1p *a, const bls_g1p *b);
bool bls_g1a_on_curve(const bls_g1a *a) BLS_CHECK;
bool bls_g1p_in_subgroup(const bls_g1p *a) BLS_CHECK;
void bls_g1_generator(bls_g1a *r);
/* Full decode: flags, x < p, on the curve, in G1. Infinity is returned as a.inf. */
vc_status bls_g1a_decode(bls_g1a *r, const uint8_t in[BLS_G1_COMPRESSED], vc_err *err)
    VC_MUST_CHECK;
void bls_g1a_encode(uint8_t out[BLS_G1_COMPRESSED], const bls_g1a *a);

/* --- G2 (bls_g2.c) --- */
void bls_g2p_set_inf(bls_g2p *r);
bool bls_g2p_is_inf(const bls_g2p *a);
void bls_g2p_from_affine(bls_g2p *r, const bls_g2a *a);
void bls_g2p_to_affine(bls_g2a *r, const bls_g2p *a);
void bls_g2p_dbl(bls_g2p *r, const bls_g2p *a);
void bls_g2p_add(bls_g2p *r, const bls_g2p *a, const bls_g2p *b);
void bls_g2p_neg(bls_g2p *r, const bls_g2p *a);
void bls_g2p_mul(bls_g2p *r, const bls_g2p *a, const uint8_t *k_be, size_t k_len);
bool bls_g2p_eq(const bls_g2p *a, const bls_g2p *b);
bool bls_g2a_on_curve(const bls_g2a *a) BLS_CHECK;
/* psi = untwist o Frobenius o twist. */
void bls_g2p_psi(bls_g2p *r, const bls_g2p *a);
bool bls_g2p_in_subgroup(const bls_g2p *a) BLS_CHECK;
/* Multiplication by h_eff (RFC 9380 section 8.8.2) via psi (Budroni-Pintore). */
void bls_g2p_clear_cofactor(bls_g2p *r, const bls_g2p *a);
void bls_g2_generator(bls_g2a *r);
vc_status bls_g2a_decode(bls_g2a *r, const uint8_t in[BLS_G2_COMPRESSED], vc_err *err)
    VC_MUST_CHECK;
void bls_g2a_encode(uint8_t out[BLS_G2_COMPRESSED], const bls_g2a *a);

/* --- pairing (bls_pairing.c) --- */
/* true when prod e(P_i, Q_i) == 1; pairs where either point is infinity contribute 1. */
bool bls_pairing_product_is_one(const bls_g1a *ps, const bls_g2a *qs, size_t n) BLS_CHECK;
/* The full pairing value (tests). */
void bls_pairing(bls_fp12 *r, const bls_g1a *p, const bls_g2a *q);
/* Miller loop product and final exponentiation, exposed for tests and benchmarks. */
void bls_miller_loop(bls_fp12 *f, const bls_g1a *ps, const bls_g2a *qs, size_t n);
void bls_final_exp(bls_fp12 *r, const bls_fp12 *f);

/* --- hash to curve (bls_h2c.c) --- */
#define BLS_DST_MAX 1024 /* DSTs over 255 bytes are hashed (RFC 9380 5.3.3) */
#define BLS_XMD_MAX 8160 /* 255 * 32: the expand_message_xmd limit for SHA-256 */
vc_status bls_expand_message_xmd(uint8_t *out, size_t out_len, const uint8_t *msg, size_t msg_len,
                                 const uint8_t *dst, size_t dst_len, vc_err *err) VC_MUST_CHECK;
vc_status bls_hash_to_field_fp2(bls_fp2 u[2], const uint8_t *msg, size_t msg_len,
                                const uint8_t *dst, size_t dst_len, vc_err *err) VC_MUST_CHECK;
/* Simplified SWU onto E2' followed by the 3-isogeny to E2 (no cofactor clearing). */
void bls_map_to_g2(bls_g2p *r, const bls_fp2 *u);
vc_status bls_hash_to_g2(bls_g2p *r, const uint8_t *msg, size_t msg_len, const uint8_t *dst,
                         size_t dst_len, vc_err *err) VC_MUST_CHECK;

/* --- map to G1 (bls_map_g1.c, constants in bls_consts_g1map.c) --- */
extern const bls_fp bls_sswu1_a, bls_sswu1_b, bls_sswu1_z, bls_sswu1_minus_b_over_a, bls_sswu1_b_over_za;
extern const bls_fp bls_iso11_xnum[12], bls_iso11_xden[11], bls_iso11_ynum[16], bls_iso11_yden[16];
/* Simplified SWU onto E1' followed by the 11-isogeny to E1 (no cofactor clearing). */
void bls_map_to_g1(bls_g1p *r, const bls_fp *u);
/* Multiplication by h_eff = 1 - x = 0xd201000000010001 (RFC 9380 section 8.8.1). */
void bls_g1p_clear_cofactor(bls_g1p *r, const bls_g1p *a);

/* --- multi-scalar multiplication (bls_msm.c) --- */
#define BLS_MSM_SCALAR 32 /* scalars are 32-byte big-endian integers, not reduced mod r */
/* r = sum [k_i] P_i by Pippenger's bucket method (a fixed 4-bit window for n = 1).
 * Scratch memory for the buckets is malloc'd and freed inside; false only when that
 * allocation fails (r is then the identity). */
bool bls_g1_msm(bls_g1p *r, const bls_g1a *pts, const uint8_t (*k)[BLS_MSM_SCALAR], size_t n) BLS_CHECK;
bool bls_g2_msm(bls_g2p *r, const bls_g2a *pts, const uint8_t (*k)[BLS_MSM_SCALAR], size_t n) BLS_CHECK;
/* Mixed addition for G2 (b affine), madd-2007-bl. */
void bls_g2p_add_affine(bls_g2p *r, const bls_g2p *a, const bls_g2a *b);

#endif

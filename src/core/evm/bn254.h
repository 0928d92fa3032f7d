/*
 * bn254.h: the alt_bn128 (BN254) curve of the EVM precompiles 0x06-0x08, in-tree.
 *
 *   Fp   = GF(p), p the 254-bit BN254 prime, four 64-bit limbs in Montgomery form
 *          (R = 2^256), multiplied with unsigned __int128 (CIOS);
 *   Fp2  = Fp[u]  / (u^2 + 1);
 *   Fp6  = Fp2[v] / (v^3 - xi), xi = 9 + u;
 *   Fp12 = Fp6[w] / (w^2 - v);
 *   G1 on E:  y^2 = x^3 + 3 over Fp (cofactor 1);
 *   G2 on E': y^2 = x^3 + 3 / xi over Fp2 (the D-type sextic twist), order-r subgroup.
 *
 * Jacobian points (X, Y, Z) mean x = X/Z^2, y = Y/Z^3; Z = 0 is the point at infinity.
 * Affine points carry an explicit infinity flag. The pairing is the optimal ate
 * pairing (loop 6x + 2, x = 4965661367192848881) with the exact final exponentiation.
 *
 * Internal to src/core/evm/: pc_bn254.c is the only caller outside the bn254_*.c files
 * (and the unit tests). Nothing is constant time; the precompiles handle public data.
 * Values are plain structs owned by the caller; every function accepts aliased
 * arguments (r may equal a or b). The constants (bn254_consts.c) were computed with
 * Python big integers from p, xi and x; each says what it is.
 */
#ifndef BN254_H
#define BN254_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/vc_base.h"

typedef struct { uint64_t l[4]; } bn_fp;
typedef struct { bn_fp c0, c1; } bn_fp2;        /* c0 + c1 u */
typedef struct { bn_fp2 c0, c1, c2; } bn_fp6;   /* c0 + c1 v + c2 v^2 */
typedef struct { bn_fp6 c0, c1; } bn_fp12;      /* c0 + c1 w */

typedef struct { bn_fp x, y, z; } bn_g1j;
typedef struct { bn_fp x, y; bool inf; } bn_g1a;
typedef struct { bn_fp2 x, y, z; } bn_g2j;
typedef struct { bn_fp2 x, y; bool inf; } bn_g2a;

#define BN_FP_BYTES 32
#define BN_G1_BYTES 64  /* x, y */
#define BN_G2_BYTES 128 /* x.c1, x.c0, y.c1, y.c0: EIP-197 puts the imaginary part first */
#define BN_PINV 0x87d20782e4866389ULL /* -p^-1 mod 2^64 */
#define BN_X 0x44e992b44a6909f1ULL    /* the BN parameter x (positive) */
/* Hard cap on pairs in one ECPAIRING call, whatever gas is offered: 4096 pairs cost
 * 139,309,000 gas at Istanbul prices, above any block gas limit mainnet has had and
 * eight times what EIP-7825's 2^24 transaction cap allows (492 pairs). It bounds one
 * call to well under a second. */
#define BN_PAIRING_MAX_PAIRS 4096

/* --- constants (bn254_consts.c) --- */
extern const bn_fp bn_fp_p, bn_fp_r2, bn_fp_one, bn_exp_p_minus_2, bn_order_r;
extern const bn_fp2 bn_twist_b, bn_twist_b3;
extern const bn_fp2 bn_frob_gamma[6]; /* [k] = xi^(k (p - 1) / 6), k = 1..5; [0] unused */
extern const bn_fp bn_g2_gen_coords[4]; /* x.c0, x.c1, y.c0, y.c1, not Montgomery */
/* 6x + 2 in non-adjacent form, most significant digit first. */
#define BN_ATE_NAF_LEN 66
extern const int8_t bn_ate_naf[BN_ATE_NAF_LEN];

/* --- Fp: hot operations inline, written out limb by limb --- */
#define BN_P0 0x3c208c16d87cfd47ULL
#define BN_P1 0x97816a916871ca8dULL
#define BN_P2 0xb85045b68181585dULL
#define BN_P3 0x30644e72e131a029ULL

typedef unsigned __int128 bn_u128;

/* acc + a*b + carry, new carry out */
static inline uint64_t bn_mac(uint64_t acc, uint64_t a, uint64_t b, uint64_t *carry) {
  bn_u128 t = (bn_u128)a * b + acc + *carry;
  *carry = (uint64_t)(t >> 64);
  return (uint64_t)t;
}

static inline uint64_t bn_adc(uint64_t a, uint64_t b, uint64_t *carry) {
  bn_u128 t = (bn_u128)a + b + *carry;
  *carry = (uint64_t)(t >> 64);
  return (uint64_t)t;
}

static inline uint64_t bn_sbb(uint64_t a, uint64_t b, uint64_t *borrow) {
  bn_u128 t = (bn_u128)a - b - *borrow;
  *borrow = (uint64_t)(t >> 64) & 1;
  return (uint64_t)t;
}

/* r = t - p when t >= p, else t (t < 2p). */
static inline void bn_fp_reduce4(bn_fp *r, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3) {
  uint64_t br = 0;
  uint64_t s0 = bn_sbb(t0, BN_P0, &br), s1 = bn_sbb(t1, BN_P1, &br);
  uint64_t s2 = bn_sbb(t2, BN_P2, &br), s3 = bn_sbb(t3, BN_P3, &br);
  uint64_t keep = 0 - br; /* borrow: t < p, keep t */
  r->l[0] = (t0 & keep) | (s0 & ~keep);
  r->l[1] = (t1 & keep) | (s1 & ~keep);
  r->l[2] = (t2 & keep) | (s2 & ~keep);
  r->l[3] = (t3 & keep) | (s3 & ~keep);
}

static inline void bn_fp_add(bn_fp *r, const bn_fp *a, const bn_fp *b) {
  uint64_t c = 0; /* a + b < 2p < 2^255: no carry out */
  uint64_t t0 = bn_adc(a->l[0], b->l[0], &c), t1 = bn_adc(a->l[1], b->l[1], &c);
  uint64_t t2 = bn_adc(a->l[2], b->l[2], &c), t3 = bn_adc(a->l[3], b->l[3], &c);
  bn_fp_reduce4(r, t0, t1, t2, t3);
}

static inline void bn_fp_sub(bn_fp *r, const bn_fp *a, const bn_fp *b) {
  uint64_t br = 0, c = 0;
  uint64_t t0 = bn_sbb(a->l[0], b->l[0], &br), t1 = bn_sbb(a->l[1], b->l[1], &br);
  uint64_t t2 = bn_sbb(a->l[2], b->l[2], &br), t3 = bn_sbb(a->l[3], b->l[3], &br);
  uint64_t m = 0 - br; /* add p back on borrow */
  r->l[0] = bn_adc(t0, BN_P0 & m, &c);
  r->l[1] = bn_adc(t1, BN_P1 & m, &c);
  r->l[2] = bn_adc(t2, BN_P2 & m, &c);
  r->l[3] = bn_adc(t3, BN_P3 & m, &c);
}

/* Montgomery product a*b/R mod p (CIOS, one round per limb of b). p < 2^254, so the
 * running value stays below 2p and fits four limbs between rounds. */
#define BN_MONT_ROUND(bi)                                                                   \
  do {                                                                                      \
    uint64_t c_ = 0, m_;                                                                    \
    t0 = bn_mac(t0, a->l[0], (bi), &c_);                                                    \
    t1 = bn_mac(t1, a->l[1], (bi), &c_);                                                    \
    t2 = bn_mac(t2, a->l[2], (bi), &c_);                                                    \
    t3 = bn_mac(t3, a->l[3], (bi), &c_);                                                    \
    t4 = c_;                                                                                \
    m_ = t0 * BN_PINV;                                                                      \
    c_ = 0;                                                                                 \
    (void)bn_mac(t0, m_, BN_P0, &c_);                                                       \
    t0 = bn_mac(t1, m_, BN_P1, &c_);                                                        \
    t1 = bn_mac(t2, m_, BN_P2, &c_);                                                        \
    t2 = bn_mac(t3, m_, BN_P3, &c_);                                                        \
    t3 = t4 + c_;                                                                           \
  } while (0)

static inline void bn_fp_mul(bn_fp *r, const bn_fp *a, const bn_fp *b) {
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4;
  uint64_t b0 = b->l[0], b1 = b->l[1], b2 = b->l[2], b3 = b->l[3]; /* r may alias b */
  BN_MONT_ROUND(b0);
  BN_MONT_ROUND(b1);
  BN_MONT_ROUND(b2);
  BN_MONT_ROUND(b3);
  bn_fp_reduce4(r, t0, t1, t2, t3);
}

static inline void bn_fp_sqr(bn_fp *r, const bn_fp *a) { bn_fp_mul(r, a, a); }
static inline void bn_fp_dbl(bn_fp *r, const bn_fp *a) { bn_fp_add(r, a, a); }

static inline bool bn_fp_is_zero(const bn_fp *a) {
  return (a->l[0] | a->l[1] | a->l[2] | a->l[3]) == 0;
}

static inline bool bn_fp_eq(const bn_fp *a, const bn_fp *b) {
  return ((a->l[0] ^ b->l[0]) | (a->l[1] ^ b->l[1]) | (a->l[2] ^ b->l[2]) |
          (a->l[3] ^ b->l[3])) == 0;
}

static inline void bn_fp_neg(bn_fp *r, const bn_fp *a) {
  bn_fp z = {{0, 0, 0, 0}};
  bn_fp_sub(r, &z, a);
}

/* --- Fp (bn254_fp.c) --- */
void bn_fp_from_u64(bn_fp *r, uint64_t v);
/* Plain little-endian limbs (< p) -> Montgomery form. */
void bn_fp_from_plain(bn_fp *r, const bn_fp *plain);
/* Big-endian 32 bytes -> Montgomery form; false when the value is >= p. */
bool bn_fp_from_be32(bn_fp *r, const uint8_t in[BN_FP_BYTES]) VC_MUST_CHECK;
void bn_fp_to_be32(uint8_t out[BN_FP_BYTES], const bn_fp *a);
void bn_fp_pow(bn_fp *r, const bn_fp *a, const bn_fp *exp_plain);
void bn_fp_inv(bn_fp *r, const bn_fp *a); /* 0 maps to 0 */

/* --- Fp2: the cheap operations inline --- */
static inline void bn_fp2_add(bn_fp2 *r, const bn_fp2 *a, const bn_fp2 *b) {
  bn_fp_add(&r->c0, &a->c0, &b->c0);
  bn_fp_add(&r->c1, &a->c1, &b->c1);
}

static inline void bn_fp2_sub(bn_fp2 *r, const bn_fp2 *a, const bn_fp2 *b) {
  bn_fp_sub(&r->c0, &a->c0, &b->c0);
  bn_fp_sub(&r->c1, &a->c1, &b->c1);
}

static inline void bn_fp2_dbl(bn_fp2 *r, const bn_fp2 *a) { bn_fp2_add(r, a, a); }

static inline void bn_fp2_neg(bn_fp2 *r, const bn_fp2 *a) {
  bn_fp_neg(&r->c0, &a->c0);
  bn_fp_neg(&r->c1, &a->c1);
}

static inline bool bn_fp2_is_zero(const bn_fp2 *a) {
  return bn_fp_is_zero(&a->c0) && bn_fp_is_zero(&a->c1);
}

static inline bool bn_fp2_eq(const bn_fp2 *a, const bn_fp2 *b) {
  return bn_fp_eq(&a->c0, &b->c0) && bn_fp_eq(&a->c1, &b->c1);
}

/* --- Fp2 (bn254_fp.c) --- */
void bn_fp2_set_one(bn_fp2 *r);
void bn_fp2_conj(bn_fp2 *r, const bn_fp2 *a);
void bn_fp2_mul(bn_fp2 *r, const bn_fp2 *a, const bn_fp2 *b);
void bn_fp2_sqr(bn_fp2 *r, const bn_fp2 *a);
void bn_fp2_mul_fp(bn_fp2 *r, const bn_fp2 *a, const bn_fp *b);
/* r = a (9 + u) */
void bn_fp2_mul_xi(bn_fp2 *r, const bn_fp2 *a);
void bn_fp2_inv(bn_fp2 *r, const bn_fp2 *a); /* 0 maps to 0 */

/* --- Fp6 and Fp12 (bn254_fp12.c) --- */
void bn_fp6_add(bn_fp6 *r, const bn_fp6 *a, const bn_fp6 *b);
void bn_fp6_sub(bn_fp6 *r, const bn_fp6 *a, const bn_fp6 *b);
void bn_fp6_mul(bn_fp6 *r, const bn_fp6 *a, const bn_fp6 *b);
void bn_fp6_mul_by_v(bn_fp6 *r, const bn_fp6 *a);
void bn_fp6_inv(bn_fp6 *r, const bn_fp6 *a);

void bn_fp12_set_one(bn_fp12 *r);
bool bn_fp12_is_one(const bn_fp12 *a) VC_MUST_CHECK;
bool bn_fp12_eq(const bn_fp12 *a, const bn_fp12 *b) VC_MUST_CHECK;
void bn_fp12_mul(bn_fp12 *r, const bn_fp12 *a, const bn_fp12 *b);
void bn_fp12_sqr(bn_fp12 *r, const bn_fp12 *a);
void bn_fp12_conj(bn_fp12 *r, const bn_fp12 *a);
void bn_fp12_inv(bn_fp12 *r, const bn_fp12 *a);
/* r = a^(p^n) */
void bn_fp12_frobenius(bn_fp12 *r, const bn_fp12 *a, int n);
/* Granger-Scott squaring, valid only for elements of the cyclotomic subgroup. */
void bn_fp12_cyclotomic_sqr(bn_fp12 *r, const bn_fp12 *a);
/* r = a * (s0 + s1 w + s3 w^3): the sparse product with a Miller-loop line of the
 * D-type twist (w^3 = v w). */
void bn_fp12_mul_by_013(bn_fp12 *r, const bn_fp12 *a, const bn_fp2 *s0, const bn_fp2 *s1,
                        const bn_fp2 *s3);

/* --- G1 (bn254_g1.c) --- */
void bn_g1j_set_inf(bn_g1j *r);
bool bn_g1j_is_inf(const bn_g1j *a) VC_MUST_CHECK;
void bn_g1j_from_affine(bn_g1j *r, const bn_g1a *a);
void bn_g1j_to_affine(bn_g1a *r, const bn_g1j *a);
void bn_g1j_dbl(bn_g1j *r, const bn_g1j *a);
void bn_g1j_add(bn_g1j *r, const bn_g1j *a, const bn_g1j *b);
/* r = [k]a for a scalar given as 32 big-endian bytes (any value, not reduced), a in G1
 * (every point of E(Fp) is): GLV split, half the doublings. */
void bn_g1j_mul(bn_g1j *r, const bn_g1j *a, const uint8_t k_be[32]);
/* The same by a plain 4-bit window over all 256 bits (reference and fallback). */
void bn_g1j_mul_plain(bn_g1j *r, const bn_g1j *a, const uint8_t k_be[32]);
bool bn_g1a_on_curve(const bn_g1a *a) VC_MUST_CHECK;
void bn_g1_generator(bn_g1a *r);
/* 64 bytes (x, y): both below p and on the curve, or both zero (infinity). */
bool bn_g1a_decode(bn_g1a *r, const uint8_t in[BN_G1_BYTES]) VC_MUST_CHECK;
void bn_g1a_encode(uint8_t out[BN_G1_BYTES], const bn_g1a *a);

/* --- G2 (bn254_g2.c) --- */
void bn_g2j_set_inf(bn_g2j *r);
bool bn_g2j_is_inf(const bn_g2j *a) VC_MUST_CHECK;
void bn_g2j_from_affine(bn_g2j *r, const bn_g2a *a);
void bn_g2j_to_affine(bn_g2a *r, const bn_g2j *a);
void bn_g2j_dbl(bn_g2j *r, const bn_g2j *a);
void bn_g2j_add(bn_g2j *r, const bn_g2j *a, const bn_g2j *b);
void bn_g2j_neg(bn_g2j *r, const bn_g2j *a);
void bn_g2j_mul(bn_g2j *r, const bn_g2j *a, const uint8_t k_be[32]);
bool bn_g2j_eq(const bn_g2j *a, const bn_g2j *b) VC_MUST_CHECK;
bool bn_g2a_on_curve(const bn_g2a *a) VC_MUST_CHECK;
/* psi = untwist o Frobenius o twist, on affine points (infinity stays infinity). */
void bn_g2a_psi(bn_g2a *r, const bn_g2a *a);
/* [r]a == O, by the definition (slow; the reference for the fast test). */
bool bn_g2j_in_subgroup_slow(const bn_g2j *a) VC_MUST_CHECK;
/* [x+1]a + psi([x]a) + psi^2([x]a) == psi^3([2x]a): equivalent (proof in bn254_g2.c),
 * one 63-bit multiplication instead of a 254-bit one. */
bool bn_g2j_in_subgroup(const bn_g2j *a) VC_MUST_CHECK;
void bn_g2_generator(bn_g2a *r);
/* 128 bytes (x.c1, x.c0, y.c1, y.c0): canonical, on the twist and in the order-r
 * subgroup, or all zero (infinity). */
bool bn_g2a_decode(bn_g2a *r, const uint8_t in[BN_G2_BYTES]) VC_MUST_CHECK;
void bn_g2a_encode(uint8_t out[BN_G2_BYTES], const bn_g2a *a);

/* --- pairing (bn254_pairing.c) --- */
/* Miller loop product over n pairs; pairs with a point at infinity contribute 1. */
void bn_miller_loop(bn_fp12 *f, const bn_g1a *ps, const bn_g2a *qs, size_t n);
/* f^((p^12 - 1) / r), exactly. */
void bn_final_exp(bn_fp12 *r, const bn_fp12 *f);
/* The full reduced pairing value (tests). */
void bn_pairing(bn_fp12 *r, const bn_g1a *p, const bn_g2a *q);

#endif

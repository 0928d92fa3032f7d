/*
 * bls_field.h: the BLS12-381 field tower used by the in-tree BLS backend.
 *
 *   Fp   = GF(p), p the 381-bit BLS12-381 prime, six 64-bit limbs in Montgomery form
 *          (R = 2^384), multiplied with unsigned __int128 (CIOS);
 *   Fp2  = Fp[u]  / (u^2 + 1);
 *   Fp6  = Fp2[v] / (v^3 - xi), xi = u + 1;
 *   Fp12 = Fp6[w] / (w^2 - v).
 *
 * Internal to src/core/bls/: callers outside use bls.h. Nothing here is constant
 * time; the backend only verifies public data. Values are plain structs owned by the
 * caller; every function accepts aliased arguments (r may equal a or b).
 * The constants (bls_consts.c) were derived with Python big integers from p, xi and
 * the RFC 9380 appendix E.3 isogeny; each says what it is next to its value.
 */
#ifndef BLS_FIELD_H
#define BLS_FIELD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct { uint64_t l[6]; } bls_fp;
typedef struct { bls_fp c0, c1; } bls_fp2;        /* c0 + c1 u */
typedef struct { bls_fp2 c0, c1, c2; } bls_fp6;   /* c0 + c1 v + c2 v^2 */
typedef struct { bls_fp6 c0, c1; } bls_fp12;      /* c0 + c1 w */

#define BLS_FP_BYTES 48
/* Predicates that decide a fact about their input must be looked at. */
#define BLS_CHECK __attribute__((warn_unused_result))
#define BLS_PINV 0x89f3fffcfffcfffdULL /* -p^-1 mod 2^64 */
/* |x| for the BLS parameter x = -0xd201000000010000 (x is negative). */
#define BLS_X_ABS 0xd201000000010000ULL

/* --- constants (bls_consts.c) --- */
extern const bls_fp bls_fp_p, bls_fp_r2, bls_fp_one;
extern const bls_fp bls_exp_p_minus_2, bls_exp_p_minus_3_div_4, bls_exp_p_minus_1_div_2,
    bls_exp_p_plus_1_div_4;
extern const bls_fp bls_g1_b, bls_g1_beta, bls_g1_gen_x, bls_g1_gen_y;
extern const bls_fp2 bls_g2_b, bls_g2_b3, bls_g2_gen_x, bls_g2_gen_y;
extern const bls_fp2 bls_frob_gamma[6], bls_psi_cx, bls_psi_cy;
extern const bls_fp2 bls_sswu_a, bls_sswu_b, bls_sswu_z, bls_sswu_minus_b_over_a,
    bls_sswu_b_over_za;
extern const bls_fp2 bls_iso3_xnum[4], bls_iso3_xden[3], bls_iso3_ynum[4], bls_iso3_yden[4];

/* --- Fp: hot operations inline, written out limb by limb --- */
#define BLS_P0 0xb9feffffffffaaabULL
#define BLS_P1 0x1eabfffeb153ffffULL
#define BLS_P2 0x6730d2a0f6b0f624ULL
#define BLS_P3 0x64774b84f38512bfULL
#define BLS_P4 0x4b1ba7b6434bacd7ULL
#define BLS_P5 0x1a0111ea397fe69aULL

typedef unsigned __int128 bls_u128;

/* acc + a*b + carry, new carry out */
static inline uint64_t bls_mac(uint64_t acc, uint64_t a, uint64_t b, uint64_t *carry) {
  bls_u128 t = (bls_u128)a * b + acc + *carry;
  *carry = (uint64_t)(t >> 64);
  return (uint64_t)t;
}

static inline uint64_t bls_adc(uint64_t a, uint64_t b, uint64_t *carry) {
  bls_u128 t = (bls_u128)a + b + *carry;
  *carry = (uint64_t)(t >> 64);
  return (uint64_t)t;
}

static inline uint64_t bls_sbb(uint64_t a, uint64_t b, uint64_t *borrow) {
  bls_u128 t = (bls_u128)a - b - *borrow;
  *borrow = (uint64_t)(t >> 64) & 1;
  return (uint64_t)t;
}

/* r = t - p when t >= p, else t (t < 2p). */
static inline void bls_fp_reduce6(bls_fp *r, uint64_t t0, uint64_t t1, uint64_t t2, uint64_t t3, uint64_t t4,
                                  uint64_t t5) {
  uint64_t br = 0;
  uint64_t s0 = bls_sbb(t0, BLS_P0, &br), s1 = bls_sbb(t1, BLS_P1, &br), s2 = bls_sbb(t2, BLS_P2, &br);
  uint64_t s3 = bls_sbb(t3, BLS_P3, &br), s4 = bls_sbb(t4, BLS_P4, &br), s5 = bls_sbb(t5, BLS_P5, &br);
  uint64_t keep = 0 - br; /* borrow: t < p, keep t */
  r->l[0] = (t0 & keep) | (s0 & ~keep);
  r->l[1] = (t1 & keep) | (s1 & ~keep);
  r->l[2] = (t2 & keep) | (s2 & ~keep);
  r->l[3] = (t3 & keep) | (s3 & ~keep);
  r->l[4] = (t4 & keep) | (s4 & ~keep);
  r->l[5] = (t5 & keep) | (s5 & ~keep);
}

static inline void bls_fp_add(bls_fp *r, const bls_fp *a, const bls_fp *b) {
  uint64_t c = 0; /* a + b < 2p < 2^384: no carry out */
  uint64_t t0 = bls_adc(a->l[0], b->l[0], &c), t1 = bls_adc(a->l[1], b->l[1], &c);
  uint64_t t2 = bls_adc(a->l[2], b->l[2], &c), t3 = bls_adc(a->l[3], b->l[3], &c);
  uint64_t t4 = bls_adc(a->l[4], b->l[4], &c), t5 = bls_adc(a->l[5], b->l[5], &c);
  bls_fp_reduce6(r, t0, t1, t2, t3, t4, t5);
}

static inline void bls_fp_sub(bls_fp *r, const bls_fp *a, const bls_fp *b) {
  uint64_t br = 0, c = 0;
  uint64_t t0 = bls_sbb(a->l[0], b->l[0], &br), t1 = bls_sbb(a->l[1], b->l[1], &br);
  uint64_t t2 = bls_sbb(a->l[2], b->l[2], &br), t3 = bls_sbb(a->l[3], b->l[3], &br);
  uint64_t t4 = bls_sbb(a->l[4], b->l[4], &br), t5 = bls_sbb(a->l[5], b->l[5], &br);
  uint64_t m = 0 - br; /* add p back on borrow */
  r->l[0] = bls_adc(t0, BLS_P0 & m, &c);
  r->l[1] = bls_adc(t1, BLS_P1 & m, &c);
  r->l[2] = bls_adc(t2, BLS_P2 & m, &c);
  r->l[3] = bls_adc(t3, BLS_P3 & m, &c);
  r->l[4] = bls_adc(t4, BLS_P4 & m, &c);
  r->l[5] = bls_adc(t5, BLS_P5 & m, &c);
}

/* Montgomery product a*b/R mod p (CIOS, one round per limb of b). p < 2^382, so the
 * running value stays below 2p and fits six limbs between rounds. */
#define BLS_MONT_ROUND(bi)                                                                  \
  do {                                                                                      \
    uint64_t c_ = 0, m_;                                                                    \
    t0 = bls_mac(t0, a->l[0], (bi), &c_);                                                   \
    t1 = bls_mac(t1, a->l[1], (bi), &c_);                                                   \
    t2 = bls_mac(t2, a->l[2], (bi), &c_);                                                   \
    t3 = bls_mac(t3, a->l[3], (bi), &c_);                                                   \
    t4 = bls_mac(t4, a->l[4], (bi), &c_);                                                   \
    t5 = bls_mac(t5, a->l[5], (bi), &c_);                                                   \
    t6 = c_;                                                                                \
    m_ = t0 * BLS_PINV;                                                                     \
    c_ = 0;                                                                                 \
    (void)bls_mac(t0, m_, BLS_P0, &c_);                                                     \
    t0 = bls_mac(t1, m_, BLS_P1, &c_);                                                      \
    t1 = bls_mac(t2, m_, BLS_P2, &c_);                                                      \
    t2 = bls_mac(t3, m_, BLS_P3, &c_);                                                      \
    t3 = bls_mac(t4, m_, BLS_P4, &c_);                                                      \
    t4 = bls_mac(t5, m_, BLS_P5, &c_);                                                      \
    t5 = t6 + c_;                                                                           \
  } while (0)

static inline void bls_fp_mul(bls_fp *r, const bls_fp *a, const bls_fp *b) {
  uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0, t6;
  BLS_MONT_ROUND(b->l[0]);
  BLS_MONT_ROUND(b->l[1]);
  BLS_MONT_ROUND(b->l[2]);
  BLS_MONT_ROUND(b->l[3]);
  BLS_MONT_ROUND(b->l[4]);
  BLS_MONT_ROUND(b->l[5]);
  bls_fp_reduce6(r, t0, t1, t2, t3, t4, t5);
}

static inline void bls_fp_sqr(bls_fp *r, const bls_fp *a) { bls_fp_mul(r, a, a); }
static inline void bls_fp_dbl(bls_fp *r, const bls_fp *a) { bls_fp_add(r, a, a); }

static inline bool bls_fp_is_zero(const bls_fp *a) {
  return (a->l[0] | a->l[1] | a->l[2] | a->l[3] | a->l[4] | a->l[5]) == 0;
}

static inline bool bls_fp_eq(const bls_fp *a, const bls_fp *b) {
  uint64_t d = 0;
  for (int i = 0; i < 6; i++) d |= a->l[i] ^ b->l[i];
  return d == 0;
}

static inline void bls_fp_neg(bls_fp *r, const bls_fp *a) {
  bls_fp z = {{0, 0, 0, 0, 0, 0}};
  bls_fp_sub(r, &z, a);
}

/* --- Fp (bls_fp.c) --- */
void bls_fp_from_u64(bls_fp *r, uint64_t v);
/* Big-endian 48 bytes -> Montgomery form; false when the value is >= p. */
bool bls_fp_from_be48(bls_fp *r, const uint8_t in[BLS_FP_BYTES]) BLS_CHECK;
void bls_fp_to_be48(uint8_t out[BLS_FP_BYTES], const bls_fp *a);
/* Interprets a big-endian string of any length as an integer and reduces it mod p. */
void bls_fp_from_be_reduce(bls_fp *r, const uint8_t *in, size_t len);
void bls_fp_pow(bls_fp *r, const bls_fp *a, const bls_fp *exp_plain);
void bls_fp_inv(bls_fp *r, const bls_fp *a);
/* r = sqrt(a) when a is a square (returns true); r is unspecified otherwise. */
bool bls_fp_sqrt(bls_fp *r, const bls_fp *a) BLS_CHECK;
/* true when a > (p - 1) / 2 ("lexicographically largest" of {a, -a}). */
bool bls_fp_is_lex_largest(const bls_fp *a);
/* RFC 9380 sgn0: the parity of the canonical value. */
int bls_fp_sgn0(const bls_fp *a);

/* --- Fp2: the cheap operations inline --- */
static inline void bls_fp2_add(bls_fp2 *r, const bls_fp2 *a, const bls_fp2 *b) {
  bls_fp_add(&r->c0, &a->c0, &b->c0);
  bls_fp_add(&r->c1, &a->c1, &b->c1);
}

static inline void bls_fp2_sub(bls_fp2 *r, const bls_fp2 *a, const bls_fp2 *b) {
  bls_fp_sub(&r->c0, &a->c0, &b->c0);
  bls_fp_sub(&r->c1, &a->c1, &b->c1);
}

static inline void bls_fp2_dbl(bls_fp2 *r, const bls_fp2 *a) { bls_fp2_add(r, a, a); }

static inline void bls_fp2_neg(bls_fp2 *r, const bls_fp2 *a) {
  bls_fp_neg(&r->c0, &a->c0);
  bls_fp_neg(&r->c1, &a->c1);
}

/* (a0 + a1 u)(1 + u) = (a0 - a1) + (a0 + a1) u */
static inline void bls_fp2_mul_xi(bls_fp2 *r, const bls_fp2 *a) {
  bls_fp t0;
  bls_fp_sub(&t0, &a->c0, &a->c1);
  bls_fp_add(&r->c1, &a->c0, &a->c1);
  r->c0 = t0;
}

/* --- Fp2 (bls_fp.c) --- */
void bls_fp2_conj(bls_fp2 *r, const bls_fp2 *a);
void bls_fp2_mul(bls_fp2 *r, const bls_fp2 *a, const bls_fp2 *b);
void bls_fp2_sqr(bls_fp2 *r, const bls_fp2 *a);
void bls_fp2_mul_fp(bls_fp2 *r, const bls_fp2 *a, const bls_fp *b);
void bls_fp2_inv(bls_fp2 *r, const bls_fp2 *a);
bool bls_fp2_sqrt(bls_fp2 *r, const bls_fp2 *a) BLS_CHECK;
bool bls_fp2_is_zero(const bls_fp2 *a);
bool bls_fp2_eq(const bls_fp2 *a, const bls_fp2 *b);
void bls_fp2_set_one(bls_fp2 *r);
bool bls_fp2_is_lex_largest(const bls_fp2 *a);
int bls_fp2_sgn0(const bls_fp2 *a);

/* --- Fp6 and Fp12 (bls_fp12.c) --- */
void bls_fp6_add(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b);
void bls_fp6_sub(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b);
void bls_fp6_mul(bls_fp6 *r, const bls_fp6 *a, const bls_fp6 *b);
void bls_fp6_mul_by_v(bls_fp6 *r, const bls_fp6 *a);
void bls_fp6_inv(bls_fp6 *r, const bls_fp6 *a);

void bls_fp12_set_one(bls_fp12 *r);
bool bls_fp12_is_one(const bls_fp12 *a) BLS_CHECK;
bool bls_fp12_eq(const bls_fp12 *a, const bls_fp12 *b);
void bls_fp12_mul(bls_fp12 *r, const bls_fp12 *a, const bls_fp12 *b);
void bls_fp12_sqr(bls_fp12 *r, const bls_fp12 *a);
void bls_fp12_conj(bls_fp12 *r, const bls_fp12 *a);
void bls_fp12_inv(bls_fp12 *r, const bls_fp12 *a);
/* r = a^(p^n) */
void bls_fp12_frobenius(bls_fp12 *r, const bls_fp12 *a, int n);
/* Granger-Scott squaring, valid only for elements of the cyclotomic subgroup. */
void bls_fp12_cyclotomic_sqr(bls_fp12 *r, const bls_fp12 *a);
/* r = a * (l0 + l1 v + l4 v w): the sparse product with a Miller-loop line. */
void bls_fp12_mul_by_014(bls_fp12 *r, const bls_fp12 *a, const bls_fp2 *l0, const bls_fp2 *l1,
                         const bls_fp2 *l4);

#endif

/*
 * test_bn254.c: the in-tree BN254 (alt_bn128) arithmetic under src/core/evm/bn254*.c
 * and the precompiles 0x06 ECADD, 0x07 ECMUL, 0x08 ECPAIRING (pc_bn254.c):
 *   - Fp against GMP (products, sums, differences, inverses, including values next
 *     to p and limb boundaries);
 *   - field laws in Fp, Fp2 and Fp12 on deterministic pseudo-random values, the
 *     Frobenius map against a plain exponentiation by p, cyclotomic squaring against
 *     plain squaring, the sparse line product against a full product;
 *   - group laws in G1 and G2, [r]P = O, psi(Q) = [p]Q, a twist point outside G2;
 *   - the pairing: bilinear, non-degenerate, of order r, the final exponentiation
 *     against a plain exponentiation by (p^12 - 1) / r;
 *   - go-ethereum's precompile vectors (a selection, cited below), invalid inputs,
 *     gas per fork, the pair cap, and the time of one 2-pair ECPAIRING call;
 *   - optionally a cross-check file written by tests/e2e/bn254_noble.test.mjs with
 *     @noble/curves (BN254_CROSSCHECK_FILE=path).
 * No fixtures needed.
 */
#include "testutil.h"

#include <gmp.h>
#include <jansson.h>
#include <time.h>

#include "core/evm/bn254.h"
#include "core/evm/precompile.h"

#define LAW_ROUNDS 256

/* xorshift64*: deterministic values, the same on every run. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void) {
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dULL;
}

static bool plain_below_p(const bn_fp *a) {
  for (int i = 3; i >= 0; i--)
    if (a->l[i] != bn_fp_p.l[i]) return a->l[i] < bn_fp_p.l[i];
  return false;
}

/* Uniform below p most of the time; every eighth value is an edge (0, 1, p - 1, p - 2,
 * 2^64 - 1, 2^192, or a random value within 2^64 of p) where carries go furthest. */
static void rand_fp(bn_fp *r) {
  bn_fp plain;
  uint64_t pick = rnd();
  if ((pick & 7) == 0) {
    static const bn_fp edges[] = {{{0, 0, 0, 0}},          {{1, 0, 0, 0}},
                                  {{UINT64_MAX, 0, 0, 0}}, {{0, 0, 0, 1}}};
    unsigned e = (unsigned)(pick >> 3) % 7;
    if (e < 4) {
      plain = edges[e];
    } else {
      plain = bn_fp_p;
      plain.l[0] -= e == 4 ? 1 : e == 5 ? 2 : 1 + (rnd() >> 8); /* p's low limb is large */
    }
  } else {
    do {
      plain = (bn_fp){{rnd(), rnd(), rnd(), rnd() >> 2}};
    } while (!plain_below_p(&plain));
  }
  bn_fp_from_plain(r, &plain);
}

static void rand_fp2(bn_fp2 *r) {
  rand_fp(&r->c0);
  rand_fp(&r->c1);
}

static void rand_fp12(bn_fp12 *r) {
  bn_fp2 *c[6] = {&r->c0.c0, &r->c0.c1, &r->c0.c2, &r->c1.c0, &r->c1.c1, &r->c1.c2};
  for (int i = 0; i < 6; i++) rand_fp2(c[i]);
}

/* A scalar whose low `bytes` bytes are random and the rest zero. */
static void rand_scalar(uint8_t k[32], int bytes) {
  memset(k, 0, 32);
  for (int i = 32 - bytes; i < 32; i++) k[i] = (uint8_t)rnd();
}

static void limbs_to_be(uint8_t out[32], const bn_fp *plain) {
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 8; k++) out[(3 - i) * 8 + k] = (uint8_t)(plain->l[i] >> (56 - 8 * k));
}

static void unhex_exact(const char *hex, uint8_t *out, size_t n) {
  assert_int_equal(test_unhex(hex, out, n), (long)n);
}

/* r = a^e for a big-endian exponent of any length (plain square and multiply). */
static void fp12_pow(bn_fp12 *r, const bn_fp12 *a, const uint8_t *e, size_t n) {
  bn_fp12 acc;
  bn_fp12_set_one(&acc);
  for (size_t i = 0; i < n; i++)
    for (int b = 7; b >= 0; b--) {
      bn_fp12_sqr(&acc, &acc);
      if ((e[i] >> b) & 1) bn_fp12_mul(&acc, &acc, a);
    }
  *r = acc;
}

/* A point on the twist outside the order-r subgroup: x = 2 + u, y the square root
 * of x^3 + b' found by the complex method (Python; [r]Q != O checked there). */
static const char *G2_NOT_IN_SUBGROUP =
    "0000000000000000000000000000000000000000000000000000000000000001000000000000000000000000"
    "00000000000000000000000000000000000000022b76c179599bb92a963dac85546a005a777f7c13f6a7b75d"
    "5918b6b5808f5fde101f7278419308b95099eca02dcee0c5381f4d26d1d62313f057167f064101ce";

/* (p^12 - 1) / r, big-endian (Python): the final exponentiation by definition. */
static const char *FULL_EXP_HEX =
    "2f4b6dc97020fddadf107d20bc842d43bf6369b1ff6a1c71015f3f7be2e1e30a73bb94fec0daf15466b2383a"
    "5d3ec3d15ad524d8f70c54efee1bd8c3b21377e563a09a1b705887e72eceaddea3790364a61f676baaf97787"
    "0e88d5c6c8fef0781361e443ae77f5b63a2a2264487f2940a8b1ddb3d15062cd0fb2015dfc6668449aed3cc4"
    "8a82d0d602d268c7daab6a41294c0cc4ebe5664568dfc50e1648a45a4a1e3a5195846a3ed011a337a02088ec"
    "80e0ebae8755cfe107acf3aafb40494e406f804216bb10cf430b0f37856b42db8dc5514724ee93dfb10826f0"
    "dd4a0364b9580291d2cd65664814fde37ca80bb4ea44eacc5e641bbadf423f9a2cbf813b8d145da90029baee"
    "7ddadda71c7f3811c4105262945bba1668c3be69a3c230974d83561841d766f9c9d570bb7fbe04c7e8a6c3c7"
    "60c0de81def35692da361102b6b9b2b918837fa97896e84abb40a4efb7e54523a486964b64ca86f120";

/* ---------------- fields ---------------- */

static void test_fp_laws(void **state) {
  (void)state;
  bn_fp a, b, c, s, t, zero = {{0, 0, 0, 0}}, one = bn_fp_one;
  for (int i = 0; i < LAW_ROUNDS; i++) {
    rand_fp(&a);
    rand_fp(&b);
    rand_fp(&c);
    bn_fp_add(&s, &a, &b); /* (a + b) + c = a + (b + c) */
    bn_fp_add(&s, &s, &c);
    bn_fp_add(&t, &b, &c);
    bn_fp_add(&t, &a, &t);
    assert_true(bn_fp_eq(&s, &t));
    bn_fp_mul(&s, &a, &b); /* ab = ba */
    bn_fp_mul(&t, &b, &a);
    assert_true(bn_fp_eq(&s, &t));
    bn_fp_mul(&s, &s, &c); /* (ab)c = a(bc) */
    bn_fp_mul(&t, &b, &c);
    bn_fp_mul(&t, &a, &t);
    assert_true(bn_fp_eq(&s, &t));
    bn_fp_add(&s, &b, &c); /* a(b + c) = ab + ac */
    bn_fp_mul(&s, &a, &s);
    bn_fp_mul(&t, &a, &b);
    bn_fp mc;
    bn_fp_mul(&mc, &a, &c);
    bn_fp_add(&t, &t, &mc);
    assert_true(bn_fp_eq(&s, &t));
    bn_fp_sub(&s, &a, &b); /* (a - b) + b = a, a + (-a) = 0 */
    bn_fp_add(&s, &s, &b);
    assert_true(bn_fp_eq(&s, &a));
    bn_fp_neg(&s, &a);
    bn_fp_add(&s, &s, &a);
    assert_true(bn_fp_eq(&s, &zero));
    bn_fp_inv(&s, &a); /* a a^-1 = 1, and the same as Fermat's a^(p - 2) */
    bn_fp_pow(&t, &a, &bn_exp_p_minus_2);
    assert_true(bn_fp_eq(&s, &t));
    bn_fp_mul(&s, &s, &a);
    assert_true(bn_fp_is_zero(&a) || bn_fp_eq(&s, &one));
  }
  bn_fp_from_u64(&a, 1);
  assert_true(bn_fp_eq(&a, &one));
  bn_fp_inv(&s, &zero);
  assert_true(bn_fp_is_zero(&s));
  bn_fp_inv(&s, &one); /* the edges of the Euclid loop: 1, -1, 2 */
  assert_true(bn_fp_eq(&s, &one));
  bn_fp_neg(&a, &one);
  bn_fp_inv(&s, &a);
  assert_true(bn_fp_eq(&s, &a));
  bn_fp_from_u64(&a, 2);
  bn_fp_inv(&s, &a);
  bn_fp_pow(&t, &a, &bn_exp_p_minus_2);
  assert_true(bn_fp_eq(&s, &t));
  /* encoding: round trip, p and above refused, p - 1 accepted and equal to -1 */
  uint8_t be[32], out[32];
  for (int i = 0; i < 32; i++) be[i] = (uint8_t)(0x2f - i);
  assert_true(bn_fp_from_be32(&a, be));
  bn_fp_to_be32(out, &a);
  assert_memory_equal(be, out, 32);
  limbs_to_be(be, &bn_fp_p);
  assert_false(bn_fp_from_be32(&a, be));
  be[31]--;
  assert_true(bn_fp_from_be32(&a, be));
  bn_fp_neg(&s, &one);
  assert_true(bn_fp_eq(&a, &s));
  memset(be, 0xff, sizeof be);
  assert_false(bn_fp_from_be32(&a, be));
}

static void fp_to_mpz(mpz_t z, const bn_fp *a) {
  uint8_t be[32];
  bn_fp_to_be32(be, a);
  mpz_import(z, 32, 1, 1, 1, 0, be);
}

/* Fp against GMP as an independent reference: products, sums, differences and
 * inverses of the integers behind the Montgomery values, on edges and random values. */
static void test_fp_vs_gmp(void **state) {
  (void)state;
  mpz_t p, x, y, want, got;
  mpz_inits(p, x, y, want, got, NULL);
  mpz_import(p, 4, -1, 8, 0, 0, bn_fp_p.l);
  for (int i = 0; i < 20 * LAW_ROUNDS; i++) {
    bn_fp a, b, r;
    rand_fp(&a);
    rand_fp(&b);
    fp_to_mpz(x, &a);
    fp_to_mpz(y, &b);
    bn_fp_mul(&r, &a, &b);
    fp_to_mpz(got, &r);
    mpz_mul(want, x, y);
    mpz_mod(want, want, p);
    if (mpz_cmp(got, want) != 0) fail_msg("round %d: product differs from GMP", i);
    bn_fp_add(&r, &a, &b);
    fp_to_mpz(got, &r);
    mpz_add(want, x, y);
    mpz_mod(want, want, p);
    if (mpz_cmp(got, want) != 0) fail_msg("round %d: sum differs from GMP", i);
    bn_fp_sub(&r, &a, &b);
    fp_to_mpz(got, &r);
    mpz_sub(want, x, y);
    mpz_mod(want, want, p);
    if (mpz_cmp(got, want) != 0) fail_msg("round %d: difference differs from GMP", i);
    if (mpz_sgn(x) == 0) continue;
    bn_fp_inv(&r, &a);
    fp_to_mpz(got, &r);
    assert_true(mpz_invert(want, x, p));
    if (mpz_cmp(got, want) != 0) fail_msg("round %d: inverse differs from GMP", i);
  }
  mpz_clears(p, x, y, want, got, NULL);
}

static void test_fp2_laws(void **state) {
  (void)state;
  bn_fp2 a, b, c, s, t, one, xi;
  bn_fp2_set_one(&one);
  bn_fp_from_u64(&xi.c0, 9);
  xi.c1 = bn_fp_one;
  for (int i = 0; i < LAW_ROUNDS; i++) {
    rand_fp2(&a);
    rand_fp2(&b);
    rand_fp2(&c);
    bn_fp2_mul(&s, &a, &b);
    bn_fp2_mul(&t, &b, &a);
    assert_true(bn_fp2_eq(&s, &t));
    bn_fp2_mul(&s, &s, &c);
    bn_fp2_mul(&t, &b, &c);
    bn_fp2_mul(&t, &a, &t);
    assert_true(bn_fp2_eq(&s, &t));
    bn_fp2_add(&s, &b, &c);
    bn_fp2_mul(&s, &a, &s);
    bn_fp2 ab, ac;
    bn_fp2_mul(&ab, &a, &b);
    bn_fp2_mul(&ac, &a, &c);
    bn_fp2_add(&t, &ab, &ac);
    assert_true(bn_fp2_eq(&s, &t));
    bn_fp2_sqr(&s, &a);
    bn_fp2_mul(&t, &a, &a);
    assert_true(bn_fp2_eq(&s, &t));
    bn_fp2_mul_xi(&s, &a);
    bn_fp2_mul(&t, &a, &xi);
    assert_true(bn_fp2_eq(&s, &t));
    bn_fp2_inv(&s, &a);
    bn_fp2_mul(&s, &s, &a);
    assert_true(bn_fp2_is_zero(&a) || bn_fp2_eq(&s, &one));
    bn_fp2_conj(&s, &a); /* a conj(a) is in Fp */
    bn_fp2_mul(&s, &s, &a);
    assert_true(bn_fp_is_zero(&s.c1));
  }
  /* u^2 = -1 */
  bn_fp2 u = {{{0, 0, 0, 0}}, bn_fp_one};
  bn_fp2_sqr(&s, &u);
  bn_fp2_neg(&t, &one);
  assert_true(bn_fp2_eq(&s, &t));
}

static void easy_part(bn_fp12 *g, const bn_fp12 *f) {
  bn_fp12 t;
  bn_fp12_inv(&t, f);
  bn_fp12_conj(g, f);
  bn_fp12_mul(g, g, &t);
  bn_fp12_frobenius(&t, g, 2);
  bn_fp12_mul(g, &t, g);
}

static void test_fp12_tower(void **state) {
  (void)state;
  bn_fp12 a, b, c, s, t, one;
  uint8_t p_be[32];
  limbs_to_be(p_be, &bn_fp_p);
  bn_fp12_set_one(&one);
  for (int i = 0; i < 8; i++) {
    rand_fp12(&a);
    rand_fp12(&b);
    rand_fp12(&c);
    bn_fp12_mul(&s, &a, &b);
    bn_fp12_mul(&t, &b, &a);
    assert_true(bn_fp12_eq(&s, &t));
    bn_fp12_mul(&s, &s, &c);
    bn_fp12_mul(&t, &b, &c);
    bn_fp12_mul(&t, &a, &t);
    assert_true(bn_fp12_eq(&s, &t));
    bn_fp12_sqr(&s, &a);
    bn_fp12_mul(&t, &a, &a);
    assert_true(bn_fp12_eq(&s, &t));
    bn_fp12_inv(&s, &a);
    bn_fp12_mul(&s, &s, &a);
    assert_true(bn_fp12_is_one(&s));
    /* Frobenius: a^p by definition, a homomorphism, of order 12 */
    bn_fp12_frobenius(&s, &a, 1);
    fp12_pow(&t, &a, p_be, sizeof p_be);
    assert_true(bn_fp12_eq(&s, &t));
    bn_fp12_frobenius(&s, &a, 12);
    assert_true(bn_fp12_eq(&s, &a));
    bn_fp12_frobenius(&s, &a, 6); /* a^(p^6) is the conjugate */
    bn_fp12_conj(&t, &a);
    assert_true(bn_fp12_eq(&s, &t));
    /* the sparse line product against a full one */
    bn_fp12 sp;
    memset(&sp, 0, sizeof sp);
    rand_fp2(&sp.c0.c0);
    rand_fp2(&sp.c1.c0);
    rand_fp2(&sp.c1.c1);
    bn_fp12_mul_by_013(&s, &a, &sp.c0.c0, &sp.c1.c0, &sp.c1.c1);
    bn_fp12_mul(&t, &a, &sp);
    assert_true(bn_fp12_eq(&s, &t));
    /* cyclotomic squaring on an element of the cyclotomic subgroup */
    bn_fp12 g;
    easy_part(&g, &a);
    bn_fp12_cyclotomic_sqr(&s, &g);
    bn_fp12_sqr(&t, &g);
    assert_true(bn_fp12_eq(&s, &t));
    assert_false(bn_fp12_eq(&s, &one));
  }
}

/* ---------------- groups ---------------- */

static bool g1_eq(const bn_g1j *a, const bn_g1j *b) {
  bn_g1a x, y;
  bn_g1j_to_affine(&x, a);
  bn_g1j_to_affine(&y, b);
  if (x.inf || y.inf) return x.inf == y.inf;
  return bn_fp_eq(&x.x, &y.x) && bn_fp_eq(&x.y, &y.y);
}

/* k = a + b for scalars below 2^128 (no carry out of 32 bytes). */
static void scalar_add(uint8_t k[32], const uint8_t a[32], const uint8_t b[32]) {
  unsigned c = 0;
  for (int i = 31; i >= 0; i--) {
    c += (unsigned)a[i] + b[i];
    k[i] = (uint8_t)c;
    c >>= 8;
  }
}

static void test_g1_laws(void **state) {
  (void)state;
  bn_g1a g, back;
  bn_g1j G, P, Q, R, s, t;
  uint8_t r_be[32], ka[32], kb[32], kab[32];
  bn_g1_generator(&g);
  assert_true(bn_g1a_on_curve(&g));
  bn_g1j_from_affine(&G, &g);
  limbs_to_be(r_be, &bn_order_r);
  bn_g1j_mul(&s, &G, r_be); /* [r]G = O, [r - 1]G = -G */
  assert_true(bn_g1j_is_inf(&s));
  r_be[31]--;
  bn_g1j_mul(&s, &G, r_be);
  bn_g1j_add(&s, &s, &G);
  assert_true(bn_g1j_is_inf(&s));
  for (int i = 0; i < 16; i++) {
    rand_scalar(ka, 16);
    rand_scalar(kb, 16);
    scalar_add(kab, ka, kb);
    bn_g1j_mul(&P, &G, ka);
    bn_g1j_mul(&Q, &G, kb);
    bn_g1j_mul(&R, &G, kab);
    bn_g1j_add(&s, &P, &Q); /* [a]G + [b]G = [a + b]G */
    assert_true(g1_eq(&s, &R));
    bn_g1j_add(&t, &Q, &P);
    assert_true(g1_eq(&s, &t));
    bn_g1j_add(&s, &s, &R); /* (P + Q) + R = P + (Q + R) */
    bn_g1j_add(&t, &Q, &R);
    bn_g1j_add(&t, &P, &t);
    assert_true(g1_eq(&s, &t));
    bn_g1j_dbl(&s, &P);
    bn_g1j_add(&t, &P, &P);
    assert_true(g1_eq(&s, &t));
    /* encode, decode */
    uint8_t enc[64];
    bn_g1a pa;
    bn_g1j_to_affine(&pa, &P);
    assert_true(bn_g1a_on_curve(&pa));
    bn_g1a_encode(enc, &pa);
    assert_true(bn_g1a_decode(&back, enc));
    assert_true(bn_fp_eq(&back.x, &pa.x) && bn_fp_eq(&back.y, &pa.y) && !back.inf);
    enc[63] ^= 1; /* off the curve */
    assert_false(bn_g1a_decode(&back, enc));
  }
  uint8_t zero[64] = {0};
  assert_true(bn_g1a_decode(&back, zero) && back.inf);
}

static bool g2_subgroup_agree(const bn_g2a *q) {
  bn_g2j j;
  bn_g2j_from_affine(&j, q);
  return bn_g2j_in_subgroup(&j) == bn_g2j_in_subgroup_slow(&j);
}

static void test_g2_laws(void **state) {
  (void)state;
  bn_g2a g, qa, back;
  bn_g2j G, P, Q, R, s, t;
  uint8_t r_be[32], ka[32], kb[32], kab[32], enc[128];
  bn_g2_generator(&g);
  assert_true(bn_g2a_on_curve(&g));
  bn_g2j_from_affine(&G, &g);
  assert_true(bn_g2j_in_subgroup(&G));
  limbs_to_be(r_be, &bn_order_r);
  bn_g2j_mul(&s, &G, r_be);
  assert_true(bn_g2j_is_inf(&s));
  /* psi acts as multiplication by p on G2 */
  uint8_t p_be[32];
  limbs_to_be(p_be, &bn_fp_p);
  bn_g2a_psi(&qa, &g);
  bn_g2j_from_affine(&s, &qa);
  bn_g2j_mul(&t, &G, p_be);
  assert_true(bn_g2j_eq(&s, &t));
  for (int i = 0; i < 8; i++) {
    rand_scalar(ka, 16);
    rand_scalar(kb, 16);
    scalar_add(kab, ka, kb);
    bn_g2j_mul(&P, &G, ka);
    bn_g2j_mul(&Q, &G, kb);
    bn_g2j_mul(&R, &G, kab);
    bn_g2j_add(&s, &P, &Q);
    assert_true(bn_g2j_eq(&s, &R));
    bn_g2j_dbl(&s, &P);
    bn_g2j_add(&t, &P, &P);
    assert_true(bn_g2j_eq(&s, &t));
    bn_g2j_neg(&s, &P);
    bn_g2j_add(&s, &s, &P);
    assert_true(bn_g2j_is_inf(&s));
    bn_g2j_to_affine(&qa, &P);
    assert_true(g2_subgroup_agree(&qa));
    bn_g2a_encode(enc, &qa);
    assert_true(bn_g2a_decode(&back, enc));
    assert_true(bn_fp2_eq(&back.x, &qa.x) && bn_fp2_eq(&back.y, &qa.y));
  }
  /* on the twist but outside G2: decodes as a curve point, refused as a G2 point */
  unhex_exact(G2_NOT_IN_SUBGROUP, enc, sizeof enc);
  assert_false(bn_g2a_decode(&back, enc));
  bn_fp_from_u64(&qa.x.c0, 2);
  qa.x.c1 = bn_fp_one;
  assert_true(bn_fp_from_be32(&qa.y.c1, enc + 64) && bn_fp_from_be32(&qa.y.c0, enc + 96));
  qa.inf = false;
  assert_true(bn_g2a_on_curve(&qa));
  assert_true(g2_subgroup_agree(&qa));
  /* its cofactor part [r]Q' (order dividing 2p - r) and that plus G2: also outside */
  bn_g2j C, M;
  bn_g2j_from_affine(&s, &qa);
  assert_false(bn_g2j_in_subgroup(&s));
  bn_g2j_mul(&C, &s, r_be);
  assert_false(bn_g2j_is_inf(&C));
  bn_g2j_add(&M, &C, &G);
  const bn_g2j *outside[2] = {&C, &M};
  for (int i = 0; i < 2; i++) {
    assert_false(bn_g2j_in_subgroup(outside[i]));
    assert_false(bn_g2j_in_subgroup_slow(outside[i]));
  }
  bn_g2j_mul(&s, &C, r_be); /* [r] does not kill the cofactor part */
  assert_false(bn_g2j_is_inf(&s));
  memset(enc, 0, sizeof enc);
  assert_true(bn_g2a_decode(&back, enc) && back.inf);
}

/* ---------------- pairing ---------------- */

static void test_pairing_laws(void **state) {
  (void)state;
  bn_g1a g1, pa;
  bn_g2a g2, qa;
  bn_g1j P;
  bn_g2j Q;
  bn_fp12 e, e1, e2, f, t;
  uint8_t ka[32], kb[32], r_be[32];
  bn_g1_generator(&g1);
  bn_g2_generator(&g2);
  bn_pairing(&e, &g1, &g2);
  assert_false(bn_fp12_is_one(&e)); /* non-degenerate */
  limbs_to_be(r_be, &bn_order_r);
  fp12_pow(&t, &e, r_be, sizeof r_be); /* of order r */
  assert_true(bn_fp12_is_one(&t));
  /* the final exponentiation is f^((p^12 - 1) / r) exactly */
  uint8_t full[400];
  long n = test_unhex(FULL_EXP_HEX, full, sizeof full);
  assert_true(n > 300);
  bn_miller_loop(&f, &g1, &g2, 1);
  fp12_pow(&t, &f, full, (size_t)n);
  assert_true(bn_fp12_eq(&t, &e));
  for (int i = 0; i < 3; i++) { /* e([a]P, [b]Q) = e([b]P, [a]Q) = e(P, Q)^(ab) */
    rand_scalar(ka, 8);
    rand_scalar(kb, 8);
    bn_g1j_from_affine(&P, &g1);
    bn_g2j_from_affine(&Q, &g2);
    bn_g1j_mul(&P, &P, ka);
    bn_g2j_mul(&Q, &Q, kb);
    bn_g1j_to_affine(&pa, &P);
    bn_g2j_to_affine(&qa, &Q);
    bn_pairing(&e1, &pa, &qa);
    bn_g1j_from_affine(&P, &g1);
    bn_g2j_from_affine(&Q, &g2);
    bn_g1j_mul(&P, &P, kb);
    bn_g2j_mul(&Q, &Q, ka);
    bn_g1j_to_affine(&pa, &P);
    bn_g2j_to_affine(&qa, &Q);
    bn_pairing(&e2, &pa, &qa);
    assert_true(bn_fp12_eq(&e1, &e2));
    fp12_pow(&t, &e, ka, 32);
    fp12_pow(&t, &t, kb, 32);
    assert_true(bn_fp12_eq(&t, &e1));
    /* e(P, Q) e(-P, Q) = 1 through the batched Miller loop */
    bn_g1a ps[2] = {pa, pa};
    bn_g2a qs[2] = {qa, qa};
    bn_fp_neg(&ps[1].y, &ps[1].y);
    bn_miller_loop(&f, ps, qs, 2);
    bn_final_exp(&t, &f);
    assert_true(bn_fp12_is_one(&t));
  }
}

/* ---------------- precompiles ---------------- */

#include "bn254_vectors.h"

static evm_pc_status run_op(pc_op op, const uint8_t *in, size_t len, evm_fork fork,
                            evm_pc_out *out) {
  static const evm_pc_run_fn runs[] = {evm_pc_bn254_add, evm_pc_bn254_mul, evm_pc_bn254_pairing};
  return runs[op](in, len, fork, out);
}

#define VEC_MAX_IN 1024

/* Runs one vector; returns 0 when the result matches, else prints why. */
static int check_vector(const pc_vector *v) {
  uint8_t in[VEC_MAX_IN], want[64];
  long n = test_unhex(v->input, in, sizeof in);
  assert_true(n >= 0);
  evm_pc_out out = {NULL, 0};
  evm_pc_status st = run_op(v->op, in, (size_t)n, EVM_OSAKA, &out);
  int bad = 0;
  if (!v->expected) {
    bad = st != EVM_PC_ERROR;
  } else {
    long m = test_unhex(v->expected, want, sizeof want);
    bad = st != EVM_PC_OK || m < 0 || out.len != (size_t)m || memcmp(out.data, want, out.len) != 0;
  }
  if (bad) fprintf(stderr, "vector %s: status %d, %zu output bytes\n", v->name, (int)st, out.len);
  free(out.data);
  return bad;
}

static void test_geth_vectors(void **state) {
  (void)state;
  size_t n = sizeof GETH_VECTORS / sizeof GETH_VECTORS[0], bad = 0;
  for (size_t i = 0; i < n; i++) bad += (size_t)check_vector(&GETH_VECTORS[i]);
  fprintf(stderr, "go-ethereum vectors: %zu of %zu agree\n", n - bad, n);
  assert_int_equal(bad, 0);
}

static const char *G1_GEN = "0000000000000000000000000000000000000000000000000000000000000001"
                            "0000000000000000000000000000000000000000000000000000000000000002";
static const char *G2_GEN =
    "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2"
    "1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed"
    "090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b"
    "12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";

static evm_pc_status run_buf(pc_op op, const uint8_t *in, size_t len, uint8_t *res, size_t *res_len) {
  evm_pc_out out = {NULL, 0};
  evm_pc_status st = run_op(op, in, len, EVM_CANCUN, &out);
  *res_len = out.len;
  if (out.len) memcpy(res, out.data, out.len);
  if (st != EVM_PC_OK) assert_null(out.data);
  free(out.data);
  return st;
}

static void test_invalid_inputs(void **state) {
  (void)state;
  uint8_t in[2 * 192], res[64], p_be[32];
  size_t rl;
  limbs_to_be(p_be, &bn_fp_p);
  /* ECADD: G + O fine; x = p + 1, y = 2 (G, not canonical) refused; (1, 3) is off E */
  memset(in, 0, sizeof in);
  unhex_exact(G1_GEN, in, 64);
  assert_int_equal(run_buf(OP_ADD, in, 128, res, &rl), EVM_PC_OK);
  memcpy(in + 64, p_be, 32);
  in[64 + 31] += 1; /* p + 1 = 1 mod p, but not canonical */
  in[127] = 2;
  assert_int_equal(run_buf(OP_ADD, in, 128, res, &rl), EVM_PC_ERROR);
  in[63] = 3;
  memset(in + 64, 0, 64);
  assert_int_equal(run_buf(OP_ADD, in, 128, res, &rl), EVM_PC_ERROR);
  assert_int_equal(run_buf(OP_MUL, in, 96, res, &rl), EVM_PC_ERROR);
  /* ECMUL: k = 0 and the point at infinity give infinity */
  in[63] = 2;
  assert_int_equal(run_buf(OP_MUL, in, 96, res, &rl), EVM_PC_OK);
  assert_int_equal(rl, 64);
  static const uint8_t zero64[64];
  assert_memory_equal(res, zero64, 64);
  memset(in, 0, 64);
  in[95] = 7;
  assert_int_equal(run_buf(OP_MUL, in, 96, res, &rl), EVM_PC_OK);
  assert_memory_equal(res, zero64, 64);
  /* ECPAIRING: lengths that are not multiples of 192 */
  memset(in, 0, sizeof in);
  assert_int_equal(run_buf(OP_PAIR, in, 191, res, &rl), EVM_PC_ERROR);
  assert_int_equal(run_buf(OP_PAIR, in, 193, res, &rl), EVM_PC_ERROR);
  assert_int_equal(run_buf(OP_PAIR, in, 192, res, &rl), EVM_PC_OK); /* (O, O): 1 */
  assert_int_equal(res[31], 1);
  /* (G1, O) and (O, G2) contribute 1 but are still checked */
  unhex_exact(G1_GEN, in, 64);
  assert_int_equal(run_buf(OP_PAIR, in, 192, res, &rl), EVM_PC_OK);
  assert_int_equal(res[31], 1);
  memset(in, 0, 64);
  unhex_exact(G2_GEN, in + 64, 128);
  assert_int_equal(run_buf(OP_PAIR, in, 192, res, &rl), EVM_PC_OK);
  assert_int_equal(res[31], 1);
  in[63] = 1; /* (0, 1) is not on E even though G2 is fine */
  assert_int_equal(run_buf(OP_PAIR, in, 192, res, &rl), EVM_PC_ERROR);
  /* G2 encoded real part first (the wrong order) is off the twist */
  unhex_exact(G1_GEN, in, 64);
  uint8_t g2[128];
  unhex_exact(G2_GEN, g2, 128);
  memcpy(in + 64, g2 + 32, 32);
  memcpy(in + 96, g2, 32);
  assert_int_equal(run_buf(OP_PAIR, in, 192, res, &rl), EVM_PC_ERROR);
  /* a G2 coordinate of p, and a twist point outside G2, in the second pair */
  unhex_exact(G2_GEN, in + 64, 128);
  memcpy(in + 192, in, 192);
  memcpy(in + 192 + 64 + 96, p_be, 32);
  assert_int_equal(run_buf(OP_PAIR, in, 384, res, &rl), EVM_PC_ERROR);
  unhex_exact(G2_NOT_IN_SUBGROUP, in + 192 + 64, 128);
  assert_int_equal(run_buf(OP_PAIR, in, 384, res, &rl), EVM_PC_ERROR);
  /* e(G1, G2) e(G1, -G2) = 1 */
  unhex_exact(G2_GEN, in + 192 + 64, 128);
  bn_fp y;
  assert_true(bn_fp_from_be32(&y, in + 192 + 64 + 64));
  bn_fp_neg(&y, &y);
  bn_fp_to_be32(in + 192 + 64 + 64, &y);
  assert_true(bn_fp_from_be32(&y, in + 192 + 64 + 96));
  bn_fp_neg(&y, &y);
  bn_fp_to_be32(in + 192 + 64 + 96, &y);
  assert_int_equal(run_buf(OP_PAIR, in, 384, res, &rl), EVM_PC_OK);
  assert_int_equal(rl, 32);
  assert_int_equal(res[31], 1);
  /* the second pair alone: e(G1, -G2) != 1 */
  assert_int_equal(run_buf(OP_PAIR, in + 192, 192, res, &rl), EVM_PC_OK);
  assert_int_equal(res[31], 0);
}

typedef struct {
  pc_op op;
  evm_fork fork;
  size_t len;
  uint64_t gas;
} gas_row;

static void test_gas(void **state) {
  (void)state;
  static const evm_pc_gas_fn gas_fns[] = {evm_pc_bn254_add_gas, evm_pc_bn254_mul_gas,
                                          evm_pc_bn254_pairing_gas};
  static const gas_row rows[] = {
      {OP_ADD, EVM_BYZANTIUM, 128, 500},       {OP_ADD, EVM_PETERSBURG, 0, 500},
      {OP_ADD, EVM_ISTANBUL, 128, 150},        {OP_ADD, EVM_OSAKA, 1000, 150},
      {OP_MUL, EVM_BYZANTIUM, 96, 40000},      {OP_MUL, EVM_ISTANBUL, 96, 6000},
      {OP_MUL, EVM_CANCUN, 5, 6000},           {OP_PAIR, EVM_BYZANTIUM, 0, 100000},
      {OP_PAIR, EVM_CONSTANTINOPLE, 384, 260000}, {OP_PAIR, EVM_ISTANBUL, 0, 45000},
      {OP_PAIR, EVM_ISTANBUL, 192, 79000},     {OP_PAIR, EVM_PRAGUE, 384, 113000},
      {OP_PAIR, EVM_OSAKA, 1920, 385000},      {OP_PAIR, EVM_OSAKA, 191, 45000},
      {OP_PAIR, EVM_OSAKA, SIZE_MAX, EVM_PC_GAS_MAX},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    uint64_t g = gas_fns[rows[i].op](NULL, rows[i].len, rows[i].fork);
    if (g != rows[i].gas) fail_msg("gas row %zu: %llu, want %llu", i, (unsigned long long)g,
                                   (unsigned long long)rows[i].gas);
  }
}

/* The pair cap: BN_PAIRING_MAX_PAIRS pairs of (O, O) pass, one more is refused. */
static void test_pair_cap(void **state) {
  (void)state;
  size_t len = (size_t)(BN_PAIRING_MAX_PAIRS + 1) * 192;
  uint8_t *in = calloc(1, len), res[32];
  size_t rl;
  assert_non_null(in);
  assert_int_equal(run_buf(OP_PAIR, in, len - 192, res, &rl), EVM_PC_OK);
  assert_int_equal(res[31], 1);
  assert_int_equal(run_buf(OP_PAIR, in, len, res, &rl), EVM_PC_ERROR);
  free(in);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

#define TIMING_ROUNDS 20
#define TIMING_LIMIT_US 50000.0 /* ten times the 5 ms target: fails only if something broke */

static void test_timing(void **state) {
  (void)state;
  const pc_vector *v[3] = {&GETH_VECTORS[0], &GETH_VECTORS[8], NULL};
  for (size_t i = 0; i < sizeof GETH_VECTORS / sizeof GETH_VECTORS[0]; i++)
    if (!strcmp(GETH_VECTORS[i].name, "pairing jeff1")) v[2] = &GETH_VECTORS[i];
  assert_non_null(v[2]);
  static const char *names[3] = {"ECADD", "ECMUL", "ECPAIRING (2 pairs)"};
  for (int k = 0; k < 3; k++) {
    uint8_t in[VEC_MAX_IN];
    long n = test_unhex(v[k]->input, in, sizeof in);
    assert_true(n > 0);
    double t0 = now_us();
    for (int i = 0; i < TIMING_ROUNDS; i++) {
      evm_pc_out out = {NULL, 0};
      assert_int_equal(run_op(v[k]->op, in, (size_t)n, EVM_OSAKA, &out), EVM_PC_OK);
      free(out.data);
    }
    double per = (now_us() - t0) / TIMING_ROUNDS;
    fprintf(stderr, "timing: %s %.1f us per call\n", names[k], per);
    assert_true(per < TIMING_LIMIT_US);
  }
}

/* ---- @noble/curves cross-check (file written by tests/e2e/bn254_noble.test.mjs) ---- */
static void test_crosscheck_noble(void **state) {
  (void)state;
  static const struct {
    const char *name;
    pc_op op;
  } ops[] = {{"add", OP_ADD}, {"mul", OP_MUL}, {"pairing", OP_PAIR}};
  const char *path = getenv("BN254_CROSSCHECK_FILE");
  if (!path || !*path) {
    fprintf(stderr, "skip: BN254_CROSSCHECK_FILE not set (tests/e2e/bn254_noble.test.mjs writes it)\n");
    skip();
  }
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr);
  if (!root) fail_msg("cannot parse %s: %s", path, jerr.text);
  json_t *cases = json_object_get(root, "cases");
  assert_true(json_is_array(cases));
  size_t i, agree = 0, counts[3] = {0, 0, 0};
  json_t *c;
  json_array_foreach(cases, i, c) {
    const char *op = json_string_value(json_object_get(c, "op"));
    const char *input = json_string_value(json_object_get(c, "input"));
    json_t *exp = json_object_get(c, "expected");
    assert_non_null(op);
    assert_non_null(input);
    size_t k = 0;
    while (k < 3 && strcmp(ops[k].name, op) != 0) k++;
    if (k == 3) fail_msg("case %zu: unknown op %s", i, op);
    pc_vector v = {op, ops[k].op, input, json_is_string(exp) ? json_string_value(exp) : NULL};
    if (check_vector(&v) != 0) fail_msg("case %zu (%s) disagrees with @noble/curves: %s", i, op, input);
    agree++;
    counts[k]++;
  }
  fprintf(stderr, "cross-check: %zu cases agree with @noble/curves (%zu add, %zu mul, %zu pairing)\n",
          agree, counts[0], counts[1], counts[2]);
  assert_true(counts[0] > 0 && counts[1] > 0 && counts[2] > 0);
  json_decref(root);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fp_laws),        cmocka_unit_test(test_fp_vs_gmp),
      cmocka_unit_test(test_fp2_laws),
      cmocka_unit_test(test_fp12_tower),     cmocka_unit_test(test_g1_laws),
      cmocka_unit_test(test_g2_laws),        cmocka_unit_test(test_pairing_laws),
      cmocka_unit_test(test_geth_vectors),   cmocka_unit_test(test_invalid_inputs),
      cmocka_unit_test(test_gas),            cmocka_unit_test(test_pair_cap),
      cmocka_unit_test(test_timing),         cmocka_unit_test(test_crosscheck_noble),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

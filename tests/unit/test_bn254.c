/*
 * test_bn254.c: the in-tree BN254 (alt_bn128) arithmetic under src/core/evm/bn254*.c
 * and the precompiles 0x06 ECADD, 0x07 ECMUL, 0x08 ECPAIRING (pc_bn254.c):
 *   - Fp against GMP (products, sums, differences, inverses, including values next
 *     to p and limb boundaries);
 *   - field laws in Fp, Fp2 and Fp12 on deterministic pseudo-random values, the
 *     Frobenius map against a plain exponentiation by p, cyclotomic squaring against
 *     plain squaring, the sparse line product against a full product;
 *   - group laws in G1 and G2, [r]P = O, psi(Q) = [p]Q, a twist point outside G2,
 *     the GLV scalar multiplication against the plain window;
 *   - the pairing: bilinear, non-degenerate, of order r, the final exponentiation
 *     against a plain exponentiation by (p^12 - 1) / r, e(G1, G2) against the value
 *     @noble/curves computes (which is e^m for a fixed m, see bn254_vectors.h);
 * The precompiles themselves (vectors, invalid inputs, gas, caps, timing, the
 * @noble/curves cross-check) are tested in test_pc_bn254.c. No fixtures needed.
 */
#include "testutil.h"

#include <gmp.h>

#include "core/evm/bn254.h"

#include "bn254_vectors.h"

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

/* The GLV multiplication against the plain window: edge scalars (around 0, r, 2^256,
 * lambda and the lattice basis) and random ones, on random points. */
static void test_g1_glv(void **state) {
  (void)state;
  bn_g1a g;
  bn_g1j G, P, s, t;
  uint8_t k[32];
  bn_g1_generator(&g);
  bn_g1j_from_affine(&G, &g);
  size_t ne = sizeof GLV_EDGES / sizeof GLV_EDGES[0];
  for (size_t i = 0; i < ne + 300; i++) {
    if (i < ne) {
      memset(k, 0, sizeof k);
      size_t n = strlen(GLV_EDGES[i]) / 2;
      assert_int_equal(test_unhex(GLV_EDGES[i], k + 32 - n, n), (long)n);
      P = G;
    } else {
      rand_scalar(k, 32);
      uint8_t kp[32];
      rand_scalar(kp, 32);
      bn_g1j_mul_plain(&P, &G, kp);
    }
    bn_g1j_mul(&s, &P, k);
    bn_g1j_mul_plain(&t, &P, k);
    if (!g1_eq(&s, &t)) fail_msg("scalar %zu: GLV and plain multiplication differ", i);
  }
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
  for (int i = 0; i < 16; i++) { /* [k]Q' + [m]G2: the fast test agrees with [r]X = O */
    rand_scalar(ka, 32);
    rand_scalar(kb, 16);
    bn_g2j_from_affine(&s, &qa);
    bn_g2j_mul(&P, &s, ka);
    bn_g2j_mul(&Q, &G, kb);
    bn_g2j_add(&P, &P, &Q);
    assert_int_equal(bn_g2j_in_subgroup(&P), bn_g2j_in_subgroup_slow(&P));
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
  uint8_t m_be[32];
  unhex_exact(NOBLE_POWER_M, m_be, sizeof m_be);
  fp12_pow(&t, &e, m_be, sizeof m_be); /* e^m is the value @noble/curves computes */
  const bn_fp2 *ec[6] = {&t.c0.c0, &t.c0.c1, &t.c0.c2, &t.c1.c0, &t.c1.c1, &t.c1.c2};
  for (int i = 0; i < 12; i++) {
    uint8_t want[32], got[32];
    unhex_exact(E_G1_G2[i], want, sizeof want);
    bn_fp_to_be32(got, i % 2 ? &ec[i / 2]->c1 : &ec[i / 2]->c0);
    assert_memory_equal(got, want, sizeof got);
  }
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fp_laws),        cmocka_unit_test(test_fp_vs_gmp),
      cmocka_unit_test(test_fp2_laws),
      cmocka_unit_test(test_fp12_tower),     cmocka_unit_test(test_g1_laws),
      cmocka_unit_test(test_g1_glv),
      cmocka_unit_test(test_g2_laws),        cmocka_unit_test(test_pairing_laws),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

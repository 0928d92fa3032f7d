/*
 * bn254_g1.c: the group G1 of BN254, y^2 = x^3 + 3 over Fp, for ECADD (0x06) and
 * ECMUL (0x07). The curve has prime order r (cofactor 1), so a point that decodes
 * and lies on the curve is in G1.
 *
 * Jacobian formulas for a = 0: doubling dbl-2009-l, addition add-2007-bl (with the
 * doubling and inverse cases handled explicitly). Scalar multiplication splits k mod r
 * with the GLV endomorphism into two halves of about 128 bits and runs both 4-bit
 * windows together (half the doublings); the plain 4-bit window over all 256 bits
 * stays as the reference and the fallback. The precompile takes any 256-bit scalar;
 * [k]P only depends on k mod r since G1 has order r.
 * Called by pc_bn254.c and bn254_pairing.c; callers own the structs.
 */
#include "core/evm/bn254.h"

#include <string.h>

/* the curve constant b = 3 */
static void g1_b(bn_fp *b) { bn_fp_from_u64(b, 3); }

void bn_g1j_set_inf(bn_g1j *r) {
  r->x = bn_fp_one;
  r->y = bn_fp_one;
  memset(&r->z, 0, sizeof r->z);
}

bool bn_g1j_is_inf(const bn_g1j *a) { return bn_fp_is_zero(&a->z); }

void bn_g1j_from_affine(bn_g1j *r, const bn_g1a *a) {
  if (a->inf) {
    bn_g1j_set_inf(r);
    return;
  }
  r->x = a->x;
  r->y = a->y;
  r->z = bn_fp_one;
}

void bn_g1j_to_affine(bn_g1a *r, const bn_g1j *a) {
  if (bn_g1j_is_inf(a)) {
    memset(r, 0, sizeof *r);
    r->inf = true;
    return;
  }
  bn_fp zi, zi2, zi3;
  bn_fp_inv(&zi, &a->z);
  bn_fp_sqr(&zi2, &zi);
  bn_fp_mul(&zi3, &zi2, &zi);
  bn_fp_mul(&r->x, &a->x, &zi2);
  bn_fp_mul(&r->y, &a->y, &zi3);
  r->inf = false;
}

/* dbl-2009-l: 2M + 5S */
void bn_g1j_dbl(bn_g1j *r, const bn_g1j *a) {
  if (bn_g1j_is_inf(a)) {
    *r = *a;
    return;
  }
  bn_fp A, B, C, D, E, F, t;
  bn_fp_sqr(&A, &a->x);
  bn_fp_sqr(&B, &a->y);
  bn_fp_sqr(&C, &B);
  bn_fp_add(&D, &a->x, &B); /* D = 2 ((X + B)^2 - A - C) */
  bn_fp_sqr(&D, &D);
  bn_fp_sub(&D, &D, &A);
  bn_fp_sub(&D, &D, &C);
  bn_fp_dbl(&D, &D);
  bn_fp_dbl(&E, &A); /* E = 3A */
  bn_fp_add(&E, &E, &A);
  bn_fp_sqr(&F, &E);
  bn_fp_mul(&t, &a->y, &a->z); /* Z3 = 2 Y Z (before Y is overwritten) */
  bn_fp_dbl(&r->z, &t);
  bn_fp_dbl(&t, &D); /* X3 = F - 2D */
  bn_fp_sub(&r->x, &F, &t);
  bn_fp_sub(&t, &D, &r->x); /* Y3 = E (D - X3) - 8C */
  bn_fp_mul(&t, &E, &t);
  bn_fp_dbl(&C, &C);
  bn_fp_dbl(&C, &C);
  bn_fp_dbl(&C, &C);
  bn_fp_sub(&r->y, &t, &C);
}

/* add-2007-bl: 11M + 5S; equal inputs double, opposite inputs give infinity. */
void bn_g1j_add(bn_g1j *r, const bn_g1j *a, const bn_g1j *b) {
  if (bn_g1j_is_inf(a)) {
    *r = *b;
    return;
  }
  if (bn_g1j_is_inf(b)) {
    *r = *a;
    return;
  }
  bn_fp z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
  bn_fp_sqr(&z1z1, &a->z);
  bn_fp_sqr(&z2z2, &b->z);
  bn_fp_mul(&u1, &a->x, &z2z2);
  bn_fp_mul(&u2, &b->x, &z1z1);
  bn_fp_mul(&s1, &a->y, &b->z);
  bn_fp_mul(&s1, &s1, &z2z2);
  bn_fp_mul(&s2, &b->y, &a->z);
  bn_fp_mul(&s2, &s2, &z1z1);
  bn_fp_sub(&h, &u2, &u1);
  bn_fp_sub(&rr, &s2, &s1);
  if (bn_fp_is_zero(&h)) {
    if (bn_fp_is_zero(&rr))
      bn_g1j_dbl(r, a);
    else
      bn_g1j_set_inf(r);
    return;
  }
  bn_fp_dbl(&rr, &rr);
  bn_fp_dbl(&i, &h);
  bn_fp_sqr(&i, &i);
  bn_fp_mul(&j, &h, &i);
  bn_fp_mul(&v, &u1, &i);
  bn_fp_add(&t, &a->z, &b->z); /* Z3 = ((Z1 + Z2)^2 - Z1Z1 - Z2Z2) H */
  bn_fp_sqr(&t, &t);
  bn_fp_sub(&t, &t, &z1z1);
  bn_fp_sub(&t, &t, &z2z2);
  bn_fp_mul(&r->z, &t, &h);
  bn_fp_sqr(&t, &rr); /* X3 = r^2 - J - 2V */
  bn_fp_sub(&t, &t, &j);
  bn_fp_sub(&t, &t, &v);
  bn_fp_sub(&r->x, &t, &v);
  bn_fp_sub(&t, &v, &r->x); /* Y3 = r (V - X3) - 2 S1 J */
  bn_fp_mul(&t, &t, &rr);
  bn_fp_mul(&s1, &s1, &j);
  bn_fp_dbl(&s1, &s1);
  bn_fp_sub(&r->y, &t, &s1);
}

/* Window of 4 bits: 15 precomputed multiples, 252 doublings, at most 64 additions. */
void bn_g1j_mul_plain(bn_g1j *r, const bn_g1j *a, const uint8_t k_be[32]) {
  bn_g1j table[16], acc;
  bn_g1j_set_inf(&table[0]);
  table[1] = *a;
  for (int i = 2; i < 16; i++) bn_g1j_add(&table[i], &table[i - 1], a);
  bn_g1j_set_inf(&acc);
  for (int pos = 0; pos < 64; pos++) {
    unsigned nib = (pos & 1) ? (k_be[pos / 2] & 0xf) : (k_be[pos / 2] >> 4);
    if (!bn_g1j_is_inf(&acc))
      for (int d = 0; d < 4; d++) bn_g1j_dbl(&acc, &acc);
    if (nib) bn_g1j_add(&acc, &acc, &table[nib]);
  }
  *r = acc;
}

/* ---- GLV: [k]P = [k1]P + [k2]phi(P), phi(x, y) = (beta x, y) = [lambda]P ----
 * beta is a cube root of unity in Fp and lambda the matching one mod r (checked with
 * Python: [lambda]G = (beta, 2)). k mod r is split along the short lattice basis
 * v1 = (a1, -b1abs), v2 = (a2, b2) of {(x, y): x + y lambda = 0 mod r} (extended
 * Euclid on r and lambda): c1 = floor(k g1 / 2^256), c2 = floor(k g2 / 2^256) with
 * g1 = floor(2^256 b2 / r), g2 = floor(2^256 b1abs / r), then k1 = k - c1 a1 - c2 a2,
 * k2 = c1 b1abs - c2 b2, both below 2^128 in size (2^127 over 200,000 random scalars
 * in Python). Plain integers, little-endian limbs, arithmetic mod 2^256. */
typedef struct { uint64_t l[4]; } u256;

static const u256 glv_r = {{0x43e1f593f0000001ULL, 0x2833e84879b97091ULL, 0xb85045b68181585dULL,
                            0x30644e72e131a029ULL}};
static const u256 glv_a1 = {{0x89d3256894d213e3ULL, 0, 0, 0}}; /* = b2 */
static const u256 glv_a2 = {{0x0be4e1541221250bULL, 0x6f4d8248eeb859fdULL, 0, 0}};
static const u256 glv_b1abs = {{0x8211bbeb7d4f1128ULL, 0x6f4d8248eeb859fcULL, 0, 0}};
static const u256 glv_g1 = {{0xd91d232ec7e0b3d7ULL, 0x2ULL, 0, 0}};
static const u256 glv_g2 = {{0x7a7bd9d4391eb18dULL, 0x4ccef014a773d2cfULL, 0x2ULL, 0}};
/* beta, Montgomery form */
static const bn_fp glv_beta = {{0x71930c11d782e155ULL, 0xa6bb947cffbe3323ULL,
                                0xaa303344d4741444ULL, 0x2c3b3f0d26594943ULL}};
#define GLV_NIBBLES 33 /* 132 bits: the split scalars are below 2^128; more falls back */

static bool u256_geq(const u256 *a, const u256 *b) {
  for (int i = 3; i >= 0; i--)
    if (a->l[i] != b->l[i]) return a->l[i] > b->l[i];
  return true;
}

static void u256_sub(u256 *r, const u256 *a, const u256 *b) {
  uint64_t br = 0;
  for (int i = 0; i < 4; i++) r->l[i] = bn_sbb(a->l[i], b->l[i], &br);
}

/* The 512-bit product a b as lo (bits 0..255) and hi (bits 256..511). */
static void u256_mul(u256 *lo, u256 *hi, const u256 *a, const u256 *b) {
  uint64_t t[8] = {0};
  for (int i = 0; i < 4; i++) {
    uint64_t c = 0;
    for (int j = 0; j < 4; j++) t[i + j] = bn_mac(t[i + j], a->l[i], b->l[j], &c);
    t[i + 4] = c;
  }
  memcpy(lo->l, t, sizeof lo->l);
  if (hi) memcpy(hi->l, t + 4, sizeof hi->l);
}

/* |v| of a two's complement value; returns whether v was negative. */
static bool u256_abs(u256 *v) {
  if (!(v->l[3] >> 63)) return false;
  u256 z = {{0, 0, 0, 0}};
  u256_sub(v, &z, v);
  return true;
}

static unsigned nibble(const u256 *k, int pos) { return (unsigned)(k->l[pos / 16] >> (4 * (pos % 16))) & 0xf; }

/* k (32 big-endian bytes) -> k1, k2 with k = k1 + k2 lambda mod r; signs in neg[]. */
static bool glv_split(u256 *k1, u256 *k2, bool neg[2], const uint8_t k_be[32]) {
  u256 k, c1, c2, t, u;
  for (int i = 0; i < 4; i++) {
    uint64_t w = 0;
    for (int b = 0; b < 8; b++) w = (w << 8) | k_be[(3 - i) * 8 + b];
    k.l[i] = w;
  }
  while (u256_geq(&k, &glv_r)) u256_sub(&k, &k, &glv_r); /* 2^256 < 6 r */
  u256_mul(&t, &c1, &k, &glv_g1);
  u256_mul(&t, &c2, &k, &glv_g2);
  u256_mul(&t, NULL, &c1, &glv_a1);
  u256_mul(&u, NULL, &c2, &glv_a2);
  u256_sub(k1, &k, &t);
  u256_sub(k1, k1, &u);
  u256_mul(&t, NULL, &c1, &glv_b1abs);
  u256_mul(&u, NULL, &c2, &glv_a1); /* b2 = a1 */
  u256_sub(k2, &t, &u);
  neg[0] = u256_abs(k1);
  neg[1] = u256_abs(k2);
  for (int i = 0; i < 2; i++) { /* below 2^132, else the caller takes the plain path */
    const u256 *v = i ? k2 : k1;
    if (v->l[3] || v->l[2] >> 4) return false;
  }
  return true;
}

void bn_g1j_mul(bn_g1j *r, const bn_g1j *a, const uint8_t k_be[32]) {
  u256 k1, k2;
  bool neg[2];
  if (!glv_split(&k1, &k2, neg, k_be)) {
    bn_g1j_mul_plain(r, a, k_be);
    return;
  }
  bn_g1j t1[16], t2[16], acc;
  bn_g1j_set_inf(&t1[0]);
  t1[1] = *a;
  if (neg[0]) bn_fp_neg(&t1[1].y, &t1[1].y);
  for (int i = 2; i < 16; i++) bn_g1j_add(&t1[i], &t1[i - 1], &t1[1]);
  for (int i = 0; i < 16; i++) { /* phi(+-[i]P), then the sign of k2 */
    t2[i] = t1[i];
    bn_fp_mul(&t2[i].x, &t2[i].x, &glv_beta);
    if (neg[0] != neg[1]) bn_fp_neg(&t2[i].y, &t2[i].y);
  }
  bn_g1j_set_inf(&acc);
  for (int pos = GLV_NIBBLES - 1; pos >= 0; pos--) {
    if (!bn_g1j_is_inf(&acc))
      for (int d = 0; d < 4; d++) bn_g1j_dbl(&acc, &acc);
    unsigned n1 = nibble(&k1, pos), n2 = nibble(&k2, pos);
    if (n1) bn_g1j_add(&acc, &acc, &t1[n1]);
    if (n2) bn_g1j_add(&acc, &acc, &t2[n2]);
  }
  *r = acc;
}

bool bn_g1a_on_curve(const bn_g1a *a) {
  if (a->inf) return true;
  bn_fp lhs, rhs, b;
  bn_fp_sqr(&lhs, &a->y);
  bn_fp_sqr(&rhs, &a->x);
  bn_fp_mul(&rhs, &rhs, &a->x);
  g1_b(&b);
  bn_fp_add(&rhs, &rhs, &b);
  return bn_fp_eq(&lhs, &rhs);
}

void bn_g1_generator(bn_g1a *r) {
  bn_fp_from_u64(&r->x, 1);
  bn_fp_from_u64(&r->y, 2);
  r->inf = false;
}

bool bn_g1a_decode(bn_g1a *r, const uint8_t in[BN_G1_BYTES]) {
  memset(r, 0, sizeof *r);
  if (!bn_fp_from_be32(&r->x, in) || !bn_fp_from_be32(&r->y, in + BN_FP_BYTES)) return false;
  if (bn_fp_is_zero(&r->x) && bn_fp_is_zero(&r->y)) { /* (0, 0) is not on the curve */
    r->inf = true;
    return true;
  }
  return bn_g1a_on_curve(r);
}

void bn_g1a_encode(uint8_t out[BN_G1_BYTES], const bn_g1a *a) {
  if (a->inf) {
    memset(out, 0, BN_G1_BYTES);
    return;
  }
  bn_fp_to_be32(out, &a->x);
  bn_fp_to_be32(out + BN_FP_BYTES, &a->y);
}

/*
 * bn254_pairing.c: the optimal ate pairing of BN254, for ECPAIRING (0x08).
 *
 * Miller loop: f_{6x+2,Q}(P) over the non-adjacent form of 6x + 2 (bn_ate_naf), then
 * the two closing lines through [6x+2]Q and psi(Q), and through that sum and
 * -psi^2(Q). Q runs in homogeneous projective coordinates on the twist (x = X/Z,
 * y = Y/Z); each doubling or addition step returns the line through the untwisted
 * points evaluated at P, scaled by a factor in Fp2 (the final exponentiation removes
 * it), as the sparse element s0 + s1 w + s3 w^3 of the D-type twist:
 *   tangent at T:      2YZ yP + (-3X^2 xP) w + (Y^2 - 3b'Z^2) w^3;
 *   through T and Q:   lambda yP + (-theta xP) w + (theta xQ - lambda yQ) w^3,
 *                      theta = Y - yQ Z, lambda = X - xQ Z.
 * Several pairs share one accumulator (one Fp12 squaring per step for all pairs).
 *
 * Final exponentiation: the easy part f^((p^6 - 1)(p^2 + 1)), then the hard part
 * (p^4 - p^2 + 1) / r = l0 + l1 p + l2 p^2 + p^3 with l2 = 6x^2 + 1,
 * l1 = -36x^3 - 18x^2 - 12x + 1, l0 = -36x^3 - 30x^2 - 18x - 2 (an identity of
 * integers, checked with Python), evaluated with three exponentiations by x and the
 * addition chain of Scott et al. ("On the final exponentiation for calculating
 * pairings on ordinary elliptic curves", 2009). The result is the exact reduced
 * pairing; the unit test compares it with a plain exponentiation by (p^4-p^2+1)/r.
 * Used by pc_bn254.c; all data is caller-owned.
 */
#include "core/evm/bn254.h"

/* A pair in the Miller loop: T = (X : Y : Z), the affine Q and -yQ for the additions,
 * and the coordinates of P the lines need. */
typedef struct {
  bn_fp2 x, y, z;
  bn_fp2 qx, qy, neg_qy;
  bn_fp neg_px, neg3_px, py;
} miller_pair;

/* T = 2T (scaled by 4, the same projective point) and the tangent line at T. */
static void dbl_step(miller_pair *t, bn_fp2 *s0, bn_fp2 *s1, bn_fp2 *s3) {
  bn_fp2 B, C, E, F, H, s, xx, bf, e2, e12;
  bn_fp2_sqr(&B, &t->y);
  bn_fp2_sqr(&C, &t->z);
  bn_fp2_mul(&E, &C, &bn_twist_b3);
  bn_fp2_dbl(&F, &E);
  bn_fp2_add(&F, &F, &E);
  bn_fp2_add(&H, &t->y, &t->z); /* H = (Y + Z)^2 - B - C = 2 Y Z */
  bn_fp2_sqr(&H, &H);
  bn_fp2_sub(&H, &H, &B);
  bn_fp2_sub(&H, &H, &C);
  bn_fp2_sqr(&xx, &t->x);
  /* line */
  bn_fp2_mul_fp(s0, &H, &t->py);
  bn_fp2_mul_fp(s1, &xx, &t->neg3_px);
  bn_fp2_sub(s3, &B, &E);
  /* X3 = 2 X Y (B - F) */
  bn_fp2_mul(&s, &t->x, &t->y);
  bn_fp2_dbl(&s, &s);
  bn_fp2_sub(&bf, &B, &F);
  bn_fp2_mul(&t->x, &s, &bf);
  /* Y3 = (B + F)^2 - 12 E^2 */
  bn_fp2_add(&s, &B, &F);
  bn_fp2_sqr(&s, &s);
  bn_fp2_sqr(&e2, &E);
  bn_fp2_dbl(&e12, &e2);
  bn_fp2_add(&e12, &e12, &e2);
  bn_fp2_dbl(&e12, &e12);
  bn_fp2_dbl(&e12, &e12);
  bn_fp2_sub(&t->y, &s, &e12);
  /* Z3 = 4 B H */
  bn_fp2_mul(&t->z, &B, &H);
  bn_fp2_dbl(&t->z, &t->z);
  bn_fp2_dbl(&t->z, &t->z);
}

/* T = T + (qx, qy) (affine) and the line through them. */
static void add_step(miller_pair *t, const bn_fp2 *qx, const bn_fp2 *qy, bn_fp2 *s0, bn_fp2 *s1,
                     bn_fp2 *s3) {
  bn_fp2 theta, lambda, C, D, E, F, G, H, s, a, b, ye;
  bn_fp2_mul(&s, qy, &t->z);
  bn_fp2_sub(&theta, &t->y, &s);
  bn_fp2_mul(&s, qx, &t->z);
  bn_fp2_sub(&lambda, &t->x, &s);
  /* line */
  bn_fp2_mul_fp(s0, &lambda, &t->py);
  bn_fp2_mul_fp(s1, &theta, &t->neg_px);
  bn_fp2_mul(&a, &theta, qx);
  bn_fp2_mul(&b, &lambda, qy);
  bn_fp2_sub(s3, &a, &b);
  /* point */
  bn_fp2_sqr(&C, &theta);
  bn_fp2_sqr(&D, &lambda);
  bn_fp2_mul(&E, &D, &lambda);
  bn_fp2_mul(&F, &t->z, &C);
  bn_fp2_mul(&G, &t->x, &D);
  bn_fp2_add(&H, &E, &F);
  bn_fp2_sub(&H, &H, &G);
  bn_fp2_sub(&H, &H, &G);
  bn_fp2_mul(&t->x, &lambda, &H);
  bn_fp2_sub(&s, &G, &H);
  bn_fp2_mul(&s, &s, &theta);
  bn_fp2_mul(&ye, &t->y, &E);
  bn_fp2_sub(&t->y, &s, &ye);
  bn_fp2_mul(&t->z, &t->z, &E);
}

static void pair_init(miller_pair *t, const bn_g1a *p, const bn_g2a *q) {
  t->x = q->x;
  t->y = q->y;
  bn_fp2_set_one(&t->z);
  t->qx = q->x;
  t->qy = q->y;
  bn_fp2_neg(&t->neg_qy, &q->y);
  bn_fp_neg(&t->neg_px, &p->x);
  bn_fp_add(&t->neg3_px, &t->neg_px, &t->neg_px);
  bn_fp_add(&t->neg3_px, &t->neg3_px, &t->neg_px);
  t->py = p->y;
}

/* The closing lines: through T and psi(Q), then through T + psi(Q) and -psi^2(Q). */
static void closing_lines(bn_fp12 *f, miller_pair *t) {
  bn_g2a q = {t->qx, t->qy, false}, q1, q2;
  bn_fp2 s0, s1, s3;
  bn_g2a_psi(&q1, &q);
  bn_g2a_psi(&q2, &q1);
  bn_fp2_neg(&q2.y, &q2.y);
  add_step(t, &q1.x, &q1.y, &s0, &s1, &s3);
  bn_fp12_mul_by_013(f, f, &s0, &s1, &s3);
  add_step(t, &q2.x, &q2.y, &s0, &s1, &s3);
  bn_fp12_mul_by_013(f, f, &s0, &s1, &s3);
}

/* Pairs per Miller-loop batch: bounds the stack; longer lists run in batches. */
#define MILLER_BATCH 8

static void miller_batch(bn_fp12 *f, const bn_g1a *ps, const bn_g2a *qs, size_t n) {
  miller_pair pairs[MILLER_BATCH];
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (ps[i].inf || qs[i].inf) continue;
    pair_init(&pairs[m++], &ps[i], &qs[i]);
  }
  bn_fp12_set_one(f);
  if (m == 0) return;
  bn_fp2 s0, s1, s3;
  for (int i = 1; i < BN_ATE_NAF_LEN; i++) { /* digit 0 is the leading 1: T = Q */
    if (i > 1) bn_fp12_sqr(f, f);
    for (size_t j = 0; j < m; j++) {
      dbl_step(&pairs[j], &s0, &s1, &s3);
      bn_fp12_mul_by_013(f, f, &s0, &s1, &s3);
    }
    if (bn_ate_naf[i] == 0) continue;
    for (size_t j = 0; j < m; j++) {
      miller_pair *t = &pairs[j];
      add_step(t, &t->qx, bn_ate_naf[i] > 0 ? &t->qy : &t->neg_qy, &s0, &s1, &s3);
      bn_fp12_mul_by_013(f, f, &s0, &s1, &s3);
    }
  }
  for (size_t j = 0; j < m; j++) closing_lines(f, &pairs[j]);
}

void bn_miller_loop(bn_fp12 *f, const bn_g1a *ps, const bn_g2a *qs, size_t n) {
  bn_fp12_set_one(f);
  for (size_t off = 0; off < n; off += MILLER_BATCH) {
    size_t k = n - off < MILLER_BATCH ? n - off : MILLER_BATCH;
    bn_fp12 part;
    miller_batch(&part, ps + off, qs + off, k);
    bn_fp12_mul(f, f, &part);
  }
}

/* a^x for a in the cyclotomic subgroup (x > 0, bit 62 is its top bit). */
static void cyclo_exp_x(bn_fp12 *r, const bn_fp12 *a) {
  bn_fp12 acc = *a;
  for (int bit = 61; bit >= 0; bit--) {
    bn_fp12_cyclotomic_sqr(&acc, &acc);
    if ((BN_X >> bit) & 1) bn_fp12_mul(&acc, &acc, a);
  }
  *r = acc;
}

/* The hard part on g = f^((p^6 - 1)(p^2 + 1)): y0 y1^2 y2^6 y3^12 y4^18 y5^30 y6^36
 * with a = g^x, b = g^(x^2), c = g^(x^3) and
 * y0 = g^(p + p^2 + p^3), y1 = 1/g, y2 = b^(p^2), y3 = 1/a^p, y4 = 1/(a b^p),
 * y5 = 1/b, y6 = 1/(c c^p) (inverses are conjugates in the cyclotomic subgroup). */
static void final_exp_hard(bn_fp12 *r, const bn_fp12 *g) {
  bn_fp12 a, b, c, y0, y1, y2, y3, y4, y5, y6, t0, t1;
  cyclo_exp_x(&a, g);
  cyclo_exp_x(&b, &a);
  cyclo_exp_x(&c, &b);
  bn_fp12_frobenius(&t0, g, 1);
  bn_fp12_frobenius(&t1, &t0, 1);
  bn_fp12_mul(&y0, &t0, &t1);
  bn_fp12_frobenius(&t1, &t1, 1);
  bn_fp12_mul(&y0, &y0, &t1);
  bn_fp12_conj(&y1, g);
  bn_fp12_frobenius(&y2, &b, 2);
  bn_fp12_frobenius(&y3, &a, 1);
  bn_fp12_conj(&y3, &y3);
  bn_fp12_frobenius(&y4, &b, 1);
  bn_fp12_mul(&y4, &y4, &a);
  bn_fp12_conj(&y4, &y4);
  bn_fp12_conj(&y5, &b);
  bn_fp12_frobenius(&y6, &c, 1);
  bn_fp12_mul(&y6, &y6, &c);
  bn_fp12_conj(&y6, &y6);
  /* the chain: exponents 1, 2, 6, 12, 18, 30, 36 */
  bn_fp12_cyclotomic_sqr(&t0, &y6);
  bn_fp12_mul(&t0, &t0, &y4);
  bn_fp12_mul(&t0, &t0, &y5);
  bn_fp12_mul(&t1, &y3, &y5);
  bn_fp12_mul(&t1, &t1, &t0);
  bn_fp12_mul(&t0, &t0, &y2);
  bn_fp12_cyclotomic_sqr(&t1, &t1);
  bn_fp12_mul(&t1, &t1, &t0);
  bn_fp12_cyclotomic_sqr(&t1, &t1);
  bn_fp12_mul(&t0, &t1, &y1);
  bn_fp12_mul(&t1, &t1, &y0);
  bn_fp12_cyclotomic_sqr(&t0, &t0);
  bn_fp12_mul(r, &t0, &t1);
}

void bn_final_exp(bn_fp12 *r, const bn_fp12 *f) {
  bn_fp12 f1, t;
  bn_fp12_inv(&t, f); /* f^(p^6 - 1) = conj(f) / f */
  bn_fp12_conj(&f1, f);
  bn_fp12_mul(&f1, &f1, &t);
  bn_fp12_frobenius(&t, &f1, 2); /* ^(p^2 + 1) */
  bn_fp12_mul(&f1, &t, &f1);
  final_exp_hard(r, &f1);
}

void bn_pairing(bn_fp12 *r, const bn_g1a *p, const bn_g2a *q) {
  bn_fp12 f;
  bn_miller_loop(&f, p, q, 1);
  bn_final_exp(r, &f);
}

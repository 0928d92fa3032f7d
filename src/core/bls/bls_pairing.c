/*
 * bls_pairing.c: the optimal ate pairing of BLS12-381.
 *
 * Miller loop: f_{|x|,Q}(P) over the bits of |x| = 0xd201000000010000, conjugated at
 * the end because x is negative. Q runs in homogeneous projective coordinates on the
 * twist; each doubling or addition step returns the line through the untwisted points
 * evaluated at P, scaled by factors in proper subfields (the final exponentiation
 * removes them), as the sparse element l0 + l1 v + l4 v w. Several pairs share one
 * accumulator (one squaring per bit for all pairs).
 *
 * Final exponentiation: the easy part f^((p^6 - 1)(p^2 + 1)), then the hard part
 * raised to 3 (p^4 - p^2 + 1) / r = (x - 1)^2 (x + p)(x^2 + p^2 - 1) + 3 (Hayashida,
 * Hayasaka, Teruya), five exponentiations by x with cyclotomic squarings. The extra
 * factor 3 is prime to r, so the result is 1 exactly when the true pairing is; the value
 * of e(G1, G2) equals the one @noble/curves computes (test_bls_field).
 * Used by bls.c; all data is caller-owned.
 */
#include "core/bls/bls_curve.h"


/* A pair in the Miller loop: Q as (X : Y : Z) with x = X/Z, y = Y/Z, its affine copy
 * for additions, and the scalars of P the lines need. */
typedef struct {
  bls_fp2 x, y, z;
  bls_fp2 qx, qy;
  bls_fp neg_px, neg3_px, py;
} miller_pair;

/* T = 2T (scaled by 4, which keeps the projective point) and the tangent line at T:
 * (Y^2 - 3b'Z^2) + (-3 X^2 xP) v + (2 Y Z yP) v w. */
static void dbl_step(miller_pair *t, bls_fp2 *l0, bls_fp2 *l1, bls_fp2 *l4) {
  bls_fp2 B, C, E, F, H, s, xx;
  bls_fp2_sqr(&B, &t->y);
  bls_fp2_sqr(&C, &t->z);
  bls_fp2_mul(&E, &C, &bls_g2_b3);
  bls_fp2_dbl(&F, &E);
  bls_fp2_add(&F, &F, &E);
  bls_fp2_add(&H, &t->y, &t->z);
  bls_fp2_sqr(&H, &H);
  bls_fp2_sub(&H, &H, &B);
  bls_fp2_sub(&H, &H, &C);
  bls_fp2_sqr(&xx, &t->x);
  /* line */
  bls_fp2_sub(l0, &B, &E);
  bls_fp2_mul_fp(l1, &xx, &t->neg3_px);
  bls_fp2_mul_fp(l4, &H, &t->py);
  /* X3 = 2 X Y (B - F) */
  bls_fp2_mul(&s, &t->x, &t->y);
  bls_fp2_dbl(&s, &s);
  bls_fp2 bf;
  bls_fp2_sub(&bf, &B, &F);
  bls_fp2_mul(&t->x, &s, &bf);
  /* Y3 = (B + F)^2 - 12 E^2 */
  bls_fp2_add(&s, &B, &F);
  bls_fp2_sqr(&s, &s);
  bls_fp2 e2;
  bls_fp2_sqr(&e2, &E);
  bls_fp2 e12;
  bls_fp2_dbl(&e12, &e2);
  bls_fp2_add(&e12, &e12, &e2); /* 3 E^2 */
  bls_fp2_dbl(&e12, &e12);
  bls_fp2_dbl(&e12, &e12); /* 12 E^2 */
  bls_fp2_sub(&t->y, &s, &e12);
  /* Z3 = 4 B H */
  bls_fp2_mul(&t->z, &B, &H);
  bls_fp2_dbl(&t->z, &t->z);
  bls_fp2_dbl(&t->z, &t->z);
}

/* T = T + Q (Q affine) and the line through them:
 * (theta xQ - lambda yQ) + (-theta xP) v + (lambda yP) v w,
 * theta = Y - yQ Z, lambda = X - xQ Z. */
static void add_step(miller_pair *t, bls_fp2 *l0, bls_fp2 *l1, bls_fp2 *l4) {
  bls_fp2 theta, lambda, C, D, E, F, G, H, s;
  bls_fp2_mul(&s, &t->qy, &t->z);
  bls_fp2_sub(&theta, &t->y, &s);
  bls_fp2_mul(&s, &t->qx, &t->z);
  bls_fp2_sub(&lambda, &t->x, &s);
  /* line */
  bls_fp2 a, b;
  bls_fp2_mul(&a, &theta, &t->qx);
  bls_fp2_mul(&b, &lambda, &t->qy);
  bls_fp2_sub(l0, &a, &b);
  bls_fp2_mul_fp(l1, &theta, &t->neg_px);
  bls_fp2_mul_fp(l4, &lambda, &t->py);
  /* point */
  bls_fp2_sqr(&C, &theta);
  bls_fp2_sqr(&D, &lambda);
  bls_fp2_mul(&E, &D, &lambda);
  bls_fp2_mul(&F, &t->z, &C);
  bls_fp2_mul(&G, &t->x, &D);
  bls_fp2_add(&H, &E, &F);
  bls_fp2_sub(&H, &H, &G);
  bls_fp2_sub(&H, &H, &G);
  bls_fp2_mul(&t->x, &lambda, &H);
  bls_fp2_sub(&s, &G, &H);
  bls_fp2_mul(&s, &s, &theta);
  bls_fp2 ye;
  bls_fp2_mul(&ye, &t->y, &E);
  bls_fp2_sub(&t->y, &s, &ye);
  bls_fp2_mul(&t->z, &t->z, &E);
}

static void pair_init(miller_pair *t, const bls_g1a *p, const bls_g2a *q) {
  t->x = q->x;
  t->y = q->y;
  bls_fp2_set_one(&t->z);
  t->qx = q->x;
  t->qy = q->y;
  bls_fp_neg(&t->neg_px, &p->x);
  bls_fp_add(&t->neg3_px, &t->neg_px, &t->neg_px);
  bls_fp_add(&t->neg3_px, &t->neg3_px, &t->neg_px);
  t->py = p->y;
}

/* Pairs per Miller-loop batch: bounds the stack; longer lists run in batches. */
#define MILLER_BATCH 8

static void miller_batch(bls_fp12 *f, const bls_g1a *ps, const bls_g2a *qs, size_t n) {
  miller_pair pairs[MILLER_BATCH];
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (ps[i].inf || qs[i].inf) continue;
    pair_init(&pairs[m++], &ps[i], &qs[i]);
  }
  bls_fp12_set_one(f);
  if (m == 0) return;
  bls_fp2 l0, l1, l4;
  for (int bit = 62; bit >= 0; bit--) {
    bls_fp12_sqr(f, f);
    for (size_t j = 0; j < m; j++) {
      dbl_step(&pairs[j], &l0, &l1, &l4);
      bls_fp12_mul_by_014(f, f, &l0, &l1, &l4);
    }
    if ((BLS_X_ABS >> bit) & 1) {
      for (size_t j = 0; j < m; j++) {
        add_step(&pairs[j], &l0, &l1, &l4);
        bls_fp12_mul_by_014(f, f, &l0, &l1, &l4);
      }
    }
  }
  bls_fp12_conj(f, f); /* x < 0 */
}

void bls_miller_loop(bls_fp12 *f, const bls_g1a *ps, const bls_g2a *qs, size_t n) {
  bls_fp12_set_one(f);
  for (size_t off = 0; off < n; off += MILLER_BATCH) {
    size_t k = n - off < MILLER_BATCH ? n - off : MILLER_BATCH;
    bls_fp12 part;
    miller_batch(&part, ps + off, qs + off, k);
    bls_fp12_mul(f, f, &part);
  }
}

/* a^x for a in the cyclotomic subgroup (x negative: conjugate = inverse). */
static void cyclo_exp_x(bls_fp12 *r, const bls_fp12 *a) {
  bls_fp12 acc = *a;
  for (int bit = 62; bit >= 0; bit--) {
    bls_fp12_cyclotomic_sqr(&acc, &acc);
    if ((BLS_X_ABS >> bit) & 1) bls_fp12_mul(&acc, &acc, a);
  }
  bls_fp12_conj(r, &acc);
}

/* a^(x - 1) */
static void cyclo_exp_x_minus_1(bls_fp12 *r, const bls_fp12 *a) {
  bls_fp12 t, ac;
  cyclo_exp_x(&t, a);
  bls_fp12_conj(&ac, a);
  bls_fp12_mul(r, &t, &ac);
}

void bls_final_exp(bls_fp12 *r, const bls_fp12 *f) {
  bls_fp12 f1, f2, t0, t1, t2, s;
  /* easy part: f^(p^6 - 1) then ^(p^2 + 1) */
  bls_fp12_inv(&t0, f);
  bls_fp12_conj(&f1, f);
  bls_fp12_mul(&f1, &f1, &t0);
  bls_fp12_frobenius(&t0, &f1, 2);
  bls_fp12_mul(&f2, &t0, &f1);
  /* hard part, times 3 */
  cyclo_exp_x_minus_1(&t0, &f2);
  cyclo_exp_x_minus_1(&t0, &t0); /* f2^((x - 1)^2) */
  cyclo_exp_x(&t1, &t0);
  bls_fp12_frobenius(&s, &t0, 1);
  bls_fp12_mul(&t1, &t1, &s); /* t0^(x + p) */
  cyclo_exp_x(&t2, &t1);
  cyclo_exp_x(&t2, &t2);
  bls_fp12_frobenius(&s, &t1, 2);
  bls_fp12_mul(&t2, &t2, &s);
  bls_fp12_conj(&s, &t1);
  bls_fp12_mul(&t2, &t2, &s); /* t1^(x^2 + p^2 - 1) */
  bls_fp12_cyclotomic_sqr(&s, &f2);
  bls_fp12_mul(&s, &s, &f2); /* f2^3 */
  bls_fp12_mul(r, &t2, &s);
}

void bls_pairing(bls_fp12 *r, const bls_g1a *p, const bls_g2a *q) {
  bls_fp12 f;
  bls_miller_loop(&f, p, q, 1);
  bls_final_exp(r, &f);
}

bool bls_pairing_product_is_one(const bls_g1a *ps, const bls_g2a *qs, size_t n) {
  bls_fp12 f, e;
  bls_miller_loop(&f, ps, qs, n);
  bls_final_exp(&e, &f);
  return bls_fp12_is_one(&e);
}

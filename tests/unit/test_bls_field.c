/*
 * test_bls_field.c: unit tests for the BLS12-381 arithmetic under src/core/bls/:
 * Fp/Fp2 identities (inverse, square root, Montgomery round trip), the Fp12 tower
 * (Frobenius order, cyclotomic squaring against plain squaring), the generators and
 * their known ZCash encodings, the subgroup tests on points outside G1/G2, and the
 * pairing (non-degenerate, bilinear, e(P,Q) e(-P,Q) = 1). No fixtures needed.
 */
#include "testutil.h"

#include "core/bls/bls_curve.h"

static const char *G1_GEN_HEX =
    "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb";
static const char *G2_GEN_HEX =
    "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e"
    "024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8";

/* e(G1, G2) as computed by @noble/curves 2.0.1 (bls12_381.pairing of the two generators):
 * the 12 Fp coefficients in tower order c0.c0.c0, c0.c0.c1, c0.c1.c0, ..., c1.c2.c1. */
static const char *const E_G1_G2[12] = {
    "1250ebd871fc0a92a7b2d83168d0d727272d441befa15c503dd8e90ce98db3e7b6d194f60839c508a84305aaca1789b6",
    "089a1c5b46e5110b86750ec6a532348868a84045483c92b7af5af689452eafabf1a8943e50439f1d59882a98eaa0170f",
    "1368bb445c7c2d209703f239689ce34c0378a68e72a6b3b216da0e22a5031b54ddff57309396b38c881c4c849ec23e87",
    "193502b86edb8857c273fa075a50512937e0794e1e65a7617c90d8bd66065b1fffe51d7a579973b1315021ec3c19934f",
    "01b2f522473d171391125ba84dc4007cfbf2f8da752f7c74185203fcca589ac719c34dffbbaad8431dad1c1fb597aaa5",
    "018107154f25a764bd3c79937a45b84546da634b8f6be14a8061e55cceba478b23f7dacaa35c8ca78beae9624045b4b6",
    "19f26337d205fb469cd6bd15c3d5a04dc88784fbb3d0b2dbdea54d43b2b73f2cbb12d58386a8703e0f948226e47ee89d",
    "06fba23eb7c5af0d9f80940ca771b6ffd5857baaf222eb95a7d2809d61bfe02e1bfd1b68ff02f0b8102ae1c2d5d5ab1a",
    "11b8b424cd48bf38fcef68083b0b0ec5c81a93b330ee1a677d0d15ff7b984e8978ef48881e32fac91b93b47333e2ba57",
    "03350f55a7aefcd3c31b4fcb6ce5771cc6a0e9786ab5973320c806ad360829107ba810c5a09ffdd9be2291a0c25a99a2",
    "04c581234d086a9902249b64728ffd21a189e87935a954051c7cdba7b3872629a4fafc05066245cb9108f0242d0fe3ef",
    "0f41e58663bf08cf068672cbd01a7ec73baca4d72ca93544deff686bfd6df543d48eaa24afe47e1efde449383b676631"};

static void fp_from_int(bls_fp *r, uint64_t v) { bls_fp_from_u64(r, v); }

static void test_fp_basics(void **state) {
  (void)state;
  bls_fp a, b, c, one = bls_fp_one;
  fp_from_int(&a, 123456789);
  bls_fp_inv(&b, &a);
  bls_fp_mul(&c, &a, &b);
  assert_true(bls_fp_eq(&c, &one));
  /* 4 is a square, 2 is not (p = 3 mod 8) */
  fp_from_int(&a, 4);
  assert_true(bls_fp_sqrt(&b, &a));
  bls_fp_sqr(&c, &b);
  assert_true(bls_fp_eq(&c, &a));
  fp_from_int(&a, 2);
  assert_false(bls_fp_sqrt(&b, &a));
  /* byte round trip and the p bound */
  uint8_t be[48], out[48];
  memset(be, 0x11, sizeof be);
  assert_true(bls_fp_from_be48(&a, be));
  bls_fp_to_be48(out, &a);
  assert_memory_equal(be, out, 48);
  static const char *P_HEX =
      "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab";
  assert_int_equal(test_unhex(P_HEX, be, sizeof be), 48);
  assert_false(bls_fp_from_be48(&a, be));
  be[47] = 0xaa; /* p - 1 */
  assert_true(bls_fp_from_be48(&a, be));
  bls_fp_add(&a, &a, &one);
  assert_true(bls_fp_is_zero(&a));
  /* reduce of a 64-byte string equals two-step reduce */
  uint8_t big[64];
  for (int i = 0; i < 64; i++) big[i] = (uint8_t)(0xff - i);
  bls_fp_from_be_reduce(&a, big, 64);
  bls_fp_from_be_reduce(&b, big + 16, 48); /* low part */
  bls_fp hi, two64;
  bls_fp_from_be_reduce(&hi, big, 16);
  fp_from_int(&two64, (uint64_t)1 << 32);
  bls_fp_sqr(&two64, &two64);
  for (int i = 0; i < 6; i++) bls_fp_mul(&hi, &hi, &two64);
  bls_fp_add(&hi, &hi, &b);
  assert_true(bls_fp_eq(&a, &hi));
  /* a length that is not a multiple of 8: 0x01 0x02 .. 0x11 */
  uint8_t odd[17];
  for (int i = 0; i < 17; i++) odd[i] = (uint8_t)(i + 1);
  bls_fp_from_be_reduce(&a, odd, sizeof odd);
  bls_fp_from_u64(&b, 0x01);
  bls_fp_from_u64(&c, 0x0203040506070809ULL);
  bls_fp_sqr(&hi, &two64);
  bls_fp_mul(&b, &b, &hi); /* 0x01 * 2^128 */
  bls_fp_mul(&c, &c, &two64);
  bls_fp_add(&b, &b, &c);
  bls_fp_from_u64(&c, 0x0a0b0c0d0e0f1011ULL);
  bls_fp_add(&b, &b, &c);
  assert_true(bls_fp_eq(&a, &b));
}

static void test_fp2_basics(void **state) {
  (void)state;
  bls_fp2 a, b, c, one;
  bls_fp2_set_one(&one);
  fp_from_int(&a.c0, 7);
  fp_from_int(&a.c1, 11);
  bls_fp2_inv(&b, &a);
  bls_fp2_mul(&c, &a, &b);
  assert_true(bls_fp2_eq(&c, &one));
  bls_fp2_sqr(&b, &a);
  bls_fp2_mul(&c, &a, &a);
  assert_true(bls_fp2_eq(&b, &c));
  assert_true(bls_fp2_sqrt(&c, &b));
  bls_fp2_sqr(&c, &c);
  assert_true(bls_fp2_eq(&c, &b));
  /* -1 is a square in Fp2 (u^2 = -1) */
  bls_fp2_neg(&a, &one);
  assert_true(bls_fp2_sqrt(&c, &a));
  /* xi = 1 + u is not a square (it defines the sextic twist) */
  bls_fp2 xi = one;
  xi.c1 = bls_fp_one;
  assert_false(bls_fp2_sqrt(&c, &xi));
}

static void make_fp12(bls_fp12 *f, uint64_t seed) {
  bls_fp2 *c = &f->c0.c0;
  for (int i = 0; i < 6; i++) {
    fp_from_int(&c[i].c0, seed * 31 + (uint64_t)i * 7 + 1);
    fp_from_int(&c[i].c1, seed * 17 + (uint64_t)i * 3 + 2);
  }
}

static void test_fp12_tower(void **state) {
  (void)state;
  bls_fp12 a, b, c, d;
  make_fp12(&a, 5);
  bls_fp12_inv(&b, &a);
  bls_fp12_mul(&c, &a, &b);
  assert_true(bls_fp12_is_one(&c));
  bls_fp12_sqr(&b, &a);
  bls_fp12_mul(&c, &a, &a);
  assert_true(bls_fp12_eq(&b, &c));
  /* Frobenius: order 12, and a homomorphism */
  bls_fp12_frobenius(&b, &a, 6);
  bls_fp12_frobenius(&b, &b, 6);
  assert_true(bls_fp12_eq(&a, &b));
  bls_fp12_frobenius(&b, &a, 1);
  assert_false(bls_fp12_eq(&a, &b));
  make_fp12(&d, 9);
  bls_fp12_mul(&c, &a, &d);
  bls_fp12_frobenius(&c, &c, 1);
  bls_fp12 fa, fd;
  bls_fp12_frobenius(&fa, &a, 1);
  bls_fp12_frobenius(&fd, &d, 1);
  bls_fp12_mul(&fa, &fa, &fd);
  assert_true(bls_fp12_eq(&c, &fa));
  /* p^6 Frobenius is conjugation */
  bls_fp12_frobenius(&b, &a, 6);
  bls_fp12_conj(&c, &a);
  assert_true(bls_fp12_eq(&b, &c));
  /* cyclotomic element: a^((p^6 - 1)(p^2 + 1)) */
  bls_fp12_inv(&b, &a);
  bls_fp12_conj(&c, &a);
  bls_fp12_mul(&c, &c, &b);
  bls_fp12_frobenius(&b, &c, 2);
  bls_fp12_mul(&c, &b, &c);
  bls_fp12_sqr(&b, &c);
  bls_fp12_cyclotomic_sqr(&d, &c);
  assert_true(bls_fp12_eq(&b, &d));
  /* sparse line product equals the dense one */
  bls_fp12 line;
  memset(&line, 0, sizeof line);
  fp_from_int(&line.c0.c0.c0, 3);
  fp_from_int(&line.c0.c1.c1, 5);
  fp_from_int(&line.c1.c1.c0, 8);
  bls_fp12_mul(&b, &a, &line);
  bls_fp12_mul_by_014(&c, &a, &line.c0.c0, &line.c0.c1, &line.c1.c1);
  assert_true(bls_fp12_eq(&b, &c));
}

static void test_generators(void **state) {
  (void)state;
  bls_g1a g1, d1;
  bls_g2a g2, d2;
  uint8_t enc1[48], enc2[96], want1[48], want2[96];
  vc_err err;
  bls_g1_generator(&g1);
  bls_g2_generator(&g2);
  assert_true(bls_g1a_on_curve(&g1));
  assert_true(bls_g2a_on_curve(&g2));
  bls_g1p p1;
  bls_g2p p2;
  bls_g1p_from_affine(&p1, &g1);
  bls_g2p_from_affine(&p2, &g2);
  assert_true(bls_g1p_in_subgroup(&p1));
  assert_true(bls_g2p_in_subgroup(&p2));
  bls_g1a_encode(enc1, &g1);
  bls_g2a_encode(enc2, &g2);
  assert_int_equal(test_unhex(G1_GEN_HEX, want1, 48), 48);
  assert_int_equal(test_unhex(G2_GEN_HEX, want2, 96), 96);
  assert_memory_equal(enc1, want1, 48);
  assert_memory_equal(enc2, want2, 96);
  assert_int_equal(bls_g1a_decode(&d1, enc1, &err), VC_OK);
  assert_int_equal(bls_g2a_decode(&d2, enc2, &err), VC_OK);
  assert_true(bls_fp_eq(&d1.y, &g1.y));
  assert_true(bls_fp2_eq(&d2.y, &g2.y));
  /* r * G = O for both groups */
  static const uint8_t r_be[32] = {0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8,
                                   0x08, 0x09, 0xa1, 0xd8, 0x05, 0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe,
                                   0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01};
  bls_g1p t1;
  bls_g2p t2;
  bls_g1p_mul(&t1, &p1, r_be, 32);
  bls_g2p_mul(&t2, &p2, r_be, 32);
  assert_true(bls_g1p_is_inf(&t1));
  assert_true(bls_g2p_is_inf(&t2));
}

/* Points on the curves but outside the subgroups: search small x. */
static void test_subgroup_rejects(void **state) {
  (void)state;
  int found1 = 0, found2 = 0;
  for (uint64_t xv = 1; xv < 40 && (!found1 || !found2); xv++) {
    bls_g1a a;
    bls_fp rhs;
    fp_from_int(&a.x, xv);
    a.inf = false;
    bls_fp_sqr(&rhs, &a.x);
    bls_fp_mul(&rhs, &rhs, &a.x);
    bls_fp_add(&rhs, &rhs, &bls_g1_b);
    if (!found1 && bls_fp_sqrt(&a.y, &rhs)) {
      bls_g1p p;
      bls_g1p_from_affine(&p, &a);
      assert_false(bls_g1p_in_subgroup(&p));
      uint8_t enc[48];
      bls_g1a_encode(enc, &a);
      bls_g1a d;
      vc_err err = {{0}};
      assert_int_equal(bls_g1a_decode(&d, enc, &err), VC_ERR_INPUT);
      assert_non_null(strstr(err.msg, "subgroup"));
      found1 = 1;
    }
    bls_g2a b;
    bls_fp2 r2;
    fp_from_int(&b.x.c0, xv);
    fp_from_int(&b.x.c1, 1);
    b.inf = false;
    bls_fp2_sqr(&r2, &b.x);
    bls_fp2_mul(&r2, &r2, &b.x);
    bls_fp2_add(&r2, &r2, &bls_g2_b);
    if (!found2 && bls_fp2_sqrt(&b.y, &r2)) {
      bls_g2p q;
      bls_g2p_from_affine(&q, &b);
      assert_false(bls_g2p_in_subgroup(&q));
      /* clearing the cofactor lands in G2 */
      bls_g2p_clear_cofactor(&q, &q);
      assert_true(bls_g2p_in_subgroup(&q));
      uint8_t enc[96];
      bls_g2a_encode(enc, &b);
      bls_g2a d;
      vc_err err = {{0}};
      assert_int_equal(bls_g2a_decode(&d, enc, &err), VC_ERR_INPUT);
      assert_non_null(strstr(err.msg, "subgroup"));
      found2 = 1;
    }
  }
  assert_true(found1 && found2);
}

static void test_pairing_bilinear(void **state) {
  (void)state;
  bls_g1a g1, a1;
  bls_g2a g2, a2;
  bls_g1p p;
  bls_g2p q;
  bls_fp12 e1, e2, e3;
  bls_g1_generator(&g1);
  bls_g2_generator(&g2);
  static const uint8_t k[2] = {0x01, 0x2d}; /* 301 */
  bls_g1p_from_affine(&p, &g1);
  bls_g1p_mul(&p, &p, k, 2);
  bls_g1p_to_affine(&a1, &p);
  bls_g2p_from_affine(&q, &g2);
  bls_g2p_mul(&q, &q, k, 2);
  bls_g2p_to_affine(&a2, &q);
  bls_pairing(&e1, &g1, &g2);
  assert_false(bls_fp12_is_one(&e1));
  const bls_fp2 *coef = &e1.c0.c0;
  for (int i = 0; i < 12; i++) { /* the reduced pairing value itself, not just bilinearity */
    uint8_t be[48], want[48];
    bls_fp_to_be48(be, i % 2 ? &coef[i / 2].c1 : &coef[i / 2].c0);
    assert_int_equal(test_unhex(E_G1_G2[i], want, 48), 48);
    assert_memory_equal(be, want, 48);
  }
  bls_pairing(&e2, &a1, &g2);
  bls_pairing(&e3, &g1, &a2);
  assert_true(bls_fp12_eq(&e2, &e3));
  assert_false(bls_fp12_eq(&e1, &e2));
  /* e(G1, G2)^301 == e([301]G1, G2) via square and multiply */
  bls_fp12 acc;
  bls_fp12_set_one(&acc);
  for (int b = 8; b >= 0; b--) {
    bls_fp12_sqr(&acc, &acc);
    if ((301 >> b) & 1) bls_fp12_mul(&acc, &acc, &e1);
  }
  assert_true(bls_fp12_eq(&acc, &e2));
  /* product checks */
  bls_g1a ps[2];
  bls_g2a qs[2];
  ps[0] = a1;
  qs[0] = g2;
  ps[1] = g1;
  bls_fp_neg(&ps[1].y, &g1.y);
  qs[1] = a2;
  assert_true(bls_pairing_product_is_one(ps, qs, 2));
  qs[1] = g2;
  assert_false(bls_pairing_product_is_one(ps, qs, 2));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fp_basics),        cmocka_unit_test(test_fp2_basics),
      cmocka_unit_test(test_fp12_tower),       cmocka_unit_test(test_generators),
      cmocka_unit_test(test_subgroup_rejects), cmocka_unit_test(test_pairing_bilinear),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

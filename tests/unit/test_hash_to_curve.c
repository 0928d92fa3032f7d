/*
 * test_hash_to_curve.c: RFC 9380 vectors for the in-tree BLS12-381 hash to G2:
 * expand_message_xmd (SHA-256, 38- and 256-byte DST files) and every message of the
 * BLS12381G2_XMD:SHA-256_SSWU_RO_ suite: u0/u1 (hash_to_field), Q0/Q1 (SSWU + the
 * 3-isogeny) and the final P (after h_eff). Also checks tampering (a changed DST or
 * message gives another point) and the input caps. Reads ../shared/fixtures through
 * VERITY_FIXTURES and skips when absent.
 */
#include "testutil.h"

#include <jansson.h>

#include "core/bls/bls_curve.h"

#define H2C_DIR "hash-to-curve/poc/vectors/"

static json_t *load_json(const char *path) {
  json_error_t jerr;
  json_t *j = json_load_file(path, 0, &jerr);
  if (!j) fprintf(stderr, "cannot parse %s: %s\n", path, jerr.text);
  return j;
}

static void check_xmd_file(const char *rel) {
  const char *path = fixture_path(rel);
  if (!path) {
    fprintf(stderr, "skip: ../shared/fixtures absent (VERITY_FIXTURES), needs %s\n", rel);
    skip();
  }
  json_t *root = load_json(path);
  assert_non_null(root);
  const char *dst = json_string_value(json_object_get(root, "DST"));
  assert_non_null(dst);
  json_t *tests = json_object_get(root, "tests");
  size_t i, count = 0;
  json_t *t;
  json_array_foreach(tests, i, t) {
    const char *msg = json_string_value(json_object_get(t, "msg"));
    const char *lib = json_string_value(json_object_get(t, "len_in_bytes"));
    const char *want_hex = json_string_value(json_object_get(t, "uniform_bytes"));
    size_t len = (size_t)strtoul(lib, NULL, 16);
    uint8_t want[512], got[512];
    assert_true(len <= sizeof got);
    assert_int_equal(test_unhex(want_hex, want, sizeof want), (long)len);
    vc_err err;
    assert_int_equal(bls_expand_message_xmd(got, len, (const uint8_t *)msg, strlen(msg),
                                            (const uint8_t *)dst, strlen(dst), &err),
                     VC_OK);
    assert_memory_equal(got, want, len);
    count++;
  }
  assert_true(count >= 5);
  json_decref(root);
}

static void test_xmd_38(void **state) {
  (void)state;
  check_xmd_file(H2C_DIR "expand_message_xmd_SHA256_38.json");
}

static void test_xmd_256(void **state) {
  (void)state;
  check_xmd_file(H2C_DIR "expand_message_xmd_SHA256_256.json");
}

/* "0xc0,0xc1" -> Fp2 */
static void parse_fp2(bls_fp2 *r, const char *s) {
  char buf[256];
  uint8_t be[48];
  assert_non_null(s);
  const char *comma = strchr(s, ',');
  assert_non_null(comma);
  size_t n0 = (size_t)(comma - s);
  assert_true(n0 < sizeof buf);
  memcpy(buf, s, n0);
  buf[n0] = 0;
  assert_int_equal(test_unhex(buf, be, 48), 48);
  assert_true(bls_fp_from_be48(&r->c0, be));
  assert_int_equal(test_unhex(comma + 1, be, 48), 48);
  assert_true(bls_fp_from_be48(&r->c1, be));
}

static void check_point(const bls_g2p *p, json_t *obj) {
  bls_g2a a;
  bls_fp2 x, y;
  bls_g2p_to_affine(&a, p);
  assert_false(a.inf);
  parse_fp2(&x, json_string_value(json_object_get(obj, "x")));
  parse_fp2(&y, json_string_value(json_object_get(obj, "y")));
  assert_true(bls_fp2_eq(&a.x, &x));
  assert_true(bls_fp2_eq(&a.y, &y));
}

static void test_hash_to_g2_vectors(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, H2C_DIR "BLS12381G2_XMD:SHA-256_SSWU_RO_.json");
  json_t *root = load_json(path);
  assert_non_null(root);
  const char *dst = json_string_value(json_object_get(root, "dst"));
  json_t *vectors = json_object_get(root, "vectors");
  size_t i, count = 0;
  json_t *v;
  json_array_foreach(vectors, i, v) {
    const char *msg = json_string_value(json_object_get(v, "msg"));
    bls_fp2 u[2], want;
    vc_err err;
    assert_int_equal(bls_hash_to_field_fp2(u, (const uint8_t *)msg, strlen(msg), (const uint8_t *)dst,
                                           strlen(dst), &err),
                     VC_OK);
    json_t *uarr = json_object_get(v, "u");
    for (size_t k = 0; k < 2; k++) {
      parse_fp2(&want, json_string_value(json_array_get(uarr, k)));
      assert_true(bls_fp2_eq(&u[k], &want));
    }
    bls_g2p q0, q1, pt;
    bls_map_to_g2(&q0, &u[0]);
    bls_map_to_g2(&q1, &u[1]);
    check_point(&q0, json_object_get(v, "Q0"));
    check_point(&q1, json_object_get(v, "Q1"));
    assert_int_equal(bls_hash_to_g2(&pt, (const uint8_t *)msg, strlen(msg), (const uint8_t *)dst,
                                    strlen(dst), &err),
                     VC_OK);
    check_point(&pt, json_object_get(v, "P"));
    assert_true(bls_g2p_in_subgroup(&pt));
    /* tamper: one byte more of DST gives a different point */
    bls_g2p other;
    assert_int_equal(bls_hash_to_g2(&other, (const uint8_t *)msg, strlen(msg), (const uint8_t *)dst,
                                    strlen(dst) - 1, &err),
                     VC_OK);
    assert_false(bls_g2p_eq(&other, &pt));
    count++;
  }
  assert_int_equal(count, 5);
  json_decref(root);
}

static void test_caps(void **state) {
  (void)state;
  uint8_t out[64], dst[1025];
  vc_err err = {{0}};
  memset(dst, 'a', sizeof dst);
  assert_int_equal(bls_expand_message_xmd(out, 32, (const uint8_t *)"m", 1, dst, 1025, &err), VC_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "DST"));
  assert_int_equal(bls_expand_message_xmd(out, 0, (const uint8_t *)"m", 1, dst, 10, &err), VC_ERR_LIMIT);
  assert_int_equal(bls_expand_message_xmd(NULL, 8161, (const uint8_t *)"m", 1, dst, 10, &err), VC_ERR_LIMIT);
  assert_int_equal(bls_expand_message_xmd(out, 64, NULL, 0, dst, 255, &err), VC_OK);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_xmd_38),
      cmocka_unit_test(test_xmd_256),
      cmocka_unit_test(test_hash_to_g2_vectors),
      cmocka_unit_test(test_caps),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

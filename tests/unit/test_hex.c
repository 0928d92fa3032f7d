/*
 * test_hex.c: strict DATA / QUANTITY hex codecs and the u256 helpers built on them.
 * Table-driven good and bad inputs, boundaries, round trips, overflow reporting.
 */
#include "testutil.h"
#include "core/hex.h"
#include "core/u256.h"

#define S(x) x, sizeof(x) - 1

static void test_decode_good(void **state) {
  (void)state;
  uint8_t out[8];
  size_t n = 99;
  assert_int_equal(vc_hex_decode(S("0x"), out, sizeof out, &n), VC_OK);
  assert_int_equal(n, 0);
  assert_int_equal(vc_hex_decode(S("0x00aBcD"), out, sizeof out, &n), VC_OK);
  assert_int_equal(n, 3);
  assert_memory_equal(out, "\x00\xab\xcd", 3);
  uint8_t addr[20];
  assert_int_equal(vc_hex_decode_fixed(S("0x00000000219ab540356cbb839cbe05303d7705fa"), addr, 20), VC_OK);
  assert_int_equal(addr[4], 0x21);
}

static void test_decode_bad(void **state) {
  (void)state;
  static const struct {
    const char *s;
    vc_status want;
  } bad[] = {
      {"", VC_ERR_INPUT},      {"0", VC_ERR_INPUT},       {"00", VC_ERR_INPUT},
      {"0X00", VC_ERR_INPUT},  {"0x0", VC_ERR_INPUT},     {"0x0g", VC_ERR_INPUT},
      {"0x 0", VC_ERR_INPUT},  {"x00", VC_ERR_INPUT},     {"0x123", VC_ERR_INPUT},
      {"0x-1", VC_ERR_INPUT},  {"0x0102030405060708ff", VC_ERR_LIMIT},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t out[8];
    size_t n;
    assert_int_equal(vc_hex_decode(bad[i].s, strlen(bad[i].s), out, sizeof out, &n), bad[i].want);
  }
  uint8_t h[4];
  assert_int_equal(vc_hex_decode_fixed(S("0x010203"), h, 4), VC_ERR_INPUT);
  assert_int_equal(vc_hex_decode_fixed(S("0x0102030405"), h, 4), VC_ERR_INPUT);
  /* explicit length: a NUL or junk past slen is not read */
  assert_int_equal(vc_hex_decode_fixed("0x01020304zz", 10, h, 4), VC_OK);
}

static void test_quantity(void **state) {
  (void)state;
  static const struct {
    const char *s;
    vc_status want;
    uint64_t v;
  } rows[] = {
      {"0x0", VC_OK, 0},
      {"0x1", VC_OK, 1},
      {"0x76", VC_OK, 0x76},
      {"0x400", VC_OK, 0x400},
      {"0xffffffffffffffff", VC_OK, UINT64_MAX},
      {"0x10000000000000000", VC_ERR_LIMIT, 0},
      {"0x", VC_ERR_INPUT, 0},
      {"0x00", VC_ERR_INPUT, 0},
      {"0x01", VC_ERR_INPUT, 0},
      {"1", VC_ERR_INPUT, 0},
      {"0xg", VC_ERR_INPUT, 0},
      {"0x1 ", VC_ERR_INPUT, 0},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    uint64_t v = 12345;
    assert_int_equal(vc_hex_quantity_u64(rows[i].s, strlen(rows[i].s), &v), rows[i].want);
    if (rows[i].want == VC_OK) assert_true(v == rows[i].v);
  }
  uint8_t be[32];
  size_t n;
  const char *max = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  assert_int_equal(vc_hex_quantity(max, strlen(max), be, &n), VC_OK);
  assert_int_equal(n, 32);
  const char *over = "0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  assert_int_equal(vc_hex_quantity(over, strlen(over), be, &n), VC_ERR_LIMIT);
  assert_int_equal(vc_hex_quantity(S("0x123"), be, &n), VC_OK);
  assert_int_equal(n, 2);
  assert_memory_equal(be, "\x01\x23", 2);
}

static void test_encode(void **state) {
  (void)state;
  char out[80];
  assert_int_equal(vc_hex_encode((const uint8_t *)"\x00\xab", 2, out), 6);
  assert_string_equal(out, "0x00ab");
  assert_int_equal(vc_hex_encode(NULL, 0, out), 2);
  assert_string_equal(out, "0x");
  assert_int_equal(vc_hex_encode_quantity((const uint8_t *)"\x00\x00", 2, out), 3);
  assert_string_equal(out, "0x0");
  vc_hex_encode_quantity((const uint8_t *)"\x00\x01\x23", 3, out);
  assert_string_equal(out, "0x123");
  vc_hex_encode_quantity((const uint8_t *)"\xab\x00", 2, out);
  assert_string_equal(out, "0xab00");
  /* round trip every u64 boundary through quantity text */
  static const uint64_t vals[] = {0, 1, 15, 16, 255, 256, 0x76, UINT64_MAX};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    uint8_t be[8];
    for (int k = 0; k < 8; k++) be[k] = (uint8_t)(vals[i] >> (56 - 8 * k));
    size_t len = vc_hex_encode_quantity(be, 8, out);
    uint64_t back = 0;
    assert_int_equal(vc_hex_quantity_u64(out, len, &back), VC_OK);
    assert_true(back == vals[i]);
  }
}

static void test_u256(void **state) {
  (void)state;
  vc_u256 a, b, c;
  assert_int_equal(vc_u256_from_quantity(&a, S("0x2fb161afe600a5b2605040")), VC_OK);
  char q[67];
  vc_u256_to_quantity(&a, q);
  assert_string_equal(q, "0x2fb161afe600a5b2605040");
  vc_u256_from_u64(&b, 1);
  const char *max = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  assert_int_equal(vc_u256_from_quantity(&c, max, strlen(max)), VC_OK);
  vc_u256 r;
  assert_true(vc_u256_add(&r, &c, &b));  /* overflow */
  assert_true(vc_u256_is_zero(&r));
  assert_true(vc_u256_sub(&r, &r, &b));  /* underflow back to max */
  assert_int_equal(vc_u256_cmp(&r, &c), 0);
  assert_false(vc_u256_add(&r, &a, &b));
  assert_int_equal(vc_u256_cmp(&r, &a), 1);
  assert_false(vc_u256_sub(&r, &r, &b));
  assert_int_equal(vc_u256_cmp(&r, &a), 0);
  /* carry across limbs */
  vc_u256 lo;
  assert_int_equal(vc_u256_from_quantity(&lo, S("0xffffffffffffffff")), VC_OK);
  assert_false(vc_u256_add(&r, &lo, &b));
  vc_u256_to_quantity(&r, q);
  assert_string_equal(q, "0x10000000000000000");
  uint8_t be[40] = {0};
  be[39] = 7;
  assert_int_equal(vc_u256_from_be(&r, be, 40), VC_OK);
  assert_true(r.w[0] == 7);
  be[0] = 1;
  assert_int_equal(vc_u256_from_be(&r, be, 40), VC_ERR_LIMIT);
  uint8_t min[32];
  vc_u256_from_u64(&r, 0x1234);
  assert_int_equal(vc_u256_to_be_min(&r, min), 2);
  assert_memory_equal(min, "\x12\x34", 2);
  assert_int_equal(vc_u256_from_quantity(&r, S("0x012")), VC_ERR_INPUT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode_good),  cmocka_unit_test(test_decode_bad),
      cmocka_unit_test(test_quantity),     cmocka_unit_test(test_encode),
      cmocka_unit_test(test_u256),
  };
  return cmocka_run_group_tests_name("hex", tests, NULL, NULL);
}

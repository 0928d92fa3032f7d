/*
 * test_rlp.c: RLP against ethereum-tests RLPTests: rlptest.json (encode each "in" and
 * compare with "out"; decode "out" and compare structurally with "in", including
 * "#bignum" decimals), invalidRLPTest.json (every case rejected), RandomRLPTests
 * (valid). Plus hand-written non-canonical forms, truncations of every valid vector,
 * the encoder's cap/latching behaviour, and the list helpers.
 */
#include "testutil.h"
#include "core/rlp.h"

#include <jansson.h>

#define MAX_ENC 4096

/* "#123..." decimal -> minimal big-endian bytes. */
static size_t bignum_be(const char *dec, uint8_t out[64]) {
  uint8_t acc[64] = {0};
  for (const char *p = dec; *p; p++) {
    assert_true(*p >= '0' && *p <= '9');
    unsigned carry = (unsigned)(*p - '0');
    for (int i = 63; i >= 0; i--) {
      unsigned v = acc[i] * 10u + carry;
      acc[i] = (uint8_t)v;
      carry = v >> 8;
    }
    assert_int_equal(carry, 0);
  }
  size_t i = 0;
  while (i < 64 && acc[i] == 0) i++;
  memcpy(out, acc + i, 64 - i);
  return 64 - i;
}

static void encode_json(vc_rlp_buf *b, const json_t *v) {
  if (json_is_integer(v)) {
    vc_rlp_put_uint(b, (uint64_t)json_integer_value(v));
  } else if (json_is_string(v) && json_string_value(v)[0] == '#') {
    uint8_t be[64];
    size_t n = bignum_be(json_string_value(v) + 1, be);
    vc_rlp_put_uint_be(b, be, n);
  } else if (json_is_string(v)) {
    vc_rlp_put_bytes(b, (const uint8_t *)json_string_value(v), json_string_length(v));
  } else {
    assert_true(json_is_array(v));
    size_t mark = vc_rlp_list_begin(b), i;
    json_t *e;
    json_array_foreach(v, i, e) encode_json(b, e);
    vc_rlp_list_end(b, mark);
  }
}

static void check_decoded(const vc_rlp_item *it, const json_t *v) {
  vc_err err;
  if (json_is_integer(v)) {
    uint64_t u;
    assert_int_equal(vc_rlp_uint(it, &u, &err), VC_OK);
    assert_true(u == (uint64_t)json_integer_value(v));
  } else if (json_is_string(v) && json_string_value(v)[0] == '#') {
    uint8_t be[64];
    size_t n = bignum_be(json_string_value(v) + 1, be);
    assert_false(it->is_list);
    assert_int_equal(it->payload.len, n);
    assert_memory_equal(it->payload.ptr, be, n);
  } else if (json_is_string(v)) {
    assert_false(it->is_list);
    assert_int_equal(it->payload.len, json_string_length(v));
    if (it->payload.len) assert_memory_equal(it->payload.ptr, json_string_value(v), it->payload.len);
  } else {
    assert_true(it->is_list);
    vc_bytes cur = it->payload;
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e) {
      vc_rlp_item sub;
      assert_int_equal(vc_rlp_next(&cur, &sub, &err), VC_OK);
      check_decoded(&sub, e);
    }
    assert_int_equal(cur.len, 0);
  }
}

static json_t *load(const char *path) {
  json_error_t je;
  json_t *root = json_load_file(path, JSON_ALLOW_NUL, &je);
  if (!root) fail_msg("%s: %s", path, je.text);
  return root;
}

static size_t unhex_out(const json_t *tc, uint8_t *buf, size_t cap) {
  const char *h = json_string_value(json_object_get(tc, "out"));
  assert_non_null(h);
  long n = test_unhex(h, buf, cap);
  assert_true(n >= 0);
  return (size_t)n;
}

static void test_valid_vectors(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, "ethereum-tests/RLPTests/rlptest.json");
  json_t *root = load(path);
  const char *name;
  json_t *tc;
  size_t count = 0;
  json_object_foreach(root, name, tc) {
    static uint8_t want[MAX_ENC];
    size_t wn = unhex_out(tc, want, sizeof want);
    vc_rlp_buf b;
    vc_rlp_buf_init(&b, MAX_ENC);
    encode_json(&b, json_object_get(tc, "in"));
    assert_int_equal(vc_rlp_buf_status(&b), VC_OK);
    if (b.len != wn || memcmp(b.buf, want, wn) != 0) fail_msg("encode %s differs", name);
    vc_rlp_buf_free(&b);
    vc_rlp_item it;
    vc_err err;
    if (vc_rlp_decode(vc_bytes_of(want, wn), &it, &err) != VC_OK) fail_msg("decode %s: %s", name, err.msg);
    assert_int_equal(it.raw.len, wn);
    check_decoded(&it, json_object_get(tc, "in"));
    /* every strict prefix is truncated and must be rejected */
    for (size_t cut = 0; cut < wn; cut++)
      assert_int_not_equal(vc_rlp_decode(vc_bytes_of(want, cut), &it, &err), VC_OK);
    /* a trailing byte is rejected */
    static uint8_t longer[MAX_ENC + 1];
    memcpy(longer, want, wn);
    longer[wn] = 0;
    assert_int_equal(vc_rlp_decode(vc_bytes_of(longer, wn + 1), &it, &err), VC_ERR_INPUT);
    count++;
  }
  json_decref(root);
  fprintf(stderr, "rlptest: %zu cases\n", count);
  assert_true(count >= 28);
}

static void test_invalid_vectors(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, "ethereum-tests/RLPTests/invalidRLPTest.json");
  json_t *root = load(path);
  const char *name;
  json_t *tc;
  size_t count = 0;
  json_object_foreach(root, name, tc) {
    static uint8_t in[MAX_ENC];
    size_t n = unhex_out(tc, in, sizeof in);
    vc_rlp_item it;
    vc_err err = {{0}};
    if (vc_rlp_decode(vc_bytes_of(in, n), &it, &err) == VC_OK) fail_msg("accepted invalid %s", name);
    assert_true(err.msg[0] != 0); /* a reason is given */
    count++;
  }
  json_decref(root);
  fprintf(stderr, "invalidRLPTest: %zu rejected\n", count);
  assert_true(count >= 25);
}

static void test_random_vectors(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, "ethereum-tests/RLPTests/RandomRLPTests/example.json");
  json_t *root = load(path);
  const char *name;
  json_t *tc;
  json_object_foreach(root, name, tc) {
    static uint8_t in[MAX_ENC];
    size_t n = unhex_out(tc, in, sizeof in);
    vc_rlp_item it;
    vc_err err;
    assert_int_equal(vc_rlp_decode(vc_bytes_of(in, n), &it, &err), VC_OK);
    assert_true(it.is_list);
    /* re-encode by copying items: identical bytes */
    vc_rlp_buf b;
    vc_rlp_buf_init(&b, MAX_ENC);
    size_t mark = vc_rlp_list_begin(&b);
    vc_bytes cur = it.payload;
    vc_rlp_item sub;
    while (cur.len) {
      assert_int_equal(vc_rlp_next(&cur, &sub, &err), VC_OK);
      vc_rlp_put_raw(&b, sub.raw.ptr, sub.raw.len);
    }
    vc_rlp_list_end(&b, mark);
    assert_int_equal(vc_rlp_buf_status(&b), VC_OK);
    assert_int_equal(b.len, n);
    assert_memory_equal(b.buf, in, n);
    vc_rlp_buf_free(&b);
  }
  json_decref(root);
}

static void test_noncanonical_handmade(void **state) {
  (void)state;
  static const struct {
    const char *hex;
    vc_status want;
  } rows[] = {
      {"8100", VC_ERR_INPUT},        /* single byte with header */
      {"817f", VC_ERR_INPUT},
      {"8180", VC_OK},               /* 0x80 needs the header */
      {"b800", VC_ERR_INPUT},        /* long form for 0 */
      {"b837" "00", VC_ERR_INPUT},   /* long form for 55 (and truncated) */
      {"c0", VC_OK},
      {"c180", VC_OK},
      {"c28100", VC_ERR_INPUT},      /* nested non-canonical item */
      {"c3c28100", VC_ERR_INPUT},    /* deeper */
      {"c2c0", VC_ERR_INPUT},        /* list length past its content */
      {"c1c0c0", VC_ERR_INPUT},      /* trailing */
      {"bf0100000000000000", VC_ERR_INPUT}, /* 8-byte length, far past the end */
      {"bfffffffffffffffff", VC_ERR_INPUT},
      {"", VC_ERR_INPUT},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    uint8_t in[16];
    long n = test_unhex(rows[i].hex, in, sizeof in);
    assert_true(n >= 0);
    vc_rlp_item it;
    vc_err err;
    if (vc_rlp_decode(vc_bytes_of(in, (size_t)n), &it, &err) != rows[i].want)
      fail_msg("row %zu (%s): want %s", i, rows[i].hex, vc_status_name(rows[i].want));
  }
  /* nesting deeper than the cap is refused, not recursed into */
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, 4096);
  size_t marks[VC_RLP_MAX_DEPTH + 10];
  for (size_t i = 0; i < VC_RLP_MAX_DEPTH + 10; i++) marks[i] = vc_rlp_list_begin(&b);
  for (size_t i = VC_RLP_MAX_DEPTH + 10; i-- > 0;) vc_rlp_list_end(&b, marks[i]);
  assert_int_equal(vc_rlp_buf_status(&b), VC_OK);
  vc_rlp_item it;
  vc_err err;
  assert_int_equal(vc_rlp_decode(vc_bytes_of(b.buf, b.len), &it, &err), VC_ERR_LIMIT);
  vc_rlp_buf_free(&b);
}

static void test_scalars(void **state) {
  (void)state;
  vc_err err;
  vc_rlp_item it;
  uint64_t v;
  uint8_t be32[32];
  static const uint8_t lead0[] = {0x82, 0x00, 0x01};
  assert_int_equal(vc_rlp_decode(vc_bytes_of(lead0, 3), &it, &err), VC_OK);
  assert_int_equal(vc_rlp_uint(&it, &v, &err), VC_ERR_INPUT);
  assert_int_equal(vc_rlp_uint256(&it, be32, &err), VC_ERR_INPUT);
  static const uint8_t nine[] = {0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  assert_int_equal(vc_rlp_decode(vc_bytes_of(nine, sizeof nine), &it, &err), VC_OK);
  assert_int_equal(vc_rlp_uint(&it, &v, &err), VC_ERR_INPUT);
  assert_int_equal(vc_rlp_uint256(&it, be32, &err), VC_OK);
  assert_int_equal(be32[31], 9);
  assert_int_equal(be32[22], 0);
  static const uint8_t lst[] = {0xc0};
  assert_int_equal(vc_rlp_decode(vc_bytes_of(lst, 1), &it, &err), VC_OK);
  assert_int_equal(vc_rlp_uint(&it, &v, &err), VC_ERR_INPUT);
  /* list_items cap */
  static const uint8_t three[] = {0xc3, 1, 2, 3};
  assert_int_equal(vc_rlp_decode(vc_bytes_of(three, 4), &it, &err), VC_OK);
  vc_rlp_item items[3];
  size_t n;
  assert_int_equal(vc_rlp_list_items(it.payload, items, 2, &n, &err), VC_ERR_LIMIT);
  assert_int_equal(vc_rlp_list_items(it.payload, items, 3, &n, &err), VC_OK);
  assert_int_equal(n, 3);
  assert_int_equal(items[2].payload.ptr[0], 3);
  vc_bytes empty = {NULL, 0};
  assert_int_equal(vc_rlp_next(&empty, &it, &err), VC_ERR_MISSING);
}

static void test_encoder_caps(void **state) {
  (void)state;
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, 10);
  uint8_t data[20] = {0};
  vc_rlp_put_bytes(&b, data, 8); /* 9 bytes */
  assert_int_equal(vc_rlp_buf_status(&b), VC_OK);
  vc_rlp_put_bytes(&b, data, 1); /* 0x00: 1 byte -> 10 */
  assert_int_equal(vc_rlp_buf_status(&b), VC_OK);
  vc_rlp_put_uint(&b, 0);        /* 11 > cap */
  assert_int_equal(vc_rlp_buf_status(&b), VC_ERR_LIMIT);
  size_t len = b.len;
  vc_rlp_put_raw(&b, data, 0);   /* no-op after failure */
  vc_rlp_list_end(&b, 0);
  assert_int_equal(b.len, len);
  assert_int_equal(vc_rlp_buf_status(&b), VC_ERR_LIMIT);
  vc_rlp_buf_free(&b);
  /* a list whose header grows to long form is moved, not truncated */
  vc_rlp_buf_init(&b, 1 << 20);
  size_t mark = vc_rlp_list_begin(&b);
  for (int i = 0; i < 60; i++) vc_rlp_put_uint(&b, 1);
  vc_rlp_list_end(&b, mark);
  assert_int_equal(vc_rlp_buf_status(&b), VC_OK);
  assert_int_equal(b.len, 62);
  assert_int_equal(b.buf[0], 0xf8);
  assert_int_equal(b.buf[1], 60);
  vc_rlp_item it;
  vc_err err;
  assert_int_equal(vc_rlp_decode(vc_bytes_of(b.buf, b.len), &it, &err), VC_OK);
  vc_rlp_buf_free(&b);
  /* big-endian scalar: leading zeros stripped, zero -> 0x80 */
  vc_rlp_buf_init(&b, 64);
  static const uint8_t z[4] = {0, 0, 0, 0}, x[4] = {0, 0, 0x04, 0x00};
  vc_rlp_put_uint_be(&b, z, 4);
  vc_rlp_put_uint_be(&b, x, 4);
  assert_int_equal(vc_rlp_buf_status(&b), VC_OK);
  assert_int_equal(b.len, 4);
  assert_memory_equal(b.buf, "\x80\x82\x04\x00", 4);
  vc_rlp_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_vectors),   cmocka_unit_test(test_invalid_vectors),
      cmocka_unit_test(test_random_vectors),  cmocka_unit_test(test_noncanonical_handmade),
      cmocka_unit_test(test_scalars),         cmocka_unit_test(test_encoder_caps),
  };
  return cmocka_run_group_tests_name("rlp", tests, NULL, NULL);
}

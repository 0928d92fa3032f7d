/*
 * test_keccak.c: Keccak-256 against known values, ethereum-tests keyaddrtest (private
 * key -> address via libsecp256k1 + keccak), and the sponge against the 256 FIPS
 * SHA3-256 KATs from golang/crypto (same sponge, pad byte 0x06). Streaming in odd-sized
 * chunks must equal one-shot hashing at every block boundary.
 */
#include "testutil.h"
#include "core/hex.h"
#include "core/keccak.h"

#include <jansson.h>
#include <secp256k1.h>

static void hex32(const char *h, uint8_t out[32]) {
  assert_int_equal(test_unhex(h, out, 32), 32);
}

static void test_known(void **state) {
  (void)state;
  uint8_t d[32], want[32];
  vc_keccak256(NULL, 0, d);
  hex32("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", want);
  assert_memory_equal(d, want, 32);
  vc_keccak256((const uint8_t *)"\x80", 1, d);
  hex32("56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421", want);
  assert_memory_equal(d, want, 32);
  /* one flipped input bit changes the digest */
  vc_keccak256((const uint8_t *)"\x81", 1, d);
  assert_memory_not_equal(d, want, 32);
}

static void test_streaming(void **state) {
  (void)state;
  uint8_t msg[600];
  for (size_t i = 0; i < sizeof msg; i++) msg[i] = (uint8_t)(i * 7 + 3);
  static const size_t lens[] = {0, 1, 135, 136, 137, 271, 272, 273, 599};
  static const size_t chunks[] = {1, 3, 64, 135, 136, 137, 500};
  for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
    uint8_t one[32];
    vc_keccak256(msg, lens[li], one);
    for (size_t ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++) {
      vc_keccak_ctx c;
      vc_keccak_init(&c);
      for (size_t off = 0; off < lens[li]; off += chunks[ci]) {
        size_t take = lens[li] - off < chunks[ci] ? lens[li] - off : chunks[ci];
        vc_keccak_update(&c, msg + off, take);
      }
      uint8_t st[32];
      vc_keccak_final(&c, st);
      assert_memory_equal(one, st, 32);
    }
  }
}

static void test_sha3_kats(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, "golang-crypto-derived/SHA3-256_kats.json");
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  assert_non_null(root);
  json_t *kats = json_object_get(root, "SHA3-256");
  assert_true(json_array_size(kats) >= 256);
  size_t i;
  json_t *tc;
  json_array_foreach(kats, i, tc) {
    size_t bits = (size_t)json_integer_value(json_object_get(tc, "length"));
    assert_int_equal(bits % 8, 0);
    size_t n = bits / 8;
    uint8_t *msg = malloc(n + 1);
    assert_non_null(msg);
    const char *mh = json_string_value(json_object_get(tc, "message"));
    if (n) assert_int_equal(test_unhex(mh, msg, n), (long)n);
    uint8_t want[32], got[32];
    hex32(json_string_value(json_object_get(tc, "digest")), want);
    vc_keccak_ctx c;
    vc_keccak_init(&c);
    vc_keccak_update(&c, msg, n);
    vc_keccak_final_pad(&c, 0x06, got);
    assert_memory_equal(got, want, 32);
    /* Keccak padding must give a different digest (the pad byte really is applied) */
    vc_keccak256(msg, n, got);
    assert_memory_not_equal(got, want, 32);
    free(msg);
  }
  fprintf(stderr, "SHA3-256 KATs: %zu passed\n", json_array_size(kats));
  json_decref(root);
}

static void test_keyaddr(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, "ethereum-tests/BasicTests/keyaddrtest.json");
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  assert_non_null(root);
  secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  size_t i;
  json_t *tc;
  json_array_foreach(root, i, tc) {
    uint8_t key[32], want[20];
    hex32(json_string_value(json_object_get(tc, "key")), key);
    assert_int_equal(test_unhex(json_string_value(json_object_get(tc, "addr")), want, 20), 20);
    secp256k1_pubkey pk;
    assert_int_equal(secp256k1_ec_pubkey_create(ctx, &pk, key), 1);
    uint8_t ser[65];
    size_t sl = sizeof ser;
    assert_int_equal(secp256k1_ec_pubkey_serialize(ctx, ser, &sl, &pk, SECP256K1_EC_UNCOMPRESSED), 1);
    uint8_t h[32];
    vc_keccak256(ser + 1, 64, h);
    assert_memory_equal(h + 12, want, 20);
  }
  fprintf(stderr, "keyaddrtest: %zu addresses\n", json_array_size(root));
  secp256k1_context_destroy(ctx);
  json_decref(root);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_known),
      cmocka_unit_test(test_streaming),
      cmocka_unit_test(test_sha3_kats),
      cmocka_unit_test(test_keyaddr),
  };
  return cmocka_run_group_tests_name("keccak", tests, NULL, NULL);
}

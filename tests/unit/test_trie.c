/*
 * test_trie.c: trie root builder against ethereum/tests TrieTests (plain and secure,
 * list and map forms, null = delete), the ordered (rlp(index)) root against the general
 * builder, tamper and cap checks.
 */
#include "testutil.h"

#include <jansson.h>

#include "core/keccak.h"
#include "core/trie.h"

/* "0x..." is hex, anything else is raw ASCII; returns a malloc'd buffer. */
static uint8_t *decode_str(const char *s, size_t *len) {
  size_t n = strlen(s);
  uint8_t *out = malloc(n + 1);
  assert_non_null(out);
  if (n >= 2 && s[0] == '0' && s[1] == 'x') {
    long l = test_unhex(s, out, n);
    assert_true(l >= 0);
    *len = (size_t)l;
  } else {
    memcpy(out, s, n);
    *len = n;
  }
  return out;
}

static void put_kv(vc_trie *t, const char *k, const json_t *v, bool secure) {
  size_t kl, vl = 0;
  uint8_t *kb = decode_str(k, &kl), *vb = NULL;
  uint8_t hk[32];
  if (json_is_string(v)) vb = decode_str(json_string_value(v), &vl);
  vc_err err;
  if (secure) {
    vc_keccak256(kb, kl, hk);
    assert_int_equal(vc_trie_put(t, hk, 32, vb, vl, &err), VC_OK);
  } else {
    assert_int_equal(vc_trie_put(t, kb, kl, vb, vl, &err), VC_OK);
  }
  free(kb);
  free(vb);
}

static int run_file(const char *rel, bool secure) {
  const char *path = fixture_path(rel);
  if (!path) return -1;
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  assert_non_null(root);
  const char *name;
  json_t *tc;
  int count = 0;
  json_object_foreach(root, name, tc) {
    vc_trie t;
    vc_trie_init(&t);
    json_t *in = json_object_get(tc, "in");
    if (json_is_array(in)) {
      size_t i;
      json_t *pair;
      json_array_foreach(in, i, pair) {
        put_kv(&t, json_string_value(json_array_get(pair, 0)), json_array_get(pair, 1), secure);
      }
    } else {
      const char *k;
      json_t *v;
      json_object_foreach(in, k, v) put_kv(&t, k, v, secure);
    }
    uint8_t got[32], want[32];
    vc_err err;
    assert_int_equal(vc_trie_root(&t, got, &err), VC_OK);
    assert_int_equal(test_unhex(json_string_value(json_object_get(tc, "root")), want, 32), 32);
    if (memcmp(got, want, 32) != 0) fail_msg("%s: case %s: root mismatch", rel, name);
    /* the builder stays usable: the root is stable across calls */
    uint8_t again[32];
    assert_int_equal(vc_trie_root(&t, again, &err), VC_OK);
    assert_memory_equal(again, want, 32);
    vc_trie_free(&t);
    count++;
  }
  json_decref(root);
  return count;
}

static void test_trietests(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "ethereum-tests/TrieTests/trietest.json");
  (void)p;
  static const struct {
    const char *file;
    bool secure;
  } files[] = {
      {"ethereum-tests/TrieTests/trietest.json", false},
      {"ethereum-tests/TrieTests/trieanyorder.json", false},
      {"ethereum-tests/TrieTests/trietest_secureTrie.json", true},
      {"ethereum-tests/TrieTests/trieanyorder_secureTrie.json", true},
      {"ethereum-tests/TrieTests/hex_encoded_securetrie_test.json", true},
  };
  int total = 0;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    int n = run_file(files[i].file, files[i].secure);
    assert_true(n > 0);
    total += n;
  }
  fprintf(stderr, "trie: %d TrieTests cases reproduced\n", total);
}

static void test_empty_root(void **state) {
  (void)state;
  uint8_t root[32], want[32];
  vc_err err;
  assert_int_equal(vc_trie_ordered_root(NULL, 0, root, &err), VC_OK);
  uint8_t e = 0x80;
  vc_keccak256(&e, 1, want);
  assert_memory_equal(root, want, 32);
  vc_trie t;
  vc_trie_init(&t);
  assert_int_equal(vc_trie_root(&t, root, &err), VC_OK);
  assert_memory_equal(root, want, 32);
  /* put then delete: empty again */
  assert_int_equal(vc_trie_put(&t, (const uint8_t *)"a", 1, (const uint8_t *)"b", 1, &err), VC_OK);
  assert_int_equal(vc_trie_put(&t, (const uint8_t *)"a", 1, NULL, 0, &err), VC_OK);
  assert_int_equal(vc_trie_root(&t, root, &err), VC_OK);
  assert_memory_equal(root, want, 32);
  vc_trie_free(&t);
}

/* rlp(i) as a key, for the cross-check against the general builder. */
static size_t rlp_idx(size_t i, uint8_t out[9]) {
  if (i == 0) { out[0] = 0x80; return 1; }
  if (i < 0x80) { out[0] = (uint8_t)i; return 1; }
  size_t n = 0;
  for (size_t v = i; v; v >>= 8) n++;
  out[0] = (uint8_t)(0x80 + n);
  for (size_t k = 0; k < n; k++) out[1 + k] = (uint8_t)(i >> (8 * (n - 1 - k)));
  return 1 + n;
}

static void test_ordered_matches_general(void **state) {
  (void)state;
  static const size_t sizes[] = {1, 2, 3, 16, 127, 128, 129, 255, 256, 300, 1000};
  uint8_t *data = malloc(1000 * 40);
  vc_bytes *vals = malloc(1000 * sizeof *vals);
  assert_non_null(data);
  assert_non_null(vals);
  for (size_t i = 0; i < 1000; i++) {
    size_t len = 1 + (i * 7) % 40; /* short values give embedded nodes, long ones hashed */
    for (size_t k = 0; k < len; k++) data[i * 40 + k] = (uint8_t)(i * 31 + k * 17 + 1);
    vals[i] = vc_bytes_of(data + i * 40, len);
  }
  for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
    size_t n = sizes[s];
    uint8_t a[32], b[32];
    vc_err err;
    assert_int_equal(vc_trie_ordered_root(vals, n, a, &err), VC_OK);
    vc_trie t;
    vc_trie_init(&t);
    for (size_t j = n; j-- > 0;) { /* reverse order on purpose */
      uint8_t key[9];
      size_t kl = rlp_idx(j, key);
      assert_int_equal(vc_trie_put(&t, key, kl, vals[j].ptr, vals[j].len, &err), VC_OK);
    }
    assert_int_equal(vc_trie_root(&t, b, &err), VC_OK);
    vc_trie_free(&t);
    if (memcmp(a, b, 32) != 0) fail_msg("ordered root differs from general builder at n=%zu", n);
    /* tamper: one changed byte in one value changes the root */
    data[(n / 2) * 40] ^= 1;
    assert_int_equal(vc_trie_ordered_root(vals, n, b, &err), VC_OK);
    assert_memory_not_equal(a, b, 32);
    data[(n / 2) * 40] ^= 1;
  }
  free(data);
  free(vals);
}

static void test_caps_and_bad_input(void **state) {
  (void)state;
  vc_err err;
  uint8_t root[32];
  uint8_t key[VC_TRIE_MAX_KEY + 1] = {0};
  vc_trie t;
  vc_trie_init(&t);
  assert_int_equal(vc_trie_put(&t, key, sizeof key, key, 1, &err), VC_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "cap"));
  assert_int_equal(vc_trie_put(&t, key, VC_TRIE_MAX_KEY, key, 1, &err), VC_OK);
  assert_int_equal(vc_trie_root(&t, root, &err), VC_OK);
  vc_trie_free(&t);
  vc_bytes vals[2] = {vc_bytes_of("x", 1), vc_bytes_of("", 0)};
  assert_int_equal(vc_trie_ordered_root(vals, 2, root, &err), VC_ERR_INPUT);
  assert_int_equal(vc_trie_ordered_root(vals, (size_t)VC_TRIE_MAX_ITEMS + 1, root, &err),
                   VC_ERR_LIMIT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_trietests),
      cmocka_unit_test(test_empty_root),
      cmocka_unit_test(test_ordered_matches_general),
      cmocka_unit_test(test_caps_and_bad_input),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_state_root.c: the secure-trie state root and the logs hash (core/state_root.h)
 * against real data: ethereum/tests TrieTests secure variants through
 * vc_secure_trie_put; BlockchainTests `pre` vs the genesis header's stateRoot and
 * `postState` vs the last block's stateRoot; the execution-apis hive genesis alloc vs
 * its genesis block; logs hashes of stLogTests cases whose single log follows from the
 * contract code by hand. Then the must-fail side: tampered records change the root,
 * duplicate addresses and slots are refused, caps are enforced.
 */
#include "testutil.h"

#include <jansson.h>

#include "core/keccak.h"
#include "core/state_root.h"

/* ---- lenient JSON readers: fixtures write "0x00", "0x1", and addresses without 0x ---- */

static void hex_u256(const char *s, vc_u256 *out) {
  uint8_t be[32] = {0};
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s += 2;
  while (*s == '0') s++;
  size_t n = strlen(s);
  assert_true(n <= 64);
  for (size_t i = 0; i < n; i++) {
    char c = s[n - 1 - i];
    unsigned v = (unsigned)(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    assert_true(v < 16);
    be[31 - i / 2] |= (uint8_t)(v << (4 * (i % 2)));
  }
  assert_int_equal(vc_u256_from_be(out, be, 32), VC_OK);
}

static void hex_fixed(const char *s, uint8_t *out, size_t n) {
  assert_int_equal(test_unhex(s, out, n), (long)n);
}

typedef struct {
  vc_sr_account *accts;
  vc_sr_slot **slots;
  size_t n;
} alloc;

static void alloc_free(alloc *a) {
  for (size_t i = 0; i < a->n; i++) free(a->slots[i]);
  free(a->slots);
  free(a->accts);
}

static alloc alloc_parse(json_t *obj) {
  alloc a = {calloc(json_object_size(obj) + 1, sizeof(vc_sr_account)),
             calloc(json_object_size(obj) + 1, sizeof(vc_sr_slot *)), 0};
  assert_non_null(a.accts);
  const char *addr;
  json_t *acc;
  json_object_foreach(obj, addr, acc) {
    vc_sr_account *r = &a.accts[a.n];
    hex_fixed(addr, r->address, 20);
    json_t *v = json_object_get(acc, "nonce");
    vc_u256 nonce;
    hex_u256(v ? json_string_value(v) : "0", &nonce);
    r->nonce = nonce.w[0];
    v = json_object_get(acc, "balance");
    hex_u256(v ? json_string_value(v) : "0", &r->balance);
    const char *code = json_string_value(json_object_get(acc, "code"));
    size_t cl = code ? strlen(code) / 2 : 0;
    uint8_t *cb = malloc(cl + 1);
    long l = code ? test_unhex(code, cb, cl + 1) : 0;
    assert_true(l >= 0);
    vc_keccak256(cb, (size_t)l, r->code_hash);
    free(cb);
    json_t *st = json_object_get(acc, "storage");
    a.slots[a.n] = calloc(json_object_size(st) + 1, sizeof(vc_sr_slot));
    const char *k;
    json_t *sv;
    json_object_foreach(st, k, sv) {
      vc_sr_slot *s = &a.slots[a.n][r->n_storage++];
      hex_u256(k, &s->key);
      hex_u256(json_string_value(sv), &s->value);
    }
    r->storage = a.slots[a.n];
    a.n++;
  }
  return a;
}

static void assert_root(alloc *a, const char *want_hex, const char *what) {
  uint8_t got[32], want[32];
  vc_err err;
  hex_fixed(want_hex, want, 32);
  if (vc_state_root(a->accts, a->n, got, &err) != VC_OK) fail_msg("%s: %s", what, err.msg);
  if (memcmp(got, want, 32) != 0) fail_msg("%s: state root mismatch", what);
}

/* ---- tests ---- */

static void secure_trie_file(const char *rel, int *cases) {
  FIXTURE_OR_SKIP(path, rel);
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  assert_non_null(root);
  const char *name;
  json_t *tc;
  json_object_foreach(root, name, tc) {
    vc_trie t;
    vc_trie_init(&t);
    json_t *in = json_object_get(tc, "in");
    size_t i;
    json_t *pair;
    const char *k;
    json_t *v;
    /* both the list form and the map form */
    void *iter = json_is_object(in) ? json_object_iter(in) : NULL;
    for (i = 0;; i++) {
      if (json_is_array(in)) {
        if (i >= json_array_size(in)) break;
        pair = json_array_get(in, i);
        k = json_string_value(json_array_get(pair, 0));
        v = json_array_get(pair, 1);
      } else {
        if (!iter) break;
        k = json_object_iter_key(iter);
        v = json_object_iter_value(iter);
        iter = json_object_iter_next(in, iter);
      }
      uint8_t kb[256], vb[256];
      size_t kl, vl = 0;
      if (strncmp(k, "0x", 2) == 0) kl = (size_t)test_unhex(k, kb, sizeof kb);
      else memcpy(kb, k, kl = strlen(k));
      if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (strncmp(s, "0x", 2) == 0) vl = (size_t)test_unhex(s, vb, sizeof vb);
        else memcpy(vb, s, vl = strlen(s));
      }
      vc_err err;
      assert_int_equal(vc_secure_trie_put(&t, kb, kl, vb, vl, &err), VC_OK);
    }
    uint8_t got[32], want[32];
    vc_err err;
    assert_int_equal(vc_trie_root(&t, got, &err), VC_OK);
    hex_fixed(json_string_value(json_object_get(tc, "root")), want, 32);
    if (memcmp(got, want, 32) != 0) fail_msg("%s: %s: root mismatch", rel, name);
    vc_trie_free(&t);
    (*cases)++;
  }
  json_decref(root);
}

static void test_secure_trie_vectors(void **state) {
  (void)state;
  int cases = 0;
  secure_trie_file("ethereum-tests/TrieTests/trietest_secureTrie.json", &cases);
  secure_trie_file("ethereum-tests/TrieTests/trieanyorder_secureTrie.json", &cases);
  secure_trie_file("ethereum-tests/TrieTests/hex_encoded_securetrie_test.json", &cases);
  assert_true(cases >= 10);
}

static const char *const bc_files[] = {
    "bcValidBlockTest/eip2930.json",  "bcExample/mergeExample.json",
    "bcExample/shanghaiExample.json", "bcExample/basefeeExample.json",
    "bcEIP4844-blobtransactions/blockWithAllTransactionTypes.json",
    "bcEIP1559/transType.json",
};

static void test_blockchain_pre_and_post(void **state) {
  (void)state;
  int roots = 0;
  for (size_t f = 0; f < sizeof bc_files / sizeof bc_files[0]; f++) {
    char rel[256];
    snprintf(rel, sizeof rel, "ethereum-tests/BlockchainTests/ValidBlocks/%s", bc_files[f]);
    FIXTURE_OR_SKIP(path, rel);
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    assert_non_null(root);
    const char *name;
    json_t *tc;
    json_object_foreach(root, name, tc) {
      alloc pre = alloc_parse(json_object_get(tc, "pre"));
      assert_root(&pre, json_string_value(json_object_get(
                            json_object_get(tc, "genesisBlockHeader"), "stateRoot")), name);
      roots++;
      json_t *post = json_object_get(tc, "postState");
      json_t *blocks = json_object_get(tc, "blocks");
      if (post && json_array_size(blocks)) {
        alloc pa = alloc_parse(post);
        json_t *last = json_array_get(blocks, json_array_size(blocks) - 1);
        assert_root(&pa, json_string_value(json_object_get(
                             json_object_get(last, "blockHeader"), "stateRoot")), name);
        roots++;
        /* must fail: one wei more for the first account changes the root */
        uint8_t a[32], b[32];
        vc_err err;
        assert_int_equal(vc_state_root(pa.accts, pa.n, a, &err), VC_OK);
        vc_u256 one;
        vc_u256_from_u64(&one, 1);
        assert_false(vc_u256_add(&pa.accts[0].balance, &pa.accts[0].balance, &one));
        assert_int_equal(vc_state_root(pa.accts, pa.n, b, &err), VC_OK);
        assert_memory_not_equal(a, b, 32);
        alloc_free(&pa);
      }
      alloc_free(&pre);
    }
    json_decref(root);
  }
  assert_true(roots >= 12);
}

static void test_hive_genesis(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, "execution-apis/tests/genesis.json");
  json_error_t je;
  json_t *g = json_load_file(path, 0, &je);
  assert_non_null(g);
  alloc a = alloc_parse(json_object_get(g, "alloc"));
  assert_true(a.n >= 20);
  /* the hive genesis block (eth_getBlockByNumber/get-genesis.io) */
  assert_root(&a, "0xdc43f460541a253c0f64b6943ef83fa3bd601699a255622f088d46f7fde359fc",
              "hive genesis");
  /* a storage slot set to zero is the same as an absent one */
  size_t k = 0;
  while (k < a.n && a.accts[k].n_storage == 0) k++;
  assert_true(k < a.n);
  vc_sr_slot *more = calloc(a.accts[k].n_storage + 1, sizeof *more);
  memcpy(more, a.accts[k].storage, a.accts[k].n_storage * sizeof *more);
  vc_u256_from_u64(&more[a.accts[k].n_storage].key, 0xdeadbeef);
  a.accts[k].storage = more;
  a.accts[k].n_storage++;
  assert_root(&a, "0xdc43f460541a253c0f64b6943ef83fa3bd601699a255622f088d46f7fde359fc",
              "hive genesis with a zero slot");
  /* the same slot twice is refused */
  more[a.accts[k].n_storage - 1].key = more[0].key;
  vc_u256_from_u64(&more[a.accts[k].n_storage - 1].value, 7);
  uint8_t r[32];
  vc_err err;
  assert_int_equal(vc_state_root(a.accts, a.n, r, &err), VC_ERR_INPUT);
  assert_non_null(strstr(err.msg, "distinct slots"));
  a.accts[k].n_storage--;
  /* the same address twice is refused */
  memcpy(a.accts[1].address, a.accts[0].address, 20);
  assert_int_equal(vc_state_root(a.accts, a.n, r, &err), VC_ERR_INPUT);
  assert_non_null(strstr(err.msg, "addresses"));
  free(more);
  alloc_free(&a);
  json_decref(g);
}

static void test_empty_and_account_rlp(void **state) {
  (void)state;
  uint8_t r[32], h[32];
  vc_err err;
  assert_int_equal(vc_state_root(NULL, 0, r, &err), VC_OK);
  assert_memory_equal(r, vc_trie_empty_root, 32);
  assert_int_equal(vc_storage_root(NULL, 0, r, &err), VC_OK);
  assert_memory_equal(r, vc_trie_empty_root, 32);
  vc_keccak256(NULL, 0, h);
  assert_memory_equal(h, vc_sr_empty_code_hash, 32);
  /* an empty account: f8 44 80 80 a0 <empty root> a0 <empty code hash> */
  uint8_t out[VC_SR_ACCOUNT_RLP_MAX];
  size_t n;
  vc_u256 zero = {{0}};
  assert_int_equal(vc_account_rlp(0, &zero, vc_trie_empty_root, vc_sr_empty_code_hash, out, &n,
                                  &err), VC_OK);
  assert_int_equal(n, 70);
  assert_int_equal(out[0], 0xf8);
  assert_int_equal(out[1], 0x44);
  assert_int_equal(out[2], 0x80);
  assert_int_equal(out[3], 0x80);
  assert_int_equal(out[4], 0xa0);
  assert_memory_equal(out + 5, vc_trie_empty_root, 32);
  /* the largest account fits the named cap */
  vc_u256 max = {{UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX}};
  assert_int_equal(vc_account_rlp(UINT64_MAX, &max, r, h, out, &n, &err), VC_OK);
  assert_true(n <= VC_SR_ACCOUNT_RLP_MAX);
}

/* stLogTests log{0,1,2}_nonEmptyMem: the callee at 0x0f57... stores 32 bytes of 0xff at
 * memory 0 and logs them with 0, 1 or 2 zero topics; the logs hash is the fixture's. */
static void test_logs_hash(void **state) {
  (void)state;
  static const char *const want[] = {
      "0x4b78f5979516c0624506af0eb4124e0a6ae9e21c82a3a90ca2999983634d7338",
      "0x2e3c489a64cf3233b1ac4d42fd1f6e2430f6d99524c57dba5471d3b41a20fdc0",
      "0x6e02fdc5f0bf3152415cc76a6ed19cd23f9eee9c8ada826de72bfab8c0bbb103",
  };
  uint8_t data[32], topics[2][32] = {{0}}, got[32], w[32];
  vc_err err;
  memset(data, 0xff, sizeof data);
  vc_sr_log l = {.topics = topics, .data = data, .data_len = 32};
  hex_fixed("0x0f572e5295c57f15886f9b263e2f6d2d6c7b5ec6", l.address, 20);
  for (size_t t = 0; t < 3; t++) {
    l.n_topics = t;
    assert_int_equal(vc_logs_hash(&l, 1, got, &err), VC_OK);
    hex_fixed(want[t], w, 32);
    assert_memory_equal(got, w, 32);
  }
  /* one byte less of data: a different hash */
  l.data_len = 31;
  assert_int_equal(vc_logs_hash(&l, 1, got, &err), VC_OK);
  assert_memory_not_equal(got, w, 32);
  /* no logs: keccak(0xc0), the value of every log-free state test */
  assert_int_equal(vc_logs_hash(NULL, 0, got, &err), VC_OK);
  hex_fixed("0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347", w, 32);
  assert_memory_equal(got, w, 32);
  /* five topics is past LOG4 */
  uint8_t five[5][32] = {{0}};
  l.topics = five;
  l.n_topics = 5;
  assert_int_equal(vc_logs_hash(&l, 1, got, &err), VC_ERR_LIMIT);
  assert_non_null(strstr(err.msg, "topics"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_secure_trie_vectors),
      cmocka_unit_test(test_blockchain_pre_and_post),
      cmocka_unit_test(test_hive_genesis),
      cmocka_unit_test(test_empty_and_account_rlp),
      cmocka_unit_test(test_logs_hash),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

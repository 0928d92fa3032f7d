/*
 * test_mpt.c: Merkle-Patricia proof verification.
 *
 * Real proofs: helios mainnet eth_getProof (account + storage) against block.json's
 * stateRoot; the execution-apis hive chain account proof against the block-54
 * stateRoot, including two EXCLUSION proofs built from its real nodes (an address whose
 * path ends in an empty branch slot, one whose path diverges at the leaf). Embedded
 * (< 32 byte) nodes: the trie of ethereum-tests trieanyorder.json "smallValues", built
 * here node by node and checked against the fixture's root. Tamper: every byte of every
 * node flipped, wrong root, missing/extra nodes, caps, hex-prefix vectors.
 */
#include "testutil.h"
#include "core/hex.h"
#include "core/keccak.h"
#include "core/mpt.h"
#include "core/rlp.h"

#include <jansson.h>

#define MAXN 16

typedef struct {
  uint8_t *buf[MAXN];
  vc_bytes nodes[MAXN];
  size_t n;
} proof;

static void proof_load(proof *p, const json_t *arr) {
  memset(p, 0, sizeof *p);
  p->n = json_array_size(arr);
  assert_true(p->n > 0 && p->n <= MAXN);
  for (size_t i = 0; i < p->n; i++) {
    const char *s = json_string_value(json_array_get(arr, i));
    size_t sl = strlen(s), got = 0;
    p->buf[i] = malloc(sl / 2 + 1);
    assert_int_equal(vc_hex_decode(s, sl, p->buf[i], sl / 2, &got), VC_OK);
    p->nodes[i] = vc_bytes_of(p->buf[i], got);
  }
}

static void proof_free(proof *p) {
  for (size_t i = 0; i < p->n; i++) free(p->buf[i]);
}

static json_t *load_json(const char *path) {
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  if (!root) fail_msg("%s: %s", path, je.text);
  return root;
}

static void hex_fixed(const char *s, uint8_t *out, size_t n) {
  assert_int_equal(vc_hex_decode_fixed(s, strlen(s), out, n), VC_OK);
}

/* Flip every byte of every node in turn: verification must fail each time. */
static void tamper_every_byte(const uint8_t root[32], const uint8_t key[32], proof *p) {
  size_t flips = 0;
  for (size_t i = 0; i < p->n; i++) {
    uint8_t *b = p->buf[i];
    for (size_t j = 0; j < p->nodes[i].len; j++) {
      b[j] ^= 0x01;
      vc_bytes v;
      vc_err err;
      vc_status st = vc_mpt_verify(root, key, 32, p->nodes, p->n, &v, &err);
      b[j] ^= 0x01;
      if (st == VC_OK) fail_msg("node %zu byte %zu flipped: still verified", i, j);
      flips++;
    }
  }
  fprintf(stderr, "tamper: %zu single-byte flips all rejected\n", flips);
}

static void test_helios_account_and_storage(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(bpath, "helios/tests/testdata/rpc/block.json");
  json_t *block = load_json(bpath);
  uint8_t root[32];
  hex_fixed(json_string_value(json_object_get(block, "stateRoot")), root, 32);
  json_decref(block);
  const char *ppath = fixture_path("helios/tests/testdata/rpc/proof.json");
  json_t *res = load_json(ppath);
  uint8_t addr[20], key[32];
  hex_fixed(json_string_value(json_object_get(res, "address")), addr, 20);
  vc_keccak256(addr, 20, key);
  proof p;
  proof_load(&p, json_object_get(res, "accountProof"));
  vc_bytes v;
  vc_err err;
  if (vc_mpt_verify(root, key, 32, p.nodes, p.n, &v, &err) != VC_OK) fail_msg("%s", err.msg);
  /* the leaf value is the account: [nonce=1, balance, storageRoot, codeHash] */
  vc_rlp_item acct, f[4];
  size_t nf;
  assert_int_equal(vc_rlp_decode(v, &acct, &err), VC_OK);
  assert_int_equal(vc_rlp_list_items(acct.payload, f, 4, &nf, &err), VC_OK);
  uint8_t bal[32], want_bal[32] = {0};
  assert_int_equal(vc_rlp_uint256(&f[1], bal, &err), VC_OK);
  long bn = test_unhex("2fb161afe600a5b2605040", want_bal + 21, 11);
  assert_int_equal(bn, 11);
  assert_memory_equal(bal, want_bal, 32);
  uint8_t sroot[32];
  memcpy(sroot, f[2].payload.ptr, 32);

  /* wrong root */
  uint8_t bad_root[32];
  memcpy(bad_root, root, 32);
  bad_root[31] ^= 1;
  assert_int_equal(vc_mpt_verify(bad_root, key, 32, p.nodes, p.n, &v, &err), VC_ERR_MISMATCH);
  assert_non_null(strstr(err.msg, "node 0"));
  /* missing last node, extra node, reordered nodes */
  assert_int_equal(vc_mpt_verify(root, key, 32, p.nodes, p.n - 1, &v, &err), VC_ERR_MISSING);
  vc_bytes more[MAXN + 1];
  memcpy(more, p.nodes, p.n * sizeof more[0]);
  more[p.n] = p.nodes[0];
  assert_int_equal(vc_mpt_verify(root, key, 32, more, p.n + 1, &v, &err), VC_ERR_INPUT);
  vc_bytes swapped[MAXN];
  memcpy(swapped, p.nodes, p.n * sizeof swapped[0]);
  swapped[1] = p.nodes[2];
  swapped[2] = p.nodes[1];
  assert_int_equal(vc_mpt_verify(root, key, 32, swapped, p.n, &v, &err), VC_ERR_MISMATCH);
  assert_non_null(strstr(err.msg, "node 1"));
  /* the same proof with another key whose last nibble differs: the leaf diverges, so the
   * key is proven absent */
  uint8_t key2[32];
  memcpy(key2, key, 32);
  key2[31] ^= 0x01;
  assert_int_equal(vc_mpt_verify(root, key2, 32, p.nodes, p.n, &v, &err), VC_OK);
  assert_int_equal(v.len, 0);
  tamper_every_byte(root, key, &p);
  proof_free(&p);

  /* storage slot 1 against the proven storage root */
  json_t *sp = json_array_get(json_object_get(res, "storageProof"), 0);
  uint8_t slot[32], skey[32];
  hex_fixed(json_string_value(json_object_get(sp, "key")), slot, 32);
  vc_keccak256(slot, 32, skey);
  proof_load(&p, json_object_get(sp, "proof"));
  if (vc_mpt_verify(sroot, skey, 32, p.nodes, p.n, &v, &err) != VC_OK) fail_msg("%s", err.msg);
  vc_rlp_item sv;
  uint8_t val[32], want[32];
  assert_int_equal(vc_rlp_decode(v, &sv, &err), VC_OK);
  assert_int_equal(vc_rlp_uint256(&sv, val, &err), VC_OK);
  hex_fixed(json_string_value(json_object_get(sp, "value")), want, 32);
  assert_memory_equal(val, want, 32);
  tamper_every_byte(sroot, skey, &p);
  proof_free(&p);
  json_decref(res);
}

/* The hive test chain's block 54: stateRoot from eth_getBlockByNumber/get-latest.io. */
static json_t *io_response(const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  assert_non_null(text);
  char *line = strstr(text, "\n<< ");
  assert_non_null(line);
  json_error_t je;
  json_t *resp = json_loadb(line + 4, strcspn(line + 4, "\n"), 0, &je);
  free(text);
  if (!resp) fail_msg("%s: %s", path, je.text);
  json_t *res = json_incref(json_object_get(resp, "result"));
  json_decref(resp);
  return res;
}

static void test_hive_inclusion_and_exclusion(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(bpath, "execution-apis/tests/eth_getBlockByNumber/get-latest.io");
  json_t *blk = io_response(bpath);
  uint8_t root[32];
  hex_fixed(json_string_value(json_object_get(blk, "stateRoot")), root, 32);
  json_decref(blk);
  json_t *res = io_response(fixture_path("execution-apis/tests/eth_getProof/get-account-proof-latest.io"));
  proof p;
  proof_load(&p, json_object_get(res, "accountProof"));
  assert_int_equal(p.n, 3);
  uint8_t addr[20], key[32];
  hex_fixed(json_string_value(json_object_get(res, "address")), addr, 20);
  vc_keccak256(addr, 20, key);
  vc_bytes v;
  vc_err err;
  if (vc_mpt_verify(root, key, 32, p.nodes, p.n, &v, &err) != VC_OK) fail_msg("%s", err.msg);
  assert_true(v.len > 0);
  /* Exclusion, found by searching small addresses against these real nodes:
   * 0x..16 shares the first nibble, then hits an empty slot in branch node 1;
   * 0x..01f4 follows both branches and ends at a leaf for another key. */
  uint8_t a22[20] = {0}, a500[20] = {0};
  a22[19] = 0x16;
  a500[18] = 0x01;
  a500[19] = 0xf4;
  vc_keccak256(a22, 20, key);
  assert_int_equal(vc_mpt_verify(root, key, 32, p.nodes, 2, &v, &err), VC_OK);
  assert_int_equal(v.len, 0);
  /* with the leaf appended the proof has a node past the end of the path */
  assert_int_equal(vc_mpt_verify(root, key, 32, p.nodes, 3, &v, &err), VC_ERR_INPUT);
  vc_keccak256(a500, 20, key);
  assert_int_equal(vc_mpt_verify(root, key, 32, p.nodes, 3, &v, &err), VC_OK);
  assert_int_equal(v.len, 0);
  /* an exclusion claim cannot be made with a truncated proof */
  assert_int_equal(vc_mpt_verify(root, key, 32, p.nodes, 2, &v, &err), VC_ERR_MISSING);
  tamper_every_byte(root, key, &p);
  proof_free(&p);
  json_decref(res);
}

/* ethereum-tests trieanyorder.json "smallValues": {be: e, bed: d, dog: puppy}.
 * root ext [6] -> branch B1 (hashed): slot 2 -> ext [6,5] -> branch B2 (value "e",
 * slot 6 -> leaf [4] "d"), slot 4 -> leaf [6,f,6,7] "puppy". Everything below B1 is
 * embedded. */
static size_t build_small_values(uint8_t root_node[64], uint8_t b1[128]) {
  vc_rlp_buf leaf_bed, b2, e2, leaf_dog, br1, rext;
  vc_rlp_buf_init(&leaf_bed, 64);
  size_t m = vc_rlp_list_begin(&leaf_bed);
  vc_rlp_put_bytes(&leaf_bed, (const uint8_t *)"\x34", 1);
  vc_rlp_put_bytes(&leaf_bed, (const uint8_t *)"d", 1);
  vc_rlp_list_end(&leaf_bed, m);
  vc_rlp_buf_init(&b2, 64);
  m = vc_rlp_list_begin(&b2);
  for (int i = 0; i < 16; i++) {
    if (i == 6) vc_rlp_put_raw(&b2, leaf_bed.buf, leaf_bed.len);
    else vc_rlp_put_bytes(&b2, NULL, 0);
  }
  vc_rlp_put_bytes(&b2, (const uint8_t *)"e", 1);
  vc_rlp_list_end(&b2, m);
  vc_rlp_buf_init(&e2, 64);
  m = vc_rlp_list_begin(&e2);
  vc_rlp_put_bytes(&e2, (const uint8_t *)"\x00\x65", 2);
  vc_rlp_put_raw(&e2, b2.buf, b2.len);
  vc_rlp_list_end(&e2, m);
  vc_rlp_buf_init(&leaf_dog, 64);
  m = vc_rlp_list_begin(&leaf_dog);
  vc_rlp_put_bytes(&leaf_dog, (const uint8_t *)"\x20\x6f\x67", 3);
  vc_rlp_put_bytes(&leaf_dog, (const uint8_t *)"puppy", 5);
  vc_rlp_list_end(&leaf_dog, m);
  vc_rlp_buf_init(&br1, 128);
  m = vc_rlp_list_begin(&br1);
  for (int i = 0; i < 17; i++) {
    if (i == 2) vc_rlp_put_raw(&br1, e2.buf, e2.len);
    else if (i == 4) vc_rlp_put_raw(&br1, leaf_dog.buf, leaf_dog.len);
    else vc_rlp_put_bytes(&br1, NULL, 0);
  }
  vc_rlp_list_end(&br1, m);
  assert_true(leaf_bed.len < 32 && b2.len < 32 && e2.len < 32 && leaf_dog.len < 32);
  assert_true(br1.len >= 32);
  uint8_t h[32];
  vc_keccak256(br1.buf, br1.len, h);
  vc_rlp_buf_init(&rext, 64);
  m = vc_rlp_list_begin(&rext);
  vc_rlp_put_bytes(&rext, (const uint8_t *)"\x16", 1);
  vc_rlp_put_bytes(&rext, h, 32);
  vc_rlp_list_end(&rext, m);
  assert_int_equal(vc_rlp_buf_status(&rext), VC_OK);
  assert_int_equal(vc_rlp_buf_status(&br1), VC_OK);
  memcpy(root_node, rext.buf, rext.len);
  memcpy(b1, br1.buf, br1.len);
  size_t packed = rext.len << 8 | br1.len;
  vc_rlp_buf *all[] = {&leaf_bed, &b2, &e2, &leaf_dog, &br1, &rext};
  for (size_t i = 0; i < 6; i++) vc_rlp_buf_free(all[i]);
  return packed;
}

static void test_embedded_nodes(void **state) {
  (void)state;
  uint8_t rn[64], b1[128], root[32], want[32];
  size_t packed = build_small_values(rn, b1);
  vc_bytes nodes[2] = {vc_bytes_of(rn, packed >> 8), vc_bytes_of(b1, packed & 0xff)};
  vc_keccak256(rn, packed >> 8, root);
  hex_fixed("0x3f67c7a47520f79faa29255d2d3c084a7a6df0453116ed7232ff10277a8be68b", want, 32);
  assert_memory_equal(root, want, 32); /* our hand-built trie is the canonical one */
  static const struct {
    const char *key, *value; /* value NULL = proven absent */
  } rows[] = {
      {"dog", "puppy"}, {"be", "e"}, {"bed", "d"},  {"bee", NULL}, {"b", NULL},
      {"dot", NULL},    {"d", NULL}, {"cat", NULL}, {"bedd", NULL}, {"A", NULL},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    vc_bytes v;
    vc_err err;
    const char *k = rows[i].key;
    size_t nn = (k[0] == 'A') ? 1 : 2; /* 'A' (0x41) diverges at the root extension */
    if (vc_mpt_verify(root, (const uint8_t *)k, strlen(k), nodes, nn, &v, &err) != VC_OK)
      fail_msg("key %s: %s", k, err.msg);
    if (!rows[i].value) {
      assert_int_equal(v.len, 0);
      continue;
    }
    assert_int_equal(v.len, strlen(rows[i].value));
    assert_memory_equal(v.ptr, rows[i].value, v.len);
  }
  /* a proof that lists the embedded nodes again is tolerated (identical bytes) */
  vc_rlp_item b1i, items[17];
  size_t n;
  vc_err err;
  assert_int_equal(vc_rlp_decode(nodes[1], &b1i, &err), VC_OK);
  assert_int_equal(vc_rlp_list_items(b1i.payload, items, 17, &n, &err), VC_OK);
  vc_bytes with_dog[3] = {nodes[0], nodes[1], items[4].raw};
  vc_bytes v;
  assert_int_equal(vc_mpt_verify(root, (const uint8_t *)"dog", 3, with_dog, 3, &v, &err), VC_OK);
  assert_int_equal(v.len, 5);
  /* tamper with the embedded leaf inside B1 */
  uint8_t b1c[128];
  memcpy(b1c, b1, nodes[1].len);
  vc_bytes tn[2] = {nodes[0], vc_bytes_of(b1c, nodes[1].len)};
  for (size_t j = 0; j < nodes[1].len; j++) {
    b1c[j] ^= 0x40;
    assert_int_not_equal(vc_mpt_verify(root, (const uint8_t *)"dog", 3, tn, 2, &v, &err), VC_OK);
    b1c[j] ^= 0x40;
  }
}

static void test_caps_and_garbage(void **state) {
  (void)state;
  uint8_t root[32] = {0}, key[40] = {0};
  vc_bytes nodes[VC_MPT_MAX_NODES + 1], v;
  vc_err err;
  static const uint8_t junk[] = {0xc0};
  for (size_t i = 0; i <= VC_MPT_MAX_NODES; i++) nodes[i] = vc_bytes_of(junk, 1);
  assert_int_equal(vc_mpt_verify(root, key, 32, nodes, 0, &v, &err), VC_ERR_MISSING);
  /* the empty trie: no nodes, or its single node 0x80, proves any key absent */
  uint8_t empty_root[32];
  vc_keccak256((const uint8_t *)"\x80", 1, empty_root);
  v.len = 7;
  assert_int_equal(vc_mpt_verify(empty_root, key, 32, nodes, 0, &v, &err), VC_OK);
  assert_int_equal(v.len, 0);
  vc_bytes e80 = vc_bytes_of("\x80", 1);
  assert_int_equal(vc_mpt_verify(empty_root, key, 32, &e80, 1, &v, &err), VC_OK);
  assert_int_equal(v.len, 0);
  vc_bytes two80[2] = {e80, e80};
  assert_int_not_equal(vc_mpt_verify(empty_root, key, 32, two80, 2, &v, &err), VC_OK);
  assert_int_equal(vc_mpt_verify(root, key, 32, nodes, VC_MPT_MAX_NODES + 1, &v, &err), VC_ERR_LIMIT);
  assert_int_equal(vc_mpt_verify(root, key, 33, nodes, 1, &v, &err), VC_ERR_LIMIT);
  /* a node that hashes to the root but is not a valid trie node */
  static const struct {
    const char *hex;
    vc_status want;
  } bad[] = {
      {"c0", VC_ERR_INPUT},           /* empty list */
      {"80", VC_OK},                  /* the empty trie node: every key absent */
      {"81ff", VC_ERR_INPUT},         /* not a list */
      {"c3010203", VC_ERR_INPUT},     /* 3 items */
      {"c28100", VC_ERR_INPUT},       /* non-canonical rlp */
      {"c24001", VC_ERR_INPUT},       /* hex-prefix flag 4 */
      {"c21001", VC_OK},              /* odd extension [0] -> child "\x01": bad reference */
      {"c23101", VC_OK},              /* leaf with odd path [1]: other key, absent */
      {"c22080", VC_ERR_INPUT},       /* leaf for the whole key with an empty value */
      {"c20101", VC_ERR_INPUT},       /* even hex-prefix with padding nibble 1 */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    uint8_t node[8];
    long n = test_unhex(bad[i].hex, node, sizeof node);
    vc_keccak256(node, (size_t)n, root);
    vc_bytes one = vc_bytes_of(node, (size_t)n);
    vc_status st = vc_mpt_verify(root, key, 0, &one, 1, &v, &err);
    if (i == 6) {
      /* key of 0 bytes: extension path [0] is longer than the key -> absent */
      assert_int_equal(st, VC_OK);
      assert_int_equal(v.len, 0);
      static const uint8_t k0[1] = {0x01};
      assert_int_equal(vc_mpt_verify(root, k0, 1, &one, 1, &v, &err), VC_ERR_INPUT);
      continue;
    }
    if (st != bad[i].want) fail_msg("row %zu (%s): got %s (%s)", i, bad[i].hex, vc_status_name(st), err.msg);
  }
}

static void test_hex_prefix_vectors(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, "ethereum-tests/BasicTests/hexencodetest.json");
  json_t *root = load_json(path);
  const char *name;
  json_t *tc;
  size_t count = 0;
  json_object_foreach(root, name, tc) {
    json_t *seq = json_object_get(tc, "seq");
    uint8_t hp[40], nib[80];
    long n = test_unhex(json_string_value(json_object_get(tc, "out")), hp, sizeof hp);
    assert_true(n > 0);
    size_t nn = 0;
    bool leaf = false;
    vc_err err;
    assert_int_equal(vc_mpt_hp_decode(vc_bytes_of(hp, (size_t)n), nib, sizeof nib, &nn, &leaf, &err), VC_OK);
    assert_int_equal(leaf, json_is_true(json_object_get(tc, "term")));
    assert_int_equal(nn, json_array_size(seq));
    for (size_t i = 0; i < nn; i++) assert_int_equal(nib[i], json_integer_value(json_array_get(seq, i)));
    count++;
  }
  json_decref(root);
  assert_true(count >= 8);
  uint8_t nib[4];
  size_t nn;
  bool leaf;
  vc_err err;
  assert_int_equal(vc_mpt_hp_decode(vc_bytes_of("\x11\x23", 2), nib, 2, &nn, &leaf, &err), VC_ERR_LIMIT);
  assert_int_equal(vc_mpt_hp_decode(vc_bytes_of(NULL, 0), nib, 4, &nn, &leaf, &err), VC_ERR_INPUT);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_helios_account_and_storage),
      cmocka_unit_test(test_hive_inclusion_and_exclusion),
      cmocka_unit_test(test_embedded_nodes),
      cmocka_unit_test(test_caps_and_garbage),
      cmocka_unit_test(test_hex_prefix_vectors),
  };
  return cmocka_run_group_tests_name("mpt", tests, NULL, NULL);
}

/*
 * test_tx.c: transaction encodings, hashes, roots and senders on real data.
 *
 * Nimbus per-fork mainnet blocks (every tx type, every tx's hash and sender, the
 * transactionsRoot), execution-apis transactions (hive chain: legacy, 2930, 1559, blob,
 * 7702) and the raw transactions of chain.rlp (root per block, sender per tx), colibri's
 * type-4 tx, ethereum/tests TransactionTests (valid: hash + sender; RLP/address errors:
 * rejected). Tamper: one field of a tx -> hash or root mismatch.
 */
#include "corefix.h"

#include <dirent.h>

#include "core/keccak.h"
#include "core/trie.h"
#include "core/tx.h"

#define NIMBUS "nimbus-verified-proxy/nimbus_verified_proxy/tests/data/"

static const char *const full_blocks[] = {
    NIMBUS "Frontier.json",   NIMBUS "Homestead.json",       NIMBUS "DAO.json",
    NIMBUS "TangerineWhistle.json", NIMBUS "SpuriousDragon.json", NIMBUS "Byzantium.json",
    NIMBUS "Constantinople.json", NIMBUS "Istanbul.json",    NIMBUS "MuirGlacier.json",
    NIMBUS "StakingDeposit.json", NIMBUS "Berlin.json",      NIMBUS "London.json",
    NIMBUS "ArrowGlacier.json", NIMBUS "GrayGlacier.json",   NIMBUS "Paris.json",
    NIMBUS "Shanghai.json",   NIMBUS "Cancun.json",          NIMBUS "Prague.json",
    NIMBUS "22431082.json",   NIMBUS "22431083.json",        NIMBUS "22431085.json",
    NIMBUS "22431086.json",   NIMBUS "block_0x17a2d23.json", NIMBUS "proof_block.json",
};

static void test_nimbus_blocks(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, NIMBUS "Prague.json");
  (void)p;
  unsigned types = 0;
  size_t total = 0;
  for (size_t i = 0; i < sizeof full_blocks / sizeof full_blocks[0]; i++) {
    json_t *b = cf_load_result(full_blocks[i]);
    vc_header h;
    vc_err err;
    assert_int_equal(vc_header_from_json(b, &h, &err), VC_OK);
    json_t *txs = json_object_get(b, "transactions");
    if (vc_verify_transactions(txs, h.transactions_root, &err) != VC_OK)
      fail_msg("%s: %s", full_blocks[i], err.msg);
    size_t k;
    json_t *tx;
    json_array_foreach(txs, k, tx) {
      const char *t = json_string_value(json_object_get(tx, "type"));
      types |= 1u << (t ? strtoul(t, NULL, 16) : 0);
    }
    total += json_array_size(txs);
    json_decref(b);
  }
  assert_int_equal(types, 0x1f); /* legacy, 2930, 1559, 4844, 7702 */
  fprintf(stderr, "tx: %zu mainnet transactions verified (hash, sender, root)\n", total);
}

static void test_execution_apis_json(void **state) {
  (void)state;
  static const char *const files[] = {
      "execution-apis/tests/eth_getTransactionByHash/get-access-list.io",
      "execution-apis/tests/eth_getTransactionByHash/get-blob-tx.io",
      "execution-apis/tests/eth_getTransactionByHash/get-dynamic-fee.io",
      "execution-apis/tests/eth_getTransactionByHash/get-legacy-create.io",
      "execution-apis/tests/eth_getTransactionByHash/get-legacy-input.io",
      "execution-apis/tests/eth_getTransactionByHash/get-legacy-tx.io",
      "execution-apis/tests/eth_getTransactionByHash/get-setcode-tx.io",
      "execution-apis/tests/eth_getTransactionByBlockHashAndIndex/get-block-n.io",
      "execution-apis/tests/eth_getTransactionByBlockNumberAndIndex/get-block-n.io",
      "colibri-stateless/test/data/eth_getTransaction_Type_4/"
      "eth_getTransactionByHash_0xb694ec15f78c7955a38926c1a6a93ca16d82b30a8c4712317dabb9a97b0c6a78.json",
  };
  FIXTURE_OR_SKIP(p, files[0]);
  (void)p;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    json_t *tx = strstr(files[i], ".io") ? cf_io_result(files[i]) : cf_load_result(files[i]);
    assert_non_null(tx);
    vc_err err;
    uint8_t h[32];
    if (vc_verify_tx(tx, h, &err) != VC_OK) fail_msg("%s: %s", files[i], err.msg);
    json_decref(tx);
  }
}

/* Raw transactions of every chain.rlp block: root per block, decode + sender per tx. */
static void test_chain_rlp_raw(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "execution-apis/tests/chain.rlp");
  size_t len = 0, ntx = 0;
  uint8_t *buf = (uint8_t *)read_file(p, &len);
  vc_bytes cur = vc_bytes_of(buf, len);
  vc_err err;
  unsigned types = 0;
  while (cur.len) {
    vc_rlp_item blk, hdr, txs;
    assert_int_equal(vc_rlp_next(&cur, &blk, &err), VC_OK);
    vc_bytes inner = blk.payload;
    assert_int_equal(vc_rlp_next(&inner, &hdr, &err), VC_OK);
    assert_int_equal(vc_rlp_next(&inner, &txs, &err), VC_OK);
    vc_header h;
    assert_int_equal(vc_header_from_rlp(hdr.raw, &h, &err), VC_OK);
    vc_bytes vals[64];
    size_t n = 0;
    vc_bytes tc = txs.payload;
    while (tc.len) {
      vc_rlp_item t;
      assert_int_equal(vc_rlp_next(&tc, &t, &err), VC_OK);
      assert_true(n < 64);
      vals[n] = t.is_list ? t.raw : t.payload; /* typed txs are wrapped in a string */
      vc_tx_raw raw;
      if (vc_tx_decode_raw(vals[n], &raw, &err) != VC_OK) fail_msg("block %llu tx %zu: %s",
                                                                    (unsigned long long)h.number, n, err.msg);
      uint8_t from[20];
      assert_int_equal(vc_tx_sender_raw(&raw, from, &err), VC_OK);
      types |= 1u << raw.type;
      n++;
    }
    uint8_t root[32];
    assert_int_equal(vc_trie_ordered_root(vals, n, root, &err), VC_OK);
    assert_memory_equal(root, h.transactions_root, 32);
    ntx += n;
  }
  assert_true(ntx >= 200);
  assert_int_equal(types, 0x1f);
  free(buf);
}

static void test_raw_tx_io(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "execution-apis/tests/debug_getRawTransaction/get-tx.io");
  (void)p;
  json_t *r = cf_io_result("execution-apis/tests/debug_getRawTransaction/get-tx.io");
  size_t len;
  uint8_t *raw = cf_unhex(json_string_value(r), &len);
  vc_tx_raw t;
  vc_err err;
  assert_int_equal(vc_tx_decode_raw(vc_bytes_of(raw, len), &t, &err), VC_OK);
  /* truncated, trailing byte, unknown type, type-0 envelope */
  assert_int_not_equal(vc_tx_decode_raw(vc_bytes_of(raw, len - 1), &t, &err), VC_OK);
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, raw, len);
  longer[len] = 0x80;
  assert_int_equal(vc_tx_decode_raw(vc_bytes_of(longer, len + 1), &t, &err), VC_ERR_INPUT);
  static const uint8_t t7[] = {0x07, 0xc0}, t0[] = {0x00, 0xc0}, str[] = {0x81, 0x90};
  assert_int_equal(vc_tx_decode_raw(vc_bytes_of(t7, 2), &t, &err), VC_ERR_INPUT);
  assert_int_equal(vc_tx_decode_raw(vc_bytes_of(t0, 2), &t, &err), VC_ERR_INPUT);
  assert_int_equal(vc_tx_decode_raw(vc_bytes_of(str, 2), &t, &err), VC_ERR_INPUT);
  assert_int_equal(vc_tx_decode_raw(vc_bytes_of(str, 0), &t, &err), VC_ERR_INPUT);
  free(longer);
  free(raw);
  json_decref(r);
}

/* ethereum/tests TransactionTests: the newest fork listed decides. */
static void run_tt_file(const char *path, size_t *ok, size_t *rejected) {
  json_error_t je;
  json_t *root = json_load_file(path, 0, &je);
  assert_non_null(root);
  const char *name;
  json_t *tc;
  static const char *const forks[] = {"Prague", "Cancun", "Shanghai", "Paris", "London"};
  json_object_foreach(root, name, tc) {
    json_t *res = NULL;
    for (size_t f = 0; f < 5 && !res; f++) res = json_object_get(json_object_get(tc, "result"), forks[f]);
    if (!res) continue;
    const char *txhex = json_string_value(json_object_get(tc, "txbytes"));
    size_t len;
    uint8_t *raw = cf_unhex(txhex, &len);
    vc_tx_raw t;
    vc_err err;
    vc_status st = vc_tx_decode_raw(vc_bytes_of(raw, len), &t, &err);
    const char *exc = json_string_value(json_object_get(res, "exception"));
    if (!exc) {
      if (st != VC_OK) fail_msg("%s/%s: valid tx rejected: %s", path, name, err.msg);
      uint8_t want[32], from[20], wfrom[20];
      test_unhex(json_string_value(json_object_get(res, "hash")), want, 32);
      assert_memory_equal(t.hash, want, 32);
      assert_int_equal(vc_tx_sender_raw(&t, from, &err), VC_OK);
      test_unhex(json_string_value(json_object_get(res, "sender")), wfrom, 20);
      assert_memory_equal(from, wfrom, 20);
      (*ok)++;
    } else if (strstr(exc, "RLP_") || strstr(exc, "ADDRESS_TOO") || strstr(exc, "TYPE_NOT")) {
      if (st == VC_OK) fail_msg("%s/%s: %s accepted", path, name, exc);
      (*rejected)++;
    }
    free(raw);
  }
  json_decref(root);
}

static void test_transaction_tests(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "ethereum-tests/TransactionTests");
  char base[4096];
  snprintf(base, sizeof base, "%s", p);
  size_t ok = 0, rejected = 0;
  DIR *d = opendir(base);
  assert_non_null(d);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char sub[4096 + 256];
    snprintf(sub, sizeof sub, "%s/%s", base, e->d_name);
    DIR *d2 = opendir(sub);
    if (!d2) continue;
    struct dirent *f;
    while ((f = readdir(d2))) {
      if (!strstr(f->d_name, ".json")) continue;
      char path[4096 + 512];
      snprintf(path, sizeof path, "%s/%s", sub, f->d_name);
      run_tt_file(path, &ok, &rejected);
    }
    closedir(d2);
  }
  closedir(d);
  fprintf(stderr, "tx: TransactionTests %zu valid (hash+sender), %zu malformed rejected\n", ok,
          rejected);
  assert_true(ok >= 40);
  assert_true(rejected >= 40);
}

typedef void (*tamper_fn)(json_t *tx);
static void t_value(json_t *tx) { cf_flip_hex(tx, "value"); }
static void t_nonce(json_t *tx) { cf_flip_hex(tx, "nonce"); }
static void t_input(json_t *tx) { json_object_set_new(tx, "input", json_string("0x00")); }
static void t_to(json_t *tx) { cf_flip_hex(tx, "to"); }
static void t_r(json_t *tx) { cf_flip_hex(tx, "r"); }
static void t_from(json_t *tx) { cf_flip_hex(tx, "from"); }
static void t_blob(json_t *tx) {
  json_t *a = json_object_get(tx, "blobVersionedHashes");
  if (!a) { cf_flip_hex(tx, "gas"); return; }
  json_array_remove(a, 0);
}
static void t_type(json_t *tx) {
  const char *t = json_string_value(json_object_get(tx, "type"));
  json_object_set_new(tx, "type", json_string(strcmp(t, "0x2") ? "0x2" : "0x1"));
}

static void test_tamper(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, NIMBUS "Prague.json");
  (void)p;
  static const tamper_fn fns[] = {t_value, t_nonce, t_input, t_to, t_r, t_from, t_blob, t_type};
  json_t *b = cf_load_result(NIMBUS "Prague.json");
  vc_header h;
  vc_err err;
  assert_int_equal(vc_header_from_json(b, &h, &err), VC_OK);
  json_t *txs = json_object_get(b, "transactions");
  /* the first tx of each type in the block, every tamper */
  unsigned seen = 0;
  size_t i;
  json_t *tx;
  json_array_foreach(txs, i, tx) {
    unsigned t = (unsigned)strtoul(json_string_value(json_object_get(tx, "type")), NULL, 16);
    if (seen & (1u << t) || !json_is_string(json_object_get(tx, "to"))) continue;
    seen |= 1u << t;
    for (size_t k = 0; k < sizeof fns / sizeof fns[0]; k++) {
      json_t *copy = json_deep_copy(tx);
      fns[k](copy);
      vc_status st = vc_verify_tx(copy, NULL, &err);
      if (st == VC_OK) fail_msg("tx type %u tamper %zu accepted", t, k);
      /* and inside the block: the root or the hash fails */
      json_t *bt = json_deep_copy(txs);
      json_array_set(bt, i, copy);
      json_object_set_new(copy, "hash", json_string("0x00"));
      assert_int_not_equal(vc_verify_transactions(bt, h.transactions_root, &err), VC_OK);
      json_decref(bt);
      json_decref(copy);
    }
  }
  assert_true(seen & 0x4);
  /* a consistent tx list that is not the block's: drop one -> root mismatch */
  json_t *bt = json_deep_copy(txs);
  json_array_remove(bt, json_array_size(bt) - 1);
  assert_int_equal(vc_verify_transactions(bt, h.transactions_root, &err), VC_ERR_MISMATCH);
  json_decref(bt);
  json_decref(b);
}

static void test_bad_json(void **state) {
  (void)state;
  static const char *const bad[] = {
      "{\"type\":\"0x9\",\"hash\":\"0x00\"}",
      "{\"type\":\"0x2\",\"chainId\":\"0x1\",\"nonce\":\"0x1\"}",
      "{\"nonce\":\"0x01\",\"gasPrice\":\"0x1\",\"gas\":\"0x1\",\"to\":null,\"value\":\"0x0\","
      "\"input\":\"0x\",\"v\":\"0x1b\",\"r\":\"0x1\",\"s\":\"0x1\"}",
      "{\"nonce\":\"0x1\",\"gasPrice\":\"0x1\",\"gas\":\"0x1\",\"to\":\"0x12\",\"value\":\"0x0\","
      "\"input\":\"0x\",\"v\":\"0x1b\",\"r\":\"0x1\",\"s\":\"0x1\"}",
      "{\"nonce\":\"0x1\",\"gasPrice\":\"0x1\",\"gas\":\"0x1\",\"to\":null,\"value\":\"0x0\","
      "\"input\":\"0x\",\"v\":\"0x25\",\"chainId\":\"0x5\",\"r\":\"0x1\",\"s\":\"0x1\"}",
      "{\"type\":\"0x2\",\"chainId\":\"0x1\",\"nonce\":\"0x1\",\"maxPriorityFeePerGas\":\"0x1\","
      "\"maxFeePerGas\":\"0x1\",\"gas\":\"0x1\",\"to\":null,\"value\":\"0x0\",\"input\":\"0x\","
      "\"accessList\":[],\"yParity\":\"0x2\",\"r\":\"0x1\",\"s\":\"0x1\"}",
      "{\"type\":\"0x3\",\"chainId\":\"0x1\",\"nonce\":\"0x1\",\"maxPriorityFeePerGas\":\"0x1\","
      "\"maxFeePerGas\":\"0x1\",\"gas\":\"0x1\",\"to\":null,\"value\":\"0x0\",\"input\":\"0x\","
      "\"accessList\":[],\"maxFeePerBlobGas\":\"0x1\",\"blobVersionedHashes\":[],"
      "\"yParity\":\"0x0\",\"r\":\"0x1\",\"s\":\"0x1\"}",
      "[]",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    json_t *j = json_loads(bad[i], 0, NULL);
    assert_non_null(j);
    uint8_t h[32];
    vc_err err;
    if (vc_tx_hash(j, h, &err) == VC_OK) fail_msg("bad tx %zu accepted", i);
    json_decref(j);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nimbus_blocks),   cmocka_unit_test(test_execution_apis_json),
      cmocka_unit_test(test_chain_rlp_raw),   cmocka_unit_test(test_raw_tx_io),
      cmocka_unit_test(test_transaction_tests), cmocka_unit_test(test_tamper),
      cmocka_unit_test(test_bad_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_block.c: the block-level verifiers the gateway calls, on real blocks.
 *
 * vc_verify_block on every nimbus full block (header, txs + senders + root, withdrawals,
 * uncles hash, size) and on hash-only blocks (strict fails with MISSING, the lenient
 * form says what is unproven); tx hashes vs a verified full block; tx/receipt in block;
 * eth_getBlockReceipts against the header and the full block (colibri TrieTests, helios,
 * execution-apis); eth_getLogs for a block (colibri electra USDC logs, helios deposit
 * log, execution-apis filters and bloom skipping over chain.rlp). Every check also has
 * tamper cases that must fail.
 */
#include "corefix.h"

#include "core/block.h"
#include "core/receipt.h"
#include "core/tx.h"

#define NIMBUS "nimbus-verified-proxy/nimbus_verified_proxy/tests/data/"
#define ELECTRA "colibri-stateless/test/data/eth_getLogs_electra/"
#define TRIE "colibri-stateless/test/eth/TrieTests/"

static const char *const full_blocks[] = {
    NIMBUS "Frontier.json",   NIMBUS "Homestead.json",       NIMBUS "DAO.json",
    NIMBUS "TangerineWhistle.json", NIMBUS "SpuriousDragon.json", NIMBUS "Byzantium.json",
    NIMBUS "Constantinople.json", NIMBUS "Istanbul.json",    NIMBUS "MuirGlacier.json",
    NIMBUS "StakingDeposit.json", NIMBUS "Berlin.json",      NIMBUS "London.json",
    NIMBUS "ArrowGlacier.json", NIMBUS "GrayGlacier.json",   NIMBUS "Paris.json",
    NIMBUS "Shanghai.json",   NIMBUS "Cancun.json",          NIMBUS "Prague.json",
    NIMBUS "block_0x17a2d23.json", NIMBUS "proof_block.json",
};

static void hash_of(const json_t *o, uint8_t h[32]) {
  assert_int_equal(test_unhex(json_string_value(json_object_get(o, "hash")), h, 32), 32);
}

static void test_full_blocks(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, NIMBUS "Prague.json");
  (void)p;
  for (size_t i = 0; i < sizeof full_blocks / sizeof full_blocks[0]; i++) {
    json_t *b = cf_load_result(full_blocks[i]);
    uint8_t want[32];
    hash_of(b, want);
    vc_header h;
    vc_block_check chk;
    vc_err err;
    if (vc_verify_block_ex(b, want, &h, &chk, &err) != VC_OK) fail_msg("%s: %s", full_blocks[i], err.msg);
    assert_true(chk.txs_full && chk.txs_proven && chk.senders_proven);
    assert_true(chk.size_proven);
    assert_true(chk.uncles_proven);
    assert_int_equal(chk.withdrawals_proven, vc_header_has(&h, VC_HF_WITHDRAWALS_ROOT));
    assert_int_equal(vc_verify_block(b, want, &h, &err), VC_OK);
    assert_int_equal(vc_verify_block(b, NULL, &h, &err), VC_OK);
    /* not the trusted hash */
    want[5] ^= 1;
    assert_int_equal(vc_verify_block(b, want, &h, &err), VC_ERR_MISMATCH);
    json_decref(b);
  }
}

typedef void (*btamper)(json_t *b);
static json_t *tx_at(json_t *b, size_t i) { return json_array_get(json_object_get(b, "transactions"), i); }
static void bt_tx_value(json_t *b) { cf_flip_hex(tx_at(b, 3), "value"); }
static void bt_tx_blockhash(json_t *b) { cf_flip_hex(tx_at(b, 3), "blockHash"); }
static void bt_tx_index(json_t *b) { json_object_set_new(tx_at(b, 3), "transactionIndex", json_string("0x4")); }
static void bt_tx_gasprice(json_t *b) { cf_flip_hex(tx_at(b, 3), "gasPrice"); }
static void bt_tx_from(json_t *b) { cf_flip_hex(tx_at(b, 3), "from"); }
static void bt_tx_drop(json_t *b) { json_array_remove(json_object_get(b, "transactions"), 5); }
static void bt_tx_swap(json_t *b) {
  json_t *txs = json_object_get(b, "transactions");
  json_t *a = json_incref(json_array_get(txs, 1));
  json_array_set(txs, 1, json_array_get(txs, 2));
  json_array_set_new(txs, 2, a);
}
static void bt_wd_amount(json_t *b) { cf_flip_hex(json_array_get(json_object_get(b, "withdrawals"), 0), "amount"); }
static void bt_wd_drop(json_t *b) { json_array_remove(json_object_get(b, "withdrawals"), 0); }
static void bt_size(json_t *b) { cf_flip_hex(b, "size"); }
static void bt_uncle(json_t *b) {
  json_array_append_new(json_object_get(b, "uncles"),
                        json_string("0x1111111111111111111111111111111111111111111111111111111111111111"));
}

static void test_tamper_block(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, NIMBUS "Prague.json");
  (void)p;
  static const struct {
    const char *name;
    btamper fn;
    vc_status want;
  } cases[] = {
      {"tx value", bt_tx_value, VC_ERR_MISMATCH},     {"tx blockHash", bt_tx_blockhash, VC_ERR_MISMATCH},
      {"tx index", bt_tx_index, VC_ERR_MISMATCH},     {"tx gasPrice", bt_tx_gasprice, VC_ERR_MISMATCH},
      {"tx from", bt_tx_from, VC_ERR_MISMATCH},       {"tx dropped", bt_tx_drop, VC_ERR_MISMATCH},
      {"txs swapped", bt_tx_swap, VC_ERR_MISMATCH},   {"withdrawal amount", bt_wd_amount, VC_ERR_MISMATCH},
      {"withdrawal dropped", bt_wd_drop, VC_ERR_MISMATCH}, {"size (not committed: left unproven, see below)", bt_size, VC_OK},
      {"uncle invented", bt_uncle, VC_ERR_MISSING},
  };
  /* skipping sender recovery is reported, and then a forged "from" is not caught */
  {
    json_t *b = cf_load_result(NIMBUS "Prague.json");
    bt_tx_from(b);
    vc_header h;
    vc_block_check chk;
    vc_err err;
    assert_int_equal(vc_verify_block_opts(b, NULL, VC_BLOCK_SKIP_SENDERS, &h, &chk, &err), VC_OK);
    assert_false(chk.senders_proven);
    assert_true(chk.txs_proven);
    assert_int_equal(vc_verify_block_ex(b, NULL, &h, &chk, &err), VC_ERR_MISMATCH);
    json_decref(b);
  }
  /* a wrong "size" is not committed to by any root: the block checks, size_proven is false */
  {
    json_t *b = cf_load_result(NIMBUS "Prague.json");
    vc_header h;
    vc_block_check chk;
    vc_err err;
    assert_int_equal(vc_verify_block_ex(b, NULL, &h, &chk, &err), VC_OK);
    assert_true(chk.size_proven);
    bt_size(b);
    assert_int_equal(vc_verify_block_ex(b, NULL, &h, &chk, &err), VC_OK);
    assert_false(chk.size_proven);
    json_decref(b);
  }
  json_t *orig = cf_load_result(NIMBUS "Prague.json");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *b = json_deep_copy(orig);
    cases[i].fn(b);
    vc_header h;
    vc_err err;
    vc_status st = vc_verify_block(b, NULL, &h, &err);
    if (st != cases[i].want) fail_msg("tamper %s: got %d (%s)", cases[i].name, st, err.msg);
    json_decref(b);
  }
  json_decref(orig);
}

static json_t *hashes_only(const json_t *full) {
  json_t *b = json_deep_copy(full), *hs = json_array();
  size_t i;
  json_t *tx;
  json_array_foreach(json_object_get(full, "transactions"), i, tx)
    json_array_append(hs, json_object_get(tx, "hash"));
  json_object_set_new(b, "transactions", hs);
  return b;
}

static void test_hash_only_blocks(void **state) {
  (void)state;
  static const char *const files[] = {"helios/tests/testdata/rpc/block.json",
                                      ELECTRA "eth_getBlockByNumber_0x1564967_false.json"};
  FIXTURE_OR_SKIP(p, files[0]);
  (void)p;
  for (size_t i = 0; i < 2; i++) {
    json_t *b = cf_load_result(files[i]);
    vc_header h;
    vc_block_check chk;
    vc_err err;
    assert_int_equal(vc_verify_block_ex(b, NULL, &h, &chk, &err), VC_OK);
    assert_false(chk.txs_full);
    assert_false(chk.txs_proven);
    assert_true(chk.n_txs > 0);
    assert_int_equal(vc_verify_block(b, NULL, &h, &err), VC_ERR_MISSING);
    assert_non_null(strstr(err.msg, "full"));
    json_decref(b);
  }
  /* execution-apis (hive chain, London..Prague): empty blocks are fully proven, size too */
  static const char *const ios[] = {
      "execution-apis/tests/eth_getBlockByNumber/get-genesis.io",
      "execution-apis/tests/eth_getBlockByNumber/get-block-london-fork.io",
      "execution-apis/tests/eth_getBlockByNumber/get-block-merge-fork.io",
      "execution-apis/tests/eth_getBlockByNumber/get-block-shanghai-fork.io",
      "execution-apis/tests/eth_getBlockByNumber/get-block-cancun-fork.io",
      "execution-apis/tests/eth_getBlockByNumber/get-block-prague-fork.io",
      "execution-apis/tests/eth_getBlockByNumber/get-latest.io",
      "execution-apis/tests/eth_getBlockByHash/get-block-by-hash.io",
  };
  size_t empty_blocks = 0, full_blocks_seen = 0;
  for (size_t i = 0; i < sizeof ios / sizeof ios[0]; i++) {
    json_t *b = cf_io_result(ios[i]);
    vc_header h;
    vc_block_check chk;
    vc_err err;
    if (vc_verify_block_ex(b, NULL, &h, &chk, &err) != VC_OK) fail_msg("%s: %s", ios[i], err.msg);
    if (chk.n_txs == 0) {
      assert_int_equal(vc_verify_block(b, NULL, &h, &err), VC_OK);
      assert_true(chk.txs_proven && chk.uncles_proven);
      assert_int_equal(chk.size_proven, vc_jf_present(b, "size"));
      empty_blocks++;
    } else if (chk.txs_full) { /* get-latest asks for full transactions */
      assert_true(chk.txs_proven && chk.senders_proven);
      assert_int_equal(vc_verify_block(b, NULL, &h, &err), VC_OK);
      full_blocks_seen++;
    } else {
      assert_int_equal(vc_verify_block(b, NULL, &h, &err), VC_ERR_MISSING);
    }
    if (chk.withdrawals_present) assert_true(chk.withdrawals_proven);
    json_decref(b);
  }
  assert_true(empty_blocks > 0);
  assert_true(full_blocks_seen > 0);
  /* the hash list proven from a verified full block */
  json_t *full = cf_load_result(NIMBUS "Prague.json");
  json_t *hb = hashes_only(full);
  vc_err err;
  vc_header h;
  assert_int_equal(vc_verify_block(full, NULL, &h, &err), VC_OK);
  json_t *hs = json_object_get(hb, "transactions"), *fs = json_object_get(full, "transactions");
  assert_int_equal(vc_verify_tx_hashes(hs, fs, &err), VC_OK);
  json_array_set_new(hs, 7, json_string("0x2222222222222222222222222222222222222222222222222222222222222222"));
  assert_int_equal(vc_verify_tx_hashes(hs, fs, &err), VC_ERR_MISMATCH);
  json_array_remove(hs, 7);
  assert_int_equal(vc_verify_tx_hashes(hs, fs, &err), VC_ERR_MISMATCH);
  /* an empty hash list is proven by the empty root; a wrong empty list is not */
  json_object_set_new(hb, "transactions", json_array());
  assert_int_equal(vc_verify_block(hb, NULL, &h, &err), VC_ERR_MISMATCH);
  json_decref(hb);
  json_decref(full);
}

static void test_tx_in_block(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, NIMBUS "Cancun.json");
  (void)p;
  json_t *b = cf_load_result(NIMBUS "Cancun.json");
  vc_header h;
  vc_err err;
  assert_int_equal(vc_verify_block(b, NULL, &h, &err), VC_OK);
  json_t *hb = hashes_only(b);
  size_t n = json_array_size(json_object_get(b, "transactions"));
  for (size_t i = 0; i < n; i += 17) {
    json_t *tx = json_deep_copy(tx_at(b, i));
    assert_int_equal(vc_verify_tx_in_block(tx, b, &err), VC_OK);
    assert_int_equal(vc_verify_tx_in_block(tx, hb, &err), VC_OK);
    /* claims another index */
    json_t *t2 = json_deep_copy(tx);
    json_object_set_new(t2, "transactionIndex", json_string(i ? "0x0" : "0x1"));
    assert_int_equal(vc_verify_tx_in_block(t2, b, &err), VC_ERR_MISMATCH);
    json_decref(t2);
    t2 = json_deep_copy(tx);
    cf_flip_hex(t2, "blockNumber");
    assert_int_equal(vc_verify_tx_in_block(t2, b, &err), VC_ERR_MISMATCH);
    json_decref(t2);
    t2 = json_deep_copy(tx);
    cf_flip_hex(t2, "input");
    assert_int_not_equal(vc_verify_tx_in_block(t2, b, &err), VC_OK);
    json_decref(t2);
    json_decref(tx);
  }
  json_t *tx = json_deep_copy(tx_at(b, 0));
  json_object_set_new(tx, "transactionIndex", json_string("0x10000"));
  assert_int_equal(vc_verify_tx_in_block(tx, b, &err), VC_ERR_MISMATCH);
  json_decref(tx);
  json_decref(hb);
  json_decref(b);
}

static void test_block_receipts(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, TRIE "block.json");
  (void)p;
  vc_header h;
  vc_err err;
  /* colibri: a hash-only block: receipts against the header and the tx hash list */
  json_t *b = cf_load_result(TRIE "block.json");
  json_t *rs = cf_load_result(TRIE "block_receipts.json");
  assert_int_equal(vc_verify_block_ex(b, NULL, &h, NULL, &err), VC_OK);
  if (vc_verify_block_receipts(rs, &h, b, &err) != VC_OK) fail_msg("colibri receipts: %s", err.msg);
  static const char *const keys[] = {"gasUsed", "transactionHash", "cumulativeGasUsed",
                                     "blockHash", "blockNumber", "status"};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    json_t *t = json_deep_copy(rs);
    cf_flip_hex(json_array_get(t, 9), keys[k]);
    vc_status st = vc_verify_block_receipts(t, &h, b, &err);
    if (st != VC_ERR_MISMATCH) fail_msg("receipt %s tamper: %d (%s)", keys[k], st, err.msg);
    json_decref(t);
  }
  json_decref(rs);
  json_decref(b);
  /* hive block 0x36: full block + its receipts: every tx-derived member proven */
  b = cf_io_result("execution-apis/tests/eth_getBlockByNumber/get-latest.io");
  rs = cf_io_result("execution-apis/tests/eth_getBlockReceipts/get-block-receipts-latest.io");
  assert_int_equal(vc_verify_block(b, NULL, &h, &err), VC_OK);
  if (vc_verify_block_receipts(rs, &h, b, &err) != VC_OK) fail_msg("hive 0x36 receipts: %s", err.msg);
  static const char *const txkeys[] = {"from", "to", "effectiveGasPrice", "contractAddress",
                                       "transactionHash", "type"};
  size_t tampered = 0;
  for (size_t k = 0; k < sizeof txkeys / sizeof txkeys[0]; k++) {
    size_t i;
    json_t *r;
    json_array_foreach(rs, i, r) {
      if (!json_is_string(json_object_get(r, txkeys[k]))) continue;
      json_t *t = json_deep_copy(rs);
      cf_flip_hex(json_array_get(t, i), txkeys[k]);
      vc_status st = vc_verify_block_receipts(t, &h, b, &err);
      if (st != VC_ERR_MISMATCH) fail_msg("hive receipt %zu %s tamper: %d (%s)", i, txkeys[k], st, err.msg);
      json_decref(t);
      tampered++;
      break;
    }
  }
  assert_true(tampered >= 5);
  json_decref(rs);
  json_decref(b);
  /* helios: receipts against a hash-only block */
  b = cf_load_result("helios/tests/testdata/rpc/block.json");
  rs = cf_load_result("helios/tests/testdata/rpc/receipts.json");
  assert_int_equal(vc_verify_block_ex(b, NULL, &h, NULL, &err), VC_OK);
  assert_int_equal(vc_verify_block_receipts(rs, &h, b, &err), VC_OK);
  vc_header h2 = h;
  h2.gas_used++;
  assert_int_equal(vc_verify_block_receipts(rs, &h2, NULL, &err), VC_ERR_MISMATCH);
  h2 = h;
  h2.logs_bloom[100] ^= 0x10;
  assert_int_equal(vc_verify_block_receipts(rs, &h2, NULL, &err), VC_ERR_MISMATCH);
  json_decref(rs);
  json_decref(b);
}

static void test_receipt_in_block(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "colibri-stateless/test/data/eth_getTransactionreceipt_electra/test.json");
  (void)p;
  json_t *t = cf_load("colibri-stateless/test/data/eth_getTransactionreceipt_electra/test.json");
  json_t *rs = cf_load_result(ELECTRA "eth_getBlockReceipts_0x1564966.json");
  json_t *want = json_object_get(t, "expected_result");
  vc_err err;
  uint8_t root[32];
  assert_int_equal(vc_receipts_root(rs, root, &err), VC_OK);
  assert_int_equal(vc_verify_receipts(rs, root, &err), VC_OK);
  assert_int_equal(vc_verify_receipt_in_block(want, rs, &err), VC_OK);
  static const char *const keys[] = {"status", "gasUsed", "transactionHash", "from", "logsBloom"};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
    json_t *c = json_deep_copy(want);
    cf_flip_hex(c, keys[k]);
    assert_int_equal(vc_verify_receipt_in_block(c, rs, &err), VC_ERR_MISMATCH);
    json_decref(c);
  }
  json_t *c = json_deep_copy(want);
  json_object_set_new(c, "invented", json_true());
  assert_int_equal(vc_verify_receipt_in_block(c, rs, &err), VC_ERR_MISMATCH);
  json_decref(c);
  json_decref(rs);
  json_decref(t);
}

/* eth_getTransactionReceipt vs its eth_getTransactionBy* tx and the chain.rlp header:
 * legacy, contract creation, 2930, 1559, blob, 7702. */
static void test_receipt_vs_tx(void **state) {
  (void)state;
  static const struct {
    const char *receipt, *tx;
  } pairs[] = {
      {"get-legacy-contract.io", "eth_getTransactionByBlockHashAndIndex/get-block-n.io"},
      {"get-access-list.io", "eth_getTransactionByHash/get-access-list.io"},
      {"get-setcode-tx.io", "eth_getTransactionByHash/get-setcode-tx.io"},
      {"get-legacy-receipt.io", "eth_getTransactionByHash/get-legacy-tx.io"},
      {"get-dynamic-fee.io", "eth_getTransactionByHash/get-dynamic-fee.io"},
      {"get-blob-tx.io", "eth_getTransactionByHash/get-blob-tx.io"},
  };
  FIXTURE_OR_SKIP(p, "execution-apis/tests/chain.rlp");
  (void)p;
  vc_header *hs;
  size_t nh = cf_chain_headers(&hs);
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    char rp[256], tp[256];
    snprintf(rp, sizeof rp, "execution-apis/tests/eth_getTransactionReceipt/%s", pairs[i].receipt);
    snprintf(tp, sizeof tp, "execution-apis/tests/%s", pairs[i].tx);
    json_t *r = cf_io_result(rp), *tx = cf_io_result(tp);
    vc_err err;
    assert_int_equal(vc_verify_tx(tx, NULL, &err), VC_OK);
    uint8_t bh[32];
    test_unhex(json_string_value(json_object_get(r, "blockHash")), bh, 32);
    const vc_header *h = cf_find_header(hs, nh, bh);
    assert_non_null(h);
    if (vc_verify_receipt_vs_tx(r, tx, h, &err) != VC_OK) fail_msg("%s: %s", rp, err.msg);
    static const char *const keys[] = {"from", "to", "contractAddress", "effectiveGasPrice",
                                       "transactionHash", "blockNumber", "type", "blobGasUsed"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
      if (!json_is_string(json_object_get(r, keys[k]))) continue;
      json_t *c = json_deep_copy(r);
      cf_flip_hex(c, keys[k]);
      vc_status st = vc_verify_receipt_vs_tx(c, tx, h, &err);
      if (st != VC_ERR_MISMATCH) fail_msg("%s: tampered %s gave %d (%s)", rp, keys[k], st, err.msg);
      json_decref(c);
    }
    json_decref(r);
    json_decref(tx);
  }
  free(hs);
}

typedef void (*ltamper)(json_t *logs);
static void lt_omit(json_t *l) { json_array_remove(l, 5); }
static void lt_invent(json_t *l) { json_array_append_new(l, json_deep_copy(json_array_get(l, 3))); }
static void lt_data(json_t *l) { cf_flip_hex(json_array_get(l, 2), "data"); }
static void lt_index(json_t *l) { cf_flip_hex(json_array_get(l, 2), "logIndex"); }
static void lt_txhash(json_t *l) { cf_flip_hex(json_array_get(l, 2), "transactionHash"); }
static void lt_txindex(json_t *l) { cf_flip_hex(json_array_get(l, 2), "transactionIndex"); }
static void lt_topic(json_t *l) {
  json_array_set_new(json_object_get(json_array_get(l, 2), "topics"), 1,
                     json_string("0x0000000000000000000000000000000000000000000000000000000000000001"));
}
static void lt_removed(json_t *l) { json_object_set_new(json_array_get(l, 2), "removed", json_true()); }
static void lt_extra(json_t *l) { json_object_set_new(json_array_get(l, 2), "blockTimestamp", json_string("0x1")); }
static void lt_swap(json_t *l) {
  json_t *a = json_incref(json_array_get(l, 1));
  json_array_set(l, 1, json_array_get(l, 2));
  json_array_set_new(l, 2, a);
}
static void lt_other_block(json_t *l) { cf_flip_hex(json_array_get(l, 0), "blockHash"); }

static void test_logs_electra(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, ELECTRA "test.json");
  (void)p;
  json_t *t = cf_load(ELECTRA "test.json");
  json_t *logs = cf_load_result(
      ELECTRA "eth_getLogs___address____0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48____fromBlock___0x1564966___toBlo.json");
  json_t *rs = cf_load_result(ELECTRA "eth_getBlockReceipts_0x1564966.json");
  vc_log_filter f, any;
  vc_err err;
  assert_int_equal(vc_log_filter_from_json(json_array_get(json_object_get(t, "params"), 0), &f, &err), VC_OK);
  json_t *empty = json_object();
  assert_int_equal(vc_log_filter_from_json(empty, &any, &err), VC_OK);
  uint8_t bh[32];
  test_unhex(json_string_value(json_object_get(json_array_get(logs, 0), "blockHash")), bh, 32);
  assert_int_equal(json_array_size(logs), 32);
  if (vc_verify_logs_for_block(logs, rs, &f, bh, &err) != VC_OK) fail_msg("electra logs: %s", err.msg);
  assert_int_equal(vc_verify_logs_for_block(json_object_get(t, "expected_result"), rs, &f, bh, &err), VC_OK);
  /* the USDC logs are not all the block's logs */
  assert_int_equal(vc_verify_logs_for_block(logs, rs, &any, bh, &err), VC_ERR_MISMATCH);
  /* an empty answer for a block with matching logs is a lie */
  json_t *none = json_array();
  assert_int_equal(vc_verify_logs_for_block(none, rs, &f, bh, &err), VC_ERR_MISMATCH);
  static const struct {
    const char *name;
    ltamper fn;
  } cases[] = {{"omit", lt_omit},       {"invent", lt_invent},   {"data", lt_data},
               {"logIndex", lt_index},  {"txhash", lt_txhash},   {"txindex", lt_txindex},
               {"topic", lt_topic},     {"removed", lt_removed}, {"extra member", lt_extra},
               {"swap", lt_swap},       {"other block", lt_other_block}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *c = json_deep_copy(logs);
    cases[i].fn(c);
    vc_status st = vc_verify_logs_for_block(c, rs, &f, bh, &err);
    if (st != VC_ERR_MISMATCH) fail_msg("logs tamper %s: %d (%s)", cases[i].name, st, err.msg);
    json_decref(c);
  }
  vc_log_filter_free(&f);
  vc_log_filter_free(&any);
  json_decref(none);
  json_decref(empty);
  json_decref(rs);
  json_decref(logs);
  json_decref(t);
}

/* helios: the deposit-contract log of block 21925176 against its 202 receipts. */
static void test_logs_helios(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "helios/tests/testdata/rpc/logs.json");
  (void)p;
  json_t *logs = cf_load_result("helios/tests/testdata/rpc/logs.json");
  json_t *rs = cf_load_result("helios/tests/testdata/rpc/receipts.json");
  json_t *fj = json_pack("{s:s}", "address", "0x00000000219ab540356cbb839cbe05303d7705fa");
  vc_log_filter f;
  vc_err err;
  assert_int_equal(vc_log_filter_from_json(fj, &f, &err), VC_OK);
  uint8_t bh[32];
  test_unhex(json_string_value(json_object_get(json_array_get(logs, 0), "blockHash")), bh, 32);
  if (vc_verify_logs_for_block(logs, rs, &f, bh, &err) != VC_OK) fail_msg("helios logs: %s", err.msg);
  json_t *c = json_deep_copy(logs);
  cf_flip_hex(json_array_get(c, 0), "data");
  assert_int_equal(vc_verify_logs_for_block(c, rs, &f, bh, &err), VC_ERR_MISMATCH);
  json_decref(c);
  vc_log_filter_free(&f);
  json_decref(fj);
  json_decref(rs);
  json_decref(logs);
}

/* execution-apis eth_getLogs: every returned log matches the parsed filter, and the
 * header bloom of its block (chain.rlp) lets it through: no false negatives. */
static void test_logs_filters_and_blooms(void **state) {
  (void)state;
  static const char *const files[] = {"contract-addr.io", "filter-with-blockHash-and-topics.io",
                                      "filter-with-blockHash.io", "topic-exact-match.io",
                                      "topic-null-wildcard.io", "topic-wildcard.io"};
  FIXTURE_OR_SKIP(p, "execution-apis/tests/chain.rlp");
  (void)p;
  vc_header *hs;
  size_t nh = cf_chain_headers(&hs);
  size_t checked = 0;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char rel[256];
    snprintf(rel, sizeof rel, "%s/execution-apis/tests/eth_getLogs/%s", fixtures_dir(), files[i]);
    char *txt = read_file(rel, NULL);
    assert_non_null(txt);
    char *req = strstr(txt, ">> ");
    assert_non_null(req);
    json_t *rq = json_loads(req + 3, JSON_DISABLE_EOF_CHECK, NULL);
    free(txt);
    snprintf(rel, sizeof rel, "execution-apis/tests/eth_getLogs/%s", files[i]);
    json_t *logs = cf_io_result(rel);
    vc_log_filter f;
    vc_err err;
    assert_int_equal(vc_log_filter_from_json(json_array_get(json_object_get(rq, "params"), 0), &f, &err), VC_OK);
    size_t k;
    json_t *log;
    json_array_foreach(logs, k, log) {
      uint8_t addr[20], topics[4][32], bh[32];
      json_t *ts = json_object_get(log, "topics");
      test_unhex(json_string_value(json_object_get(log, "address")), addr, 20);
      for (size_t j = 0; j < json_array_size(ts); j++)
        test_unhex(json_string_value(json_array_get(ts, j)), topics[j], 32);
      assert_true(vc_log_filter_match(&f, addr, (const uint8_t(*)[32])topics, json_array_size(ts)));
      assert_true(vc_log_filter_match_json(&f, log));
      /* the same log, unreadable: matches nothing */
      json_t *bad = json_deep_copy(log);
      json_object_set_new(bad, "address", json_string("0x7dcd"));
      assert_false(vc_log_filter_match_json(&f, bad));
      json_object_set_new(bad, "address", json_object_get(log, "address") ? json_incref(json_object_get(log, "address")) : json_null());
      json_object_set_new(bad, "topics", json_string("0x00"));
      assert_false(vc_log_filter_match_json(&f, bad));
      json_decref(bad);
      test_unhex(json_string_value(json_object_get(log, "blockHash")), bh, 32);
      const vc_header *h = cf_find_header(hs, nh, bh);
      assert_non_null(h);
      assert_true(vc_bloom_may_match(h->logs_bloom, &f));
      checked++;
    }
    vc_log_filter_free(&f);
    json_decref(logs);
    json_decref(rq);
  }
  /* blocks with no logs at all are skipped by any address filter */
  json_t *fj = json_pack("{s:s}", "address", "0x7dcd17433742f4c0ca53122ab541d0ba67fc27df");
  vc_log_filter f;
  vc_err err;
  assert_int_equal(vc_log_filter_from_json(fj, &f, &err), VC_OK);
  size_t skipped = 0;
  for (size_t i = 0; i < nh; i++) {
    static const uint8_t zero[256];
    if (memcmp(hs[i].logs_bloom, zero, 256) == 0) {
      assert_false(vc_bloom_may_match(hs[i].logs_bloom, &f));
      skipped++;
    }
  }
  assert_true(skipped > 0);
  assert_true(checked > 0);
  vc_log_filter_free(&f);
  json_decref(fj);
  free(hs);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_full_blocks),     cmocka_unit_test(test_tamper_block),
      cmocka_unit_test(test_hash_only_blocks), cmocka_unit_test(test_tx_in_block),
      cmocka_unit_test(test_block_receipts),  cmocka_unit_test(test_receipt_in_block),
      cmocka_unit_test(test_receipt_vs_tx),   cmocka_unit_test(test_logs_electra),
      cmocka_unit_test(test_logs_helios),     cmocka_unit_test(test_logs_filters_and_blooms),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

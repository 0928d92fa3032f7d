/*
 * test_receipt.c: receipts roots and blooms on real blocks, plus tampering.
 *
 * helios block 21925176 (202 receipts), colibri TrieTests block 21773542, colibri
 * electra block 22432102 (215 receipts; its root is found inside the recorded beacon
 * block and its hash is the next block's parentHash), execution-apis eth_getBlockReceipts
 * against the chain.rlp headers. Tamper: log data, dropped log, status, order, logIndex,
 * gasUsed, log transactionHash. Blooms: each receipt's bloom from its logs, header bloom
 * = OR of receipt blooms, filter parsing and bloom skipping.
 */
#include "corefix.h"

#include "core/bloom.h"
#include "core/receipt.h"
#include "core/trie.h"

#define HELIOS "helios/tests/testdata/rpc/"
#define ELECTRA "colibri-stateless/test/data/eth_getLogs_electra/"

static void expect_ok(const json_t *receipts, const uint8_t root[32], const char *what) {
  vc_err err;
  if (vc_verify_receipts(receipts, root, &err) != VC_OK) fail_msg("%s: %s", what, err.msg);
}

static void test_helios_202(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, HELIOS "receipts.json");
  (void)p;
  json_t *rs = cf_load_result(HELIOS "receipts.json");
  json_t *blk = cf_load_result(HELIOS "block.json");
  vc_header h;
  vc_err err;
  assert_int_equal(vc_header_from_json(blk, &h, &err), VC_OK);
  assert_int_equal(json_array_size(rs), 202);
  expect_ok(rs, h.receipts_root, "helios");
  json_decref(rs);
  json_decref(blk);
}

static void test_colibri_trietests(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "colibri-stateless/test/eth/TrieTests/block_receipts.json");
  (void)p;
  json_t *rs = cf_load_result("colibri-stateless/test/eth/TrieTests/block_receipts.json");
  json_t *blk = cf_load_result("colibri-stateless/test/eth/TrieTests/block.json");
  vc_header h;
  vc_err err;
  assert_int_equal(vc_header_from_json(blk, &h, &err), VC_OK);
  expect_ok(rs, h.receipts_root, "colibri TrieTests");
  json_decref(rs);
  json_decref(blk);
}

/* 215 receipts; the header is not in the recording, but the root computed from the
 * receipts occurs in the beacon block's execution payload, and the blockHash the receipts
 * carry is the next block's (hash-verified) parentHash. */
static void test_colibri_electra(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, ELECTRA "eth_getBlockReceipts_0x1564966.json");
  (void)p;
  json_t *rs = cf_load_result(ELECTRA "eth_getBlockReceipts_0x1564966.json");
  assert_int_equal(json_array_size(rs), 215);
  uint8_t root[32];
  vc_err err;
  assert_int_equal(vc_receipts_root(rs, root, &err), VC_OK);
  size_t len = 0;
  const char *bp = fixture_path(
      ELECTRA "eth_v2_beacon_blocks_0xc742b5d7e7abff3223821e26eaf4e0a62f9715cba8629bc9b959ac1652e4df71.ssz");
  uint8_t *beacon = (uint8_t *)read_file(bp, &len);
  assert_non_null(beacon);
  assert_non_null(memmem(beacon, len, root, 32));
  free(beacon);
  expect_ok(rs, root, "colibri electra");
  json_t *next = cf_load_result(ELECTRA "eth_getBlockByNumber_0x1564967_false.json");
  vc_header nh;
  assert_int_equal(vc_header_from_json(next, &nh, &err), VC_OK);
  uint8_t bh[32];
  test_unhex(json_string_value(json_object_get(json_array_get(rs, 0), "blockHash")), bh, 32);
  assert_memory_equal(bh, nh.parent_hash, 32);
  json_decref(next);
  json_decref(rs);
}

static void test_execution_apis(void **state) {
  (void)state;
  static const char *const files[] = {
      "execution-apis/tests/eth_getBlockReceipts/get-block-receipts-n.io",
      "execution-apis/tests/eth_getBlockReceipts/get-block-receipts-by-hash.io",
      "execution-apis/tests/eth_getBlockReceipts/get-block-receipts-latest.io",
  };
  FIXTURE_OR_SKIP(p, files[0]);
  (void)p;
  vc_header *hs;
  size_t nh = cf_chain_headers(&hs);
  assert_int_equal(nh, 54);
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    json_t *rs = cf_io_result(files[i]);
    assert_true(json_array_size(rs) > 0);
    uint8_t bh[32];
    test_unhex(json_string_value(json_object_get(json_array_get(rs, 0), "blockHash")), bh, 32);
    const vc_header *h = cf_find_header(hs, nh, bh);
    assert_non_null(h);
    expect_ok(rs, h->receipts_root, files[i]);
    json_decref(rs);
  }
  /* an empty list proves an empty receipts trie */
  json_t *empty = cf_io_result("execution-apis/tests/eth_getBlockReceipts/get-block-receipts-0.io");
  uint8_t root[32];
  vc_err err;
  assert_int_equal(vc_receipts_root(empty, root, &err), VC_OK);
  assert_int_equal(vc_verify_receipts(empty, hs[0].receipts_root, &err), VC_ERR_MISMATCH);
  json_decref(empty);
  free(hs);
}

/* debug_getRawReceipts for block 3 (pre-Byzantium: post-state roots) against the
 * chain.rlp header 3 receiptsRoot. */
static void test_raw_receipts(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "execution-apis/tests/debug_getRawReceipts/get-block-n.io");
  (void)p;
  vc_header *hs;
  size_t nh = cf_chain_headers(&hs);
  assert_true(nh >= 3);
  json_t *raw = cf_io_result("execution-apis/tests/debug_getRawReceipts/get-block-n.io");
  size_t n = json_array_size(raw);
  assert_true(n > 0);
  vc_bytes *vals = calloc(n, sizeof *vals);
  uint8_t **bufs = calloc(n, sizeof *bufs);
  for (size_t i = 0; i < n; i++) {
    size_t len;
    bufs[i] = cf_unhex(json_string_value(json_array_get(raw, i)), &len);
    vals[i] = vc_bytes_of(bufs[i], len);
  }
  /* the first field of a legacy pre-Byzantium receipt is a 32-byte root */
  assert_int_equal(bufs[0][3], 0xa0);
  uint8_t root[32];
  vc_err err;
  assert_int_equal(vc_trie_ordered_root(vals, n, root, &err), VC_OK);
  assert_int_equal(hs[2].number, 3);
  assert_memory_equal(root, hs[2].receipts_root, 32);
  bufs[0][10] ^= 1;
  assert_int_equal(vc_trie_ordered_root(vals, n, root, &err), VC_OK);
  assert_memory_not_equal(root, hs[2].receipts_root, 32);
  for (size_t i = 0; i < n; i++) free(bufs[i]);
  free(bufs);
  free(vals);
  json_decref(raw);
  free(hs);
}

typedef void (*tamper_fn)(json_t *rs);

static json_t *first_log_receipt(json_t *rs) {
  size_t i;
  json_t *r;
  json_array_foreach(rs, i, r) if (json_array_size(json_object_get(r, "logs")) > 1) return r;
  fail_msg("no receipt with logs");
  return NULL;
}
static void t_log_data(json_t *rs) {
  json_t *log = json_array_get(json_object_get(first_log_receipt(rs), "logs"), 0);
  cf_flip_hex(log, "data");
}
static void t_drop_log(json_t *rs) {
  json_array_remove(json_object_get(first_log_receipt(rs), "logs"), 1);
}
static void t_status(json_t *rs) {
  json_object_set_new(json_array_get(rs, 3), "status", json_string("0x0"));
}
static void t_swap(json_t *rs) {
  json_t *a = json_incref(json_array_get(rs, 1));
  json_array_remove(rs, 1);
  json_array_insert_new(rs, 2, a);
}
static void t_log_index(json_t *rs) {
  json_t *log = json_array_get(json_object_get(first_log_receipt(rs), "logs"), 1);
  json_object_set_new(log, "logIndex", json_string("0x0"));
}
static void t_gas_used(json_t *rs) {
  cf_flip_hex(json_array_get(rs, 5), "gasUsed");
}
static void t_log_txhash(json_t *rs) {
  json_t *log = json_array_get(json_object_get(first_log_receipt(rs), "logs"), 0);
  cf_flip_hex(log, "transactionHash");
}
static void t_topic(json_t *rs) {
  json_t *log = json_array_get(json_object_get(first_log_receipt(rs), "logs"), 0);
  json_t *topics = json_object_get(log, "topics");
  json_array_set_new(topics, 0, json_string("0x0000000000000000000000000000000000000000000000000000000000000001"));
}
static void t_block_hash(json_t *rs) {
  cf_flip_hex(json_array_get(rs, 7), "blockHash");
}
static void t_drop_receipt(json_t *rs) {
  json_array_remove(rs, json_array_size(rs) - 1);
}

static void test_tamper(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, HELIOS "receipts.json");
  (void)p;
  static const struct {
    const char *name;
    tamper_fn fn;
  } cases[] = {{"log data", t_log_data},   {"drop log", t_drop_log},   {"status", t_status},
               {"swap", t_swap},           {"logIndex", t_log_index},  {"gasUsed", t_gas_used},
               {"log txhash", t_log_txhash}, {"topic", t_topic},     {"blockHash", t_block_hash},
               {"drop receipt", t_drop_receipt}};
  json_t *orig = cf_load_result(HELIOS "receipts.json");
  json_t *blk = cf_load_result(HELIOS "block.json");
  vc_header h;
  vc_err err;
  assert_int_equal(vc_header_from_json(blk, &h, &err), VC_OK);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    json_t *rs = json_deep_copy(orig);
    cases[i].fn(rs);
    vc_status st = vc_verify_receipts(rs, h.receipts_root, &err);
    if (st != VC_ERR_MISMATCH) fail_msg("tamper %s: got %d (%s)", cases[i].name, st, err.msg);
    json_decref(rs);
  }
  json_decref(orig);
  json_decref(blk);
}

static void test_bad_input(void **state) {
  (void)state;
  vc_err err;
  uint8_t root[32];
  static const char *const bad[] = {
      "{}",
      "[{\"type\":\"0x2\",\"status\":\"0x2\",\"cumulativeGasUsed\":\"0x1\",\"logs\":[]}]",
      "[{\"type\":\"0x80\",\"status\":\"0x1\",\"cumulativeGasUsed\":\"0x1\",\"logs\":[]}]",
      "[{\"status\":\"0x1\",\"cumulativeGasUsed\":\"0x1\",\"logsBloom\":\"0x00\",\"logs\":[]}]",
      "[{\"status\":\"0x1\",\"cumulativeGasUsed\":\"0x01\",\"logs\":[]}]",
      "[{\"cumulativeGasUsed\":\"0x1\",\"logs\":[]}]",
      "[{\"status\":\"0x1\",\"cumulativeGasUsed\":\"0x1\",\"logsBloom\":\"0x%0512d\",\"logs\":{}}]",
      "[{\"status\":\"0x1\",\"cumulativeGasUsed\":\"0x1\",\"logsBloom\":\"0x%0512d\",\"logs\":[{"
      "\"address\":\"0x%040d\",\"topics\":[1],\"data\":\"0x\"}]}]",
      "[{\"status\":\"0x1\",\"cumulativeGasUsed\":\"0x1\",\"logsBloom\":\"0x%0512d\",\"logs\":[{"
      "\"address\":\"0x%040d\",\"topics\":[],\"data\":\"0x1\"}]}]",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char txt[2048];
    snprintf(txt, sizeof txt, bad[i], 0, 0);
    json_t *j = json_loads(txt, 0, NULL);
    assert_non_null(j);
    vc_status st = vc_receipts_root(j, root, &err);
    if (st == VC_OK) fail_msg("bad receipt %zu accepted", i);
    json_decref(j);
  }
}

/* A pre-Byzantium receipt carries the post-state root instead of a status. */
static void test_pre_byzantium_root(void **state) {
  (void)state;
  char txt[1024];
  snprintf(txt, sizeof txt,
           "{\"root\":\"0x%064d\",\"cumulativeGasUsed\":\"0x5208\",\"logsBloom\":\"0x%0512d\","
           "\"logs\":[]}",
           7, 0);
  json_t *r = json_loads(txt, 0, NULL);
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, 4096);
  vc_err err;
  assert_int_equal(vc_receipt_encode(r, &b, &err), VC_OK);
  /* [0xa0 root32, 0x82 5208, 0xb9 0100 bloom256, 0xc0] = 33 + 3 + 259 + 1 = 296 */
  assert_int_equal(b.len, 3 + 296);
  assert_int_equal(b.buf[0], 0xf9);
  assert_int_equal(b.buf[3], 0xa0);
  assert_int_equal(b.buf[3 + 32], 0x07);
  assert_int_equal(b.buf[36], 0x82);
  assert_int_equal(b.buf[b.len - 1], 0xc0);
  vc_rlp_buf_free(&b);
  json_decref(r);
}

static void test_blooms(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, HELIOS "receipts.json");
  (void)p;
  json_t *rs = cf_load_result(HELIOS "receipts.json");
  json_t *blk = cf_load_result(HELIOS "block.json");
  vc_header h;
  vc_err err;
  assert_int_equal(vc_header_from_json(blk, &h, &err), VC_OK);
  uint8_t all[VC_BLOOM_BYTES] = {0};
  size_t i;
  json_t *r;
  json_array_foreach(rs, i, r) {
    uint8_t b[VC_BLOOM_BYTES] = {0}, want[VC_BLOOM_BYTES];
    assert_int_equal(vc_bloom_add_logs(b, json_object_get(r, "logs"), &err), VC_OK);
    test_unhex(json_string_value(json_object_get(r, "logsBloom")), want, VC_BLOOM_BYTES);
    assert_memory_equal(b, want, VC_BLOOM_BYTES);
    for (size_t k = 0; k < VC_BLOOM_BYTES; k++) all[k] |= b[k];
  }
  assert_memory_equal(all, h.logs_bloom, VC_BLOOM_BYTES);
  /* the first receipt's (sparse) bloom: WETH deposit + transfer logs */
  uint8_t b0[VC_BLOOM_BYTES];
  test_unhex(json_string_value(json_object_get(json_array_get(rs, 0), "logsBloom")), b0,
             VC_BLOOM_BYTES);
  /* filters: a present address/topic may match; an absent one is skipped */
  static const char *const yes[] = {
      "{\"address\":\"0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2\"}",
      "{\"address\":[\"0x0000000000000000000000000000000000000001\","
      "\"0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2\"],"
      "\"topics\":[\"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef\"]}",
      "{\"topics\":[null,[null,\"0x01\"]]}",
      "{}",
  };
  static const char *const no[] = {
      "{\"address\":\"0x0000000000000000000000000000000000000001\"}",
      "{\"topics\":[[\"0x0000000000000000000000000000000000000000000000000000000000000001\","
      "\"0x0000000000000000000000000000000000000000000000000000000000000002\"]]}",
  };
  for (size_t k = 0; k < 4; k++) {
    json_t *j = json_loads(yes[k], 0, NULL);
    vc_log_filter f;
    /* yes[2]: a null inside an OR-list makes the position a wildcard (geth) */
    assert_int_equal(vc_log_filter_from_json(j, &f, &err), VC_OK);
    assert_true(vc_bloom_may_match(b0, &f));
    vc_log_filter_free(&f);
    json_decref(j);
  }
  for (size_t k = 0; k < 2; k++) {
    json_t *j = json_loads(no[k], 0, NULL);
    vc_log_filter f;
    assert_int_equal(vc_log_filter_from_json(j, &f, &err), VC_OK);
    assert_false(vc_bloom_may_match(b0, &f));
    vc_log_filter_free(&f);
    json_decref(j);
  }
  static const char *const badf[] = {
      "{\"address\":\"0x01\"}",
      "{\"address\":5}",
      "{\"topics\":[null,null,null,null,null]}",
      "{\"topics\":[\"0x1234\"]}",
      "{\"address\":[null]}",
      "[]",
  };
  for (size_t k = 0; k < sizeof badf / sizeof badf[0]; k++) {
    json_t *j = json_loads(badf[k], JSON_DECODE_ANY, NULL);
    vc_log_filter f;
    assert_int_not_equal(vc_log_filter_from_json(j, &f, &err), VC_OK);
    json_decref(j);
  }
  json_decref(rs);
  json_decref(blk);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_helios_202),      cmocka_unit_test(test_colibri_trietests),
      cmocka_unit_test(test_colibri_electra), cmocka_unit_test(test_execution_apis),
      cmocka_unit_test(test_tamper),          cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_pre_byzantium_root), cmocka_unit_test(test_blooms),
      cmocka_unit_test(test_raw_receipts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

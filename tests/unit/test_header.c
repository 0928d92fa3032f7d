/*
 * test_header.c: header hashing for every layout Frontier..Prague on real data.
 *
 * JSON: every nimbus per-fork mainnet block, helios and colibri blocks, execution-apis
 * eth_getBlockByNumber/ByHash responses (hive chain, London..Prague). RLP: the headers of
 * execution-apis chain.rlp (54 blocks, parent links), ethereum/tests BlockchainTests
 * blocks, debug_getRawHeader. Tamper: each present field changed alone -> mismatch.
 * Bad input: layout gaps, bad hex, over-cap extraData, wrong field counts.
 */
#include "corefix.h"

#include "core/header.h"
#include "core/keccak.h"

#define NIMBUS "nimbus-verified-proxy/nimbus_verified_proxy/tests/data/"

static const char *const json_blocks[] = {
    NIMBUS "Frontier.json",        NIMBUS "Homestead.json",      NIMBUS "DAO.json",
    NIMBUS "TangerineWhistle.json", NIMBUS "SpuriousDragon.json", NIMBUS "Byzantium.json",
    NIMBUS "Constantinople.json",  NIMBUS "Istanbul.json",       NIMBUS "MuirGlacier.json",
    NIMBUS "StakingDeposit.json",  NIMBUS "Berlin.json",         NIMBUS "London.json",
    NIMBUS "ArrowGlacier.json",    NIMBUS "GrayGlacier.json",    NIMBUS "Paris.json",
    NIMBUS "Shanghai.json",        NIMBUS "Cancun.json",         NIMBUS "Prague.json",
    NIMBUS "22431082.json",        NIMBUS "22431083.json",       NIMBUS "22431084.json",
    NIMBUS "22431085.json",        NIMBUS "22431086.json",       NIMBUS "block_0x17a2d23.json",
    NIMBUS "proof_block.json",     "helios/tests/testdata/rpc/block.json",
    "colibri-stateless/test/eth/TrieTests/block.json",
};

static const char *const io_blocks[] = {
    "execution-apis/tests/eth_getBlockByNumber/get-genesis.io",
    "execution-apis/tests/eth_getBlockByNumber/get-block-london-fork.io",
    "execution-apis/tests/eth_getBlockByNumber/get-block-merge-fork.io",
    "execution-apis/tests/eth_getBlockByNumber/get-block-shanghai-fork.io",
    "execution-apis/tests/eth_getBlockByNumber/get-block-cancun-fork.io",
    "execution-apis/tests/eth_getBlockByNumber/get-block-prague-fork.io",
    "execution-apis/tests/eth_getBlockByNumber/get-latest.io",
    "execution-apis/tests/eth_getBlockByNumber/get-safe.io",
    "execution-apis/tests/eth_getBlockByNumber/get-finalized.io",
    "execution-apis/tests/eth_getBlockByHash/get-block-by-hash.io",
};

static void check_json_block(const char *rel, json_t *b) {
  vc_header h;
  vc_err err;
  vc_status st = vc_header_from_json(b, &h, &err);
  if (st != VC_OK) fail_msg("%s: %s", rel, err.msg);
  uint8_t want[32];
  assert_int_equal(test_unhex(json_string_value(json_object_get(b, "hash")), want, 32), 32);
  assert_memory_equal(h.hash, want, 32);
  /* JSON and RLP agree: re-encode, decode the RLP, same header */
  vc_rlp_buf rb;
  vc_rlp_buf_init(&rb, VC_HEADER_MAX_RLP);
  assert_int_equal(vc_header_encode(&h, &rb, &err), VC_OK);
  vc_header h2;
  assert_int_equal(vc_header_from_rlp(vc_bytes_of(rb.buf, rb.len), &h2, &err), VC_OK);
  assert_memory_equal(h2.hash, want, 32);
  assert_int_equal(h2.n_fields, h.n_fields);
  vc_rlp_buf_free(&rb);
}

static void test_json_headers(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, NIMBUS "Frontier.json");
  (void)p;
  unsigned layouts = 0;
  for (size_t i = 0; i < sizeof json_blocks / sizeof json_blocks[0]; i++) {
    json_t *b = cf_load_result(json_blocks[i]);
    assert_non_null(b);
    check_json_block(json_blocks[i], b);
    vc_header h;
    vc_err err;
    assert_int_equal(vc_header_from_json(b, &h, &err), VC_OK);
    layouts |= 1u << h.n_fields;
    json_decref(b);
  }
  for (size_t i = 0; i < sizeof io_blocks / sizeof io_blocks[0]; i++) {
    json_t *b = cf_io_result(io_blocks[i]);
    assert_non_null(b);
    check_json_block(io_blocks[i], b);
    json_decref(b);
  }
  /* 15 (Frontier..Berlin), 16 (London), 17 (Shanghai), 20 (Cancun), 21 (Prague) */
  unsigned want = 1u << 15 | 1u << 16 | 1u << 17 | 1u << 20 | 1u << 21;
  assert_int_equal(layouts & want, want);
}

static void test_not_found_is_not_a_header(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "execution-apis/tests/eth_getBlockByNumber/get-block-notfound.io");
  (void)p;
  json_t *b = cf_io_result("execution-apis/tests/eth_getBlockByNumber/get-block-notfound.io");
  vc_header h;
  vc_err err;
  assert_int_equal(vc_header_from_json(b ? b : json_null(), &h, &err), VC_ERR_INPUT);
  json_decref(b);
}

/* Change each present field alone: the hash must no longer match. */
static void test_tamper_every_field(void **state) {
  (void)state;
  static const char *const files[] = {NIMBUS "Frontier.json", NIMBUS "London.json",
                                      NIMBUS "Cancun.json", NIMBUS "Prague.json"};
  FIXTURE_OR_SKIP(p, NIMBUS "Prague.json");
  (void)p;
  for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
    json_t *orig = cf_load_result(files[f]);
    assert_non_null(orig);
    for (size_t i = 0; vc_header_field_key(i); i++) {
      const char *key = vc_header_field_key(i);
      if (!json_is_string(json_object_get(orig, key))) continue;
      json_t *b = json_deep_copy(orig);
      cf_flip_hex(b, key);
      vc_header h;
      vc_err err;
      vc_status st = vc_header_from_json(b, &h, &err);
      if (st != VC_ERR_MISMATCH) fail_msg("%s: tampered %s gave %d (%s)", files[f], key, st, err.msg);
      json_decref(b);
    }
    json_decref(orig);
  }
}

static void test_bad_json(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, NIMBUS "Shanghai.json");
  (void)p;
  json_t *orig = cf_load_result(NIMBUS "Shanghai.json");
  vc_header h;
  vc_err err;
  /* gap: withdrawalsRoot without baseFeePerGas */
  json_t *b = json_deep_copy(orig);
  json_object_del(b, "baseFeePerGas");
  assert_int_equal(vc_header_from_json(b, &h, &err), VC_ERR_INPUT);
  assert_non_null(strstr(err.msg, "baseFeePerGas"));
  json_decref(b);
  /* a mandatory field absent */
  b = json_deep_copy(orig);
  json_object_del(b, "stateRoot");
  assert_int_equal(vc_header_from_json(b, &h, &err), VC_ERR_MISSING);
  json_decref(b);
  /* non-canonical quantity, odd hex, short hash, wrong type */
  static const struct {
    const char *key, *val;
  } bads[] = {{"number", "0x0100"}, {"gasUsed", "0x"}, {"stateRoot", "0x1234"},
              {"extraData", "0x123"}, {"miner", "0xzz"}, {"timestamp", "12"}};
  for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
    b = json_deep_copy(orig);
    json_object_set_new(b, bads[i].key, json_string(bads[i].val));
    assert_int_equal(vc_header_from_json(b, &h, &err), VC_ERR_INPUT);
    json_decref(b);
  }
  b = json_deep_copy(orig);
  json_object_set_new(b, "number", json_integer(5));
  assert_int_equal(vc_header_from_json(b, &h, &err), VC_ERR_INPUT);
  json_decref(b);
  /* extraData over the cap */
  size_t n = VC_HEADER_MAX_EXTRA + 1;
  char *big = malloc(2 * n + 3);
  memcpy(big, "0x", 2);
  memset(big + 2, 'a', 2 * n);
  big[2 * n + 2] = 0;
  b = json_deep_copy(orig);
  json_object_set_new(b, "extraData", json_string(big));
  assert_int_equal(vc_header_from_json(b, &h, &err), VC_ERR_LIMIT);
  json_decref(b);
  free(big);
  /* the hash field itself wrong */
  b = json_deep_copy(orig);
  cf_flip_hex(b, "hash");
  assert_int_equal(vc_header_from_json(b, &h, &err), VC_ERR_MISMATCH);
  json_decref(b);
  /* without a hash field the header still parses and the hash is computed */
  b = json_deep_copy(orig);
  json_object_del(b, "hash");
  assert_int_equal(vc_header_from_json(b, &h, &err), VC_OK);
  uint8_t want[32];
  test_unhex(json_string_value(json_object_get(orig, "hash")), want, 32);
  assert_memory_equal(h.hash, want, 32);
  json_decref(b);
  json_decref(orig);
}

/* chain.rlp: 54 concatenated blocks; every header decodes, re-encodes identically and
 * links to its parent; the head hash is known. */
static void test_chain_rlp(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "execution-apis/tests/chain.rlp");
  size_t len = 0;
  uint8_t *buf = (uint8_t *)read_file(p, &len);
  assert_non_null(buf);
  vc_bytes cur = vc_bytes_of(buf, len);
  uint8_t prev[32] = {0};
  size_t count = 0;
  unsigned last_fields = 0;
  vc_err err;
  while (cur.len) {
    vc_rlp_item blk, hdr;
    assert_int_equal(vc_rlp_next(&cur, &blk, &err), VC_OK);
    vc_bytes inner = blk.payload;
    assert_int_equal(vc_rlp_next(&inner, &hdr, &err), VC_OK);
    vc_header h;
    if (vc_header_from_rlp(hdr.raw, &h, &err) != VC_OK) fail_msg("block %zu: %s", count, err.msg);
    assert_true(h.n_fields >= last_fields); /* forks only add fields */
    last_fields = h.n_fields;
    if (count) assert_memory_equal(h.parent_hash, prev, 32);
    assert_int_equal(h.number, count + 1);
    vc_rlp_buf rb;
    vc_rlp_buf_init(&rb, VC_HEADER_MAX_RLP);
    assert_int_equal(vc_header_encode(&h, &rb, &err), VC_OK);
    assert_int_equal(rb.len, hdr.raw.len);
    assert_memory_equal(rb.buf, hdr.raw.ptr, rb.len);
    vc_rlp_buf_free(&rb);
    memcpy(prev, h.hash, 32);
    count++;
  }
  assert_int_equal(count, 54);
  assert_int_equal(last_fields, 21);
  uint8_t head[32];
  test_unhex("0xd226371d0b1551adb03fb52b71f08e3e11247fe9b1af994768af8cdaa8e7dcd7", head, 32);
  assert_memory_equal(prev, head, 32);
  free(buf);
}

static void test_blockchain_tests(void **state) {
  (void)state;
  static const char *const files[] = {
      "ethereum-tests/BlockchainTests/ValidBlocks/bcExample/mergeExample.json",
      "ethereum-tests/BlockchainTests/ValidBlocks/bcExample/shanghaiExample.json",
      "ethereum-tests/BlockchainTests/ValidBlocks/bcExample/basefeeExample.json",
      "ethereum-tests/BlockchainTests/ValidBlocks/bcEIP4844-blobtransactions/"
      "blockWithAllTransactionTypes.json",
      "ethereum-tests/BlockchainTests/ValidBlocks/bcValidBlockTest/eip2930.json",
      "ethereum-tests/BlockchainTests/ValidBlocks/bcEIP1559/transType.json",
  };
  FIXTURE_OR_SKIP(p, files[0]);
  (void)p;
  size_t blocks = 0;
  for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
    json_t *root = cf_load(files[f]);
    const char *name;
    json_t *tc;
    json_object_foreach(root, name, tc) {
      size_t i;
      json_t *blk;
      json_array_foreach(json_object_get(tc, "blocks"), i, blk) {
        size_t len;
        uint8_t *raw = cf_unhex(json_string_value(json_object_get(blk, "rlp")), &len);
        vc_rlp_item b, hdr;
        vc_err err;
        assert_int_equal(vc_rlp_decode(vc_bytes_of(raw, len), &b, &err), VC_OK);
        vc_bytes inner = b.payload;
        assert_int_equal(vc_rlp_next(&inner, &hdr, &err), VC_OK);
        vc_header h;
        if (vc_header_from_rlp(hdr.raw, &h, &err) != VC_OK) fail_msg("%s: %s", name, err.msg);
        uint8_t want[32];
        json_t *bh = json_object_get(blk, "blockHeader");
        test_unhex(json_string_value(json_object_get(bh, "hash")), want, 32);
        assert_memory_equal(h.hash, want, 32);
        free(raw);
        blocks++;
      }
    }
    json_decref(root);
  }
  assert_true(blocks >= 8);
}

static void test_raw_header_io(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(p, "execution-apis/tests/debug_getRawHeader/get-block-n.io");
  (void)p;
  json_t *r = cf_io_result("execution-apis/tests/debug_getRawHeader/get-block-n.io");
  assert_true(json_is_string(r));
  size_t len = 0;
  uint8_t *raw = cf_unhex(json_string_value(r), &len);
  vc_header h;
  vc_err err;
  assert_int_equal(vc_header_from_rlp(vc_bytes_of(raw, len), &h, &err), VC_OK);
  /* every single-bit flip either breaks the RLP or changes the hash */
  uint8_t orig[32];
  memcpy(orig, h.hash, 32);
  for (size_t i = 0; i < len; i += 7) {
    raw[i] ^= 0x04;
    vc_status st = vc_header_from_rlp(vc_bytes_of(raw, len), &h, &err);
    if (st == VC_OK) assert_memory_not_equal(h.hash, orig, 32);
    raw[i] ^= 0x04;
  }
  /* trailing byte, truncation, too few fields */
  uint8_t *longer = malloc(len + 1);
  memcpy(longer, raw, len);
  longer[len] = 0;
  assert_int_equal(vc_header_from_rlp(vc_bytes_of(longer, len + 1), &h, &err), VC_ERR_INPUT);
  assert_int_not_equal(vc_header_from_rlp(vc_bytes_of(raw, len - 1), &h, &err), VC_OK);
  static const uint8_t short_list[] = {0xc3, 0x80, 0x80, 0x80};
  assert_int_equal(vc_header_from_rlp(vc_bytes_of(short_list, 4), &h, &err), VC_ERR_INPUT);
  free(longer);
  free(raw);
  json_decref(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_json_headers),     cmocka_unit_test(test_not_found_is_not_a_header),
      cmocka_unit_test(test_tamper_every_field), cmocka_unit_test(test_bad_json),
      cmocka_unit_test(test_chain_rlp),        cmocka_unit_test(test_blockchain_tests),
      cmocka_unit_test(test_raw_header_io),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

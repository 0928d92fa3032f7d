/*
 * opfix.h: the OP-stack (Base) fixtures of tests/fixtures/op/ as the JSON a node returns.
 *
 * base/base's captured blocks hold the header fields, raw transactions and consensus
 * receipts. These helpers turn them into what verity receives from an upstream:
 * eth_getBlockByNumber(n, true) (header + "hash" from expected.json + transaction
 * objects decoded from the raw bytes, "from" recovered) and eth_getBlockReceipts
 * (type from the tx, logsBloom from the logs, positions, tx hash/from/to). The
 * conversion from raw fields to JSON keys is one table per tx type. Everything
 * returned is owned by the caller (json_decref). Used by test_optx.c.
 */
#ifndef VERITY_OPFIX_H
#define VERITY_OPFIX_H

#include "corefix.h"

#include "core/bloom.h"
#include "core/hex.h"
#include "core/keccak.h"
#include "core/tx.h"

#define OPFIX_DIR "tests/fixtures/op/"
#define OPFIX_MAX_TX ((size_t)1 << 20) /* bytes of one raw fixture tx */

/* The fixture at OPFIX_DIR rel, or NULL (caller skips) when it is not there. */
static inline json_t *opfix_load(const char *rel) {
  char path[512];
  snprintf(path, sizeof path, OPFIX_DIR "%s", rel);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fclose(f);
  json_error_t je;
  json_t *j = json_load_file(path, 0, &je);
  if (!j) fail_msg("%s: %s (line %d)", path, je.text, je.line);
  return j;
}

#define OPFIX_OR_SKIP(var, rel)                                                     \
  json_t *var = opfix_load(rel);                                                    \
  do {                                                                              \
    if (!var) {                                                                     \
      fprintf(stderr, "skip: %s%s absent (run from the repository root)\n", OPFIX_DIR, rel); \
      skip();                                                                       \
    }                                                                               \
  } while (0)

typedef enum { OK_QTY, OK_DATA, OK_ADDR, OK_HASH, OK_BOOL, OK_LIST0 } opkind;
typedef struct {
  const char *key;
  opkind k;
} opfield;

static const opfield op_deposit_keys[] = {
    {"sourceHash", OK_HASH}, {"from", OK_ADDR}, {"to", OK_ADDR},        {"mint", OK_QTY},
    {"value", OK_QTY},       {"gas", OK_QTY},   {"isSystemTx", OK_BOOL}, {"input", OK_DATA}};
static const opfield op_1559_keys[] = {
    {"chainId", OK_QTY}, {"nonce", OK_QTY}, {"maxPriorityFeePerGas", OK_QTY},
    {"maxFeePerGas", OK_QTY}, {"gas", OK_QTY}, {"to", OK_ADDR}, {"value", OK_QTY},
    {"input", OK_DATA}, {"accessList", OK_LIST0}, {"yParity", OK_QTY}, {"r", OK_QTY},
    {"s", OK_QTY}};
static const opfield op_legacy_keys[] = {
    {"nonce", OK_QTY}, {"gasPrice", OK_QTY}, {"gas", OK_QTY}, {"to", OK_ADDR}, {"value", OK_QTY},
    {"input", OK_DATA}, {"v", OK_QTY}, {"r", OK_QTY}, {"s", OK_QTY}};

static const struct {
  uint8_t type;
  const opfield *f;
  size_t n;
} op_tx_tables[] = {
    {0x7e, op_deposit_keys, sizeof op_deposit_keys / sizeof op_deposit_keys[0]},
    {0x02, op_1559_keys, sizeof op_1559_keys / sizeof op_1559_keys[0]},
    {0x00, op_legacy_keys, sizeof op_legacy_keys / sizeof op_legacy_keys[0]},
};

static inline json_t *opfix_hex(const uint8_t *p, size_t n, bool qty) {
  char *s = malloc(2 * n + 4);
  assert_non_null(s);
  if (qty) vc_hex_encode_quantity(p, n, s);
  else vc_hex_encode(p, n, s);
  json_t *j = json_string(s);
  free(s);
  return j;
}

/* One decoded raw tx as an eth_getTransactionByHash object (no block fields). */
static inline json_t *opfix_tx_json(const vc_tx_raw *raw) {
  json_t *o = json_object();
  for (size_t t = 0; t < sizeof op_tx_tables / sizeof op_tx_tables[0]; t++) {
    if (op_tx_tables[t].type != raw->type) continue;
    assert_int_equal(op_tx_tables[t].n, raw->n_fields);
    for (size_t i = 0; i < raw->n_fields; i++) {
      const opfield *f = &op_tx_tables[t].f[i];
      vc_bytes p = raw->fields[i].payload;
      json_t *v = NULL;
      switch (f->k) {
      case OK_QTY: v = opfix_hex(p.ptr, p.len, true); break;
      case OK_DATA:
      case OK_ADDR:
      case OK_HASH: v = p.len || f->k == OK_DATA ? opfix_hex(p.ptr, p.len, false) : NULL; break;
      case OK_BOOL: v = json_boolean(p.len == 1); break;
      case OK_LIST0:
        assert_true(raw->fields[i].is_list && p.len == 0);
        v = json_array();
        break;
      }
      if (v) json_object_set_new(o, f->key, v);
    }
    char ty[8];
    snprintf(ty, sizeof ty, "0x%x", raw->type);
    json_object_set_new(o, "type", json_string(ty));
    json_object_set_new(o, "hash", opfix_hex(raw->hash, 32, false));
    if (raw->type != 0x7e) {
      uint8_t from[20];
      vc_err err;
      if (vc_tx_sender_raw(raw, from, &err) != VC_OK) fail_msg("sender: %s", err.msg);
      json_object_set_new(o, "from", opfix_hex(from, 20, false));
    }
    return o;
  }
  fail_msg("fixture tx type 0x%02x has no table", raw->type);
  return NULL;
}

/* Decode every raw tx of a fixture block; raws (n entries) and bufs owned by caller. */
static inline size_t opfix_raw_txs(const json_t *blk, vc_tx_raw **raws, uint8_t ***bufs) {
  const json_t *txs = json_object_get(blk, "transactions");
  size_t n = json_array_size(txs);
  *raws = calloc(n + 1, sizeof **raws);
  *bufs = calloc(n + 1, sizeof **bufs);
  assert_true(*raws && *bufs);
  for (size_t i = 0; i < n; i++) {
    size_t len = 0;
    (*bufs)[i] = cf_unhex(json_string_value(json_array_get(txs, i)), &len);
    vc_err err;
    if (vc_tx_decode_raw(vc_bytes_of((*bufs)[i], len), &(*raws)[i], &err) != VC_OK)
      fail_msg("raw tx %zu: %s", i, err.msg);
  }
  return n;
}

static inline void opfix_free_raw(size_t n, vc_tx_raw *raws, uint8_t **bufs) {
  for (size_t i = 0; i < n; i++) free(bufs[i]);
  free(bufs);
  free(raws);
}

/* eth_getBlockByNumber(n, true) for fixture block blk with hash hash_hex. */
static inline json_t *opfix_block_json(const json_t *blk, const char *hash_hex) {
  json_t *b = json_deep_copy(json_object_get(blk, "header"));
  vc_tx_raw *raws;
  uint8_t **bufs;
  size_t n = opfix_raw_txs(blk, &raws, &bufs);
  json_t *txs = json_array();
  for (size_t i = 0; i < n; i++) {
    json_t *t = opfix_tx_json(&raws[i]);
    json_object_set_new(t, "blockHash", json_string(hash_hex));
    json_object_set(t, "blockNumber", json_object_get(b, "number"));
    char idx[24];
    snprintf(idx, sizeof idx, "0x%zx", i);
    json_object_set_new(t, "transactionIndex", json_string(idx));
    if (raws[i].type == 0x7e) json_object_set_new(t, "gasPrice", json_string("0x0"));
    json_array_append_new(txs, t);
  }
  opfix_free_raw(n, raws, bufs);
  json_object_set_new(b, "hash", json_string(hash_hex));
  json_object_set_new(b, "transactions", txs);
  json_object_set_new(b, "uncles", json_array());
  return b;
}

/* eth_getBlockReceipts for fixture block blk, given its block JSON (opfix_block_json). */
static inline json_t *opfix_receipts_json(const json_t *blk, const json_t *block) {
  const json_t *rs = json_object_get(blk, "receipts");
  const json_t *txs = json_object_get(block, "transactions");
  json_t *out = json_array();
  uint64_t prev = 0, log_index = 0;
  size_t i;
  const json_t *r;
  json_array_foreach(rs, i, r) {
    json_t *c = json_deep_copy(r);
    const json_t *tx = json_array_get(txs, i);
    uint8_t bloom[256] = {0};
    vc_err err;
    assert_int_equal(vc_bloom_add_logs(bloom, json_object_get(c, "logs"), &err), VC_OK);
    json_object_set_new(c, "logsBloom", opfix_hex(bloom, 256, false));
    static const char *const from_tx[] = {"type", "from", "to", "blockHash", "blockNumber",
                                          "transactionIndex"};
    for (size_t k = 0; k < sizeof from_tx / sizeof from_tx[0]; k++)
      if (json_object_get(tx, from_tx[k]))
        json_object_set(c, from_tx[k], json_object_get(tx, from_tx[k]));
    json_object_set(c, "transactionHash", json_object_get(tx, "hash"));
    uint64_t cum = strtoull(json_string_value(json_object_get(c, "cumulativeGasUsed")), NULL, 16);
    char q[24];
    snprintf(q, sizeof q, "0x%llx", (unsigned long long)(cum - prev));
    json_object_set_new(c, "gasUsed", json_string(q));
    prev = cum;
    size_t j;
    json_t *log;
    json_array_foreach(json_object_get(c, "logs"), j, log) {
      snprintf(q, sizeof q, "0x%llx", (unsigned long long)log_index++);
      json_object_set_new(log, "logIndex", json_string(q));
      json_object_set(log, "transactionIndex", json_object_get(tx, "transactionIndex"));
      json_object_set(log, "transactionHash", json_object_get(tx, "hash"));
      json_object_set(log, "blockHash", json_object_get(tx, "blockHash"));
      json_object_set(log, "blockNumber", json_object_get(tx, "blockNumber"));
      json_object_set_new(log, "removed", json_false());
    }
    json_array_append_new(out, c);
  }
  return out;
}

#endif

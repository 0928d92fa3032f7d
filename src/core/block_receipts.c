/*
 * block_receipts.c: receipts and logs against a verified block (see block.h).
 *
 * The receipts root proves the consensus part of each receipt; the rest of what a node
 * returns is proven here from the verified header and, when given, the verified
 * transactions: who sent and received each tx, which contract it created, what it paid.
 * Logs returned by eth_getLogs are compared member by member with the logs of verified
 * receipts, using one table of members and how each is compared.
 */
#include "core/block.h"

#include "core/block_internal.h"
#include "core/keccak.h"
#include "core/op.h"
#include "core/receipt.h"
#include "core/rlp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BLOB_GAS_PER_BLOB 131072u

/* Both absent/null, or both the same 20 bytes. */
static vc_status same_opt_addr(const json_t *a, const json_t *b, const char *key,
                               const char *what, vc_err *err) {
  bool pa = vc_jf_present(a, key), pb = vc_jf_present(b, key);
  uint8_t x[20], y[20];
  vc_status st;
  if (pa != pb) return vc_fail(err, VC_ERR_MISMATCH, "%s: %s differs (absent on one side)", what, key);
  if (!pa) return VC_OK;
  if ((st = vc_jf_fixed(a, key, x, 20, what, err)) != VC_OK ||
      (st = vc_jf_fixed(b, key, y, 20, what, err)) != VC_OK)
    return st;
  if (memcmp(x, y, 20) != 0) return vc_fail(err, VC_ERR_MISMATCH, "%s: %s differs", what, key);
  return VC_OK;
}

/* keccak(rlp([sender, nonce]))[12:] */
static vc_status create_address(const json_t *tx, uint8_t out[20], vc_err *err) {
  uint8_t from[20], h[32];
  uint64_t nonce;
  vc_status st;
  if ((st = vc_jf_fixed(tx, "from", from, 20, "verified tx", err)) != VC_OK ||
      (st = vc_jf_u64(tx, "nonce", &nonce, "verified tx", err)) != VC_OK)
    return st;
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, 64);
  size_t m = vc_rlp_list_begin(&b);
  vc_rlp_put_bytes(&b, from, 20);
  vc_rlp_put_uint(&b, nonce);
  vc_rlp_list_end(&b, m);
  if ((st = vc_rlp_buf_status(&b)) == VC_OK) vc_keccak256(b.buf, b.len, h);
  vc_rlp_buf_free(&b);
  if (st != VC_OK) return vc_fail(err, st, "contract address: encoding failed");
  memcpy(out, h + 12, 20);
  return VC_OK;
}

/* The tx-derived members of receipt i against verified tx object tx. */
static vc_status receipt_vs_tx(const json_t *r, const json_t *tx, size_t i,
                               const vc_block_ctx *bc, vc_chain_kind kind, vc_err *err) {
  vc_status st;
  char what[32];
  uint8_t h[32];
  uint64_t rt = 0, tt = 0;
  snprintf(what, sizeof what, "receipt %zu", i);
  if ((st = vc_jf_fixed(tx, "hash", h, 32, "verified tx", err)) != VC_OK ||
      (st = vc_eq_fixed(r, "transactionHash", h, 32, what, err)) != VC_OK)
    return st;
  if (vc_jf_present(r, "type") && (st = vc_jf_u64(r, "type", &rt, what, err)) != VC_OK) return st;
  if (vc_jf_present(tx, "type") && (st = vc_jf_u64(tx, "type", &tt, what, err)) != VC_OK) return st;
  if (rt != tt) return vc_fail(err, VC_ERR_MISMATCH, "%s: type differs from the tx", what);
  if (vc_jf_present(r, "from") && (st = same_opt_addr(r, tx, "from", what, err)) != VC_OK) return st;
  if ((st = vc_op_check_deposit_fields(tx, r, err)) != VC_OK) return st;
  if ((st = same_opt_addr(r, tx, "to", what, err)) != VC_OK) return st;
  if (vc_jf_present(tx, "to")) {
    if (vc_jf_present(r, "contractAddress"))
      return vc_fail(err, VC_ERR_MISMATCH, "%s: contractAddress for a call", what);
  } else if (vc_jf_present(r, "contractAddress")) {
    uint8_t ca[20];
    if ((st = create_address(tx, ca, err)) != VC_OK ||
        (st = vc_eq_fixed(r, "contractAddress", ca, 20, what, err)) != VC_OK)
      return st;
  }
  if (vc_jf_present(r, "effectiveGasPrice")) {
    vc_u256 want, got;
    vc_qty q;
    if ((st = vc_effective_gas_price(tx, bc, &want, err)) != VC_OK ||
        (st = vc_jf_qty(r, "effectiveGasPrice", &q, what, err)) != VC_OK)
      return st;
    if (vc_u256_from_be(&got, q.be, q.len) != VC_OK || vc_u256_cmp(&got, &want) != 0)
      return vc_fail(err, VC_ERR_MISMATCH, "%s: effectiveGasPrice differs", what);
  }
  /* OP stack (Jovian): a receipt's blobGasUsed is the tx's DA footprint, not blob gas;
   * it is in no encoding (op.h lists it among the unproven members). */
  if (kind == VC_CHAIN_ETHEREUM && vc_jf_present(r, "blobGasUsed")) {
    const json_t *blobs = json_object_get(tx, "blobVersionedHashes");
    uint64_t want = (uint64_t)json_array_size(blobs) * BLOB_GAS_PER_BLOB;
    if ((st = vc_eq_u64(r, "blobGasUsed", want, what, err)) != VC_OK) return st;
  }
  return VC_OK;
}

vc_status vc_verify_receipt_vs_tx(const json_t *receipt, const json_t *verified_tx,
                                  const vc_header *hdr, vc_err *err) {
  return vc_verify_receipt_vs_tx_for(receipt, verified_tx, hdr, VC_CHAIN_ETHEREUM, err);
}

vc_status vc_verify_receipt_vs_tx_for(const json_t *receipt, const json_t *verified_tx,
                                      const vc_header *hdr, vc_chain_kind kind, vc_err *err) {
  vc_status st;
  uint64_t idx;
  vc_block_ctx bc;
  if (vc_block_ctx_from_header(hdr, &bc) != VC_OK)
    return vc_fail(err, VC_ERR_INPUT, "receipt: header base fee over 256 bits");
  if ((st = vc_jf_u64(receipt, "transactionIndex", &idx, "receipt", err)) != VC_OK ||
      (st = vc_eq_fixed(receipt, "blockHash", hdr->hash, 32, "receipt", err)) != VC_OK ||
      (st = vc_eq_u64(receipt, "blockNumber", hdr->number, "receipt", err)) != VC_OK ||
      (st = vc_check_tx_block_fields(verified_tx, (size_t)idx, &bc, err)) != VC_OK)
    return st;
  return receipt_vs_tx(receipt, verified_tx, (size_t)idx, &bc, kind, err);
}

vc_status vc_verify_block_receipts(const json_t *receipts, const vc_header *hdr,
                                   const json_t *verified_block, vc_err *err) {
  return vc_verify_block_receipts_for(receipts, hdr, verified_block, VC_CHAIN_ETHEREUM, err);
}

vc_status vc_verify_block_receipts_for(const json_t *receipts, const vc_header *hdr,
                                       const json_t *verified_block, vc_chain_kind kind,
                                       vc_err *err) {
  vc_status st;
  if ((st = vc_verify_receipts(receipts, hdr->receipts_root, err)) != VC_OK) return st;
  size_t n = json_array_size(receipts), i;
  const json_t *r;
  uint64_t cum = 0;
  uint8_t bloom[256] = {0};
  json_array_foreach(receipts, i, r) {
    uint8_t b[256];
    if ((st = vc_jf_fixed(r, "logsBloom", b, 256, "receipt", err)) != VC_OK) return st;
    for (size_t k = 0; k < 256; k++) bloom[k] |= b[k];
    size_t j;
    const json_t *log;
    json_array_foreach(json_object_get(r, "logs"), j, log) {
      if (vc_jf_present(log, "blockTimestamp") &&
          (st = vc_eq_u64(log, "blockTimestamp", hdr->timestamp, "receipt log", err)) != VC_OK)
        return st;
    }
  }
  if (n) {
    const json_t *last = json_array_get(receipts, n - 1);
    if ((st = vc_eq_fixed(json_array_get(receipts, 0), "blockHash", hdr->hash, 32, "receipts",
                          err)) != VC_OK ||
        (st = vc_eq_u64(json_array_get(receipts, 0), "blockNumber", hdr->number, "receipts",
                        err)) != VC_OK ||
        (st = vc_jf_u64(last, "cumulativeGasUsed", &cum, "receipts", err)) != VC_OK)
      return st;
  }
  if (cum != hdr->gas_used)
    return vc_fail(err, VC_ERR_MISMATCH, "receipts: gas used %llu, the header says %llu",
                   (unsigned long long)cum, (unsigned long long)hdr->gas_used);
  if (memcmp(bloom, hdr->logs_bloom, 256) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "receipts: blooms do not add up to the header bloom");
  if (!verified_block) return VC_OK;
  const json_t *txs = json_object_get(verified_block, "transactions");
  if (!json_is_array(txs) || json_array_size(txs) != n)
    return vc_fail(err, VC_ERR_MISMATCH, "receipts: %zu receipts for %zu transactions", n,
                   json_array_size(txs));
  vc_block_ctx bc;
  if (vc_block_ctx_from_header(hdr, &bc) != VC_OK)
    return vc_fail(err, VC_ERR_INPUT, "receipts: header base fee over 256 bits");
  json_array_foreach(receipts, i, r) {
    const json_t *tx = json_array_get(txs, i);
    if (json_is_object(tx)) {
      st = receipt_vs_tx(r, tx, i, &bc, kind, err);
    } else {
      uint8_t h[32];
      st = vc_jv_fixed(tx, h, 32, "verified block", "transactions", err);
      if (st == VC_OK) st = vc_eq_fixed(r, "transactionHash", h, 32, "receipt", err);
    }
    if (st != VC_OK) return st;
  }
  return VC_OK;
}

vc_status vc_verify_receipt_in_block(const json_t *receipt, const json_t *verified_receipts,
                                     vc_err *err) {
  vc_status st;
  uint64_t idx;
  if ((st = vc_jf_u64(receipt, "transactionIndex", &idx, "receipt", err)) != VC_OK) return st;
  if (!json_is_array(verified_receipts) || idx >= json_array_size(verified_receipts))
    return vc_fail(err, VC_ERR_MISMATCH, "receipt: transactionIndex %llu is not in the block",
                   (unsigned long long)idx);
  const json_t *entry = json_array_get(verified_receipts, idx);
  vc_rlp_buf a, b;
  vc_rlp_buf_init(&a, VC_RECEIPTS_MAX_BYTES);
  vc_rlp_buf_init(&b, VC_RECEIPTS_MAX_BYTES);
  if ((st = vc_receipt_encode(receipt, &a, err)) != VC_OK ||
      (st = vc_receipt_encode(entry, &b, err)) != VC_OK)
    goto out;
  if (a.len != b.len || memcmp(a.buf, b.buf, a.len) != 0) {
    st = vc_fail(err, VC_ERR_MISMATCH, "receipt: encoding differs from the verified receipt");
    goto out;
  }
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)receipt, key, v) {
    if (!json_equal(v, json_object_get(entry, key))) {
      st = vc_fail(err, VC_ERR_MISMATCH, "receipt: %s differs from the verified receipt", key);
      goto out;
    }
  }
out:
  vc_rlp_buf_free(&a);
  vc_rlp_buf_free(&b);
  return st;
}

/* ---------------------------------------------------------------- logs */

typedef enum { L_FIX20, L_FIX32, L_U64, L_DATA, L_TOPICS } lkind;

typedef struct {
  const char *key;
  lkind k;
} lmember;

/* Members every returned log must carry, and how they are compared. */
static const lmember log_members[] = {
    {"address", L_FIX20},         {"topics", L_TOPICS},         {"data", L_DATA},
    {"logIndex", L_U64},          {"transactionIndex", L_U64},  {"transactionHash", L_FIX32},
    {"blockHash", L_FIX32},       {"blockNumber", L_U64},
};

static vc_status same_data(const json_t *a, const json_t *b, const char *what, vc_err *err) {
  uint8_t *x = NULL, *y = NULL;
  size_t xl = 0, yl = 0;
  vc_status st;
  if ((st = vc_jf_data_alloc(a, "data", VC_RECEIPT_MAX_LOG_DATA, &x, &xl, what, err)) == VC_OK &&
      (st = vc_jf_data_alloc(b, "data", VC_RECEIPT_MAX_LOG_DATA, &y, &yl, what, err)) == VC_OK &&
      (xl != yl || (xl && memcmp(x, y, xl) != 0)))
    st = vc_fail(err, VC_ERR_MISMATCH, "%s: data differs", what);
  free(x);
  free(y);
  return st;
}

static vc_status same_member(const json_t *got, const json_t *want, const lmember *m,
                             const char *what, vc_err *err) {
  vc_status st;
  uint8_t w[32];
  uint64_t u;
  switch (m->k) {
  case L_FIX20:
  case L_FIX32: {
    size_t n = m->k == L_FIX20 ? 20 : 32;
    if ((st = vc_jf_fixed(want, m->key, w, n, what, err)) != VC_OK) return st;
    return vc_eq_fixed(got, m->key, w, n, what, err);
  }
  case L_U64:
    if ((st = vc_jf_u64(want, m->key, &u, what, err)) != VC_OK) return st;
    return vc_eq_u64(got, m->key, u, what, err);
  case L_DATA:
    return same_data(got, want, what, err);
  case L_TOPICS: {
    const json_t *a = json_object_get(got, "topics"), *b = json_object_get(want, "topics");
    if (!json_is_array(a) || !json_is_array(b) || json_array_size(a) != json_array_size(b))
      return vc_fail(err, VC_ERR_MISMATCH, "%s: topics differ", what);
    for (size_t i = 0; i < json_array_size(a); i++) {
      uint8_t x[32];
      if ((st = vc_jv_fixed(json_array_get(b, i), w, 32, what, "topics", err)) != VC_OK ||
          (st = vc_jv_fixed(json_array_get(a, i), x, 32, what, "topics", err)) != VC_OK)
        return st;
      if (memcmp(w, x, 32) != 0) return vc_fail(err, VC_ERR_MISMATCH, "%s: topic %zu differs", what, i);
    }
    return VC_OK;
  }
  }
  return vc_fail(err, VC_ERR_INPUT, "%s: %s: unknown member kind", what, m->key);
}

static bool is_member(const char *key) {
  for (size_t i = 0; i < sizeof log_members / sizeof log_members[0]; i++)
    if (strcmp(log_members[i].key, key) == 0) return true;
  return false;
}

/* One returned log against the verified receipt log it must be. */
static vc_status same_log(const json_t *got, const json_t *want, size_t k, vc_err *err) {
  vc_status st;
  char what[32];
  snprintf(what, sizeof what, "log %zu", k);
  if (!json_is_object(got)) return vc_fail(err, VC_ERR_INPUT, "%s: not an object", what);
  for (size_t i = 0; i < sizeof log_members / sizeof log_members[0]; i++)
    if ((st = same_member(got, want, &log_members[i], what, err)) != VC_OK) return st;
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)got, key, v) {
    if (is_member(key)) continue;
    if (strcmp(key, "removed") == 0) {
      if (!json_is_false(v)) return vc_fail(err, VC_ERR_MISMATCH, "%s: removed is not false", what);
      continue;
    }
    if (!json_equal(v, json_object_get(want, key)))
      return vc_fail(err, VC_ERR_MISMATCH, "%s: %s is not proven by the receipts", what, key);
  }
  return VC_OK;
}

/* Does a receipt log match the filter? */
static vc_status log_matches(const json_t *log, const vc_log_filter *f, bool *match, vc_err *err) {
  vc_status st;
  uint8_t addr[20], topics[4][32];
  const json_t *ts = json_object_get(log, "topics");
  if ((st = vc_jf_fixed(log, "address", addr, 20, "receipt log", err)) != VC_OK) return st;
  if (!json_is_array(ts) || json_array_size(ts) > 4)
    return vc_fail(err, VC_ERR_INPUT, "receipt log: topics: not an array of at most 4");
  for (size_t i = 0; i < json_array_size(ts); i++)
    if ((st = vc_jv_fixed(json_array_get(ts, i), topics[i], 32, "receipt log", "topics", err)) !=
        VC_OK)
      return st;
  *match = vc_log_filter_match(f, addr, (const uint8_t(*)[32])topics, json_array_size(ts));
  return VC_OK;
}

vc_status vc_verify_logs_for_block(const json_t *logs_result, const json_t *receipts,
                                   const vc_log_filter *filter, const uint8_t block_hash[32],
                                   vc_err *err) {
  vc_status st;
  if (!json_is_array(logs_result) || !json_is_array(receipts))
    return vc_fail(err, VC_ERR_INPUT, "logs: result and receipts must be arrays");
  size_t n = json_array_size(logs_result), k = 0, i;
  for (i = 0; i < n; i++)
    if ((st = vc_eq_fixed(json_array_get(logs_result, i), "blockHash", block_hash, 32,
                          "logs: entry", err)) != VC_OK)
      return st;
  const json_t *r;
  json_array_foreach(receipts, i, r) {
    if ((st = vc_eq_fixed(r, "blockHash", block_hash, 32, "logs: receipt", err)) != VC_OK)
      return st;
    size_t j;
    const json_t *log;
    json_array_foreach(json_object_get(r, "logs"), j, log) {
      bool match = false;
      if ((st = log_matches(log, filter, &match, err)) != VC_OK) return st;
      if (!match) continue;
      if (k == n)
        return vc_fail(err, VC_ERR_MISMATCH, "logs: a matching log (receipt %zu, log %zu) is omitted",
                       i, j);
      if ((st = same_log(json_array_get(logs_result, k), log, k, err)) != VC_OK) return st;
      k++;
    }
  }
  if (k != n)
    return vc_fail(err, VC_ERR_MISMATCH, "logs: %zu logs returned, the receipts have %zu matching",
                   n, k);
  return VC_OK;
}

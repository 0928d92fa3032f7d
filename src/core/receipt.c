/*
 * receipt.c: receipt encoding, receipts root and positional checks (see receipt.h).
 */
#include "core/receipt.h"

#include "core/hex.h"
#include "core/jfield.h"
#include "core/trie.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A reusable decode buffer for log data (grows, freed by the owner). */
typedef struct {
  uint8_t *p;
  size_t cap;
} scratch;

static vc_status put_data(vc_rlp_buf *b, const json_t *v, scratch *sc, size_t cap,
                          const char *what, vc_err *err) {
  if (!json_is_string(v)) return vc_fail(err, VC_ERR_INPUT, "%s: data: not a hex string", what);
  size_t sl = json_string_length(v), n = sl >= 2 ? (sl - 2) / 2 : 0, len = 0;
  if (n > cap)
    return vc_fail(err, VC_ERR_LIMIT, "%s: data: %zu bytes exceed the cap of %zu", what, n, cap);
  if (n > sc->cap) {
    uint8_t *np = realloc(sc->p, n);
    if (!np) return vc_fail(err, VC_ERR_NOMEM, "%s: out of memory", what);
    sc->p = np;
    sc->cap = n;
  }
  uint8_t dummy;
  if (vc_hex_decode(json_string_value(v), sl, sc->p ? sc->p : &dummy, n, &len) != VC_OK)
    return vc_fail(err, VC_ERR_INPUT, "%s: data: not DATA", what);
  vc_rlp_put_bytes(b, sc->p, len);
  return VC_OK;
}

static vc_status put_log(vc_rlp_buf *b, const json_t *log, scratch *sc, vc_err *err) {
  vc_status st;
  uint8_t a[20], t[32];
  if ((st = vc_jf_fixed(log, "address", a, 20, "log", err)) != VC_OK) return st;
  const json_t *topics = json_object_get(log, "topics");
  if (!json_is_array(topics) || json_array_size(topics) > 4)
    return vc_fail(err, VC_ERR_INPUT, "log: topics: not an array of at most 4");
  size_t m = vc_rlp_list_begin(b);
  vc_rlp_put_bytes(b, a, 20);
  size_t mt = vc_rlp_list_begin(b);
  size_t j;
  const json_t *tv;
  json_array_foreach(topics, j, tv) {
    if ((st = vc_jv_fixed(tv, t, 32, "log", "topics", err)) != VC_OK) return st;
    vc_rlp_put_bytes(b, t, 32);
  }
  vc_rlp_list_end(b, mt);
  if ((st = put_data(b, json_object_get(log, "data"), sc, VC_RECEIPT_MAX_LOG_DATA, "log", err)) !=
      VC_OK)
    return st;
  vc_rlp_list_end(b, m);
  return VC_OK;
}

/* OP-stack deposit receipt from Canyon on (depositReceiptVersion present): the
 * encoding adds depositNonce and depositReceiptVersion. Before Canyon the receipt hash
 * leaves the (Regolith) depositNonce out, so it is not proven then. */
static vc_status put_deposit_tail(const json_t *r, vc_rlp_buf *b, vc_err *err) {
  vc_status st;
  uint64_t nonce, version;
  if (!vc_jf_present(r, "depositReceiptVersion")) return VC_OK;
  if ((st = vc_jf_u64(r, "depositReceiptVersion", &version, "deposit receipt", err)) != VC_OK ||
      (st = vc_jf_u64(r, "depositNonce", &nonce, "deposit receipt", err)) != VC_OK)
    return st;
  vc_rlp_put_uint(b, nonce);
  vc_rlp_put_uint(b, version);
  return VC_OK;
}

static vc_status encode_one(const json_t *r, vc_rlp_buf *b, scratch *sc, vc_err *err) {
  vc_status st;
  uint64_t type = 0, cum, status;
  uint8_t buf[256];
  if (!json_is_object(r)) return vc_fail(err, VC_ERR_INPUT, "receipt: not an object");
  if (vc_jf_present(r, "type") && (st = vc_jf_u64(r, "type", &type, "receipt", err)) != VC_OK)
    return st;
  if (type > 0x7f)
    return vc_fail(err, VC_ERR_INPUT, "receipt: type 0x%llx is not an EIP-2718 type",
                   (unsigned long long)type);
  if (type) {
    uint8_t tb = (uint8_t)type;
    vc_rlp_put_raw(b, &tb, 1);
  }
  size_t m = vc_rlp_list_begin(b);
  const json_t *root = json_object_get(r, "root");
  if (json_is_string(root) && json_string_length(root) > 2) {
    if ((st = vc_jf_fixed(r, "root", buf, 32, "receipt", err)) != VC_OK) return st;
    vc_rlp_put_bytes(b, buf, 32);
  } else {
    if ((st = vc_jf_u64(r, "status", &status, "receipt", err)) != VC_OK) return st;
    if (status > 1) return vc_fail(err, VC_ERR_INPUT, "receipt: status is neither 0x0 nor 0x1");
    vc_rlp_put_uint(b, status);
  }
  if ((st = vc_jf_u64(r, "cumulativeGasUsed", &cum, "receipt", err)) != VC_OK) return st;
  vc_rlp_put_uint(b, cum);
  if ((st = vc_jf_fixed(r, "logsBloom", buf, 256, "receipt", err)) != VC_OK) return st;
  vc_rlp_put_bytes(b, buf, 256);
  const json_t *logs = json_object_get(r, "logs");
  if (!json_is_array(logs)) return vc_fail(err, VC_ERR_INPUT, "receipt: logs: not an array");
  if (json_array_size(logs) > VC_RECEIPT_MAX_LOGS)
    return vc_fail(err, VC_ERR_LIMIT, "receipt: %zu logs exceed the cap of %d",
                   json_array_size(logs), VC_RECEIPT_MAX_LOGS);
  size_t ml = vc_rlp_list_begin(b);
  size_t i;
  const json_t *log;
  json_array_foreach(logs, i, log) {
    if ((st = put_log(b, log, sc, err)) != VC_OK) return st;
  }
  vc_rlp_list_end(b, ml);
  if (type == VC_RECEIPT_TYPE_DEPOSIT && (st = put_deposit_tail(r, b, err)) != VC_OK) return st;
  vc_rlp_list_end(b, m);
  if ((st = vc_rlp_buf_status(b)) != VC_OK)
    return vc_fail(err, st, "receipt: encoding failed (%s)", vc_status_name(st));
  return VC_OK;
}

vc_status vc_receipt_encode(const json_t *receipt, vc_rlp_buf *out, vc_err *err) {
  scratch sc = {0};
  vc_status st = encode_one(receipt, out, &sc, err);
  free(sc.p);
  return st;
}

vc_status vc_receipts_root(const json_t *receipts, uint8_t root[32], vc_err *err) {
  vc_status st = VC_OK;
  vc_rlp_buf all;
  scratch sc = {0};
  size_t *offs = NULL;
  vc_bytes *vals = NULL;
  vc_rlp_buf_init(&all, VC_RECEIPTS_MAX_BYTES);
  if (!json_is_array(receipts)) return vc_fail(err, VC_ERR_INPUT, "receipts: not an array");
  size_t n = json_array_size(receipts);
  if (n > VC_RECEIPTS_MAX)
    return vc_fail(err, VC_ERR_LIMIT, "receipts: %zu exceed the cap of %d", n, VC_RECEIPTS_MAX);
  offs = malloc((n + 1) * sizeof *offs);
  vals = malloc((n + 1) * sizeof *vals);
  if (!offs || !vals) {
    st = vc_fail(err, VC_ERR_NOMEM, "receipts: out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    offs[i] = all.len;
    if ((st = encode_one(json_array_get(receipts, i), &all, &sc, err)) != VC_OK) {
      char why[sizeof err->msg];
      snprintf(why, sizeof why, "%s", err ? err->msg : "");
      st = vc_fail(err, st, "receipt %zu: %s", i, why);
      goto out;
    }
  }
  offs[n] = all.len;
  for (size_t i = 0; i < n; i++) vals[i] = vc_bytes_of(all.buf + offs[i], offs[i + 1] - offs[i]);
  st = vc_trie_ordered_root(vals, n, root, err);
out:
  vc_rlp_buf_free(&all);
  free(sc.p);
  free(offs);
  free(vals);
  return st;
}

typedef struct {
  uint8_t block_hash[32];
  uint64_t block_number;
  uint64_t log_index; /* next expected */
} block_pos;

static vc_status check_logs(const json_t *r, size_t i, const uint8_t txh[32], block_pos *bp,
                            vc_err *err) {
  vc_status st;
  char what[48];
  const json_t *logs = json_object_get(r, "logs");
  if (!json_is_array(logs)) return vc_fail(err, VC_ERR_INPUT, "receipt %zu: logs: not an array", i);
  size_t j;
  const json_t *log;
  json_array_foreach(logs, j, log) {
    snprintf(what, sizeof what, "receipt %zu log %zu", i, j);
    if ((st = vc_eq_u64(log, "logIndex", bp->log_index++, what, err)) != VC_OK ||
        (st = vc_eq_u64(log, "transactionIndex", i, what, err)) != VC_OK ||
        (st = vc_eq_fixed(log, "transactionHash", txh, 32, what, err)) != VC_OK ||
        (st = vc_eq_fixed(log, "blockHash", bp->block_hash, 32, what, err)) != VC_OK ||
        (st = vc_eq_u64(log, "blockNumber", bp->block_number, what, err)) != VC_OK)
      return st;
    const json_t *removed = json_object_get(log, "removed");
    if (removed && !json_is_false(removed))
      return vc_fail(err, VC_ERR_MISMATCH, "%s: removed is not false", what);
  }
  return VC_OK;
}

vc_status vc_receipts_check_positions(const json_t *receipts, vc_err *err) {
  vc_status st;
  char what[32];
  block_pos bp = {{0}, 0, 0};
  uint64_t prev_cum = 0;
  if (!json_is_array(receipts)) return vc_fail(err, VC_ERR_INPUT, "receipts: not an array");
  if (json_array_size(receipts) > VC_RECEIPTS_MAX)
    return vc_fail(err, VC_ERR_LIMIT, "receipts: over the cap of %d", VC_RECEIPTS_MAX);
  size_t i;
  const json_t *r;
  json_array_foreach(receipts, i, r) {
    snprintf(what, sizeof what, "receipt %zu", i);
    uint8_t txh[32];
    uint64_t cum, used;
    if (i == 0) {
      if ((st = vc_jf_fixed(r, "blockHash", bp.block_hash, 32, what, err)) != VC_OK ||
          (st = vc_jf_u64(r, "blockNumber", &bp.block_number, what, err)) != VC_OK)
        return st;
    }
    if ((st = vc_eq_u64(r, "transactionIndex", i, what, err)) != VC_OK ||
        (st = vc_eq_fixed(r, "blockHash", bp.block_hash, 32, what, err)) != VC_OK ||
        (st = vc_eq_u64(r, "blockNumber", bp.block_number, what, err)) != VC_OK ||
        (st = vc_jf_fixed(r, "transactionHash", txh, 32, what, err)) != VC_OK ||
        (st = vc_jf_u64(r, "cumulativeGasUsed", &cum, what, err)) != VC_OK)
      return st;
    if (cum < prev_cum)
      return vc_fail(err, VC_ERR_MISMATCH, "%s: cumulativeGasUsed decreases", what);
    if (vc_jf_present(r, "gasUsed")) {
      if ((st = vc_jf_u64(r, "gasUsed", &used, what, err)) != VC_OK) return st;
      if (used != cum - prev_cum)
        return vc_fail(err, VC_ERR_MISMATCH, "%s: gasUsed is not the cumulativeGasUsed step",
                       what);
    }
    prev_cum = cum;
    if ((st = check_logs(r, i, txh, &bp, err)) != VC_OK) return st;
  }
  return VC_OK;
}

vc_status vc_verify_receipts(const json_t *receipts, const uint8_t receipts_root[32],
                             vc_err *err) {
  uint8_t root[32];
  vc_status st = vc_receipts_root(receipts, root, err);
  if (st != VC_OK) return st;
  if (memcmp(root, receipts_root, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "receipts: root of %zu receipts does not match",
                   json_array_size(receipts));
  return vc_receipts_check_positions(receipts, err);
}

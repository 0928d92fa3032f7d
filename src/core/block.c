/*
 * block.c: block verification: header, transactions, withdrawals, uncles, size; one
 * tx against a verified block (see block.h). Receipts and logs are in block_receipts.c.
 */
#include "core/block.h"

#include "core/block_internal.h"
#include "core/keccak.h"
#include "core/op.h"
#include "core/rlp.h"
#include "core/trie.h"
#include "core/tx.h"
#include "core/u256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WITHDRAWALS 65536
#define MAX_UNCLES 16

/* keccak(rlp([])) */
static const uint8_t empty_list_hash[32] = {
    0x1d, 0xcc, 0x4d, 0xe8, 0xde, 0xc7, 0x5d, 0x7a, 0xab, 0x85, 0xb5, 0x67, 0xb6, 0xcc, 0xd4, 0x1a,
    0xd3, 0x12, 0x45, 0x1b, 0x94, 0x8a, 0x74, 0x13, 0xf0, 0xa1, 0x42, 0xfd, 0x40, 0xd4, 0x93, 0x47};

vc_status vc_block_ctx_from_header(const vc_header *h, vc_block_ctx *bc) {
  memset(bc, 0, sizeof *bc);
  memcpy(bc->hash, h->hash, 32);
  bc->number = h->number;
  bc->timestamp = h->timestamp;
  bc->has_base_fee = vc_header_has(h, VC_HF_BASE_FEE);
  if (bc->has_base_fee && vc_u256_from_be(&bc->base_fee, h->base_fee.be, h->base_fee.len) != VC_OK)
    return VC_ERR_INPUT;
  return VC_OK;
}

static vc_status qty_u256(const json_t *o, const char *key, vc_u256 *out, const char *what,
                          vc_err *err) {
  vc_qty q;
  vc_status st = vc_jf_qty(o, key, &q, what, err);
  if (st != VC_OK) return st;
  if (vc_u256_from_be(out, q.be, q.len) != VC_OK)
    return vc_fail(err, VC_ERR_INPUT, "%s: %s: over 256 bits", what, key);
  return VC_OK;
}

vc_status vc_effective_gas_price(const json_t *tx, const vc_block_ctx *bc, vc_u256 *out,
                                 vc_err *err) {
  vc_status st;
  uint64_t type = 0;
  if (vc_jf_present(tx, "type") && (st = vc_jf_u64(tx, "type", &type, "tx", err)) != VC_OK)
    return st;
  if (type == VC_TX_TYPE_DEPOSIT) { /* deposits buy their gas on L1 */
    vc_u256_from_u64(out, 0);
    return VC_OK;
  }
  if (type < 2) return qty_u256(tx, "gasPrice", out, "tx", err);
  if (!bc->has_base_fee)
    return vc_fail(err, VC_ERR_INPUT, "tx: type %llu in a block without baseFeePerGas",
                   (unsigned long long)type);
  vc_u256 max_fee, tip, sum;
  if ((st = qty_u256(tx, "maxFeePerGas", &max_fee, "tx", err)) != VC_OK ||
      (st = qty_u256(tx, "maxPriorityFeePerGas", &tip, "tx", err)) != VC_OK)
    return st;
  bool over = vc_u256_add(&sum, &bc->base_fee, &tip);
  *out = (over || vc_u256_cmp(&sum, &max_fee) > 0) ? max_fee : sum;
  return VC_OK;
}

vc_status vc_check_tx_block_fields(const json_t *tx, size_t idx, const vc_block_ctx *bc,
                                   vc_err *err) {
  vc_status st;
  char what[40];
  snprintf(what, sizeof what, "transaction %zu", idx);
  if ((st = vc_eq_fixed(tx, "blockHash", bc->hash, 32, what, err)) != VC_OK ||
      (st = vc_eq_u64(tx, "blockNumber", bc->number, what, err)) != VC_OK ||
      (st = vc_eq_u64(tx, "transactionIndex", idx, what, err)) != VC_OK)
    return st;
  if (vc_jf_present(tx, "blockTimestamp") &&
      (st = vc_eq_u64(tx, "blockTimestamp", bc->timestamp, what, err)) != VC_OK)
    return st;
  if (!vc_jf_present(tx, "gasPrice")) return VC_OK;
  vc_u256 want, got;
  if ((st = vc_effective_gas_price(tx, bc, &want, err)) != VC_OK ||
      (st = qty_u256(tx, "gasPrice", &got, what, err)) != VC_OK)
    return st;
  if (vc_u256_cmp(&want, &got) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "%s: gasPrice is not the effective gas price", what);
  return VC_OK;
}

/* Withdrawals root; *list_len gets the length of their RLP list in a block body. */
static vc_status withdrawals_root(const json_t *ws, uint8_t root[32], size_t *list_len,
                                  vc_err *err) {
  vc_status st = VC_OK;
  vc_rlp_buf all;
  size_t *offs = NULL;
  vc_bytes *vals = NULL;
  vc_rlp_buf_init(&all, (size_t)MAX_WITHDRAWALS * 64);
  if (!json_is_array(ws)) return vc_fail(err, VC_ERR_INPUT, "withdrawals: not an array");
  size_t n = json_array_size(ws);
  if (n > MAX_WITHDRAWALS)
    return vc_fail(err, VC_ERR_LIMIT, "withdrawals: %zu exceed the cap of %d", n, MAX_WITHDRAWALS);
  offs = malloc((n + 1) * sizeof *offs);
  vals = malloc((n + 1) * sizeof *vals);
  if (!offs || !vals) {
    st = vc_fail(err, VC_ERR_NOMEM, "withdrawals: out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    const json_t *w = json_array_get(ws, i);
    uint64_t index, validator, amount;
    uint8_t addr[20];
    if ((st = vc_jf_u64(w, "index", &index, "withdrawal", err)) != VC_OK ||
        (st = vc_jf_u64(w, "validatorIndex", &validator, "withdrawal", err)) != VC_OK ||
        (st = vc_jf_fixed(w, "address", addr, 20, "withdrawal", err)) != VC_OK ||
        (st = vc_jf_u64(w, "amount", &amount, "withdrawal", err)) != VC_OK)
      goto out;
    offs[i] = all.len;
    size_t m = vc_rlp_list_begin(&all);
    vc_rlp_put_uint(&all, index);
    vc_rlp_put_uint(&all, validator);
    vc_rlp_put_bytes(&all, addr, 20);
    vc_rlp_put_uint(&all, amount);
    vc_rlp_list_end(&all, m);
  }
  offs[n] = all.len;
  if ((st = vc_rlp_buf_status(&all)) != VC_OK) {
    st = vc_fail(err, st, "withdrawals: encoding failed");
    goto out;
  }
  for (size_t i = 0; i < n; i++) vals[i] = vc_bytes_of(all.buf + offs[i], offs[i + 1] - offs[i]);
  st = vc_trie_ordered_root(vals, n, root, err);
  *list_len = vc_tx_prefix_len(all.len) + all.len;
out:
  vc_rlp_buf_free(&all);
  free(offs);
  free(vals);
  return st;
}

/* "transactions": empty, all objects, or all hashes. */
/* Deposits only on OP-stack chains (the tx root alone would accept any type). */
static vc_status check_kind(const json_t *txs, vc_chain_kind kind, vc_err *err) {
  size_t i;
  const json_t *t;
  if (kind == VC_CHAIN_OP_STACK) return VC_OK;
  json_array_foreach(txs, i, t) {
    uint64_t type = 0;
    if (vc_jf_present(t, "type") && vc_jf_u64(t, "type", &type, "tx", NULL) == VC_OK &&
        type == VC_TX_TYPE_DEPOSIT)
      return vc_fail(err, VC_ERR_INPUT,
                     "transaction %zu: an OP-stack deposit (0x7e) in a block of an Ethereum "
                     "chain; configure the chain as an OP-stack chain",
                     i);
  }
  return VC_OK;
}

static vc_status check_txs(const json_t *block, const vc_header *h, vc_chain_kind kind,
                           unsigned flags, vc_block_check *chk, size_t *txs_len, vc_err *err) {
  vc_status st;
  const json_t *txs = json_object_get(block, "transactions");
  if (!txs || json_is_null(txs)) return VC_OK;
  if (!json_is_array(txs)) return vc_fail(err, VC_ERR_INPUT, "block: transactions: not an array");
  size_t n = json_array_size(txs), objects = 0, i;
  const json_t *t;
  json_array_foreach(txs, i, t) {
    uint8_t hb[32];
    if (json_is_object(t)) {
      objects++;
    } else if ((st = vc_jv_fixed(t, hb, 32, "block", "transactions", err)) != VC_OK) {
      return st;
    }
  }
  chk->n_txs = n;
  if (objects != 0 && objects != n)
    return vc_fail(err, VC_ERR_INPUT, "block: transactions mix objects and hashes");
  if (n == 0) {
    chk->txs_full = chk->txs_proven = chk->senders_proven = true;
    *txs_len = 1;
    if (memcmp(h->transactions_root, vc_trie_empty_root, 32) != 0)
      return vc_fail(err, VC_ERR_MISMATCH, "block: no transactions but transactionsRoot is not empty");
    return VC_OK;
  }
  if (objects == 0) return VC_OK; /* hashes: not provable from the header alone */
  if ((st = check_kind(txs, kind, err)) != VC_OK) return st;
  unsigned txf = (flags & VC_BLOCK_SKIP_SENDERS) ? VC_TX_SKIP_SENDERS : 0;
  if ((st = vc_verify_transactions_len(txs, h->transactions_root, txf, txs_len, err)) != VC_OK)
    return st;
  chk->senders_proven = !(flags & VC_BLOCK_SKIP_SENDERS);
  vc_block_ctx bc;
  if (vc_block_ctx_from_header(h, &bc) != VC_OK)
    return vc_fail(err, VC_ERR_INPUT, "block: baseFeePerGas over 256 bits");
  json_array_foreach(txs, i, t) {
    if ((st = vc_check_tx_block_fields(t, i, &bc, err)) != VC_OK) return st;
  }
  chk->txs_full = chk->txs_proven = true;
  return VC_OK;
}

static vc_status check_size(const json_t *block, const vc_header *h, size_t body, vc_err *err) {
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, VC_HEADER_MAX_RLP);
  vc_status st = vc_header_encode(h, &b, err);
  size_t hl = b.len;
  vc_rlp_buf_free(&b);
  if (st != VC_OK) return st;
  size_t payload = hl + body, want = vc_tx_prefix_len(payload) + payload;
  uint64_t got;
  if ((st = vc_jf_u64(block, "size", &got, "block", err)) != VC_OK) return st;
  if (got != want)
    return vc_fail(err, VC_ERR_MISMATCH, "block: size is %llu, the block encodes to %zu bytes",
                   (unsigned long long)got, want);
  return VC_OK;
}

/* Withdrawals against withdrawalsRoot. OP stack: the list is always empty; the root is
 * the empty trie root before Isthmus and the message passer's storage root from
 * Isthmus on (op.h), which the empty list cannot prove and need not. */
static vc_status check_withdrawals(const json_t *block, const vc_header *h, vc_chain_kind kind,
                                   vc_block_check *chk, size_t *ws_len, vc_err *err) {
  vc_status st;
  uint8_t root[32];
  const json_t *ws = json_object_get(block, "withdrawals");
  if (!ws || json_is_null(ws)) return VC_OK;
  chk->withdrawals_present = true;
  if (!vc_header_has(h, VC_HF_WITHDRAWALS_ROOT))
    return vc_fail(err, VC_ERR_INPUT, "block: withdrawals without withdrawalsRoot");
  if (kind == VC_CHAIN_OP_STACK) {
    if (!json_is_array(ws) || json_array_size(ws) != 0)
      return vc_fail(err, VC_ERR_MISMATCH, "block: an OP-stack block with withdrawals");
    *ws_len = 1;
    if (!vc_op_header_mp_root(h, root) && memcmp(h->withdrawals_root, vc_trie_empty_root, 32))
      return vc_fail(err, VC_ERR_MISMATCH,
                     "block: pre-Isthmus OP-stack withdrawalsRoot is not the empty root");
    chk->withdrawals_proven = true;
    return VC_OK;
  }
  if ((st = withdrawals_root(ws, root, ws_len, err)) != VC_OK) return st;
  if (memcmp(root, h->withdrawals_root, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "block: withdrawals do not match withdrawalsRoot");
  chk->withdrawals_proven = true;
  return VC_OK;
}

vc_status vc_verify_block_ex(const json_t *block, const uint8_t *expected_hash,
                             vc_header *hdr_out, vc_block_check *chk_out, vc_err *err) {
  return vc_verify_block_opts(block, expected_hash, 0, hdr_out, chk_out, err);
}

vc_status vc_verify_block_opts(const json_t *block, const uint8_t *expected_hash, unsigned flags,
                               vc_header *hdr_out, vc_block_check *chk_out, vc_err *err) {
  return vc_verify_block_for(block, expected_hash, VC_CHAIN_ETHEREUM, flags, hdr_out, chk_out,
                             err);
}

vc_status vc_verify_block_for(const json_t *block, const uint8_t *expected_hash,
                              vc_chain_kind kind, unsigned flags, vc_header *hdr_out,
                              vc_block_check *chk_out, vc_err *err) {
  vc_status st;
  vc_block_check chk;
  memset(&chk, 0, sizeof chk);
  size_t txs_len = 0, ws_len = 0;
  if ((st = vc_header_from_json(block, hdr_out, err)) != VC_OK) return st;
  const vc_header *h = hdr_out;
  if (expected_hash && memcmp(h->hash, expected_hash, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "block %llu: hash is not the trusted hash",
                   (unsigned long long)h->number);
  if ((st = check_txs(block, h, kind, flags, &chk, &txs_len, err)) != VC_OK) return st;
  if ((st = check_withdrawals(block, h, kind, &chk, &ws_len, err)) != VC_OK) return st;
  const json_t *uncles = json_object_get(block, "uncles");
  if (uncles && !json_is_null(uncles)) {
    if (!json_is_array(uncles)) return vc_fail(err, VC_ERR_INPUT, "block: uncles: not an array");
    size_t i;
    const json_t *u;
    json_array_foreach(uncles, i, u) {
      uint8_t hb[32];
      if ((st = vc_jv_fixed(u, hb, 32, "block", "uncles", err)) != VC_OK) return st;
    }
    if (json_array_size(uncles) == 0) {
      if (memcmp(h->uncles_hash, empty_list_hash, 32) != 0)
        return vc_fail(err, VC_ERR_MISMATCH, "block: no uncles but sha3Uncles is not empty");
      chk.uncles_proven = true;
    }
  }
  /* size = rlp([header, txs, uncles(empty), withdrawals?]) when all parts are known */
  bool ws_known = !vc_header_has(h, VC_HF_WITHDRAWALS_ROOT) || chk.withdrawals_proven;
  if (vc_jf_present(block, "size") && chk.txs_full && chk.uncles_proven && ws_known &&
      h->n_fields <= VC_HF_REQUESTS_HASH + 1) {
    /* "size" is not committed to by any root, and clients disagree on it (anvil counts
     * one byte less than geth for typed transactions): a mismatch leaves it unproven
     * rather than failing the block. */
    vc_err size_err;
    chk.size_proven = check_size(block, h, txs_len + 1 + ws_len, &size_err) == VC_OK;
  }
  if (chk_out) *chk_out = chk;
  return VC_OK;
}

vc_status vc_verify_block(const json_t *block, const uint8_t *expected_hash, vc_header *hdr_out,
                          vc_err *err) {
  vc_block_check chk;
  vc_status st = vc_verify_block_ex(block, expected_hash, hdr_out, &chk, err);
  if (st != VC_OK) return st;
  if (chk.n_txs && !chk.txs_proven)
    return vc_fail(err, VC_ERR_MISSING,
                   "block %llu: %zu transaction hashes cannot be proven without the full "
                   "transactions",
                   (unsigned long long)hdr_out->number, chk.n_txs);
  const json_t *uncles = json_object_get(block, "uncles");
  if (json_array_size(uncles) && !chk.uncles_proven)
    return vc_fail(err, VC_ERR_MISSING,
                   "block %llu: uncle hashes cannot be proven without the uncle headers",
                   (unsigned long long)hdr_out->number);
  return VC_OK;
}

vc_status vc_verify_tx_hashes(const json_t *hashes, const json_t *verified_full_txs,
                              vc_err *err) {
  vc_status st;
  if (!json_is_array(hashes) || !json_is_array(verified_full_txs))
    return vc_fail(err, VC_ERR_INPUT, "tx hashes: not arrays");
  size_t n = json_array_size(hashes);
  if (n != json_array_size(verified_full_txs))
    return vc_fail(err, VC_ERR_MISMATCH, "tx hashes: %zu listed, the block has %zu", n,
                   json_array_size(verified_full_txs));
  for (size_t i = 0; i < n; i++) {
    uint8_t want[32], got[32];
    if ((st = vc_jf_fixed(json_array_get(verified_full_txs, i), "hash", want, 32, "tx", err)) !=
            VC_OK ||
        (st = vc_jv_fixed(json_array_get(hashes, i), got, 32, "tx hashes", "entry", err)) != VC_OK)
      return st;
    if (memcmp(want, got, 32) != 0)
      return vc_fail(err, VC_ERR_MISMATCH, "tx hashes: entry %zu differs", i);
  }
  return VC_OK;
}

vc_status vc_verify_uncles(const json_t *uncle_hashes, const json_t *uncle_headers,
                           const uint8_t uncles_hash[32], vc_err *err) {
  vc_status st = VC_OK;
  vc_rlp_buf b;
  vc_header *u = NULL;
  vc_rlp_buf_init(&b, (MAX_UNCLES + 1) * VC_HEADER_MAX_RLP);
  if (!json_is_array(uncle_hashes) || !json_is_array(uncle_headers))
    return vc_fail(err, VC_ERR_INPUT, "uncles: not arrays");
  size_t n = json_array_size(uncle_hashes);
  if (n > MAX_UNCLES) return vc_fail(err, VC_ERR_LIMIT, "uncles: over the cap of %d", MAX_UNCLES);
  if (n != json_array_size(uncle_headers))
    return vc_fail(err, VC_ERR_MISMATCH, "uncles: %zu hashes but %zu headers", n,
                   json_array_size(uncle_headers));
  u = malloc(sizeof *u);
  if (!u) return vc_fail(err, VC_ERR_NOMEM, "uncles: out of memory");
  size_t m = vc_rlp_list_begin(&b);
  for (size_t i = 0; i < n; i++) {
    uint8_t want[32];
    if ((st = vc_header_from_json(json_array_get(uncle_headers, i), u, err)) != VC_OK ||
        (st = vc_jv_fixed(json_array_get(uncle_hashes, i), want, 32, "uncles", "hash", err)) !=
            VC_OK ||
        (st = vc_header_encode(u, &b, err)) != VC_OK)
      goto out;
    if (memcmp(want, u->hash, 32) != 0) {
      st = vc_fail(err, VC_ERR_MISMATCH, "uncles: header %zu is not the listed uncle", i);
      goto out;
    }
  }
  vc_rlp_list_end(&b, m);
  if ((st = vc_rlp_buf_status(&b)) != VC_OK) {
    st = vc_fail(err, st, "uncles: encoding failed");
    goto out;
  }
  uint8_t got[32];
  vc_keccak256(b.buf, b.len, got);
  if (memcmp(got, uncles_hash, 32) != 0)
    st = vc_fail(err, VC_ERR_MISMATCH, "uncles: headers do not match sha3Uncles");
out:
  vc_rlp_buf_free(&b);
  free(u);
  return st;
}

vc_status vc_block_ctx_from_json(const json_t *block, vc_block_ctx *bc, vc_err *err) {
  vc_status st;
  memset(bc, 0, sizeof *bc);
  if ((st = vc_jf_fixed(block, "hash", bc->hash, 32, "verified block", err)) != VC_OK ||
      (st = vc_jf_u64(block, "number", &bc->number, "verified block", err)) != VC_OK ||
      (st = vc_jf_u64(block, "timestamp", &bc->timestamp, "verified block", err)) != VC_OK)
    return st;
  bc->has_base_fee = vc_jf_present(block, "baseFeePerGas");
  if (bc->has_base_fee)
    return qty_u256(block, "baseFeePerGas", &bc->base_fee, "verified block", err);
  return VC_OK;
}

vc_status vc_verify_tx_in_block(const json_t *tx, const json_t *verified_block, vc_err *err) {
  vc_status st;
  uint64_t idx;
  uint8_t h[32], want[32];
  vc_block_ctx bc;
  if ((st = vc_jf_u64(tx, "transactionIndex", &idx, "tx", err)) != VC_OK ||
      (st = vc_block_ctx_from_json(verified_block, &bc, err)) != VC_OK)
    return st;
  const json_t *txs = json_object_get(verified_block, "transactions");
  if (!json_is_array(txs) || idx >= json_array_size(txs))
    return vc_fail(err, VC_ERR_MISMATCH, "tx: transactionIndex %llu is not in the block",
                   (unsigned long long)idx);
  const json_t *entry = json_array_get(txs, idx);
  if ((st = vc_verify_tx(tx, h, err)) != VC_OK) return st;
  if (json_is_object(entry))
    st = vc_jf_fixed(entry, "hash", want, 32, "verified tx", err);
  else
    st = vc_jv_fixed(entry, want, 32, "verified block", "transactions", err);
  if (st != VC_OK) return st;
  if (memcmp(h, want, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "tx: not the transaction at index %llu",
                   (unsigned long long)idx);
  return vc_check_tx_block_fields(tx, (size_t)idx, &bc, err);
}

/*
 * header.c: header field table, JSON/RLP decoding and hashing (see header.h).
 *
 * One table row per header field, in RLP order: JSON key, kind, where it lives in
 * vc_header. Decoding from JSON, decoding from RLP and encoding to RLP are three loops
 * over the same table, so adding a field a new fork brings is adding one row (and one
 * struct member).
 */
#include "core/header.h"

#include "core/keccak.h"

#include <stddef.h>
#include <string.h>

typedef enum { K_FIXED, K_U64, K_QTY, K_EXTRA } kind;

typedef struct {
  const char *key;
  kind k;
  size_t off;
  size_t n; /* K_FIXED: byte length */
} field;

#define FIX(key, m, n) {key, K_FIXED, offsetof(vc_header, m), n}
#define U64(key, m) {key, K_U64, offsetof(vc_header, m), 8}
#define QTY(key, m) {key, K_QTY, offsetof(vc_header, m), 32}

static const field fields[VC_HEADER_MAX_FIELDS] = {
    FIX("parentHash", parent_hash, 32),
    FIX("sha3Uncles", uncles_hash, 32),
    FIX("miner", miner, 20),
    FIX("stateRoot", state_root, 32),
    FIX("transactionsRoot", transactions_root, 32),
    FIX("receiptsRoot", receipts_root, 32),
    FIX("logsBloom", logs_bloom, 256),
    QTY("difficulty", difficulty),
    U64("number", number),
    U64("gasLimit", gas_limit),
    U64("gasUsed", gas_used),
    U64("timestamp", timestamp),
    {"extraData", K_EXTRA, offsetof(vc_header, extra_data), VC_HEADER_MAX_EXTRA},
    FIX("mixHash", mix_hash, 32),
    FIX("nonce", nonce, 8),
    QTY("baseFeePerGas", base_fee),
    FIX("withdrawalsRoot", withdrawals_root, 32),
    U64("blobGasUsed", blob_gas_used),
    U64("excessBlobGas", excess_blob_gas),
    FIX("parentBeaconBlockRoot", parent_beacon_root, 32),
    FIX("requestsHash", requests_hash, 32),
    FIX("blockAccessListHash", block_access_list_hash, 32),
};

const char *vc_header_field_key(size_t i) {
  return i < VC_HEADER_MAX_FIELDS ? fields[i].key : NULL;
}

static void *at(vc_header *h, const field *f) {
  return (uint8_t *)h + f->off;
}
static const void *cat(const vc_header *h, const field *f) {
  return (const uint8_t *)h + f->off;
}

static vc_status json_field(const json_t *o, const field *f, vc_header *h, vc_err *err) {
  switch (f->k) {
  case K_FIXED:
    return vc_jf_fixed(o, f->key, at(h, f), f->n, "header", err);
  case K_U64:
    return vc_jf_u64(o, f->key, at(h, f), "header", err);
  case K_QTY:
    return vc_jf_qty(o, f->key, at(h, f), "header", err);
  case K_EXTRA:
    return vc_jf_data(o, f->key, h->extra_data, VC_HEADER_MAX_EXTRA, &h->extra_len, "header",
                      err);
  }
  return vc_fail(err, VC_ERR_INPUT, "header: %s: unknown field kind", f->key);
}

static vc_status rlp_field(const vc_rlp_item *it, const field *f, vc_header *h, vc_err *err) {
  vc_status st;
  if (it->is_list) return vc_fail(err, VC_ERR_INPUT, "header RLP: %s: a list", f->key);
  switch (f->k) {
  case K_FIXED:
    if (it->payload.len != f->n)
      return vc_fail(err, VC_ERR_INPUT, "header RLP: %s: %zu bytes, want %zu", f->key,
                     it->payload.len, f->n);
    memcpy(at(h, f), it->payload.ptr, f->n);
    return VC_OK;
  case K_U64:
    if ((st = vc_rlp_uint(it, at(h, f), err)) != VC_OK)
      return vc_fail(err, st, "header RLP: %s: not a canonical 64-bit scalar", f->key);
    return VC_OK;
  case K_QTY: {
    vc_qty *q = at(h, f);
    if ((st = vc_rlp_uint256(it, q->be, err)) != VC_OK)
      return vc_fail(err, st, "header RLP: %s: not a canonical 256-bit scalar", f->key);
    memset(q->be, 0, sizeof q->be);
    memcpy(q->be, it->payload.ptr, it->payload.len);
    q->len = (uint8_t)it->payload.len;
    return VC_OK;
  }
  case K_EXTRA:
    if (it->payload.len > VC_HEADER_MAX_EXTRA)
      return vc_fail(err, VC_ERR_LIMIT, "header RLP: extraData: %zu bytes exceed the cap of %d",
                     it->payload.len, VC_HEADER_MAX_EXTRA);
    if (it->payload.len) memcpy(h->extra_data, it->payload.ptr, it->payload.len);
    h->extra_len = it->payload.len;
    return VC_OK;
  }
  return vc_fail(err, VC_ERR_INPUT, "header RLP: %s: unknown field kind", f->key);
}

static void put_field(vc_rlp_buf *b, const vc_header *h, const field *f) {
  switch (f->k) {
  case K_FIXED:
    vc_rlp_put_bytes(b, cat(h, f), f->n);
    break;
  case K_U64: {
    uint64_t v;
    memcpy(&v, cat(h, f), sizeof v);
    vc_rlp_put_uint(b, v);
    break;
  }
  case K_QTY: {
    const vc_qty *q = cat(h, f);
    vc_rlp_put_uint_be(b, q->be, q->len);
    break;
  }
  case K_EXTRA:
    vc_rlp_put_bytes(b, h->extra_data, h->extra_len);
    break;
  }
}

vc_status vc_header_encode(const vc_header *h, vc_rlp_buf *out, vc_err *err) {
  if (h->n_fields < VC_HEADER_MIN_FIELDS || h->n_fields > VC_HEADER_MAX_FIELDS)
    return vc_fail(err, VC_ERR_INPUT, "header: %u fields, want %d..%d", h->n_fields,
                   VC_HEADER_MIN_FIELDS, VC_HEADER_MAX_FIELDS);
  if (h->extra_len > VC_HEADER_MAX_EXTRA)
    return vc_fail(err, VC_ERR_LIMIT, "header: extraData over the cap");
  size_t m = vc_rlp_list_begin(out);
  for (unsigned i = 0; i < h->n_fields; i++) put_field(out, h, &fields[i]);
  vc_rlp_list_end(out, m);
  vc_status st = vc_rlp_buf_status(out);
  if (st != VC_OK) return vc_fail(err, st, "header: encoding failed (%s)", vc_status_name(st));
  return VC_OK;
}

vc_status vc_header_hash(const vc_header *h, uint8_t hash[32], vc_err *err) {
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, VC_HEADER_MAX_RLP);
  vc_status st = vc_header_encode(h, &b, err);
  if (st == VC_OK) vc_keccak256(b.buf, b.len, hash);
  vc_rlp_buf_free(&b);
  return st;
}

vc_status vc_header_from_json(const json_t *block, vc_header *out, vc_err *err) {
  vc_status st;
  if (!json_is_object(block)) return vc_fail(err, VC_ERR_INPUT, "header: not a JSON object");
  memset(out, 0, sizeof *out);
  unsigned n = 0;
  for (unsigned i = 0; i < VC_HEADER_MAX_FIELDS; i++) {
    const field *f = &fields[i];
    bool present = vc_jf_present(block, f->key);
    if (i >= VC_HEADER_MIN_FIELDS && !present) continue;
    if (present && i != n)
      return vc_fail(err, VC_ERR_INPUT,
                     "header: %s present but %s absent (no fork has that layout)", f->key,
                     fields[n].key);
    if ((st = json_field(block, f, out, err)) != VC_OK) return st;
    n = i + 1;
  }
  out->n_fields = n;
  if ((st = vc_header_hash(out, out->hash, err)) != VC_OK) return st;
  if (vc_jf_present(block, "hash")) {
    uint8_t claimed[32];
    if ((st = vc_jf_fixed(block, "hash", claimed, 32, "header", err)) != VC_OK) return st;
    if (memcmp(claimed, out->hash, 32) != 0)
      return vc_fail(err, VC_ERR_MISMATCH,
                     "header %llu: hash is not keccak(rlp(header)) (%u fields)",
                     (unsigned long long)out->number, n);
  }
  return VC_OK;
}

vc_status vc_header_from_rlp(vc_bytes rlp, vc_header *out, vc_err *err) {
  vc_status st;
  vc_rlp_item list, items[VC_HEADER_MAX_FIELDS + 1];
  size_t n = 0;
  if (rlp.len > VC_HEADER_MAX_RLP)
    return vc_fail(err, VC_ERR_LIMIT, "header RLP: %zu bytes exceed the cap of %d", rlp.len,
                   VC_HEADER_MAX_RLP);
  memset(out, 0, sizeof *out);
  if ((st = vc_rlp_decode(rlp, &list, err)) != VC_OK) return st;
  if (!list.is_list) return vc_fail(err, VC_ERR_INPUT, "header RLP: not a list");
  st = vc_rlp_list_items(list.payload, items, VC_HEADER_MAX_FIELDS + 1, &n, err);
  if (st == VC_ERR_LIMIT || (st == VC_OK && n > VC_HEADER_MAX_FIELDS))
    return vc_fail(err, VC_ERR_INPUT, "header RLP: more than %d fields", VC_HEADER_MAX_FIELDS);
  if (st != VC_OK) return st;
  if (n < VC_HEADER_MIN_FIELDS)
    return vc_fail(err, VC_ERR_INPUT, "header RLP: %zu fields, want at least %d", n,
                   VC_HEADER_MIN_FIELDS);
  for (size_t i = 0; i < n; i++)
    if ((st = rlp_field(&items[i], &fields[i], out, err)) != VC_OK) return st;
  out->n_fields = (unsigned)n;
  vc_keccak256(rlp.ptr, rlp.len, out->hash);
  return VC_OK;
}

/*
 * tx.c: transaction envelopes as tables; JSON encoding, raw decoding, sender recovery,
 * transactions root (see tx.h).
 *
 * Each envelope is a row: its type byte and its fields in RLP order, each field a JSON
 * key and a kind. The JSON encoder, the raw validator and the signing-payload builder
 * all walk the same rows, so the three can never disagree about a layout.
 */
#include "core/tx.h"

#include "core/jfield.h"
#include "core/keccak.h"
#include "core/trie.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum {
  T_U64,
  T_QTY,
  T_QTY_OPT, /* QUANTITY; absent means zero (deposit "mint") */
  T_TO,
  T_TO_REQ,
  T_DATA,
  T_ACCESS,
  T_BLOBS,
  T_AUTH,
  T_V,
  T_YPARITY,
  T_HASH,  /* DATA of 32 bytes (deposit "sourceHash") */
  T_FROM,  /* the sender, in the encoding itself (deposit "from") */
  T_BOOL,  /* JSON true/false, absent means false; RLP 0x01 / empty (deposit "isSystemTx") */
} tkind;

typedef struct {
  const char *key;
  tkind k;
} tfield;

typedef struct {
  uint8_t type;
  const tfield *f;
  size_t n;
  bool signed_tx; /* false: no signature, the sender is field 1 (OP-stack deposits) */
} tlayout;

#define HEAD_1559                                                                           \
  {"chainId", T_QTY}, {"nonce", T_U64}, {"maxPriorityFeePerGas", T_QTY},                   \
      {"maxFeePerGas", T_QTY}, {"gas", T_U64}
#define SIG {"yParity", T_YPARITY}, {"r", T_QTY}, {"s", T_QTY}

static const tfield f_legacy[] = {{"nonce", T_U64}, {"gasPrice", T_QTY}, {"gas", T_U64},
                                  {"to", T_TO},     {"value", T_QTY},    {"input", T_DATA},
                                  {"v", T_V},       {"r", T_QTY},        {"s", T_QTY}};
static const tfield f_2930[] = {{"chainId", T_QTY}, {"nonce", T_U64},       {"gasPrice", T_QTY},
                                {"gas", T_U64},     {"to", T_TO},           {"value", T_QTY},
                                {"input", T_DATA},  {"accessList", T_ACCESS}, SIG};
static const tfield f_1559[] = {HEAD_1559, {"to", T_TO}, {"value", T_QTY}, {"input", T_DATA},
                                {"accessList", T_ACCESS}, SIG};
static const tfield f_4844[] = {HEAD_1559,
                                {"to", T_TO_REQ},
                                {"value", T_QTY},
                                {"input", T_DATA},
                                {"accessList", T_ACCESS},
                                {"maxFeePerBlobGas", T_QTY},
                                {"blobVersionedHashes", T_BLOBS},
                                SIG};
static const tfield f_7702[] = {HEAD_1559,         {"to", T_TO_REQ},         {"value", T_QTY},
                                {"input", T_DATA}, {"accessList", T_ACCESS}, {"authorizationList", T_AUTH},
                                SIG};

/* OP-stack deposit (op-geth DepositTx, RLP order). No nonce, no fee fields, no
 * signature: "from" is committed to by the encoding and proven by the tx root. */
static const tfield f_deposit[] = {{"sourceHash", T_HASH}, {"from", T_FROM},
                                   {"to", T_TO},           {"mint", T_QTY_OPT},
                                   {"value", T_QTY},       {"gas", T_U64},
                                   {"isSystemTx", T_BOOL}, {"input", T_DATA}};

#define LAYOUT(t, arr) {t, arr, sizeof arr / sizeof arr[0], true}
static const tlayout layouts[] = {
    LAYOUT(0, f_legacy),
    LAYOUT(1, f_2930),
    LAYOUT(2, f_1559),
    LAYOUT(3, f_4844),
    LAYOUT(4, f_7702),
    {VC_TX_TYPE_DEPOSIT, f_deposit, sizeof f_deposit / sizeof f_deposit[0], false},
};

static const tlayout *layout_of(uint64_t type) {
  for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++)
    if (layouts[i].type == type) return &layouts[i];
  return NULL;
}

/* ---------------------------------------------------------------- JSON -> RLP */

static vc_status put_list_of_fixed(vc_rlp_buf *b, const json_t *arr, size_t width,
                                   const char *name, vc_err *err) {
  if (!json_is_array(arr)) return vc_fail(err, VC_ERR_INPUT, "tx: %s: not an array", name);
  if (json_array_size(arr) > VC_TX_MAX_LIST)
    return vc_fail(err, VC_ERR_LIMIT, "tx: %s: over the cap of %d entries", name, VC_TX_MAX_LIST);
  size_t m = vc_rlp_list_begin(b), i;
  const json_t *v;
  uint8_t buf[32];
  json_array_foreach(arr, i, v) {
    vc_status st = vc_jv_fixed(v, buf, width, "tx", name, err);
    if (st != VC_OK) return st;
    vc_rlp_put_bytes(b, buf, width);
  }
  vc_rlp_list_end(b, m);
  return VC_OK;
}

static vc_status put_access_list(vc_rlp_buf *b, const json_t *tx, vc_err *err) {
  const json_t *al = json_object_get(tx, "accessList");
  if (!al || json_is_null(al)) { /* absent means empty; a wrong guess fails the hash */
    size_t m = vc_rlp_list_begin(b);
    vc_rlp_list_end(b, m);
    return VC_OK;
  }
  if (!json_is_array(al)) return vc_fail(err, VC_ERR_INPUT, "tx: accessList: not an array");
  if (json_array_size(al) > VC_TX_MAX_LIST)
    return vc_fail(err, VC_ERR_LIMIT, "tx: accessList: over the cap of %d", VC_TX_MAX_LIST);
  size_t m = vc_rlp_list_begin(b), i;
  const json_t *e;
  json_array_foreach(al, i, e) {
    uint8_t a[20];
    vc_status st = vc_jf_fixed(e, "address", a, 20, "tx accessList", err);
    if (st != VC_OK) return st;
    size_t me = vc_rlp_list_begin(b);
    vc_rlp_put_bytes(b, a, 20);
    st = put_list_of_fixed(b, json_object_get(e, "storageKeys"), 32, "storageKeys", err);
    if (st != VC_OK) return st;
    vc_rlp_list_end(b, me);
  }
  vc_rlp_list_end(b, m);
  return VC_OK;
}

static vc_status put_qty(vc_rlp_buf *b, const json_t *o, const char *key, const char *what,
                         vc_err *err) {
  vc_qty q;
  vc_status st = vc_jf_qty(o, key, &q, what, err);
  if (st == VC_OK) vc_rlp_put_uint_be(b, q.be, q.len);
  return st;
}

/* yParity, or v when yParity is absent; both must agree and be 0 or 1. */
static vc_status get_yparity(const json_t *o, uint64_t *y, const char *what, vc_err *err) {
  vc_status st;
  bool hy = vc_jf_present(o, "yParity"), hv = vc_jf_present(o, "v");
  uint64_t v = 0;
  if (hv && (st = vc_jf_u64(o, "v", &v, what, err)) != VC_OK) return st;
  if (hy) {
    if ((st = vc_jf_u64(o, "yParity", y, what, err)) != VC_OK) return st;
    if (hv && v != *y) return vc_fail(err, VC_ERR_MISMATCH, "%s: v and yParity differ", what);
  } else if (hv) {
    *y = v;
  } else {
    return vc_fail(err, VC_ERR_MISSING, "%s: yParity: absent", what);
  }
  if (*y > 1) return vc_fail(err, VC_ERR_INPUT, "%s: yParity is not 0 or 1", what);
  return VC_OK;
}

static vc_status put_auth_list(vc_rlp_buf *b, const json_t *tx, vc_err *err) {
  const json_t *al = json_object_get(tx, "authorizationList");
  if (!json_is_array(al))
    return vc_fail(err, VC_ERR_INPUT, "tx: authorizationList: not an array");
  if (json_array_size(al) > VC_TX_MAX_LIST)
    return vc_fail(err, VC_ERR_LIMIT, "tx: authorizationList: over the cap of %d", VC_TX_MAX_LIST);
  size_t m = vc_rlp_list_begin(b), i;
  const json_t *e;
  json_array_foreach(al, i, e) {
    vc_status st;
    uint8_t a[20];
    uint64_t nonce, y;
    const char *w = "tx authorization";
    size_t me = vc_rlp_list_begin(b);
    if ((st = put_qty(b, e, "chainId", w, err)) != VC_OK ||
        (st = vc_jf_fixed(e, "address", a, 20, w, err)) != VC_OK)
      return st;
    vc_rlp_put_bytes(b, a, 20);
    if ((st = vc_jf_u64(e, "nonce", &nonce, w, err)) != VC_OK ||
        (st = get_yparity(e, &y, w, err)) != VC_OK)
      return st;
    vc_rlp_put_uint(b, nonce);
    vc_rlp_put_uint(b, y);
    if ((st = put_qty(b, e, "r", w, err)) != VC_OK || (st = put_qty(b, e, "s", w, err)) != VC_OK)
      return st;
    vc_rlp_list_end(b, me);
  }
  vc_rlp_list_end(b, m);
  return VC_OK;
}

static vc_status put_json_field(vc_rlp_buf *b, const json_t *tx, const tfield *f, vc_err *err) {
  vc_status st;
  uint64_t u;
  uint8_t a[20];
  switch (f->k) {
  case T_U64:
    if ((st = vc_jf_u64(tx, f->key, &u, "tx", err)) != VC_OK) return st;
    vc_rlp_put_uint(b, u);
    return VC_OK;
  case T_QTY:
  case T_V:
    return put_qty(b, tx, f->key, "tx", err);
  case T_QTY_OPT:
    if (!vc_jf_present(tx, f->key)) {
      vc_rlp_put_bytes(b, NULL, 0);
      return VC_OK;
    }
    return put_qty(b, tx, f->key, "tx", err);
  case T_HASH: {
    uint8_t h[32];
    if ((st = vc_jf_fixed(tx, f->key, h, 32, "tx", err)) != VC_OK) return st;
    vc_rlp_put_bytes(b, h, 32);
    return VC_OK;
  }
  case T_FROM:
    if ((st = vc_jf_fixed(tx, f->key, a, 20, "tx", err)) != VC_OK) return st;
    vc_rlp_put_bytes(b, a, 20);
    return VC_OK;
  case T_BOOL: {
    const json_t *v = json_object_get(tx, f->key);
    if (v && !json_is_null(v) && !json_is_boolean(v))
      return vc_fail(err, VC_ERR_INPUT, "tx: %s: not true or false", f->key);
    vc_rlp_put_uint(b, json_is_true(v) ? 1 : 0);
    return VC_OK;
  }
  case T_TO:
  case T_TO_REQ:
    if (f->k == T_TO && !vc_jf_present(tx, "to")) {
      vc_rlp_put_bytes(b, NULL, 0);
      return VC_OK;
    }
    if ((st = vc_jf_fixed(tx, "to", a, 20, "tx", err)) != VC_OK) return st;
    vc_rlp_put_bytes(b, a, 20);
    return VC_OK;
  case T_DATA: {
    uint8_t *d = NULL;
    size_t dl = 0;
    const char *key = vc_jf_present(tx, "input") || !vc_jf_present(tx, "data") ? "input" : "data";
    if ((st = vc_jf_data_alloc(tx, key, VC_TX_MAX_BYTES, &d, &dl, "tx", err)) != VC_OK) return st;
    vc_rlp_put_bytes(b, d, dl);
    free(d);
    return VC_OK;
  }
  case T_ACCESS:
    return put_access_list(b, tx, err);
  case T_BLOBS:
    return put_list_of_fixed(b, json_object_get(tx, f->key), 32, f->key, err);
  case T_AUTH:
    return put_auth_list(b, tx, err);
  case T_YPARITY:
    if ((st = get_yparity(tx, &u, "tx", err)) != VC_OK) return st;
    vc_rlp_put_uint(b, u);
    return VC_OK;
  }
  return vc_fail(err, VC_ERR_INPUT, "tx: %s: unknown field kind", f->key);
}

/* Legacy v against a JSON chainId, when both say something about the chain. */
static vc_status check_legacy_chain(const json_t *tx, vc_err *err) {
  uint64_t v, chain;
  if (!vc_jf_present(tx, "chainId") || vc_jf_u64(tx, "v", &v, "tx", NULL) != VC_OK || v < 35)
    return VC_OK;
  vc_status st = vc_jf_u64(tx, "chainId", &chain, "tx", err);
  if (st != VC_OK) return st;
  if ((v - 35) / 2 != chain)
    return vc_fail(err, VC_ERR_MISMATCH, "tx: chainId %llu disagrees with v",
                   (unsigned long long)chain);
  return VC_OK;
}

vc_status vc_tx_encode(const json_t *tx, vc_rlp_buf *out, vc_err *err) {
  vc_status st;
  uint64_t type = 0;
  if (!json_is_object(tx)) return vc_fail(err, VC_ERR_INPUT, "tx: not an object");
  if (vc_jf_present(tx, "type") && (st = vc_jf_u64(tx, "type", &type, "tx", err)) != VC_OK)
    return st;
  const tlayout *l = layout_of(type);
  if (!l)
    return vc_fail(err, VC_ERR_INPUT, "tx: type 0x%llx is not supported",
                   (unsigned long long)type);
  if (type == 0 && (st = check_legacy_chain(tx, err)) != VC_OK) return st;
  if (type) vc_rlp_put_raw(out, &l->type, 1);
  size_t m = vc_rlp_list_begin(out);
  for (size_t i = 0; i < l->n; i++)
    if ((st = put_json_field(out, tx, &l->f[i], err)) != VC_OK) return st;
  vc_rlp_list_end(out, m);
  if ((st = vc_rlp_buf_status(out)) != VC_OK)
    return vc_fail(err, st, "tx: encoding failed (%s)", vc_status_name(st));
  return VC_OK;
}

vc_status vc_tx_hash(const json_t *tx, uint8_t hash[32], vc_err *err) {
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, VC_TX_MAX_BYTES);
  vc_status st = vc_tx_encode(tx, &b, err);
  if (st == VC_OK) vc_keccak256(b.buf, b.len, hash);
  vc_rlp_buf_free(&b);
  return st;
}

/* ---------------------------------------------------------------- raw checks */

static vc_status raw_scalar(const vc_rlp_item *it, size_t max, const char *key, vc_err *err) {
  if (it->is_list) return vc_fail(err, VC_ERR_INPUT, "raw tx: %s: a list", key);
  const vc_bytes *p = &it->payload;
  if (p->len > max) return vc_fail(err, VC_ERR_INPUT, "raw tx: %s: longer than %zu bytes", key, max);
  if (p->len && p->ptr[0] == 0) return vc_fail(err, VC_ERR_INPUT, "raw tx: %s: leading zero", key);
  return VC_OK;
}

static vc_status raw_string(const vc_rlp_item *it, size_t len, const char *key, vc_err *err) {
  if (it->is_list || it->payload.len != len)
    return vc_fail(err, VC_ERR_INPUT, "raw tx: %s: not %zu bytes", key, len);
  return VC_OK;
}

/* A list whose items each pass check(); at most VC_TX_MAX_LIST. */
static vc_status raw_list(const vc_rlp_item *it, const char *key, vc_err *err,
                          vc_status (*check)(const vc_rlp_item *, vc_err *)) {
  if (!it->is_list) return vc_fail(err, VC_ERR_INPUT, "raw tx: %s: not a list", key);
  vc_bytes cur = it->payload;
  size_t n = 0;
  while (cur.len) {
    vc_rlp_item e;
    vc_status st = vc_rlp_next(&cur, &e, err);
    if (st != VC_OK) return st;
    if (++n > VC_TX_MAX_LIST) return vc_fail(err, VC_ERR_LIMIT, "raw tx: %s: too long", key);
    if ((st = check(&e, err)) != VC_OK) return st;
  }
  return VC_OK;
}

static vc_status chk_hash32(const vc_rlp_item *it, vc_err *err) {
  return raw_string(it, 32, "list entry", err);
}

static vc_status chk_access(const vc_rlp_item *it, vc_err *err) {
  vc_rlp_item parts[3];
  size_t n = 0;
  vc_status st;
  if (!it->is_list) return vc_fail(err, VC_ERR_INPUT, "raw tx: accessList entry: not a list");
  if ((st = vc_rlp_list_items(it->payload, parts, 3, &n, err)) != VC_OK) return st;
  if (n != 2) return vc_fail(err, VC_ERR_INPUT, "raw tx: accessList entry: %zu items", n);
  if ((st = raw_string(&parts[0], 20, "accessList address", err)) != VC_OK) return st;
  return raw_list(&parts[1], "storageKeys", err, chk_hash32);
}

static vc_status chk_auth(const vc_rlp_item *it, vc_err *err) {
  vc_rlp_item p[7];
  size_t n = 0;
  vc_status st;
  if (!it->is_list) return vc_fail(err, VC_ERR_INPUT, "raw tx: authorization: not a list");
  if ((st = vc_rlp_list_items(it->payload, p, 7, &n, err)) != VC_OK) return st;
  if (n != 6) return vc_fail(err, VC_ERR_INPUT, "raw tx: authorization: %zu items", n);
  if ((st = raw_scalar(&p[0], 32, "auth chainId", err)) != VC_OK ||
      (st = raw_string(&p[1], 20, "auth address", err)) != VC_OK ||
      (st = raw_scalar(&p[2], 8, "auth nonce", err)) != VC_OK ||
      (st = raw_scalar(&p[3], 1, "auth yParity", err)) != VC_OK ||
      (st = raw_scalar(&p[4], 32, "auth r", err)) != VC_OK ||
      (st = raw_scalar(&p[5], 32, "auth s", err)) != VC_OK)
    return st;
  return VC_OK;
}

static vc_status raw_field(const vc_rlp_item *it, const tfield *f, vc_err *err) {
  switch (f->k) {
  case T_U64:
    return raw_scalar(it, 8, f->key, err);
  case T_QTY:
  case T_QTY_OPT:
  case T_V:
    return raw_scalar(it, 32, f->key, err);
  case T_HASH:
    return raw_string(it, 32, f->key, err);
  case T_FROM:
    return raw_string(it, 20, f->key, err);
  case T_BOOL: {
    vc_status st = raw_scalar(it, 1, f->key, err);
    if (st == VC_OK && it->payload.len && it->payload.ptr[0] != 1)
      return vc_fail(err, VC_ERR_INPUT, "raw tx: %s is not a boolean", f->key);
    return st;
  }
  case T_TO:
    if (!it->is_list && it->payload.len == 0) return VC_OK;
    return raw_string(it, 20, f->key, err);
  case T_TO_REQ:
    return raw_string(it, 20, f->key, err);
  case T_DATA:
    if (it->is_list) return vc_fail(err, VC_ERR_INPUT, "raw tx: input: a list");
    return VC_OK;
  case T_ACCESS:
    return raw_list(it, f->key, err, chk_access);
  case T_BLOBS:
    return raw_list(it, f->key, err, chk_hash32);
  case T_AUTH:
    return raw_list(it, f->key, err, chk_auth);
  case T_YPARITY: {
    vc_status st = raw_scalar(it, 1, f->key, err);
    if (st == VC_OK && it->payload.len && it->payload.ptr[0] > 1)
      return vc_fail(err, VC_ERR_INPUT, "raw tx: yParity is not 0 or 1");
    return st;
  }
  }
  return vc_fail(err, VC_ERR_INPUT, "raw tx: %s: unknown field kind", f->key);
}

vc_status vc_tx_decode_raw(vc_bytes raw, vc_tx_raw *out, vc_err *err) {
  vc_status st;
  memset(out, 0, sizeof *out);
  if (raw.len == 0) return vc_fail(err, VC_ERR_INPUT, "raw tx: empty");
  if (raw.len > VC_TX_MAX_BYTES)
    return vc_fail(err, VC_ERR_LIMIT, "raw tx: %zu bytes exceed the cap", raw.len);
  vc_bytes body = raw;
  if (raw.ptr[0] < 0x80) { /* EIP-2718 envelope */
    out->type = raw.ptr[0];
    body = vc_bytes_of(raw.ptr + 1, raw.len - 1);
    if (out->type == 0) return vc_fail(err, VC_ERR_INPUT, "raw tx: type 0 envelope");
  } else if (raw.ptr[0] < 0xc0) {
    return vc_fail(err, VC_ERR_INPUT, "raw tx: neither a typed envelope nor a list");
  }
  const tlayout *l = layout_of(out->type);
  if (!l) return vc_fail(err, VC_ERR_INPUT, "raw tx: type 0x%02x is not supported", out->type);
  vc_rlp_item list;
  if ((st = vc_rlp_decode(body, &list, err)) != VC_OK) return st;
  if (!list.is_list) return vc_fail(err, VC_ERR_INPUT, "raw tx: payload is not a list");
  size_t n = 0;
  st = vc_rlp_list_items(list.payload, out->fields, sizeof out->fields / sizeof out->fields[0],
                         &n, err);
  if (st == VC_ERR_LIMIT || (st == VC_OK && n != l->n))
    return vc_fail(err, VC_ERR_INPUT, "raw tx: type %u wants %zu fields", out->type, l->n);
  if (st != VC_OK) return st;
  for (size_t i = 0; i < n; i++)
    if ((st = raw_field(&out->fields[i], &l->f[i], err)) != VC_OK) return st;
  out->n_fields = n;
  vc_keccak256(raw.ptr, raw.len, out->hash);
  return VC_OK;
}

/* ---------------------------------------------------------------- sender */

static void left_pad32(const vc_rlp_item *it, uint8_t out[32]) {
  memset(out, 0, 32);
  memcpy(out + 32 - it->payload.len, it->payload.ptr, it->payload.len);
}

vc_status vc_tx_sender_raw(const vc_tx_raw *tx, uint8_t from[20], vc_err *err) {
  vc_status st;
  const tlayout *l = layout_of(tx->type);
  if (!l || tx->n_fields != l->n)
    return vc_fail(err, VC_ERR_INPUT, "tx sender: not a decoded transaction");
  if (!l->signed_tx) { /* deposit: the sender is in the encoding (validated as 20 bytes) */
    memcpy(from, tx->fields[1].payload.ptr, 20);
    return VC_OK;
  }
  size_t nsig = l->n - 3;
  uint64_t v = 0, chain = 0;
  int recid;
  const vc_rlp_item *vi = &tx->fields[nsig];
  if ((st = vc_rlp_uint(vi, &v, err)) != VC_OK)
    return vc_fail(err, VC_ERR_INPUT, "tx sender: v does not fit 64 bits");
  if (tx->type) {
    recid = (int)v;
  } else if (v == 27 || v == 28) {
    recid = (int)(v - 27);
  } else if (v >= 35) {
    chain = (v - 35) / 2;
    recid = (int)((v - 35) % 2);
  } else {
    return vc_fail(err, VC_ERR_INPUT, "tx sender: legacy v %llu is invalid",
                   (unsigned long long)v);
  }
  vc_rlp_buf b;
  vc_rlp_buf_init(&b, VC_TX_MAX_BYTES + 64);
  if (tx->type) vc_rlp_put_raw(&b, &tx->type, 1);
  size_t m = vc_rlp_list_begin(&b);
  for (size_t i = 0; i < nsig; i++) vc_rlp_put_raw(&b, tx->fields[i].raw.ptr, tx->fields[i].raw.len);
  if (!tx->type && v >= 35) { /* EIP-155: chainId, 0, 0 */
    vc_rlp_put_uint(&b, chain);
    vc_rlp_put_uint(&b, 0);
    vc_rlp_put_uint(&b, 0);
  }
  vc_rlp_list_end(&b, m);
  uint8_t msg[32], rs[64], pub[65], h[32];
  if ((st = vc_rlp_buf_status(&b)) != VC_OK) {
    st = vc_fail(err, st, "tx sender: encoding failed");
    goto out;
  }
  vc_keccak256(b.buf, b.len, msg);
  left_pad32(&tx->fields[nsig + 1], rs);
  left_pad32(&tx->fields[nsig + 2], rs + 32);
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey pk;
  size_t pl = sizeof pub;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(secp256k1_context_static, &sig, rs,
                                                           recid) ||
      !secp256k1_ecdsa_recover(secp256k1_context_static, &pk, &sig, msg)) {
    st = vc_fail(err, VC_ERR_MISMATCH, "tx sender: signature does not recover a key");
    goto out;
  }
  secp256k1_ec_pubkey_serialize(secp256k1_context_static, pub, &pl, &pk,
                                SECP256K1_EC_UNCOMPRESSED);
  vc_keccak256(pub + 1, 64, h);
  memcpy(from, h + 12, 20);
  st = VC_OK;
out:
  vc_rlp_buf_free(&b);
  return st;
}

/* ---------------------------------------------------------------- verify */

/* Encode tx into b (reset first), check the JSON hash and, when present, "from". */
static vc_status verify_one(const json_t *tx, vc_rlp_buf *b, uint8_t hash[32], bool senders,
                            vc_err *err) {
  vc_status st;
  b->len = 0;
  if ((st = vc_tx_encode(tx, b, err)) != VC_OK) return st;
  vc_keccak256(b->buf, b->len, hash);
  uint8_t claimed[32];
  if ((st = vc_jf_fixed(tx, "hash", claimed, 32, "tx", err)) != VC_OK) return st;
  if (memcmp(claimed, hash, 32) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "tx: hash is not keccak of its encoding");
  if (!senders || !vc_jf_present(tx, "from")) return VC_OK;
  uint8_t from[20], got[20];
  vc_tx_raw raw;
  if ((st = vc_jf_fixed(tx, "from", from, 20, "tx", err)) != VC_OK ||
      (st = vc_tx_decode_raw(vc_bytes_of(b->buf, b->len), &raw, err)) != VC_OK ||
      (st = vc_tx_sender_raw(&raw, got, err)) != VC_OK)
    return st;
  if (memcmp(from, got, 20) != 0)
    return vc_fail(err, VC_ERR_MISMATCH, "tx: from is not the signer");
  return VC_OK;
}

vc_status vc_verify_tx(const json_t *tx, uint8_t hash_out[32], vc_err *err) {
  vc_rlp_buf b;
  uint8_t h[32];
  vc_rlp_buf_init(&b, VC_TX_MAX_BYTES);
  vc_status st = verify_one(tx, &b, h, true, err);
  if (st == VC_OK && hash_out) memcpy(hash_out, h, 32);
  vc_rlp_buf_free(&b);
  return st;
}

size_t vc_tx_prefix_len(size_t len) {
  size_t n = 1;
  if (len > 55)
    for (size_t v = len; v; v >>= 8) n++;
  return n;
}

vc_status vc_verify_transactions(const json_t *txs, const uint8_t root[32], vc_err *err) {
  return vc_verify_transactions_len(txs, root, 0, NULL, err);
}

vc_status vc_verify_transactions_len(const json_t *txs, const uint8_t root[32], unsigned flags,
                                     size_t *body_list_len, vc_err *err) {
  vc_status st = VC_OK;
  size_t body = 0;
  vc_rlp_buf one, all;
  size_t *offs = NULL;
  vc_bytes *vals = NULL;
  vc_rlp_buf_init(&one, VC_TX_MAX_BYTES);
  vc_rlp_buf_init(&all, VC_TRIE_MAX_BYTES);
  if (!json_is_array(txs)) return vc_fail(err, VC_ERR_INPUT, "transactions: not an array");
  size_t n = json_array_size(txs);
  if (n > VC_TXS_MAX)
    return vc_fail(err, VC_ERR_LIMIT, "transactions: %zu exceed the cap of %d", n, VC_TXS_MAX);
  offs = malloc((n + 1) * sizeof *offs);
  vals = malloc((n + 1) * sizeof *vals);
  if (!offs || !vals) {
    st = vc_fail(err, VC_ERR_NOMEM, "transactions: out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++) {
    const json_t *tx = json_array_get(txs, i);
    uint8_t h[32];
    uint64_t idx;
    if ((st = verify_one(tx, &one, h, !(flags & VC_TX_SKIP_SENDERS), err)) != VC_OK) {
      char why[sizeof err->msg];
      snprintf(why, sizeof why, "%s", err ? err->msg : "");
      st = vc_fail(err, st, "transaction %zu: %s", i, why);
      goto out;
    }
    if (vc_jf_present(tx, "transactionIndex")) {
      if ((st = vc_jf_u64(tx, "transactionIndex", &idx, "tx", err)) != VC_OK) goto out;
      if (idx != i) {
        st = vc_fail(err, VC_ERR_MISMATCH, "transaction %zu: transactionIndex is %llu", i,
                     (unsigned long long)idx);
        goto out;
      }
    }
    offs[i] = all.len;
    vc_rlp_put_raw(&all, one.buf, one.len);
    body += one.buf[0] < 0x80 ? vc_tx_prefix_len(one.len) + one.len : one.len;
  }
  offs[n] = all.len;
  if ((st = vc_rlp_buf_status(&all)) != VC_OK) {
    st = vc_fail(err, st, "transactions: over the size cap");
    goto out;
  }
  for (size_t i = 0; i < n; i++) vals[i] = vc_bytes_of(all.buf + offs[i], offs[i + 1] - offs[i]);
  uint8_t got[32];
  if ((st = vc_trie_ordered_root(vals, n, got, err)) != VC_OK) goto out;
  if (memcmp(got, root, 32) != 0)
    st = vc_fail(err, VC_ERR_MISMATCH, "transactions: root of %zu transactions does not match", n);
  else if (body_list_len)
    *body_list_len = vc_tx_prefix_len(body) + body;
out:
  vc_rlp_buf_free(&one);
  vc_rlp_buf_free(&all);
  free(offs);
  free(vals);
  return st;
}

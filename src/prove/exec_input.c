/*
 * exec_input.c: what a verified call runs with, and how a revert is written (exec.h).
 *
 * Reads the call object of eth_call / eth_estimateGas / eth_createAccessList into an
 * evm_tx (the buffers it points to are owned by the vt_xcall), builds the block
 * context from the anchored header (fork from the chain's activation times, a table;
 * for a chain not in it, the newest fork the header layout shows), applies geth's block
 * and state overrides, and writes geth's revert error (code 3, reason decoded from
 * Error(string) or Panic(uint256), data = the revert bytes). No I/O. Called by exec.c
 * and the unit tests.
 */
#include "prove/exec.h"

#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/hex.h"
#include "core/keccak.h"

/* --- small JSON readers ------------------------------------------------------------- */

static bool j_qty64(const json_t *v, uint64_t *out) {
  return json_is_string(v) && vc_hex_quantity_u64(json_string_value(v), json_string_length(v), out) == VC_OK;
}

static bool j_u256(const json_t *v, vc_u256 *out) {
  return json_is_string(v) && vc_u256_from_quantity(out, json_string_value(v), json_string_length(v)) == VC_OK;
}

static bool j_fixed(const json_t *v, uint8_t *out, size_t n) {
  return json_is_string(v) && vc_hex_decode_fixed(json_string_value(v), json_string_length(v), out, n) == VC_OK;
}

/* DATA of any length (cap max); *out malloc'd (NULL when empty). */
static bool j_data(const json_t *v, size_t max, uint8_t **out, size_t *len) {
  *out = NULL;
  *len = 0;
  if (!json_is_string(v)) return false;
  size_t sl = json_string_length(v);
  if (sl < 2 || (sl - 2) / 2 > max) return false;
  if (sl == 2) return true;
  uint8_t *p = malloc(sl / 2);
  if (!p) return false;
  if (vc_hex_decode(json_string_value(v), sl, p, sl / 2, len) != VC_OK) { free(p); return false; }
  *out = p;
  return true;
}

/* A storage key or value: QUANTITY or DATA up to 32 bytes, left-padded. */
static bool j_word(const json_t *v, uint8_t out[32]) {
  uint8_t be[32];
  size_t len = 0;
  if (!json_is_string(v)) return false;
  if (vc_hex_quantity(json_string_value(v), json_string_length(v), be, &len) == VC_OK) {
    memset(out, 0, 32);
    memcpy(out + 32 - len, be, len);
    return true;
  }
  return j_fixed(v, out, 32);
}

/* --- the call object ------------------------------------------------------------------ */

void vt_xcall_free(vt_xcall *c) {
  free(c->data);
  free(c->al);
  free(c->al_keys);
  free((void *)c->tx.blob_hashes);
  free((void *)c->tx.auths);
  memset(c, 0, sizeof *c);
}

static vc_status read_al(const json_t *al, vt_xcall *c, vc_err *err) {
  size_t n = json_array_size(al), nk = 0, i;
  json_t *e;
  if (!json_is_array(al) || n > VT_EXEC_MAX_AL) return vc_fail(err, VC_ERR_INPUT, "accessList is not a list of at most %u entries", VT_EXEC_MAX_AL);
  json_array_foreach(al, i, e) nk += json_array_size(json_object_get(e, "storageKeys"));
  if (nk > VT_EXEC_MAX_AL * 16) return vc_fail(err, VC_ERR_LIMIT, "accessList has too many storage keys");
  c->al = calloc(n + 1, sizeof *c->al);
  c->al_keys = calloc(nk + 1, 32);
  if (!c->al || !c->al_keys) return vc_fail(err, VC_ERR_NOMEM, "out of memory");
  json_array_foreach(al, i, e) {
    json_t *ks = json_object_get(e, "storageKeys"), *k;
    size_t j;
    if (!j_fixed(json_object_get(e, "address"), c->al[i].addr, 20)) return vc_fail(err, VC_ERR_INPUT, "accessList[%zu].address is not an address", i);
    c->al[i].keys = (const uint8_t(*)[32])(c->al_keys + c->n_al_keys);
    json_array_foreach(ks, j, k) {
      if (!j_fixed(k, c->al_keys[c->n_al_keys], 32)) return vc_fail(err, VC_ERR_INPUT, "accessList[%zu].storageKeys[%zu] is not a 32-byte key", i, j);
      c->n_al_keys++;
      c->al[i].n_keys++;
    }
  }
  c->tx.access_list = c->al;
  c->tx.n_access = n;
  return VC_OK;
}

static vc_status read_auths(const json_t *l, vt_xcall *c, vc_err *err) {
  size_t n = json_array_size(l), i;
  json_t *e;
  if (!json_is_array(l) || n > VT_EXEC_MAX_AL) return vc_fail(err, VC_ERR_INPUT, "authorizationList is not a list");
  evm_authorization *a = calloc(n + 1, sizeof *a);
  if (!a) return vc_fail(err, VC_ERR_NOMEM, "out of memory");
  c->tx.auths = a;
  c->tx.n_auths = n;
  json_array_foreach(l, i, e) {
    uint64_t y = 0;
    json_t *yp = json_object_get(e, "yParity");
    if (!yp) yp = json_object_get(e, "v");
    if (!j_u256(json_object_get(e, "chainId"), &a[i].chain_id) || !j_fixed(json_object_get(e, "address"), a[i].addr, 20) ||
        !j_qty64(json_object_get(e, "nonce"), &a[i].nonce) || !j_qty64(yp, &y) || y > 255 ||
        !j_word(json_object_get(e, "r"), a[i].r) || !j_word(json_object_get(e, "s"), a[i].s))
      return vc_fail(err, VC_ERR_INPUT, "authorizationList[%zu] is not a valid authorization", i);
    a[i].y_parity = (uint8_t)y;
  }
  return VC_OK;
}

static vc_status read_blobs(const json_t *l, vt_xcall *c, vc_err *err) {
  size_t n = json_array_size(l), i;
  json_t *e;
  if (!json_is_array(l) || n > 64) return vc_fail(err, VC_ERR_INPUT, "blobVersionedHashes is not a list of hashes");
  uint8_t(*h)[32] = calloc(n + 1, 32);
  if (!h) return vc_fail(err, VC_ERR_NOMEM, "out of memory");
  c->tx.blob_hashes = (const uint8_t(*)[32])h;
  c->tx.n_blob_hashes = n;
  json_array_foreach(l, i, e) if (!j_fixed(e, h[i], 32)) return vc_fail(err, VC_ERR_INPUT, "blobVersionedHashes[%zu] is not a hash", i);
  return VC_OK;
}

vc_status vt_xcall_read(const json_t *o, vt_xcall *c, vc_err *err) {
  memset(c, 0, sizeof *c);
  vc_status rc;
  if (!json_is_object(o)) return vc_fail(err, VC_ERR_INPUT, "the call is not an object");
  json_t *v;
  if ((v = json_object_get(o, "from")) && !json_is_null(v) && !j_fixed(v, c->tx.from, 20)) return vc_fail(err, VC_ERR_INPUT, "from is not an address");
  v = json_object_get(o, "to");
  c->tx.create = !v || json_is_null(v);
  if (!c->tx.create && !j_fixed(v, c->tx.to, 20)) return vc_fail(err, VC_ERR_INPUT, "to is not an address");
  if ((v = json_object_get(o, "gas")) && !json_is_null(v)) {
    if (!j_qty64(v, &c->tx.gas_limit)) return vc_fail(err, VC_ERR_INPUT, "gas is not a quantity");
    c->has_gas = true;
  }
  if ((v = json_object_get(o, "value")) && !json_is_null(v) && !j_u256(v, &c->tx.value)) return vc_fail(err, VC_ERR_INPUT, "value is not a quantity");
  json_t *in = json_object_get(o, "input"), *data = json_object_get(o, "data");
  if (in && json_is_null(in)) in = NULL;
  if (data && json_is_null(data)) data = NULL;
  if (in && data && !json_equal(in, data)) return vc_fail(err, VC_ERR_INPUT, "both \"data\" and \"input\" are set and not equal");
  if ((in || data) && !j_data(in ? in : data, VT_EXEC_MAX_INPUT, &c->data, &c->tx.data_len))
    return vc_fail(err, VC_ERR_INPUT, "input is not hex data of at most %zu bytes", VT_EXEC_MAX_INPUT);
  c->tx.data = c->data;
  json_t *gp = json_object_get(o, "gasPrice"), *mf = json_object_get(o, "maxFeePerGas"), *mp = json_object_get(o, "maxPriorityFeePerGas");
  if (gp && !json_is_null(gp) && mf && !json_is_null(mf))
    return vc_fail(err, VC_ERR_INPUT, "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified");
  if (gp && !json_is_null(gp)) {
    if (!j_u256(gp, &c->tx.gas_price)) return vc_fail(err, VC_ERR_INPUT, "gasPrice is not a quantity");
    c->has_price = !vc_u256_is_zero(&c->tx.gas_price);
  }
  if (mf && !json_is_null(mf)) {
    if (!j_u256(mf, &c->tx.max_fee)) return vc_fail(err, VC_ERR_INPUT, "maxFeePerGas is not a quantity");
    c->has_price = !vc_u256_is_zero(&c->tx.max_fee);
    c->tx.type = 2;
  }
  if (mp && !json_is_null(mp) && !j_u256(mp, &c->tx.max_priority_fee)) return vc_fail(err, VC_ERR_INPUT, "maxPriorityFeePerGas is not a quantity");
  if (mp && !json_is_null(mp) && c->tx.type < 2) {
    c->tx.type = 2;
    c->tx.max_fee = c->tx.max_priority_fee;
  }
  if ((v = json_object_get(o, "maxFeePerBlobGas")) && !json_is_null(v) && !j_u256(v, &c->tx.max_fee_per_blob_gas))
    return vc_fail(err, VC_ERR_INPUT, "maxFeePerBlobGas is not a quantity");
  if ((v = json_object_get(o, "accessList")) && !json_is_null(v)) {
    if ((rc = read_al(v, c, err)) != VC_OK) return rc;
    if (c->tx.type < 1) c->tx.type = 1;
  }
  if ((v = json_object_get(o, "blobVersionedHashes")) && !json_is_null(v)) {
    if ((rc = read_blobs(v, c, err)) != VC_OK) return rc;
    c->tx.type = 3;
  }
  if ((v = json_object_get(o, "authorizationList")) && !json_is_null(v)) {
    if ((rc = read_auths(v, c, err)) != VC_OK) return rc;
    c->tx.type = 4;
  }
  if ((c->tx.type == 3 || c->tx.type == 4) && c->tx.create)
    return vc_fail(err, VC_ERR_INPUT, "a blob or set-code call needs a \"to\" address");
  return VC_OK;
}

/* --- block context and fork ---------------------------------------------------------- */

/* Timestamp activations (Shanghai on) per chain; 0 = not scheduled. */
static const struct chain_forks {
  uint64_t chain_id;
  uint64_t shanghai, cancun, prague, osaka;
} chain_forks[] = {
    {1, 1681338455, 1710338135, 1746612311, 1764798551},
    {11155111, 1677557088, 1706655072, 1741159776, 1760427360},
    {560048, 1, 1, 1742999832, 1761677592},
    {3503995874084926ull, 390, 420, 450, 480}, /* the hive test chain (execution-apis) */
};

/* Block-number activations before Shanghai, newest first per chain. */
static const struct block_fork {
  uint64_t chain_id;
  uint64_t number;
  evm_fork fork;
} block_forks[] = {
    {1, 15537394, EVM_PARIS}, {1, 12965000, EVM_LONDON}, {1, 12244000, EVM_BERLIN}, {1, 9069000, EVM_ISTANBUL},
    {1, 7280000, EVM_PETERSBURG}, {1, 4370000, EVM_BYZANTIUM}, {1, 2675000, EVM_SPURIOUS}, {1, 2463000, EVM_TANGERINE},
    {1, 1150000, EVM_HOMESTEAD}, {1, 0, EVM_FRONTIER},
    {3503995874084926ull, 36, EVM_PARIS}, {3503995874084926ull, 27, EVM_LONDON}, {3503995874084926ull, 24, EVM_BERLIN},
    {3503995874084926ull, 18, EVM_ISTANBUL}, {3503995874084926ull, 15, EVM_PETERSBURG},
    {3503995874084926ull, 12, EVM_CONSTANTINOPLE}, {3503995874084926ull, 9, EVM_BYZANTIUM},
    {3503995874084926ull, 6, EVM_SPURIOUS}, {3503995874084926ull, 3, EVM_TANGERINE}, {3503995874084926ull, 0, EVM_HOMESTEAD},
};

/* Header layouts: the newest fork a header with n fields can belong to. */
static const struct layout {
  unsigned n_fields;
  evm_fork fork;
} layouts[] = {{22, EVM_OSAKA}, {21, EVM_PRAGUE}, {20, EVM_CANCUN}, {17, EVM_SHANGHAI}, {16, EVM_LONDON}, {15, EVM_BERLIN}};

static bool qty_zero(const vc_qty *q) {
  for (unsigned i = 0; i < q->len && i < 32; i++)
    if (q->be[i]) return false;
  return true;
}

evm_fork vt_exec_fork(uint64_t chain_id, const vc_header *h) {
  for (size_t i = 0; i < sizeof chain_forks / sizeof chain_forks[0]; i++) {
    const struct chain_forks *c = &chain_forks[i];
    if (c->chain_id != chain_id) continue;
    if (c->osaka && h->timestamp >= c->osaka) return EVM_OSAKA;
    if (c->prague && h->timestamp >= c->prague) return EVM_PRAGUE;
    if (c->cancun && h->timestamp >= c->cancun) return EVM_CANCUN;
    if (c->shanghai && h->timestamp >= c->shanghai) return EVM_SHANGHAI;
    for (size_t j = 0; j < sizeof block_forks / sizeof block_forks[0]; j++)
      if (block_forks[j].chain_id == chain_id && h->number >= block_forks[j].number) return block_forks[j].fork;
    break; /* a chain without block activations: by layout */
  }
  for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
    if (h->n_fields < layouts[i].n_fields) continue;
    evm_fork f = layouts[i].fork;
    /* a London-layout header with zero difficulty is past the merge */
    if (f == EVM_LONDON && qty_zero(&h->difficulty)) f = EVM_PARIS;
    return f;
  }
  return EVM_BERLIN;
}

void vt_exec_block(const vc_header *h, uint64_t chain_id, evm_block *b) {
  memset(b, 0, sizeof *b);
  b->fork = vt_exec_fork(chain_id, h);
  b->number = h->number;
  b->timestamp = h->timestamp;
  b->gas_limit = h->gas_limit;
  b->chain_id = chain_id;
  memcpy(b->coinbase, h->miner, 20);
  if (vc_u256_from_be(&b->base_fee, h->base_fee.be, h->base_fee.len) != VC_OK) vc_u256_from_u64(&b->base_fee, 0);
  if (b->fork >= EVM_PARIS) memcpy(b->prevrandao, h->mix_hash, 32);
  else memcpy(b->prevrandao + 32 - h->difficulty.len, h->difficulty.be, h->difficulty.len);
  if (b->fork >= EVM_CANCUN) evm_blob_base_fee(h->excess_blob_gas, b->fork, &b->blob_base_fee);
}

/* geth's BlockOverrides keys. */
vc_status vt_exec_block_override(const json_t *o, evm_block *b, vc_err *err) {
  const char *k;
  json_t *v;
  if (!json_is_object(o)) return vc_fail(err, VC_ERR_INPUT, "block overrides are not an object");
  json_object_foreach((json_t *)o, k, v) {
    bool ok;
    if (!strcmp(k, "number")) ok = j_qty64(v, &b->number);
    else if (!strcmp(k, "time")) ok = j_qty64(v, &b->timestamp);
    else if (!strcmp(k, "gasLimit")) ok = j_qty64(v, &b->gas_limit);
    else if (!strcmp(k, "feeRecipient") || !strcmp(k, "coinbase")) ok = j_fixed(v, b->coinbase, 20);
    else if (!strcmp(k, "prevRandao") || !strcmp(k, "random")) ok = j_fixed(v, b->prevrandao, 32);
    else if (!strcmp(k, "baseFeePerGas") || !strcmp(k, "baseFee")) ok = j_u256(v, &b->base_fee);
    else if (!strcmp(k, "blobBaseFee")) ok = j_u256(v, &b->blob_base_fee);
    else return vc_fail(err, VC_ERR_INPUT, "block override \"%.40s\" is not supported", k);
    if (!ok) return vc_fail(err, VC_ERR_INPUT, "block override \"%.40s\" has a bad value", k);
  }
  return VC_OK;
}

/* --- state overrides ------------------------------------------------------------------ */

/* One account's override over what the store has (or will have: the engine fetches the
 * account first so balance/nonce/code not overridden stay proven). */
static vc_status override_one(vt_xstore *s, const uint8_t addr[20], const json_t *ov, vc_err *err) {
  vt_xacct *a = vt_xstore_acct(s, addr);
  if (!a) return vc_fail(err, VC_ERR_MISSING, "override before the account was proven");
  json_t *v, *st = json_object_get(ov, "state"), *diff = json_object_get(ov, "stateDiff");
  vc_status rc;
  if (st && diff) return vc_fail(err, VC_ERR_INPUT, "account has both \"state\" and \"stateDiff\" overrides");
  if ((v = json_object_get(ov, "balance")) && !j_u256(v, &a->balance)) return vc_fail(err, VC_ERR_INPUT, "override balance is not a quantity");
  if ((v = json_object_get(ov, "nonce")) && !j_qty64(v, &a->nonce)) return vc_fail(err, VC_ERR_INPUT, "override nonce is not a quantity");
  if ((v = json_object_get(ov, "code"))) {
    uint8_t *code = NULL;
    size_t len = 0;
    if (!j_data(v, EVM_MAX_INPUT_CODE, &code, &len)) return vc_fail(err, VC_ERR_INPUT, "override code is not hex data");
    rc = vt_xstore_put_code(s, code, len, err);
    if (rc == VC_OK) vc_keccak256(code, len, a->code_hash);
    free(code);
    if (rc != VC_OK) return rc;
  }
  if (!a->exists) {
    a->exists = true;
    a->storage_empty = true;
    if (!json_object_get(ov, "code")) memcpy(a->code_hash, vc_empty_code_hash, 32);
  }
  a->overridden = true;
  const json_t *slots = st ? st : diff;
  if (st) {
    a->override_storage = true;
    vt_xstore_drop_slots(s, addr);
  }
  const char *k;
  json_t *val;
  if (slots && !json_is_object(slots)) return vc_fail(err, VC_ERR_INPUT, "override state is not an object");
  if (slots) json_object_foreach((json_t *)slots, k, val) {
    uint8_t key[32], w[32];
    json_t *kj = json_string(k);
    bool ok = kj && j_fixed(kj, key, 32) && j_fixed(val, w, 32);
    json_decref(kj);
    if (!ok) return vc_fail(err, VC_ERR_INPUT, "override slot \"%.70s\" is not 32-byte key and value", k);
    if ((rc = vt_xstore_override_slot(s, addr, key, w, err)) != VC_OK) return rc;
  }
  return VC_OK;
}

vc_status vt_exec_state_override(const json_t *o, vt_xstore *s, vc_err *err) {
  const char *k;
  json_t *v;
  vc_status rc;
  if (!json_is_object(o) || json_object_size(o) > VT_EXEC_MAX_OVERRIDES)
    return vc_fail(err, VC_ERR_INPUT, "state overrides are not an object of at most %u accounts", VT_EXEC_MAX_OVERRIDES);
  json_object_foreach((json_t *)o, k, v) {
    uint8_t addr[20];
    json_t *kj = json_string(k);
    bool ok = kj && j_fixed(kj, addr, 20) && json_is_object(v);
    json_decref(kj);
    if (!ok) return vc_fail(err, VC_ERR_INPUT, "state override key \"%.50s\" is not an address with an object", k);
    if (json_object_get(v, "movePrecompileToAddress")) return vc_fail(err, VC_ERR_INPUT, "movePrecompileToAddress is not supported");
    if ((rc = override_one(s, addr, v, err)) != VC_OK) return rc;
  }
  return VC_OK;
}

/* --- reverts ---------------------------------------------------------------------------- */

/* Solidity's panic codes, as geth names them (accounts/abi). */
static const struct panic {
  uint8_t code;
  const char *why;
} panics[] = {
    {0x00, "generic panic"},
    {0x01, "assert(false)"},
    {0x11, "arithmetic underflow or overflow"},
    {0x12, "division or modulo by zero"},
    {0x21, "enum overflow"},
    {0x22, "invalid encoded storage byte array accessed"},
    {0x31, "out-of-bounds array access; popping on an empty array"},
    {0x32, "out-of-bounds access of an array or bytesslice"},
    {0x41, "out of memory"},
    {0x51, "uninitialized function"},
};

static bool word_u64(const uint8_t *w, uint64_t *out) {
  for (int i = 0; i < 24; i++)
    if (w[i]) return false;
  uint64_t v = 0;
  for (int i = 24; i < 32; i++) v = v << 8 | w[i];
  *out = v;
  return true;
}

/* The reason in Error(string) / Panic(uint256) revert data, into why (false: none). */
static bool revert_reason(const uint8_t *d, size_t n, char *why, size_t wl) {
  static const uint8_t err_sel[4] = {0x08, 0xc3, 0x79, 0xa0}, panic_sel[4] = {0x4e, 0x48, 0x7b, 0x71};
  uint64_t off, len, code;
  if (n == 36 && !memcmp(d, panic_sel, 4)) {
    if (!word_u64(d + 4, &code)) return false;
    for (size_t i = 0; i < sizeof panics / sizeof panics[0]; i++)
      if (panics[i].code == code) { snprintf(why, wl, "%s", panics[i].why); return true; }
    snprintf(why, wl, "unknown panic code: %#llx", (unsigned long long)code);
    return true;
  }
  if (n < 68 || memcmp(d, err_sel, 4) || !word_u64(d + 4, &off) || off > n - 4 - 32 || !word_u64(d + 4 + off, &len) ||
      len > n - 4 - 32 - off || len >= wl)
    return false;
  memcpy(why, d + 4 + 32 + off, len);
  why[len] = 0;
  return strlen(why) == len; /* a NUL inside: not a printable reason */
}

void vt_exec_revert_json(const uint8_t *data, size_t len, vt_buf *out) {
  char why[256], msg[300];
  if (revert_reason(data, len, why, sizeof why)) snprintf(msg, sizeof msg, "execution reverted: %s", why);
  else snprintf(msg, sizeof msg, "execution reverted");
  vt_buf_puts(out, "{\"code\":3,\"message\":");
  vt_buf_json_str(out, msg, strlen(msg));
  vt_buf_puts(out, ",\"data\":\"0x");
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    char two[2] = {digits[data[i] >> 4], digits[data[i] & 15]};
    vt_buf_append(out, two, 2);
  }
  vt_buf_puts(out, "\"}");
}

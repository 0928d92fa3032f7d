/*
 * exec_run.c: the proven store of one verified call and the runs on it (see exec.h).
 *
 * The store holds what the engine (exec.c) proved: accounts, storage slots, code by
 * hash, block hashes, plus the client's state overrides. Every run builds a fresh
 * partial evm_state from it, so nothing a run does leaks into the next and anything
 * the store lacks is a need (EVM_MISSING) the engine fetches. Three answers:
 *   eth_call            one run: output, revert error, or the halt as geth words it;
 *   eth_estimateGas     geth's search (gasestimator.Estimate): the plain-transfer
 *                       shortcut, a run at the cap, the optimistic limit
 *                       (used + refund + 2300) * 64 / 63, then bisection to 1.5%;
 *   eth_createAccessList the smallest sub-store the call runs on (grown from the needs
 *                       of runs on sub-stores: exactly what the run reads), minus the
 *                       sender, recipient and precompiles as geth's tracer excludes them
 *                       (their slots stay), then gasUsed with that list.
 * No I/O. Called by exec.c and the unit tests.
 */
#include "prove/exec.h"

#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/hex.h"
#include "core/keccak.h"

#define AL_MAX_ITER 64 /* sub-store growth rounds for eth_createAccessList */

/* --- the store ------------------------------------------------------------------ */

void vt_xstore_free(vt_xstore *s) {
  for (size_t i = 0; i < s->n_code; i++) free(s->code[i].code);
  free(s->acct);
  free(s->slot);
  free(s->code);
  memset(s, 0, sizeof *s);
}

vt_xacct *vt_xstore_acct(vt_xstore *s, const uint8_t addr[20]) {
  for (size_t i = 0; i < s->n_acct; i++)
    if (!memcmp(s->acct[i].addr, addr, 20)) return &s->acct[i];
  return NULL;
}

static vt_xslot *find_slot(const vt_xstore *s, const uint8_t addr[20], const uint8_t key[32]) {
  for (size_t i = 0; i < s->n_slot; i++)
    if (!memcmp(s->slot[i].addr, addr, 20) && !memcmp(s->slot[i].key, key, 32)) return &s->slot[i];
  return NULL;
}

bool vt_xstore_has_slot(const vt_xstore *s, const uint8_t addr[20], const uint8_t key[32]) {
  return find_slot(s, addr, key) != NULL;
}

static const vt_xcode *find_code(const vt_xstore *s, const uint8_t hash[32]) {
  for (size_t i = 0; i < s->n_code; i++)
    if (!memcmp(s->code[i].hash, hash, 32)) return &s->code[i];
  return NULL;
}

bool vt_xstore_has_code(const vt_xstore *s, const uint8_t hash[32]) { return find_code(s, hash) != NULL; }

static bool grow(void **p, size_t *cap, size_t n, size_t elem, size_t max) {
  if (n < *cap) return true;
  if (n >= max) return false;
  size_t nc = *cap ? *cap * 2 : 16;
  if (nc > max) nc = max;
  void *q = realloc(*p, nc * elem);
  if (!q) return false;
  *p = q;
  *cap = nc;
  return true;
}

vc_status vt_xstore_put_acct(vt_xstore *s, const vt_xacct *a, vc_err *err) {
  vt_xacct *have = vt_xstore_acct(s, a->addr);
  if (have) {
    if (!have->overridden) *have = *a;
    return VC_OK;
  }
  if (!grow((void **)&s->acct, &s->cap_acct, s->n_acct, sizeof *s->acct, VT_EXEC_MAX_ACCOUNTS))
    return vc_fail(err, VC_ERR_LIMIT, "the call touches more than %u accounts", VT_EXEC_MAX_ACCOUNTS);
  s->acct[s->n_acct++] = *a;
  return VC_OK;
}

vc_status vt_xstore_put_slot(vt_xstore *s, const uint8_t addr[20], const uint8_t key[32], const uint8_t val[32],
                             vc_err *err) {
  vt_xslot *have = find_slot(s, addr, key);
  vt_xacct *a = vt_xstore_acct(s, addr);
  if (a && a->override_storage) return VC_OK; /* the client's whole storage */
  if (have) {
    if (!have->overridden) memcpy(have->val, val, 32);
    return VC_OK;
  }
  if (!grow((void **)&s->slot, &s->cap_slot, s->n_slot, sizeof *s->slot, VT_EXEC_MAX_SLOTS))
    return vc_fail(err, VC_ERR_LIMIT, "the call reads more than %u storage slots", VT_EXEC_MAX_SLOTS);
  vt_xslot *n = &s->slot[s->n_slot++];
  memcpy(n->addr, addr, 20);
  memcpy(n->key, key, 32);
  memcpy(n->val, val, 32);
  return VC_OK;
}

vc_status vt_xstore_override_slot(vt_xstore *s, const uint8_t addr[20], const uint8_t key[32], const uint8_t val[32],
                                  vc_err *err) {
  vt_xslot *have = find_slot(s, addr, key);
  if (!have) {
    vt_xacct *a = vt_xstore_acct(s, addr);
    bool whole = a && a->override_storage;
    if (a) a->override_storage = false; /* let the put through */
    vc_status rc = vt_xstore_put_slot(s, addr, key, val, err);
    if (a) a->override_storage = whole;
    if (rc != VC_OK) return rc;
    have = find_slot(s, addr, key);
  }
  memcpy(have->val, val, 32);
  have->overridden = true;
  return VC_OK;
}

void vt_xstore_drop_slots(vt_xstore *s, const uint8_t addr[20]) {
  size_t k = 0;
  for (size_t i = 0; i < s->n_slot; i++)
    if (memcmp(s->slot[i].addr, addr, 20)) s->slot[k++] = s->slot[i];
  s->n_slot = k;
}

vc_status vt_xstore_put_code(vt_xstore *s, const uint8_t *code, size_t len, vc_err *err) {
  uint8_t h[32];
  vc_keccak256(code, len, h);
  if (find_code(s, h)) return VC_OK;
  if (s->code_bytes + len > VT_EXEC_MAX_CODE_BYTES ||
      !grow((void **)&s->code, &s->cap_code, s->n_code, sizeof *s->code, VT_EXEC_MAX_ACCOUNTS))
    return vc_fail(err, VC_ERR_LIMIT, "the call runs more code than %zu bytes", VT_EXEC_MAX_CODE_BYTES);
  uint8_t *copy = malloc(len ? len : 1);
  if (!copy) return vc_fail(err, VC_ERR_NOMEM, "out of memory for code");
  if (len) memcpy(copy, code, len);
  vt_xcode *c = &s->code[s->n_code++];
  memcpy(c->hash, h, 32);
  c->code = copy;
  c->len = len;
  s->code_bytes += len;
  return VC_OK;
}

vc_status vt_xstore_put_hash(vt_xstore *s, uint64_t number, const uint8_t hash[32], vc_err *err) {
  for (size_t i = 0; i < s->n_hashes; i++)
    if (s->hashes[i].number == number) return VC_OK;
  if (s->n_hashes >= EVM_MAX_BLOCK_HASHES) return vc_fail(err, VC_ERR_LIMIT, "more than 256 block hashes");
  s->hashes[s->n_hashes].number = number;
  memcpy(s->hashes[s->n_hashes].hash, hash, 32);
  s->n_hashes++;
  return VC_OK;
}

/* --- building a state and running ------------------------------------------------- */

/* keep: NULL = everything, else per-account and per-slot flags of a sub-store */
static vc_status fill(const vt_xstore *s, const bool *keep_a, const bool *keep_s, evm_state *st, vc_err *err) {
  vc_status rc;
  for (size_t i = 0; i < s->n_acct; i++) {
    const vt_xacct *a = &s->acct[i];
    if (keep_a && !keep_a[i]) continue;
    if (!a->exists) {
      if ((rc = evm_state_put_absent(st, a->addr, err)) != VC_OK) return rc;
      continue;
    }
    if ((rc = evm_state_put_account(st, a->addr, &a->balance, a->nonce, a->code_hash, err)) != VC_OK) return rc;
    const vt_xcode *c = find_code(s, a->code_hash);
    if (c && (rc = evm_state_put_code(st, c->code, c->len, err)) != VC_OK) return rc;
    /* a sub-store run (eth_createAccessList) must see every slot it reads as a need */
    if (!keep_a && (a->storage_empty || a->override_storage) && (rc = evm_state_put_storage_complete(st, a->addr, err)) != VC_OK)
      return rc;
  }
  for (size_t i = 0; i < s->n_slot; i++) {
    const vt_xslot *sl = &s->slot[i];
    if (keep_s && !keep_s[i]) continue;
    evm_account_view v;
    if (!evm_state_get_account(st, sl->addr, &v)) continue; /* the account is absent (or not kept) */
    if ((rc = evm_state_put_slot(st, sl->addr, sl->key, sl->val, err)) != VC_OK) return rc;
  }
  return VC_OK;
}

static vc_status run_kept(const vt_xstore *s, const bool *keep_a, const bool *keep_s, const evm_block *b,
                          const evm_tx *tx, uint64_t gas_cap, evm_result *r) {
  vc_err err = {0};
  evm_block bb = *b;
  bb.hashes = s->hashes;
  bb.n_hashes = s->n_hashes;
  evm_result_free(r);
  evm_state *st = evm_state_new(EVM_STATE_PARTIAL);
  if (!st) return vc_fail(&r->err, VC_ERR_NOMEM, "out of memory for the call's state");
  vc_status rc = fill(s, keep_a, keep_s, st, &err);
  if (rc != VC_OK) r->err = err;
  else rc = evm_call(st, &bb, tx, gas_cap, r);
  evm_state_free(st);
  return rc;
}

vc_status vt_exec_run(const vt_xstore *s, const evm_block *b, const evm_tx *tx, uint64_t gas_cap, evm_result *r) {
  return run_kept(s, NULL, NULL, b, tx, gas_cap, r);
}

/* --- answers ------------------------------------------------------------------------ */

/* geth's words for an exceptional halt (core/vm/errors.go). */
static const char *const halt_msg[EVM_HALT_COUNT] = {
    [EVM_HALT_NONE] = "execution failed",
    [EVM_HALT_OUT_OF_GAS] = "out of gas",
    [EVM_HALT_STACK_UNDERFLOW] = "stack underflow",
    [EVM_HALT_STACK_OVERFLOW] = "stack limit reached 1024 (1023)",
    [EVM_HALT_BAD_JUMP] = "invalid jump destination",
    [EVM_HALT_INVALID_OPCODE] = "invalid opcode",
    [EVM_HALT_STATIC_WRITE] = "write protection",
    [EVM_HALT_RETURNDATA_OOB] = "return data out of bounds",
    [EVM_HALT_CREATE_COLLISION] = "contract address collision",
    [EVM_HALT_CODE_SIZE] = "max code size exceeded",
    [EVM_HALT_CODE_EF] = "invalid code: must not begin with 0xef",
    [EVM_HALT_PRECOMPILE] = "precompile failed",
    [EVM_HALT_LIMIT] = "execution limit of verity's EVM reached",
};

static void put_hex_str(vt_buf *out, const uint8_t *p, size_t n) {
  static const char digits[] = "0123456789abcdef";
  char chunk[512];
  vt_buf_puts(out, "\"0x");
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    chunk[k++] = digits[p[i] >> 4];
    chunk[k++] = digits[p[i] & 15];
    if (k == sizeof chunk) { vt_buf_append(out, chunk, k); k = 0; }
  }
  vt_buf_append(out, chunk, k);
  vt_buf_puts(out, "\"");
}

static void error_obj(vt_buf *out, long code, const char *msg) {
  vt_buf_printf(out, "{\"code\":%ld,\"message\":", code);
  vt_buf_json_str(out, msg, strlen(msg));
  vt_buf_puts(out, "}");
}

/* A run that is neither success nor revert, as an error object. */
static void failure_obj(const evm_result *r, vt_buf *out) {
  if (r->status == EVM_HALT) error_obj(out, -32000, halt_msg[r->halt < EVM_HALT_COUNT ? r->halt : 0]);
  else error_obj(out, -32000, r->err.msg[0] ? r->err.msg : evm_status_name(r->status));
}

static void missing(vt_xoutcome *o, evm_result *r) {
  o->missing = true;
  evm_result_free(&o->needs);
  o->needs = *r;
  memset(r, 0, sizeof *r);
}

static vc_status answer_call(const vt_xstore *s, const evm_block *b, vt_xcall *c, uint64_t cap, vt_buf *out,
                             vt_xoutcome *o, vc_err *err) {
  evm_result r = {0};
  vc_status rc = vt_exec_run(s, b, &c->tx, cap, &r);
  if (rc != VC_OK) { *err = r.err; goto out; }
  if (r.status == EVM_MISSING) { missing(o, &r); goto out; }
  if (r.status == EVM_SUCCESS) {
    put_hex_str(out, r.output, r.output_len);
  } else if (r.status == EVM_REVERT) {
    o->is_error = true;
    vt_exec_revert_json(r.output, r.output_len, out);
  } else {
    o->is_error = true;
    failure_obj(&r, out);
  }
out:
  evm_result_free(&r);
  return rc;
}

/* One estimateGas probe at gas limit g: 0 success, 1 failed, 2 missing (needs moved
 * to o), -1 error. *res keeps the run's result. */
static int probe(const vt_xstore *s, const evm_block *b, vt_xcall *c, uint64_t g, evm_result *res, vt_xoutcome *o,
                 vc_err *err) {
  c->tx.gas_limit = g;
  if (vt_exec_run(s, b, &c->tx, g, res) != VC_OK) { *err = res->err; return -1; }
  if (res->status == EVM_MISSING) { missing(o, res); return 2; }
  if (res->status == EVM_SUCCESS) return 0;
  if (res->status == EVM_INVALID_TX && res->tx_error != EVM_TXERR_INTRINSIC_GAS && res->tx_error != EVM_TXERR_FLOOR_GAS &&
      res->tx_error != EVM_TXERR_GAS_LIMIT_CAP) {
    vc_fail(err, VC_ERR_INPUT, "%s", res->err.msg);
    return -1;
  }
  return 1;
}

/* (balance - value) / fee_cap, capped at UINT64_MAX: geth's allowance. */
static uint64_t allowance(const vt_xstore *s, const vt_xcall *c) {
  vt_xacct *a = vt_xstore_acct((vt_xstore *)s, c->tx.from);
  const vc_u256 *fee = c->tx.type >= 2 ? &c->tx.max_fee : &c->tx.gas_price;
  if (!a || !c->has_price || vc_u256_is_zero(fee) || fee->w[1] || fee->w[2] || fee->w[3]) return UINT64_MAX;
  vc_u256 avail;
  if (vc_u256_sub(&avail, &a->balance, &c->tx.value)) return 0; /* underflow: value exceeds balance */
  unsigned __int128 rem = 0;
  uint64_t q[4];
  for (int i = 3; i >= 0; i--) {
    unsigned __int128 cur = (rem << 64) | avail.w[i];
    q[i] = (uint64_t)(cur / fee->w[0]);
    rem = cur % fee->w[0];
  }
  return (q[1] | q[2] | q[3]) ? UINT64_MAX : q[0];
}

static vc_status answer_estimate(const vt_xstore *s, const evm_block *b, vt_xcall *c, uint64_t cap, vt_buf *out,
                                 vt_xoutcome *o, vc_err *err) {
  evm_result r = {0};
  vc_status rc = VC_OK;
  uint64_t hi = c->has_gas && c->tx.gas_limit >= 21000 ? c->tx.gas_limit : b->gas_limit, lo;
  uint64_t allow = allowance(s, c);
  if (hi > allow) hi = allow;
  if (cap && hi > cap) hi = cap;
  int p;
  if (!c->tx.create && c->tx.data_len == 0 && c->tx.n_auths == 0) {
    vt_xacct *to = vt_xstore_acct((vt_xstore *)s, c->tx.to);
    if (!to) {
      p = probe(s, b, c, 21000, &r, o, err); /* learns the recipient */
      if (p < 0) { rc = VC_ERR_INPUT; goto out; }
      if (p == 2) goto out;
      to = vt_xstore_acct((vt_xstore *)s, c->tx.to);
    }
    if (to && (!to->exists || !memcmp(to->code_hash, vc_empty_code_hash, 32))) {
      p = probe(s, b, c, 21000, &r, o, err);
      if (p < 0) { rc = VC_ERR_INPUT; goto out; }
      if (p == 2) goto out;
      if (p == 0) { vt_buf_puts(out, "\"0x5208\""); goto out; }
    }
  }
  p = probe(s, b, c, hi, &r, o, err);
  if (p < 0) { rc = VC_ERR_INPUT; goto out; }
  if (p == 2) goto out;
  if (p == 1) {
    o->is_error = true;
    if (r.status == EVM_REVERT) { vt_exec_revert_json(r.output, r.output_len, out); goto out; }
    char m[96];
    snprintf(m, sizeof m, "gas required exceeds allowance (%llu)", (unsigned long long)hi);
    error_obj(out, -32000, m);
    goto out;
  }
  lo = r.gas_used ? r.gas_used - 1 : 0;
  uint64_t opt = (r.gas_used + r.gas_refund + 2300) * 64 / 63;
  if (opt < hi) {
    p = probe(s, b, c, opt, &r, o, err);
    if (p < 0) { rc = VC_ERR_INPUT; goto out; }
    if (p == 2) goto out;
    if (p == 1) lo = opt;
    else hi = opt;
  }
  while (lo + 1 < hi) {
    if ((double)(hi - lo) / (double)hi < VT_EXEC_ESTIMATE_RATIO) break;
    uint64_t mid = lo + (hi - lo) / 2;
    if (lo && mid > lo * 2) mid = lo * 2;
    p = probe(s, b, c, mid, &r, o, err);
    if (p < 0) { rc = VC_ERR_INPUT; goto out; }
    if (p == 2) goto out;
    if (p == 1) lo = mid;
    else hi = mid;
  }
  vt_buf_printf(out, "\"0x%llx\"", (unsigned long long)hi);
out:
  evm_result_free(&r);
  return rc;
}

/* --- eth_createAccessList ------------------------------------------------------------ */

static ptrdiff_t acct_index(const vt_xstore *s, const uint8_t addr[20]) {
  for (size_t i = 0; i < s->n_acct; i++)
    if (!memcmp(s->acct[i].addr, addr, 20)) return (ptrdiff_t)i;
  return -1;
}

static ptrdiff_t slot_index(const vt_xstore *s, const uint8_t addr[20], const uint8_t key[32]) {
  for (size_t i = 0; i < s->n_slot; i++)
    if (!memcmp(s->slot[i].addr, addr, 20) && !memcmp(s->slot[i].key, key, 32)) return (ptrdiff_t)i;
  return -1;
}

/* A slot the store knows is zero (its account's storage is complete): made explicit so
 * a sub-store can hold it. Returns its index, or -1 (cap). */
static ptrdiff_t put_known_zero(vt_xstore *s, const uint8_t addr[20], const uint8_t key[32], size_t ks_cap) {
  if (s->n_slot >= ks_cap || !grow((void **)&s->slot, &s->cap_slot, s->n_slot, sizeof *s->slot, VT_EXEC_MAX_SLOTS)) return -1;
  vt_xslot *n = &s->slot[s->n_slot];
  memset(n, 0, sizeof *n);
  memcpy(n->addr, addr, 20);
  memcpy(n->key, key, 32);
  return (ptrdiff_t)s->n_slot++;
}

/* Grows the sub-store by r's needs. 1 grew, 0 nothing new, -1 a need the store lacks. */
static int grow_kept(vt_xstore *s, const evm_result *r, bool *ka, bool *ks, size_t ks_cap) {
  int grew = 0;
  for (size_t i = 0; i < r->n_needs; i++) {
    const evm_need *n = &r->needs[i];
    ptrdiff_t ix = -1;
    vt_xacct *a;
    if (n->kind == EVM_NEED_ACCOUNT && (ix = acct_index(s, n->addr)) >= 0) {
      if (!ka[ix]) grew = ka[ix] = 1;
    } else if (n->kind == EVM_NEED_SLOT && (ix = slot_index(s, n->addr, n->key)) >= 0) {
      if (!ks[ix]) grew = ks[ix] = 1;
    } else if (n->kind == EVM_NEED_SLOT && (a = vt_xstore_acct(s, n->addr)) && (a->storage_empty || a->override_storage) &&
               (ix = put_known_zero(s, n->addr, n->key, ks_cap)) >= 0) {
      grew = ks[ix] = 1;
    } else {
      return -1;
    }
  }
  return grew;
}

typedef struct {
  uint8_t addr[20];
  uint8_t (*keys)[32];
  size_t n;
} al_row;

static int cmp_addr(const void *a, const void *b) { return memcmp(((const al_row *)a)->addr, ((const al_row *)b)->addr, 20); }
static int cmp_key(const void *a, const void *b) { return memcmp(a, b, 32); }

static bool excluded(const uint8_t addr[20], const vt_xcall *c, const evm_block *b) {
  if (!memcmp(addr, c->tx.from, 20) || (!c->tx.create && !memcmp(addr, c->tx.to, 20))) return true;
  if (!memcmp(addr, b->coinbase, 20)) return true; /* touched by the fee, not by the code */
  return evm_is_precompile(addr, b->fork) != 0;
}

static al_row *row_of(al_row *rows, size_t *n, const uint8_t addr[20]) {
  for (size_t i = 0; i < *n; i++)
    if (!memcmp(rows[i].addr, addr, 20)) return &rows[i];
  memcpy(rows[*n].addr, addr, 20);
  return &rows[(*n)++];
}

static bool has_key(const al_row *r, const uint8_t key[32]) {
  for (size_t i = 0; i < r->n; i++)
    if (!memcmp(r->keys[i], key, 32)) return true;
  return false;
}

/* The list: kept accounts not excluded, kept slots (any account), the caller's own. */
static size_t build_list(const vt_xstore *s, const bool *ka, const bool *ks, const vt_xcall *c, const evm_block *b,
                         al_row *rows, uint8_t (*keys)[32]) {
  size_t n = 0, nk = 0;
  for (size_t i = 0; i < s->n_acct; i++)
    if (ka[i] && !excluded(s->acct[i].addr, c, b)) row_of(rows, &n, s->acct[i].addr);
  for (size_t i = 0; i < c->tx.n_access; i++) row_of(rows, &n, c->tx.access_list[i].addr);
  for (size_t r = 0; r < n; r++) {
    rows[r].keys = keys + nk;
    for (size_t i = 0; i < s->n_slot; i++)
      if (ks[i] && !memcmp(s->slot[i].addr, rows[r].addr, 20) && !has_key(&rows[r], s->slot[i].key))
        memcpy(keys[nk++], s->slot[i].key, 32), rows[r].n++;
    for (size_t i = 0; i < c->tx.n_access; i++)
      if (!memcmp(c->tx.access_list[i].addr, rows[r].addr, 20))
        for (size_t k = 0; k < c->tx.access_list[i].n_keys; k++)
          if (!has_key(&rows[r], c->tx.access_list[i].keys[k])) memcpy(keys[nk++], c->tx.access_list[i].keys[k], 32), rows[r].n++;
  }
  /* slots of excluded accounts (the recipient's storage) get their own rows */
  for (size_t i = 0; i < s->n_slot; i++) {
    if (!ks[i]) continue;
    bool listed = false;
    for (size_t r = 0; r < n && !listed; r++) listed = !memcmp(rows[r].addr, s->slot[i].addr, 20);
    if (listed) continue;
    al_row *r = row_of(rows, &n, s->slot[i].addr);
    r->keys = keys + nk;
    r->n = 0;
    for (size_t j = i; j < s->n_slot; j++)
      if (ks[j] && !memcmp(s->slot[j].addr, r->addr, 20)) memcpy(keys[nk++], s->slot[j].key, 32), r->n++;
  }
  for (size_t r = 0; r < n; r++) qsort(rows[r].keys, rows[r].n, 32, cmp_key);
  qsort(rows, n, sizeof *rows, cmp_addr);
  return n;
}

static void put_list(vt_buf *out, const al_row *rows, size_t n) {
  vt_buf_puts(out, "[");
  for (size_t r = 0; r < n; r++) {
    vt_buf_puts(out, r ? ",{\"address\":" : "{\"address\":");
    put_hex_str(out, rows[r].addr, 20);
    vt_buf_puts(out, ",\"storageKeys\":[");
    for (size_t k = 0; k < rows[r].n; k++) {
      if (k) vt_buf_puts(out, ",");
      put_hex_str(out, rows[r].keys[k], 32);
    }
    vt_buf_puts(out, "]}");
  }
  vt_buf_puts(out, "]");
}

static vc_status answer_al(const vt_xstore *s, const evm_block *b, vt_xcall *c, uint64_t cap, vt_buf *out,
                           vt_xoutcome *o, vc_err *err) {
  evm_result r = {0};
  vc_status rc = VC_OK;
  /* the store may gain known-zero slots (at most one run's needs per iteration) */
  size_t ks_cap = s->n_slot + (size_t)AL_MAX_ITER * EVM_MAX_NEEDS + 1;
  size_t n_keys_max = ks_cap + VT_EXEC_MAX_AL * 2 + 1, n_rows_max = s->n_acct + ks_cap + c->tx.n_access + 1;
  bool *ka = calloc(s->n_acct + 1, 1), *ks = calloc(ks_cap, 1);
  al_row *rows = calloc(n_rows_max, sizeof *rows);
  uint8_t(*keys)[32] = calloc(n_keys_max + c->n_al_keys, 32);
  evm_access_entry *ents = calloc(n_rows_max, sizeof *ents);
  if (!ka || !ks || !rows || !keys || !ents) { rc = vc_fail(err, VC_ERR_NOMEM, "out of memory for the access list"); goto out; }
  int iter = 0;
  for (;; iter++) {
    if (iter == AL_MAX_ITER) { rc = vc_fail(err, VC_ERR_LIMIT, "the access list did not settle in %d runs", AL_MAX_ITER); goto out; }
    if ((rc = run_kept(s, ka, ks, b, &c->tx, cap, &r)) != VC_OK) { *err = r.err; goto out; }
    if (r.status != EVM_MISSING) break;
    int g = grow_kept((vt_xstore *)s, &r, ka, ks, ks_cap); /* the store is the engine's own (exec.h) */
    if (g < 0) { missing(o, &r); goto out; }
    if (g == 0) { rc = vc_fail(err, VC_ERR_INPUT, "the access-list run made no progress"); goto out; }
  }
  size_t n = build_list(s, ka, ks, c, b, rows, keys);
  for (size_t i = 0; i < n; i++) {
    memcpy(ents[i].addr, rows[i].addr, 20);
    ents[i].keys = (const uint8_t(*)[32])rows[i].keys;
    ents[i].n_keys = rows[i].n;
  }
  evm_tx tx = c->tx;
  tx.access_list = ents;
  tx.n_access = n;
  if (tx.type == 0) tx.type = 1;
  if ((rc = vt_exec_run(s, b, &tx, cap, &r)) != VC_OK) { *err = r.err; goto out; }
  if (r.status == EVM_MISSING) { missing(o, &r); goto out; }
  if (r.status == EVM_INVALID_TX) { o->is_error = true; failure_obj(&r, out); goto out; }
  vt_buf_puts(out, "{\"accessList\":");
  put_list(out, rows, n);
  vt_buf_printf(out, ",\"gasUsed\":\"0x%llx\"", (unsigned long long)r.gas_used);
  if (r.status == EVM_REVERT) vt_buf_puts(out, ",\"error\":\"execution reverted\"");
  else if (r.status == EVM_HALT) {
    vt_buf_puts(out, ",\"error\":");
    const char *m = halt_msg[r.halt < EVM_HALT_COUNT ? r.halt : 0];
    vt_buf_json_str(out, m, strlen(m));
  }
  vt_buf_puts(out, "}");
out:
  evm_result_free(&r);
  free(ka);
  free(ks);
  free(rows);
  free(keys);
  free(ents);
  return rc;
}

vc_status vt_exec_answer(vt_xkind kind, const vt_xstore *s, const evm_block *b, vt_xcall *c, uint64_t gas_cap,
                         vt_buf *out, vt_xoutcome *o, vc_err *err) {
  o->missing = false;
  o->is_error = false;
  vt_buf_reset(out);
  /* EIP-7825: from Osaka no transaction may use more than 2^24 gas; geth lowers its
   * RPC gas cap to it the same way */
  if (b->fork >= EVM_OSAKA && (gas_cap == 0 || gas_cap > EVM_TX_GAS_CAP_OSAKA)) gas_cap = EVM_TX_GAS_CAP_OSAKA;
  /* geth's NoBaseFee for calls: a call that offers no fee sees BASEFEE (and, offering no
   * blob fee, BLOBBASEFEE) as zero */
  evm_block bb = *b;
  const vc_u256 *fee = c->tx.type >= 2 ? &c->tx.max_fee : &c->tx.gas_price;
  if (vc_u256_is_zero(fee)) vc_u256_from_u64(&bb.base_fee, 0);
  if (vc_u256_is_zero(&c->tx.max_fee_per_blob_gas)) vc_u256_from_u64(&bb.blob_base_fee, 0);
  switch (kind) {
    case VT_X_CALL: return answer_call(s, &bb, c, gas_cap, out, o, err);
    case VT_X_ESTIMATE: return answer_estimate(s, &bb, c, gas_cap, out, o, err);
    case VT_X_ACCESS_LIST: return answer_al(s, &bb, c, gas_cap, out, o, err);
  }
  return vc_fail(err, VC_ERR_INPUT, "unknown call kind");
}

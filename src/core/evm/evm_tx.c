/*
 * evm_tx.c: the transaction around the messages: validity, gas purchase, access lists,
 * EIP-7702 authorizations, refunds, fees, deletions; and evm_call for eth_call.
 *
 * evm_execute_tx follows the execution specs' order: stateless checks (intrinsic gas,
 * EIP-7623 floor, initcode size, EIP-7825 cap, nonce bound), block checks (gas
 * allowance, fees against the base fee, blobs), sender checks (nonce, funds for the
 * maximum cost, EIP-3607 no code). A failed check is EVM_INVALID_TX naming the state
 * tests' exception, and the state is unchanged. Then one message at depth 0; then the
 * refund (capped at 1/5 of gas used from London, 1/2 before), the priority fee to the
 * coinbase, and EIP-161/6780 deletions. Callers: hosts (the state-test runner, the
 * gateway). The vm lives on this file's stack frames; results are handed to *r.
 */
#include "core/evm/evm_ops.h"

#include <stddef.h>
#include <stdlib.h>

#include "core/evm/precompile.h"

#define TX_GAS 21000
#define TX_CREATE_GAS 32000
#define TX_DATA_ZERO 4
#define TX_DATA_NONZERO 16
#define TX_DATA_NONZERO_OLD 68
#define TX_ACCESS_ADDR 2400
#define TX_ACCESS_KEY 1900
#define TX_AUTH_GAS 25000
#define TX_FLOOR_PER_TOKEN 10
#define INITCODE_WORD 2
#define BLOB_GAS_PER_BLOB 131072
#define BLOB_VERSION_KZG 0x01

typedef struct {
  uint64_t intrinsic;
  uint64_t floor;       /* EIP-7623; 0 before Prague */
  vc_u256 price;        /* effective gas price */
  vc_u256 priority;     /* per gas to the coinbase */
  vc_u256 blob_fee;     /* blob gas * blob base fee */
} tx_costs;

static const char *const tx_error_names[EVM_TXERR_COUNT] = {
    [EVM_TXERR_NONE] = "",
    [EVM_TXERR_NONCE_TOO_LOW] = "TransactionException.NONCE_MISMATCH_TOO_LOW",
    [EVM_TXERR_NONCE_TOO_HIGH] = "TransactionException.NONCE_MISMATCH_TOO_HIGH",
    [EVM_TXERR_NONCE_MAX] = "TransactionException.NONCE_IS_MAX",
    [EVM_TXERR_INSUFFICIENT_FUNDS] = "TransactionException.INSUFFICIENT_ACCOUNT_FUNDS",
    [EVM_TXERR_INTRINSIC_GAS] = "TransactionException.INTRINSIC_GAS_TOO_LOW",
    [EVM_TXERR_FLOOR_GAS] = "TransactionException.INTRINSIC_GAS_BELOW_FLOOR_GAS_COST",
    [EVM_TXERR_BLOCK_GAS] = "TransactionException.GAS_ALLOWANCE_EXCEEDED",
    [EVM_TXERR_GAS_LIMIT_CAP] = "TransactionException.GAS_LIMIT_EXCEEDS_MAXIMUM",
    [EVM_TXERR_INITCODE_SIZE] = "TransactionException.INITCODE_SIZE_EXCEEDED",
    [EVM_TXERR_SENDER_NOT_EOA] = "TransactionException.SENDER_NOT_EOA",
    [EVM_TXERR_MAX_FEE_BELOW_BASE] = "TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS",
    [EVM_TXERR_PRIORITY_ABOVE_MAX] = "TransactionException.PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS",
    [EVM_TXERR_GAS_PRICE_OVERFLOW] = "TransactionException.GASLIMIT_PRICE_PRODUCT_OVERFLOW",
    [EVM_TXERR_BLOB_FEE_BELOW_BASE] = "TransactionException.INSUFFICIENT_MAX_FEE_PER_BLOB_GAS",
    [EVM_TXERR_BLOB_NONE] = "TransactionException.TYPE_3_TX_ZERO_BLOBS",
    [EVM_TXERR_BLOB_TOO_MANY] = "TransactionException.TYPE_3_TX_BLOB_COUNT_EXCEEDED",
    [EVM_TXERR_BLOB_VERSION] = "TransactionException.TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH",
    [EVM_TXERR_BLOB_CREATE] = "TransactionException.TYPE_3_TX_CONTRACT_CREATION",
    [EVM_TXERR_TYPE_NOT_SUPPORTED] = "TransactionException.TYPE_NOT_SUPPORTED",
    [EVM_TXERR_AUTH_EMPTY] = "TransactionException.TYPE_4_EMPTY_AUTHORIZATION_LIST",
    [EVM_TXERR_AUTH_CREATE] = "TransactionException.TYPE_4_TX_CONTRACT_CREATION",
};

static const char *const halt_names[EVM_HALT_COUNT] = {
    "HALT_NONE", "HALT_OUT_OF_GAS", "HALT_STACK_UNDERFLOW", "HALT_STACK_OVERFLOW",
    "HALT_BAD_JUMP", "HALT_INVALID_OPCODE", "HALT_STATIC_WRITE", "HALT_RETURNDATA_OOB",
    "HALT_CREATE_COLLISION", "HALT_CODE_SIZE", "HALT_CODE_EF", "HALT_PRECOMPILE", "HALT_LIMIT",
};

static const char *const status_names[] = {"SUCCESS", "REVERT", "HALT", "INVALID_TX",
                                           "MISSING"};

const char *evm_tx_error_name(evm_tx_error e) { return e < EVM_TXERR_COUNT ? tx_error_names[e] : "?"; }
const char *evm_halt_name(evm_halt h) { return h < EVM_HALT_COUNT ? halt_names[h] : "?"; }
const char *evm_status_name(evm_status st) {
  return (size_t)st < sizeof status_names / sizeof status_names[0] ? status_names[st] : "?";
}

void evm_result_free(evm_result *r) {
  if (!r) return;
  free(r->output);
  for (size_t i = 0; i < r->n_logs; i++) free(r->logs[i].data);
  free(r->logs);
  memset(r, 0, sizeof *r);
}

/* --- blob fees --- */

typedef struct {
  evm_fork fork;
  uint64_t update_fraction;
  unsigned max_blobs_block;
  unsigned max_blobs_tx;
} blob_params;

static const blob_params blob_rows[] = {
    {EVM_OSAKA, 5007716, 9, 6},   /* EIP-7594 per-tx cap of 6 */
    {EVM_PRAGUE, 5007716, 9, 9},  /* EIP-7691 */
    {EVM_CANCUN, 3338477, 6, 6},
};

static const blob_params *blob_for(evm_fork fork) {
  for (size_t i = 0; i < sizeof blob_rows / sizeof blob_rows[0]; i++)
    if (fork >= blob_rows[i].fork) return &blob_rows[i];
  return &blob_rows[2];
}

void evm_blob_base_fee(uint64_t excess, evm_fork fork, vc_u256 *out) {
  /* fake_exponential(1, excess, fraction): sum of 1 * (excess/fraction)^i / i! */
  uint64_t d = blob_for(fork)->update_fraction;
  evm_word num, acc, out_w, den, ex, tmp;
  w_u64(&den, d);
  w_u64(&ex, excess);
  w_u64(&acc, d); /* factor * denominator */
  w_zero(&out_w);
  for (uint64_t i = 1; !w_is_zero(&acc); i++) {
    w_add(&out_w, &out_w, &acc);
    w_mul(&num, &acc, &ex);
    w_u64(&tmp, i);
    w_mul(&tmp, &tmp, &den);
    w_div(&acc, &num, &tmp);
  }
  w_div(out, &out_w, &den);
}

/* --- intrinsic gas and the stateless checks --- */

static void intrinsic(const evm_tx *tx, evm_fork fork, tx_costs *c) {
  uint64_t zeros = 0;
  for (size_t i = 0; i < tx->data_len; i++) zeros += tx->data[i] == 0;
  uint64_t nonzero = tx->data_len - zeros;
  uint64_t g = TX_GAS + zeros * TX_DATA_ZERO;
  g += nonzero * (fork >= EVM_ISTANBUL ? TX_DATA_NONZERO : TX_DATA_NONZERO_OLD);
  if (tx->create && fork >= EVM_HOMESTEAD) g += TX_CREATE_GAS;
  if (tx->create && fork >= EVM_SHANGHAI) g += INITCODE_WORD * ((tx->data_len + 31) / 32);
  for (size_t i = 0; i < tx->n_access; i++)
    g += TX_ACCESS_ADDR + TX_ACCESS_KEY * (uint64_t)tx->access_list[i].n_keys;
  g += TX_AUTH_GAS * (uint64_t)tx->n_auths;
  c->intrinsic = g;
  c->floor = fork >= EVM_PRAGUE ? TX_GAS + TX_FLOOR_PER_TOKEN * (zeros + 4 * nonzero) : 0;
}

static const evm_fork type_since[] = {EVM_FRONTIER, EVM_BERLIN, EVM_LONDON, EVM_CANCUN,
                                      EVM_PRAGUE};

static evm_tx_error stateless_checks(const evm_tx *tx, const evm_block *b, tx_costs *c) {
  evm_fork fork = b->fork;
  if (tx->type > 4 || fork < type_since[tx->type]) return EVM_TXERR_TYPE_NOT_SUPPORTED;
  intrinsic(tx, fork, c);
  if (c->intrinsic > tx->gas_limit) return EVM_TXERR_INTRINSIC_GAS;
  if (c->floor > tx->gas_limit) return EVM_TXERR_FLOOR_GAS;
  if (tx->nonce == UINT64_MAX) return EVM_TXERR_NONCE_MAX;
  if (tx->create && fork >= EVM_SHANGHAI && tx->data_len > EVM_MAX_INITCODE_SIZE)
    return EVM_TXERR_INITCODE_SIZE;
  if (fork >= EVM_OSAKA && tx->gas_limit > EVM_TX_GAS_CAP_OSAKA) return EVM_TXERR_GAS_LIMIT_CAP;
  if (tx->type == 3) {
    if (tx->create) return EVM_TXERR_BLOB_CREATE;
    if (tx->n_blob_hashes == 0) return EVM_TXERR_BLOB_NONE;
    if (tx->n_blob_hashes > blob_for(fork)->max_blobs_tx) return EVM_TXERR_BLOB_TOO_MANY;
    for (size_t i = 0; i < tx->n_blob_hashes; i++)
      if (tx->blob_hashes[i][0] != BLOB_VERSION_KZG) return EVM_TXERR_BLOB_VERSION;
  }
  if (tx->type == 4) {
    if (tx->create) return EVM_TXERR_AUTH_CREATE;
    if (tx->n_auths == 0) return EVM_TXERR_AUTH_EMPTY;
  }
  return EVM_TXERR_NONE;
}

/* Fees against the block; fills price, priority, blob fee. free_gas: eth_call with a zero
 * price (no base-fee check). */
static evm_tx_error fee_checks(const evm_tx *tx, const evm_block *b, tx_costs *c, bool free_gas) {
  bool london = b->fork >= EVM_LONDON;
  vc_u256 base = b->base_fee;
  if (!london || free_gas) w_zero(&base);
  if (tx->type >= 2) {
    if (w_lt(&tx->max_fee, &tx->max_priority_fee)) return EVM_TXERR_PRIORITY_ABOVE_MAX;
    if (w_lt(&tx->max_fee, &base)) return EVM_TXERR_MAX_FEE_BELOW_BASE;
    w_add(&c->price, &base, &tx->max_priority_fee);
    if (w_lt(&tx->max_fee, &c->price)) c->price = tx->max_fee;
  } else {
    if (w_lt(&tx->gas_price, &base)) return EVM_TXERR_MAX_FEE_BELOW_BASE;
    c->price = tx->gas_price;
  }
  w_sub(&c->priority, &c->price, &base);
  w_zero(&c->blob_fee);
  if (tx->type == 3) {
    if (w_lt(&tx->max_fee_per_blob_gas, &b->blob_base_fee)) return EVM_TXERR_BLOB_FEE_BELOW_BASE;
    evm_word bg;
    w_u64(&bg, (uint64_t)BLOB_GAS_PER_BLOB * tx->n_blob_hashes);
    w_mul(&c->blob_fee, &bg, &b->blob_base_fee);
  }
  return EVM_TXERR_NONE;
}

/* a * b + acc into *out; false when it passes 256 bits. */
static bool mul_add_u64(vc_u256 *out, uint64_t a, const vc_u256 *b, const vc_u256 *acc) {
  evm_u128 carry = 0;
  vc_u256 r;
  for (int i = 0; i < 4; i++) {
    evm_u128 t = (evm_u128)a * b->w[i] + acc->w[i] + carry;
    r.w[i] = (uint64_t)t;
    carry = t >> 64;
  }
  *out = r;
  return carry == 0;
}

/* Funds for the maximum cost: gas * max price + value + blob gas * max blob price. */
static evm_tx_error funds_check(const evm_tx *tx, const vc_u256 *bal, const vc_u256 *max_price) {
  vc_u256 cost;
  if (!mul_add_u64(&cost, tx->gas_limit, max_price, &tx->value))
    return EVM_TXERR_INSUFFICIENT_FUNDS;
  if (tx->type == 3) {
    vc_u256 blob;
    if (!mul_add_u64(&blob, (uint64_t)BLOB_GAS_PER_BLOB * tx->n_blob_hashes,
                     &tx->max_fee_per_blob_gas, &cost))
      return EVM_TXERR_INSUFFICIENT_FUNDS;
    cost = blob;
  }
  return w_lt(bal, &cost) ? EVM_TXERR_INSUFFICIENT_FUNDS : EVM_TXERR_NONE;
}

/* --- the run --- */

static void vm_init(vm *v, evm_state *s, const evm_block *b, const evm_tx *tx, evm_result *r) {
  memset(v, 0, offsetof(vm, bufs)); /* the frame buffers are set up as depths are reached */
  v->s = s;
  v->b = b;
  v->tx = tx;
  v->r = r;
  v->fork = b->fork;
  if (s->ops_fork != (int)b->fork) {
    evm_ops_for(b->fork, s->ops);
    s->ops_fork = (int)b->fork;
  }
  v->ops = s->ops;
  memcpy(v->origin, tx->from, 20);
  s->tx_id++;
  s->n_journal = 0;
  s->n_dirty = 0;
  s->oom = false;
}

static void vm_free(vm *v) {
  for (unsigned i = 0; i < v->n_bufs; i++) {
    free(v->bufs[i].stack);
    free(v->bufs[i].mem);
  }
  vm_truncate_logs(v, 0);
  free(v->logs);
}

/* EIP-2929/2930/3651 warm set at the start of the transaction (precompiles are always
 * warm: vm_warm_acct knows them); no needs are recorded for warming alone. */
static void warm_start(vm *v) {
  evm_state *s = v->s;
  const evm_tx *tx = v->tx;
  if (v->fork < EVM_BERLIN) return;
  uint32_t a = st_acct(s, tx->from);
  if (a != EVM_NO_IDX) vm_warm_acct(v, a);
  if (!tx->create && (a = st_acct(s, tx->to)) != EVM_NO_IDX) vm_warm_acct(v, a);
  if (v->fork >= EVM_SHANGHAI && (a = st_acct(s, v->b->coinbase)) != EVM_NO_IDX)
    vm_warm_acct(v, a);
  for (size_t i = 0; i < tx->n_access; i++) {
    const evm_access_entry *e = &tx->access_list[i];
    if ((a = st_acct(s, e->addr)) == EVM_NO_IDX) continue;
    vm_warm_acct(v, a);
    for (size_t k = 0; k < e->n_keys; k++) {
      uint32_t si = st_slot(s, a, e->keys[k]);
      if (si != EVM_NO_IDX && s->slots[si].warm_tx != s->tx_id) st_slot_warm(s, si);
    }
  }
}

/* EIP-161 and self-destruct deletions at the end of the transaction. */
static void finalise(vm *v) {
  evm_state *s = v->s;
  for (size_t i = 0; i < s->n_dirty; i++) {
    uint32_t a = s->dirty[i];
    evm_acct *x = &s->accts[a];
    if (x->destruct_tx == s->tx_id) st_delete_account(s, a);
    else if (v->fork >= EVM_SPURIOUS && x->touched_tx == s->tx_id && (x->flags & AF_EXISTS) &&
             st_acct_empty(x))
      st_delete_account(s, a);
  }
  st_tclear(s);
}

static evm_tx_error sender_checks(vm *v, uint32_t a, const tx_costs *c, bool is_call) {
  const evm_tx *tx = v->tx;
  evm_state *s = v->s;
  const evm_acct *x = &s->accts[a];
  if (!is_call) {
    if (tx->nonce < x->nonce) return EVM_TXERR_NONCE_TOO_LOW;
    if (tx->nonce > x->nonce) return EVM_TXERR_NONCE_TOO_HIGH;
  }
  const vc_u256 *max_price = tx->type >= 2 ? &tx->max_fee : &tx->gas_price;
  if (is_call && w_is_zero(&c->price)) max_price = &c->price;
  evm_tx_error e = funds_check(tx, &x->balance, max_price);
  if (e || is_call) return e;
  const evm_code *code = vm_code(v, a, NULL);
  uint8_t t[20];
  if (code->len && !(v->fork >= EVM_PRAGUE && vm_delegation(code->bytes, code->len, t)))
    return EVM_TXERR_SENDER_NOT_EOA;
  return EVM_TXERR_NONE;
}

/* Gas purchase and nonce: the part of a transaction that stays even when it fails. */
static void buy_gas(vm *v, uint32_t a, const tx_costs *c) {
  evm_state *s = v->s;
  vc_u256 cost;
  (void)mul_add_u64(&cost, v->tx->gas_limit, &c->price, &c->blob_fee);
  vm_sub_balance(v, a, &cost);
  st_journal_acct(s, a);
  s->accts[a].nonce++;
  s->accts[a].flags |= AF_KNOWN | AF_EXISTS;
}

/* Refund and fees. An eth_call reports the gas but moves no fees: its state is rolled
 * back anyway, and paying the coinbase would make a partial state need its account. */
static void settle(vm *v, uint32_t sender, const tx_costs *c, int64_t gas_left, bool is_call) {
  const evm_tx *tx = v->tx;
  uint64_t used = tx->gas_limit - (uint64_t)gas_left;
  uint64_t refund = v->refund > 0 ? (uint64_t)v->refund : 0;
  uint64_t cap = used / (v->fork >= EVM_LONDON ? 5 : 2);
  if (refund > cap) refund = cap;
  used -= refund;
  if (used < c->floor) used = c->floor;
  v->r->gas_used = used;
  v->r->gas_refund = refund;
  if (is_call) return;
  vc_u256 back, fee, zero;
  w_zero(&zero);
  (void)mul_add_u64(&back, tx->gas_limit - used, &c->price, &zero);
  vm_add_balance(v, sender, &back);
  (void)mul_add_u64(&fee, used, &c->priority, &zero);
  uint32_t cb = vm_acct(v, v->b->coinbase);
  if (cb != EVM_NO_IDX) vm_add_balance(v, cb, &fee);
}

static void first_message(vm *v, int64_t gas, evm_outcome *out) {
  const evm_tx *tx = v->tx;
  evm_msg m = {.kind = tx->create ? MSG_CREATE : MSG_CALL, .value = tx->value,
               .transfer = true, .input = tx->data, .input_len = tx->data_len, .gas = gas};
  memcpy(m.caller, tx->from, 20);
  if (tx->create) evm_create_address(tx->from, tx->nonce, m.recipient);
  else memcpy(m.recipient, tx->to, 20);
  memcpy(m.code_addr, m.recipient, 20);
  if (!tx->create && v->fork >= EVM_PRAGUE) { /* a delegated target's code is warm too */
    uint32_t a = vm_acct(v, tx->to);
    uint8_t t[20];
    const evm_code *c = a == EVM_NO_IDX ? NULL : vm_code(v, a, NULL);
    if (c && vm_delegation(c->bytes, c->len, t) && (a = st_acct(v->s, t)) != EVM_NO_IDX)
      vm_warm_acct(v, a);
  }
  evm_message(v, &m, out);
}

static void invalid(evm_result *r, evm_tx_error e) {
  r->status = EVM_INVALID_TX;
  r->tx_error = e;
  vc_fail(&r->err, VC_ERR_INPUT, "invalid transaction: %s", tx_error_names[e]);
}

/* Hand the outcome to the result (output, logs, status). */
static void report(vm *v, evm_outcome *out) {
  evm_result *r = v->r;
  r->status = out->status;
  r->halt = out->status == EVM_HALT ? out->halt : EVM_HALT_NONE;
  r->output = out->output;
  r->output_len = out->output_len;
  out->output = NULL;
  if (out->status == EVM_SUCCESS) {
    memset(&r->err, 0, sizeof r->err);
    r->logs = v->logs;
    r->n_logs = v->n_logs;
    v->logs = NULL;
    v->n_logs = v->cap_logs = 0;
    if (v->tx->create) {
      r->created = true;
      memcpy(r->created_addr, out->created, 20);
    }
  } else if (out->status == EVM_REVERT) {
    vc_fail(&r->err, VC_ERR_MISMATCH, "execution reverted (%zu bytes of revert data)",
            out->output_len);
  }
}

/* A MISSING run answers nothing: drop its output and logs, keep its needs. */
static void drop_outputs(evm_result *r) {
  free(r->output);
  r->output = NULL;
  r->output_len = 0;
  for (size_t i = 0; i < r->n_logs; i++) free(r->logs[i].data);
  free(r->logs);
  r->logs = NULL;
  r->n_logs = 0;
  r->created = false;
}

static vc_status run_tx(evm_state *s, const evm_block *b, const evm_tx *tx, uint64_t gas_cap,
                        bool is_call, evm_result *r) {
  memset(r, 0, sizeof *r);
  if ((unsigned)b->fork >= EVM_FORK_COUNT)
    return vc_fail(&r->err, VC_ERR_INPUT, "evm: fork %d is not one this EVM knows", (int)b->fork);
  evm_tx t = *tx;
  if (is_call && (t.gas_limit == 0 || t.gas_limit > gas_cap)) t.gas_limit = gas_cap;
  vm *v = malloc(sizeof *v);
  if (!v) return vc_fail(&r->err, VC_ERR_NOMEM, "evm: out of memory");
  vm_init(v, s, b, &t, r);
  tx_costs c;
  memset(&c, 0, sizeof c);
  evm_outcome out;
  memset(&out, 0, sizeof out);
  const vc_u256 *p = t.type >= 2 ? &t.max_fee : &t.gas_price;
  bool free_gas = is_call && w_is_zero(p);
  evm_tx_error e = stateless_checks(&t, b, &c);
  if (!e && !is_call && t.gas_limit > b->gas_limit) e = EVM_TXERR_BLOCK_GAS;
  if (!e) e = fee_checks(&t, b, &c, free_gas);
  uint32_t sender = e ? EVM_NO_IDX : vm_acct(v, t.from);
  if (!e && sender != EVM_NO_IDX && !r->n_needs) e = sender_checks(v, sender, &c, is_call);
  if (e) {
    invalid(r, e);
  } else if (sender != EVM_NO_IDX && !r->n_needs) {
    v->gas_price = c.price;
    buy_gas(v, sender, &c);
    warm_start(v);
    if (t.n_auths && b->fork >= EVM_PRAGUE) evm_apply_auths(v);
    first_message(v, (int64_t)(t.gas_limit - c.intrinsic), &out);
    report(v, &out);
    settle(v, sender, &c, out.gas_left, is_call);
    finalise(v);
  }
  vc_status st = VC_OK;
  if (s->oom) st = vc_fail(&r->err, VC_ERR_NOMEM, "evm: out of memory during the run");
  if (r->n_needs && st == VC_OK) {
    drop_outputs(r);
    r->status = EVM_MISSING;
    vc_fail(&r->err, VC_ERR_MISSING, "evm: the state lacks %zu item(s) the run needed",
            r->n_needs);
  }
  if (is_call || r->status == EVM_MISSING || r->status == EVM_INVALID_TX || st != VC_OK)
    st_revert(s, 0);
  s->n_journal = 0;
  free(out.output);
  vm_free(v);
  free(v);
  return st;
}

vc_status evm_execute_tx(evm_state *s, const evm_block *b, const evm_tx *tx, evm_result *r) {
  return run_tx(s, b, tx, 0, false, r);
}

vc_status evm_call(evm_state *s, const evm_block *b, const evm_tx *tx, uint64_t gas_cap,
                   evm_result *r) {
  return run_tx(s, b, tx, gas_cap, true, r);
}

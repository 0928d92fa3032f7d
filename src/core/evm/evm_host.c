/*
 * evm_host.c: the opcodes that read or change the world state, and the vm's accessors
 * to accounts, code and slots that record what a partial state lacked.
 *
 * Every read of an account, code or slot during a run goes through vm_acct / vm_code /
 * vm_sload: in partial mode, an item the host did not put is recorded as a need
 * (deduplicated, at most EVM_MAX_NEEDS) and read as zero/empty so the run goes on and
 * learns what else it needs; the run then ends EVM_MISSING. Every change goes through
 * the journal (evm_state.c), with EIP-161 touch tracking and EIP-2929 warmth.
 *
 * Gas here is the dynamic part; the static part was charged by the loop (evm_interp.c).
 * Callers: the interpreter (evm_op_*), evm_call.c and evm_tx.c (vm_*).
 */
#include "core/evm/evm_ops.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/evm/precompile.h"

#define COLD_ACCOUNT_EXTRA 2500 /* EIP-2929: 2600 cold - 100 warm (already charged) */
#define COLD_SLOAD_EXTRA 2000   /* 2100 - 100 */
#define COLD_SLOAD 2100
#define WARM_READ 100
#define SSTORE_SET 20000
#define SSTORE_RESET 5000
#define SSTORE_SENTRY 2300      /* EIP-2200: SSTORE needs more than the call stipend */
#define NEW_ACCOUNT 25000
#define LOG_BYTE 8

/* --- needs --- */

void vm_need(vm *v, evm_need_kind kind, const uint8_t addr[20], const uint8_t key[32],
              uint64_t number) {
  evm_result *r = v->r;
  evm_need n;
  memset(&n, 0, sizeof n);
  n.kind = kind;
  if (addr) memcpy(n.addr, addr, 20);
  if (key) memcpy(n.key, key, 32);
  n.number = number;
  for (size_t i = 0; i < r->n_needs; i++)
    if (memcmp(&r->needs[i], &n, sizeof n) == 0) return;
  if (r->n_needs >= EVM_MAX_NEEDS) {
    r->needs_truncated = true;
    return;
  }
  r->needs[r->n_needs++] = n;
}

/* --- accounts --- */

uint32_t vm_acct(vm *v, const uint8_t addr[20]) {
  evm_state *s = v->s;
  uint32_t a = st_acct(s, addr);
  if (a == EVM_NO_IDX) return a;
  if (s->mode == EVM_STATE_PARTIAL && !(s->accts[a].flags & AF_KNOWN))
    vm_need(v, EVM_NEED_ACCOUNT, addr, NULL, 0);
  return a;
}

bool vm_exists(vm *v, uint32_t a) { return v->s->accts[a].flags & AF_EXISTS; }

bool vm_empty(vm *v, uint32_t a) {
  const evm_acct *x = &v->s->accts[a];
  return !(x->flags & AF_EXISTS) || st_acct_empty(x);
}

const evm_code *vm_code(vm *v, uint32_t a, uint32_t *ci) {
  evm_state *s = v->s;
  uint32_t c = s->accts[a].code;
  if (!s->codes[c].bytes) {
    vm_need(v, EVM_NEED_CODE, s->accts[a].addr, s->codes[c].hash, 0);
    c = 0;
  }
  if (ci) *ci = c;
  return &s->codes[c];
}

bool vm_delegation(const uint8_t *code, size_t len, uint8_t target[20]) {
  if (len != 23 || code[0] != 0xef || code[1] != 0x01 || code[2] != 0x00) return false;
  memcpy(target, code + 3, 20);
  return true;
}

static void make_exist(evm_acct *x) { x->flags |= AF_KNOWN | AF_EXISTS; }

/* Account a, journaled and marked touched by this transaction, for a balance change. */
static evm_acct *balance_acct(vm *v, uint32_t a) {
  st_journal_acct(v->s, a);
  evm_acct *ac = &v->s->accts[a];
  ac->touched_tx = v->s->tx_id;
  return ac;
}

void vm_add_balance(vm *v, uint32_t a, const vc_u256 *x) {
  evm_acct *ac = balance_acct(v, a);
  w_add(&ac->balance, &ac->balance, x);
  if (!w_is_zero(x) || v->fork < EVM_SPURIOUS) make_exist(ac);
}

void vm_sub_balance(vm *v, uint32_t a, const vc_u256 *x) {
  evm_acct *ac = balance_acct(v, a);
  w_sub(&ac->balance, &ac->balance, x);
}

/* Precompiles are warm from the start of every transaction (EIP-2929). */
static bool is_precompile(vm *v, const uint8_t addr[20]) {
  uint64_t hi, mid;
  memcpy(&hi, addr, 8);
  memcpy(&mid, addr + 8, 8);
  if (hi | mid | addr[16] | addr[17]) return false;
  if (v->b->pc_overlay_find && v->b->pc_overlay_find(addr)) return true;
  return evm_precompile_find(addr, v->fork) != NULL;
}

bool vm_warm_acct(vm *v, uint32_t a) {
  evm_state *s = v->s;
  if (s->accts[a].warm_tx == s->tx_id) return true;
  if (is_precompile(v, s->accts[a].addr)) return true;
  st_journal_acct(v->s, a);
  s->accts[a].warm_tx = s->tx_id;
  return false;
}

/* Charge the EIP-2929 cold surcharge for addr (Berlin on) and mark it warm. */
static int access_account(frame *f, uint32_t a) {
  if (f->v->fork < EVM_BERLIN) return 0;
  if (vm_warm_acct(f->v, a)) return 0;
  return evm_charge(f, COLD_ACCOUNT_EXTRA);
}

void vm_sload(vm *v, uint32_t a, const uint8_t key[32], vc_u256 *val, uint32_t *sip) {
  evm_state *s = v->s;
  uint32_t si = st_slot(s, a, key);
  *sip = si;
  if (si == EVM_NO_IDX) {
    w_zero(val);
    return;
  }
  evm_slot *x = &s->slots[si];
  const evm_acct *ac = &s->accts[a];
  bool stale = x->gen != ac->gen;
  bool known = stale || x->known || s->mode == EVM_STATE_COMPLETE || (ac->flags & AF_STORAGE_ALL);
  if (stale) w_zero(val);
  else *val = x->val;
  if (!known) vm_need(v, EVM_NEED_SLOT, ac->addr, key, 0);
  if (x->orig_tx != s->tx_id) {
    x->orig = *val;
    x->orig_tx = s->tx_id;
  }
}

/* --- logs --- */

bool vm_push_log(vm *v, const uint8_t addr[20], unsigned n_topics, const evm_word *topics,
                 const uint8_t *data, size_t len) {
  if (v->n_logs >= EVM_MAX_LOGS) return false;
  if (v->n_logs == v->cap_logs) {
    size_t cap = v->cap_logs ? v->cap_logs * 2 : 8;
    evm_log *l = realloc(v->logs, cap * sizeof *l);
    if (!l) return false;
    v->logs = l;
    v->cap_logs = cap;
  }
  evm_log *l = &v->logs[v->n_logs];
  memset(l, 0, sizeof *l);
  memcpy(l->addr, addr, 20);
  l->n_topics = (uint8_t)n_topics;
  for (unsigned i = 0; i < n_topics; i++) w_to_be(&topics[i], l->topics[i]);
  if (len) {
    l->data = malloc(len);
    if (!l->data) return false;
    memcpy(l->data, data, len);
    l->data_len = len;
  }
  v->n_logs++;
  return true;
}

void vm_truncate_logs(vm *v, size_t n) {
  while (v->n_logs > n) free(v->logs[--v->n_logs].data);
}

/* --- messages --- */

static const char *const halt_text[EVM_HALT_COUNT] = {
    [EVM_HALT_NONE] = "stopped",
    [EVM_HALT_OUT_OF_GAS] = "out of gas",
    [EVM_HALT_STACK_UNDERFLOW] = "stack underflow",
    [EVM_HALT_STACK_OVERFLOW] = "stack overflow (1024 words)",
    [EVM_HALT_BAD_JUMP] = "jump to a non-JUMPDEST",
    [EVM_HALT_INVALID_OPCODE] = "invalid opcode",
    [EVM_HALT_STATIC_WRITE] = "state change in a static call",
    [EVM_HALT_RETURNDATA_OOB] = "return data read out of bounds",
    [EVM_HALT_CREATE_COLLISION] = "create address collision",
    [EVM_HALT_CODE_SIZE] = "deployed code over 24576 bytes",
    [EVM_HALT_CODE_EF] = "deployed code starts with 0xEF",
    [EVM_HALT_PRECOMPILE] = "precompile rejected its input",
    [EVM_HALT_LIMIT] = "implementation limit (memory, logs or allocation)",
};

void vm_halt_msg(vm *v, const frame *f, uint8_t op, evm_halt h) {
  const uint8_t *a = f->msg->code_addr;
  vc_fail(&v->r->err, VC_ERR_MISMATCH, "%s: %s at pc 0x%zx in 0x%02x%02x..%02x%02x (depth %u)",
          evm_halt_text(h), evm_op_name(op), f->pc, a[0], a[1], a[18], a[19], f->msg->depth);
}

const char *evm_halt_text(evm_halt h) { return h < EVM_HALT_COUNT ? halt_text[h] : "?"; }

/* --- ops --- */

static uint32_t addr_arg(frame *f, const evm_word *w, uint8_t out[20]) {
  w_to_addr(w, out);
  return vm_acct(f->v, out);
}

int evm_op_balance(frame *f) {
  uint8_t addr[20];
  uint32_t a = addr_arg(f, &f->sp[-1], addr);
  if (a == EVM_NO_IDX) return EVM_HALT_LIMIT;
  int h = access_account(f, a);
  if (h) return h;
  f->sp[-1] = f->v->s->accts[a].balance;
  return 0;
}

int evm_op_selfbalance(frame *f) {
  *f->sp++ = f->v->s->accts[f->self].balance;
  return 0;
}

int evm_op_extcode(frame *f, uint8_t op) {
  uint8_t addr[20];
  uint32_t a = addr_arg(f, &f->sp[-1], addr);
  if (a == EVM_NO_IDX) return EVM_HALT_LIMIT;
  int h = access_account(f, a);
  if (h) return h;
  vm *v = f->v;
  if (op == 0x3f) { /* EXTCODEHASH: zero for non-existent and empty accounts */
    if (vm_empty(v, a)) w_zero(&f->sp[-1]);
    else w_from_be32(&f->sp[-1], v->s->codes[v->s->accts[a].code].hash);
    return 0;
  }
  const evm_code *c = vm_code(v, a, NULL);
  if (op == 0x3b) {
    w_u64(&f->sp[-1], c->len);
    return 0;
  }
  evm_word *p = f->sp - 4; /* p[3] addr, p[2] dest, p[1] offset, p[0] size */
  uint64_t o, n;
  h = evm_mem_range(f, &p[2], &p[0], &o, &n);
  if (!h) h = evm_charge(f, 3 * ((n + 31) / 32));
  if (h) return h;
  if (n) evm_copy_padded(f->mem + o, c->bytes, c->len, &p[1], n);
  f->sp -= 4;
  return 0;
}

int evm_op_blockhash(frame *f) {
  const evm_block *b = f->v->b;
  evm_word *n = &f->sp[-1];
  uint64_t num = n->w[0];
  if (!w_fits64(n) || num >= b->number || b->number - num > EVM_MAX_BLOCK_HASHES) {
    w_zero(n);
    return 0;
  }
  for (size_t i = 0; i < b->n_hashes; i++) {
    if (b->hashes[i].number == num) {
      w_from_be32(n, b->hashes[i].hash);
      return 0;
    }
  }
  if (f->v->s->mode == EVM_STATE_PARTIAL) vm_need(f->v, EVM_NEED_BLOCK_HASH, NULL, NULL, num);
  w_zero(n);
  return 0;
}

static int slot_access(frame *f, uint32_t si, uint64_t cold_extra) {
  vm *v = f->v;
  if (v->fork < EVM_BERLIN || si == EVM_NO_IDX) return 0;
  if (v->s->slots[si].warm_tx == v->s->tx_id) return 0;
  st_slot_warm(v->s, si);
  return evm_charge(f, cold_extra);
}

int evm_op_sload(frame *f) {
  uint8_t key[32];
  uint32_t si;
  w_to_be(&f->sp[-1], key);
  vm_sload(f->v, f->self, key, &f->sp[-1], &si);
  if (si == EVM_NO_IDX) return EVM_HALT_LIMIT;
  return slot_access(f, si, COLD_SLOAD_EXTRA);
}

/* EIP-2200 (Istanbul) with EIP-2929 (Berlin) and EIP-3529 (London) prices; the
 * original-value rules of EIP-1283 do not apply before Istanbul. */
static int64_t sstore_cost(vm *v, const vc_u256 *orig, const vc_u256 *cur, const vc_u256 *val) {
  bool berlin = v->fork >= EVM_BERLIN;
  int64_t warm = berlin ? WARM_READ : 800;
  int64_t reset = berlin ? SSTORE_RESET - COLD_SLOAD : SSTORE_RESET;
  int64_t clear = v->fork >= EVM_LONDON ? 4800 : 15000;
  if (v->fork < EVM_ISTANBUL) {
    if (w_is_zero(cur) && !w_is_zero(val)) return SSTORE_SET;
    if (!w_is_zero(cur) && w_is_zero(val)) v->refund += 15000;
    return SSTORE_RESET;
  }
  if (w_eq(cur, val)) return warm;
  if (w_eq(orig, cur)) {
    if (w_is_zero(orig)) return SSTORE_SET;
    if (w_is_zero(val)) v->refund += clear;
    return reset;
  }
  if (!w_is_zero(orig)) {
    if (w_is_zero(cur)) v->refund -= clear;
    else if (w_is_zero(val)) v->refund += clear;
  }
  if (w_eq(orig, val)) v->refund += w_is_zero(orig) ? SSTORE_SET - warm : reset - warm;
  return warm;
}

int evm_op_sstore(frame *f) {
  vm *v = f->v;
  if (f->msg->is_static) return EVM_HALT_STATIC_WRITE;
  if (v->fork >= EVM_ISTANBUL && f->gas <= SSTORE_SENTRY) return EVM_HALT_OUT_OF_GAS;
  uint8_t key[32];
  vc_u256 cur;
  uint32_t si;
  w_to_be(&f->sp[-1], key);
  vm_sload(v, f->self, key, &cur, &si);
  if (si == EVM_NO_IDX) return EVM_HALT_LIMIT;
  int h = slot_access(f, si, COLD_SLOAD);
  if (h) return h;
  vc_u256 orig = v->s->slots[si].orig, val = f->sp[-2];
  h = evm_charge(f, (uint64_t)sstore_cost(v, &orig, &cur, &val));
  if (h) return h;
  if (!w_eq(&cur, &val)) st_slot_write(v->s, si, &val);
  f->sp -= 2;
  return 0;
}

int evm_op_tload(frame *f) {
  uint8_t key[32];
  w_to_be(&f->sp[-1], key);
  st_tload(f->v->s, f->self, key, &f->sp[-1]);
  return 0;
}

int evm_op_tstore(frame *f) {
  if (f->msg->is_static) return EVM_HALT_STATIC_WRITE;
  uint8_t key[32];
  w_to_be(&f->sp[-1], key);
  st_tstore(f->v->s, f->self, key, &f->sp[-2]);
  f->sp -= 2;
  return f->v->s->oom ? EVM_HALT_LIMIT : 0;
}

int evm_op_log(frame *f, uint8_t op) {
  if (f->msg->is_static) return EVM_HALT_STATIC_WRITE;
  unsigned nt = (unsigned)(op - 0xa0);
  uint64_t o, n;
  int h = evm_mem_range(f, &f->sp[-1], &f->sp[-2], &o, &n);
  if (!h) h = evm_charge(f, LOG_BYTE * n);
  if (h) return h;
  evm_word topics[EVM_MAX_LOG_TOPICS];
  for (unsigned i = 0; i < nt; i++) topics[i] = f->sp[-3 - (int)i];
  if (!vm_push_log(f->v, f->msg->recipient, nt, topics, n ? f->mem + o : NULL, n))
    return EVM_HALT_LIMIT;
  f->sp -= 2 + nt;
  return 0;
}

int evm_op_selfdestruct(frame *f) {
  vm *v = f->v;
  if (f->msg->is_static) return EVM_HALT_STATIC_WRITE;
  uint8_t to[20];
  uint32_t b = addr_arg(f, &f->sp[-1], to);
  if (b == EVM_NO_IDX) return EVM_HALT_LIMIT;
  if (v->fork >= EVM_BERLIN && !vm_warm_acct(v, b)) {
    int h = evm_charge(f, COLD_ACCOUNT_EXTRA + WARM_READ);
    if (h) return h;
  }
  evm_state *s = v->s;
  vc_u256 bal = s->accts[f->self].balance;
  bool charge_new = v->fork >= EVM_SPURIOUS ? (vm_empty(v, b) && !w_is_zero(&bal))
                                            : (v->fork >= EVM_TANGERINE && !vm_exists(v, b));
  if (charge_new) {
    int h = evm_charge(f, NEW_ACCOUNT);
    if (h) return h;
  }
  if (v->fork < EVM_LONDON && s->accts[f->self].destruct_tx != s->tx_id) v->refund += 24000;
  bool created_now = s->accts[f->self].created_tx == s->tx_id;
  if (v->fork >= EVM_CANCUN && !created_now) { /* EIP-6780: only move the balance */
    vm_sub_balance(v, f->self, &bal);
    vm_add_balance(v, b, &bal);
    f->sp--;
    return 0;
  }
  vm_add_balance(v, b, &bal);
  st_journal_acct(s, f->self);
  memset(&s->accts[f->self].balance, 0, sizeof bal); /* burnt if to == self */
  s->accts[f->self].destruct_tx = s->tx_id;
  f->sp--;
  return 0;
}

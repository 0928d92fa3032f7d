/*
 * evm_call.c: message calls and contract creation between frames.
 *
 * evm_message runs one message (a call into an account's code or a precompile, or a
 * creation) at a journal checkpoint: a halt or REVERT rolls the state, the logs and the
 * refund counter back to it. The CALL* and CREATE* opcodes (evm_op_call,
 * evm_op_create) price a message (EIP-2929 warmth, value transfer, new account,
 * EIP-150's 63/64 rule, the call stipend, EIP-3860 initcode words, EIP-7702 delegated
 * code) and hand the callee's output back to the caller as return data.
 *
 * Ownership: an outcome's output is malloc'd here and belongs to the receiver (the
 * calling frame's ret, or the transaction's result). Frame stacks and memory are the
 * vm's per-depth buffers, reused by every frame at that depth.
 */
#include "core/evm/evm_ops.h"

#include <stdlib.h>

#include "core/evm/precompile.h"
#include "core/keccak.h"

#define CALL_VALUE_GAS 9000
#define CALL_STIPEND 2300
#define NEW_ACCOUNT_GAS 25000
#define WARM_READ 100
#define COLD_ACCOUNT 2600
#define CODE_DEPOSIT_BYTE 200
#define INITCODE_WORD 2
#define CREATE2_HASH_WORD 6

/* --- running code in a new frame --- */

static bool frame_buffers(vm *v, unsigned depth) {
  while (v->n_bufs <= depth) memset(&v->bufs[v->n_bufs++], 0, sizeof v->bufs[0]);
  evm_frame_buf *b = &v->bufs[depth];
  if (!b->stack) b->stack = malloc(EVM_STACK_LIMIT * sizeof(evm_word));
  if (!b->stack) v->s->oom = true;
  return b->stack != NULL;
}

static void run_code(vm *v, const evm_msg *m, uint32_t self, const uint8_t *code, size_t len,
                     const uint64_t *jumpdests, evm_outcome *out) {
  if (!frame_buffers(v, m->depth)) {
    out->status = EVM_HALT;
    out->halt = EVM_HALT_LIMIT;
    out->gas_left = 0;
    return;
  }
  evm_frame_buf *b = &v->bufs[m->depth];
  frame f = {.v = v, .msg = m, .self = self, .code = code, .code_len = len,
             .jumpdests = jumpdests, .stack = b->stack, .sp = b->stack, .mem = b->mem,
             .mem_cap = b->mem_cap, .gas = m->gas};
  evm_halt halt;
  out->status = evm_run_frame(&f, &halt);
  out->halt = halt;
  out->gas_left = f.gas;
  free(f.ret);
  if (out->status != EVM_HALT && f.out_len) {
    out->output = malloc(f.out_len);
    if (!out->output) {
      v->s->oom = true;
      out->status = EVM_HALT;
      out->halt = EVM_HALT_LIMIT;
      out->gas_left = 0;
      return;
    }
    memcpy(out->output, f.mem + f.out_off, f.out_len);
    out->output_len = f.out_len;
  }
}

static void run_precompile(vm *v, const evm_precompile *pc, const evm_msg *m,
                           evm_outcome *out) {
  uint64_t g = pc->gas(m->input, m->input_len, v->fork);
  if (g > (uint64_t)m->gas) {
    out->status = EVM_HALT;
    out->halt = EVM_HALT_OUT_OF_GAS;
    out->gas_left = 0;
    return;
  }
  evm_pc_out po = {NULL, 0};
  evm_pc_status st = pc->run(m->input, m->input_len, v->fork, &po);
  if (st != EVM_PC_OK) {
    if (st == EVM_PC_NOMEM) v->s->oom = true;
    out->status = EVM_HALT;
    out->halt = st == EVM_PC_NOMEM ? EVM_HALT_LIMIT : EVM_HALT_PRECOMPILE;
    out->gas_left = 0;
    return;
  }
  out->status = EVM_SUCCESS;
  out->gas_left = m->gas - (int64_t)g;
  out->output = po.data;
  out->output_len = po.len;
}

/* A message that fails before running: the caller keeps all the gas it gave. */
static void refuse(const evm_msg *m, evm_outcome *out) {
  out->status = EVM_REVERT;
  out->gas_left = m->gas;
}

static void call_message(vm *v, const evm_msg *m, evm_outcome *out) {
  evm_state *s = v->s;
  uint32_t from = vm_acct(v, m->caller), to = vm_acct(v, m->recipient);
  if (from == EVM_NO_IDX || to == EVM_NO_IDX) return refuse(m, out);
  bool has_value = !w_is_zero(&m->value);
  if ((m->kind == MSG_CALL || m->kind == MSG_CALLCODE) && has_value &&
      w_lt(&s->accts[from].balance, &m->value))
    return refuse(m, out);
  size_t jl = s->n_journal, nlogs = v->n_logs;
  int64_t refund = v->refund;
  const evm_precompile *pc = v->b->pc_overlay_find ? v->b->pc_overlay_find(m->code_addr) : NULL;
  if (!pc) pc = evm_precompile_find(m->code_addr, v->fork);
  if (m->kind == MSG_CALL) {
    if (!vm_exists(v, to) && !pc && v->fork >= EVM_SPURIOUS && !has_value) {
      out->status = EVM_SUCCESS;
      out->gas_left = m->gas;
      return;
    }
    vm_sub_balance(v, from, &m->value);
    vm_add_balance(v, to, &m->value);
  }
  if (pc) {
    run_precompile(v, pc, m, out);
  } else {
    uint32_t ca = vm_acct(v, m->code_addr), ci;
    if (ca == EVM_NO_IDX) return refuse(m, out);
    const evm_code *c = vm_code(v, ca, &ci);
    uint8_t target[20];
    if (v->fork >= EVM_PRAGUE && vm_delegation(c->bytes, c->len, target)) {
      uint32_t ta = vm_acct(v, target);
      if (ta == EVM_NO_IDX) return refuse(m, out);
      c = vm_code(v, ta, &ci);
    }
    if (c->len == 0) {
      out->status = EVM_SUCCESS;
      out->gas_left = m->gas;
      return;
    }
    const uint64_t *jd = st_jumpdests(s, ci);
    if (!jd) return refuse(m, out);
    c = &s->codes[ci];
    run_code(v, m, to, c->bytes, c->len, jd, out);
  }
  if (out->status != EVM_SUCCESS) {
    st_revert(s, jl);
    vm_truncate_logs(v, nlogs);
    v->refund = refund;
    if (out->status == EVM_HALT) out->gas_left = 0;
  }
}

/* The deployed code's checks and price; a halt code or 0. */
static int deposit(vm *v, evm_outcome *out, uint32_t a) {
  if (v->fork >= EVM_SPURIOUS && out->output_len > EVM_MAX_CODE_SIZE) return EVM_HALT_CODE_SIZE;
  if (v->fork >= EVM_LONDON && out->output_len && out->output[0] == 0xef) return EVM_HALT_CODE_EF;
  uint64_t cost = (uint64_t)CODE_DEPOSIT_BYTE * out->output_len;
  if (cost > (uint64_t)out->gas_left) return v->fork >= EVM_HOMESTEAD ? EVM_HALT_OUT_OF_GAS : -1;
  out->gas_left -= (int64_t)cost;
  uint32_t ci = st_code_add(v->s, out->output, out->output_len);
  if (ci == EVM_NO_IDX) return EVM_HALT_LIMIT;
  st_journal_acct(v->s, a);
  v->s->accts[a].code = ci;
  return 0;
}

static void create_message(vm *v, const evm_msg *m, evm_outcome *out) {
  evm_state *s = v->s;
  uint32_t from = vm_acct(v, m->caller), a = vm_acct(v, m->recipient);
  if (from == EVM_NO_IDX || a == EVM_NO_IDX) return refuse(m, out);
  if (w_lt(&s->accts[from].balance, &m->value)) return refuse(m, out);
  if (m->depth > 0) { /* the transaction bumped the sender's nonce itself */
    if (s->accts[from].nonce == UINT64_MAX) return refuse(m, out);
    st_journal_acct(s, from);
    s->accts[from].nonce++;
    s->accts[from].touched_tx = s->tx_id;
  }
  if (v->fork >= EVM_BERLIN) vm_warm_acct(v, a);
  evm_acct *x = &s->accts[a];
  if (x->nonce != 0 || x->code != 0 || st_has_storage(s, a)) {
    out->status = EVM_HALT;
    out->halt = EVM_HALT_CREATE_COLLISION;
    out->gas_left = 0;
    return;
  }
  size_t jl = s->n_journal, nlogs = v->n_logs;
  int64_t refund = v->refund;
  st_journal_acct(s, a);
  x = &s->accts[a];
  x->flags |= AF_KNOWN | AF_EXISTS | AF_STORAGE_ALL;
  x->nonce = v->fork >= EVM_SPURIOUS ? 1 : 0;
  x->gen++;
  x->created_tx = s->tx_id;
  x->touched_tx = s->tx_id;
  vm_sub_balance(v, from, &m->value);
  vm_add_balance(v, a, &m->value);
  uint8_t *code = calloc(1, m->input_len + EVM_CODE_PAD);
  uint64_t *jd = code ? evm_jumpdest_analysis(m->input, m->input_len) : NULL;
  if (!jd) {
    s->oom = true;
    out->status = EVM_HALT;
    out->halt = EVM_HALT_LIMIT;
  } else {
    if (m->input_len) memcpy(code, m->input, m->input_len);
    evm_msg im = *m; /* init code runs with empty call data */
    im.input = NULL;
    im.input_len = 0;
    run_code(v, &im, a, code, m->input_len, jd, out);
  }
  free(code);
  free(jd);
  if (out->status == EVM_SUCCESS) {
    int h = deposit(v, out, a);
    free(out->output);
    out->output = NULL;
    out->output_len = 0;
    if (h > 0) {
      out->status = EVM_HALT;
      out->halt = (evm_halt)h;
      vc_fail(&v->r->err, VC_ERR_MISMATCH, "%s (create at depth %u)", evm_halt_text(out->halt),
              m->depth);
    }
  }
  if (out->status != EVM_SUCCESS) {
    st_revert(s, jl);
    vm_truncate_logs(v, nlogs);
    v->refund = refund;
    if (out->status == EVM_HALT) out->gas_left = 0;
  } else {
    memcpy(out->created, m->recipient, 20);
  }
}

void evm_message(vm *v, const evm_msg *m, evm_outcome *out) {
  memset(out, 0, sizeof *out);
  if (m->depth > EVM_MAX_DEPTH) return refuse(m, out);
  if (m->kind == MSG_CREATE || m->kind == MSG_CREATE2) create_message(v, m, out);
  else call_message(v, m, out);
}

/* --- addresses of new contracts --- */

void evm_create_address(const uint8_t sender[20], uint64_t nonce, uint8_t out[20]) {
  uint8_t buf[1 + 21 + 9], h[32];
  size_t n = 0, nl = 0;
  uint8_t nb[8];
  for (int i = 7; i >= 0; i--) {
    uint8_t byte = (uint8_t)(nonce >> (i * 8));
    if (nl || byte) nb[nl++] = byte;
  }
  size_t payload = 21 + (nonce == 0 || (nl == 1 && nb[0] < 0x80) ? 1 : 1 + nl);
  buf[n++] = (uint8_t)(0xc0 + payload);
  buf[n++] = 0x94;
  memcpy(buf + n, sender, 20);
  n += 20;
  if (nonce == 0) buf[n++] = 0x80;
  else if (nl == 1 && nb[0] < 0x80) buf[n++] = nb[0];
  else {
    buf[n++] = (uint8_t)(0x80 + nl);
    memcpy(buf + n, nb, nl);
    n += nl;
  }
  vc_keccak256(buf, n, h);
  memcpy(out, h + 12, 20);
}

void evm_create2_address(const uint8_t sender[20], const uint8_t salt[32],
                         const uint8_t *init, size_t len, uint8_t out[20]) {
  uint8_t buf[1 + 20 + 32 + 32], h[32];
  buf[0] = 0xff;
  memcpy(buf + 1, sender, 20);
  memcpy(buf + 21, salt, 32);
  vc_keccak256(init, len, buf + 53);
  vc_keccak256(buf, sizeof buf, h);
  memcpy(out, h + 12, 20);
}

/* --- the opcodes --- */

/* Output into the caller: return data and the (retOffset, retSize) window. */
static void take_output(frame *f, evm_outcome *o, uint64_t ro, uint64_t rn) {
  if (o->status != EVM_HALT && rn && o->output_len)
    memcpy(f->mem + ro, o->output, o->output_len < rn ? o->output_len : rn);
  free(f->ret);
  f->ret = o->output;
  f->ret_len = o->output_len;
  o->output = NULL;
}

/* Gas of the call's extra accesses and value (EIP-2929, EIP-7702, new account). */
static int call_extra_gas(frame *f, uint8_t op, uint32_t a, bool has_value) {
  vm *v = f->v;
  uint64_t g = 0;
  if (v->fork >= EVM_BERLIN && !vm_warm_acct(v, a)) g += COLD_ACCOUNT - WARM_READ;
  if (v->fork >= EVM_PRAGUE) {
    const evm_code *c = vm_code(v, a, NULL);
    uint8_t t[20];
    if (vm_delegation(c->bytes, c->len, t)) {
      uint32_t ta = vm_acct(v, t);
      if (ta == EVM_NO_IDX) return EVM_HALT_LIMIT;
      g += vm_warm_acct(v, ta) ? WARM_READ : COLD_ACCOUNT;
    }
  }
  if (has_value) g += CALL_VALUE_GAS;
  if (op == 0xf1 && has_value && vm_empty(v, a) && v->fork >= EVM_SPURIOUS) g += NEW_ACCOUNT_GAS;
  if (op == 0xf1 && v->fork < EVM_SPURIOUS && !vm_exists(v, a)) g += NEW_ACCOUNT_GAS;
  return evm_charge(f, g);
}

int evm_op_call(frame *f, uint8_t op) {
  vm *v = f->v;
  bool with_value = op == 0xf1 || op == 0xf2;
  evm_word *p = f->sp; /* p[-1] gas, p[-2] addr, then [value], in off/len, out off/len */
  int k = with_value ? 3 : 2;
  evm_word value;
  if (with_value) value = p[-3];
  else w_zero(&value);
  bool has_value = !w_is_zero(&value);
  if (op == 0xf1 && has_value && f->msg->is_static) return EVM_HALT_STATIC_WRITE;
  uint64_t io, in, ro, rn;
  int h = evm_mem_range(f, &p[-k - 1], &p[-k - 2], &io, &in);
  if (!h) h = evm_mem_range(f, &p[-k - 3], &p[-k - 4], &ro, &rn);
  if (h) return h;
  uint8_t to[20];
  w_to_addr(&p[-2], to);
  uint32_t a = vm_acct(v, to);
  if (a == EVM_NO_IDX) return EVM_HALT_LIMIT;
  h = call_extra_gas(f, op, a, has_value);
  if (h) return h;
  uint64_t avail = (uint64_t)f->gas;
  if (v->fork >= EVM_TANGERINE) avail -= avail / 64;
  uint64_t gas = w_fits64(&p[-1]) && p[-1].w[0] < avail ? p[-1].w[0] : avail;
  if (v->fork < EVM_TANGERINE && (!w_fits64(&p[-1]) || p[-1].w[0] > avail))
    return EVM_HALT_OUT_OF_GAS;
  f->gas -= (int64_t)gas;
  if (has_value) gas += CALL_STIPEND;
  evm_msg m = {.kind = op == 0xf1 ? MSG_CALL : op == 0xf2 ? MSG_CALLCODE
                   : op == 0xf4 ? MSG_DELEGATECALL : MSG_STATICCALL,
               .input = in ? f->mem + io : NULL, .input_len = in, .gas = (int64_t)gas,
               .is_static = f->msg->is_static || op == 0xfa, .depth = f->msg->depth + 1};
  memcpy(m.code_addr, to, 20);
  if (op == 0xf4) {
    memcpy(m.caller, f->msg->caller, 20);
    memcpy(m.recipient, f->msg->recipient, 20);
    m.value = f->msg->value;
  } else {
    memcpy(m.caller, f->msg->recipient, 20);
    memcpy(m.recipient, op == 0xf2 ? f->msg->recipient : to, 20);
    m.value = value;
    m.transfer = op == 0xf1;
  }
  evm_outcome o;
  evm_message(v, &m, &o);
  f->gas += o.gas_left;
  f->sp -= k + 3; /* pops k + 4 words, pushes one */
  w_u64(&f->sp[-1], o.status == EVM_SUCCESS);
  take_output(f, &o, ro, rn);
  return v->s->oom ? EVM_HALT_LIMIT : 0;
}

int evm_op_create(frame *f, uint8_t op) {
  vm *v = f->v;
  if (f->msg->is_static) return EVM_HALT_STATIC_WRITE;
  evm_word *p = f->sp; /* p[-1] value, p[-2] offset, p[-3] size, [p[-4] salt] */
  uint64_t o, n;
  if (v->fork >= EVM_SHANGHAI && (!w_fits64(&p[-3]) || p[-3].w[0] > EVM_MAX_INITCODE_SIZE))
    return EVM_HALT_OUT_OF_GAS;
  int h = evm_mem_range(f, &p[-2], &p[-3], &o, &n);
  uint64_t words = (n + 31) / 32;
  if (!h && v->fork >= EVM_SHANGHAI) h = evm_charge(f, INITCODE_WORD * words);
  if (!h && op == 0xf5) h = evm_charge(f, CREATE2_HASH_WORD * words);
  if (h) return h;
  const uint8_t *init = n ? f->mem + o : NULL;
  evm_msg m = {.kind = op == 0xf0 ? MSG_CREATE : MSG_CREATE2, .value = p[-1], .input = init,
               .input_len = n, .is_static = false, .depth = f->msg->depth + 1};
  memcpy(m.caller, f->msg->recipient, 20);
  if (op == 0xf0) {
    evm_create_address(f->msg->recipient, v->s->accts[f->self].nonce, m.recipient);
  } else {
    uint8_t salt[32];
    w_to_be(&p[-4], salt);
    evm_create2_address(f->msg->recipient, salt, init, n, m.recipient);
  }
  memcpy(m.code_addr, m.recipient, 20);
  uint64_t avail = (uint64_t)f->gas;
  if (v->fork >= EVM_TANGERINE) avail -= avail / 64;
  f->gas -= (int64_t)avail;
  m.gas = (int64_t)avail;
  evm_outcome out;
  evm_message(v, &m, &out);
  f->gas += out.gas_left;
  f->sp -= op == 0xf0 ? 2 : 3;
  if (out.status == EVM_SUCCESS) w_from_addr(&f->sp[-1], out.created);
  else w_zero(&f->sp[-1]);
  if (out.status != EVM_REVERT) {
    free(out.output);
    out.output = NULL;
    out.output_len = 0;
  }
  take_output(f, &out, 0, 0);
  return v->s->oom ? EVM_HALT_LIMIT : 0;
}

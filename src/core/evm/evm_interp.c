/*
 * evm_interp.c: the interpreter loop, the opcode table and the opcodes that touch only
 * the frame (arithmetic, stack, memory, control flow, call data, block environment).
 *
 * One table row per opcode (OP_TABLE: code, name, static gas, words popped, words
 * pushed, first fork); evm_ops_for turns it into a fork's table of static gas and stack
 * bounds (cached in the state). The loop keeps the stack pointer, the gas and the
 * instruction pointer in locals and checks, per op, the stack bounds and the static gas
 * from that table (an undefined opcode has an impossible stack requirement, so the fast
 * path is two compares), then jumps to the op through a computed-goto table (GCC's
 * labels as values; each op ends by dispatching the next one). Because the labels must
 * live in one function, evm_run_frame is longer than this project's functions usually
 * are; each op there is a few lines or one call to an out-of-line op. Opcodes that reach
 * the world state live in evm_host.c, calls and creates in evm_call.c. No allocation per
 * op: the stack is the frame's buffer, memory grows geometrically up to EVM_MAX_MEMORY.
 *
 * Caller: evm_message (evm_call.c) for every frame. The frame owns nothing it did not
 * get from the vm, except ret (the last sub-call's return data).
 */
#include "core/evm/evm_ops.h"

#if defined(__GNUC__) && !defined(__clang__)
/* keep stack words moving 64 bits at a time (see w_copy in evm_word.h) */
#pragma GCC optimize("no-tree-slp-vectorize")
#endif

#include <stdlib.h>

#include "core/keccak.h"

/* X(code, name, static gas, pops, pushes, first fork) */
#define OP_TABLE(X)                                                                        \
  X(0x00, STOP, 0, 0, 0, EVM_FRONTIER) X(0x01, ADD, 3, 2, 1, EVM_FRONTIER)                 \
  X(0x02, MUL, 5, 2, 1, EVM_FRONTIER) X(0x03, SUB, 3, 2, 1, EVM_FRONTIER)                  \
  X(0x04, DIV, 5, 2, 1, EVM_FRONTIER) X(0x05, SDIV, 5, 2, 1, EVM_FRONTIER)                 \
  X(0x06, MOD, 5, 2, 1, EVM_FRONTIER) X(0x07, SMOD, 5, 2, 1, EVM_FRONTIER)                 \
  X(0x08, ADDMOD, 8, 3, 1, EVM_FRONTIER) X(0x09, MULMOD, 8, 3, 1, EVM_FRONTIER)            \
  X(0x0a, EXP, 10, 2, 1, EVM_FRONTIER) X(0x0b, SIGNEXTEND, 5, 2, 1, EVM_FRONTIER)          \
  X(0x10, LT, 3, 2, 1, EVM_FRONTIER) X(0x11, GT, 3, 2, 1, EVM_FRONTIER)                    \
  X(0x12, SLT, 3, 2, 1, EVM_FRONTIER) X(0x13, SGT, 3, 2, 1, EVM_FRONTIER)                  \
  X(0x14, EQ, 3, 2, 1, EVM_FRONTIER) X(0x15, ISZERO, 3, 1, 1, EVM_FRONTIER)                \
  X(0x16, AND, 3, 2, 1, EVM_FRONTIER) X(0x17, OR, 3, 2, 1, EVM_FRONTIER)                   \
  X(0x18, XOR, 3, 2, 1, EVM_FRONTIER) X(0x19, NOT, 3, 1, 1, EVM_FRONTIER)                  \
  X(0x1a, BYTE, 3, 2, 1, EVM_FRONTIER) X(0x1b, SHL, 3, 2, 1, EVM_CONSTANTINOPLE)           \
  X(0x1c, SHR, 3, 2, 1, EVM_CONSTANTINOPLE) X(0x1d, SAR, 3, 2, 1, EVM_CONSTANTINOPLE)      \
  X(0x1e, CLZ, 5, 1, 1, EVM_OSAKA) X(0x20, KECCAK256, 30, 2, 1, EVM_FRONTIER)              \
  X(0x30, ADDRESS, 2, 0, 1, EVM_FRONTIER) X(0x31, BALANCE, 100, 1, 1, EVM_FRONTIER)        \
  X(0x32, ORIGIN, 2, 0, 1, EVM_FRONTIER) X(0x33, CALLER, 2, 0, 1, EVM_FRONTIER)            \
  X(0x34, CALLVALUE, 2, 0, 1, EVM_FRONTIER) X(0x35, CALLDATALOAD, 3, 1, 1, EVM_FRONTIER)   \
  X(0x36, CALLDATASIZE, 2, 0, 1, EVM_FRONTIER) X(0x37, CALLDATACOPY, 3, 3, 0, EVM_FRONTIER) \
  X(0x38, CODESIZE, 2, 0, 1, EVM_FRONTIER) X(0x39, CODECOPY, 3, 3, 0, EVM_FRONTIER)        \
  X(0x3a, GASPRICE, 2, 0, 1, EVM_FRONTIER) X(0x3b, EXTCODESIZE, 100, 1, 1, EVM_FRONTIER)   \
  X(0x3c, EXTCODECOPY, 100, 4, 0, EVM_FRONTIER)                                            \
  X(0x3d, RETURNDATASIZE, 2, 0, 1, EVM_BYZANTIUM)                                          \
  X(0x3e, RETURNDATACOPY, 3, 3, 0, EVM_BYZANTIUM)                                          \
  X(0x3f, EXTCODEHASH, 100, 1, 1, EVM_CONSTANTINOPLE)                                      \
  X(0x40, BLOCKHASH, 20, 1, 1, EVM_FRONTIER) X(0x41, COINBASE, 2, 0, 1, EVM_FRONTIER)      \
  X(0x42, TIMESTAMP, 2, 0, 1, EVM_FRONTIER) X(0x43, NUMBER, 2, 0, 1, EVM_FRONTIER)         \
  X(0x44, PREVRANDAO, 2, 0, 1, EVM_FRONTIER) X(0x45, GASLIMIT, 2, 0, 1, EVM_FRONTIER)      \
  X(0x46, CHAINID, 2, 0, 1, EVM_ISTANBUL) X(0x47, SELFBALANCE, 5, 0, 1, EVM_ISTANBUL)      \
  X(0x48, BASEFEE, 2, 0, 1, EVM_LONDON) X(0x49, BLOBHASH, 3, 1, 1, EVM_CANCUN)             \
  X(0x4a, BLOBBASEFEE, 2, 0, 1, EVM_CANCUN) X(0x50, POP, 2, 1, 0, EVM_FRONTIER)            \
  X(0x51, MLOAD, 3, 1, 1, EVM_FRONTIER) X(0x52, MSTORE, 3, 2, 0, EVM_FRONTIER)             \
  X(0x53, MSTORE8, 3, 2, 0, EVM_FRONTIER) X(0x54, SLOAD, 100, 1, 1, EVM_FRONTIER)          \
  X(0x55, SSTORE, 0, 2, 0, EVM_FRONTIER) X(0x56, JUMP, 8, 1, 0, EVM_FRONTIER)              \
  X(0x57, JUMPI, 10, 2, 0, EVM_FRONTIER) X(0x58, PC, 2, 0, 1, EVM_FRONTIER)                \
  X(0x59, MSIZE, 2, 0, 1, EVM_FRONTIER) X(0x5a, GAS, 2, 0, 1, EVM_FRONTIER)                \
  X(0x5b, JUMPDEST, 1, 0, 0, EVM_FRONTIER) X(0x5c, TLOAD, 100, 1, 1, EVM_CANCUN)           \
  X(0x5d, TSTORE, 100, 2, 0, EVM_CANCUN) X(0x5e, MCOPY, 3, 3, 0, EVM_CANCUN)               \
  X(0x5f, PUSH0, 2, 0, 1, EVM_SHANGHAI)                                                    \
  X(0xa0, LOG0, 375, 2, 0, EVM_FRONTIER) X(0xa1, LOG1, 750, 3, 0, EVM_FRONTIER)            \
  X(0xa2, LOG2, 1125, 4, 0, EVM_FRONTIER) X(0xa3, LOG3, 1500, 5, 0, EVM_FRONTIER)          \
  X(0xa4, LOG4, 1875, 6, 0, EVM_FRONTIER) X(0xf0, CREATE, 32000, 3, 1, EVM_FRONTIER)       \
  X(0xf1, CALL, 100, 7, 1, EVM_FRONTIER) X(0xf2, CALLCODE, 100, 7, 1, EVM_FRONTIER)        \
  X(0xf3, RETURN, 0, 2, 0, EVM_FRONTIER) X(0xf4, DELEGATECALL, 100, 6, 1, EVM_HOMESTEAD)   \
  X(0xf5, CREATE2, 32000, 4, 1, EVM_CONSTANTINOPLE)                                        \
  X(0xfa, STATICCALL, 100, 6, 1, EVM_BYZANTIUM) X(0xfd, REVERT, 0, 2, 0, EVM_BYZANTIUM)    \
  X(0xfe, INVALID, 0, 0, 0, EVM_FRONTIER) X(0xff, SELFDESTRUCT, 5000, 1, 0, EVM_FRONTIER)

#define UNDEF_POPS 0xffff

typedef struct {
  uint8_t code;
  const char *name;
  uint16_t gas, pops, pushes;
  evm_fork since;
} op_row;

#define ROW(c, n, g, po, pu, f) {c, #n, g, po, pu, f},
static const op_row rows[] = {OP_TABLE(ROW)};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

/* Static gas before Berlin (EIP-2929 moved these to warm/cold pricing). */
typedef struct {
  uint8_t code;
  uint16_t frontier, tangerine, istanbul;
} old_gas_row;

static const old_gas_row old_gas[] = {
    {0x31, 20, 400, 700},  {0x3b, 20, 700, 700},  {0x3c, 20, 700, 700},
    {0x3f, 400, 400, 700}, {0x54, 50, 200, 800},  {0xf1, 40, 700, 700},
    {0xf2, 40, 700, 700},  {0xf4, 40, 700, 700},  {0xfa, 40, 700, 700},
    {0xff, 0, 5000, 5000},
};

const char *evm_op_name(uint8_t op) {
  static const char *push = "PUSH", *dup = "DUP", *swap = "SWAP";
  if (op >= 0x60 && op <= 0x7f) return push;
  if (op >= 0x80 && op <= 0x8f) return dup;
  if (op >= 0x90 && op <= 0x9f) return swap;
  for (size_t i = 0; i < N_ROWS; i++)
    if (rows[i].code == op) return rows[i].name;
  return "UNDEFINED";
}

void evm_ops_for(evm_fork fork, evm_opinfo ops[256]) {
  for (int i = 0; i < 256; i++) ops[i] = (evm_opinfo){0, UNDEF_POPS, 0};
  for (size_t i = 0; i < N_ROWS; i++) {
    if (fork < rows[i].since) continue;
    ops[rows[i].code] = (evm_opinfo){rows[i].gas, rows[i].pops,
                                     (int8_t)(rows[i].pushes - rows[i].pops)};
  }
  for (int n = 1; n <= 32; n++) ops[0x5f + n] = (evm_opinfo){3, 0, 1};
  for (int n = 1; n <= 16; n++) {
    ops[0x7f + n] = (evm_opinfo){3, (uint16_t)n, 1};
    ops[0x8f + n] = (evm_opinfo){3, (uint16_t)(n + 1), 0};
  }
  if (fork < EVM_BERLIN) {
    for (size_t i = 0; i < sizeof old_gas / sizeof old_gas[0]; i++) {
      const old_gas_row *g = &old_gas[i];
      if (ops[g->code].pops == UNDEF_POPS) continue;
      ops[g->code].gas = fork >= EVM_ISTANBUL    ? g->istanbul
                         : fork >= EVM_TANGERINE ? g->tangerine
                                                 : g->frontier;
    }
  }
}

/* --- memory --- */

static uint64_t mem_cost(uint64_t words) { return 3 * words + words * words / 512; }

int evm_mem_grow(frame *f, uint64_t end) {
  if (end > EVM_MAX_MEMORY) return EVM_HALT_OUT_OF_GAS;
  uint64_t words = (end + 31) / 32, cur = f->mem_len / 32;
  if (words <= cur) return 0;
  uint64_t cost = mem_cost(words) - mem_cost(cur);
  if ((uint64_t)f->gas < cost) return EVM_HALT_OUT_OF_GAS;
  f->gas -= (int64_t)cost;
  size_t need = (size_t)words * 32;
  if (need > f->mem_cap) {
    size_t cap = f->mem_cap ? f->mem_cap : 1024;
    while (cap < need) cap *= 2;
    uint8_t *m = realloc(f->mem, cap);
    if (!m) {
      f->v->s->oom = true;
      return EVM_HALT_LIMIT;
    }
    f->mem = m;
    f->mem_cap = cap;
    evm_frame_buf *b = &f->v->bufs[f->msg->depth];
    b->mem = m;
    b->mem_cap = cap;
  }
  memset(f->mem + f->mem_len, 0, need - f->mem_len);
  f->mem_len = need;
  return 0;
}

int evm_mem_range(frame *f, const evm_word *off, const evm_word *len, uint64_t *o, uint64_t *n) {
  if (w_is_zero(len)) {
    *o = *n = 0;
    return 0;
  }
  if (!w_fits64(off) || !w_fits64(len) || off->w[0] > EVM_MAX_MEMORY ||
      len->w[0] > EVM_MAX_MEMORY)
    return EVM_HALT_OUT_OF_GAS;
  *o = off->w[0];
  *n = len->w[0];
  return evm_mem_grow(f, *o + *n);
}

int evm_charge(frame *f, uint64_t gas) {
  if ((uint64_t)f->gas < gas) return EVM_HALT_OUT_OF_GAS;
  f->gas -= (int64_t)gas;
  return 0;
}

/* copy gas: 3 per word */
static int copy_gas(frame *f, uint64_t n) { return evm_charge(f, 3 * ((n + 31) / 32)); }

/* dst[0..n) = src[off..off+n) with zeros past src_len */
void evm_copy_padded(uint8_t *dst, const uint8_t *src, size_t src_len, const evm_word *off,
                     uint64_t n) {
  uint64_t o = w_fits64(off) ? off->w[0] : UINT64_MAX;
  uint64_t avail = o < src_len ? src_len - o : 0;
  uint64_t k = avail < n ? avail : n;
  if (k) memcpy(dst, src + o, k);
  if (n > k) memset(dst + k, 0, n - k);
}

/* --- frame-only ops that need more than a line --- */

static int op_exp(frame *f) {
  evm_word *e = &f->sp[-2];
  uint64_t per = f->v->fork >= EVM_SPURIOUS ? 50 : 10;
  int h = evm_charge(f, per * w_byte_len(e));
  if (h) return h;
  w_exp(e, &f->sp[-1], e);
  f->sp--;
  return 0;
}

static int op_keccak(frame *f) {
  uint64_t o, n;
  int h = evm_mem_range(f, &f->sp[-1], &f->sp[-2], &o, &n);
  if (!h) h = evm_charge(f, 6 * ((n + 31) / 32));
  if (h) return h;
  uint8_t d[32];
  vc_keccak256(n ? f->mem + o : NULL, n, d);
  f->sp--;
  w_from_be32(&f->sp[-1], d);
  return 0;
}

static int op_copy(frame *f, const uint8_t *src, size_t src_len) {
  uint64_t o, n;
  evm_word *p = f->sp - 3; /* p[2] = dest offset, p[1] = src offset, p[0] = length */
  int h = evm_mem_range(f, &p[2], &p[0], &o, &n);
  if (!h) h = copy_gas(f, n);
  if (h) return h;
  if (n) evm_copy_padded(f->mem + o, src, src_len, &p[1], n);
  f->sp -= 3;
  return 0;
}

static int op_returndatacopy(frame *f) {
  evm_word *p = f->sp - 3;
  const evm_word *src = &p[1], *len = &p[0];
  if (!w_fits64(src) || !w_fits64(len) || src->w[0] + len->w[0] < src->w[0] ||
      src->w[0] + len->w[0] > f->ret_len)
    return EVM_HALT_RETURNDATA_OOB;
  return op_copy(f, f->ret, f->ret_len);
}

static int op_mcopy(frame *f) {
  evm_word *p = f->sp - 3; /* p[2] dst, p[1] src, p[0] len */
  uint64_t d, s, n;
  if (w_is_zero(&p[0])) {
    f->sp -= 3;
    return 0;
  }
  if (!w_fits64(&p[1]) || p[1].w[0] > EVM_MAX_MEMORY) return EVM_HALT_OUT_OF_GAS;
  int h = evm_mem_range(f, &p[2], &p[0], &d, &n);
  if (!h) h = evm_mem_grow(f, p[1].w[0] + n);
  if (!h) h = copy_gas(f, n);
  if (h) return h;
  s = p[1].w[0];
  memmove(f->mem + d, f->mem + s, n);
  f->sp -= 3;
  return 0;
}

static int op_mload(frame *f) {
  uint64_t o, n;
  evm_word l;
  w_u64(&l, 32);
  int h = evm_mem_range(f, &f->sp[-1], &l, &o, &n);
  if (h) return h;
  w_from_be32(&f->sp[-1], f->mem + o);
  return 0;
}

static int op_mstore(frame *f, unsigned width) {
  uint64_t o, n;
  evm_word l;
  w_u64(&l, width);
  int h = evm_mem_range(f, &f->sp[-1], &l, &o, &n);
  if (h) return h;
  if (width == 32) w_to_be(&f->sp[-2], f->mem + o);
  else f->mem[o] = (uint8_t)f->sp[-2].w[0];
  f->sp -= 2;
  return 0;
}

static int op_calldataload(frame *f) {
  uint8_t b[32];
  evm_copy_padded(b, f->msg->input, f->msg->input_len, &f->sp[-1], 32);
  w_from_be32(&f->sp[-1], b);
  return 0;
}

static bool jump_ok(const frame *f, const evm_word *dst) {
  if (!w_fits64(dst) || dst->w[0] >= f->code_len) return false;
  uint64_t d = dst->w[0];
  return (f->jumpdests[d / 64] >> (d % 64)) & 1;
}

static int op_end(frame *f) { /* RETURN and REVERT: the output range */
  uint64_t o, n;
  int h = evm_mem_range(f, &f->sp[-1], &f->sp[-2], &o, &n);
  if (h) return h;
  f->out_off = o;
  f->out_len = n;
  f->sp -= 2;
  return 0;
}

static int op_blobhash(frame *f) {
  const evm_tx *tx = f->v->tx;
  evm_word *i = &f->sp[-1];
  if (w_fits64(i) && i->w[0] < tx->n_blob_hashes) w_from_be32(i, tx->blob_hashes[i->w[0]]);
  else w_zero(i);
  return 0;
}

/* --- the loop ---
 *
 * The stack pointer, the gas and the instruction pointer live in locals (registers);
 * SYNC writes them to the frame before an out-of-line op, LOAD reads them back. Each op
 * ends with NEXT, which checks and dispatches the following op itself (threaded code:
 * one indirect jump per op, predicted per op). */

#define SYNC() (f->sp = sp, f->gas = gas, f->pc = (size_t)(ip - code))
#define LOAD() (sp = f->sp, gas = f->gas, ip = code + f->pc)
#define NEXT                                                                            \
  do {                                                                                  \
    op_ip = ip;                                                                         \
    op = *ip++;                                                                         \
    const evm_opinfo *oi_ = &ops[op];                                                   \
    ptrdiff_t d_ = sp - stack;                                                          \
    if (__builtin_expect(d_ < oi_->pops || d_ + oi_->grow > (ptrdiff_t)EVM_STACK_LIMIT, 0)) \
      goto stack_err;                                                                   \
    gas -= oi_->gas;                                                                    \
    if (__builtin_expect(gas < 0, 0)) goto oog;                                         \
    goto *labels[op];                                                                   \
  } while (0)
#define OUTLINE(expr) \
  do {                \
    SYNC();           \
    h = (expr);       \
    LOAD();           \
    if (h) goto halt; \
    NEXT;             \
  } while (0)
#define BIN(fn)                    \
  do {                             \
    fn(&sp[-2], &sp[-1], &sp[-2]); \
    sp--;                          \
    NEXT;                          \
  } while (0)
#define CMP(expr)                   \
  do {                              \
    w_u64(&sp[-2], (expr) ? 1 : 0); \
    sp--;                           \
    NEXT;                           \
  } while (0)
#define PUSH_U64(x)    \
  do {                 \
    w_u64(sp++, (x));  \
    NEXT;              \
  } while (0)

static inline uint64_t load_be64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

/* PUSHn: n bytes at p, big-endian (the code is padded, so 32 bytes are readable). */
static inline void push_bytes(evm_word *r, const uint8_t *p, unsigned n) {
  if (n <= 8) {
    w_u64(r, load_be64(p) >> (64 - 8 * n));
    return;
  }
  evm_word t;
  t.w[3] = load_be64(p);
  t.w[2] = load_be64(p + 8);
  t.w[1] = load_be64(p + 16);
  t.w[0] = load_be64(p + 24);
  if (n == 32) w_copy(r, &t);
  else w_shr(r, &t, 8 * (32 - n));
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init" /* [0 ... 255] first, then the ops */
evm_status evm_run_frame(frame *f, evm_halt *halt) {
#define LBL(c, n, g, po, pu, fk) [c] = &&L_##n,
  static void *const labels[256] = {
      [0 ... 255] = &&L_UNDEF, OP_TABLE(LBL)[0x60 ... 0x7f] = &&L_PUSH,
      [0x80 ... 0x8f] = &&L_DUP, [0x90 ... 0x9f] = &&L_SWAP};
#undef LBL
  vm *v = f->v;
  const evm_opinfo *ops = v->ops;
  const uint8_t *code = f->code, *ip = code + f->pc, *op_ip = ip;
  evm_word *const stack = f->stack;
  evm_word *sp = f->sp;
  int64_t gas = f->gas;
  uint8_t op = 0;
  int h = 0;
  evm_status st;

  NEXT;

L_STOP:
  f->out_len = 0;
  st = EVM_SUCCESS;
  goto done;
L_ADD: BIN(w_add);
L_MUL: BIN(w_mul);
L_SUB: BIN(w_sub);
L_DIV: BIN(w_div);
L_SDIV: BIN(w_sdiv);
L_MOD: BIN(w_mod);
L_SMOD: BIN(w_smod);
L_ADDMOD:
  w_addmod(&sp[-3], &sp[-1], &sp[-2], &sp[-3]);
  sp -= 2;
  NEXT;
L_MULMOD:
  w_mulmod(&sp[-3], &sp[-1], &sp[-2], &sp[-3]);
  sp -= 2;
  NEXT;
L_EXP: OUTLINE(op_exp(f));
L_SIGNEXTEND: BIN(w_signextend);
L_LT: CMP(w_lt(&sp[-1], &sp[-2]));
L_GT: CMP(w_lt(&sp[-2], &sp[-1]));
L_SLT: CMP(w_slt(&sp[-1], &sp[-2]));
L_SGT: CMP(w_slt(&sp[-2], &sp[-1]));
L_EQ: CMP(w_eq(&sp[-1], &sp[-2]));
L_ISZERO:
  w_u64(&sp[-1], w_is_zero(&sp[-1]));
  NEXT;
L_AND:
  for (int i = 0; i < 4; i++) sp[-2].w[i] &= sp[-1].w[i];
  sp--;
  NEXT;
L_OR:
  for (int i = 0; i < 4; i++) sp[-2].w[i] |= sp[-1].w[i];
  sp--;
  NEXT;
L_XOR:
  for (int i = 0; i < 4; i++) sp[-2].w[i] ^= sp[-1].w[i];
  sp--;
  NEXT;
L_NOT:
  w_not(&sp[-1], &sp[-1]);
  NEXT;
L_BYTE: BIN(w_byte);
L_SHL:
  if (!w_fits64(&sp[-1]) || sp[-1].w[0] >= 256) w_zero(&sp[-2]);
  else w_shl(&sp[-2], &sp[-2], (unsigned)sp[-1].w[0]);
  sp--;
  NEXT;
L_SHR:
  if (!w_fits64(&sp[-1]) || sp[-1].w[0] >= 256) w_zero(&sp[-2]);
  else w_shr(&sp[-2], &sp[-2], (unsigned)sp[-1].w[0]);
  sp--;
  NEXT;
L_SAR: BIN(w_sar);
L_CLZ:
  w_u64(&sp[-1], w_clz(&sp[-1]));
  NEXT;
L_KECCAK256: OUTLINE(op_keccak(f));
L_ADDRESS:
  w_from_addr(sp++, f->msg->recipient);
  NEXT;
L_BALANCE: OUTLINE(evm_op_balance(f));
L_ORIGIN:
  w_from_addr(sp++, v->origin);
  NEXT;
L_CALLER:
  w_from_addr(sp++, f->msg->caller);
  NEXT;
L_CALLVALUE:
  w_copy(sp++, &f->msg->value);
  NEXT;
L_CALLDATALOAD: OUTLINE(op_calldataload(f));
L_CALLDATASIZE: PUSH_U64(f->msg->input_len);
L_CALLDATACOPY: OUTLINE(op_copy(f, f->msg->input, f->msg->input_len));
L_CODESIZE: PUSH_U64(f->code_len);
L_CODECOPY: OUTLINE(op_copy(f, f->code, f->code_len));
L_GASPRICE:
  *sp++ = v->gas_price;
  NEXT;
L_EXTCODESIZE: OUTLINE(evm_op_extcode(f, op));
L_EXTCODECOPY: OUTLINE(evm_op_extcode(f, op));
L_EXTCODEHASH: OUTLINE(evm_op_extcode(f, op));
L_RETURNDATASIZE: PUSH_U64(f->ret_len);
L_RETURNDATACOPY: OUTLINE(op_returndatacopy(f));
L_BLOCKHASH: OUTLINE(evm_op_blockhash(f));
L_COINBASE:
  w_from_addr(sp++, v->b->coinbase);
  NEXT;
L_TIMESTAMP: PUSH_U64(v->b->timestamp);
L_NUMBER: PUSH_U64(v->b->number);
L_PREVRANDAO:
  w_from_be32(sp++, v->b->prevrandao);
  NEXT;
L_GASLIMIT: PUSH_U64(v->b->gas_limit);
L_CHAINID: PUSH_U64(v->b->chain_id);
L_SELFBALANCE: OUTLINE(evm_op_selfbalance(f));
L_BASEFEE:
  *sp++ = v->b->base_fee;
  NEXT;
L_BLOBHASH: OUTLINE(op_blobhash(f));
L_BLOBBASEFEE:
  *sp++ = v->b->blob_base_fee;
  NEXT;
L_POP:
  sp--;
  NEXT;
L_MLOAD:
  if (w_fits64(&sp[-1]) && sp[-1].w[0] <= f->mem_len && f->mem_len - sp[-1].w[0] >= 32) {
    w_from_be32(&sp[-1], f->mem + sp[-1].w[0]); /* no expansion: the fast path */
    NEXT;
  }
  OUTLINE(op_mload(f));
L_MSTORE:
  if (w_fits64(&sp[-1]) && sp[-1].w[0] <= f->mem_len && f->mem_len - sp[-1].w[0] >= 32) {
    w_to_be(&sp[-2], f->mem + sp[-1].w[0]);
    sp -= 2;
    NEXT;
  }
  OUTLINE(op_mstore(f, 32));
L_MSTORE8: OUTLINE(op_mstore(f, 1));
L_SLOAD: OUTLINE(evm_op_sload(f));
L_SSTORE: OUTLINE(evm_op_sstore(f));
L_JUMP:
  if (!jump_ok(f, &sp[-1])) {
    h = EVM_HALT_BAD_JUMP;
    goto halt;
  }
  ip = code + sp[-1].w[0];
  sp--;
  NEXT;
L_JUMPI:
  if (!w_is_zero(&sp[-2])) {
    if (!jump_ok(f, &sp[-1])) {
      h = EVM_HALT_BAD_JUMP;
      goto halt;
    }
    ip = code + sp[-1].w[0];
  }
  sp -= 2;
  NEXT;
L_PC: PUSH_U64((uint64_t)(op_ip - code));
L_MSIZE: PUSH_U64(f->mem_len);
L_GAS: PUSH_U64((uint64_t)gas);
L_JUMPDEST: NEXT;
L_TLOAD: OUTLINE(evm_op_tload(f));
L_TSTORE: OUTLINE(evm_op_tstore(f));
L_MCOPY: OUTLINE(op_mcopy(f));
L_PUSH0: PUSH_U64(0);
L_PUSH: {
  unsigned n = (unsigned)(op - 0x5f);
  push_bytes(sp++, ip, n);
  ip += n;
  NEXT;
}
L_DUP:
  w_copy(sp, &sp[-(int)(op - 0x7f)]);
  sp++;
  NEXT;
L_SWAP: {
  evm_word t;
  w_copy(&t, &sp[-1]);
  w_copy(&sp[-1], &sp[-(int)(op - 0x8f) - 1]);
  w_copy(&sp[-(int)(op - 0x8f) - 1], &t);
  NEXT;
}
L_LOG0:
L_LOG1:
L_LOG2:
L_LOG3:
L_LOG4: OUTLINE(evm_op_log(f, op));
L_CREATE:
L_CREATE2: OUTLINE(evm_op_create(f, op));
L_CALL:
L_CALLCODE:
L_DELEGATECALL:
L_STATICCALL: OUTLINE(evm_op_call(f, op));
L_RETURN:
L_REVERT:
  SYNC();
  h = op_end(f);
  LOAD();
  if (h) goto halt;
  st = op == 0xf3 ? EVM_SUCCESS : EVM_REVERT;
  goto done;
L_SELFDESTRUCT:
  SYNC();
  h = evm_op_selfdestruct(f);
  LOAD();
  if (h) goto halt;
  f->out_len = 0;
  st = EVM_SUCCESS;
  goto done;
stack_err:
  h = ops[op].pops == UNDEF_POPS ? EVM_HALT_INVALID_OPCODE
      : sp - stack < ops[op].pops ? EVM_HALT_STACK_UNDERFLOW
                                  : EVM_HALT_STACK_OVERFLOW;
  goto halt;
oog:
  h = EVM_HALT_OUT_OF_GAS;
  goto halt;
L_INVALID:
L_UNDEF:
  h = EVM_HALT_INVALID_OPCODE;
halt:
  f->pc = (size_t)(op_ip - code); /* name the op that failed, not the next one */
  vm_halt_msg(v, f, op, (evm_halt)h);
  f->gas = 0;
  *halt = (evm_halt)h;
  return EVM_HALT;
done:
  f->gas = gas;
  *halt = EVM_HALT_NONE;
  return st;
}
#pragma GCC diagnostic pop

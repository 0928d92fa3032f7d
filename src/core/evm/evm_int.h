/*
 * evm_int.h: the EVM's private structures, shared by its .c files only.
 *
 * evm_state.c owns the world state: open-addressing hash tables of accounts, storage
 * slots (keyed by account index and slot key), code (by hash, with a lazily built
 * jumpdest bitmap) and transient storage, and the journal that undoes changes back to
 * a checkpoint. Per-transaction marks (warm, original value, created, destructed,
 * touched) carry the transaction's id, so starting a transaction clears them in O(1);
 * wiping an account's storage bumps its storage generation, also O(1).
 *
 * evm_interp.c runs frames, evm_call.c does calls and creates between frames,
 * evm_tx.c the transaction around them. The vm struct is one run's context; it lives
 * on the stack of evm_execute_tx / evm_call and owns its frames' buffers and logs.
 */
#ifndef EVM_INT_H
#define EVM_INT_H

#include "core/evm/evm.h"
#include "core/evm/evm_word.h"

#define EVM_NO_IDX UINT32_MAX
#define EVM_CODE_PAD 33 /* zero bytes after every code: PUSH32 at the end reads zeros */
#define EVM_JOURNAL_MAX ((size_t)1 << 26) /* journal entries per run */

/* account flags */
#define AF_KNOWN 0x01     /* the entry says something (partial: proven; else: present) */
#define AF_EXISTS 0x02    /* the account exists in the trie */
#define AF_STORAGE_ALL 0x04 /* every absent slot is zero (partial mode) */

typedef struct {
  uint8_t *bytes;       /* len + EVM_CODE_PAD bytes, malloc'd; NULL = not known yet */
  size_t len;
  uint8_t hash[32];
  uint64_t *jumpdests;  /* bitmap, built at first run; malloc'd */
} evm_code;

typedef struct {
  uint8_t addr[20];
  uint8_t flags;        /* AF_* */
  uint64_t nonce;
  vc_u256 balance;
  uint32_t code;        /* index into the code store (0 = empty code) */
  uint32_t gen;         /* storage generation: slots of another generation read 0 */
  uint32_t warm_tx;     /* warm in tx `warm_tx` (EIP-2929) */
  uint32_t created_tx;  /* created in tx `created_tx` (EIP-6780) */
  uint32_t destruct_tx; /* self-destructed in tx `destruct_tx` */
  uint32_t touched_tx;  /* touched in tx `touched_tx` (EIP-161) */
  uint32_t dirty_tx;    /* already on the tx's dirty list */
} evm_acct;

typedef struct {
  uint32_t acct;
  uint32_t gen;
  uint8_t key[32];
  vc_u256 val;
  vc_u256 orig;         /* value at the start of tx `orig_tx` */
  uint32_t orig_tx;
  uint32_t warm_tx;
  bool known;           /* the value is known (put, written, or account storage is all) */
} evm_slot;

typedef struct {
  uint32_t acct;
  uint8_t key[32];
  vc_u256 val;
} evm_tslot;

typedef enum {
  J_ACCT = 0,  /* idx = account; old = whole account */
  J_ACCT_NEW,  /* idx = account entry added to the table: undo = forget it */
  J_SLOT,      /* idx = slot; old value, gen, known */
  J_SLOT_WARM, /* idx = slot; old warm_tx */
  J_TSLOT,     /* idx = transient slot; old value */
} evm_jkind;

typedef struct {
  uint8_t kind;
  uint32_t idx;
  union {
    evm_acct acct;
    struct {
      vc_u256 val;
      uint32_t gen;
      uint32_t warm_tx;
      bool known;
    } slot;
  } old;
} evm_jent;

typedef struct {
  uint32_t *idx; /* open addressing; EVM_NO_IDX = empty */
  size_t cap;    /* power of two */
} evm_htab;

typedef struct evm_opinfo {
  uint16_t gas;
  uint16_t pops;  /* words needed; 0xffff = opcode undefined in this fork */
  int8_t grow;    /* net words pushed */
} evm_opinfo;

struct evm_state {
  evm_state_mode mode;
  evm_opinfo ops[256];  /* op table of ops_fork, rebuilt when a run's fork differs */
  int ops_fork;
  uint32_t tx_id;       /* current transaction id (starts at 1) */
  evm_acct *accts;
  size_t n_accts, cap_accts;
  evm_htab acct_tab;
  evm_slot *slots;
  size_t n_slots, cap_slots;
  evm_htab slot_tab;
  evm_code *codes;
  size_t n_codes, cap_codes;
  evm_htab code_tab;
  evm_tslot *tslots;
  size_t n_tslots, cap_tslots;
  evm_htab tslot_tab;
  evm_jent *journal;
  size_t n_journal, cap_journal;
  uint32_t *dirty;      /* accounts changed in this tx (for finalisation) */
  size_t n_dirty, cap_dirty;
  bool oom;             /* an allocation failed: the run must end with VC_ERR_NOMEM */
};

/* --- evm_state.c internals --- */
uint32_t st_find_acct(const evm_state *s, const uint8_t addr[20]);
/* the account entry for addr, adding an unknown one (journaled) when absent */
uint32_t st_acct(evm_state *s, const uint8_t addr[20]);
void st_journal_acct(evm_state *s, uint32_t a); /* before changing accts[a] */
void st_mark_dirty(evm_state *s, uint32_t a);
uint32_t st_slot(evm_state *s, uint32_t a, const uint8_t key[32]); /* find or add */
void st_slot_write(evm_state *s, uint32_t si, const vc_u256 *val);
void st_slot_warm(evm_state *s, uint32_t si);
void st_tload(evm_state *s, uint32_t a, const uint8_t key[32], vc_u256 *out);
void st_tstore(evm_state *s, uint32_t a, const uint8_t key[32], const vc_u256 *val);
void st_tclear(evm_state *s);
void st_revert(evm_state *s, size_t journal_len);
uint32_t st_code_add(evm_state *s, const uint8_t *code, size_t len); /* by hash */
const uint64_t *st_jumpdests(evm_state *s, uint32_t ci);
uint64_t *evm_jumpdest_analysis(const uint8_t *code, size_t len); /* malloc'd bitmap */
void st_delete_account(evm_state *s, uint32_t a);
bool st_acct_empty(const evm_acct *x) VC_MUST_CHECK; /* EIP-161: nonce 0, balance 0, no code */

/* --- one run --- */

typedef struct evm_frame_buf {
  evm_word *stack;  /* EVM_STACK_LIMIT words */
  uint8_t *mem;
  size_t mem_cap;
} evm_frame_buf;

typedef struct vm {
  evm_state *s;
  const evm_block *b;
  const evm_tx *tx;
  evm_result *r;
  evm_fork fork;
  uint8_t origin[20];
  vc_u256 gas_price;
  int64_t refund;
  evm_log *logs;
  size_t n_logs, cap_logs;
  const evm_opinfo *ops; /* the fork's op table */
  unsigned n_bufs;       /* bufs[0..n_bufs) are initialised (depths reached so far) */
  evm_frame_buf bufs[EVM_MAX_DEPTH + 1]; /* last: vm_init does not clear it */
} vm;

typedef enum { MSG_CALL, MSG_CALLCODE, MSG_DELEGATECALL, MSG_STATICCALL, MSG_CREATE,
               MSG_CREATE2 } evm_msg_kind;

typedef struct {
  evm_msg_kind kind;
  uint8_t caller[20];
  uint8_t recipient[20];  /* the account whose storage and balance the code uses */
  uint8_t code_addr[20];  /* whose code runs */
  vc_u256 value;          /* CALLVALUE */
  bool transfer;          /* move value from caller to recipient */
  const uint8_t *input;
  size_t input_len;
  int64_t gas;
  bool is_static;
  unsigned depth;         /* 0 = the transaction's own frame */
  vc_u256 salt;           /* CREATE2 */
} evm_msg;

/* What a frame or call ends with. output is malloc'd (the receiver owns it). */
typedef struct {
  evm_status status;      /* SUCCESS, REVERT or HALT */
  evm_halt halt;
  int64_t gas_left;
  uint8_t *output;
  size_t output_len;
  uint8_t created[20];
} evm_outcome;

typedef struct frame {
  vm *v;
  const evm_msg *msg;
  uint32_t self;          /* account index of msg->recipient */
  const uint8_t *code;
  size_t code_len;
  const uint64_t *jumpdests;
  evm_word *stack;
  evm_word *sp;           /* one past the top */
  uint8_t *mem;
  size_t mem_len;         /* active memory, a multiple of 32 */
  size_t mem_cap;
  int64_t gas;
  size_t pc;
  uint8_t *ret;           /* return data of the last sub-call (owned) */
  size_t ret_len;
  size_t out_off, out_len; /* RETURN / REVERT */
} frame;

/* evm_interp.c */
void evm_ops_for(evm_fork fork, evm_opinfo ops[256]);
evm_status evm_run_frame(frame *f, evm_halt *halt) VC_MUST_CHECK;
/* evm_call.c */
void evm_create_address(const uint8_t sender[20], uint64_t nonce, uint8_t out[20]);
void evm_create2_address(const uint8_t sender[20], const uint8_t salt[32],
                         const uint8_t *init, size_t len, uint8_t out[20]);
/* evm_auth.c: EIP-7702 authorization list of v->tx */
void evm_apply_auths(vm *v);
void evm_message(vm *v, const evm_msg *m, evm_outcome *out);
void vm_need(vm *v, evm_need_kind kind, const uint8_t addr[20], const uint8_t key[32],
              uint64_t number);
/* account accessors that record needs in partial mode */
uint32_t vm_acct(vm *v, const uint8_t addr[20]);        /* index; reading it */
bool vm_exists(vm *v, uint32_t a) VC_MUST_CHECK;
bool vm_empty(vm *v, uint32_t a) VC_MUST_CHECK;
const evm_code *vm_code(vm *v, uint32_t a, uint32_t *ci); /* NULL bytes => need recorded */
void vm_sload(vm *v, uint32_t a, const uint8_t key[32], vc_u256 *val, uint32_t *si);
void vm_add_balance(vm *v, uint32_t a, const vc_u256 *x);
void vm_sub_balance(vm *v, uint32_t a, const vc_u256 *x);
bool vm_warm_acct(vm *v, uint32_t a); /* returns whether it was already warm */
bool vm_delegation(const uint8_t *code, size_t len, uint8_t target[20]) VC_MUST_CHECK;
void vm_halt_msg(vm *v, const frame *f, uint8_t op, evm_halt h);
const char *evm_halt_text(evm_halt h);
bool st_has_storage(const evm_state *s, uint32_t a) VC_MUST_CHECK;
bool vm_push_log(vm *v, const uint8_t addr[20], unsigned n_topics, const evm_word *topics,
                 const uint8_t *data, size_t len) VC_MUST_CHECK;
void vm_truncate_logs(vm *v, size_t n);

#endif

/*
 * evm.h: the Ethereum Virtual Machine of libverity-core, public API.
 *
 * What it does. Executes one transaction (evm_execute_tx: the full state transition the
 * state tests check) or one eth_call-style message (evm_call) over a world state that
 * the host filled beforehand (evm_state). No I/O: the EVM never fetches anything. When a
 * run needs a piece of state the host did not give (partial mode only), the run records
 * what it needed, goes on with zero/empty in its place so one round learns as much as
 * possible, and ends with status EVM_MISSING and the list in result->needs. The host
 * fetches and proves those items, puts them into the state, and runs again. A MISSING
 * result is never an answer.
 *
 * Who calls it. The state-test runner (tests/evm, helper evm-stt) fills a complete state
 * from a fixture's "pre", runs evm_execute_tx, and reads the post state back with
 * evm_state_next_account / evm_state_next_slot to build the state root. The gateway
 * (verified eth_call) fills a partial state with proven accounts and slots and calls
 * evm_call.
 *
 * Ownership. evm_state_new returns a state the caller frees with evm_state_free; every
 * put function copies its inputs. evm_block and evm_tx are views: the caller keeps
 * everything they point to alive for the duration of the call. An evm_result is filled
 * by the run (output, logs are malloc'd) and released with evm_result_free, which also
 * makes it safe to reuse. Views returned by the iterators (code bytes) stay valid until
 * the next mutation of the state.
 *
 * C stack. Frames nest by recursion: a run that reaches call depth 1024 uses about
 * 1.4 MiB of C stack in a release build (1025 frames of ~1.4 KiB; more under
 * sanitizers). Run the EVM on a thread with at least 2 MiB of stack (4 MiB with ASan).
 *
 * State semantics. evm_execute_tx commits its changes into the state (an invalid
 * transaction changes nothing). evm_call leaves the state as it was (all changes are
 * rolled back), so a host can run several calls on one filled state. Neither is
 * thread-safe on the same state; distinct states are independent.
 *
 * Stability. This header is the contract with the state-test runner and the gateway:
 * additions are fine, changes are described here. Since the first version: evm_block
 * gained pc_overlay_find/pc_overlay_table (conformance runs only; NULL otherwise), and
 * EVM_TXERR_BLOB_TOO_MANY is named TYPE_3_TX_BLOB_COUNT_EXCEEDED (the fixtures' name).
 */
#ifndef EVM_H
#define EVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evm/evm_fork.h"
#include "core/evm/precompile.h"
#include "core/u256.h"
#include "core/vc_base.h"

/* --- caps (named, all of them) --- */
#define EVM_MAX_CODE_SIZE 24576u          /* EIP-170: deployed code */
#define EVM_MAX_INITCODE_SIZE 49152u      /* EIP-3860: 2 * EVM_MAX_CODE_SIZE */
#define EVM_MAX_INPUT_CODE ((size_t)1 << 24) /* largest code the host may put (16 MiB) */
#define EVM_MAX_DEPTH 1024u               /* call depth */
#define EVM_STACK_LIMIT 1024u             /* words per frame */
#define EVM_MAX_MEMORY ((uint64_t)1 << 28) /* bytes per frame (256 MiB); beyond it = out of gas */
#define EVM_MAX_LOGS 65536u               /* logs per run; beyond it the run halts */
#define EVM_MAX_LOG_TOPICS 4u
#define EVM_MAX_NEEDS 64u                 /* missing items recorded per run */
#define EVM_MAX_ACCOUNTS ((size_t)1 << 22) /* accounts in one state */
#define EVM_MAX_SLOTS ((size_t)1 << 24)   /* storage slots in one state */
#define EVM_MAX_BLOCK_HASHES 256u         /* BLOCKHASH window */
#define EVM_TX_GAS_CAP_OSAKA ((uint64_t)1 << 24) /* EIP-7825: 16,777,216 */

/* --- the world state --- */

typedef enum {
  /* Absent account = does not exist; absent slot = zero (state tests, local devnets). */
  EVM_STATE_COMPLETE = 0,
  /* Absent account, code or slot = unknown: reading it is recorded as a need (gateway). */
  EVM_STATE_PARTIAL,
} evm_state_mode;

typedef struct evm_state evm_state;

evm_state *evm_state_new(evm_state_mode mode);
void evm_state_free(evm_state *s);

/* An account that exists (or, with all-zero fields and no code, one that is empty).
 * code_hash NULL = no code (keccak256 of the empty string). In partial mode the code
 * bytes may come later (evm_state_put_code); until then running the account's code is
 * a need (EVM_NEED_CODE). Replaces any earlier fields of the account, keeps its slots. */
vc_status evm_state_put_account(evm_state *s, const uint8_t addr[20], const vc_u256 *balance,
                                uint64_t nonce, const uint8_t code_hash[32],
                                vc_err *err) VC_MUST_CHECK;

/* Code bytes, stored by their keccak256 (shared by every account with that hash).
 * VC_ERR_LIMIT over EVM_MAX_INPUT_CODE. */
vc_status evm_state_put_code(evm_state *s, const uint8_t *code, size_t len,
                             vc_err *err) VC_MUST_CHECK;

/* Shorthand: put_code, then point addr's code hash at it (the account must exist). */
vc_status evm_state_set_code(evm_state *s, const uint8_t addr[20], const uint8_t *code,
                             size_t len, vc_err *err) VC_MUST_CHECK;

/* Partial mode: addr is proven not to exist (an exclusion proof). Complete mode: no-op. */
vc_status evm_state_put_absent(evm_state *s, const uint8_t addr[20], vc_err *err) VC_MUST_CHECK;

/* A storage slot's value (32-byte big-endian key and value). The account must exist. */
vc_status evm_state_put_slot(evm_state *s, const uint8_t addr[20], const uint8_t key[32],
                             const uint8_t val[32], vc_err *err) VC_MUST_CHECK;

/* Partial mode: every slot of addr not put is zero (e.g. storageRoot is the empty root). */
vc_status evm_state_put_storage_complete(evm_state *s, const uint8_t addr[20],
                                         vc_err *err) VC_MUST_CHECK;

/* Reading the state back (post state). An account as the iterator shows it. */
typedef struct {
  uint8_t addr[20];
  vc_u256 balance;
  uint64_t nonce;
  uint8_t code_hash[32];
  const uint8_t *code; /* view into the state; NULL when unknown (partial) or empty */
  size_t code_len;
} evm_account_view;

/* Iterates over the existing accounts (deleted ones are skipped), in no particular
 * order. Start with *cursor = 0; returns true and fills *out while there is one more. */
bool evm_state_next_account(const evm_state *s, size_t *cursor, evm_account_view *out);

/* Iterates over the non-zero storage slots of addr. Start with *cursor = 0. */
bool evm_state_next_slot(const evm_state *s, const uint8_t addr[20], size_t *cursor,
                         uint8_t key[32], uint8_t val[32]);

/* One account's fields (false when it does not exist or is unknown). */
bool evm_state_get_account(const evm_state *s, const uint8_t addr[20], evm_account_view *out);

/* One slot's value (zero when absent). */
void evm_state_get_slot(const evm_state *s, const uint8_t addr[20], const uint8_t key[32],
                        uint8_t val[32]);

/* --- the block --- */

typedef struct {
  uint64_t number;
  uint8_t hash[32];
} evm_block_hash;

typedef struct {
  evm_fork fork;
  uint64_t number;
  uint64_t timestamp;
  uint64_t gas_limit;
  uint8_t coinbase[20];
  vc_u256 base_fee;          /* London on; ignored before */
  uint8_t prevrandao[32];    /* Paris on; before Paris: the difficulty, big-endian */
  vc_u256 blob_base_fee;     /* Cancun on (evm_blob_base_fee from excess blob gas) */
  uint64_t chain_id;
  /* BLOCKHASH answers: the host's table of recent hashes. A number in the window that is
   * not in the table reads as zero in complete mode and is a need in partial mode. */
  const evm_block_hash *hashes;
  size_t n_hashes;
  /* Conformance runs only; NULL for real blocks. A precompile set tried before the
   * fork's own table (e.g. pc_bls_draft.h's draft EIP-2537 rows that ethereum/tests'
   * stEIP2537 was filled with): find gives the row for addr or NULL, table lists all
   * its rows (warm from the start of the transaction, EIP-2929). Added after the first
   * version of this header; zero-initialised blocks are unaffected. */
  const evm_precompile *(*pc_overlay_find)(const uint8_t addr[20]);
  const evm_precompile *(*pc_overlay_table)(size_t *n);
} evm_block;

/* Blob base fee from excess blob gas (EIP-4844 fake_exponential, Prague/Osaka update
 * fractions per EIP-7691). */
void evm_blob_base_fee(uint64_t excess_blob_gas, evm_fork fork, vc_u256 *out);

/* --- the transaction --- */

typedef struct {
  uint8_t addr[20];
  const uint8_t (*keys)[32];
  size_t n_keys;
} evm_access_entry;

/* EIP-7702 authorization tuple. The EVM recovers the authority from (y_parity, r, s)
 * over keccak256(0x05 || rlp([chain_id, address, nonce])). */
typedef struct {
  vc_u256 chain_id;
  uint8_t addr[20];
  uint64_t nonce;
  uint8_t y_parity;
  uint8_t r[32];
  uint8_t s[32];
} evm_authorization;

typedef struct {
  uint8_t type;              /* 0 legacy, 1 EIP-2930, 2 EIP-1559, 3 blob, 4 EIP-7702 */
  uint8_t from[20];          /* the sender (already recovered by the host) */
  bool create;               /* true: contract creation, `to` ignored */
  uint8_t to[20];
  vc_u256 value;
  uint64_t gas_limit;
  uint64_t nonce;
  vc_u256 gas_price;         /* types 0, 1 */
  vc_u256 max_fee;           /* types 2..4: maxFeePerGas */
  vc_u256 max_priority_fee;  /* types 2..4: maxPriorityFeePerGas */
  vc_u256 max_fee_per_blob_gas; /* type 3 */
  const uint8_t *data;
  size_t data_len;
  const evm_access_entry *access_list;
  size_t n_access;
  const uint8_t (*blob_hashes)[32];
  size_t n_blob_hashes;
  const evm_authorization *auths;
  size_t n_auths;
} evm_tx;

/* --- the result --- */

typedef enum {
  EVM_SUCCESS = 0,
  EVM_REVERT,      /* REVERT: output holds the revert data; gas left is refunded */
  EVM_HALT,        /* exceptional halt (halt says why): all gas of the top frame used */
  EVM_INVALID_TX,  /* validity check failed (tx_error says which); state unchanged */
  EVM_MISSING,     /* partial state lacked something (needs); not an answer */
} evm_status;

typedef enum {
  EVM_HALT_NONE = 0,
  EVM_HALT_OUT_OF_GAS,
  EVM_HALT_STACK_UNDERFLOW,
  EVM_HALT_STACK_OVERFLOW,
  EVM_HALT_BAD_JUMP,
  EVM_HALT_INVALID_OPCODE,
  EVM_HALT_STATIC_WRITE,     /* state change in a static call */
  EVM_HALT_RETURNDATA_OOB,
  EVM_HALT_CREATE_COLLISION,
  EVM_HALT_CODE_SIZE,        /* EIP-170 deployed code too large */
  EVM_HALT_CODE_EF,          /* EIP-3541 deployed code starts with 0xEF */
  EVM_HALT_PRECOMPILE,       /* precompile rejected its input */
  EVM_HALT_LIMIT,            /* an EVM_MAX_* cap of this implementation */
  EVM_HALT_COUNT
} evm_halt;

/* The state tests' expectException names map 1:1 (evm_tx_error_name). */
typedef enum {
  EVM_TXERR_NONE = 0,
  EVM_TXERR_NONCE_TOO_LOW,            /* TransactionException.NONCE_MISMATCH_TOO_LOW */
  EVM_TXERR_NONCE_TOO_HIGH,           /* TransactionException.NONCE_MISMATCH_TOO_HIGH */
  EVM_TXERR_NONCE_MAX,                /* TransactionException.NONCE_IS_MAX */
  EVM_TXERR_INSUFFICIENT_FUNDS,       /* TransactionException.INSUFFICIENT_ACCOUNT_FUNDS */
  EVM_TXERR_INTRINSIC_GAS,            /* TransactionException.INTRINSIC_GAS_TOO_LOW */
  EVM_TXERR_FLOOR_GAS,                /* ...INTRINSIC_GAS_BELOW_FLOOR_GAS_COST (EIP-7623) */
  EVM_TXERR_BLOCK_GAS,                /* TransactionException.GAS_ALLOWANCE_EXCEEDED */
  EVM_TXERR_GAS_LIMIT_CAP,            /* TransactionException.GAS_LIMIT_EXCEEDS_MAXIMUM */
  EVM_TXERR_INITCODE_SIZE,            /* TransactionException.INITCODE_SIZE_EXCEEDED */
  EVM_TXERR_SENDER_NOT_EOA,           /* TransactionException.SENDER_NOT_EOA */
  EVM_TXERR_MAX_FEE_BELOW_BASE,       /* TransactionException.INSUFFICIENT_MAX_FEE_PER_GAS */
  EVM_TXERR_PRIORITY_ABOVE_MAX,       /* ...PRIORITY_GREATER_THAN_MAX_FEE_PER_GAS */
  EVM_TXERR_GAS_PRICE_OVERFLOW,       /* TransactionException.GASLIMIT_PRICE_PRODUCT_OVERFLOW */
  EVM_TXERR_BLOB_FEE_BELOW_BASE,      /* ...INSUFFICIENT_MAX_FEE_PER_BLOB_GAS */
  EVM_TXERR_BLOB_NONE,                /* TransactionException.TYPE_3_TX_ZERO_BLOBS */
  EVM_TXERR_BLOB_TOO_MANY,            /* TransactionException.TYPE_3_TX_BLOB_COUNT_EXCEEDED */
  EVM_TXERR_BLOB_VERSION,             /* ...TYPE_3_TX_INVALID_BLOB_VERSIONED_HASH */
  EVM_TXERR_BLOB_CREATE,              /* TransactionException.TYPE_3_TX_CONTRACT_CREATION */
  EVM_TXERR_TYPE_NOT_SUPPORTED,       /* ...TYPE_NOT_SUPPORTED (type before its fork) */
  EVM_TXERR_AUTH_EMPTY,               /* TransactionException.TYPE_4_EMPTY_AUTHORIZATION_LIST */
  EVM_TXERR_AUTH_CREATE,              /* TransactionException.TYPE_4_TX_CONTRACT_CREATION */
  EVM_TXERR_COUNT
} evm_tx_error;

typedef enum {
  EVM_NEED_ACCOUNT = 0, /* addr */
  EVM_NEED_CODE,        /* addr, key = code hash */
  EVM_NEED_SLOT,        /* addr, key = slot */
  EVM_NEED_BLOCK_HASH,  /* number */
} evm_need_kind;

typedef struct {
  evm_need_kind kind;
  uint8_t addr[20];
  uint8_t key[32];
  uint64_t number;
} evm_need;

typedef struct {
  uint8_t addr[20];
  uint8_t n_topics;
  uint8_t topics[EVM_MAX_LOG_TOPICS][32];
  uint8_t *data; /* malloc'd (NULL when empty); freed by evm_result_free */
  size_t data_len;
} evm_log;

typedef struct {
  evm_status status;
  evm_halt halt;           /* EVM_HALT: why the top frame halted */
  evm_tx_error tx_error;   /* EVM_INVALID_TX: which check failed */
  uint64_t gas_used;       /* charged to the sender (after refund; floor in Prague) */
  uint64_t gas_refund;     /* refund applied (after the EIP-3529 cap) */
  uint8_t *output;         /* return or revert data, malloc'd, NULL when empty */
  size_t output_len;
  evm_log *logs;           /* in order; empty unless SUCCESS */
  size_t n_logs;
  bool created;            /* a creation succeeded: created_addr holds the address */
  uint8_t created_addr[20];
  evm_need needs[EVM_MAX_NEEDS]; /* EVM_MISSING: what the run needed */
  size_t n_needs;
  bool needs_truncated;    /* more needs than EVM_MAX_NEEDS were met */
  vc_err err;              /* a sentence for any non-success: "SSTORE in static call at
                              pc 0x1f in 0xab..cd", "nonce 3 is below the sender's 4" */
} evm_result;

void evm_result_free(evm_result *r);

/* Names: "HALT_OUT_OF_GAS", and for tx errors the state tests' own exception names
 * ("TransactionException.INSUFFICIENT_ACCOUNT_FUNDS"). */
const char *evm_status_name(evm_status st);
const char *evm_halt_name(evm_halt h);
const char *evm_tx_error_name(evm_tx_error e);

/* --- running --- */

/* The state transition of one transaction: validity checks, gas purchase, nonce, access
 * lists, EIP-7702 authorizations, execution, refunds, coinbase fee, deletions
 * (self-destructed accounts, touched empty accounts per EIP-161). Returns VC_OK when
 * *r describes the outcome (including invalid and reverted transactions),
 * VC_ERR_NOMEM / VC_ERR_INPUT (e.g. fork outside Frontier..Osaka) otherwise, with *r's
 * err saying why. Commits into s unless the outcome is EVM_INVALID_TX or EVM_MISSING
 * (MISSING leaves s as it was). */
vc_status evm_execute_tx(evm_state *s, const evm_block *b, const evm_tx *tx,
                         evm_result *r) VC_MUST_CHECK;

/* eth_call semantics: tx->from may be any address (code or not), the nonce is not
 * checked, gas price zero means no balance check and no base-fee check, gas limit 0
 * means gas_cap (and a larger one is lowered to gas_cap). The state is left unchanged.
 * Same return convention as evm_execute_tx. */
vc_status evm_call(evm_state *s, const evm_block *b, const evm_tx *tx, uint64_t gas_cap,
                   evm_result *r) VC_MUST_CHECK;

#endif

/*
 * exec.h: verified eth_call, eth_estimateGas and eth_createAccessList.
 *
 * What it does. verity runs the call itself, on libverity-core's EVM (core/evm/evm.h),
 * at the anchored block, over state proven against that block's stateRoot:
 *   exec.c        the engine (one xreq per client call): anchor the block, ask one
 *                 upstream for eth_createAccessList as a hint (never trusted), fetch
 *                 eth_getProof (+ eth_getCode checked against the proven codeHash) for
 *                 every account and slot named, all in parallel, run; what the run
 *                 needed and did not have is fetched and proven and the run repeated,
 *                 up to call.max_rounds rounds (config, default 8). Anything unprovable is -32002.
 *   exec_input.c  reading the call object, state and block overrides, the block
 *                 context and fork from the anchored header; writing answers (result,
 *                 geth-style revert errors with decoded reasons).
 *   exec_cache.c  proven accounts and slots (by block hash) and code (by its hash) kept
 *                 in the answer cache's tiers for the next call;
 *   exec_run.c    the proven store (accounts, slots, code by hash, block hashes) and
 *                 the runs on it: a call, geth's estimateGas binary search, and the
 *                 access list as the fixpoint of what a run reads.
 * exec_input.c and exec_run.c do no I/O: the unit tests drive them directly.
 *
 * Who calls it. prove/verify.c hands eth_call / eth_estimateGas / eth_createAccessList
 * (verifier rows VT_V_CALL, VT_V_ESTIMATE, VT_V_ACCESS_LIST) to vt_exec_start.
 *
 * Ownership. vt_xstore and vt_xcall own what they hold (freed with their _free
 * functions); answers are written into a caller's vt_buf.
 */
#ifndef VT_EXEC_H
#define VT_EXEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/evm/evm.h"
#include "core/header.h"
#include "core/vc_base.h"
#include "flow/flow.h"
#include "util/buf.h"

struct vt_prover;

/* Rounds and the gas cap are config (call.max_rounds, default 8; call.gas_cap, default
 * geth's RPCGasCap 50,000,000); VT_EXEC_GAS_CAP is the default for direct callers. */
#define VT_EXEC_GAS_CAP 50000000ull
#define VT_EXEC_MAX_ACCOUNTS 1024u       /* proven accounts per call */
#define VT_EXEC_MAX_SLOTS 16384u         /* proven slots per call */
#define VT_EXEC_MAX_CODE_BYTES ((size_t)32 << 20) /* code held per call */
#define VT_EXEC_MAX_INPUT ((size_t)1 << 20)       /* call data bytes */
#define VT_EXEC_MAX_AL 1024u             /* access-list entries in a call object */
#define VT_EXEC_MAX_OVERRIDES 256u       /* accounts in a state override */
#define VT_EXEC_ESTIMATE_RATIO 0.015     /* geth's estimateGasErrorRatio */

typedef enum { VT_X_CALL = 0, VT_X_ESTIMATE, VT_X_ACCESS_LIST } vt_xkind;

/* --- the proven store --------------------------------------------------------------- */

typedef struct {
  uint8_t addr[20];
  bool exists;
  vc_u256 balance;
  uint64_t nonce;
  uint8_t code_hash[32];
  bool storage_empty;      /* storageRoot is the empty root: every slot is zero */
  bool overridden;         /* a state override replaced it (not proven, the client's) */
  bool override_storage;   /* override `state`: slots not given are zero */
} vt_xacct;

typedef struct {
  uint8_t addr[20];
  uint8_t key[32];
  uint8_t val[32];
  bool overridden;         /* the client's value: a proven one does not replace it */
} vt_xslot;

typedef struct {
  uint8_t hash[32];
  uint8_t *code;
  size_t len;
} vt_xcode;

typedef struct {
  vt_xacct *acct;
  size_t n_acct, cap_acct;
  vt_xslot *slot;
  size_t n_slot, cap_slot;
  vt_xcode *code;
  size_t n_code, cap_code, code_bytes;
  evm_block_hash hashes[EVM_MAX_BLOCK_HASHES];
  size_t n_hashes;
} vt_xstore;

void vt_xstore_free(vt_xstore *s);
vt_xacct *vt_xstore_acct(vt_xstore *s, const uint8_t addr[20]);
bool vt_xstore_has_slot(const vt_xstore *s, const uint8_t addr[20], const uint8_t key[32]);
bool vt_xstore_has_code(const vt_xstore *s, const uint8_t hash[32]);
vc_status vt_xstore_put_acct(vt_xstore *s, const vt_xacct *a, vc_err *err) VC_MUST_CHECK;
vc_status vt_xstore_put_slot(vt_xstore *s, const uint8_t addr[20], const uint8_t key[32], const uint8_t val[32],
                             vc_err *err) VC_MUST_CHECK;
/* A state override's slot (wins over proven values); dropping an account's slots. */
vc_status vt_xstore_override_slot(vt_xstore *s, const uint8_t addr[20], const uint8_t key[32], const uint8_t val[32],
                                  vc_err *err) VC_MUST_CHECK;
void vt_xstore_drop_slots(vt_xstore *s, const uint8_t addr[20]);
/* code is copied; its keccak is the key */
vc_status vt_xstore_put_code(vt_xstore *s, const uint8_t *code, size_t len, vc_err *err) VC_MUST_CHECK;
vc_status vt_xstore_put_hash(vt_xstore *s, uint64_t number, const uint8_t hash[32], vc_err *err) VC_MUST_CHECK;

/* --- the call ----------------------------------------------------------------------- */

typedef struct {
  evm_tx tx;               /* views into the buffers below */
  bool has_gas;
  bool has_price;          /* gasPrice or maxFeePerGas given */
  uint8_t *data;
  evm_access_entry *al;
  uint8_t (*al_keys)[32];
  size_t n_al_keys;
  json_t *state_override;  /* params[2] (borrowed from the params array) */
  json_t *block_override;  /* params[3] */
} vt_xcall;

void vt_xcall_free(vt_xcall *c);

/* Reads the call object (from, to, gas, gasPrice, maxFeePerGas, maxPriorityFeePerGas,
 * value, input/data, accessList, nonce). err names the field that is wrong. */
vc_status vt_xcall_read(const json_t *obj, vt_xcall *out, vc_err *err) VC_MUST_CHECK;

/* The block context of the anchored header: fork from chain_id's activation times
 * (mainnet, sepolia, hoodi, the hive test chain), else from the header's layout. */
void vt_exec_block(const vc_header *h, uint64_t chain_id, evm_block *b);
evm_fork vt_exec_fork(uint64_t chain_id, const vc_header *h);
/* geth's block overrides (number, time, gasLimit, feeRecipient, prevRandao, baseFee(PerGas),
 * blobBaseFee); unknown keys are refused. */
vc_status vt_exec_block_override(const json_t *o, evm_block *b, vc_err *err) VC_MUST_CHECK;
/* geth's state overrides (balance, nonce, code, state, stateDiff) into the store. */
vc_status vt_exec_state_override(const json_t *o, vt_xstore *s, vc_err *err) VC_MUST_CHECK;

/* --- runs --------------------------------------------------------------------------- */

/* Runs tx on a partial state built from s. r is filled (EVM_MISSING lists needs). */
vc_status vt_exec_run(const vt_xstore *s, const evm_block *b, const evm_tx *tx, uint64_t gas_cap,
                      evm_result *r) VC_MUST_CHECK;

/* The answer of kind for tx on s, or MISSING: *missing is set and needs are in *r. The
 * answer (or an error object when *is_error) is written to out. */
typedef struct {
  bool missing;
  bool is_error;
  evm_result needs;        /* when missing: the run's needs */
} vt_xoutcome;
vc_status vt_exec_answer(vt_xkind kind, const vt_xstore *s, const evm_block *b, vt_xcall *c, uint64_t gas_cap,
                         vt_buf *out, vt_xoutcome *o, vc_err *err) VC_MUST_CHECK;

/* A reverted run's error object as geth writes it: code 3, "execution reverted"
 * (+ ": reason" for Error(string) and Panic(uint256)), data = the revert bytes. */
void vt_exec_revert_json(const uint8_t *data, size_t len, vt_buf *out);

/* --- the proven-state cache (exec_cache.c) ------------------------------------------- */

struct vt_tiers;

/* The anchored block a cached item is about. */
typedef struct {
  uint8_t hash[32];
  uint64_t number;
  const vt_trust *trust;
} vt_xblock_ref;

/* t NULL: nothing is cached (gets miss, puts do nothing). Values are copies. */
bool vt_xcache_get_acct(struct vt_tiers *t, const vt_xblock_ref *at, const uint8_t addr[20], vt_xacct *out);
void vt_xcache_put_acct(struct vt_tiers *t, const vt_xblock_ref *at, uint64_t head, const vt_xacct *a);
bool vt_xcache_get_slot(struct vt_tiers *t, const vt_xblock_ref *at, const uint8_t addr[20], const uint8_t key[32],
                        uint8_t val[32]);
void vt_xcache_put_slot(struct vt_tiers *t, const vt_xblock_ref *at, uint64_t head, const uint8_t addr[20],
                        const uint8_t key[32], const uint8_t val[32]);
/* code: borrowed until the next change to the cache */
bool vt_xcache_get_code(struct vt_tiers *t, const uint8_t hash[32], const uint8_t **code, size_t *len);
void vt_xcache_put_code(struct vt_tiers *t, const vt_xblock_ref *at, const uint8_t hash[32], const uint8_t *code, size_t len);

/* --- the engine (exec.c) -------------------------------------------------------------- */

/* params as they go upstream (pinned; plan gives the block when the param is absent).
 * cb runs exactly once (possibly before this returns). 0 started; -1 out of memory. */
int vt_exec_start(struct vt_prover *pv, vt_xkind kind, const char *method, const char *params, size_t n,
                  const vt_plan *plan, vt_answer_cb cb, void *ud);

#endif

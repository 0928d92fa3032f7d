/*
 * verify.h: answering provable methods with proven values only.
 *
 * For a call whose answer can be proven, the verifier first gets the anchored header
 * of the block the call is about (anchor.h), then asks upstreams for the evidence and
 * checks it with libverity-core before anything reaches the client:
 *
 *   eth_getBalance, eth_getTransactionCount, eth_getStorageAt, eth_getProof
 *       eth_getProof at the pinned block, account and storage proofs against the
 *       header's stateRoot; the answer is built from the proven account;
 *   eth_getCode      the proven codeHash, then eth_getCode bytes hashed against it;
 *   eth_getBlockByNumber / eth_getBlockByHash
 *       header hash equal to the anchored one; with full transactions, every
 *       transaction hash and the transactions root;
 *   eth_getBlockReceipts, eth_getTransactionReceipt
 *       the block's receipts against its receiptsRoot (the receipt is taken from
 *       the proven list);
 *   eth_getTransactionByHash, eth_getTransactionByBlock{Hash,Number}AndIndex
 *       the full block's transactions against its transactionsRoot;
 *   eth_getLogs      built from the proven receipts of every block whose anchored
 *       logsBloom can match the filter (verify_logs.c).
 *
 * An upstream whose evidence does not check is charged with a wrong answer and the
 * next one is asked; when nobody can prove it the client gets -32002 naming what
 * failed. Never an unproven value for a provable method. The answer carries the
 * anchor's trust ("verified:quorum:2/3", "verified:trusted", "verified:hash").
 */
#ifndef VT_VERIFY_H
#define VT_VERIFY_H

#include <stdbool.h>

#include "core/op.h"
#include "flow/flow.h"
#include "flow/jvalue.h"
#include "pool/pool.h"
#include "prove/anchor.h"
#include "rpc/json_scan.h"
#include "rpc/methods.h"

/* How a prover runs the sub-calls it makes for evidence that other calls share (a
 * block's receipts for eth_getLogs): through the plan stage's coalescing and answer
 * cache, which sits above the provers, so it is handed down as a callback at wiring.
 * share NULL: carry them directly. */
typedef struct {
  int (*share)(void *ud, const vt_job *job, vt_carry_fn carry, void *carry_ctx, vt_answer_cb cb, void *cb_ud);
  void *ud;
} vt_prove_share;

/* The prove stage: what it reads (borrowed) and whether it proves at all. The gateway
 * fills one at start-up and keeps it for the life of the process. */
typedef struct vt_prover {
  vt_pool *pool;            /* asked for evidence */
  vt_anchor *anchor;        /* trusted headers */
  bool on;                  /* prove what can be proven (config `verify`, default on) */
  vc_chain_kind kind;       /* how blocks, txs and receipts are proven (config chain.kind) */
  vt_prove_share share;
  struct vt_tiers *tiers;   /* the answer cache's tiers (borrowed; NULL: verified calls keep no state) */
} vt_prover;

/* Has the method a verifier, and is verification on? Then it is answered proven or
 * -32002, never plainly (the gateway refuses what cannot be anchored). */
bool vt_verify_provable(const vt_prover *pv, const char *method);
/* Will this call be proven now (provable, and its block is a number or a hash, which
 * is anchored directly whether or not a head is known)? */
bool vt_verify_applies(const vt_prover *pv, const char *method, const vt_plan *plan);

/* Start proving. params: the call's params as they go upstream (after pinning).
 * cb runs exactly once (possibly before this returns). Returns 0; -1 when nothing
 * was started (out of memory; cb not called); 1 when this call cannot be proven
 * after all (e.g. an eth_getLogs range past the head): carry it the plain way. */
int vt_verify_start(vt_prover *pv, const char *method, vt_span params, const vt_plan *plan, vt_answer_cb cb,
                    void *ud);

/* eth_getLogs from the proven receipts of the blocks whose anchored bloom may match
 * (verify_logs.c; vt_verify_start calls it). 1: started; 0: not provable this way
 * (the caller uses the plain path; cb not called); -1: answered with an error. */
int vt_verify_logs(vt_prover *pv, vt_span params, vt_answer_cb cb, void *ud);

#endif

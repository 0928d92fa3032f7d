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

#include <jansson.h>
#include <stdbool.h>

#include "gateway/gateway.h"
#include "gateway/params.h"
#include "rpc/json_scan.h"
#include "rpc/methods.h"

/* A JSON string holding exactly n bytes of DATA / a QUANTITY that fits 64 bits (the
 * strict codecs of core/hex.h); false for anything else. */
bool vt_json_fixed(const json_t *v, uint8_t *out, size_t n);
bool vt_json_u64(const json_t *v, uint64_t *out);

/* Will this call be proven (a verifier exists, verification is on, the block is one
 * that can be anchored)? */
bool vt_verify_applies(const vt_gateway *gw, const char *method, const vt_plan *plan);

/* Start proving. params: the call's params as they go upstream (after pinning).
 * cb runs exactly once (possibly before this returns). Returns 0; -1 when nothing
 * was started (out of memory; cb not called); 1 when this call cannot be proven
 * after all (e.g. an eth_getLogs range past the head): carry it the plain way. */
int vt_verify_start(vt_gateway *gw, const char *method, vt_span params, const vt_plan *plan, vt_answer_cb cb,
                    void *ud);

#endif

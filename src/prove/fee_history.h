/*
 * fee_history.h: eth_feeHistory answered from proven data (verify: true).
 *
 * Every header of the range is anchored (anchor.c, by number: the same k upstreams,
 * trusted node or light client as any proof), and from those headers alone come
 * baseFeePerGas (the last entry, the next block's, by EIP-1559), gasUsedRatio,
 * baseFeePerBlobGas and blobGasUsedRatio (the chain's blob schedule, core/fees.h).
 * With reward percentiles, each block of the range is also proven in full (every
 * transaction against the transactions root) with its receipts (against the receipts
 * root), and the rewards are geth's: tips sorted, weighted by each receipt's gasUsed.
 * So one provider cannot make a wallet pay 1000x. Semantics follow geth's
 * eth/gasprice/feehistory.go: blockCount is clipped to the blocks that exist and to
 * FH_MAX_HEADERS (FH_MAX_REWARD_BLOCKS with percentiles), a newest block past the head
 * is an error, 0 blocks is an empty answer.
 *
 * On an OP-stack chain the next block's base fee depends on parameters this module does
 * not derive (Holocene/Jovian extraData): it is taken from the proven next header when
 * that block exists, else as the median of at least three upstreams' own answer, and
 * then the whole answer is labelled quorum:k/n, never verified.
 *
 * The answer is labelled with the weakest trust of the headers it used. What cannot
 * be anchored or proven ends the call with -32002 naming the block and why.
 * Called by verify.c for the eth_feeHistory row (VT_V_FEE_HISTORY).
 */
#ifndef VT_FEE_HISTORY_H
#define VT_FEE_HISTORY_H

#include "prove/verify.h"

#define FH_MAX_HEADERS 1024u      /* blocks one call covers (geth's MaxHeaderHistory) */
#define FH_MAX_REWARD_BLOCKS 64u  /* blocks proven in full when rewards are asked */
#define FH_PARALLEL 16u           /* anchors and proofs in flight for one call */

/* Answer eth_feeHistory(params) with newestBlock pinned by plan (a number). cb runs
 * exactly once (possibly before this returns). 0, or -1 when out of memory (cb not
 * called). */
int vt_fee_history_start(vt_prover *pv, vt_span params, const vt_plan *plan, vt_answer_cb cb, void *ud);

#endif

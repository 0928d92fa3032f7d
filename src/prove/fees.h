/*
 * fees.h: fee methods answered from proven data.
 *
 * eth_blobBaseFee on a chain without a blob schedule here cannot be derived: at least
 * three upstreams are asked and the median answered, labelled quorum:k/n.
 * eth_blobBaseFee is the blob base fee of verity's head block, computed from the
 * anchored header's excessBlobGas with the chain's blob schedule (core/fees.h), so no
 * upstream can inflate it: the answer carries the anchor's trust (verified:quorum:k/n,
 * verified:lightclient:…). Called by verify.c for rows whose verifier is
 * VT_V_BLOB_BASE_FEE; nothing it returns outlives the callback.
 */
#ifndef VT_FEES_H
#define VT_FEES_H

#include <stdbool.h>

#include "prove/verify.h"

/* Whether this verifier is one of the fee methods answered here. */
bool vt_fees_is(vt_verifier which);

/* Whether the fee method with this verifier can be derived from proven headers on this
 * chain now (verification on, a head known, a blob schedule for the chain). */
bool vt_fees_applies(const vt_prover *pv, vt_verifier which);

/* Answer it: cb runs exactly once (possibly before this returns). 0, or -1 when out of
 * memory (cb not called). */
int vt_fees_start(vt_prover *pv, vt_verifier which, vt_answer_cb cb, void *ud);

/* Fee values no root commits to are the median of several upstreams: how many to ask
 * (at least 3, k when larger, at most all), and the median of vals (sorted in place;
 * the lower middle for an even count; n > 0). Shared with prove/fee_history.c. */
unsigned vt_fees_median_k(const vt_pool *pool);
unsigned __int128 vt_fees_median(unsigned __int128 *vals, size_t n);

#endif

/*
 * tag.h: `safe` and `finalized` pinned to a proven block, so a provable call at those
 * tags is proven like a call at a number (never passed through to one upstream).
 *
 * The number a tag stands for is decided by the anchor mode:
 *   lightclient  the light client's finalized execution header (`safe` is the same
 *                block: the sync protocol proves only finalized and optimistic heads);
 *   quorum       every usable upstream is asked for the tag's block; the k-th highest
 *                number named is taken (k upstreams have it at or above: one upstream
 *                running ahead, or lying, cannot move it), as the head is chosen;
 *   trusted      the trusted upstreams only, the highest they name.
 * Then the tag in the params becomes that number and the call is proven like any
 * (vt_verify_start: the block's header anchored by the same mode, the evidence checked).
 * When no number can be decided the answer is -32002 naming why.
 *
 * Who calls it: the gateway's carrier (vt_gateway_carry) for a provable call whose plan
 * kept a safe/finalized tag. It copies what it needs from the job; cb runs exactly once.
 */
#ifndef VT_PROVE_TAG_H
#define VT_PROVE_TAG_H

#include "flow/flow.h"
#include "prove/verify.h"

/* Returns 0 (cb will run, maybe before this returns), -1 when nothing was started
 * (out of memory; cb not called). */
int vt_verify_tagged(vt_prover *pv, const vt_job *job, vt_answer_cb cb, void *ud);

/* The -32002 answer every refusal of the prove stage gives: data {"reason","method"}. */
void vt_prove_refuse(vt_answer_cb cb, void *ud, const char *method, const char *reason, uint64_t t0_ms);

#endif

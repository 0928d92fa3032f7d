/*
 * anchor.h: which block headers verity trusts, and where that trust comes from.
 *
 * Everything verity proves (balances, code, storage, blocks, receipts, logs) is
 * proven against a header this module hands out. A header is anchored when:
 *   quorum   k usable upstreams returned the same header hash for block N, and the
 *            header's fields hash to it (k = anchor.quorum, never lowered: vt_pool_anchor_k);
 *   trusted  a trusted upstream (the operator's own node) returned it, hash checked;
 *   by hash  a header asked for by its hash is self-authenticating: its fields must
 *            hash to the hash asked for (whatever the mode).
 * Anchored headers are cached by number and by hash (a small ring), and concurrent
 * requests for the same header are coalesced into one upstream round. The light
 * client anchor (anchor mode lightclient) walks parent hashes down from the light
 * client's verified head (src/beacon/), each header by hash, at most 256 blocks; further
 * back it asks the EIP-2935 history contract at the verified head for the hash of the
 * block (or of the oldest one it holds, then walks parents from there, at most
 * anchor.history_walk blocks), else -32002 naming the limit. Anchor mode auto uses the
 * light client while it is synced (vt_anchor_active) and quorum otherwise, including
 * for a block the light-client walk cannot reach; each header keeps the trust it was
 * anchored with, so answers are labelled verified:lightclient:… or verified:quorum:k/n.
 */
#ifndef VT_ANCHOR_H
#define VT_ANCHOR_H

#include <stdbool.h>
#include <stdint.h>

#include "beacon/beacon.h"
#include "core/header.h"
#include "flow/trust.h"
#include "pool/pool.h"

typedef struct {
  vc_header hdr;            /* hdr.hash is the block hash */
  vt_trust trust;           /* verified, and by which anchor (flow/trust.h) */
  uint64_t at_ms;           /* when it was anchored */
} vt_anchored;

/* h is NULL on failure, with why (and the -32002 data JSON in data_json, or NULL).
 * When k upstreams agreed that there is no such block (a hash nobody knows, or a
 * number past every head), why is vt_anchor_absent, data_json is NULL and agreed is
 * the trust of that agreement (quorum 2/3); agreed is NULL in every other case. */
extern const char vt_anchor_absent[];
typedef void (*vt_anchor_cb)(const vt_anchored *h, const char *why, const char *data_json, const vt_trust *agreed,
                             void *ud);

typedef struct vt_anchor vt_anchor;

/* Told when the anchor sees the block at `number` change (a reorg): answers cached
 * about it and above are stale. Set by whoever wires the stages (the cache is above). */
typedef void (*vt_anchor_reorg_fn)(void *ud, uint64_t number);

/* pool: asked for headers (borrowed); beacon: the light-client driver in anchor mode
 * lightclient, else NULL (borrowed). Returns NULL when out of memory. */
vt_anchor *vt_anchor_new(vt_pool *pool, vt_beacon *beacon, vt_anchor_reorg_fn on_reorg, void *reorg_ud);
void vt_anchor_free(vt_anchor *a);
/* cb may run before these return (cache hit). */
void vt_anchor_by_number(vt_anchor *a, uint64_t number, vt_anchor_cb cb, void *ud);
void vt_anchor_by_hash(vt_anchor *a, const uint8_t hash[32], vt_anchor_cb cb, void *ud);
/* The EIP-2935 history contract: the hash of block `number` proven by a storage proof
 * at the verified block `head` (its state holds the hashes of blocks head-8191 ..
 * head-1). done gets the 32-byte hash, or NULL and why. Set by whoever wires the stages
 * (the prover that checks storage proofs sits beside the anchor, prove/history.c). */
#define VT_HISTORY_WINDOW 8191u
typedef void (*vt_history_done)(const uint8_t *hash, const char *why, void *ud);
typedef void (*vt_history_fn)(void *ud, uint64_t head, uint64_t number, vt_history_done done, void *done_ud);
/* max_walk: parent hashes walked below the window (anchor.history_walk). */
void vt_anchor_set_history(vt_anchor *a, vt_history_fn fn, void *ud, unsigned max_walk);

/* An op-stack chain's L1 anchor (src/l1/), asked before anything else for a block by
 * number: BY_HASH when an output root proven on L1 fixes the block's hash (hash set; the
 * header is fetched by that hash and labelled with trust, verified:l1:<status>),
 * REFUSED when the L2 upstreams contradict the proven output at or above that block
 * (why set: -32002), NOT_COVERED for blocks newer than the output or further below it
 * than the walked hashes (the configured mode anchors them, labelled as such). */
typedef enum { VT_L1_NOT_COVERED = 0, VT_L1_BY_HASH, VT_L1_REFUSED } vt_l1_cover;
typedef vt_l1_cover (*vt_l1_cover_fn)(void *ud, uint64_t number, uint8_t hash[32], vt_trust *trust, char *why,
                                      size_t wl);
void vt_anchor_set_l1(vt_anchor *a, vt_l1_cover_fn fn, void *ud);
/* The configured mode only (quorum, trusted, light client), never the L1 hook: how the
 * L1 tracker anchors the L2 block an output names before it is proven. */
void vt_anchor_by_number_plain(vt_anchor *a, uint64_t number, vt_anchor_cb cb, void *ud);

/* The anchor in force now: the configured mode, or for mode auto lightclient while the
 * light client is synced and quorum otherwise. why (may be NULL) says why, for /status. */
vt_anchor_mode vt_anchor_active(const vt_anchor *a, char *why, size_t wl);
/* While the light client anchors (mode lightclient, or auto while it is synced): its
 * finalized execution block number; false otherwise or while it has none. */
bool vt_anchor_lc_finalized(const vt_anchor *a, uint64_t *number);
/* Forget headers above number (a reorg was seen). */
void vt_anchor_forget_above(vt_anchor *a, uint64_t number);
/* Headers and cached answers above number are no longer to be trusted (the L1 says the
 * upstreams' chain is wrong there): forget the headers and tell the reorg hook. */
void vt_anchor_distrust_above(vt_anchor *a, uint64_t number);

#endif

/*
 * l1.h: an op-stack chain (Base) anchored on its L1 (Ethereum) through the output roots
 * its proposer posts there in dispute games.
 *
 * With l1: configured (docs/config.md), the gateway holds one vt_l1. It owns a second
 * upstream pool of L1 upstreams (its own heads, breakers and hedging) and an anchor over
 * it in mode quorum with k = l1.quorum, never lowered. Every l1.poll_ms a round runs:
 *
 *   1. the L1 header at the L1 pool's head, anchored by the light client or by k L1
 *      upstreams: its state root;
 *   2. eth_getProof of the DisputeGameFactory's game list at that block: how many games,
 *      then the newest GameId (type, timestamp, proxy)   (core/op_game.h);
 *   3. eth_getProof of the game and its eth_getCode: the claim (output root, L2 block
 *      number) from the clone's immutable args, checked against the proven code hash;
 *   4. eth_getProof of the factory's _disputeGames[uuid(claim)]: the factory created
 *      exactly this game; the game's status word from the same proof round. A game the
 *      challenger won is skipped for the one before it (at most VT_L1_MAX_BACK);
 *   5. on L2: the header at the claimed block (anchored by the configured mode) and
 *      eth_getProof of the L2ToL1MessagePasser there: keccak(0 || stateRoot ||
 *      messagePasserRoot || blockHash) must be the claimed output root (core/op.h).
 *
 * Every proof is checked by the core as the call receives it: an upstream whose proof
 * does not verify is charged with a wrong answer and another is asked. After a proven
 * output the tracker walks parent hashes down from its block (by hash, each header
 * self-authenticating), at most l1.walk_max blocks, and the L2 anchor (prove/anchor.c,
 * through vt_l1_cover) then anchors any block in that range by its L1-proven hash,
 * labelled verified:l1:<status>. Blocks newer than the output are anchored as before
 * (verified:quorum:k/n). When the L2 upstreams' header at the output's block does not
 * give the proven output root, blocks at and below it are refused (-32002): the L1 says
 * the L2 upstreams lie there.
 *
 * Not checked (policy beyond the factory): whether the game type is the portal's
 * respected one and whether the AnchorStateRegistry blacklisted the game; the status
 * label says IN_PROGRESS (posted, challenge window open) or DEFENDER_WINS (resolved).
 * L1 headers: with anchor.beacon given (an op-stack chain has no beacon chain of its own,
 * so those endpoints are its L1's; the base presets fill them) the L1 anchor is in mode
 * auto: the light client's verified head while it is synced (the L1 pool's head follows
 * it, headers reached by parent hash from it), quorum of the L1 upstreams otherwise.
 * /status says which anchored the output (l1.output.l1_trust).
 *
 * One loop, no threads. vt_l1_close stops the timer and the L1 pool; vt_l1_free after.
 */
#ifndef VT_L1_H
#define VT_L1_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "net/fetch.h"
#include "prove/anchor.h"

#define VT_L1_MAX_BACK 8  /* games stepped back over when the newest were lost by their proposer */

typedef struct vt_l1 vt_l1;

/* cfg must have vt_config_l1_on; beacon: the L1's light client (anchor.beacon on an
 * op-stack chain), or NULL: L1 headers by quorum only; l2_anchor: the gateway's anchor
 * (borrowed; the tracker anchors L2 headers with it and sets its L1 hook). NULL with err
 * on failure. */
vt_l1 *vt_l1_new(uv_loop_t *loop, const vt_config *cfg, vt_fetcher *fetcher, vt_beacon *beacon, vt_pool *l2_pool,
                 vt_anchor *l2_anchor, char *err, size_t errlen);
/* The light client moved: the L1 head follows it. */
void vt_l1_on_beacon(vt_l1 *l1);
void vt_l1_start(vt_l1 *l1);
/* done(arg) once the L1 pool and the timer are closed. */
void vt_l1_close(vt_l1 *l1, void (*done)(void *arg), void *arg);
void vt_l1_free(vt_l1 *l1);

/* The L2 anchor's hook (vt_l1_cover_fn, ud = the vt_l1). */
vt_l1_cover vt_l1_cover_of(void *ud, uint64_t number, uint8_t hash[32], vt_trust *trust, char *why, size_t wl);

/* For /status: the L1 head, the latest proven output (L2 block and hash, L1 block, game,
 * index, status), the walked range, rounds, failures, last error. New reference. */
json_t *vt_l1_status_json(const vt_l1 *l1);

#endif

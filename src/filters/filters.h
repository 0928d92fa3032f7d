/*
 * filters.h: eth_newFilter, eth_newBlockFilter, eth_newPendingTransactionFilter,
 * eth_getFilterChanges, eth_getFilterLogs and eth_uninstallFilter, served by verity
 * itself (never forwarded: the next poll could reach another provider, which does not
 * know the filter).
 *
 * Filter state is verity's (fstore.h). A log filter's changes are the logs of the blocks
 * since the last poll up to verity's pinned head, asked as one eth_getLogs over that
 * range through the same path a client's eth_getLogs takes (the flights, then the
 * provers when `verify: true`: logs from proven receipts), so they are proven logs. A
 * block filter's changes are the hashes of verity's own blocks since the last poll, in
 * order, none skipped, each header fetched through the flights (proven by
 * eth_getBlockByNumber's verifier). Before each poll the last block delivered is asked
 * for again (not from the answer cache): when its hash changed, the reorged blocks are
 * unwound (their logs come back with "removed": true) and delivered again from the new
 * chain. A poll that cannot get every piece fails with -32002 and moves no cursor, so a
 * client that retries misses nothing.
 *
 * With cache.redis set, every filter is also written to the shared Redis (namespace
 * "verity-filters", TTL filters.ttl, refreshed at each poll) and every call first reads
 * it from there, so a filter created on one instance keeps working on another behind
 * the same load balancer. Redis down: the instance's own copy is used.
 *
 * Pending-transaction filters need a mempool, which verity does not have: they are
 * refused with -32004 unless an upstream has `mempool: true`; then the filter is created
 * on that one upstream and every poll is forwarded to it (trust single,
 * X-Verity-Upstream names it; filters_pending.c).
 *
 * Who calls it: the gateway (gateway.c dispatch) for rows of kind VT_M_FILTER; the
 * wiring builds and closes it. Owns its table, its Redis connection and its timer.
 */
#ifndef VT_FILTERS_H
#define VT_FILTERS_H

#include <stddef.h>
#include <uv.h>

#include "config/config.h"
#include "flow/flow.h"
#include "pool/pool.h"
#include "rpc/rpc.h"

typedef struct vt_filters vt_filters;

/* How a filter's sub-calls are carried: run goes through the flights (coalesced, cached),
 * carry straight down (for the reorg check, which must not be answered from the cache).
 * Both are vt_carry_fn-shaped and call cb exactly once when they return 0. */
typedef struct {
  vt_carry_fn run;
  vt_carry_fn carry;
  void *ud;
} vt_filters_hooks;

/* pool borrowed (head, upstreams); cfg borrowed. NULL with err on failure. */
vt_filters *vt_filters_new(uv_loop_t *loop, const vt_config *cfg, vt_pool *pool, vt_filters_hooks hooks, char *err,
                           size_t errlen);
/* Answer one filter call: cb(answer, ud) exactly once (maybe before this returns).
 * client names the caller for the per-client cap (its source address). Returns 0, or -1
 * when out of memory (cb not called). */
int vt_filters_handle(vt_filters *fs, const vt_rpc_call *rc, const char *client, vt_answer_cb cb, void *ud);
/* Stop the timer and Redis; done(arg) once closed. Polls in flight finish and answer. */
void vt_filters_close(vt_filters *fs, void (*done)(void *arg), void *arg);
void vt_filters_free(vt_filters *fs);

typedef struct {
  size_t installed;
  uint64_t created, expired, polls, reorgs, redis_loads, redis_saves;
  bool redis;
} vt_filters_stats;
void vt_filters_stats_get(const vt_filters *fs, vt_filters_stats *out);

#endif

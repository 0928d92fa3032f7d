/*
 * flight.h: one upstream round for identical calls, and the answer cache in front
 * (the plan stage's last step before a call is carried down the flow).
 *
 * Every read goes through vt_flight_run(): its key is the method and its params as
 * they go upstream (after pinning, so `latest` reads of the same head share a key).
 *   1. A cacheable call (about a concrete block number at or below the head, or a
 *      block hash) is looked up in the memory cache, then LMDB (answers about final
 *      blocks, survives restarts), then Redis (shared by every instance; a Redis that
 *      is down or slow is a miss within its timeout); a hit answers with the trust it
 *      was stored with and is copied into memory.
 *   2. An identical call already in flight is joined: one upstream round, every
 *      waiter gets the same answer.
 *   3. Otherwise the call is carried (by `carry`) and its answer, if it is verified
 *      or quorum-agreed and about a block, is cached. Errors and single-upstream
 *      answers are never cached.
 * With degraded.stale on, the last proven eth_getBalance / eth_getTransactionCount /
 * eth_getCode per address is kept too, and answers (as `stale:<seconds> block=0x…`)
 * only when the call could not be answered at all; never for writes, never a value
 * that was not proven.
 * Entries about blocks near the head are "unfinalized" and are dropped when a reorg
 * is seen (vt_flight_reorg); blocks FINALITY_DEPTH below the head are final.
 * The flights decide (what is cacheable, what is stored, what is stale); the stores
 * are store/tiers.h, behind one get and one put.
 */
#ifndef VT_FLIGHT_H
#define VT_FLIGHT_H

#include <stdbool.h>
#include <stddef.h>

#include <uv.h>

#include "config/config.h"
#include "flow/flow.h"
#include "pool/pool.h"

typedef struct vt_flights vt_flights;

/* The memory cache of cache_budget bytes (0: no memory tier); with cache.path an LMDB
 * store for answers about final blocks, with cache.redis a shared cache (both from
 * cfg). The pool is read for verity's head (what is final, what is fresh); borrowed. */
vt_flights *vt_flights_new(uv_loop_t *loop, const vt_config *cfg, const vt_pool *pool, size_t cache_budget, char *err,
                           size_t errlen);
/* Stop the timers and Redis (asynchronous); done(arg) when closed. */
void vt_flights_close(vt_flights *f, void (*done)(void *arg), void *arg);
void vt_flights_free(vt_flights *f); /* after close: flushes LMDB, frees the cache */
/* The tiers behind the answer cache (owned by f; for the provers' own entries). */
struct vt_tiers *vt_flights_tiers(vt_flights *f);

/* Run (or join, or answer from cache) a job; cb(ud) gets the answer exactly once. A
 * leader is carried by carry(carry_ctx, …), maybe later (after a Redis miss).
 * Returns 0, or -1 when nothing could be started (cb not called). */
int vt_flight_run(vt_flights *f, const vt_job *job, vt_carry_fn carry, void *carry_ctx, vt_answer_cb cb, void *ud);

/* A reorg was seen at or above block `number`: drop unfinalized entries above number-1. */
void vt_flight_reorg(vt_flights *f, uint64_t number);

typedef struct {
  uint64_t hits, misses, joined, stored, stale;
  uint64_t refused_unproven; /* LMDB/Redis entries not served: verify on, a provable method, not verified */
  uint64_t lmdb_hits, lmdb_stored, redis_hits, redis_misses, redis_unavailable, redis_stored;
  uint64_t lmdb_finalized;  /* the highest block LMDB holds final answers for (vt_tiers_finalized) */
  bool lmdb, redis, redis_connected;
  size_t bytes, entries, budget;
} vt_flight_stats;
void vt_flight_stats_get(const vt_flights *f, vt_flight_stats *out);

#endif

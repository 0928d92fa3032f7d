/*
 * tiers.h: the three answer stores behind one get and one put: the memory cache
 * (cache.h, byte-budgeted), LMDB (lmdb.h, answers about final blocks, survives a
 * restart) and Redis (redis.h, shared by every instance), plus degraded.stale's last
 * proven values.
 *
 * Who calls it: the plan stage's flights (src/plan/flight.c), on the loop thread. The
 * flights decide what may be stored and when to look (they know the head and the
 * trust); the tiers only keep bytes under keys and say where a hit came from.
 *   get:  the memory tier first (vt_tiers_get_memory, synchronous: the hot path, before
 *         coalescing), then for a call that must go upstream otherwise, vt_tiers_get:
 *         LMDB (synchronous), then Redis (asynchronous, a miss within its timeout when
 *         Redis is down or slow). A hit from a lower tier is copied into memory and the
 *         answer borrows the memory copy.
 *   put:  memory (unless cache.memory is 0), LMDB when the entry is finalized, Redis.
 * Keys are "<method>\0<params as sent upstream>"; at most VT_TIERS_KEY_MAX bytes.
 *
 * Ownership: the tiers own their stores. Values handed to a callback or returned by a
 * get are borrowed until the next change to the tiers; copy them out before that. An
 * LMDB store records its chain id at first use and a store of another chain is refused
 * (cache keys do not name the chain).
 */
#ifndef VT_STORE_TIERS_H
#define VT_STORE_TIERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "store/cache.h"

#define VT_TIERS_KEY_MAX 511 /* LMDB's key limit (the memory cache allows 512) */

typedef enum { VT_TIER_NONE = 0, VT_TIER_MEMORY, VT_TIER_LMDB, VT_TIER_REDIS } vt_tier;

typedef struct {
  size_t memory;           /* bytes of the memory tier; 0: no memory tier (stale values only) */
  const char *lmdb_path;   /* cache.path: LMDB directory; NULL or "": none */
  const char *redis_url;   /* cache.redis; NULL or "": none */
  uint64_t chain_id;       /* recorded in LMDB, namespaced in Redis */
  /* May an entry read from Redis (outside the process) be served? NULL: every entry. */
  bool (*accept)(const vt_cache_meta *m);
} vt_tiers_opts;

typedef struct {
  uint64_t stored;         /* memory puts */
  uint64_t lmdb_hits, lmdb_stored, redis_hits, redis_misses, redis_unavailable, redis_stored;
  bool lmdb, redis, redis_connected;
  size_t bytes, entries, budget;
} vt_tiers_stats;

typedef struct vt_tiers vt_tiers;

/* cb(ud, from, …) once per vt_tiers_get: from VT_TIER_NONE (val NULL) on a miss. */
typedef void (*vt_tiers_cb)(void *ud, vt_tier from, const uint8_t *val, size_t vlen, const vt_cache_meta *m);

/* NULL with err ("cache.path: …", "cache.redis: …") on failure. */
vt_tiers *vt_tiers_new(uv_loop_t *loop, const vt_tiers_opts *o, char *err, size_t errlen);
/* Stop the LMDB commit timer and Redis (asynchronous); done(arg) when closed. */
void vt_tiers_close(vt_tiers *t, void (*done)(void *arg), void *arg);
void vt_tiers_free(vt_tiers *t); /* after close: flushes LMDB, frees the cache */

/* The memory tier: true with a borrowed value and a copy of its header. */
bool vt_tiers_get_memory(vt_tiers *t, const char *key, size_t klen, const uint8_t **val, size_t *vlen,
                         vt_cache_meta *m);
/* The lower tiers, LMDB then Redis. cb runs exactly once, maybe before this returns;
 * key must stay valid until then. */
void vt_tiers_get(vt_tiers *t, const char *key, size_t klen, vt_tiers_cb cb, void *ud);
/* Store in every tier that takes it (see top). */
void vt_tiers_put(vt_tiers *t, const char *key, size_t klen, const char *val, size_t vlen, const vt_cache_meta *m);

/* degraded.stale: the last proven value of eth_getBalance, eth_getTransactionCount and
 * eth_getCode per address, kept in memory under its own key. put keeps it (a key of
 * another method is ignored); get finds it (borrowed, with its header). */
void vt_tiers_stale_put(vt_tiers *t, const char *key, size_t klen, const char *val, size_t vlen,
                        const vt_cache_meta *m);
bool vt_tiers_stale_get(vt_tiers *t, const char *key, size_t klen, const uint8_t **val, size_t *vlen,
                        vt_cache_meta *m);

/* The highest block the LMDB store holds final answers for (0: none, or no LMDB):
 * blocks at or below it are final, also right after a restart with no head. Kept in the
 * store (blob "finalized"), written at most once per second and when the tiers close. */
uint64_t vt_tiers_finalized(const vt_tiers *t);

/* A reorg was seen at or above block `number`: drop unfinalized entries above number-1. */
void vt_tiers_reorg(vt_tiers *t, uint64_t number);
void vt_tiers_stats_get(const vt_tiers *t, vt_tiers_stats *out);

#endif

/*
 * lmdb.h: verity's embedded persistent cache on LMDB, for FINALIZED entries only
 * (finalized answers never change, so they are worth keeping across restarts), plus
 * named blob slots for state such as the light client's saved store ("lightclient").
 *
 * Who calls it: the loop thread: the answer tiers (store/tiers.c) and the
 * light-client driver (its saved store, src/beacon/beacon_state.c). LMDB forbids opening
 * one environment twice in a process, so vt_lmdb_open() of a directory this process
 * already has open returns the SAME handle with one more reference (the directory is
 * matched by device and inode; the map grows to the larger size asked for); each
 * opener closes its reference with vt_lmdb_close() and the last one closes the
 * environment. A child made by fork() never reuses its parent's handle. A handle is
 * used from one thread. Values returned by the getters are malloc'd copies the caller
 * frees.
 *
 * Blobs: a separate named database ("blobs"), so a blob name can never collide with a
 * cache key. Each value is stored as the bytes plus a SHA-256 of (name, bytes); a value
 * that fails it (bit rot, a foreign writer) reads as VT_LMDB_E_CORRUPT, never as data.
 * vt_lmdb_put_blob() commits at once (with any pending batch): when it returns OK the
 * blob is durable, and a crash leaves either the previous complete value or the new one.
 *
 * Write batching: puts go into one open write transaction that is committed after
 * `batch_puts` puts, or on the first put or vt_lmdb_tick() once the batch is
 * `batch_ms` old, or on vt_lmdb_flush(). "Acknowledged" means committed: every put gets
 * a sequence number and vt_lmdb_acked(db, seq) says whether it is committed.
 * A crash loses only unacknowledged puts. The gateway calls vt_lmdb_tick() from a
 * uv_timer every batch_ms so a quiet period still commits.
 *
 * Durability: LMDB's defaults are kept (no MDB_NOSYNC, no MDB_NOMETASYNC, no
 * MDB_WRITEMAP): a commit returns after fdatasync of data and meta pages, so an
 * acknowledged write survives a process crash and a power loss; batching is what pays
 * for the fsync. One process per directory: an open batch holds LMDB's single writer
 * lock for up to batch_ms, which would block a second process's loop. Recovery needs no step: LMDB's copy-on-write B+tree and its two meta
 * pages mean an interrupted commit leaves the previous committed state. Stale reader
 * slots of a killed process are cleared at open (mdb_reader_check).
 *
 * When the map is full, the failed batch is dropped (counted, never acknowledged),
 * every fourth entry is deleted (key order is unrelated to age, so this is a random
 * quarter) and the put is retried once. Deleting needs free pages, so the eviction
 * transaction runs with map_size/8 (at least 256 KiB) of headroom: the data file never
 * grows past map_size + that headroom.
 */
#ifndef VT_STORE_LMDB_H
#define VT_STORE_LMDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/cache.h"

#define VT_LMDB_MAP_MIN (1u << 20)             /* 1 MiB */
#define VT_LMDB_MAP_MAX ((size_t)1 << 42)      /* 4 TiB */
#define VT_LMDB_MAP_DEFAULT ((size_t)1 << 30)  /* 1 GiB: what the gateway opens with */
#define VT_LMDB_KEY_MAX 511u                   /* LMDB's compiled-in key limit */
#define VT_LMDB_VALUE_MAX (16u << 20)          /* one cached answer */
#define VT_LMDB_BLOB_NAME_MAX 64u
#define VT_LMDB_BLOB_MAX (16u << 20)
#define VT_LMDB_BATCH_PUTS_DEFAULT 64u
#define VT_LMDB_BATCH_MS_DEFAULT 20u
#define VT_LMDB_BATCH_PUTS_MAX 100000u
#define VT_LMDB_BATCH_MS_MAX 60000u

typedef enum {
  VT_LMDB_OK = 0,
  VT_LMDB_NOTFOUND,
  VT_LMDB_E_ARG,     /* bad argument, oversized key/value/name, unfinalized entry */
  VT_LMDB_E_FULL,    /* the map stayed full after eviction */
  VT_LMDB_E_IO,      /* an LMDB or system error; vt_lmdb_errmsg() says which */
  VT_LMDB_E_CORRUPT, /* a stored entry failed to decode */
} vt_lmdb_status;

typedef struct {
  uint64_t puts, commits, gets, hits, misses;
  uint64_t dropped;       /* puts lost with a failed batch (never acknowledged) */
  uint64_t evicted;       /* entries deleted because the map was full */
  uint64_t pending;       /* puts in the open batch */
  size_t map_size, map_used;
} vt_lmdb_stats;

typedef struct vt_lmdb vt_lmdb;

/* Open (creating the directory if needed) with map_size in VT_LMDB_MAP_MIN..MAX; a
 * directory already open in this process gives the same handle (see above). */
int vt_lmdb_open(const char *path, size_t map_size, vt_lmdb **out, char *err, size_t errlen);
/* Change the batching policy (1..VT_LMDB_BATCH_PUTS_MAX puts, 0..VT_LMDB_BATCH_MS_MAX ms;
 * batch_puts 1 commits every put). */
vt_lmdb_status vt_lmdb_set_batch(vt_lmdb *db, unsigned batch_puts, unsigned batch_ms);
/* Commits what is pending and drops this reference; the last one closes. NULL-safe. */
void vt_lmdb_close(vt_lmdb *db);

/* Finalized entries only (meta->finalized must be true). *seq (if not NULL) receives the
 * put's sequence number; it is acknowledged once vt_lmdb_committed_seq() >= it. */
vt_lmdb_status vt_lmdb_put(vt_lmdb *db, const void *key, size_t klen, const void *val,
                           size_t vlen, const vt_cache_meta *meta, uint64_t *seq);
/* Reads see this process's uncommitted puts. *val is malloc'd (caller frees). */
vt_lmdb_status vt_lmdb_get(vt_lmdb *db, const void *key, size_t klen, uint8_t **val,
                           size_t *vlen, vt_cache_meta *meta);
vt_lmdb_status vt_lmdb_delete(vt_lmdb *db, const void *key, size_t klen);

/* Named blobs (name 1..VT_LMDB_BLOB_NAME_MAX bytes, at most VT_LMDB_BLOB_MAX bytes) are
 * written and committed at once, with any pending batch: OK means durable. */
vt_lmdb_status vt_lmdb_put_blob(vt_lmdb *db, const char *name, const void *bytes, size_t len)
    __attribute__((warn_unused_result));
/* *bytes is malloc'd (caller frees); VT_LMDB_NOTFOUND when never written,
 * VT_LMDB_E_CORRUPT when the stored value fails its checksum. */
vt_lmdb_status vt_lmdb_get_blob(vt_lmdb *db, const char *name, uint8_t **bytes, size_t *len)
    __attribute__((warn_unused_result));

vt_lmdb_status vt_lmdb_flush(vt_lmdb *db);
/* Commit the open batch if it is batch_ms old; call from a timer. */
vt_lmdb_status vt_lmdb_tick(vt_lmdb *db);
uint64_t vt_lmdb_committed_seq(const vt_lmdb *db);
/* true once the put numbered seq is committed. A failed batch (map full, I/O error) is
 * dropped; from then on every put numbered up to that point reads as unacknowledged
 * (conservative: a few committed ones too), so a caller never trusts a lost write. */
bool vt_lmdb_acked(const vt_lmdb *db, uint64_t seq);

void vt_lmdb_stats_get(vt_lmdb *db, vt_lmdb_stats *out);
const char *vt_lmdb_errmsg(const vt_lmdb *db); /* the last error, "" if none */
const char *vt_lmdb_status_str(vt_lmdb_status s);

#endif

/*
 * cache.h: verity's in-memory response cache with a byte budget, and the entry format
 * shared by the three stores (memory, LMDB, Redis).
 *
 * Who calls it: the answer tiers (store/tiers.c) for the plan stage's flights, on the
 * libuv loop thread only (no locks). The flights build the key (method + canonical
 * params with the block pinned to a number or a hash) and store only answers they may
 * serve again: verified or quorum-agreed results, never errors, never a single
 * upstream's unproven answer.
 *
 * Ownership: the cache copies keys and values in on put. vt_cache_get() returns a
 * borrowed pointer to the value that stays valid until the next call that changes the
 * cache (put, delete, drop_*, free); copy it out before that. The metadata is copied
 * into the caller's vt_cache_meta.
 *
 * Every entry carries a small header (vt_cache_meta): a trust level string such as
 * "verified:lightclient:finalized" or "quorum:2/3", the block number and (optionally)
 * hash the answer is pinned to, whether that block is finalized, and the wall-clock
 * time it was inserted. Unfinalized entries are indexed by block so a reorg can drop
 * them (vt_cache_drop_unfinalized_above / vt_cache_drop_block_hash) without a scan.
 *
 * vt_cache_entry_encode/decode give the byte layout LMDB and Redis store (versioned,
 * strictly length-checked on decode because Redis bytes come from outside the process).
 */
#ifndef VT_STORE_CACHE_H
#define VT_STORE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define VT_CACHE_KEY_MAX 512u               /* bytes of a key */
#define VT_CACHE_TRUST_MAX 40u              /* bytes of a trust level string */
#define VT_CACHE_BUDGET_MIN (64u * 1024u)   /* smallest byte budget accepted */
#define VT_CACHE_BUDGET_MAX ((size_t)1 << 40) /* 1 TiB: larger is a config mistake */
#define VT_CACHE_VALUE_MAX_ABS (64u << 20)  /* encoded entries never carry more than 64 MiB */

typedef struct {
  char trust[VT_CACHE_TRUST_MAX + 1]; /* NUL-terminated, at most VT_CACHE_TRUST_MAX bytes */
  uint64_t block_number;
  uint8_t block_hash[32]; /* meaningful only when has_hash */
  bool has_hash;
  bool finalized;
  uint64_t inserted_ms; /* wall clock (ms since the epoch); 0 on put = stamp it now */
} vt_cache_meta;

typedef struct {
  uint64_t hits, misses, inserts, replaces, deletes, evictions, reorg_drops;
  uint64_t rejected; /* puts refused: too big, bad arguments, out of memory */
  size_t bytes;      /* everything charged to the budget: entries, hash table, block index */
  size_t budget;
  size_t entries;
  size_t table_bytes; /* the hash table's own share of bytes */
  size_t blocks;      /* unfinalized block groups in the reorg index */
} vt_cache_stats;

typedef enum {
  VT_CACHE_OK = 0,
  VT_CACHE_E_ARG,     /* bad argument: empty/oversized key, bad trust string, NULL */
  VT_CACHE_E_TOO_BIG, /* the value is larger than budget/8 (or VT_CACHE_VALUE_MAX_ABS) */
  VT_CACHE_E_NOMEM,   /* malloc failed; an older entry under the key is gone */
} vt_cache_status;

typedef struct vt_cache vt_cache;

/* A cache holding at most budget_bytes (VT_CACHE_BUDGET_MIN..VT_CACHE_BUDGET_MAX) of
 * entries, hash table and index together. NULL with a message in err on failure. */
vt_cache *vt_cache_new(size_t budget_bytes, char *err, size_t errlen);
void vt_cache_free(vt_cache *c);

/* Insert or replace. Evicts (SIEVE) until the new entry fits. On any error an older
 * entry under the same key is not served any more (a refused value never leaves a stale
 * one behind), except for argument errors, which change nothing. */
vt_cache_status vt_cache_put(vt_cache *c, const void *key, size_t klen, const void *val,
                             size_t vlen, const vt_cache_meta *meta);
/* true on a hit: *val and *vlen borrow the stored value (valid until the next change to the
 * cache) and *meta (if not NULL) receives a copy of the header. */
bool vt_cache_get(vt_cache *c, const void *key, size_t klen, const uint8_t **val,
                  size_t *vlen, vt_cache_meta *meta);
bool vt_cache_delete(vt_cache *c, const void *key, size_t klen);

/* Reorg handling. Only unfinalized entries are affected (finalized blocks cannot be
 * reorganized). Both return the number of entries dropped; cost is O(dropped + block
 * groups above block_number) and O(dropped) respectively, never a scan of the cache. */
size_t vt_cache_drop_unfinalized_above(vt_cache *c, uint64_t block_number);
size_t vt_cache_drop_block_hash(vt_cache *c, const uint8_t hash[32]);

void vt_cache_stats_get(const vt_cache *c, vt_cache_stats *out);
const char *vt_cache_status_str(vt_cache_status s);

/* Validate a header (trust string length and characters). */
bool vt_cache_meta_valid(const vt_cache_meta *m);
/* Milliseconds since the epoch (CLOCK_REALTIME), used to stamp inserted_ms. */
uint64_t vt_cache_now_ms(void);

/* The stored entry format (LMDB and Redis): version 1,
 *   u8 version | u8 flags (1=finalized, 2=has_hash) | u64be block | u64be inserted_ms |
 *   u8 trust_len | trust | [32 hash] | u32be value_len | value
 * encode appends to out (respecting its cap); decode checks every length and returns
 * false on anything malformed, pointing *val into buf (no copy). */
bool vt_cache_entry_encode(vt_buf *out, const vt_cache_meta *m, const void *val, size_t vlen);
bool vt_cache_entry_decode(const uint8_t *buf, size_t len, vt_cache_meta *m,
                           const uint8_t **val, size_t *vlen);

#endif

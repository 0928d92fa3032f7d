/*
 * cache.c: the in-memory response cache (see cache.h for the contract).
 *
 * Eviction policy: SIEVE (Zhang et al., NSDI 2024). One FIFO queue (newest at the
 * head), one "visited" bit per entry and a hand that walks from the tail toward the
 * head: a visited entry has its bit cleared and is passed over, the first unvisited one
 * is evicted. Why SIEVE here:
 *   - a hit only sets a bit: no list relinking on the read path, which is the hot path
 *     of a caching gateway (LRU moves a node on every hit, S3-FIFO needs a ghost queue);
 *   - it is scan resistant enough for RPC traffic: a burst of one-off keys (a client
 *     walking old blocks) only pushes out entries not touched since the hand last
 *     passed them, so a hot set that keeps being read survives (test_cache proves it);
 *   - no ghost entries, so the byte accounting is exact: every byte is a live entry,
 *     the hash table or the block index.
 *
 * Byte budget: every allocation is charged at its real size (malloc_usable_size + the
 * allocator's 8-byte chunk header): entries (one malloc each: header + block hash +
 * trust + key + value), the hash table's bucket array and the reorg index's block
 * groups. Puts evict until the total fits; a value may be at most budget/8.
 *
 * Hash table: chained, power-of-two buckets, doubled when entries exceed buckets (load
 * factor <= 1). Doubling is incremental (redis' habit): the old bucket array stays
 * until every put has moved REHASH_STEP of its buckets into the new one, because a
 * one-shot rehash of a million cold entries stalls the loop for ~100 ms. An entry lives
 * in the old array while its old bucket is at or past the migration index, so a lookup
 * still reads exactly one chain. Both arrays are charged to the budget meanwhile.
 * Keys are hashed with SipHash-1-3 under a random per-cache key, because keys are built
 * from client-chosen parameters (hash flooding).
 *
 * Reorg index: unfinalized entries are linked into block groups, one per (number,
 * hash-or-none); groups sit in a map (by hash, or by number when there is no hash) and
 * in a list sorted by number. Dropping above N walks groups from the top down; dropping
 * a hash is one map lookup. Inserting a group walks down from the top to its place:
 * O(groups above it), which is the unfinalized window (about 64-100 blocks normally).
 */
#include "store/cache.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

enum { F_VISITED = 1, F_FINAL = 2, F_HASH = 4, F_INDEXED = 8 };

#define TABLE_MIN_BUCKETS 1024u
#define REHASH_STEP 8u /* old buckets moved per put while doubling */
#define GROUP_MIN_BUCKETS 64u
#define CHUNK_OVERHEAD sizeof(size_t) /* glibc: the size word in front of each chunk */

typedef struct ent {
  struct ent *older, *newer; /* SIEVE queue: head = newest, tail = oldest */
  struct ent *bprev, *bnext; /* entries of one block group (unfinalized only) */
  struct ent *chain;         /* hash bucket chain */
  uint64_t block_number, inserted_ms, hv;
  uint32_t vlen;
  uint16_t klen;
  uint8_t tlen, flags;
  uint8_t data[]; /* [block hash (32) if F_HASH] trust key value */
} ent;

typedef struct bgroup {
  struct bgroup *chain;         /* group map chain */
  struct bgroup *lower, *higher; /* sorted by block number */
  ent *first;
  uint64_t number;
  size_t count;
  bool has_hash;
  uint8_t hash[32];
} bgroup;

struct vt_cache {
  size_t budget, bytes, count;
  ent **buckets;
  size_t nb;
  ent **old;      /* while doubling: the previous array, migrated from index ridx up */
  size_t onb, ridx;
  ent *head, *tail, *hand;
  bgroup **gbuckets;
  size_t gnb, gcount;
  bgroup *gtop;
  uint64_t sipk[2];
  vt_cache_stats st;
};

/* ------------------------------------------------------------- SipHash-1-3 ---- */

static inline uint64_t rotl64(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

#define SIPROUND(v0, v1, v2, v3)                                                         \
  do {                                                                                   \
    v0 += v1; v1 = rotl64(v1, 13); v1 ^= v0; v0 = rotl64(v0, 32);                       \
    v2 += v3; v3 = rotl64(v3, 16); v3 ^= v2;                                             \
    v0 += v3; v3 = rotl64(v3, 21); v3 ^= v0;                                             \
    v2 += v1; v1 = rotl64(v1, 17); v1 ^= v2; v2 = rotl64(v2, 32);                        \
  } while (0)

static uint64_t load_le64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

static uint64_t siphash13(const uint64_t k[2], const uint8_t *p, size_t n) {
  uint64_t v0 = k[0] ^ 0x736f6d6570736575ull, v1 = k[1] ^ 0x646f72616e646f6dull;
  uint64_t v2 = k[0] ^ 0x6c7967656e657261ull, v3 = k[1] ^ 0x7465646279746573ull;
  size_t whole = n & ~(size_t)7;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = load_le64(p + i);
    v3 ^= m;
    SIPROUND(v0, v1, v2, v3);
    v0 ^= m;
  }
  uint64_t last = (uint64_t)(n & 0xff) << 56;
  for (size_t i = 0; i < (n & 7); i++) last |= (uint64_t)p[whole + i] << (8 * i);
  v3 ^= last;
  SIPROUND(v0, v1, v2, v3);
  v0 ^= last;
  v2 ^= 0xff;
  for (int i = 0; i < 3; i++) SIPROUND(v0, v1, v2, v3);
  return v0 ^ v1 ^ v2 ^ v3;
}

/* ------------------------------------------------------------- accounting ---- */

static size_t charge_of(void *p) { return p ? malloc_usable_size(p) + CHUNK_OVERHEAD : 0; }

static uint8_t *ent_hash(ent *e) { return e->data; }
static uint8_t *ent_trust(ent *e) { return e->data + ((e->flags & F_HASH) ? 32 : 0); }
static uint8_t *ent_key(ent *e) { return ent_trust(e) + e->tlen; }
static uint8_t *ent_val(ent *e) { return ent_key(e) + e->klen; }

/* --------------------------------------------------------- block groups ---- */

static uint64_t group_hv(const vt_cache *c, bool has_hash, const uint8_t *hash, uint64_t number) {
  uint8_t nb[8];
  if (has_hash) return siphash13(c->sipk, hash, 32);
  for (int i = 0; i < 8; i++) nb[i] = (uint8_t)(number >> (8 * i));
  return siphash13(c->sipk, nb, 8);
}

static bgroup *group_find(vt_cache *c, bool has_hash, const uint8_t *hash, uint64_t number) {
  bgroup *g = c->gbuckets[group_hv(c, has_hash, hash, number) & (c->gnb - 1)];
  for (; g; g = g->chain)
    if (g->number == number && g->has_hash == has_hash && (!has_hash || !memcmp(g->hash, hash, 32)))
      return g;
  return NULL;
}

static void group_map_grow(vt_cache *c) {
  size_t nnb = c->gnb * 2;
  bgroup **nbk = calloc(nnb, sizeof *nbk);
  if (!nbk) return; /* keep the old map: longer chains, still correct */
  for (size_t i = 0; i < c->gnb; i++) {
    for (bgroup *g = c->gbuckets[i], *next; g; g = next) {
      next = g->chain;
      size_t j = group_hv(c, g->has_hash, g->hash, g->number) & (nnb - 1);
      g->chain = nbk[j];
      nbk[j] = g;
    }
  }
  c->bytes -= charge_of(c->gbuckets);
  free(c->gbuckets);
  c->gbuckets = nbk;
  c->gnb = nnb;
  c->bytes += charge_of(nbk);
}

static bgroup *group_get(vt_cache *c, ent *e) {
  bool has_hash = (e->flags & F_HASH) != 0;
  bgroup *g = group_find(c, has_hash, ent_hash(e), e->block_number);
  if (g) return g;
  g = calloc(1, sizeof *g);
  if (!g) return NULL;
  g->number = e->block_number;
  g->has_hash = has_hash;
  if (has_hash) memcpy(g->hash, ent_hash(e), 32);
  size_t j = group_hv(c, has_hash, g->hash, g->number) & (c->gnb - 1);
  g->chain = c->gbuckets[j];
  c->gbuckets[j] = g;
  /* sorted list: walk down from the top to the first group not above this one */
  bgroup *above = NULL, *p = c->gtop;
  while (p && p->number > g->number) {
    above = p;
    p = p->lower;
  }
  g->lower = p;
  g->higher = above;
  if (p) p->higher = g;
  if (above) above->lower = g;
  else c->gtop = g;
  c->gcount++;
  c->bytes += charge_of(g);
  if (c->gcount > c->gnb) group_map_grow(c);
  return g;
}

static void group_free(vt_cache *c, bgroup *g) {
  bgroup **pp = &c->gbuckets[group_hv(c, g->has_hash, g->hash, g->number) & (c->gnb - 1)];
  while (*pp != g) pp = &(*pp)->chain;
  *pp = g->chain;
  if (g->higher) g->higher->lower = g->lower;
  else c->gtop = g->lower;
  if (g->lower) g->lower->higher = g->higher;
  c->gcount--;
  c->bytes -= charge_of(g);
  free(g);
}

static bool index_link(vt_cache *c, ent *e) {
  bgroup *g = group_get(c, e);
  if (!g) return false;
  e->bprev = NULL;
  e->bnext = g->first;
  if (g->first) g->first->bprev = e;
  g->first = e;
  g->count++;
  e->flags |= F_INDEXED;
  return true;
}

static void index_unlink(vt_cache *c, ent *e) {
  bgroup *g = group_find(c, (e->flags & F_HASH) != 0, ent_hash(e), e->block_number);
  if (e->bprev) e->bprev->bnext = e->bnext;
  else g->first = e->bnext;
  if (e->bnext) e->bnext->bprev = e->bprev;
  if (--g->count == 0) group_free(c, g);
}

/* ------------------------------------------------------------ hash table ---- */

/* The chain an entry with hash hv lives in (or would be inserted into). */
static ent **chain_of(vt_cache *c, uint64_t hv) {
  if (c->old) {
    size_t ob = hv & (c->onb - 1);
    if (ob >= c->ridx) return &c->old[ob];
  }
  return &c->buckets[hv & (c->nb - 1)];
}

static ent *table_find(vt_cache *c, uint64_t hv, const void *key, size_t klen) {
  for (ent *e = *chain_of(c, hv); e; e = e->chain)
    if (e->hv == hv && e->klen == klen && !memcmp(ent_key(e), key, klen)) return e;
  return NULL;
}

/* Move up to `steps` old buckets into the new array; free the old one when done. */
static void rehash_step(vt_cache *c, size_t steps) {
  for (; c->old && steps; steps--) {
    for (ent *e = c->old[c->ridx], *next; e; e = next) {
      next = e->chain;
      size_t j = e->hv & (c->nb - 1);
      e->chain = c->buckets[j];
      c->buckets[j] = e;
    }
    c->old[c->ridx] = NULL;
    if (++c->ridx == c->onb) {
      c->bytes -= charge_of(c->old);
      free(c->old);
      c->old = NULL;
      c->onb = c->ridx = 0;
    }
  }
}

static void table_grow(vt_cache *c) {
  ent **nbk = calloc(c->nb * 2, sizeof *nbk);
  if (!nbk) return; /* keep the old table: longer chains, still correct */
  c->old = c->buckets;
  c->onb = c->nb;
  c->ridx = 0;
  c->buckets = nbk;
  c->nb *= 2;
  c->bytes += charge_of(nbk);
}

/* Unlink e from everything and free it. */
static void entry_remove(vt_cache *c, ent *e) {
  ent **pp = chain_of(c, e->hv);
  while (*pp != e) pp = &(*pp)->chain;
  *pp = e->chain;
  if (c->hand == e) c->hand = e->newer;
  if (e->newer) e->newer->older = e->older;
  else c->head = e->older;
  if (e->older) e->older->newer = e->newer;
  else c->tail = e->newer;
  if (e->flags & F_INDEXED) index_unlink(c, e);
  c->count--;
  c->bytes -= charge_of(e);
  free(e);
}

/* SIEVE: the first unvisited entry from the hand toward the head, wrapping to the tail;
 * visited entries passed over lose their bit. `protect` is never chosen. */
static ent *sieve_victim(vt_cache *c, const ent *protect) {
  ent *p = c->hand ? c->hand : c->tail;
  for (;;) {
    if (p != protect && !(p->flags & F_VISITED)) break;
    if (p != protect) p->flags &= (uint8_t)~F_VISITED;
    p = p->newer ? p->newer : c->tail;
  }
  c->hand = p->newer;
  return p;
}

static void evict_until(vt_cache *c, size_t need, const ent *protect) {
  size_t keep = protect ? 1 : 0;
  while (c->bytes + need > c->budget && c->count > keep) {
    entry_remove(c, sieve_victim(c, protect));
    c->st.evictions++;
  }
}

/* ---------------------------------------------------------------- public ---- */

vt_cache *vt_cache_new(size_t budget_bytes, char *err, size_t errlen) {
  vt_cache *c = NULL, *ret = NULL;
  if (budget_bytes < VT_CACHE_BUDGET_MIN || budget_bytes > VT_CACHE_BUDGET_MAX) {
    snprintf(err, errlen, "cache budget %zu bytes is outside %u..%zu", budget_bytes,
             VT_CACHE_BUDGET_MIN, (size_t)VT_CACHE_BUDGET_MAX);
    goto out;
  }
  snprintf(err, errlen, "cache: out of memory");
  c = calloc(1, sizeof *c);
  if (!c) goto out;
  c->budget = budget_bytes;
  c->nb = TABLE_MIN_BUCKETS;
  c->gnb = GROUP_MIN_BUCKETS;
  c->buckets = calloc(c->nb, sizeof *c->buckets);
  c->gbuckets = calloc(c->gnb, sizeof *c->gbuckets);
  if (!c->buckets || !c->gbuckets) goto out;
  if (getrandom(c->sipk, sizeof c->sipk, 0) != (ssize_t)sizeof c->sipk) {
    snprintf(err, errlen, "cache: getrandom failed for the hash key");
    goto out;
  }
  c->bytes = charge_of(c->buckets) + charge_of(c->gbuckets);
  ret = c;
  c = NULL;
out:
  vt_cache_free(c);
  return ret;
}

void vt_cache_free(vt_cache *c) {
  if (!c) return;
  for (ent *e = c->head, *next; e; e = next) {
    next = e->older;
    free(e);
  }
  for (bgroup *g = c->gtop, *next; g; g = next) {
    next = g->lower;
    free(g);
  }
  free(c->buckets);
  free(c->old);
  free(c->gbuckets);
  free(c);
}

vt_cache_status vt_cache_put(vt_cache *c, const void *key, size_t klen, const void *val,
                             size_t vlen, const vt_cache_meta *meta) {
  vt_cache_status rc = VT_CACHE_E_ARG;
  ent *e = NULL;
  if (!c) return VT_CACHE_E_ARG;
  if (!key || klen == 0 || klen > VT_CACHE_KEY_MAX || (!val && vlen) || !vt_cache_meta_valid(meta))
    goto out;
  uint64_t hv = siphash13(c->sipk, key, klen);
  uint8_t visited = 0;
  ent *old = table_find(c, hv, key, klen);
  if (old) { /* gone even if the new value is refused: never serve a superseded one */
    visited = old->flags & F_VISITED;
    entry_remove(c, old);
    c->st.replaces++;
  }
  if (vlen > c->budget / 8 || vlen > VT_CACHE_VALUE_MAX_ABS) {
    rc = VT_CACHE_E_TOO_BIG;
    goto out;
  }
  size_t tlen = strlen(meta->trust), hlen = meta->has_hash ? 32 : 0;
  e = malloc(sizeof *e + hlen + tlen + klen + vlen);
  if (!e) {
    rc = VT_CACHE_E_NOMEM;
    goto out;
  }
  e->block_number = meta->block_number;
  e->inserted_ms = meta->inserted_ms ? meta->inserted_ms : vt_cache_now_ms();
  e->hv = hv;
  e->vlen = (uint32_t)vlen;
  e->klen = (uint16_t)klen;
  e->tlen = (uint8_t)tlen;
  e->flags = (uint8_t)(visited | (meta->finalized ? F_FINAL : 0) | (meta->has_hash ? F_HASH : 0));
  if (hlen) memcpy(e->data, meta->block_hash, 32);
  memcpy(ent_trust(e), meta->trust, tlen);
  memcpy(ent_key(e), key, klen);
  if (vlen) memcpy(ent_val(e), val, vlen);

  evict_until(c, charge_of(e), NULL);
  if (!meta->finalized && !index_link(c, e)) {
    rc = VT_CACHE_E_NOMEM;
    goto out;
  }
  ent **chain = chain_of(c, hv);
  e->chain = *chain;
  *chain = e;
  e->older = c->head;
  e->newer = NULL;
  if (c->head) c->head->newer = e;
  else c->tail = e;
  c->head = e;
  c->count++;
  c->bytes += charge_of(e);
  e = NULL; /* the cache owns it now */
  c->st.inserts++;
  if (c->old) rehash_step(c, REHASH_STEP);
  else if (c->count > c->nb) table_grow(c);
  evict_until(c, 0, c->head);
  rc = VT_CACHE_OK;
out:
  if (rc != VT_CACHE_OK) c->st.rejected++;
  free(e);
  return rc;
}

bool vt_cache_get(vt_cache *c, const void *key, size_t klen, const uint8_t **val, size_t *vlen,
                  vt_cache_meta *meta) {
  ent *e = (c && key && klen && klen <= VT_CACHE_KEY_MAX)
               ? table_find(c, siphash13(c->sipk, key, klen), key, klen)
               : NULL;
  if (!e) {
    if (c) c->st.misses++;
    return false;
  }
  c->st.hits++;
  e->flags |= F_VISITED;
  if (val) *val = ent_val(e);
  if (vlen) *vlen = e->vlen;
  if (meta) {
    memcpy(meta->trust, ent_trust(e), e->tlen);
    meta->trust[e->tlen] = 0;
    meta->block_number = e->block_number;
    meta->has_hash = (e->flags & F_HASH) != 0;
    if (meta->has_hash) memcpy(meta->block_hash, ent_hash(e), 32);
    else memset(meta->block_hash, 0, 32);
    meta->finalized = (e->flags & F_FINAL) != 0;
    meta->inserted_ms = e->inserted_ms;
  }
  return true;
}

bool vt_cache_delete(vt_cache *c, const void *key, size_t klen) {
  if (!c || !key || !klen || klen > VT_CACHE_KEY_MAX) return false;
  ent *e = table_find(c, siphash13(c->sipk, key, klen), key, klen);
  if (!e) return false;
  entry_remove(c, e);
  c->st.deletes++;
  return true;
}

static size_t drop_group(vt_cache *c, bgroup *g) {
  size_t n = g->count; /* the last removal frees g */
  for (size_t i = 0; i < n; i++) entry_remove(c, g->first);
  c->st.reorg_drops += n;
  return n;
}

size_t vt_cache_drop_unfinalized_above(vt_cache *c, uint64_t block_number) {
  size_t n = 0;
  while (c && c->gtop && c->gtop->number > block_number) n += drop_group(c, c->gtop);
  return n;
}

size_t vt_cache_drop_block_hash(vt_cache *c, const uint8_t hash[32]) {
  size_t n = 0;
  if (!c || !hash) return 0;
  bool again = true;
  while (again) { /* a hash names one block; a caller mixing numbers gets them all */
    again = false;
    for (bgroup *g = c->gbuckets[group_hv(c, true, hash, 0) & (c->gnb - 1)]; g; g = g->chain) {
      if (g->has_hash && !memcmp(g->hash, hash, 32)) {
        n += drop_group(c, g);
        again = true;
        break;
      }
    }
  }
  return n;
}

void vt_cache_stats_get(const vt_cache *c, vt_cache_stats *out) {
  memset(out, 0, sizeof *out);
  if (!c) return;
  *out = c->st;
  out->bytes = c->bytes;
  out->budget = c->budget;
  out->entries = c->count;
  out->table_bytes = charge_of(c->buckets) + charge_of(c->old) + charge_of(c->gbuckets);
  out->blocks = c->gcount;
}

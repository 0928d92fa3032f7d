/*
 * tiers.c: memory, LMDB and Redis behind one get and one put (see tiers.h).
 *
 * cache.memory: 0 turns the memory tier off: answers are neither looked up nor kept in
 * memory (LMDB and Redis still are; a hit from them is answered from their copy). The
 * cache object still exists, at its smallest budget, only for degraded.stale values.
 */
#include "store/tiers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/log.h"
#include "store/lmdb.h"
#include "store/redis.h"

#define LMDB_TICK_MS 20
#define STALE_KEY_MAX 96

struct vt_tiers {
  vt_cache *cache;
  bool mem_off;         /* cache.memory: 0: the cache holds degraded.stale values only */
  vt_lmdb *lmdb;
  vt_redis *redis;
  bool (*accept)(const vt_cache_meta *m);
  uv_timer_t tick;
  bool tick_init;
  unsigned closing;
  void (*on_closed)(void *);
  void *on_closed_arg;
  vt_tiers_stats st;
  /* the highest block an LMDB entry was stored as final for: every block at or below
   * it is final, so after a restart, with no head, answers by number up to it may be
   * served from the store. Persisted (blob "finalized") at most once per second. */
  uint64_t finalized;
  bool fin_dirty;
  uint64_t fin_saved_ms;
};

#define FINALIZED_BLOB "finalized"
#define FINALIZED_SAVE_MS 1000
#define FINALIZED_TEXT_MAX 24

static void load_finalized(vt_tiers *t) {
  uint8_t *v = NULL;
  size_t n = 0;
  char txt[FINALIZED_TEXT_MAX];
  if (vt_lmdb_get_blob(t->lmdb, FINALIZED_BLOB, &v, &n) == VT_LMDB_OK && n > 0 && n < sizeof txt) {
    memcpy(txt, v, n);
    txt[n] = 0;
    char *end;
    unsigned long long f = strtoull(txt, &end, 10);
    if (*end == 0) t->finalized = f;
  }
  free(v);
}

static void save_finalized(vt_tiers *t) {
  char txt[FINALIZED_TEXT_MAX];
  int n = snprintf(txt, sizeof txt, "%llu", (unsigned long long)t->finalized);
  if (vt_lmdb_put_blob(t->lmdb, FINALIZED_BLOB, txt, (size_t)n) == VT_LMDB_OK) t->fin_dirty = false;
  else VT_LOG(VT_LOG_WARN, "lmdb", "cannot record the finalized block: %s", vt_lmdb_errmsg(t->lmdb));
}

/* Cache keys do not name the chain, so a store holds one chain's answers: its chain id
 * is recorded in the store at first use, and a store of another chain is refused
 * (answers of mainnet must never be served for sepolia from a shared directory). */
#define CHAIN_BLOB "chain_id"
static int check_store_chain(vt_lmdb *db, uint64_t chain_id, char *err, size_t errlen) {
  char want[24];
  int wl = snprintf(want, sizeof want, "%llu", (unsigned long long)chain_id);
  uint8_t *have = NULL;
  size_t n = 0;
  int rc = -1;
  vt_lmdb_status st = vt_lmdb_get_blob(db, CHAIN_BLOB, &have, &n);
  if (st == VT_LMDB_NOTFOUND) {
    if (vt_lmdb_put_blob(db, CHAIN_BLOB, want, (size_t)wl) == VT_LMDB_OK) rc = 0;
    else snprintf(err, errlen, "cannot record the chain id in the store: %s", vt_lmdb_errmsg(db));
    goto out;
  }
  if (st != VT_LMDB_OK) {
    snprintf(err, errlen, "the store's chain id record cannot be read (%s)", vt_lmdb_errmsg(db));
    goto out;
  }
  if (n == (size_t)wl && memcmp(have, want, n) == 0) rc = 0;
  else
    snprintf(err, errlen, "holds answers of chain %.*s, not of chain %s: use one directory per chain",
             (int)(n < 20 ? n : 20), (const char *)have, want);
out:
  free(have);
  return rc;
}

static void on_tick(uv_timer_t *tm) {
  vt_tiers *t = tm->data;
  if (t->lmdb && vt_lmdb_tick(t->lmdb) != VT_LMDB_OK)
    VT_LOG(VT_LOG_WARN, "lmdb", "commit failed: %s", vt_lmdb_errmsg(t->lmdb));
  uint64_t now = uv_now(tm->loop);
  if (t->lmdb && t->fin_dirty && now - t->fin_saved_ms >= FINALIZED_SAVE_MS) {
    t->fin_saved_ms = now;
    save_finalized(t);
  }
}

vt_tiers *vt_tiers_new(uv_loop_t *loop, const vt_tiers_opts *o, char *err, size_t errlen) {
  vt_tiers *t = calloc(1, sizeof *t);
  if (!t) { snprintf(err, errlen, "out of memory"); return NULL; }
  size_t budget = o->memory;
  t->mem_off = budget == 0;
  t->accept = o->accept;
  if (budget < VT_CACHE_BUDGET_MIN) budget = VT_CACHE_BUDGET_MIN;
  t->cache = vt_cache_new(budget, err, errlen);
  if (!t->cache) goto fail;
  if (o->lmdb_path && o->lmdb_path[0]) {
    char e[256];
    if (vt_lmdb_open(o->lmdb_path, VT_LMDB_MAP_DEFAULT, &t->lmdb, e, sizeof e) != 0 ||
        check_store_chain(t->lmdb, o->chain_id, e, sizeof e) != 0) {
      snprintf(err, errlen, "cache.path: %s: %s", o->lmdb_path, e);
      goto fail;
    }
    load_finalized(t);
  }
  if (o->redis_url && o->redis_url[0]) {
    vt_redis_opts ro = {.chain_id = o->chain_id};
    char e[256];
    t->redis = vt_redis_new(loop, o->redis_url, &ro, e, sizeof e);
    if (!t->redis) {
      snprintf(err, errlen, "cache.redis: %s", e);
      goto fail;
    }
  }
  if (uv_timer_init(loop, &t->tick) == 0) {
    t->tick_init = true;
    t->tick.data = t;
    if (t->lmdb) uv_timer_start(&t->tick, on_tick, LMDB_TICK_MS, LMDB_TICK_MS);
  }
  return t;
fail:
  vt_tiers_free(t);
  return NULL;
}

static void closed_part(vt_tiers *t) {
  if (--t->closing == 0 && t->on_closed) t->on_closed(t->on_closed_arg);
}
static void on_tick_closed(uv_handle_t *h) { closed_part(h->data); }
static void on_redis_closed(void *arg) { closed_part(arg); }

void vt_tiers_close(vt_tiers *t, void (*done)(void *arg), void *arg) {
  t->on_closed = done;
  t->on_closed_arg = arg;
  t->closing = 1 + (t->tick_init ? 1 : 0) + (t->redis ? 1 : 0);
  if (t->tick_init) {
    uv_timer_stop(&t->tick);
    uv_close((uv_handle_t *)&t->tick, on_tick_closed);
    t->tick_init = false;
  }
  if (t->redis) {
    vt_redis *r = t->redis;
    t->redis = NULL;
    vt_redis_close(r, on_redis_closed, t);
  }
  closed_part(t);
}

void vt_tiers_free(vt_tiers *t) {
  if (!t) return;
  if (t->lmdb) {
    if (t->fin_dirty) save_finalized(t);
    (void)vt_lmdb_flush(t->lmdb);
    vt_lmdb_close(t->lmdb);
  }
  vt_cache_free(t->cache);
  free(t);
}

bool vt_tiers_get_memory(vt_tiers *t, const char *key, size_t klen, const uint8_t **val, size_t *vlen,
                         vt_cache_meta *m) {
  return !t->mem_off && vt_cache_get(t->cache, key, klen, val, vlen, m);
}

/* Copy a hit from a lower tier into memory and answer from there (the memory copy is
 * what the answer borrows). */
static void answer_hit(vt_tiers *t, const char *key, size_t klen, vt_tier from, const uint8_t *val, size_t vlen,
                       const vt_cache_meta *m, vt_tiers_cb cb, void *ud) {
  vt_cache_meta copy = *m;
  const uint8_t *mv = val;
  size_t ml = vlen;
  vt_cache_meta mm;
  if (!t->mem_off && vt_cache_put(t->cache, key, klen, val, vlen, &copy) == VT_CACHE_OK &&
      vt_cache_get(t->cache, key, klen, &mv, &ml, &mm))
    copy = mm;
  cb(ud, from, mv, ml, &copy);
}

typedef struct {
  vt_tiers *t;
  const char *key;
  size_t klen;
  vt_tiers_cb cb;
  void *ud;
} redis_get;

static void on_redis(void *ud, vt_redis_result res, const uint8_t *val, size_t vlen, const vt_cache_meta *meta) {
  redis_get g = *(redis_get *)ud;
  free(ud);
  vt_tiers *t = g.t;
  if (res == VT_REDIS_HIT && meta && (!t->accept || t->accept(meta))) {
    t->st.redis_hits++;
    answer_hit(t, g.key, g.klen, VT_TIER_REDIS, val, vlen, meta, g.cb, g.ud);
    return;
  }
  if (res == VT_REDIS_MISS) t->st.redis_misses++;
  else t->st.redis_unavailable++;
  g.cb(g.ud, VT_TIER_NONE, NULL, 0, NULL);
}

void vt_tiers_get(vt_tiers *t, const char *key, size_t klen, vt_tiers_cb cb, void *ud) {
  if (t->lmdb) {
    uint8_t *val = NULL;
    size_t vlen = 0;
    vt_cache_meta m;
    if (vt_lmdb_get(t->lmdb, key, klen, &val, &vlen, &m) == VT_LMDB_OK && val) {
      t->st.lmdb_hits++;
      answer_hit(t, key, klen, VT_TIER_LMDB, val, vlen, &m, cb, ud);
      free(val);
      return;
    }
    free(val);
  }
  redis_get *g = t->redis ? malloc(sizeof *g) : NULL;
  if (g) {
    *g = (redis_get){.t = t, .key = key, .klen = klen, .cb = cb, .ud = ud};
    if (vt_redis_get(t->redis, key, klen, on_redis, g) == 0) return;
    free(g);
  }
  cb(ud, VT_TIER_NONE, NULL, 0, NULL);
}

void vt_tiers_put(vt_tiers *t, const char *key, size_t klen, const char *val, size_t vlen, const vt_cache_meta *m) {
  if (!t->mem_off && vt_cache_put(t->cache, key, klen, val, vlen, m) == VT_CACHE_OK) t->st.stored++;
  if (m->finalized && t->lmdb && vt_lmdb_put(t->lmdb, key, klen, val, vlen, m, NULL) == VT_LMDB_OK) {
    t->st.lmdb_stored++;
    if (m->block_number > t->finalized) {
      t->finalized = m->block_number;
      t->fin_dirty = true;
    }
  }
  if (t->redis && vt_redis_put(t->redis, key, klen, val, vlen, m)) t->st.redis_stored++;
}

/* Degraded mode (degraded.stale): the last proven value of these, per address, may
 * answer when nothing can be proven now. */
static const char *const stale_methods[] = {"eth_getBalance", "eth_getTransactionCount", "eth_getCode"};

/* "stale\0<method>\0<address>" from a key "<method>\0[\"0x<40 hex>\",…]", or false. */
static bool stale_key(const char *key, size_t klen, char *out, size_t *olen) {
  size_t ml = strnlen(key, klen);
  bool known = false;
  for (size_t i = 0; i < sizeof stale_methods / sizeof stale_methods[0]; i++)
    if (strlen(stale_methods[i]) == ml && memcmp(stale_methods[i], key, ml) == 0) known = true;
  if (!known || klen < ml + 1 + 2 + 42 || 6 + ml + 1 + 42 > STALE_KEY_MAX) return false;
  const char *p = key + ml + 1;
  if (p[0] != '[' || p[1] != '"' || p[2] != '0' || (p[3] != 'x' && p[3] != 'X')) return false;
  size_t n = 0;
  memcpy(out, "stale", 6);
  n = 6;
  memcpy(out + n, key, ml + 1);
  n += ml + 1;
  for (size_t i = 0; i < 42; i++) {
    char c = p[2 + i];
    out[n++] = (char)(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  }
  *olen = n;
  return true;
}

void vt_tiers_stale_put(vt_tiers *t, const char *key, size_t klen, const char *val, size_t vlen,
                        const vt_cache_meta *m) {
  char sk[STALE_KEY_MAX];
  size_t sklen;
  if (stale_key(key, klen, sk, &sklen)) (void)vt_cache_put(t->cache, sk, sklen, val, vlen, m);
}

bool vt_tiers_stale_get(vt_tiers *t, const char *key, size_t klen, const uint8_t **val, size_t *vlen,
                        vt_cache_meta *m) {
  char sk[STALE_KEY_MAX];
  size_t sklen;
  return stale_key(key, klen, sk, &sklen) && vt_cache_get(t->cache, sk, sklen, val, vlen, m);
}

uint64_t vt_tiers_finalized(const vt_tiers *t) { return t->lmdb ? t->finalized : 0; }

void vt_tiers_reorg(vt_tiers *t, uint64_t number) {
  if (t && number > 0) vt_cache_drop_unfinalized_above(t->cache, number - 1);
}

void vt_tiers_stats_get(const vt_tiers *t, vt_tiers_stats *out) {
  *out = t->st;
  out->lmdb = t->lmdb != NULL;
  out->redis = t->redis != NULL;
  if (t->redis) {
    vt_redis_stats rs;
    vt_redis_stats_get(t->redis, &rs);
    out->redis_connected = rs.connected;
  }
  vt_cache_stats cs;
  vt_cache_stats_get(t->cache, &cs);
  out->bytes = cs.bytes;
  out->entries = cs.entries;
  out->budget = t->mem_off ? 0 : cs.budget;
}

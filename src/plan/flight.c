/*
 * flight.c: coalescing identical calls and caching proven answers (see flight.h).
 *
 * Flights in progress live in a small hash table keyed by the call's key; each holds
 * its waiters in arrival order. The leader's answer is cached first (when allowed),
 * then handed to every waiter; the flight is freed after the last one.
 *
 * cache.memory: 0 turns the memory tier off: answers are neither looked up nor kept in
 * memory (LMDB and Redis still are; a hit from them is answered from their copy). The
 * cache object still exists, at its smallest budget, only for degraded.stale values.
 */
#include "plan/flight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/log.h"
#include "store/cache.h"
#include "store/lmdb.h"
#include "store/redis.h"

#define FLIGHT_BUCKETS 1024
#define FLIGHT_MAX_WAITERS 10000
#define FINALITY_DEPTH 64
#define KEY_MAX 511 /* LMDB's key limit (the memory cache allows 512) */
#define LMDB_TICK_MS 20

typedef struct waiter {
  struct waiter *next;
  vt_answer_cb cb;
  void *ud;
} waiter;

typedef struct flight {
  struct flight *next;
  vt_flights *owner;
  size_t bucket;
  char key[KEY_MAX];
  size_t klen;
  bool cacheable;
  uint64_t block;
  waiter *waiters, **tail;
  unsigned nwaiters;
  /* to start later (after a Redis miss): copies, not pointers into a request */
  const vt_method *m;
  vt_plan plan;
  vt_carry_fn carry;
  void *carry_ctx;
} flight;

struct vt_flights {
  uv_loop_t *loop;
  const vt_config *cfg;
  const vt_pool *pool;  /* verity's head */
  vt_cache *cache;
  bool mem_off;         /* cache.memory: 0: the cache holds degraded.stale values only */
  vt_lmdb *lmdb;
  vt_redis *redis;
  uv_timer_t tick;
  bool tick_init;
  unsigned closing;
  void (*on_closed)(void *);
  void *on_closed_arg;
  flight *buckets[FLIGHT_BUCKETS];
  vt_flight_stats st;
};

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

static void on_tick(uv_timer_t *t) {
  vt_flights *f = t->data;
  if (f->lmdb && vt_lmdb_tick(f->lmdb) != VT_LMDB_OK)
    VT_LOG(VT_LOG_WARN, "lmdb", "commit failed: %s", vt_lmdb_errmsg(f->lmdb));
}

vt_flights *vt_flights_new(uv_loop_t *loop, const vt_config *cfg, const vt_pool *pool, size_t budget, char *err,
                           size_t errlen) {
  vt_flights *f = calloc(1, sizeof *f);
  if (!f) { snprintf(err, errlen, "out of memory"); return NULL; }
  f->loop = loop;
  f->cfg = cfg;
  f->pool = pool;
  f->mem_off = budget == 0;
  if (budget < VT_CACHE_BUDGET_MIN) budget = VT_CACHE_BUDGET_MIN;
  f->cache = vt_cache_new(budget, err, errlen);
  if (!f->cache) goto fail;
  if (cfg->cache_path && cfg->cache_path[0]) {
    char e[256];
    if (vt_lmdb_open(cfg->cache_path, VT_LMDB_MAP_DEFAULT, &f->lmdb, e, sizeof e) != 0 ||
        check_store_chain(f->lmdb, cfg->chain_id, e, sizeof e) != 0) {
      snprintf(err, errlen, "cache.path: %s: %s", cfg->cache_path, e);
      goto fail;
    }
  }
  if (cfg->redis_url && cfg->redis_url[0]) {
    vt_redis_opts ro = {.chain_id = cfg->chain_id};
    char e[256];
    f->redis = vt_redis_new(loop, cfg->redis_url, &ro, e, sizeof e);
    if (!f->redis) {
      snprintf(err, errlen, "cache.redis: %s", e);
      goto fail;
    }
  }
  if (uv_timer_init(loop, &f->tick) == 0) {
    f->tick_init = true;
    f->tick.data = f;
    if (f->lmdb) uv_timer_start(&f->tick, on_tick, LMDB_TICK_MS, LMDB_TICK_MS);
  }
  return f;
fail:
  vt_flights_free(f);
  return NULL;
}

static void closed_part(vt_flights *f) {
  if (--f->closing == 0 && f->on_closed) f->on_closed(f->on_closed_arg);
}
static void on_tick_closed(uv_handle_t *h) { closed_part(h->data); }
static void on_redis_closed(void *arg) { closed_part(arg); }

void vt_flights_close(vt_flights *f, void (*done)(void *arg), void *arg) {
  f->on_closed = done;
  f->on_closed_arg = arg;
  f->closing = 1 + (f->tick_init ? 1 : 0) + (f->redis ? 1 : 0);
  if (f->tick_init) {
    uv_timer_stop(&f->tick);
    uv_close((uv_handle_t *)&f->tick, on_tick_closed);
    f->tick_init = false;
  }
  if (f->redis) {
    vt_redis *r = f->redis;
    f->redis = NULL;
    vt_redis_close(r, on_redis_closed, f);
  }
  closed_part(f);
}

void vt_flights_free(vt_flights *f) {
  if (!f) return;
  /* flights still in progress are owned by their calls, which the gateway's stop cancels */
  if (f->lmdb) {
    (void)vt_lmdb_flush(f->lmdb);
    vt_lmdb_close(f->lmdb);
  }
  vt_cache_free(f->cache);
  free(f);
}

static size_t hash_key(const char *k, size_t n) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)k[i]) * 1099511628211ull;
  return (size_t)(h % FLIGHT_BUCKETS);
}

static bool make_key(char *out, size_t *n, const char *method, vt_span params) {
  size_t ml = strlen(method);
  if (ml + 1 + params.n > KEY_MAX) return false;
  memcpy(out, method, ml);
  out[ml] = 0;
  if (params.n) memcpy(out + ml + 1, params.p, params.n);
  *n = ml + 1 + params.n;
  return true;
}

/* Only answers about a block that can no longer change under the same key. */
static bool cacheable(const vt_pool *pool, const vt_plan *plan, uint64_t *block) {
  /* `latest` pinned to a head no upstream has confirmed lately is not today's latest:
   * do not answer it from memory (degraded.stale may, saying how old it is) */
  if (plan->pinned_latest && !vt_pool_head_fresh(pool)) return false;
  if (plan->kind == VT_PIN_NUMBER && pool->head_known && plan->number <= pool->head) {
    *block = plan->number;
    return true;
  }
  if (plan->kind == VT_PIN_HASH) {
    *block = pool->head; /* unknown number: treat as recent */
    return true;
  }
  return false;
}

/* Degraded mode (degraded.stale): the last proven value of these, per address, may
 * answer when nothing can be proven now, marked stale:<seconds> with its block. */
static const char *const stale_methods[] = {"eth_getBalance", "eth_getTransactionCount", "eth_getCode"};

/* "stale\0<method>\0<address>" from a key "<method>\0[\"0x<40 hex>\",…]", or false. */
static bool stale_key(const char *key, size_t klen, char *out, size_t *olen) {
  size_t ml = strnlen(key, klen);
  bool known = false;
  for (size_t i = 0; i < sizeof stale_methods / sizeof stale_methods[0]; i++)
    if (strlen(stale_methods[i]) == ml && memcmp(stale_methods[i], key, ml) == 0) known = true;
  if (!known || klen < ml + 1 + 2 + 42) return false;
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

static bool storable(const vt_answer *a) { return a->outcome == VT_CALL_OK && vt_trust_cacheable(&a->trust); }

/* The cache codec keeps trust as its text form (trust.h), as it always has. */
static void meta_trust(vt_cache_meta *m, const vt_trust *t) {
  char txt[VT_TRUST_TEXT_MAX];
  snprintf(m->trust, sizeof m->trust, "%s", vt_trust_format(t, txt, sizeof txt));
}

static void on_leader(const vt_answer *a, void *ud) {
  flight *fl = ud;
  vt_flights *f = fl->owner;
  /* unlink first: a waiter's callback may start an identical call */
  flight **pp = &f->buckets[fl->bucket];
  while (*pp && *pp != fl) pp = &(*pp)->next;
  if (*pp) *pp = fl->next;
  const char *by = a->served_by ? a->served_by : "";
  bool from_store = !strcmp(by, "cache") || !strcmp(by, "lmdb") || !strcmp(by, "redis");
  if (fl->cacheable && storable(a) && !from_store) {
    vt_cache_meta m = {.block_number = fl->block,
                       .finalized = fl->block + FINALITY_DEPTH <= f->pool->head};
    meta_trust(&m, &a->trust);
    if (!f->mem_off && vt_cache_put(f->cache, fl->key, fl->klen, a->result, a->len, &m) == VT_CACHE_OK)
      f->st.stored++;
    if (m.finalized && f->lmdb && vt_lmdb_put(f->lmdb, fl->key, fl->klen, a->result, a->len, &m, NULL) == VT_LMDB_OK)
      f->st.lmdb_stored++;
    if (f->redis && vt_redis_put(f->redis, fl->key, fl->klen, a->result, a->len, &m)) f->st.redis_stored++;
  }
  char sk[96];
  size_t sklen;
  vt_answer stale;
  if (f->cfg->degraded_stale && stale_key(fl->key, fl->klen, sk, &sklen)) {
    const uint8_t *val;
    size_t vlen;
    vt_cache_meta sm;
    if (a->outcome == VT_CALL_OK && a->trust.tier == VT_TRUST_VERIFIED) {
      vt_cache_meta m = {.block_number = fl->block};
      meta_trust(&m, &a->trust);
      (void)vt_cache_put(f->cache, sk, sklen, a->result, a->len, &m);
    } else if (a->outcome == VT_CALL_UNAVAILABLE && vt_cache_get(f->cache, sk, sklen, &val, &vlen, &sm)) {
      /* nothing can be proven now: the last proven value, saying how old it is */
      uint64_t now = vt_cache_now_ms();
      unsigned age = now > sm.inserted_ms ? (unsigned)((now - sm.inserted_ms) / 1000) : 0;
      stale = *a;
      stale.outcome = VT_CALL_OK;
      stale.result = (const char *)val;
      stale.len = vlen;
      stale.trust = (vt_trust){.tier = VT_TRUST_STALE, .age_s = age, .block = sm.block_number};
      stale.served_by = "cache";
      a = &stale;
      f->st.stale++;
    }
  }
  waiter *w = fl->waiters;
  while (w) {
    waiter *next = w->next;
    w->cb(a, w->ud);
    free(w);
    w = next;
  }
  free(fl);
}

/* Copy a hit from a lower tier into memory and answer from there (the memory copy is
 * what the answer borrows). */
static void answer_hit(vt_flights *f, flight *fl, const uint8_t *val, size_t vlen, const vt_cache_meta *m,
                       const char *from);

static void start_leader(flight *fl) {
  vt_flights *f = fl->owner;
  vt_job job = {
      .m = fl->m,
      .method = fl->key,
      .params = vt_span_of(fl->key + strlen(fl->key) + 1, fl->klen - strlen(fl->key) - 1),
      .plan = &fl->plan,
  };
  if (fl->carry(fl->carry_ctx, &job, on_leader, fl) != 0) {
    vt_answer a = {.outcome = VT_CALL_UNAVAILABLE, .result = "{\"reason\":\"out of memory\"}",
                   .method = fl->key, .t_start_ms = uv_now(f->loop)};
    a.len = strlen(a.result);
    on_leader(&a, fl);
  }
}

static void on_redis(void *ud, vt_redis_result res, const uint8_t *val, size_t vlen, const vt_cache_meta *meta) {
  flight *fl = ud;
  vt_flights *f = fl->owner;
  vt_trust t;
  if (res == VT_REDIS_HIT && meta && vt_trust_parse(meta->trust, &t) && vt_trust_cacheable(&t)) {
    f->st.redis_hits++;
    answer_hit(f, fl, val, vlen, meta, "redis");
    return;
  }
  if (res == VT_REDIS_MISS) f->st.redis_misses++;
  else f->st.redis_unavailable++;
  start_leader(fl);
}

static void answer_hit(vt_flights *f, flight *fl, const uint8_t *val, size_t vlen, const vt_cache_meta *m,
                       const char *from) {
  vt_cache_meta copy = *m;
  const uint8_t *mv = val;
  size_t ml = vlen;
  vt_cache_meta mm;
  if (!f->mem_off && vt_cache_put(f->cache, fl->key, fl->klen, val, vlen, &copy) == VT_CACHE_OK &&
      vt_cache_get(f->cache, fl->key, fl->klen, &mv, &ml, &mm))
    copy = mm;
  vt_answer a = {.outcome = VT_CALL_OK, .result = (const char *)mv, .len = ml, .served_by = from,
                 .method = fl->key, .t_start_ms = uv_now(f->loop)};
  (void)vt_trust_parse(copy.trust, &a.trust);
  on_leader(&a, fl);
}

int vt_flight_run(vt_flights *f, const vt_job *call, vt_carry_fn carry, void *carry_ctx, vt_answer_cb cb, void *ud) {
  char key[KEY_MAX];
  size_t klen;
  if (!make_key(key, &klen, call->method, call->params)) return carry(carry_ctx, call, cb, ud); /* too long to share */
  uint64_t block = 0;
  bool can_cache = cacheable(f->pool, call->plan, &block);
  if (can_cache) {
    const uint8_t *val;
    size_t vlen;
    vt_cache_meta m;
    if (!f->mem_off && vt_cache_get(f->cache, key, klen, &val, &vlen, &m)) {
      f->st.hits++;
      vt_answer a = {.outcome = VT_CALL_OK, .result = (const char *)val, .len = vlen, .served_by = "cache",
                     .method = call->method, .t_start_ms = uv_now(f->loop)};
      (void)vt_trust_parse(m.trust, &a.trust);
      cb(&a, ud);
      return 0;
    }
    f->st.misses++;
  }
  size_t b = hash_key(key, klen);
  waiter *w = calloc(1, sizeof *w);
  if (!w) return -1;
  w->cb = cb;
  w->ud = ud;
  for (flight *fl = f->buckets[b]; fl; fl = fl->next) {
    if (fl->klen == klen && memcmp(fl->key, key, klen) == 0 && fl->nwaiters < FLIGHT_MAX_WAITERS) {
      *fl->tail = w;
      fl->tail = &w->next;
      fl->nwaiters++;
      f->st.joined++;
      return 0;
    }
  }
  flight *fl = calloc(1, sizeof *fl);
  if (!fl) { free(w); return -1; }
  fl->owner = f;
  fl->bucket = b;
  memcpy(fl->key, key, klen);
  fl->klen = klen;
  fl->cacheable = can_cache;
  fl->block = block;
  fl->waiters = w;
  fl->tail = &w->next;
  fl->nwaiters = 1;
  fl->m = call->m;
  fl->plan = *call->plan;
  fl->plan.params = NULL;
  fl->plan.params_len = 0;
  fl->carry = carry;
  fl->carry_ctx = carry_ctx;
  fl->next = f->buckets[b];
  f->buckets[b] = fl;
  if (can_cache && f->lmdb) {
    uint8_t *val = NULL;
    size_t vlen = 0;
    vt_cache_meta m;
    if (vt_lmdb_get(f->lmdb, key, klen, &val, &vlen, &m) == VT_LMDB_OK && val) {
      f->st.lmdb_hits++;
      answer_hit(f, fl, val, vlen, &m, "lmdb");
      free(val);
      return 0;
    }
    free(val);
  }
  if (can_cache && f->redis && vt_redis_get(f->redis, key, klen, on_redis, fl) == 0) return 0;
  start_leader(fl);
  return 0;
}

void vt_flight_reorg(vt_flights *f, uint64_t number) {
  if (f && number > 0) vt_cache_drop_unfinalized_above(f->cache, number - 1);
}

void vt_flight_stats_get(const vt_flights *f, vt_flight_stats *out) {
  *out = f->st;
  out->lmdb = f->lmdb != NULL;
  out->redis = f->redis != NULL;
  if (f->redis) {
    vt_redis_stats rs;
    vt_redis_stats_get(f->redis, &rs);
    out->redis_connected = rs.connected;
  }
  vt_cache_stats cs;
  vt_cache_stats_get(f->cache, &cs);
  out->bytes = cs.bytes;
  out->entries = cs.entries;
  out->budget = f->mem_off ? 0 : cs.budget;
}

/*
 * flight.c: coalescing identical calls, and deciding what the answer cache may hold
 * (see flight.h). The stores themselves (memory, LMDB, Redis, stale values) are the
 * tiers of store/tiers.h, behind one get and one put.
 *
 * Flights in progress live in a small hash table keyed by the call's key; each holds
 * its waiters in arrival order. The leader's answer is cached first (when allowed),
 * then handed to every waiter; the flight is freed after the last one.
 */
#include "plan/flight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/log.h"
#include "rpc/methods.h"
#include "store/tiers.h"

#define FLIGHT_BUCKETS 1024
#define FLIGHT_MAX_WAITERS 10000
#define FINALITY_DEPTH 64
#define KEY_MAX VT_TIERS_KEY_MAX

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
  vt_tiers *tiers;
  flight *buckets[FLIGHT_BUCKETS];
  vt_flight_stats st;   /* hits, misses, joined, stale (the tiers count the rest) */
};

/* A shared (Redis) entry is served only when it says it was verified or agreed. */
static bool accept_shared(const vt_cache_meta *m) {
  vt_trust t;
  return vt_trust_parse(m->trust, &t) && vt_trust_cacheable(&t);
}

vt_flights *vt_flights_new(uv_loop_t *loop, const vt_config *cfg, const vt_pool *pool, size_t budget, char *err,
                           size_t errlen) {
  vt_flights *f = calloc(1, sizeof *f);
  if (!f) { snprintf(err, errlen, "out of memory"); return NULL; }
  f->loop = loop;
  f->cfg = cfg;
  f->pool = pool;
  vt_tiers_opts o = {.memory = budget, .lmdb_path = cfg->cache_path, .redis_url = cfg->redis_url,
                     .chain_id = cfg->chain_id, .accept = accept_shared};
  f->tiers = vt_tiers_new(loop, &o, err, errlen);
  if (!f->tiers) {
    free(f);
    return NULL;
  }
  return f;
}

struct vt_tiers *vt_flights_tiers(vt_flights *f) { return f->tiers; }

void vt_flights_close(vt_flights *f, void (*done)(void *arg), void *arg) { vt_tiers_close(f->tiers, done, arg); }

void vt_flights_free(vt_flights *f) {
  if (!f) return;
  /* flights still in progress are owned by their calls, which the gateway's stop cancels */
  vt_tiers_free(f->tiers);
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

/* Only answers about a block that can no longer change under the same key: at or
 * below the head, or (with no head, right after a restart) at or below the block the
 * LMDB store knows to be final. */
static bool cacheable(const vt_pool *pool, vt_tiers *tiers, const vt_plan *plan, uint64_t *block) {
  /* `latest` pinned to a head no upstream has confirmed lately is not today's latest:
   * do not answer it from memory (degraded.stale may, saying how old it is) */
  if (plan->pinned_latest && !vt_pool_head_fresh(pool)) return false;
  if (plan->kind == VT_PIN_NUMBER && ((pool->head_known && plan->number <= pool->head) ||
                                      (plan->tag == VT_TAG_NONE && plan->number <= vt_tiers_finalized(tiers) &&
                                       vt_tiers_finalized(tiers) > 0))) {
    *block = plan->number;
    return true;
  }
  if (plan->kind == VT_PIN_HASH) {
    *block = pool->head; /* unknown number: treat as recent */
    return true;
  }
  return false;
}

/* A stored answer says which block it is about when it was stored with the hash of
 * the header it was proven against (the number alone may be a by-hash guess). */
static void answer_block(vt_answer *a, const vt_cache_meta *m) {
  if (!m->has_hash) return;
  a->has_block = a->has_hash = true;
  a->block = m->block_number;
  memcpy(a->block_hash, m->block_hash, 32);
}

static bool storable(const vt_answer *a) { return a->outcome == VT_CALL_OK && vt_trust_cacheable(&a->trust); }

/* The cache codec keeps trust as its text form (trust.h), as it always has. */
static void meta_trust(vt_cache_meta *m, const vt_trust *t) {
  char txt[VT_TRUST_TEXT_MAX];
  snprintf(m->trust, sizeof m->trust, "%s", vt_trust_format(t, txt, sizeof txt));
}

/* degraded.stale: keep the last proven value; when nothing could be answered, *stale
 * becomes that value (saying how old it is) and the answer to give. */
static const vt_answer *stale_mode(vt_flights *f, flight *fl, const vt_answer *a, vt_answer *stale) {
  if (a->outcome == VT_CALL_OK && a->trust.tier == VT_TRUST_VERIFIED) {
    vt_cache_meta m = {.block_number = fl->block};
    meta_trust(&m, &a->trust);
    vt_tiers_stale_put(f->tiers, fl->key, fl->klen, a->result, a->len, &m);
    return a;
  }
  const uint8_t *val;
  size_t vlen;
  vt_cache_meta sm;
  if (a->outcome != VT_CALL_UNAVAILABLE || !vt_tiers_stale_get(f->tiers, fl->key, fl->klen, &val, &vlen, &sm))
    return a;
  uint64_t now = vt_cache_now_ms();
  unsigned age = now > sm.inserted_ms ? (unsigned)((now - sm.inserted_ms) / 1000) : 0;
  *stale = *a;
  stale->outcome = VT_CALL_OK;
  stale->result = (const char *)val;
  stale->len = vlen;
  stale->trust = (vt_trust){.tier = VT_TRUST_STALE, .age_s = age, .block = sm.block_number};
  stale->served_by = "cache";
  f->st.stale++;
  return stale;
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
  /* a block asked by hash: its number is the proven header's, when the prover says */
  if (fl->plan.kind == VT_PIN_HASH && a->has_block) fl->block = a->block;
  /* "no such block" for a hash may stop being true when the block arrives: not kept */
  bool null_by_hash = fl->plan.kind == VT_PIN_HASH && a->len == 4 && memcmp(a->result, "null", 4) == 0;
  if (fl->cacheable && storable(a) && !from_store && !null_by_hash) {
    vt_cache_meta m = {.block_number = fl->block,
                       .finalized = f->pool->head_known && fl->block + FINALITY_DEPTH <= f->pool->head};
    if (a->has_hash) {
      m.has_hash = true;
      memcpy(m.block_hash, a->block_hash, 32);
    }
    meta_trust(&m, &a->trust);
    vt_tiers_put(f->tiers, fl->key, fl->klen, a->result, a->len, &m);
  }
  vt_answer stale;
  if (f->cfg->degraded_stale) a = stale_mode(f, fl, a, &stale);
  waiter *w = fl->waiters;
  while (w) {
    waiter *next = w->next;
    w->cb(a, w->ud);
    free(w);
    w = next;
  }
  free(fl);
}

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

static const char *const tier_names[] = {[VT_TIER_MEMORY] = "cache", [VT_TIER_LMDB] = "lmdb", [VT_TIER_REDIS] = "redis"};

/* With verify on, a stored answer to a provable method is served only when it was
 * proven: an LMDB store written while verify was off, or a Redis shared with an
 * instance that runs verify: false, may hold quorum-labelled answers that this
 * instance must not serve (it proves them again instead). */
static bool proven_enough(const flight *fl, const vt_trust *t) {
  if (!fl->owner->cfg->verify || t->tier == VT_TRUST_VERIFIED) return true;
  const vt_method *m = fl->m ? fl->m : vt_method_find(fl->key);
  return !m || m->verifier == VT_V_NONE;
}

/* A lower tier's answer (LMDB, Redis), or a miss: then the leader goes upstream. */
static void on_tier(void *ud, vt_tier from, const uint8_t *val, size_t vlen, const vt_cache_meta *m) {
  flight *fl = ud;
  if (from == VT_TIER_NONE) {
    start_leader(fl);
    return;
  }
  vt_answer a = {.outcome = VT_CALL_OK, .result = (const char *)val, .len = vlen, .served_by = tier_names[from],
                 .method = fl->key, .t_start_ms = uv_now(fl->owner->loop)};
  if (!vt_trust_parse(m->trust, &a.trust) || !proven_enough(fl, &a.trust)) {
    fl->owner->st.refused_unproven++;
    start_leader(fl);
    return;
  }
  answer_block(&a, m);
  on_leader(&a, fl);
}

/* Join the flight for key, or start one (its leader looks in the lower tiers first when
 * the answer may be cached). */
static int join_or_lead(vt_flights *f, const vt_job *call, const char *key, size_t klen, bool can_cache,
                        uint64_t block, vt_carry_fn carry, void *carry_ctx, waiter *w) {
  size_t b = hash_key(key, klen);
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
  if (!fl) return -1;
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
  if (can_cache) vt_tiers_get(f->tiers, fl->key, fl->klen, on_tier, fl);
  else start_leader(fl);
  return 0;
}

int vt_flight_run(vt_flights *f, const vt_job *call, vt_carry_fn carry, void *carry_ctx, vt_answer_cb cb, void *ud) {
  char key[KEY_MAX];
  size_t klen;
  if (!make_key(key, &klen, call->method, call->params)) return carry(carry_ctx, call, cb, ud); /* too long to share */
  uint64_t block = 0;
  bool can_cache = cacheable(f->pool, f->tiers, call->plan, &block);
  if (can_cache) {
    const uint8_t *val;
    size_t vlen;
    vt_cache_meta m;
    if (vt_tiers_get_memory(f->tiers, key, klen, &val, &vlen, &m)) {
      f->st.hits++;
      vt_answer a = {.outcome = VT_CALL_OK, .result = (const char *)val, .len = vlen, .served_by = "cache",
                     .method = call->method, .t_start_ms = uv_now(f->loop)};
      (void)vt_trust_parse(m.trust, &a.trust);
      answer_block(&a, &m);
      cb(&a, ud);
      return 0;
    }
    f->st.misses++;
  }
  waiter *w = calloc(1, sizeof *w);
  if (!w) return -1;
  w->cb = cb;
  w->ud = ud;
  if (join_or_lead(f, call, key, klen, can_cache, block, carry, carry_ctx, w) != 0) {
    free(w);
    return -1;
  }
  return 0;
}

void vt_flight_reorg(vt_flights *f, uint64_t number) {
  if (f) vt_tiers_reorg(f->tiers, number);
}

void vt_flight_stats_get(const vt_flights *f, vt_flight_stats *out) {
  vt_tiers_stats ts;
  vt_tiers_stats_get(f->tiers, &ts);
  *out = f->st;
  out->stored = ts.stored;
  out->lmdb_hits = ts.lmdb_hits;
  out->lmdb_stored = ts.lmdb_stored;
  out->redis_hits = ts.redis_hits;
  out->redis_misses = ts.redis_misses;
  out->redis_unavailable = ts.redis_unavailable;
  out->redis_stored = ts.redis_stored;
  out->lmdb_finalized = vt_tiers_finalized(f->tiers);
  out->lmdb = ts.lmdb;
  out->redis = ts.redis;
  out->redis_connected = ts.redis_connected;
  out->bytes = ts.bytes;
  out->entries = ts.entries;
  out->budget = ts.budget;
}

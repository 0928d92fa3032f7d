/*
 * flight.c: coalescing identical calls and caching proven answers (see flight.h).
 *
 * Flights in progress live in a small hash table keyed by the call's key; each holds
 * its waiters in arrival order. The leader's answer is cached first (when allowed),
 * then handed to every waiter; the flight is freed after the last one.
 */
#include "gateway/flight.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/call.h"
#include "store/cache.h"

#define FLIGHT_BUCKETS 1024
#define FLIGHT_MAX_WAITERS 10000
#define FINALITY_DEPTH 64
#define KEY_MAX VT_CACHE_KEY_MAX

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
} flight;

struct vt_flights {
  vt_gateway *gw;
  vt_cache *cache;
  flight *buckets[FLIGHT_BUCKETS];
  vt_flight_stats st;
};

vt_flights *vt_flights_new(vt_gateway *gw, size_t budget, char *err, size_t errlen) {
  vt_flights *f = calloc(1, sizeof *f);
  if (!f) { snprintf(err, errlen, "out of memory"); return NULL; }
  f->gw = gw;
  if (budget < VT_CACHE_BUDGET_MIN) budget = VT_CACHE_BUDGET_MIN;
  f->cache = vt_cache_new(budget, err, errlen);
  if (!f->cache) { free(f); return NULL; }
  return f;
}

void vt_flights_free(vt_flights *f) {
  if (!f) return;
  /* flights still in progress are owned by their calls, which the gateway's stop cancels */
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
static bool cacheable(const vt_gateway *gw, const vt_plan *plan, uint64_t *block) {
  /* `latest` pinned to a head no upstream has confirmed lately is not today's latest:
   * do not answer it from memory (degraded.stale may, saying how old it is) */
  if (plan->pinned_latest && !vt_gateway_head_fresh(gw)) return false;
  if (plan->kind == VT_PIN_NUMBER && gw->head_known && plan->number <= gw->head) {
    *block = plan->number;
    return true;
  }
  if (plan->kind == VT_PIN_HASH) {
    *block = gw->head; /* unknown number: treat as recent */
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

static bool storable(const vt_answer *a) {
  return a->outcome == VT_CALL_OK && a->trust &&
         (strncmp(a->trust, "verified", 8) == 0 || strncmp(a->trust, "quorum", 6) == 0);
}

static void on_leader(const vt_answer *a, void *ud) {
  flight *fl = ud;
  vt_flights *f = fl->owner;
  /* unlink first: a waiter's callback may start an identical call */
  flight **pp = &f->buckets[fl->bucket];
  while (*pp && *pp != fl) pp = &(*pp)->next;
  if (*pp) *pp = fl->next;
  if (fl->cacheable && storable(a)) {
    vt_cache_meta m = {.block_number = fl->block,
                       .finalized = fl->block + FINALITY_DEPTH <= f->gw->head};
    snprintf(m.trust, sizeof m.trust, "%s", a->trust);
    if (vt_cache_put(f->cache, fl->key, fl->klen, a->result, a->len, &m) == VT_CACHE_OK) f->st.stored++;
  }
  char sk[96];
  size_t sklen;
  vt_answer stale;
  char trust[64];
  if (f->gw->cfg->degraded_stale && stale_key(fl->key, fl->klen, sk, &sklen)) {
    const uint8_t *val;
    size_t vlen;
    vt_cache_meta sm;
    if (a->outcome == VT_CALL_OK && a->trust && strncmp(a->trust, "verified", 8) == 0) {
      vt_cache_meta m = {.block_number = fl->block};
      snprintf(m.trust, sizeof m.trust, "%s", a->trust);
      (void)vt_cache_put(f->cache, sk, sklen, a->result, a->len, &m);
    } else if (a->outcome == VT_CALL_UNAVAILABLE && vt_cache_get(f->cache, sk, sklen, &val, &vlen, &sm)) {
      /* nothing can be proven now: the last proven value, saying how old it is */
      uint64_t now = vt_cache_now_ms();
      unsigned age = now > sm.inserted_ms ? (unsigned)((now - sm.inserted_ms) / 1000) : 0;
      snprintf(trust, sizeof trust, "stale:%u block=0x%llx", age, (unsigned long long)sm.block_number);
      stale = *a;
      stale.outcome = VT_CALL_OK;
      stale.result = (const char *)val;
      stale.len = vlen;
      stale.trust = trust;
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

int vt_flight_run(vt_flights *f, const char *method, vt_span params, const vt_plan *plan, vt_flight_start start,
                  void *start_arg, vt_answer_cb cb, void *ud) {
  vt_gateway *gw = f->gw;
  char key[KEY_MAX];
  size_t klen;
  if (!make_key(key, &klen, method, params)) return start(gw, start_arg, cb, ud); /* too long to share */
  uint64_t block = 0;
  bool can_cache = cacheable(gw, plan, &block);
  if (can_cache) {
    const uint8_t *val;
    size_t vlen;
    vt_cache_meta m;
    if (vt_cache_get(f->cache, key, klen, &val, &vlen, &m)) {
      f->st.hits++;
      vt_answer a = {.outcome = VT_CALL_OK, .result = (const char *)val, .len = vlen, .served_by = "cache",
                     .trust = m.trust, .method = method, .t_start_ms = vt_now_ms(gw)};
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
  fl->next = f->buckets[b];
  f->buckets[b] = fl;
  if (start(gw, start_arg, on_leader, fl) != 0) {
    f->buckets[b] = fl->next;
    free(w);
    free(fl);
    return -1;
  }
  return 0;
}

void vt_flight_reorg(vt_flights *f, uint64_t number) {
  if (f && number > 0) vt_cache_drop_unfinalized_above(f->cache, number - 1);
}

void vt_flight_stats_get(const vt_flights *f, vt_flight_stats *out) {
  *out = f->st;
  vt_cache_stats cs;
  vt_cache_stats_get(f->cache, &cs);
  out->bytes = cs.bytes;
  out->entries = cs.entries;
  out->budget = cs.budget;
}

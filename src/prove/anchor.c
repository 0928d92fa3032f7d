/*
 * anchor.c: anchored headers (see anchor.h).
 *
 * A lookup that misses the cache joins (or creates) a pending entry for its key;
 * the pending entry runs one vt_call: eth_getBlockByNumber(N,false) with agreement
 * k (quorum) or only trusted upstreams (trusted), or eth_getBlockByHash(H,false)
 * (by hash). The call's check decodes each upstream's header and recomputes its hash
 * (an upstream whose header does not hash to what it claims is charged with a wrong
 * answer); the vote is on the hash. Waiters are called in order when it finishes.
 */
#include "prove/anchor.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "pool/call.h"
#include "obs/log.h"

#define CACHE_SLOTS 512
#define MAX_WAITERS 4096
#define MAX_PENDING 256
#define SEEN_MAX 4

const char vt_anchor_absent[] = "no such block: the upstreams agree it does not exist (yet)";
/* Headers this close to the head may still be reorged away: re-anchor them after a while. */
#define RECENT_BLOCKS 64
#define RECENT_TTL_MS 12000

typedef struct waiter {
  struct waiter *next;
  vt_anchor_cb cb;
  void *ud;
} waiter;

typedef struct pending {
  struct pending *next;
  vt_anchor *a;
  bool by_hash;
  uint64_t number;
  uint8_t hash[32];
  waiter *waiters, **tail;
  unsigned nwaiters;
  /* headers seen from upstreams, by hash: the one that wins the vote is used */
  vc_header seen[SEEN_MAX];
  unsigned nseen;
} pending;

struct vt_anchor {
  vt_pool *pool;
  vt_beacon *beacon;
  vt_history_fn history;
  void *history_ud;
  unsigned history_walk;
  vt_anchor_reorg_fn on_reorg;
  void *reorg_ud;
  vt_l1_cover_fn l1;
  void *l1_ud;
  vt_anchored cache[CACHE_SLOTS];
  bool used[CACHE_SLOTS];
  pending *pend;
  unsigned npend;
};

vt_anchor *vt_anchor_new(vt_pool *pool, vt_beacon *beacon, vt_anchor_reorg_fn on_reorg, void *reorg_ud) {
  vt_anchor *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->pool = pool;
  a->beacon = beacon;
  a->on_reorg = on_reorg;
  a->reorg_ud = reorg_ud;
  return a;
}

void vt_anchor_free(vt_anchor *a) {
  if (!a) return;
  /* pending calls own their pending entry until they finish; gateway stop cancels them */
  free(a);
}

static size_t slot_of(uint64_t number) { return (size_t)(number % CACHE_SLOTS); }

static bool fresh(const vt_anchor *a, const vt_anchored *e) {
  const vt_pool *pool = a->pool;
  if (e->hdr.number + RECENT_BLOCKS <= pool->head) return true;
  return vt_pool_now_ms(pool) - e->at_ms < RECENT_TTL_MS;
}

static const vt_anchored *cached_number(vt_anchor *a, uint64_t n) {
  size_t s = slot_of(n);
  return a->used[s] && a->cache[s].hdr.number == n && a->cache[s].trust.anchor != VT_ANCHOR_SRC_HASH &&
                 fresh(a, &a->cache[s])
             ? &a->cache[s] : NULL;
}

static const vt_anchored *cached_hash(vt_anchor *a, const uint8_t h[32]) {
  for (size_t i = 0; i < CACHE_SLOTS; i++)
    if (a->used[i] && memcmp(a->cache[i].hdr.hash, h, 32) == 0) return &a->cache[i];
  return NULL;
}

static const vt_anchored *store(vt_anchor *a, const vc_header *h, const vt_trust *trust) {
  size_t s = slot_of(h->number);
  /* a by-hash header never evicts a canonical (by-number) one */
  bool by_hash = trust->anchor == VT_ANCHOR_SRC_HASH;
  if (a->used[s] && by_hash && a->cache[s].hdr.number == h->number && a->cache[s].trust.anchor != VT_ANCHOR_SRC_HASH)
    return NULL;
  if (a->used[s] && a->cache[s].hdr.number == h->number && memcmp(a->cache[s].hdr.hash, h->hash, 32) != 0 &&
      !by_hash) {
    /* the block at this height changed: a reorg. Answers cached about it are stale. */
    VT_LOG(VT_LOG_WARN, "reorg", "block=%llu", (unsigned long long)h->number);
    vt_anchor_forget_above(a, h->number);
    if (a->on_reorg) a->on_reorg(a->reorg_ud, h->number);
  }
  a->cache[s].hdr = *h;
  a->cache[s].at_ms = vt_pool_now_ms(a->pool);
  a->cache[s].trust = *trust;
  a->used[s] = true;
  return &a->cache[s];
}

void vt_anchor_forget_above(vt_anchor *a, uint64_t number) {
  for (size_t i = 0; i < CACHE_SLOTS; i++)
    if (a->used[i] && a->cache[i].hdr.number > number) a->used[i] = false;
}

void vt_anchor_distrust_above(vt_anchor *a, uint64_t number) {
  vt_anchor_forget_above(a, number);
  if (a->on_reorg) a->on_reorg(a->reorg_ud, number + 1);
}

/* The call's check: decode and hash the header; the vote is on "0x<hash>". */
static int check_header(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why,
                        size_t wl) {
  (void)u;
  pending *p = c->opts.check_ud;
  json_error_t je;
  /* JSON_DECODE_ANY: a bare `null` (no such block) is an answer, not malformed JSON */
  json_t *blk = json_loadb(res, n, JSON_DECODE_ANY, &je);
  int rc = -1;
  if (!blk) {
    snprintf(why, wl, "not JSON");
    goto out;
  }
  if (json_is_null(blk)) {
    /* No block. At or below verity's head, by number, the block exists: an upstream
     * that has reached the head and says null is wrong. Past the head, or by hash,
     * "no such block" is an answer that must be agreed on like any other. */
    if (!p->by_hash && p->number <= p->a->pool->head) {
      snprintf(why, wl, "no block at %llu, at or below the head", (unsigned long long)p->number);
      goto out;
    }
    vt_buf_puts(out, "null");
    rc = 0;
    goto out;
  }
  vc_header h;
  vc_err err;
  if (vc_header_from_json(blk, &h, &err) != VC_OK) {
    snprintf(why, wl, "header does not check: %s", err.msg);
    goto out;
  }
  if (p->by_hash && memcmp(h.hash, p->hash, 32) != 0) {
    snprintf(why, wl, "header hashes to another block than the one asked for");
    goto out;
  }
  if (!p->by_hash && h.number != p->number) {
    snprintf(why, wl, "header is for block %llu, asked %llu", (unsigned long long)h.number,
             (unsigned long long)p->number);
    goto out;
  }
  unsigned i;
  for (i = 0; i < p->nseen; i++)
    if (memcmp(p->seen[i].hash, h.hash, 32) == 0) break;
  if (i == p->nseen && p->nseen < SEEN_MAX) p->seen[p->nseen++] = h;
  char hex[70];
  hex[0] = '"';
  vc_hex_encode(h.hash, 32, hex + 1);
  strcat(hex, "\"");
  vt_buf_puts(out, hex);
  rc = 0;
out:
  json_decref(blk);
  return rc;
}

static void finish_pending(pending *p, const vt_anchored *h, const char *why, const char *data,
                           const vt_trust *agreed) {
  vt_anchor *a = p->a;
  pending **pp = &a->pend;
  while (*pp && *pp != p) pp = &(*pp)->next;
  if (*pp) { *pp = p->next; a->npend--; }
  waiter *w = p->waiters;
  while (w) {
    waiter *next = w->next;
    w->cb(h, why, data, agreed, w->ud);
    free(w);
    w = next;
  }
  free(p);
}

static void on_call(vt_call *c, void *ud) {
  pending *p = ud;
  vt_anchor *a = p->a;
  if (c->outcome != VT_CALL_OK) {
    const char *data = c->outcome == VT_CALL_UNAVAILABLE ? c->result : NULL;
    finish_pending(p, NULL, "no header for that block could be anchored", data, NULL);
    vt_call_free(c);
    return;
  }
  if (c->result_len == 4 && memcmp(c->result, "null", 4) == 0) {
    vt_trust agreed = c->trust;
    vt_call_free(c);
    finish_pending(p, NULL, vt_anchor_absent, NULL, &agreed);
    return;
  }
  uint8_t want[32];
  const vc_header *h = NULL;
  if (c->result_len == 68 && vc_hex_decode_fixed(c->result + 1, 66, want, 32) == VC_OK)
    for (unsigned i = 0; i < p->nseen; i++)
      if (memcmp(p->seen[i].hash, want, 32) == 0) h = &p->seen[i];
  if (!h) {
    finish_pending(p, NULL, "internal: agreed header not found", NULL, NULL);
    vt_call_free(c);
    return;
  }
  vt_trust trust = {.tier = VT_TRUST_VERIFIED, .anchor = VT_ANCHOR_SRC_QUORUM, .k = 1, .n = 1};
  if (p->by_hash) trust.anchor = VT_ANCHOR_SRC_HASH;
  else if (a->pool->cfg->anchor_mode == VT_ANCHOR_TRUSTED) trust.anchor = VT_ANCHOR_SRC_TRUSTED;
  else if (c->trust.tier == VT_TRUST_QUORUM) { trust.k = c->trust.k; trust.n = c->trust.n; }
  vc_header copy = *h;
  const vt_anchored *stored = store(a, &copy, &trust);
  vt_anchored tmp;
  if (!stored) {
    tmp.hdr = copy;
    tmp.trust = trust;
    stored = &tmp;
  }
  vt_call_free(c);
  finish_pending(p, stored, NULL, NULL, NULL);
}

static void lookup(vt_anchor *a, bool by_hash, uint64_t number, const uint8_t *hash, vt_anchor_cb cb, void *ud) {
  const vt_anchored *hit = by_hash ? cached_hash(a, hash) : cached_number(a, number);
  if (hit) { cb(hit, NULL, NULL, NULL, ud); return; }
  pending *p;
  for (p = a->pend; p; p = p->next)
    if (p->by_hash == by_hash && (by_hash ? memcmp(p->hash, hash, 32) == 0 : p->number == number)) break;
  waiter *w = calloc(1, sizeof *w);
  if (!w || (p && p->nwaiters >= MAX_WAITERS) || (!p && a->npend >= MAX_PENDING)) {
    free(w);
    cb(NULL, "too many headers being anchored at once", NULL, NULL, ud);
    return;
  }
  w->cb = cb;
  w->ud = ud;
  if (p) {
    *p->tail = w;
    p->tail = &w->next;
    p->nwaiters++;
    return;
  }
  p = calloc(1, sizeof *p);
  if (!p) { free(w); cb(NULL, "out of memory", NULL, NULL, ud); return; }
  p->a = a;
  p->by_hash = by_hash;
  p->number = number;
  if (hash) memcpy(p->hash, hash, 32);
  p->waiters = w;
  p->tail = &w->next;
  p->nwaiters = 1;
  p->next = a->pend;
  a->pend = p;
  a->npend++;
  vt_pool *pool = a->pool;
  char body[200];
  char hx[70];
  const char *method = by_hash ? "eth_getBlockByHash" : "eth_getBlockByNumber";
  if (by_hash) {
    vc_hex_encode(hash, 32, hx);
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":[\"%s\",false]}", method, hx);
  } else {
    snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":[\"0x%llx\",false]}", method,
             (unsigned long long)number);
  }
  vt_plan plan = {.kind = by_hash ? VT_PIN_HASH : VT_PIN_NUMBER, .number = number};
  bool trusted = pool->cfg->anchor_mode == VT_ANCHOR_TRUSTED;
  vt_call_opts o = {
      .check = check_header,
      .check_ud = p,
      .agree = trusted && !by_hash ? 1 : trusted || by_hash ? vt_pool_quorum(pool) : vt_pool_anchor_k(pool),
      /* by number in mode quorum, k of n means k: never fewer because some failed
       * (a header by hash authenticates itself against the hash asked for) */
      .strict = !trusted && !by_hash,
      .only_trusted = trusted && !by_hash,
      .verified = true,
  };
  vt_call *c = vt_call_start_opts(pool, vt_method_find(method), method, body, strlen(body), &plan, &o, on_call, p);
  if (!c) finish_pending(p, NULL, "out of memory", NULL, NULL);
}

/* Light client: the verified head's block hash, then parent hashes down to the block
 * asked for (each header fetched by hash is self-authenticating). */
#define LC_WALK_MAX 256
typedef struct {
  vt_anchor *a;
  uint64_t want;
  bool fallback; /* anchor mode auto: a block the walk cannot reach is anchored by quorum */
  unsigned steps, max_steps;
  bool first_known;    /* from the history contract: the first header must be first_number */
  uint64_t first_number;
  vt_trust trust;
  vt_anchor_cb cb;
  void *ud;
} lc_walk;

/* The walk failed: in mode auto the block is anchored by quorum instead, else why. */
static void lc_fail(lc_walk *w, const char *why, const char *data, const vt_trust *agreed) {
  vt_anchor *a = w->a;
  uint64_t want = w->want;
  bool fallback = w->fallback;
  vt_anchor_cb cb = w->cb;
  void *cb_ud = w->ud;
  free(w);
  if (fallback) lookup(a, false, want, NULL, cb, cb_ud);
  else cb(NULL, why, data, agreed, cb_ud);
}

static void lc_step(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  lc_walk *w = ud;
  if (!h) {
    lc_fail(w, why, data, agreed);
    return;
  }
  if (w->first_known) {
    /* the slot holds block number % 8191's hash: of this block, or one 8191 away */
    w->first_known = false;
    if (h->hdr.number != w->first_number) {
      lc_fail(w, "the history contract's hash is of another block than the one asked for", NULL, NULL);
      return;
    }
  }
  if (h->hdr.number == w->want) {
    vc_header copy = h->hdr;
    const vt_anchored *stored = store(w->a, &copy, &w->trust);
    vt_anchored tmp = {.hdr = copy, .trust = w->trust};
    w->cb(stored ? stored : &tmp, NULL, NULL, NULL, w->ud);
    free(w);
    return;
  }
  if (h->hdr.number < w->want || ++w->steps > w->max_steps) {
    lc_fail(w, "block is too far below the light client's verified head", NULL, NULL);
    return;
  }
  lookup(w->a, true, 0, h->hdr.parent_hash, lc_step, w);
}

void vt_anchor_set_history(vt_anchor *a, vt_history_fn fn, void *ud, unsigned max_walk) {
  a->history = fn;
  a->history_ud = ud;
  a->history_walk = max_walk;
}

static void on_history(const uint8_t *hash, const char *why, void *ud) {
  lc_walk *w = ud;
  if (!hash) {
    char msg[256];
    snprintf(msg, sizeof msg, "the history contract (EIP-2935) could not prove the block hash: %s", why ? why : "?");
    lc_fail(w, msg, NULL, NULL);
    return;
  }
  lookup(w->a, true, 0, hash, lc_step, w);
}

/* More than LC_WALK_MAX below the verified head: the hash of the block (or of the oldest
 * the history contract holds) from a storage proof at the head, then parents from there. */
static void lc_history(vt_anchor *a, const vt_beacon_exec *opt, uint64_t number, bool fallback, vt_anchor_cb cb,
                       void *ud) {
  uint64_t head = opt->block_number;
  uint64_t oldest = head > VT_HISTORY_WINDOW ? head - VT_HISTORY_WINDOW : 0;
  uint64_t from = number >= oldest ? number : oldest;
  if (from - number > a->history_walk) {
    if (fallback) { lookup(a, false, number, NULL, cb, ud); return; }
    char msg[256];
    snprintf(msg, sizeof msg,
             "block %llu is more than %u + %u (anchor.history_walk) blocks below the light client's verified head %llu",
             (unsigned long long)number, VT_HISTORY_WINDOW, a->history_walk, (unsigned long long)head);
    cb(NULL, msg, NULL, NULL, ud);
    return;
  }
  lc_walk *w = calloc(1, sizeof *w);
  if (!w) { cb(NULL, "out of memory", NULL, NULL, ud); return; }
  *w = (lc_walk){.a = a, .want = number, .fallback = fallback, .max_steps = a->history_walk + 1,
                 .first_known = true, .first_number = from, .cb = cb, .ud = ud,
                 .trust = {.tier = VT_TRUST_VERIFIED, .anchor = VT_ANCHOR_SRC_LIGHTCLIENT, .finalized = false}};
  a->history(a->history_ud, head, from, on_history, w);
}

/* fallback (mode auto): what the light client cannot anchor is anchored by quorum. */
static void lc_by_number(vt_anchor *a, uint64_t number, bool fallback, vt_anchor_cb cb, void *ud) {
  vt_beacon_exec opt, fin;
  const vt_anchored *hit = cached_number(a, number);
  if (hit && hit->trust.anchor == VT_ANCHOR_SRC_LIGHTCLIENT) { cb(hit, NULL, NULL, NULL, ud); return; }
  if (!a->beacon || !vt_beacon_head(a->beacon, false, &opt)) {
    if (fallback) lookup(a, false, number, NULL, cb, ud);
    else cb(NULL, "the light client has no verified head yet", NULL, NULL, ud);
    return;
  }
  if (number <= opt.block_number && opt.block_number - number > LC_WALK_MAX && a->history) {
    lc_history(a, &opt, number, fallback, cb, ud);
    return;
  }
  if (number > opt.block_number || (fallback && opt.block_number - number > LC_WALK_MAX)) {
    if (fallback) lookup(a, false, number, NULL, cb, ud);
    else cb(NULL, "block is newer than the light client's verified head", NULL, NULL, ud);
    return;
  }
  bool use_fin = vt_beacon_head(a->beacon, true, &fin) && number <= fin.block_number;
  lc_walk *w = calloc(1, sizeof *w);
  if (!w) { cb(NULL, "out of memory", NULL, NULL, ud); return; }
  w->a = a;
  w->want = number;
  w->fallback = fallback;
  w->max_steps = LC_WALK_MAX;
  w->cb = cb;
  w->ud = ud;
  w->trust = (vt_trust){.tier = VT_TRUST_VERIFIED, .anchor = VT_ANCHOR_SRC_LIGHTCLIENT, .finalized = use_fin};
  lookup(a, true, 0, use_fin ? fin.block_hash : opt.block_hash, lc_step, w);
}

vt_anchor_mode vt_anchor_active(const vt_anchor *a, char *why, size_t wl) {
  char tmp[VT_BEACON_ERR_LEN + 96];
  vt_anchor_mode m = a->pool->cfg->anchor_mode;
  if (!why) { why = tmp; wl = sizeof tmp; }
  if (m != VT_ANCHOR_AUTO) {
    snprintf(why, wl, "anchor.mode is %s", vt_anchor_mode_name(m));
    return m;
  }
  if (!a->beacon) {
    snprintf(why, wl, "no beacon endpoints (anchor.beacon): quorum only");
    return VT_ANCHOR_QUORUM;
  }
  return vt_beacon_synced(a->beacon, why, wl) ? VT_ANCHOR_LIGHTCLIENT : VT_ANCHOR_QUORUM;
}

void vt_anchor_set_l1(vt_anchor *a, vt_l1_cover_fn fn, void *ud) {
  a->l1 = fn;
  a->l1_ud = ud;
}

/* A block whose hash the L1 output fixes: fetched by that hash, kept by number with the
 * L1 trust. */
typedef struct {
  vt_anchor *a;
  uint64_t want;
  vt_trust trust;
  vt_anchor_cb cb;
  void *ud;
} l1_fetch;

static void l1_got(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  l1_fetch *f = ud;
  if (!h) {
    f->cb(NULL, why, data, agreed, f->ud);
  } else if (h->hdr.number != f->want) {
    f->cb(NULL, "the block hash proven on L1 is of another block number", NULL, NULL, f->ud);
  } else {
    vc_header copy = h->hdr;
    const vt_anchored *stored = store(f->a, &copy, &f->trust);
    vt_anchored tmp = {.hdr = copy, .trust = f->trust};
    f->cb(stored ? stored : &tmp, NULL, NULL, NULL, f->ud);
  }
  free(f);
}

/* true when the L1 hook took the request (answered or fetching). */
static bool l1_by_number(vt_anchor *a, uint64_t number, vt_anchor_cb cb, void *ud) {
  uint8_t hash[32];
  vt_trust trust = {0};
  char why[256] = "";
  vt_l1_cover cov = a->l1(a->l1_ud, number, hash, &trust, why, sizeof why);
  if (cov == VT_L1_NOT_COVERED) return false;
  if (cov == VT_L1_REFUSED) {
    cb(NULL, why, NULL, NULL, ud);
    return true;
  }
  const vt_anchored *hit = cached_number(a, number);
  if (hit && hit->trust.anchor == VT_ANCHOR_SRC_L1 && memcmp(hit->hdr.hash, hash, 32) == 0 &&
      hit->trust.l1_status == trust.l1_status) {
    cb(hit, NULL, NULL, NULL, ud);
    return true;
  }
  l1_fetch *f = calloc(1, sizeof *f);
  if (!f) {
    cb(NULL, "out of memory", NULL, NULL, ud);
    return true;
  }
  *f = (l1_fetch){.a = a, .want = number, .trust = trust, .cb = cb, .ud = ud};
  lookup(a, true, 0, hash, l1_got, f);
  return true;
}

void vt_anchor_by_number(vt_anchor *a, uint64_t number, vt_anchor_cb cb, void *ud) {
  if (a->l1 && l1_by_number(a, number, cb, ud)) return;
  vt_anchor_by_number_plain(a, number, cb, ud);
}

void vt_anchor_by_number_plain(vt_anchor *a, uint64_t number, vt_anchor_cb cb, void *ud) {
  vt_anchor_mode m = a->pool->cfg->anchor_mode;
  if (m == VT_ANCHOR_LIGHTCLIENT || (m == VT_ANCHOR_AUTO && vt_anchor_active(a, NULL, 0) == VT_ANCHOR_LIGHTCLIENT)) {
    lc_by_number(a, number, m == VT_ANCHOR_AUTO, cb, ud);
    return;
  }
  lookup(a, false, number, NULL, cb, ud);
}

void vt_anchor_by_hash(vt_anchor *a, const uint8_t hash[32], vt_anchor_cb cb, void *ud) {
  lookup(a, true, 0, hash, cb, ud);
}

bool vt_anchor_lc_finalized(const vt_anchor *a, uint64_t *number) {
  vt_beacon_exec fin;
  if (vt_anchor_active(a, NULL, 0) != VT_ANCHOR_LIGHTCLIENT || !a->beacon || !vt_beacon_head(a->beacon, true, &fin))
    return false;
  *number = fin.block_number;
  return true;
}

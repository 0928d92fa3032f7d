/*
 * redis.c: the shared Redis cache client (contract in redis.h).
 *
 * States: DOWN (waiting on the backoff timer), CONNECTING (the same timer is the connect
 * timeout), READY. One more timer, `tick`, answers gets: requests that cannot be sent
 * (DOWN, overloaded, connection lost) go to the `instant` list and are answered on the
 * next loop turn; sent gets wait on the `waiting` list (deadline order: one timeout for
 * all) and are answered TIMEOUT when their deadline passes. A timed-out get stays owned
 * by hiredis until its reply (or the connection's end) arrives and is freed then.
 *
 * Every command sent (GET, SET, SELECT) pushes its send time onto a ring; every reply
 * callback pops it (hiredis answers in order, and calls every callback with a NULL
 * reply when a connection ends). The ring's head is the oldest outstanding command: if
 * it is older than stall_ms the connection is dropped and rebuilt; its size is the
 * inflight count capped by max_inflight.
 *
 * Reentrancy: user callbacks run from the tick timer or from a hiredis reply callback,
 * never from inside vt_redis_get. NULL replies (connection ending) are never delivered
 * from inside hiredis: they go to `instant`. Closing from a callback is allowed: hiredis
 * defers the free, our contexts carry data = NULL from then on, and r itself is freed
 * only when hiredis holds no request of ours (refs == 0) and both timers are closed.
 */
#include "store/redis_int.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <nettle/memops.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRY_OVERHEAD 128u /* encoded header beyond the value */

typedef enum { ST_DOWN, ST_CONNECTING, ST_READY } conn_state;

typedef struct greq {
  struct greq *prev, *next;
  vt_redis *r;
  vt_redis_get_cb cb;
  void *ud;
  uint64_t deadline;
  vt_redis_result res; /* for the instant list */
  bool answered;       /* the user callback has run */
  bool in_hiredis;     /* hiredis will call on_get_reply for it */
  size_t klen;
  char key[];          /* the full Redis key (the MAC covers it) */
} greq;

typedef struct {
  greq *head, *tail;
} greq_list;

struct vt_redis {
  uv_loop_t *loop;
  vt_redis_conf conf;
  redisAsyncContext *ac;
  conn_state state;
  uv_timer_t conn_timer, tick;
  unsigned backoff_ms;
  unsigned next_ip; /* index into conf.ip: moves on after a failed connect */
  bool want_drop, closing;
  int timers_closed;
  unsigned refs; /* commands hiredis still holds */
  greq_list waiting, instant;
  uint64_t *ring; /* send times of outstanding commands */
  unsigned ring_head, ring_len, ring_cap;
  vt_buf scratch;
  vt_redis_done_cb done;
  void *done_arg;
  vt_redis_stats st;
};

static const char *const result_names[] = {
    [VT_REDIS_HIT] = "hit",         [VT_REDIS_MISS] = "miss",       [VT_REDIS_DOWN] = "down",
    [VT_REDIS_TIMEOUT] = "timeout", [VT_REDIS_ERROR] = "error",     [VT_REDIS_CLOSED] = "closed",
};

const char *vt_redis_result_str(vt_redis_result res) {
  if ((unsigned)res >= sizeof result_names / sizeof result_names[0]) return "unknown";
  return result_names[res];
}

/* ------------------------------------------------------------------ lists ---- */

static void list_push(greq_list *l, greq *q) {
  q->next = NULL;
  q->prev = l->tail;
  if (l->tail) l->tail->next = q;
  else l->head = q;
  l->tail = q;
}

static void list_remove(greq_list *l, greq *q) {
  if (q->prev) q->prev->next = q->next;
  else l->head = q->next;
  if (q->next) q->next->prev = q->prev;
  else l->tail = q->prev;
  q->prev = q->next = NULL;
}

static void ring_push(vt_redis *r) {
  r->ring[(r->ring_head + r->ring_len) % r->ring_cap] = uv_now(r->loop);
  r->ring_len++;
  r->st.inflight = r->ring_len;
}

static void ring_pop(vt_redis *r) {
  if (!r->ring_len) return;
  r->ring_head = (r->ring_head + 1) % r->ring_cap;
  r->ring_len--;
  r->st.inflight = r->ring_len;
}

/* ------------------------------------------------------------------ timers ---- */

static void tick_cb(uv_timer_t *t);

static void rearm(vt_redis *r) {
  if (r->closing) return;
  uint64_t now = uv_now(r->loop), due = UINT64_MAX;
  if (r->instant.head || r->want_drop) due = now;
  if (r->waiting.head && r->waiting.head->deadline < due) due = r->waiting.head->deadline;
  if (r->ring_len && r->state == ST_READY) {
    uint64_t stall = r->ring[r->ring_head] + r->conf.o.stall_ms;
    if (stall < due) due = stall;
  }
  if (due == UINT64_MAX) uv_timer_stop(&r->tick);
  else uv_timer_start(&r->tick, tick_cb, due > now ? due - now : 0, 0);
}

static void answer_later(vt_redis *r, greq *q, vt_redis_result res) {
  q->res = res;
  list_push(&r->instant, q);
  rearm(r);
}

static void count_result(vt_redis *r, vt_redis_result res) {
  uint64_t *const counters[] = {
      [VT_REDIS_HIT] = &r->st.hits,         [VT_REDIS_MISS] = &r->st.misses,
      [VT_REDIS_DOWN] = &r->st.down,        [VT_REDIS_TIMEOUT] = &r->st.timeouts,
      [VT_REDIS_ERROR] = &r->st.errors,     [VT_REDIS_CLOSED] = &r->st.closed,
  };
  (*counters[res])++;
}

/* Run the user callback for a miss-like result. */
static void deliver(vt_redis *r, greq *q, vt_redis_result res) {
  q->answered = true;
  count_result(r, res);
  q->cb(q->ud, res, NULL, 0, NULL);
}

static void maybe_finish(vt_redis *r) {
  if (!r->closing || r->refs || r->timers_closed < 2) return;
  vt_redis_done_cb done = r->done;
  void *arg = r->done_arg;
  free(r->ring);
  vt_buf_free(&r->scratch);
  free(r);
  if (done) done(arg);
}

/* --------------------------------------------------------------- connection ---- */

static void connect_start(vt_redis *r);
static void connect_failed(vt_redis *r);

static void conn_timer_cb(uv_timer_t *t) {
  vt_redis *r = t->data;
  if (r->state == ST_DOWN) {
    connect_start(r);
    return;
  }
  if (r->state == ST_CONNECTING) { /* connect timeout */
    connect_failed(r);
    r->want_drop = true;
    rearm(r);
  }
}

/* A connect failed: the next attempt tries the host's next address. */
static void connect_failed(vt_redis *r) {
  r->st.connect_failures++;
  r->next_ip = (r->next_ip + 1) % r->conf.nip;
}

static void schedule_reconnect(vt_redis *r) {
  if (r->closing) return;
  unsigned b = r->backoff_ms;
  /* +-25% jitter so a fleet does not reconnect in step */
  unsigned jitter = b / 2 ? (unsigned)rand() % (b / 2 + 1) : 0;
  unsigned delay = b - b / 4 + jitter;
  r->backoff_ms = b * 2 > r->conf.o.backoff_max_ms ? r->conf.o.backoff_max_ms : b * 2;
  r->state = ST_DOWN;
  uv_timer_start(&r->conn_timer, conn_timer_cb, delay, 0);
}

/* Free our context; every command's callback runs (NULL reply) before this returns,
 * unless we are inside a hiredis callback, in which case hiredis finishes it later. */
static void conn_drop(vt_redis *r) {
  redisAsyncContext *ac = r->ac;
  r->ac = NULL;
  r->want_drop = false;
  if (ac) {
    ac->data = NULL; /* on_disconnect: not unexpected */
    if (r->state == ST_READY) r->st.disconnects++;
    redisAsyncFree(ac);
  }
  r->state = ST_DOWN;
  r->st.connected = false;
  uv_timer_stop(&r->conn_timer);
}

static void on_select_reply(redisAsyncContext *ac, void *reply, void *priv) {
  (void)ac;
  vt_redis *r = priv;
  redisReply *rp = reply;
  ring_pop(r);
  r->refs--;
  if (rp && rp->type == REDIS_REPLY_ERROR && !r->closing) {
    r->st.errors++;
    r->want_drop = true; /* the wrong database is worse than none */
    rearm(r);
  }
  maybe_finish(r);
}

static void on_connect(const redisAsyncContext *ac, int status) {
  vt_redis *r = ac->data;
  if (!r) return;
  if (status != REDIS_OK) { /* hiredis frees ac after this returns */
    r->ac = NULL;
    connect_failed(r);
    r->st.connected = false;
    uv_timer_stop(&r->conn_timer);
    schedule_reconnect(r);
    return;
  }
  uv_timer_stop(&r->conn_timer);
  r->state = ST_READY;
  r->st.connects++;
  r->st.connected = true;
  if (r->conf.db) {
    char db[16];
    snprintf(db, sizeof db, "%u", r->conf.db);
    const char *argv[2] = {"SELECT", db};
    size_t lens[2] = {6, strlen(db)};
    if (redisAsyncCommandArgv(r->ac, on_select_reply, r, 2, argv, lens) == REDIS_OK) {
      ring_push(r);
      r->refs++;
    } else {
      r->want_drop = true;
    }
  }
  rearm(r);
}

static void on_disconnect(const redisAsyncContext *ac, int status) {
  (void)status;
  vt_redis *r = ac->data;
  if (!r || r->ac != ac) return; /* we dropped it ourselves */
  r->ac = NULL;
  r->st.disconnects++;
  r->st.connected = false;
  schedule_reconnect(r);
}

static void connect_start(vt_redis *r) {
  redisAsyncContext *ac = redisAsyncConnect(r->conf.ip[r->next_ip], r->conf.port);
  if (!ac || ac->err) goto fail;
  ac->data = r;
  if (vt_redis__uv_attach(ac, r->loop) != REDIS_OK) goto fail;
  redisAsyncSetConnectCallback(ac, on_connect);
  redisAsyncSetDisconnectCallback(ac, on_disconnect);
  r->ac = ac;
  r->state = ST_CONNECTING;
  uv_timer_start(&r->conn_timer, conn_timer_cb, r->conf.o.connect_timeout_ms, 0);
  return;
fail:
  if (ac) {
    ac->data = NULL;
    redisAsyncFree(ac);
  }
  connect_failed(r);
  schedule_reconnect(r);
}

/* ------------------------------------------------------------------- tick ---- */

static void tick_cb(uv_timer_t *t) {
  vt_redis *r = t->data;
  uint64_t now = uv_now(r->loop);
  if (r->ring_len && now - r->ring[r->ring_head] >= r->conf.o.stall_ms && r->state == ST_READY) {
    r->st.stalls++;
    r->want_drop = true;
  }
  if (r->want_drop) { /* NULL replies move waiting gets to instant */
    conn_drop(r);
    schedule_reconnect(r);
  }
  while (r->waiting.head && r->waiting.head->deadline <= now && !r->closing) {
    greq *q = r->waiting.head;
    list_remove(&r->waiting, q);
    deliver(r, q, VT_REDIS_TIMEOUT); /* hiredis still holds q; freed at its reply */
  }
  /* Only the requests queued before this turn: callbacks may queue more. */
  greq *last = r->instant.tail;
  while (!r->closing && r->instant.head) {
    greq *q = r->instant.head;
    list_remove(&r->instant, q);
    bool was_last = q == last;
    deliver(r, q, q->res);
    free(q);
    if (was_last) break;
  }
  rearm(r);
}

/* -------------------------------------------------------------- commands ---- */

static bool can_send(const vt_redis *r) {
  return !r->closing && r->state == ST_READY && r->ac && !r->want_drop && r->ring_len < r->ring_cap;
}

/* HMAC-SHA256(secret, redis key | entry), truncated. */
static void entry_mac(const vt_redis *r, const char *key, size_t klen, const uint8_t *e,
                      size_t elen, uint8_t out[VT_REDIS_MAC_LEN]) {
  struct hmac_sha256_ctx ctx = r->conf.mac;
  hmac_sha256_update(&ctx, klen, (const uint8_t *)key);
  hmac_sha256_update(&ctx, elen, e);
  hmac_sha256_digest(&ctx, VT_REDIS_MAC_LEN, out);
}

/* The entry bytes of a reply: with auth, the MAC must match and is cut off. */
static bool reply_entry(const vt_redis *r, const greq *q, const redisReply *rp, const uint8_t **e,
                        size_t *elen) {
  *e = (const uint8_t *)rp->str;
  *elen = rp->len;
  if (!r->conf.auth) return true;
  uint8_t mac[VT_REDIS_MAC_LEN];
  if (*elen < VT_REDIS_MAC_LEN) return false;
  *elen -= VT_REDIS_MAC_LEN;
  entry_mac(r, q->key, q->klen, *e, *elen, mac);
  return memeql_sec(mac, *e + *elen, VT_REDIS_MAC_LEN) != 0;
}

/* Build "<prefix><key>" in buf (sized prefix + VT_CACHE_KEY_MAX). */
static size_t full_key(const vt_redis *r, char *buf, const void *key, size_t klen) {
  memcpy(buf, r->conf.prefix, r->conf.prefix_len);
  memcpy(buf + r->conf.prefix_len, key, klen);
  return r->conf.prefix_len + klen;
}

static void on_get_reply(redisAsyncContext *ac, void *reply, void *priv) {
  (void)ac;
  greq *q = priv;
  vt_redis *r = q->r;
  redisReply *rp = reply;
  ring_pop(r);
  r->refs--;
  q->in_hiredis = false;
  if (q->answered) {
    free(q);
    maybe_finish(r);
    return;
  }
  list_remove(&r->waiting, q);
  if (!rp) {
    answer_later(r, q, r->closing ? VT_REDIS_CLOSED : VT_REDIS_DOWN);
    return;
  }
  r->backoff_ms = r->conf.o.backoff_min_ms; /* Redis answers: a later drop starts over */
  vt_cache_meta meta;
  const uint8_t *val, *e;
  size_t vlen, elen;
  if (rp->type == REDIS_REPLY_STRING && rp->len <= r->conf.o.max_value &&
      reply_entry(r, q, rp, &e, &elen) && vt_cache_entry_decode(e, elen, &meta, &val, &vlen)) {
    q->answered = true;
    r->st.hits++;
    q->cb(q->ud, VT_REDIS_HIT, val, vlen, &meta);
  } else if (rp->type == REDIS_REPLY_NIL) {
    deliver(r, q, VT_REDIS_MISS);
  } else {
    if (rp->type == REDIS_REPLY_STRING) r->st.bad_entries++;
    deliver(r, q, VT_REDIS_ERROR);
  }
  free(q);
}

int vt_redis_get(vt_redis *r, const void *key, size_t klen, vt_redis_get_cb cb, void *ud) {
  if (!r || r->closing || !key || !klen || klen > VT_CACHE_KEY_MAX || !cb) return -1;
  greq *q = calloc(1, sizeof *q + r->conf.prefix_len + klen);
  if (!q) return -1;
  q->r = r;
  q->cb = cb;
  q->ud = ud;
  q->klen = full_key(r, q->key, key, klen);
  r->st.gets++;
  if (!can_send(r)) {
    answer_later(r, q, VT_REDIS_DOWN);
    return 0;
  }
  const char *argv[2] = {"GET", q->key};
  size_t lens[2] = {3, q->klen};
  if (redisAsyncCommandArgv(r->ac, on_get_reply, q, 2, argv, lens) != REDIS_OK) {
    answer_later(r, q, VT_REDIS_DOWN);
    return 0;
  }
  ring_push(r);
  r->refs++;
  q->in_hiredis = true;
  q->deadline = uv_now(r->loop) + r->conf.o.timeout_ms;
  list_push(&r->waiting, q);
  if (r->waiting.head == q) rearm(r);
  return 0;
}

static void on_put_reply(redisAsyncContext *ac, void *reply, void *priv) {
  (void)ac;
  vt_redis *r = priv;
  redisReply *rp = reply;
  ring_pop(r);
  r->refs--;
  if (!rp || rp->type == REDIS_REPLY_ERROR) r->st.put_errors++;
  else {
    r->st.puts_ok++;
    r->backoff_ms = r->conf.o.backoff_min_ms;
  }
  maybe_finish(r);
}

bool vt_redis_put(vt_redis *r, const void *key, size_t klen, const void *val, size_t vlen,
                  const vt_cache_meta *meta) {
  if (!r || r->closing || !key || !klen || klen > VT_CACHE_KEY_MAX || !meta) return false;
  r->st.puts++;
  if (!can_send(r)) {
    r->st.puts_dropped++;
    return false;
  }
  vt_cache_meta m = *meta;
  if (!m.inserted_ms) m.inserted_ms = vt_cache_now_ms();
  char k[sizeof r->conf.prefix + VT_CACHE_KEY_MAX], ttlbuf[16];
  size_t fkl = full_key(r, k, key, klen);
  vt_buf_reset(&r->scratch);
  bool ok = vt_cache_entry_encode(&r->scratch, &m, val, vlen);
  if (ok && r->conf.auth) {
    uint8_t mac[VT_REDIS_MAC_LEN];
    entry_mac(r, k, fkl, (const uint8_t *)r->scratch.data, r->scratch.len, mac);
    ok = vt_buf_append(&r->scratch, mac, sizeof mac);
  }
  if (!ok) {
    r->st.put_errors++; /* bad header or larger than max_value */
    return false;
  }
  unsigned ttl = m.finalized ? r->conf.o.finalized_ttl_ms : r->conf.o.unfinalized_ttl_ms;
  const char *argv[5] = {"SET", k, r->scratch.data, "PX", ttlbuf};
  size_t lens[5] = {3, fkl, r->scratch.len, 2, 0};
  lens[4] = (size_t)snprintf(ttlbuf, sizeof ttlbuf, "%u", ttl);
  if (redisAsyncCommandArgv(r->ac, on_put_reply, r, ttl ? 5 : 3, argv, lens) != REDIS_OK) {
    r->st.puts_dropped++;
    return false;
  }
  ring_push(r);
  r->refs++;
  if (r->ring_len == 1) rearm(r); /* the stall check covers puts too */
  return true;
}

/* --------------------------------------------------------------- lifecycle ---- */

vt_redis *vt_redis_new(uv_loop_t *loop, const char *url, const vt_redis_opts *opts, char *err,
                       size_t errlen) {
  vt_redis *r = NULL, *ret = NULL;
  if (!loop) {
    snprintf(err, errlen, "redis: no loop");
    goto out;
  }
  snprintf(err, errlen, "redis: out of memory");
  r = calloc(1, sizeof *r);
  if (!r || vt_redis__conf(&r->conf, url, opts, err, errlen) != 0) goto out;
  r->loop = loop;
  r->ring_cap = r->conf.o.max_inflight;
  r->ring = calloc(r->ring_cap, sizeof *r->ring);
  if (!r->ring) {
    snprintf(err, errlen, "redis: out of memory");
    goto out;
  }
  vt_buf_init(&r->scratch, r->conf.o.max_value);
  r->backoff_ms = r->conf.o.backoff_min_ms;
  uv_timer_init(loop, &r->conn_timer);
  uv_timer_init(loop, &r->tick);
  r->conn_timer.data = r->tick.data = r;
  connect_start(r);
  ret = r;
  r = NULL;
out:
  if (r) free(r->ring);
  free(r);
  return ret;
}

static void timer_closed(uv_handle_t *h) {
  vt_redis *r = h->data;
  r->timers_closed++;
  maybe_finish(r);
}

void vt_redis_close(vt_redis *r, vt_redis_done_cb done, void *arg) {
  if (!r || r->closing) return;
  r->closing = true;
  r->done = done;
  r->done_arg = arg;
  conn_drop(r); /* NULL replies: waiting gets go to instant as CLOSED */
  while (r->waiting.head) { /* hiredis defers its free inside a callback: answer now */
    greq *q = r->waiting.head;
    list_remove(&r->waiting, q);
    deliver(r, q, VT_REDIS_CLOSED);
  }
  while (r->instant.head) {
    greq *q = r->instant.head;
    list_remove(&r->instant, q);
    deliver(r, q, VT_REDIS_CLOSED);
    free(q);
  }
  uv_timer_stop(&r->conn_timer);
  uv_timer_stop(&r->tick);
  uv_close((uv_handle_t *)&r->conn_timer, timer_closed);
  uv_close((uv_handle_t *)&r->tick, timer_closed);
}

void vt_redis_stats_get(const vt_redis *r, vt_redis_stats *out) {
  memset(out, 0, sizeof *out);
  if (r) *out = r->st;
}

/*
 * subs.c: WebSocket sessions and subscriptions (see subs.h).
 *
 * Delivery is a queue of block numbers walked one block at a time: fetch the header
 * of block N (a vt_call pinned to N), push it to newHeads subscribers, then one
 * eth_getLogs per logs subscriber for block N, then N+1. A block that cannot be
 * fetched is retried on the next head change rather than skipped.
 */
#include "feature/subs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/log.h"
#include "plan/params.h"
#include "pool/call.h"
#include "util/counts.h"

typedef enum { SUB_HEADS, SUB_LOGS } sub_kind;

typedef struct sub {
  struct sub *next;
  vt_ws_sess *sess;
  sub_kind kind;
  char id[20];          /* "0x" + 16 hex */
  char *filter;         /* logs: JSON {"address":…,"topics":…} (no block range) */
} sub;

struct vt_ws_sess {
  vt_subs *subs;
  vt_ws_conn *conn;     /* NULL once closed */
  unsigned refs;
  unsigned nsubs;
  char addr[VT_COUNTS_MAX_KEY]; /* the client's address: its subscriptions count together */
};

struct vt_subs {
  vt_pool *pool;
  sub *list;
  size_t count;
  uint64_t next_block;  /* next block to deliver; 0 = start from the current head */
  uint64_t target;      /* deliver up to here */
  bool busy;            /* a fetch is in flight */
  bool shutdown;
  uint64_t id_seq;
  /* the block being delivered */
  uint64_t cur;
  sub *logs_next;       /* next subscriber to look at for cur */
  sub *logs_cur;        /* the logs subscriber whose eth_getLogs is in flight (NULL if it left) */
  uv_timer_t retry;     /* a block that could not be fetched is tried again after RETRY_MS */
  bool retry_init;
  void (*on_closed)(void *);
  void *on_closed_arg;
  vt_counts *per_client;  /* subscriptions by client address */
  unsigned client_limit;  /* 0 = none */
};

#define RETRY_MS 250

/* --- sessions ------------------------------------------------------------------- */

vt_ws_sess *vt_ws_sess_new(vt_subs *subs, vt_ws_conn *c) {
  vt_ws_sess *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->subs = subs;
  s->conn = c;
  s->refs = 1;
  vt_peer_addr(vt_ws_peer(c), s->addr);
  vt_ws_set_data(c, s);
  return s;
}

const char *vt_ws_sess_addr(const vt_ws_sess *s) { return s ? s->addr : ""; }

void vt_subs_set_client_limit(vt_subs *subs, unsigned limit) { subs->client_limit = limit; }

vt_ws_sess *vt_ws_sess_ref(vt_ws_sess *s) {
  if (s) s->refs++;
  return s;
}

void vt_ws_sess_unref(vt_ws_sess *s) {
  if (s && --s->refs == 0) free(s);
}

void vt_ws_sess_send(vt_ws_sess *s, const char *data, size_t len) {
  if (s && s->conn && vt_ws_send(s->conn, data, len) != 0)
    VT_LOG(VT_LOG_DEBUG, "ws_send_failed", "len=%zu", len);
}

static void remove_where(vt_subs *subs, vt_ws_sess *s, const char *id, bool *found) {
  sub **pp = &subs->list;
  while (*pp) {
    sub *x = *pp;
    if (x->sess == s && (!id || !strcmp(x->id, id))) {
      if (subs->logs_next == x) subs->logs_next = x->next;
      if (subs->logs_cur == x) { subs->logs_cur = NULL; subs->logs_next = x->next; }
      *pp = x->next;
      s->nsubs--;
      subs->count--;
      vt_counts_give(subs->per_client, s->addr, 1);
      free(x->filter);
      vt_ws_sess_unref(x->sess);
      free(x);
      if (found) *found = true;
      if (id) return;
      continue;
    }
    pp = &x->next;
  }
}

void vt_ws_sess_closed(vt_ws_sess *s) {
  s->conn = NULL;
  if (s->subs) remove_where(s->subs, s, NULL, NULL);
  vt_ws_sess_unref(s);
}

/* --- subscribe ------------------------------------------------------------------ */

vt_subs *vt_subs_new(vt_pool *pool) {
  vt_subs *subs = calloc(1, sizeof *subs);
  if (!subs) return NULL;
  subs->pool = pool;
  subs->per_client = vt_counts_new();
  if (!subs->per_client || uv_timer_init(pool->loop, &subs->retry) != 0) {
    vt_counts_free(subs->per_client);
    free(subs);
    return NULL;
  }
  subs->retry.data = subs;
  subs->retry_init = true;
  return subs;
}

size_t vt_subs_count(const vt_subs *subs) { return subs ? subs->count : 0; }

static void on_retry_closed(uv_handle_t *h) {
  vt_subs *subs = h->data;
  subs->retry_init = false;
  if (subs->on_closed) subs->on_closed(subs->on_closed_arg);
}

void vt_subs_shutdown(vt_subs *subs, void (*done)(void *arg), void *arg) {
  subs->shutdown = true;
  subs->on_closed = done;
  subs->on_closed_arg = arg;
  uv_timer_stop(&subs->retry);
  uv_close((uv_handle_t *)&subs->retry, on_retry_closed);
}

void vt_subs_free(vt_subs *subs) {
  if (!subs) return;
  while (subs->list) {
    sub *x = subs->list;
    subs->list = x->next;
    free(x->filter);
    vt_ws_sess_unref(x->sess);
    free(x);
  }
  vt_counts_free(subs->per_client);
  free(subs);
}

/* Keep only address and topics of a logs filter; validated like eth_getLogs params. */
static char *logs_filter(const vt_rpc_call *rc, char *err, size_t n) {
  json_error_t je;
  json_t *arr = json_loadb(rc->params.p, rc->params.n, 0, &je), *f = NULL, *out = NULL;
  char *s = NULL;
  if (!arr || !json_is_array(arr)) { snprintf(err, n, "invalid params: expected [\"logs\", {address, topics}]"); goto out; }
  f = json_array_get(arr, 1);
  out = json_object();
  if (!out) goto out;
  if (f && !json_is_object(f)) { snprintf(err, n, "invalid params: the logs filter must be an object"); goto out; }
  if (f) {
    const char *key;
    json_t *v;
    json_object_foreach(f, key, v) {
      if (strcmp(key, "address") && strcmp(key, "topics")) {
        snprintf(err, n, "invalid params: a logs subscription takes only address and topics, not %.32s", key);
        goto out;
      }
      json_object_set(out, key, v);
    }
  }
  /* reuse eth_getLogs validation: wrap as a getLogs call at block 0 */
  {
    char *txt = json_dumps(out, JSON_COMPACT);
    if (!txt) goto out;
    size_t tl = strlen(txt);
    char *wrapped = malloc(tl + 3);
    if (!wrapped) { free(txt); goto out; }
    wrapped[0] = '[';
    memcpy(wrapped + 1, txt, tl);
    wrapped[tl + 1] = ']';
    wrapped[tl + 2] = 0;
    vt_plan p;
    int rc2 = vt_plan_params(vt_method_find("eth_getLogs"), "logs subscription", vt_span_of(wrapped, tl + 2), 0, true, &p);
    free(wrapped);
    if (rc2 != 0 || p.err_code) {
      snprintf(err, n, "%s", p.err_code ? p.err : "invalid params");
      vt_plan_free(&p);
      free(txt);
      goto out;
    }
    vt_plan_free(&p);
    s = txt;
  }
out:
  json_decref(arr);
  json_decref(out);
  return s;
}

void vt_subs_handle(vt_subs *subs, vt_ws_sess *s, const vt_rpc_call *rc, vt_buf *b) {
  const vt_pool *pool = subs->pool;
  char err[200] = "";
  char kind[32] = "";
  if (!strcmp(rc->method, "eth_unsubscribe")) {
    char id[40] = "";
    const char *q = rc->params.n ? memchr(rc->params.p, '"', rc->params.n) : NULL;
    const char *e = q ? memchr(q + 1, '"', rc->params.n - (size_t)(q + 1 - rc->params.p)) : NULL;
    if (!e || e - q - 1 >= (long)sizeof id) {
      vt_rpc_write_error(b, rc->id, VT_RPC_INVALID_PARAMS, "invalid params: expected [\"<subscription id>\"]", NULL);
      return;
    }
    memcpy(id, q + 1, (size_t)(e - q - 1));
    bool found = false;
    remove_where(subs, s, id, &found);
    vt_rpc_write_result(b, rc->id, found ? "true" : "false", found ? 4 : 5);
    return;
  }
  /* eth_subscribe ["newHeads"] or ["logs", {…}] */
  const char *q = rc->params.n ? memchr(rc->params.p, '"', rc->params.n) : NULL;
  const char *e = q ? memchr(q + 1, '"', rc->params.n - (size_t)(q + 1 - rc->params.p)) : NULL;
  if (e && e - q - 1 < (long)sizeof kind) memcpy(kind, q + 1, (size_t)(e - q - 1));
  sub_kind k;
  char *filter = NULL;
  if (!strcmp(kind, "newHeads")) k = SUB_HEADS;
  else if (!strcmp(kind, "logs")) {
    k = SUB_LOGS;
    filter = logs_filter(rc, err, sizeof err);
    if (!filter) {
      vt_rpc_write_error(b, rc->id, VT_RPC_INVALID_PARAMS, err[0] ? err : "invalid params", NULL);
      return;
    }
  } else {
    vt_rpc_write_error(b, rc->id, VT_RPC_INVALID_PARAMS,
                       "invalid params: verity serves subscriptions \"newHeads\" and \"logs\"", NULL);
    return;
  }
  char full[200] = "";
  if (s->nsubs >= VT_SUBS_PER_SESSION)
    snprintf(full, sizeof full, "limit exceeded: this connection has %d subscriptions; unsubscribe first",
             VT_SUBS_PER_SESSION);
  else if (subs->count >= VT_SUBS_MAX_TOTAL)
    snprintf(full, sizeof full, "limit exceeded: verity serves %d subscriptions in all; try again later",
             VT_SUBS_MAX_TOTAL);
  else if (!vt_counts_take(subs->per_client, s->addr, 1, subs->client_limit))
    snprintf(full, sizeof full,
             "limit exceeded: your address has %u subscriptions on its connections "
             "(limits.max_subscriptions_per_client); unsubscribe first", subs->client_limit);
  if (full[0]) {
    free(filter);
    vt_rpc_write_error(b, rc->id, VT_RPC_LIMIT_EXCEEDED, full, NULL);
    return;
  }
  sub *x = calloc(1, sizeof *x);
  if (!x) {
    free(filter);
    vt_counts_give(subs->per_client, s->addr, 1);
    vt_rpc_write_error(b, rc->id, VT_RPC_INTERNAL, "out of memory", NULL);
    return;
  }
  x->sess = vt_ws_sess_ref(s);
  x->kind = k;
  x->filter = filter;
  /* ids are unguessable enough to not collide across sessions; not secrets */
  uint64_t v = (++subs->id_seq * 0x9e3779b97f4a7c15ull) ^ (uint64_t)(uintptr_t)x;
  snprintf(x->id, sizeof x->id, "0x%016llx", (unsigned long long)v);
  x->next = subs->list;
  subs->list = x;
  subs->count++;
  s->nsubs++;
  if (!subs->next_block && pool->head_known) subs->next_block = pool->head + 1;
  char res[24];
  int n = snprintf(res, sizeof res, "\"%s\"", x->id);
  vt_rpc_write_result(b, rc->id, res, (size_t)n);
}

/* --- delivery ------------------------------------------------------------------- */

static void pump(vt_subs *subs);

static void on_retry(uv_timer_t *t) { pump(t->data); }

static void push(sub *x, const char *result, size_t n) {
  vt_buf b;
  vt_buf_init(&b, n + 256);
  vt_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":{\"subscription\":\"");
  vt_buf_puts(&b, x->id);
  vt_buf_puts(&b, "\",\"result\":");
  vt_buf_append(&b, result, n);
  vt_buf_puts(&b, "}}");
  if (vt_buf_ok(&b)) vt_ws_sess_send(x->sess, b.data, b.len);
  vt_buf_free(&b);
}

static bool any_kind(const vt_subs *subs, sub_kind k) {
  for (const sub *x = subs->list; x; x = x->next)
    if (x->kind == k) return true;
  return false;
}

static void start_call(vt_subs *subs, const char *method, const char *params, vt_call_done cb) {
  vt_buf up;
  vt_buf_init(&up, 64 * 1024);
  vt_buf_printf(&up, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}", method, params);
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = subs->cur};
  subs->busy = true;
  vt_call *c = vt_buf_ok(&up) ? vt_call_start(subs->pool, vt_method_find(method), method, up.data, up.len, &plan, cb, subs) : NULL;
  vt_buf_free(&up);
  if (!c) subs->busy = false;
}

static void next_logs(vt_subs *subs);

static void on_logs(vt_call *c, void *ud) {
  vt_subs *subs = ud;
  subs->busy = false;
  sub *x = subs->logs_cur;
  subs->logs_cur = NULL;
  if (x) subs->logs_next = x->next;
  if (c->outcome == VT_CALL_OK && x && !subs->shutdown) {
    /* push each log of the array as its own notification */
    json_error_t je;
    json_t *arr = json_loadb(c->result, c->result_len, 0, &je);
    size_t i;
    json_t *log;
    if (json_is_array(arr)) {
      json_array_foreach(arr, i, log) {
        char *t = json_dumps(log, JSON_COMPACT);
        if (t) push(x, t, strlen(t));
        free(t);
      }
    }
    json_decref(arr);
  }
  vt_call_free(c);
  next_logs(subs);
}

static void next_logs(vt_subs *subs) {
  while (subs->logs_next && subs->logs_next->kind != SUB_LOGS) subs->logs_next = subs->logs_next->next;
  if (subs->shutdown) return;
  if (!subs->logs_next) {
    subs->next_block = subs->cur + 1;
    pump(subs);
    return;
  }
  /* [{"fromBlock":"0xN","toBlock":"0xN", …filter}] */
  const char *f = subs->logs_next->filter;
  char params[8192];
  int n = snprintf(params, sizeof params, "[{\"fromBlock\":\"0x%llx\",\"toBlock\":\"0x%llx\"%s%.*s]",
                   (unsigned long long)subs->cur, (unsigned long long)subs->cur,
                   strlen(f) > 2 ? "," : "", strlen(f) > 2 ? (int)strlen(f) - 1 : 1, strlen(f) > 2 ? f + 1 : "}");
  if (n <= 0 || (size_t)n >= sizeof params) { subs->logs_next = subs->logs_next->next; next_logs(subs); return; }
  subs->logs_cur = subs->logs_next;
  start_call(subs, "eth_getLogs", params, on_logs);
}

static void on_header(vt_call *c, void *ud) {
  vt_subs *subs = ud;
  subs->busy = false;
  bool ok = c->outcome == VT_CALL_OK && c->result_len > 4 && !subs->shutdown;
  if (ok) {
    for (sub *x = subs->list; x; x = x->next)
      if (x->kind == SUB_HEADS) push(x, c->result, c->result_len);
  }
  vt_call_free(c);
  if (!ok) {
    /* not fetched (the upstreams that have it are failing): try again shortly */
    if (!subs->shutdown) uv_timer_start(&subs->retry, on_retry, RETRY_MS, 0);
    return;
  }
  subs->logs_next = subs->list;
  next_logs(subs);
}

static void pump(vt_subs *subs) {
  if (subs->busy || subs->shutdown || !subs->count) return;
  if (subs->next_block > subs->target) return;
  if (subs->target - subs->next_block >= VT_SUBS_MAX_CATCHUP)
    subs->next_block = subs->target - VT_SUBS_MAX_CATCHUP + 1;
  subs->cur = subs->next_block;
  if (!any_kind(subs, SUB_HEADS)) {
    subs->logs_next = subs->list;
    next_logs(subs);
    return;
  }
  char params[48];
  snprintf(params, sizeof params, "[\"0x%llx\",false]", (unsigned long long)subs->cur);
  start_call(subs, "eth_getBlockByNumber", params, on_header);
}

void vt_subs_on_head(vt_subs *subs, uint64_t old_head, uint64_t new_head) {
  if (!subs || !subs->count) {
    if (subs) subs->next_block = new_head + 1;
    return;
  }
  if (!subs->next_block) subs->next_block = old_head + 1;
  if (new_head > subs->target) subs->target = new_head;
  pump(subs);
}

/*
 * h1client.c: HTTP/1.1 keep-alive client for plain http:// upstreams (see h1client.h
 * for the contract, which is fetch.h's): requests, per-origin pools with their FIFO
 * wait queues, name resolution, and the public API. Connections are in h1conn.c,
 * URL and header handling in h1wire.c; h1pool.h holds what they share.
 *
 * Objects and ownership:
 *  - vt_h1 owns origins (one per host:port, kept until close), request objects
 *    (vt_h1_req, recycled through a free list, each with its own uv_timer_t) and,
 *    through the origins, connections (h1conn: a uv_tcp_t and a uv_timer_t).
 *  - A request is in exactly one place: an origin's FIFO wait queue (RQ_QUEUED), bound
 *    to a connection (RQ_CONN: connecting, or written and awaiting its reply), or
 *    waiting for a 0 ms timer to report an early failure (RQ_FAILING), so that no
 *    callback ever runs inside vt_h1_start().
 *  - A connection (h1conn.c) is on its origin's busy list (connecting or serving) or
 *    idle stack. The response body goes into the connection's buffer, which is reset
 *    only when the next reply begins, so a callback may start a request that reuses
 *    the same connection while it reads the body.
 *  - Memory is released only in uv close callbacks; the client itself is freed when
 *    the last handle (its guard timer, requests' and connections' handles, pending
 *    getaddrinfo requests) is through.
 *
 * Ordering rule that keeps re-entrancy simple: every path that completes a request
 * first detaches it, closes or parks the connection, refills the pool from the wait
 * queue, and only then runs the user callback, as the last thing it does.
 */
#include "net/h1pool.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- client teardown ---- */

void vt_h1__maybe_finish(vt_h1 *c) {
  if (!c->closing || c->open) return;
  void (*done)(void *) = c->done;
  void *arg = c->done_arg;
  while (c->origins) {
    vt_h1_origin *o = c->origins;
    c->origins = o->next;
    free(o);
  }
  free(c);
  if (done) done(arg);
}

static void on_guard_closed(uv_handle_t *h) {
  vt_h1 *c = h->data;
  c->open--;
  vt_h1__maybe_finish(c);
}

/* ---- requests ---- */

static void on_req_closed(uv_handle_t *h) {
  vt_h1_req *q = h->data;
  vt_h1 *c = q->c;
  vt_buf_free(&q->out);
  free(q);
  c->open--;
  vt_h1__maybe_finish(c);
}

static vt_h1_req *req_acquire(vt_h1 *c) {
  vt_h1_req *q = c->free_list;
  if (q) {
    c->free_list = q->next;
    c->nfree--;
    q->next = NULL;
    return q;
  }
  q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->c = c;
  vt_buf_init(&q->out, VT_H1_REQ_MAX);
  uv_timer_init(c->loop, &q->timer); /* cannot fail */
  q->timer.data = q;
  c->open++;
  return q;
}

static void req_release(vt_h1_req *q) {
  vt_h1 *c = q->c;
  uv_timer_stop(&q->timer);
  q->state = RQ_FREE;
  q->cb = NULL;
  q->ud = NULL;
  q->o = NULL;
  q->conn = NULL;
  q->prev = q->next = q->qprev = q->qnext = NULL;
  if (c->closing || c->nfree >= VT_H1_FREE_REQS_MAX) {
    uv_close((uv_handle_t *)&q->timer, on_req_closed);
    return;
  }
  if (q->out.cap > VT_H1_KEEP_BUF_MAX) vt_buf_free(&q->out);
  vt_buf_reset(&q->out);
  q->next = c->free_list;
  c->free_list = q;
  c->nfree++;
}

static void active_link(vt_h1 *c, vt_h1_req *q) {
  q->prev = NULL;
  q->next = c->active;
  if (c->active) c->active->prev = q;
  c->active = q;
  c->stats.in_flight++;
  c->stats.started++;
}

static void active_unlink(vt_h1 *c, vt_h1_req *q) {
  if (q->prev) q->prev->next = q->next;
  else c->active = q->next;
  if (q->next) q->next->prev = q->prev;
  q->prev = q->next = NULL;
  c->stats.in_flight--;
}

static void queue_push(vt_h1_origin *o, vt_h1_req *q, bool front) {
  q->state = RQ_QUEUED;
  q->qprev = q->qnext = NULL;
  if (!o->qhead) {
    o->qhead = o->qtail = q;
  } else if (front) {
    q->qnext = o->qhead;
    o->qhead->qprev = q;
    o->qhead = q;
  } else {
    q->qprev = o->qtail;
    o->qtail->qnext = q;
    o->qtail = q;
  }
}

static void queue_unlink(vt_h1_origin *o, vt_h1_req *q) {
  if (q->qprev) q->qprev->qnext = q->qnext;
  else o->qhead = q->qnext;
  if (q->qnext) q->qnext->qprev = q->qprev;
  else o->qtail = q->qprev;
  q->qprev = q->qnext = NULL;
}

/* Run the callback (the request is already detached from queue and connection). */
void vt_h1__deliver(vt_h1_req *q, vt_fetch_result *r) {
  vt_h1 *c = q->c;
  active_unlink(c, q);
  uv_timer_stop(&q->timer);
  q->state = RQ_DELIVERING;
  r->elapsed_ms = (double)(uv_hrtime() - q->start_ns) / 1e6;
  if (r->error == VT_FETCH_OK) {
    c->stats.completed++;
    c->stats.bytes_in += r->body_len;
  } else {
    c->stats.failed++;
  }
  q->cb(r, q->ud);
  req_release(q);
}

void vt_h1__fail(vt_h1_req *q, vt_fetch_error e, const char *msg) {
  vt_fetch_result r;
  memset(&r, 0, sizeof r);
  r.error = e;
  r.error_msg = msg;
  r.body = "";
  r.content_type = "";
  r.retry_after_s = -1;
  r.connect_ms = q->connect_ms;
  vt_h1__deliver(q, &r);
}

static void on_req_timer(uv_timer_t *t) {
  vt_h1_req *q = t->data;
  if (q->state == RQ_FAILING) {
    vt_h1__fail(q, q->fail_err, q->msg);
    return;
  }
  if (q->state == RQ_QUEUED) {
    queue_unlink(q->o, q);
  } else if (q->state == RQ_CONN) {
    vt_h1_conn *k = q->conn;
    k->req = NULL;
    q->conn = NULL;
    vt_h1__conn_close(k); /* a late reply must not be read as the next request's */
    vt_h1__pump(q->o);
  }
  snprintf(q->msg, sizeof q->msg, "upstream request timed out after %u ms", q->timeout_ms);
  vt_h1__fail(q, VT_FETCH_E_TIMEOUT, q->msg);
}

/* Report a failure from the loop (never inside vt_h1_start). q must be detached. */
void vt_h1__fail_async(vt_h1_req *q, vt_fetch_error e, const char *msg) {
  if (msg != q->msg) snprintf(q->msg, sizeof q->msg, "%s", msg);
  q->state = RQ_FAILING;
  q->fail_err = e;
  uv_timer_start(&q->timer, on_req_timer, 0, 0);
}

void vt_h1__fmt_uv_err(char *out, size_t n, const char *text, int code) {
  snprintf(out, n, "%s (%s)", text, uv_err_name(code));
}

void vt_h1__fail_uv_async(vt_h1_req *q, int code, bool connected) {
  const vt_h1_err_row *row = vt_h1_uv_error(code);
  vt_h1__fmt_uv_err(q->msg, sizeof q->msg, row->text, code);
  vt_h1__fail_async(q, connected ? row->connected : row->connecting, q->msg);
}

void vt_h1__requeue_front(vt_h1_origin *o, vt_h1_req *q) { queue_push(o, q, true); }

/* ---- origins and name resolution ---- */

static bool origin_addr_ready(const vt_h1_origin *o) {
  return o->literal || (o->have_addr && uv_hrtime() < o->addr_expiry_ns);
}

static void on_resolved(uv_getaddrinfo_t *g, int status, struct addrinfo *res) {
  vt_h1_gai *gr = (vt_h1_gai *)g;
  vt_h1_origin *o = gr->o;
  vt_h1 *c = o->c;
  free(gr);
  o->gai = NULL;
  o->resolving = false;
  c->open--;
  if (c->closing) {
    uv_freeaddrinfo(res);
    vt_h1__maybe_finish(c);
    return;
  }
  const struct addrinfo *a = res;
  while (a && a->ai_family != AF_INET && a->ai_family != AF_INET6) a = a->ai_next;
  if (status == 0 && a && a->ai_addrlen <= sizeof o->addr) {
    memcpy(&o->addr, a->ai_addr, a->ai_addrlen);
    ((struct sockaddr_in *)&o->addr)->sin_port = htons(o->port); /* same offset in v6 */
    o->have_addr = true;
    o->addr_expiry_ns = uv_hrtime() + (uint64_t)VT_H1_DNS_TTL_S * 1000000000u;
    uv_freeaddrinfo(res);
    vt_h1__pump(o);
    return;
  }
  uv_freeaddrinfo(res);
  /* Everyone waiting fails, from their own 0 ms timers (callbacks may start more). */
  char msg[VT_H1_MSG_MAX];
  vt_h1__fmt_uv_err(msg, sizeof msg, vt_h1_uv_error(status ? status : UV_EAI_NONAME)->text, status ? status : UV_EAI_NONAME);
  while (o->qhead) {
    vt_h1_req *q = o->qhead;
    queue_unlink(o, q);
    vt_h1__fail_async(q, VT_FETCH_E_CONNECT, msg);
  }
}

static void origin_resolve(vt_h1_origin *o) {
  vt_h1 *c = o->c;
  if (o->resolving) return;
  vt_h1_gai *gr = calloc(1, sizeof *gr);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = gr ? uv_getaddrinfo(c->loop, &gr->req, on_resolved, o->host, NULL, &hints) : UV_ENOMEM;
  if (rc == 0) {
    gr->o = o;
    o->gai = gr;
    o->resolving = true;
    c->open++;
    return;
  }
  free(gr);
  char msg[VT_H1_MSG_MAX];
  vt_h1__fmt_uv_err(msg, sizeof msg, "could not start resolving upstream host", rc);
  while (o->qhead) {
    vt_h1_req *q = o->qhead;
    queue_unlink(o, q);
    vt_h1__fail_async(q, VT_FETCH_E_CONNECT, msg);
  }
}

/* Hand queued requests to idle connections (newest first) or new ones, within the cap. */
void vt_h1__pump(vt_h1_origin *o) {
  vt_h1 *c = o->c;
  while (o->qhead && !c->closing) {
    vt_h1_req *q = o->qhead;
    if (o->idle && !q->fresh) {
      queue_unlink(o, q);
      vt_h1__conn_take(o->idle, q);
      continue;
    }
    if (c->max_host && o->nconns >= c->max_host) {
      if (!q->fresh || !o->idle) return; /* wait for a connection to free up */
      vt_h1__conn_close(o->idle);               /* make room for the retry's fresh one */
      continue;
    }
    if (!origin_addr_ready(o)) {
      origin_resolve(o);
      return;
    }
    queue_unlink(o, q);
    vt_h1__conn_open(o, q);
  }
}

/* The pool for u's host:port; created on first use (NULL past VT_H1_MAX_ORIGINS or OOM). */
static vt_h1_origin *origin_get(vt_h1 *c, const vt_h1_url *u) {
  char key[sizeof ((vt_h1_origin *)0)->key];
  snprintf(key, sizeof key, "%.*s:%u", (int)u->host_len, u->host, (unsigned)u->port);
  for (char *p = key; *p; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  for (vt_h1_origin *o = c->origins; o; o = o->next)
    if (strcmp(o->key, key) == 0) return o;
  if (c->norigins >= VT_H1_MAX_ORIGINS) return NULL;
  vt_h1_origin *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->c = c;
  memcpy(o->key, key, sizeof key);
  memcpy(o->host, u->host, u->host_len);
  o->port = u->port;
  struct sockaddr_in *v4 = (struct sockaddr_in *)&o->addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&o->addr;
  const char *lit = strcasecmp(o->host, "localhost") == 0 ? "127.0.0.1" : o->host;
  o->literal = uv_ip4_addr(lit, o->port, v4) == 0 || uv_ip6_addr(lit, o->port, v6) == 0;
  o->next = c->origins;
  c->origins = o;
  c->norigins++;
  return o;
}

/* ---- public API ---- */

vt_h1 *vt_h1_new(uv_loop_t *loop, const vt_fetcher_limits *l) {
  vt_fetcher_limits def;
  if (!loop) return NULL;
  if (!l) {
    vt_fetcher_limits_default(&def);
    l = &def;
  }
  vt_h1 *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  signal(SIGPIPE, SIG_IGN); /* a vanished upstream must be an EPIPE, not a dead daemon */
  c->loop = loop;
  c->max_host = l->max_host_connections;
  if (l->keepalive_idle_s > 0) {
    long s = l->keepalive_idle_s > 86400 ? 86400 : l->keepalive_idle_s;
    c->idle_ms = (uint64_t)s * 1000u;
    c->keepalive_s = (unsigned)s;
  }
  uv_timer_init(loop, &c->guard);
  c->guard.data = c;
  c->open = 1;
  return c;
}

vt_h1_req *vt_h1_start(vt_h1 *c, const vt_fetch_opts *o, vt_fetch_cb cb, void *ud) {
  vt_h1_req *q = NULL, *ret = NULL;
  vt_h1_url u;
  if (!c || !o || !cb || c->closing || !vt_h1_opts_valid(o)) goto out;
  q = req_acquire(c);
  if (!q) goto out;
  q->cb = cb;
  q->ud = ud;
  q->start_ns = uv_hrtime();
  q->connect_ms = 0;
  q->retried = q->fresh = false;
  q->timeout_ms = o->timeout_ms;
  q->connect_timeout_ms = o->connect_timeout_ms;
  q->max_response = o->max_response ? o->max_response : VT_FETCH_DEFAULT_MAX_RESPONSE;
  if (q->max_response > VT_FETCH_MAX_RESPONSE_CAP) q->max_response = VT_FETCH_MAX_RESPONSE_CAP;
  bool url_ok = vt_h1_url_parse(o->url, &u);
  vt_h1_origin *org = url_ok ? origin_get(c, &u) : NULL;
  if (url_ok && !org && c->norigins < VT_H1_MAX_ORIGINS) goto out; /* out of memory */
  if (url_ok && !vt_h1_build_request(&q->out, o, &u)) goto out;
  active_link(c, q);
  ret = q;
  q = NULL; /* the in-flight list owns it now */
  if (!url_ok) {
    vt_h1__fail_async(ret, VT_FETCH_E_CONNECT, "malformed upstream URL");
  } else if (!org) {
    vt_h1__fail_async(ret, VT_FETCH_E_CONNECT, "too many distinct upstream hosts");
  } else {
    ret->o = org;
    /* the loop's cached time may be old after a long callback: the timeout counts from now */
    if (o->timeout_ms) {
      uv_update_time(c->loop);
      uv_timer_start(&ret->timer, on_req_timer, o->timeout_ms, 0);
    }
    queue_push(org, ret, false);
    vt_h1__pump(org);
  }
out:
  if (q) req_release(q);
  return ret;
}

void vt_h1_cancel(vt_h1_req *q) {
  if (!q) return;
  vt_h1 *c = q->c;
  switch (q->state) {
  case RQ_QUEUED: queue_unlink(q->o, q); break;
  case RQ_CONN: {
    vt_h1_conn *k = q->conn;
    k->req = NULL;
    q->conn = NULL;
    if (k->state != CN_CONNECTING) { /* written: its reply must never be read */
      vt_h1__conn_close(k);
      vt_h1__pump(q->o);
    }
    break;
  }
  case RQ_FAILING: break;
  case RQ_FREE:
  case RQ_DELIVERING: return;
  }
  active_unlink(c, q);
  c->stats.cancelled++;
  req_release(q);
}

void vt_h1_close(vt_h1 *c, void (*done)(void *arg), void *arg) {
  if (!c || c->closing) return;
  c->closing = true; /* from here vt_h1_start() refuses */
  c->done = done;
  c->done_arg = arg;
  while (c->active) { /* callbacks may cancel others: take the head each time */
    vt_h1_req *q = c->active;
    if (q->state == RQ_QUEUED) queue_unlink(q->o, q);
    if (q->state == RQ_CONN) {
      q->conn->req = NULL;
      q->conn = NULL;
    }
    vt_h1__fail(q, VT_FETCH_E_SHUTDOWN, "fetcher closed while the request was in flight");
  }
  while (c->free_list) {
    vt_h1_req *q = c->free_list;
    c->free_list = q->next;
    uv_close((uv_handle_t *)&q->timer, on_req_closed);
  }
  c->nfree = 0;
  for (vt_h1_origin *o = c->origins; o; o = o->next) {
    while (o->idle) vt_h1__conn_close(o->idle);
    while (o->busy) vt_h1__conn_close(o->busy);
    if (o->gai) uv_cancel((uv_req_t *)&o->gai->req);
  }
  uv_close((uv_handle_t *)&c->guard, on_guard_closed);
}

void vt_h1_get_stats(const vt_h1 *c, vt_h1_stats *out) { *out = c->stats; }

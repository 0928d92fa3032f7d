/*
 * http_server.c: the libuv host of the front door (see http_server.h). It owns the
 * sockets, timers and write requests; everything about HTTP and WebSocket lives in
 * the sans-I/O core (http_conn.c, websocket.c), which this file feeds.
 *
 * Per connection: one uv_tcp_t, one uv_timer_t (the timeout of the connection's
 * current phase, see timer_table) and one uv_idle_t (runs vt_hconn_resume() from the
 * loop when the core holds input it can now process, e.g. after a late response
 * unblocked a pipeline). After every core call, sync() brings reading, the idle
 * handle and the timer in line with the core's state.
 *
 * Closing after a response (errors, Connection: close, websocket close) is graceful:
 * the queued writes go out, then a FIN (uv_shutdown), then the input is drained for
 * up to VT_HTTP_LINGER_MS until the client closes too. Closing at once with unread
 * input would make the kernel send a RST that can destroy the response in flight.
 *
 * Writes: the core hands over malloc'd buffers; uv_try_write sends what it can at
 * once and the rest goes through uv_write (one request, freed in its callback).
 * Responses produced while one read is being processed (pipelined requests answered
 * at once, e.g. from the cache) are gathered, up to VT_HTTP_WRITE_BATCH buffers and
 * VT_HTTP_WRITE_BATCH_BYTES, and leave in one writev when the read is done (or before
 * a close): one syscall, not one each. Large writes are not held back.
 * Memory of a connection is freed when the last of its three handles has closed;
 * that is also where the core is torn down (abort callbacks, on_ws_close).
 * The server is freed, and done() called, when its last handle has closed.
 *
 * Admission (admit.c): every accepted connection asks for a slot by the client's
 * address: regular, reserved (health and metrics only: the core refuses the rest with
 * 503) or none (closed at once, stats.refused). The slot goes back when the connection
 * starts closing (close_now), so a reaped or refused connection frees its slot at
 * once. While the regular slots are all taken, a new connection first reaps the
 * keep-alive connections idle for busy_idle_ms (stats.reaped), and idle timers armed
 * then use busy_idle_ms instead of idle_timeout_ms.
 *
 * A FIN from the client (UV_EOF) is a half-close, not a disappearance: reading stops,
 * the core answers what it already has, then closes; the FIN we send then ends the
 * connection without lingering. Read errors (a reset) abort pending requests.
 */
#include "net/http_server.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/admit.h"
#include "net/http_conn.h"

#define VT_HTTP_READ_BUF (64u * 1024)
#define VT_HTTP_BACKLOG 511
#define VT_HTTP_LINGER_MS 2000u /* drain input after an error response, at most this long */
#define VT_HTTP_WRITE_BATCH 32  /* responses gathered during one read, then one writev */
#define VT_HTTP_WRITE_BATCH_BYTES (64u * 1024) /* and at most this many bytes (bigger: sent at once) */

typedef struct conn conn;

struct vt_http_server {
  uv_loop_t *loop;
  uv_tcp_t listener;
  vt_hctx ctx;
  vt_admit *admit;  /* slots per client address, reserved slots */
  conn *conns;
  unsigned nconn;
  unsigned live; /* handles (listener, connections, refused sockets) not yet closed */
  bool closing;
  void (*done)(void *);
  void *done_arg;
  int port;
  char rbuf[VT_HTTP_READ_BUF]; /* alloc_cb and read_cb run back to back: one buffer */
};

struct conn {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_idle_t idle;
  uv_shutdown_t shutdown;
  vt_hconn core;
  vt_http_server *srv;
  conn *prev, *next;
  unsigned handles;   /* of tcp, timer, idle still open */
  uint8_t addr[VT_ADMIT_ADDR_MAX]; /* the client's address, for admission */
  uint8_t addr_len;
  vt_admit_verdict slot; /* the slot it holds; REFUSED once given back */
  uint64_t last_active;  /* loop time of the last read or completed write */
  size_t writes;      /* uv_write requests in flight */
  uint64_t begun;     /* core.begun when the timer was last armed */
  vt_hphase phase;
  bool reading, closing, graceful, lingering, idle_on, timer_on;
  bool batching;      /* inside a read or resume: gather writes in pend */
  unsigned npend;
  size_t pend_bytes;
  struct { char *buf; size_t len; } pend[VT_HTTP_WRITE_BATCH];
};

typedef struct {
  uv_write_t req;
  conn *c;
  char *buf;
  size_t len; /* what the core counted */
} wreq;

/* What the timer does in each phase: re-arm on reads, on write completions, and which
 * fraction of idle_timeout_ms it runs for. WAITING only runs while writes are stuck. */
static const struct { bool on_read, on_write; unsigned divisor; } timer_table[] = {
    [VT_HC_IDLE] = {true, false, 1},
    [VT_HC_RECEIVING] = {false, false, 1},
    [VT_HC_WAITING] = {false, true, 1},
    [VT_HC_WEBSOCKET] = {true, false, 2},
    [VT_HC_CLOSING] = {false, true, 1},
};

static void sync_conn(conn *c);
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);
static void on_timer(uv_timer_t *t);

void vt_http_limits_default(vt_http_limits *l) {
  l->max_body = 4u << 20;
  l->max_header_bytes = 16u << 10;
  l->max_headers = 64;
  l->max_connections = 4096;
  l->idle_timeout_ms = 60000;
  l->max_ws_message = 4u << 20;
  l->max_ws_queue = 16u << 20;
  l->cors_origin = NULL;
  l->cors_all_paths = false;
  l->max_per_client = 0;       /* max_connections / 4, at least 1 */
  l->reserved_connections = 0; /* max_connections / 16, 1..16, fewer than max_connections */
  l->busy_idle_ms = 5000;
}

/* One row per numeric limit: zero means default; otherwise it must be in range. */
#define LIM_ROW(f, lo, hi) {offsetof(vt_http_limits, f), sizeof(((vt_http_limits *)0)->f), lo, hi}
static const struct { size_t off, size; uint64_t lo, hi; } limit_table[] = {
    LIM_ROW(max_body, 1, 1u << 30),
    LIM_ROW(max_header_bytes, 256, HTTP_MAX_HEADER_SIZE), /* http_parser's own ceiling */
    LIM_ROW(max_headers, 1, 1024),
    LIM_ROW(max_connections, 1, 1000000),
    LIM_ROW(idle_timeout_ms, 10, 86400000),
    LIM_ROW(max_ws_message, 126, 1u << 30),
    LIM_ROW(max_ws_queue, 4096, (uint64_t)4 << 30),
    LIM_ROW(max_per_client, 1, 1000000),
    LIM_ROW(reserved_connections, 1, 1000),
    LIM_ROW(busy_idle_ms, 10, 86400000),
};

static uint64_t lim_get(const vt_http_limits *l, size_t i) {
  const char *p = (const char *)l + limit_table[i].off;
  if (limit_table[i].size == sizeof(size_t)) return *(const size_t *)p;
  return *(const unsigned *)p;
}

static void lim_set(vt_http_limits *l, size_t i, uint64_t v) {
  char *p = (char *)l + limit_table[i].off;
  if (limit_table[i].size == sizeof(size_t)) *(size_t *)p = (size_t)v;
  else *(unsigned *)p = (unsigned)v;
}

static int resolve_limits(vt_hctx *ctx, const vt_http_limits *in) {
  vt_http_limits def;
  vt_http_limits_default(&def);
  ctx->lim = in ? *in : def;
  for (size_t i = 0; i < sizeof limit_table / sizeof limit_table[0]; i++) {
    uint64_t v = lim_get(&ctx->lim, i);
    if (v == 0) lim_set(&ctx->lim, i, lim_get(&def, i));
    else if (v < limit_table[i].lo || v > limit_table[i].hi) return UV_EINVAL;
  }
  vt_http_limits *l = &ctx->lim;
  if (l->max_per_client == 0) l->max_per_client = l->max_connections / 4 ? l->max_connections / 4 : 1;
  if (l->reserved_connections == 0) { /* default: 1..16, and a regular slot left */
    unsigned r = l->max_connections / 16;
    l->reserved_connections = r < 1 ? 1 : r > 16 ? 16 : r;
    if (l->reserved_connections >= l->max_connections) l->reserved_connections = l->max_connections - 1;
  } else if (l->reserved_connections >= l->max_connections) {
    return UV_EINVAL; /* no regular slot would be left */
  }
  const char *o = ctx->lim.cors_origin;
  ctx->lim.cors_origin = NULL;
  if (o && *o) {
    size_t n = strlen(o);
    if (n > VT_HTTP_MAX_CORS_ORIGIN || strpbrk(o, "\r\n")) return UV_EINVAL;
    memcpy(ctx->cors, o, n + 1);
    ctx->lim.cors_origin = ctx->cors;
  }
  return 0;
}

/* ---- server teardown ---- */

static void server_handle_gone(vt_http_server *s) {
  if (--s->live > 0 || !s->closing) return;
  void (*done)(void *) = s->done;
  void *arg = s->done_arg;
  vt_admit_free(s->admit);
  free(s);
  if (done) done(arg);
}

static void on_listener_closed(uv_handle_t *h) { server_handle_gone(h->data); }

static void on_refused_closed(uv_handle_t *h) {
  vt_http_server *s = h->data;
  free(h);
  server_handle_gone(s);
}

/* ---- connections ---- */

static void on_conn_handle_closed(uv_handle_t *h) {
  conn *c = h->data;
  if (--c->handles > 0) return;
  vt_http_server *s = c->srv;
  vt_hconn_teardown(&c->core); /* abort callbacks, on_ws_close */
  if (c->prev) c->prev->next = c->next;
  else s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  s->nconn--;
  free(c);
  server_handle_gone(s);
}

static void drop_pending(conn *c) {
  for (unsigned i = 0; i < c->npend; i++) {
    free(c->pend[i].buf);
    vt_hconn_written(&c->core, c->pend[i].len);
  }
  c->npend = 0;
  c->pend_bytes = 0;
}

static void close_now(conn *c) {
  if (c->closing) return;
  c->closing = true;
  vt_admit_release(c->srv->admit, c->addr, c->addr_len, c->slot); /* free for the next client now */
  c->slot = VT_ADMIT_REFUSED;
  drop_pending(c);
  uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
  uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
  uv_close((uv_handle_t *)&c->idle, on_conn_handle_closed);
}

/* The socket failed or the peer is gone: tell the core (if it does not know yet) and
 * close at once, even when a graceful close was under way. */
static void conn_fail(conn *c) {
  vt_hconn_abort(&c->core);
  close_now(c);
}

static void on_write(uv_write_t *req, int status) {
  wreq *w = (wreq *)req;
  conn *c = w->c;
  c->writes--;
  c->last_active = uv_now(c->srv->loop);
  if (!c->closing) vt_hconn_written(&c->core, w->len);
  free(w->buf);
  free(w);
  if (c->closing) return;
  if (status < 0) {
    conn_fail(c);
    return;
  }
  if (timer_table[c->phase].on_write) c->timer_on = false; /* progress: re-arm in sync */
  sync_conn(c);
}

/* The part of buf from off on goes out through uv_write, after what is queued. */
static void queue_write(conn *c, char *buf, size_t len, size_t off) {
  if (c->closing) {
    free(buf);
    vt_hconn_written(&c->core, len);
    return;
  }
  wreq *w = malloc(sizeof *w);
  if (!w) {
    free(buf);
    vt_hconn_written(&c->core, len);
    conn_fail(c);
    return;
  }
  w->c = c;
  w->buf = buf;
  w->len = len;
  uv_buf_t b = uv_buf_init(buf + off, (unsigned)(len - off));
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write) != 0) {
    free(buf);
    free(w);
    vt_hconn_written(&c->core, len);
    conn_fail(c);
    return;
  }
  c->writes++;
}

/* Send the gathered responses: one writev for all, uv_write for what it left. */
static void flush_pending(conn *c) {
  unsigned n = c->npend;
  if (n == 0) return;
  uv_buf_t b[VT_HTTP_WRITE_BATCH];
  for (unsigned i = 0; i < n; i++) b[i] = uv_buf_init(c->pend[i].buf, (unsigned)c->pend[i].len);
  c->npend = 0;
  c->pend_bytes = 0;
  int wn = c->writes == 0 && !c->closing ? uv_try_write((uv_stream_t *)&c->tcp, b, n) : UV_EAGAIN;
  size_t done = wn > 0 ? (size_t)wn : 0;
  for (unsigned i = 0; i < n; i++) {
    size_t len = b[i].len;
    if (wn < 0 && wn != UV_EAGAIN) { /* the socket failed: drop the rest */
      free(b[i].base);
      vt_hconn_written(&c->core, len);
      continue;
    }
    if (done >= len) {
      done -= len;
      free(b[i].base);
      vt_hconn_written(&c->core, len);
      continue;
    }
    queue_write(c, b[i].base, len, done);
    done = 0;
  }
  if (wn < 0 && wn != UV_EAGAIN) conn_fail(c);
}

static void io_write(void *ud, char *buf, size_t len) {
  conn *c = ud;
  if (c->batching && !c->closing) {
    if (c->npend == VT_HTTP_WRITE_BATCH || c->pend_bytes + len > VT_HTTP_WRITE_BATCH_BYTES) flush_pending(c);
    if (!c->closing && c->writes == 0 && len < VT_HTTP_WRITE_BATCH_BYTES) {
      c->pend[c->npend].buf = buf;
      c->pend[c->npend].len = len;
      c->npend++;
      c->pend_bytes += len;
      return;
    }
  }
  flush_pending(c); /* keeps the order when the batch could not take buf */
  size_t off = 0;
  if (c->writes == 0 && !c->closing) {
    uv_buf_t b = uv_buf_init(buf, (unsigned)len);
    int n = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (n == (int)len) {
      free(buf);
      vt_hconn_written(&c->core, len);
      return;
    }
    if (n < 0 && n != UV_EAGAIN) {
      free(buf);
      vt_hconn_written(&c->core, len);
      conn_fail(c);
      return;
    }
    if (n > 0) off = (size_t)n;
  }
  queue_write(c, buf, len, off);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  conn *c = req->data;
  /* Failed (no-op when already closing: UV_ECANCELED), or both sides are done. */
  if (status < 0 || c->core.peer_eof) close_now(c);
}

/* All writes are out: send FIN and drain input until the client closes or time's up. */
static void start_linger(conn *c) {
  unsigned ms = c->srv->ctx.lim.idle_timeout_ms;
  c->lingering = true;
  c->shutdown.data = c;
  if (uv_shutdown(&c->shutdown, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
    close_now(c);
    return;
  }
  if (!c->reading && !c->core.peer_eof) c->reading = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0;
  uv_timer_start(&c->timer, on_timer, ms < VT_HTTP_LINGER_MS ? ms : VT_HTTP_LINGER_MS, 0);
  c->timer_on = true;
}

static void io_close(void *ud, bool graceful) {
  conn *c = ud;
  flush_pending(c); /* what was answered goes out before the FIN */
  if (c->closing) return;
  if (!graceful) {
    close_now(c);
    return;
  }
  c->graceful = true; /* sync_conn lingers once the writes are done */
  if (c->writes == 0 && !c->lingering) start_linger(c);
}

static void io_kick(void *ud) { sync_conn(ud); }

static const vt_hconn_io conn_io = {io_write, io_close, io_kick};

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf) {
  conn *c = h->data;
  (void)hint;
  *buf = uv_buf_init(c->srv->rbuf, sizeof c->srv->rbuf);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf) {
  conn *c = st->data;
  if (c->closing) return;
  if (c->lingering) { /* discarding until EOF */
    if (nread < 0) close_now(c);
    return;
  }
  if (nread == UV_EOF) { /* a half-close: what was asked is still answered */
    if (c->reading) uv_read_stop(st);
    c->reading = false;
    vt_hconn_eof(&c->core);
    if (!c->closing) sync_conn(c);
    return;
  }
  if (nread < 0) { /* error: the client is gone, pending requests are aborted */
    conn_fail(c);
    return;
  }
  if (nread == 0) return;
  c->last_active = uv_now(c->srv->loop);
  c->batching = true;
  vt_hconn_feed(&c->core, buf->base, (size_t)nread);
  c->batching = false;
  flush_pending(c);
  if (c->closing) return;
  vt_hphase ph = vt_hconn_phase(&c->core);
  if (ph == c->phase && timer_table[ph].on_read) c->timer_on = false; /* activity: re-arm */
  sync_conn(c);
}

static void on_idle(uv_idle_t *h) {
  conn *c = h->data;
  uv_idle_stop(h);
  c->idle_on = false;
  if (c->closing) return;
  c->batching = true;
  vt_hconn_resume(&c->core);
  c->batching = false;
  flush_pending(c);
  if (!c->closing) sync_conn(c);
}

static void on_timer(uv_timer_t *t) {
  conn *c = t->data;
  c->timer_on = false;
  if (c->closing) return;
  if (c->graceful) { /* the writes before a close are stuck, or lingering is over */
    close_now(c);
    return;
  }
  vt_hconn_timeout(&c->core);
  if (!c->closing) sync_conn(c);
}

static void arm_timer(conn *c, vt_hphase ph) {
  const vt_http_limits *l = &c->srv->ctx.lim;
  unsigned ms = l->idle_timeout_ms / timer_table[ph].divisor;
  /* Idle keep-alive while the server is full (or in a reserved slot): reap sooner. */
  if (ph == VT_HC_IDLE && (c->core.reserved || vt_admit_full(c->srv->admit)) && l->busy_idle_ms < ms)
    ms = l->busy_idle_ms;
  c->phase = ph;
  c->begun = c->core.begun;
  if (ph == VT_HC_WAITING && c->writes == 0) {
    uv_timer_stop(&c->timer);
    c->timer_on = false;
    return;
  }
  uv_timer_start(&c->timer, on_timer, ms ? ms : 1, 0);
  c->timer_on = true;
}

/* Bring reading, the resume handle and the timer in line with the core. */
static void sync_conn(conn *c) {
  if (c->closing || c->lingering) return;
  if (c->graceful) {
    if (c->writes == 0) {
      start_linger(c);
      return;
    }
    if (c->reading) uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
    if (!c->timer_on || c->phase != VT_HC_CLOSING) arm_timer(c, VT_HC_CLOSING);
    return;
  }
  bool want = vt_hconn_wants_read(&c->core);
  if (want && !c->reading) c->reading = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) == 0;
  else if (!want && c->reading) {
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = false;
  }
  if (vt_hconn_has_work(&c->core) && !c->idle_on) c->idle_on = uv_idle_start(&c->idle, on_idle) == 0;
  vt_hphase ph = vt_hconn_phase(&c->core);
  bool restart = ph != c->phase || (ph == VT_HC_RECEIVING && c->begun != c->core.begun) ||
                 (ph == VT_HC_WAITING && (c->writes > 0) != c->timer_on) || !c->timer_on;
  if (restart) arm_timer(c, ph);
}

/* The client's "ip:port" for logs, and its address bytes for admission (an
 * IPv4-mapped IPv6 address counts as the IPv4 address it maps). */
static void peer_of(conn *c, char *out, size_t cap) {
  struct sockaddr_storage ss;
  int len = sizeof ss;
  char ip[64] = "?";
  snprintf(out, cap, "?");
  c->addr_len = 0;
  if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) != 0) return;
  if (ss.ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    uv_ip6_name(a, ip, sizeof ip);
    snprintf(out, cap, "[%s]:%d", ip, ntohs(a->sin6_port));
    bool v4 = memcmp(a->sin6_addr.s6_addr, mapped, sizeof mapped) == 0;
    c->addr_len = v4 ? 4 : 16;
    memcpy(c->addr, a->sin6_addr.s6_addr + (v4 ? 12 : 0), c->addr_len);
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
    uv_ip4_name(a, ip, sizeof ip);
    snprintf(out, cap, "%s:%d", ip, ntohs(a->sin_port));
    c->addr_len = 4;
    memcpy(c->addr, &a->sin_addr.s_addr, 4);
  }
}

static void refuse(vt_http_server *s) {
  uv_tcp_t *t = malloc(sizeof *t);
  if (!t || uv_tcp_init(s->loop, t) != 0) {
    free(t);
    return;
  }
  t->data = s;
  s->live++;
  (void)uv_accept((uv_stream_t *)&s->listener, (uv_stream_t *)t);
  s->ctx.stats.refused++;
  uv_close((uv_handle_t *)t, on_refused_closed);
}

/* The server is full: close keep-alive connections idle for busy_idle_ms or more. */
static void reap_idle(vt_http_server *s) {
  uint64_t now = uv_now(s->loop), min_idle = s->ctx.lim.busy_idle_ms;
  for (conn *c = s->conns; c; c = c->next) {
    if (c->closing || c->graceful || vt_hconn_phase(&c->core) != VT_HC_IDLE) continue;
    if (now - c->last_active < min_idle) continue;
    s->ctx.stats.reaped++;
    conn_fail(c);
  }
}

/* A new connection and its uv handles, linked into the server. NULL when out of memory. */
static conn *conn_new(vt_http_server *s) {
  conn *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  if (uv_tcp_init(s->loop, &c->tcp) != 0) {
    free(c);
    return NULL;
  }
  uv_timer_init(s->loop, &c->timer);
  uv_idle_init(s->loop, &c->idle);
  c->tcp.data = c->timer.data = c->idle.data = c;
  c->srv = s;
  c->handles = 3;
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  s->nconn++;
  s->live++;
  c->last_active = uv_now(s->loop);
  return c;
}

static void on_connection(uv_stream_t *ls, int status) {
  vt_http_server *s = ls->data;
  char peer[VT_HTTP_PEER_MAX];
  if (status < 0 || s->closing) return;
  if (vt_admit_full(s->admit)) reap_idle(s);
  if (s->nconn >= 2 * s->ctx.lim.max_connections) { /* closing ones not yet freed: no memory for more */
    refuse(s);
    return;
  }
  conn *c = conn_new(s);
  if (!c) {
    refuse(s);
    return;
  }
  if (uv_accept(ls, (uv_stream_t *)&c->tcp) != 0) {
    vt_hconn_init(&c->core, &s->ctx, &conn_io, c, "?");
    close_now(c);
    return;
  }
  peer_of(c, peer, sizeof peer);
  vt_hconn_init(&c->core, &s->ctx, &conn_io, c, peer);
  c->slot = vt_admit_decide(s->admit, c->addr, c->addr_len);
  if (c->slot == VT_ADMIT_REFUSED) { /* over max_connections or this client's share */
    s->ctx.stats.refused++;
    close_now(c);
    return;
  }
  uv_tcp_nodelay(&c->tcp, 1);
  c->core.reserved = c->slot == VT_ADMIT_RESERVED;
  s->ctx.stats.connections++;
  c->phase = VT_HC_IDLE;
  sync_conn(c);
}

/* ---- public API ---- */

int vt_http_server_start(uv_loop_t *loop, const char *host, int port, const vt_http_limits *lim,
                         const vt_http_handlers *h, vt_http_server **out) {
  struct sockaddr_storage addr;
  int rc;
  *out = NULL;
  if (!loop || !host || !h || !h->on_request || port < 0 || port > 65535) return UV_EINVAL;
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)&addr) != 0 &&
      uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr) != 0)
    return UV_EINVAL;
  vt_http_server *s = calloc(1, sizeof *s);
  if (!s) return UV_ENOMEM;
  rc = resolve_limits(&s->ctx, lim);
  if (rc != 0) {
    free(s);
    return rc;
  }
  s->ctx.h = *h;
  s->loop = loop;
  vt_admit_limits al = {.max_connections = s->ctx.lim.max_connections,
                        .max_per_client = s->ctx.lim.max_per_client,
                        .reserved = s->ctx.lim.reserved_connections,
                        .seed = uv_hrtime() ^ (uint64_t)(uintptr_t)s};
  if (!(s->admit = vt_admit_new(&al))) {
    free(s);
    return UV_ENOMEM;
  }
  rc = uv_tcp_init(loop, &s->listener);
  if (rc != 0) {
    vt_admit_free(s->admit);
    free(s);
    return rc;
  }
  s->listener.data = s;
  s->live = 1;
  rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&s->listener, VT_HTTP_BACKLOG, on_connection);
  if (rc == 0) {
    int len = sizeof addr;
    rc = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&addr, &len);
    s->port = addr.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&addr)->sin6_port)
                                         : ntohs(((struct sockaddr_in *)&addr)->sin_port);
  }
  if (rc != 0) { /* freed in the close callback */
    s->closing = true;
    uv_close((uv_handle_t *)&s->listener, on_listener_closed);
    return rc;
  }
  signal(SIGPIPE, SIG_IGN); /* a vanished client must be an EPIPE, not a dead daemon */
  *out = s;
  return 0;
}

int vt_http_server_port(const vt_http_server *s) { return s->port; }

void vt_http_server_close(vt_http_server *s, void (*done)(void *arg), void *arg) {
  if (!s || s->closing) return;
  s->closing = true;
  s->done = done;
  s->done_arg = arg;
  uv_close((uv_handle_t *)&s->listener, on_listener_closed);
  for (conn *c = s->conns; c; c = c->next) conn_fail(c); /* also when closing gracefully */
}

void vt_http_server_stats(const vt_http_server *s, vt_http_stats *out) { *out = s->ctx.stats; }

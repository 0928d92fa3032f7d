/*
 * fetch_testsrv.h: a tiny loopback HTTP/1.1 server on a libuv loop, plus the harness
 * the fetcher tests run on (test_fetch.c includes it; header-only, static helpers).
 *
 * The server listens on 127.0.0.1 on an ephemeral port, keeps connections alive,
 * counts accepted connections and requests, records what the last request carried
 * (method, Content-Type, Expect, body length) and answers by path from a table of
 * canned behaviours (routes[]). env_new()/env_free() build and tear down one loop,
 * server and fetcher per test; env_free() runs the loop until every handle is
 * closed and asserts uv_loop_close() == 0, so a leaked handle fails the test.
 */
#ifndef VERITY_FETCH_TESTSRV_H
#define VERITY_FETCH_TESTSRV_H

#include "testutil.h"

#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <uv.h>

#include "net/fetch.h"

/* ------------------------------------------------------------------ server ---- */

#define SRV_BUF_MAX (4u * 1024 * 1024) /* request bytes buffered per connection */
#define HUGE_BODY (2u * 1024 * 1024)
#define OK_BODY   "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}"

typedef struct conn conn;
typedef struct {
  uv_loop_t *loop;
  uv_tcp_t lis;
  int port;
  unsigned accepted, requests, last_ct_count; /* last_*: what the last request carried */
  conn *conns;
  char last_method[16], last_ct[128];
  bool last_expect;
  size_t last_body_len;
} srv;

struct conn {
  uv_tcp_t tcp;
  uv_timer_t delay;
  srv *s;
  conn *prev, *next;
  int pending_close;
  bool closing;
  size_t len, cap;
  char *buf;
};

typedef struct { uv_write_t req; conn *c; bool close_after; char data[]; } wreq;

static void conn_closed(uv_handle_t *h) {
  conn *c = h->data;
  if (--c->pending_close == 0) { free(c->buf); free(c); }
}

static void conn_close(conn *c) {
  if (c->closing) return;
  c->closing = true;
  if (c->prev) c->prev->next = c->next;
  else c->s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->pending_close = 2;
  uv_close((uv_handle_t *)&c->tcp, conn_closed);
  uv_close((uv_handle_t *)&c->delay, conn_closed);
}

static void on_written(uv_write_t *w, int status) {
  wreq *r = (wreq *)w;
  if (status == 0 && r->close_after) conn_close(r->c);
  free(r);
}

static void send_raw(conn *c, const char *head, size_t hlen, const char *body, size_t blen,
                     bool close_after) {
  wreq *r = malloc(sizeof *r + hlen + blen);
  assert_non_null(r);
  memcpy(r->data, head, hlen);
  if (blen) memcpy(r->data + hlen, body, blen);
  r->c = c;
  r->close_after = close_after;
  uv_buf_t b = uv_buf_init(r->data, (unsigned)(hlen + blen));
  if (uv_write(&r->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) free(r);
}

static void send_resp(conn *c, int status, const char *extra, const char *body, size_t blen) {
  char head[512];
  int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%s"
                   "Content-Length: %zu\r\n\r\n", status, extra, blen);
  send_raw(c, head, (size_t)n, body, blen, false);
}

/* Canned behaviours, chosen by path. */
typedef enum { M_RESP, M_ECHO, M_DATE429, M_SLOW, M_HANG, M_EMPTY, M_RAW_CLOSE, M_HUGE, M_CHUNKED } mode;
static const struct {
  const char *path;
  mode m;
  int status;
  const char *extra, *body; /* for M_RAW_CLOSE, body is the whole raw reply */
} routes[] = {
    {"/ok", M_RESP, 200, "", OK_BODY},
    {"/echo", M_ECHO, 200, "", NULL},
    {"/500", M_RESP, 500, "", "{\"e\":1}"},
    {"/429s", M_RESP, 429, "Retry-After: 2\r\n", "{}"},
    {"/429d", M_DATE429, 429, "", "{}"},
    {"/redirect", M_RESP, 301, "Location: /ok\r\n", ""},
    {"/slow", M_SLOW, 200, "", OK_BODY},
    {"/hang", M_HANG, 0, "", NULL},
    {"/empty", M_EMPTY, 0, "", NULL},
    {"/trunc", M_RAW_CLOSE, 0, "", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\""},
    {"/garbage", M_RAW_CLOSE, 0, "", "NOT-HTTP garbage\r\n\r\n"},
    /* First header folded: read freed memory in libcurl < 8.1.0 on a reused handle. */
    {"/folded", M_RAW_CLOSE, 0, "", "HTTP/1.1 200 OK\r\n X-Folded: y\r\nContent-Length: 2\r\n\r\n{}"},
    {"/huge", M_HUGE, 200, "", NULL},
    {"/hugechunked", M_CHUNKED, 200, "", NULL},
};

static void on_delay(uv_timer_t *t) { send_resp(t->data, 200, "", OK_BODY, strlen(OK_BODY)); }

static void http_date(time_t t, char *out, size_t n) {
  struct tm tm;
  strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&t, &tm));
}

static void serve(conn *c, size_t r, const char *body, size_t n) {
  char extra[256], d1[64], d2[64], head[128];
  char *big = NULL;
  switch (routes[r].m) {
  case M_RESP: send_resp(c, routes[r].status, routes[r].extra, routes[r].body, strlen(routes[r].body)); break;
  case M_ECHO: send_resp(c, 200, "", body, n); break;
  case M_DATE429:
    http_date(time(NULL), d1, sizeof d1);
    http_date(time(NULL) + 5, d2, sizeof d2);
    snprintf(extra, sizeof extra, "Date: %s\r\nRetry-After: %s\r\n", d1, d2);
    send_resp(c, 429, extra, "{}", 2);
    break;
  case M_SLOW: uv_timer_start(&c->delay, on_delay, 300, 0); break;
  case M_HANG: break;
  case M_EMPTY: conn_close(c); break;
  case M_RAW_CLOSE: send_raw(c, routes[r].body, strlen(routes[r].body), NULL, 0, true); break;
  case M_HUGE:
  case M_CHUNKED:
    big = malloc(HUGE_BODY + 7);
    assert_non_null(big);
    memset(big, 'a', HUGE_BODY);
    memcpy(big + HUGE_BODY, "\r\n0\r\n\r\n", 7);
    if (routes[r].m == M_HUGE) {
      send_resp(c, 200, "", big, HUGE_BODY);
    } else {
      int hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n", HUGE_BODY);
      send_raw(c, head, (size_t)hl, big, HUGE_BODY + 7, false);
    }
    free(big);
    break;
  }
}

static size_t header_num(const char *head, const char *name) {
  const char *p = strcasestr(head, name);
  return p ? (size_t)strtoull(p + strlen(name), NULL, 10) : 0;
}

/* Handle every complete request in c->buf; keep the rest. */
static void srv_process(conn *c) {
  srv *s = c->s;
  while (!c->closing) {
    c->buf[c->len] = 0;
    char *end = strstr(c->buf, "\r\n\r\n");
    if (!end) return;
    size_t hl = (size_t)(end + 4 - c->buf);
    end[2] = 0; /* headers as a C string (CRLF kept before it) */
    size_t cl = header_num(c->buf, "\r\ncontent-length:");
    if (c->len < hl + cl) { end[2] = '\r'; return; }
    char method[16] = {0}, path[256] = {0};
    assert_int_equal(sscanf(c->buf, "%15s %255s", method, path), 2);
    s->requests++;
    snprintf(s->last_method, sizeof s->last_method, "%s", method);
    s->last_ct[0] = 0;
    s->last_ct_count = 0;
    for (const char *p = c->buf; (p = strcasestr(p, "\r\ncontent-type:")) != NULL; p += 2) {
      s->last_ct_count++;
      sscanf(p + 15, " %127[^\r]", s->last_ct);
    }
    s->last_expect = strcasestr(c->buf, "\r\nexpect:") != NULL;
    s->last_body_len = cl;
    char *q = strchr(path, '?');
    if (q) *q = 0;
    size_t r = 0, nroutes = sizeof routes / sizeof routes[0];
    while (r < nroutes && strcmp(routes[r].path, path) != 0) r++;
    if (r < nroutes) serve(c, r, c->buf + hl, cl);
    else send_resp(c, 404, "", "{}", 2);
    if (c->closing) return;
    memmove(c->buf, c->buf + hl + cl, c->len - hl - cl);
    c->len -= hl + cl;
  }
}

static void srv_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b) {
  conn *c = h->data;
  (void)sz;
  if (c->cap - c->len < 16384 && c->cap < SRV_BUF_MAX) {
    c->cap = c->cap ? 2 * c->cap : 65536;
    c->buf = realloc(c->buf, c->cap);
    assert_non_null(c->buf);
  }
  b->base = c->buf + c->len;
  b->len = c->cap - 1 - c->len; /* room for the NUL */
}

static void srv_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b) {
  conn *c = st->data;
  (void)b;
  if (nread < 0 || (nread == 0 && c->len + 1 == c->cap)) { conn_close(c); return; }
  c->len += (size_t)nread;
  srv_process(c);
}

static void srv_accept(uv_stream_t *lis, int status) {
  srv *s = lis->data;
  assert_int_equal(status, 0);
  conn *c = calloc(1, sizeof *c);
  assert_non_null(c);
  c->s = s;
  uv_tcp_init(s->loop, &c->tcp);
  uv_timer_init(s->loop, &c->delay);
  c->tcp.data = c->delay.data = c;
  c->next = s->conns;
  if (s->conns) s->conns->prev = c;
  s->conns = c;
  assert_int_equal(uv_accept(lis, (uv_stream_t *)&c->tcp), 0);
  s->accepted++;
  uv_read_start((uv_stream_t *)&c->tcp, srv_alloc, srv_read);
}

static void srv_start(srv *s, uv_loop_t *loop) {
  struct sockaddr_in a;
  struct sockaddr_storage got;
  int len = sizeof got;
  memset(s, 0, sizeof *s);
  s->loop = loop;
  uv_ip4_addr("127.0.0.1", 0, &a);
  assert_int_equal(uv_tcp_init(loop, &s->lis), 0);
  s->lis.data = s;
  assert_int_equal(uv_tcp_bind(&s->lis, (const struct sockaddr *)&a, 0), 0);
  assert_int_equal(uv_listen((uv_stream_t *)&s->lis, 128, srv_accept), 0);
  assert_int_equal(uv_tcp_getsockname(&s->lis, (struct sockaddr *)&got, &len), 0);
  s->port = ntohs(((struct sockaddr_in *)&got)->sin_port);
}

static void srv_stop(srv *s) {
  uv_close((uv_handle_t *)&s->lis, NULL);
  while (s->conns) conn_close(s->conns);
}

/* ------------------------------------------------------------- harness ---- */

typedef struct {
  uv_loop_t loop;
  uv_timer_t tick;
  srv s;
  vt_fetcher *f;
  int closed;
  char url[256];
} env;

static void on_tick(uv_timer_t *t) { (void)t; } /* keeps UV_RUN_ONCE returning */
static void on_fetcher_closed(void *arg) { ((env *)arg)->closed++; }

static env *env_new(void) {
  env *e = calloc(1, sizeof *e);
  assert_non_null(e);
  assert_int_equal(uv_loop_init(&e->loop), 0);
  uv_timer_init(&e->loop, &e->tick);
  uv_timer_start(&e->tick, on_tick, 10, 10);
  srv_start(&e->s, &e->loop);
  e->f = vt_fetcher_new(&e->loop, NULL);
  assert_non_null(e->f);
  return e;
}

static const char *url_of(env *e, const char *path) {
  snprintf(e->url, sizeof e->url, "http://127.0.0.1:%d%s", e->s.port, path);
  return e->url;
}

static void env_free(env *e) {
  if (e->f) vt_fetcher_close(e->f, on_fetcher_closed, e);
  e->f = NULL;
  srv_stop(&e->s);
  uv_close((uv_handle_t *)&e->tick, NULL);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  assert_int_equal(e->closed, 1);
  assert_int_equal(uv_loop_close(&e->loop), 0);
  free(e);
}

static void run_until(env *e, const int *counter, int target, unsigned max_ms) {
  uint64_t deadline = uv_hrtime() + (uint64_t)max_ms * 1000000u;
  while (*counter < target && uv_hrtime() < deadline) uv_run(&e->loop, UV_RUN_ONCE);
}

static void run_for(env *e, unsigned ms) {
  int never = 0;
  run_until(e, &never, 1, ms);
}

typedef struct {
  int calls, httpver;
  vt_fetch_error err;
  long status;
  size_t body_len;
  double retry, elapsed, connect_ms;
  char body[512], msg[256];
} cap;

static void on_cap(const vt_fetch_result *r, void *ud) {
  cap *c = ud;
  c->calls++;
  c->err = r->error;
  c->status = r->http_status;
  c->body_len = r->body_len;
  snprintf(c->body, sizeof c->body, "%.*s", (int)(r->body_len < 511 ? r->body_len : 511), r->body);
  c->retry = r->retry_after_s;
  c->elapsed = r->elapsed_ms;
  c->connect_ms = r->connect_ms;
  c->httpver = r->http_version;
  snprintf(c->msg, sizeof c->msg, "%s", r->error_msg);
}

/* One GET (or POST when body) to path; waits for the callback. */
static void fetch_one(env *e, const char *path, const char *body, unsigned timeout_ms, size_t max, cap *c) {
  vt_fetch_opts o = {.url = url_of(e, path), .body = body, .body_len = body ? strlen(body) : 0,
                     .timeout_ms = timeout_ms, .max_response = max};
  memset(c, 0, sizeof *c);
  vt_fetch *x = vt_fetch_start(e->f, &o, on_cap, c);
  assert_non_null(x);
  assert_int_equal(c->calls, 0); /* never synchronous */
  run_until(e, &c->calls, 1, 5000);
  assert_int_equal(c->calls, 1);
}

#endif

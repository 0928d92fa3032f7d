/*
 * upstream_testsrv.h: the canned loopback HTTP/1.1 upstream that the upstream-client
 * tests run against (test_fetch.c for the fetcher over curl and the native client,
 * test_h1client.c for the native client alone). Header-only, static helpers; it
 * listens on 127.0.0.1 on an ephemeral port.
 *
 * It answers by path from routes[] (200 JSON, echo, 500, 429 with Retry-After in
 * seconds and as an HTTP-date, redirect, short and long delays, hang, empty reply,
 * truncated body, garbage, a folded first header, chunked body in pieces, bodies over
 * the cap plain and chunked, Connection: close, HTTP/1.0 read-until-close, 100
 * Continue), keeps connections alive, records what the last request carried (method,
 * Content-Type and how many, Expect, Authorization, Host, body length), counts
 * accepted and currently open connections (and the most ever open at once), and can
 * drop every connection at once (srv_drop_conns) to stage the keep-alive race.
 * srv_stop() closes the listener and every connection; the test runs the loop until
 * they are closed.
 */
#ifndef VERITY_UPSTREAM_TESTSRV_H
#define VERITY_UPSTREAM_TESTSRV_H

#include "testutil.h"

#include <stdbool.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <uv.h>

/* ------------------------------------------------------------------ server ---- */

#define SRV_BUF_MAX (4u * 1024 * 1024) /* request bytes buffered per connection */
#define BIG_BODY    (2u * 1024 * 1024)  /* /big, /bigchunked (also /huge, /hugechunked) */
#define HUGE_BODY   BIG_BODY
#define OK_BODY     "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}"

typedef struct sconn sconn;
typedef struct {
  uv_loop_t *loop;
  uv_tcp_t lis;
  int port;
  unsigned accepted, requests, open, max_open;
  sconn *conns;
  char last_method[16], last_ct[128], last_auth[128], last_host[128];
  unsigned last_ct_count;
  bool last_expect;
  size_t last_body_len;
} srv;

struct sconn {
  uv_tcp_t tcp;
  uv_timer_t delay;
  srv *s;
  sconn *prev, *next;
  int pending_close;
  bool closing;
  size_t len, cap;
  char *buf;
};

typedef struct { uv_write_t req; sconn *c; bool close_after; char data[]; } wreq;

static void sconn_closed(uv_handle_t *h) {
  sconn *c = h->data;
  if (--c->pending_close == 0) { free(c->buf); free(c); }
}

static void sconn_close(sconn *c) {
  if (c->closing) return;
  c->closing = true;
  c->s->open--;
  if (c->prev) c->prev->next = c->next;
  else c->s->conns = c->next;
  if (c->next) c->next->prev = c->prev;
  c->pending_close = 2;
  uv_close((uv_handle_t *)&c->tcp, sconn_closed);
  uv_close((uv_handle_t *)&c->delay, sconn_closed);
}

static void on_swritten(uv_write_t *w, int status) {
  wreq *r = (wreq *)w;
  if (status == 0 && r->close_after) sconn_close(r->c);
  free(r);
}

static void send_raw(sconn *c, const char *a, size_t alen, const char *b, size_t blen, bool close_after) {
  wreq *r = malloc(sizeof *r + alen + blen);
  assert_non_null(r);
  memcpy(r->data, a, alen);
  if (blen) memcpy(r->data + alen, b, blen);
  r->c = c;
  r->close_after = close_after;
  uv_buf_t buf = uv_buf_init(r->data, (unsigned)(alen + blen));
  if (uv_write(&r->req, (uv_stream_t *)&c->tcp, &buf, 1, on_swritten) != 0) free(r);
}

static void send_resp(sconn *c, int status, const char *extra, const char *body, size_t blen) {
  char head[512];
  int n = snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n%s"
                   "Content-Length: %zu\r\n\r\n", status, extra, blen);
  send_raw(c, head, (size_t)n, body, blen, false);
}

typedef enum { M_RESP, M_ECHO, M_DATE429, M_DELAY, M_SLOW, M_HANG, M_EMPTY, M_RAW, M_RAW_CLOSE, M_BIG, M_BIGCHUNKED, M_CHUNKED } mode;
static const struct {
  const char *path;
  mode m;
  int status;
  const char *extra, *body; /* M_RAW*: body is the whole raw reply */
} routes[] = {
    {"/ok", M_RESP, 200, "", OK_BODY},
    {"/echo", M_ECHO, 200, "", NULL},
    {"/500", M_RESP, 500, "", "{\"e\":1}"},
    {"/429s", M_RESP, 429, "Retry-After: 2\r\n", "{}"},
    {"/429d", M_DATE429, 429, "", "{}"},
    {"/redirect", M_RESP, 301, "Location: /ok\r\n", ""},
    {"/delay", M_DELAY, 200, "", OK_BODY}, /* 20 ms */
    {"/slow", M_SLOW, 200, "", OK_BODY},   /* 300 ms */
    {"/hang", M_HANG, 0, "", NULL},
    {"/empty", M_EMPTY, 0, "", NULL},      /* close without a reply */
    {"/trunc", M_RAW_CLOSE, 0, "", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"jsonrpc\""},
    {"/garbage", M_RAW_CLOSE, 0, "", "NOT-HTTP garbage\r\n\r\n"},
    /* First header folded: read freed memory in libcurl < 8.1.0 on a reused handle. */
    {"/folded", M_RAW_CLOSE, 0, "", "HTTP/1.1 200 OK\r\n X-Folded: y\r\nContent-Length: 2\r\n\r\n{}"},
    {"/close", M_RAW_CLOSE, 0, "", "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"},
    {"/http10", M_RAW_CLOSE, 0, "", "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"v\":10}"},
    {"/continue", M_RAW, 0, "", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"},
    {"/chunked", M_CHUNKED, 0, "", NULL},
    {"/big", M_BIG, 200, "", NULL},
    {"/bigchunked", M_BIGCHUNKED, 200, "", NULL},
    {"/huge", M_BIG, 200, "", NULL},
    {"/hugechunked", M_BIGCHUNKED, 200, "", NULL},
};

static void on_delay(uv_timer_t *t) { send_resp(t->data, 200, "", OK_BODY, strlen(OK_BODY)); }

static void http_date(time_t t, char *out, size_t n) {
  struct tm tm;
  strftime(out, n, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&t, &tm));
}

static void serve_big(sconn *c, bool chunked) {
  char head[128];
  char *big = malloc(BIG_BODY + 7);
  assert_non_null(big);
  memset(big, 'a', BIG_BODY);
  memcpy(big + BIG_BODY, "\r\n0\r\n\r\n", 7);
  if (!chunked) {
    send_resp(c, 200, "", big, BIG_BODY);
  } else {
    int n = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n", BIG_BODY);
    send_raw(c, head, (size_t)n, big, BIG_BODY + 7, false);
  }
  free(big);
}

static void serve(sconn *c, size_t r, const char *body, size_t n) {
  char extra[256], d1[64], d2[64];
  static const char *const pieces[] = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                                       "5\r\n{\"a\":\r\n", "3\r\n12}\r\n", "0\r\n\r\n"};
  switch (routes[r].m) {
  case M_RESP: send_resp(c, routes[r].status, routes[r].extra, routes[r].body, strlen(routes[r].body)); break;
  case M_ECHO: send_resp(c, 200, "", body, n); break;
  case M_DATE429:
    http_date(time(NULL), d1, sizeof d1);
    http_date(time(NULL) + 5, d2, sizeof d2);
    snprintf(extra, sizeof extra, "Date: %s\r\nRetry-After: %s\r\n", d1, d2);
    send_resp(c, 429, extra, "{}", 2);
    break;
  case M_DELAY: uv_timer_start(&c->delay, on_delay, 20, 0); break;
  case M_SLOW: uv_timer_start(&c->delay, on_delay, 300, 0); break;
  case M_HANG: break;
  case M_EMPTY: sconn_close(c); break;
  case M_RAW: send_raw(c, routes[r].body, strlen(routes[r].body), NULL, 0, false); break;
  case M_RAW_CLOSE: send_raw(c, routes[r].body, strlen(routes[r].body), NULL, 0, true); break;
  case M_CHUNKED: /* separate writes: the client parses across reads */
    for (size_t i = 0; i < sizeof pieces / sizeof pieces[0]; i++) send_raw(c, pieces[i], strlen(pieces[i]), NULL, 0, false);
    break;
  case M_BIG: serve_big(c, false); break;
  case M_BIGCHUNKED: serve_big(c, true); break;
  }
}

static size_t header_num(const char *head, const char *name) {
  const char *p = strcasestr(head, name);
  return p ? (size_t)strtoull(p + strlen(name), NULL, 10) : 0;
}

/* The value of the last header called name (given as "\r\nname:"), trimmed. */
static void header_copy(const char *head, const char *name, char *out, size_t cap) {
  const char *p = NULL;
  for (const char *q = head; (q = strcasestr(q, name)) != NULL; q += 2) p = q;
  out[0] = 0;
  if (!p) return;
  p += strlen(name);
  p += strspn(p, " \t");
  snprintf(out, cap, "%.*s", (int)strcspn(p, "\r"), p);
}

static void srv_process(sconn *c) {
  srv *s = c->s;
  while (!c->closing) {
    c->buf[c->len] = 0;
    char *end = strstr(c->buf, "\r\n\r\n");
    if (!end) return;
    size_t hl = (size_t)(end + 4 - c->buf);
    end[2] = 0;
    size_t cl = header_num(c->buf, "\r\ncontent-length:");
    if (c->len < hl + cl) { end[2] = '\r'; return; }
    char method[16] = {0}, path[256] = {0};
    assert_int_equal(sscanf(c->buf, "%15s %255s", method, path), 2);
    s->requests++;
    snprintf(s->last_method, sizeof s->last_method, "%s", method);
    s->last_ct_count = 0;
    for (const char *p = c->buf; (p = strcasestr(p, "\r\ncontent-type:")) != NULL; p += 2) s->last_ct_count++;
    header_copy(c->buf, "\r\ncontent-type:", s->last_ct, sizeof s->last_ct);
    header_copy(c->buf, "\r\nauthorization:", s->last_auth, sizeof s->last_auth);
    header_copy(c->buf, "\r\nhost:", s->last_host, sizeof s->last_host);
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
  sconn *c = h->data;
  (void)sz;
  if (c->cap - c->len < 16384 && c->cap < SRV_BUF_MAX) {
    c->cap = c->cap ? 2 * c->cap : 65536;
    c->buf = realloc(c->buf, c->cap);
    assert_non_null(c->buf);
  }
  b->base = c->buf + c->len;
  b->len = c->cap - 1 - c->len;
}

static void srv_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b) {
  sconn *c = st->data;
  (void)b;
  if (nread < 0 || (nread == 0 && c->len + 1 == c->cap)) { sconn_close(c); return; }
  c->len += (size_t)nread;
  srv_process(c);
}

static void srv_accept(uv_stream_t *lis, int status) {
  srv *s = lis->data;
  assert_int_equal(status, 0);
  sconn *c = calloc(1, sizeof *c);
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
  if (++s->open > s->max_open) s->max_open = s->open;
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
  assert_int_equal(uv_listen((uv_stream_t *)&s->lis, 511, srv_accept), 0);
  assert_int_equal(uv_tcp_getsockname(&s->lis, (struct sockaddr *)&got, &len), 0);
  s->port = ntohs(((struct sockaddr_in *)&got)->sin_port);
}

static inline void srv_drop_conns(srv *s) {
  while (s->conns) sconn_close(s->conns);
}

static inline void srv_stop(srv *s) {
  uv_close((uv_handle_t *)&s->lis, NULL);
  srv_drop_conns(s);
}

#endif

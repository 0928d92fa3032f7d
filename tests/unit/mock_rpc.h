/* mock_rpc.h: a mock JSON-RPC upstream for in-process gateway tests (test_gateway.c,
 * test_logs.c): a libuv TCP listener on a loopback port answering keep-alive HTTP/1.1
 * POSTs by method: eth_chainId 31337, eth_blockNumber `head`, eth_getBalance
 * `balance`, eth_gasPrice; anything else null. A test adds its own methods with
 * `extra` (return true when it wrote the reply). Modes: answer, hang, HTTP 500.
 * Header-only, static functions: include it in one test file. */
#ifndef TEST_MOCK_RPC_H
#define TEST_MOCK_RPC_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

/* ---- mock upstream: answers by JSON-RPC method ---------------------------------- */

typedef enum { UP_OK, UP_HANG, UP_500 } up_mode;

typedef struct mock mock;
typedef struct mconn mconn;
struct mock {
  uv_tcp_t lis;
  int port;
  up_mode mode;
  const char *head;      /* eth_blockNumber result */
  const char *balance;   /* eth_getBalance result */
  unsigned requests, balance_requests;
  /* a test's own methods: write the reply with mreply() and return true */
  bool (*extra)(mock *m, mconn *c, const char *body);
  void *ud;
};

struct mconn {
  uv_tcp_t tcp;
  mock *m;
  char buf[16384];
  size_t len;
};

static void mconn_closed(uv_handle_t *h) { free(h->data); }

static void on_mwritten(uv_write_t *w, int status) {
  (void)status;
  free(w->data);
  free(w);
}

static void mreply(mconn *c, int status, const char *body) {
  char *out = malloc(strlen(body) + 256);
  int n = sprintf(out, "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s", status,
                  strlen(body), body);
  uv_write_t *w = malloc(sizeof *w);
  w->data = out;
  uv_buf_t b = uv_buf_init(out, (unsigned)n);
  uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, on_mwritten);
}

static void mserve(mconn *c, const char *body) {
  mock *m = c->m;
  m->requests++;
  if (m->mode == UP_HANG) return;
  if (m->mode == UP_500) { mreply(c, 500, "oops"); return; }
  if (m->extra && m->extra(m, c, body)) return;
  const char *res = "null";
  char tmp[128];
  if (strstr(body, "\"eth_chainId\"")) res = "\"0x7a69\"";
  else if (strstr(body, "\"eth_blockNumber\"")) res = m->head;
  else if (strstr(body, "\"eth_getBalance\"")) { res = m->balance; m->balance_requests++; }
  else if (strstr(body, "\"eth_gasPrice\"")) res = "\"0x3b9aca00\"";
  snprintf(tmp, sizeof tmp, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":%s}", res);
  mreply(c, 200, tmp);
}

static void malloc_cb(uv_handle_t *h, size_t sz, uv_buf_t *b) {
  mconn *c = h->data;
  (void)sz;
  b->base = c->buf + c->len;
  b->len = sizeof c->buf - c->len;
}

static void mread(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  mconn *c = s->data;
  (void)b;
  if (n < 0) { uv_close((uv_handle_t *)&c->tcp, mconn_closed); return; }
  c->len += (size_t)n;
  for (;;) {
    c->buf[c->len < sizeof c->buf ? c->len : sizeof c->buf - 1] = 0;
    char *end = strstr(c->buf, "\r\n\r\n");
    if (!end) return;
    const char *cl = strcasestr(c->buf, "content-length:");
    size_t blen = cl ? strtoul(cl + 15, NULL, 10) : 0;
    size_t hlen = (size_t)(end + 4 - c->buf);
    if (c->len < hlen + blen) return;
    char body[8192];
    size_t k = blen < sizeof body - 1 ? blen : sizeof body - 1;
    memcpy(body, c->buf + hlen, k);
    body[k] = 0;
    mserve(c, body);
    memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
    c->len -= hlen + blen;
  }
}

static void maccept(uv_stream_t *lis, int status) {
  assert_int_equal(status, 0);
  mconn *c = calloc(1, sizeof *c);
  c->m = lis->data;
  uv_tcp_init(lis->loop, &c->tcp);
  c->tcp.data = c;
  assert_int_equal(uv_accept(lis, (uv_stream_t *)&c->tcp), 0);
  uv_read_start((uv_stream_t *)&c->tcp, malloc_cb, mread);
}

static void mock_start(mock *m, uv_loop_t *loop) {
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", 0, &a);
  uv_tcp_init(loop, &m->lis);
  m->lis.data = m;
  assert_int_equal(uv_tcp_bind(&m->lis, (const struct sockaddr *)&a, 0), 0);
  assert_int_equal(uv_listen((uv_stream_t *)&m->lis, 64, maccept), 0);
  struct sockaddr_storage ss;
  int len = sizeof ss;
  uv_tcp_getsockname(&m->lis, (struct sockaddr *)&ss, &len);
  m->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* uv_walk callback for teardown: close the mock's accepted connections. */
static void close_any(uv_handle_t *h, void *arg) {
  (void)arg;
  if (uv_is_closing(h)) return;
  /* only the mock's accepted connections are left open by now (their data is themselves) */
  if (h->type == UV_TCP && h->data == (void *)h) uv_close(h, mconn_closed);
}

#include "config/config.h"
#include "gateway/gateway.h"
#include "net/fetch.h"

#ifndef MOCK_REPLY_MAX
#define MOCK_REPLY_MAX 8192
#endif
/* The chain line of the gateway's YAML (a test of another chain kind defines it as ""
 * before including this file and gives its own `chain:` in `more`). */
#ifndef MOCK_CHAIN_YAML
#define MOCK_CHAIN_YAML "chain: { id: 31337, name: devnet }\n"
#endif

/* ---- world: mocks + a gateway + a client fetcher -------------------------------- */

typedef struct {
  uv_loop_t loop;
  mock up[3];
  vt_config cfg;
  vt_gateway gw;
  vt_fetcher *client;
  char url[64];
  int done;
  long code;
  char body[MOCK_REPLY_MAX];
  char trust[64];
  double ms;
} world;

/* The second half of every test world: load yaml (whose upstreams list the mocks
 * already started on w->loop), start the gateway, and a client that calls it at w->url. */
static void world_start_gateway(world *w, const char *yaml) {
  char err[512];
  vt_config_defaults(&w->cfg);
  if (vt_config_load_string(&w->cfg, yaml, strlen(yaml), err, sizeof err) != 0) fail_msg("config: %s", err);
  vt_log_init(VT_LOG_ERROR, false, stderr);
  assert_int_equal(vt_gateway_start(&w->gw, &w->loop, &w->cfg, err, sizeof err), 0);
  snprintf(w->url, sizeof w->url, "http://127.0.0.1:%d/", vt_http_server_port(w->gw.http));
  w->client = vt_fetcher_new(&w->loop, NULL);
  assert_non_null(w->client);
}

/* Three mocks and a gateway (verify off unless `more` sets verify:) in front of them;
 * `more` is extra top-level YAML, `pool_more` extra pool keys (", max_inflight: 1"). */
static inline void world_up_yaml(world *w, const up_mode modes[3], const char *heads[3], const char *bal[3], unsigned quorum,
                          unsigned hedge_ms, const char *more, const char *pool_more) {
  memset(w, 0, sizeof *w);
  assert_int_equal(uv_loop_init(&w->loop), 0);
  char yaml[2048];
  int n = snprintf(yaml, sizeof yaml,
                   "listen: 127.0.0.1:0\nlog: { level: error }\n" MOCK_CHAIN_YAML
                   "anchor: { mode: quorum, quorum: %u }\n%s%s"
                   "pool: { timeout_ms: 1500, hedge_after_ms: %u, head_poll_ms: 100%s }\nupstreams:\n",
                   quorum, more && strstr(more, "verify:") ? "" : "verify: false\n", more ? more : "", hedge_ms,
                   pool_more ? pool_more : "");
  for (int i = 0; i < 3; i++) {
    w->up[i].mode = modes[i];
    w->up[i].head = heads[i];
    w->up[i].balance = bal[i];
    mock_start(&w->up[i], &w->loop);
    /* u0 weighs most, so routing asks it first */
    n += snprintf(yaml + n, sizeof yaml - (size_t)n, "  - { name: u%d, url: \"http://127.0.0.1:%d\", weight: %d }\n", i,
                  w->up[i].port, i == 0 ? 1000 : 1);
  }
  world_start_gateway(w, yaml);
}

static void on_stopped(void *arg) { (void)arg; }
static void on_client_closed(void *arg) { (void)arg; }

static void world_down(world *w) {
  vt_fetcher_close(w->client, on_client_closed, NULL);
  vt_gateway_stop(&w->gw, on_stopped, NULL);
  uv_run(&w->loop, UV_RUN_NOWAIT);
  for (int i = 0; i < 3; i++) uv_close((uv_handle_t *)&w->up[i].lis, NULL);
  uv_walk(&w->loop, close_any, NULL);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  vt_config_free(&w->cfg);
  assert_int_equal(uv_loop_close(&w->loop), 0);
}

static void on_reply(const vt_fetch_result *r, void *ud) {
  world *w = ud;
  w->code = r->http_status;
  snprintf(w->body, sizeof w->body, "%.*s", (int)r->body_len, r->body ? r->body : "");
  w->ms = r->elapsed_ms;
  w->done = 1;
}

static void run_ms(world *w, unsigned ms) {
  uint64_t end = uv_now(&w->loop) + ms;
  while (uv_now(&w->loop) < end) {
    uv_run(&w->loop, UV_RUN_NOWAIT);
    uv_sleep(2);
    uv_update_time(&w->loop);
  }
}

/* Send body to the gateway and run the loop until the reply (or fail after ms + 1 s). */
static inline void call_ms(world *w, const char *body, unsigned ms) {
  w->done = 0;
  vt_fetch_opts o = {.url = w->url, .body = body, .body_len = strlen(body), .timeout_ms = ms};
  assert_non_null(vt_fetch_start(w->client, &o, on_reply, w));
  uint64_t end = uv_now(&w->loop) + ms + 1000;
  while (!w->done && uv_now(&w->loop) < end) {
    uv_run(&w->loop, UV_RUN_ONCE);
    uv_update_time(&w->loop);
  }
  assert_true(w->done);
}

/* ---- a raw HTTP client on the loop, for the response headers (X-Verity-Trust) ---- */

#ifndef MOCK_RESP_MAX
#define MOCK_RESP_MAX 16384
#endif

typedef struct {
  uv_tcp_t tcp;
  uv_connect_t conn;
  uv_write_t wr;
  char req[4096];
  char resp[MOCK_RESP_MAX];
  size_t len;
  bool done;
} raw_http;

static inline void raw_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b) {
  raw_http *r = h->data;
  (void)sz;
  b->base = r->resp + r->len;
  b->len = sizeof r->resp - 1 - r->len;
}
static inline void raw_closed(uv_handle_t *h) { ((raw_http *)h->data)->done = true; }
static inline void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  raw_http *r = s->data;
  (void)b;
  if (n > 0) r->len += (size_t)n;
  r->resp[r->len] = 0;
  if (n < 0 || r->len >= sizeof r->resp - 1) uv_close((uv_handle_t *)&r->tcp, raw_closed);
}
static inline void raw_written(uv_write_t *wr, int status) { (void)wr; (void)status; }
static inline void raw_connected(uv_connect_t *c, int status) {
  raw_http *r = c->data;
  assert_int_equal(status, 0);
  uv_buf_t b = uv_buf_init(r->req, (unsigned)strlen(r->req));
  uv_write(&r->wr, (uv_stream_t *)&r->tcp, &b, 1, raw_written);
  uv_read_start((uv_stream_t *)&r->tcp, raw_alloc, raw_read);
}

/* POST body; fills out (static: the previous answer is overwritten). */
static inline const char *world_post(world *w, const char *body) {
  static raw_http r;
  memset(&r, 0, sizeof r);
  snprintf(r.req, sizeof r.req,
           "POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nConnection: close\r\n"
           "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", vt_http_server_port(w->gw.http), &a);
  uv_tcp_init(&w->loop, &r.tcp);
  r.tcp.data = &r;
  r.conn.data = &r;
  assert_int_equal(uv_tcp_connect(&r.conn, &r.tcp, (const struct sockaddr *)&a, raw_connected), 0);
  uint64_t end = uv_now(&w->loop) + 6000;
  while (!r.done && uv_now(&w->loop) < end) {
    uv_run(&w->loop, UV_RUN_ONCE);
    uv_update_time(&w->loop);
  }
  assert_true(r.done);
  return r.resp;
}

/* The value of response header name (case as verity writes it), or "" (static). */
static inline const char *resp_header(const char *resp, const char *name) {
  static char v[128];
  v[0] = 0;
  char want[64];
  snprintf(want, sizeof want, "\r\n%s: ", name);
  const char *p = strcasestr(resp, want);
  if (!p) return v;
  p += strlen(want);
  size_t n = strcspn(p, "\r\n");
  snprintf(v, sizeof v, "%.*s", (int)(n < sizeof v - 1 ? n : sizeof v - 1), p);
  return v;
}


#endif

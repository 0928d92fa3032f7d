/*
 * fuzz_fetch.c: arbitrary bytes as an upstream's HTTP reply, through the real fetcher.
 *
 * A loopback libuv server (same loop, same process) answers each request with the
 * fuzz input verbatim and then closes the connection. The fetcher (src/net/fetch.c)
 * parses it with curl and our header/body callbacks (Retry-After, Date, the response
 * cap), and the harness checks the contract of the result: one callback, an error in
 * range, a message that is "" exactly when OK, a body within the cap, Retry-After
 * either -1 or clamped to [0, VT_FETCH_MAX_RETRY_AFTER_S], HTTP version 0..2.
 * The loop, server and fetcher are created once and live for the whole run.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "net/fetch.h"

#define FUZZ_MAX_INPUT  (64u * 1024) /* longer inputs are cut */
#define FUZZ_MAX_BODY   4096u        /* the fetcher's response cap in this harness */
#define FUZZ_TIMEOUT_MS 2000u

typedef struct {
  uv_tcp_t tcp;
  uv_write_t w;
  char req[8192];
  size_t len;
  bool replied;
} fconn;

static uv_loop_t g_loop;
static uv_tcp_t g_lis;
static vt_fetcher *g_f;
static char g_url[64];
static const uint8_t *g_reply;
static size_t g_reply_len;

static void fconn_closed(uv_handle_t *h) { free(h->data); }

static void fconn_written(uv_write_t *w, int status) {
  (void)status;
  uv_close((uv_handle_t *)w->handle, fconn_closed);
}

static void fconn_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b) {
  fconn *c = h->data;
  (void)sz;
  b->base = c->req + c->len;
  b->len = sizeof c->req - 1 - c->len;
}

static void fconn_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  fconn *c = st->data;
  (void)b;
  if (c->replied) return;
  if (n < 0 || (n == 0 && c->len + 1 == sizeof c->req)) {
    uv_close((uv_handle_t *)st, fconn_closed);
    return;
  }
  c->len += (size_t)n;
  c->req[c->len] = 0;
  if (!strstr(c->req, "\r\n\r\n")) return;
  c->replied = true;
  uv_read_stop(st);
  uv_buf_t out = uv_buf_init((char *)g_reply, (unsigned)g_reply_len);
  if (uv_write(&c->w, st, &out, 1, fconn_written) != 0) uv_close((uv_handle_t *)st, fconn_closed);
}

static void on_accept(uv_stream_t *lis, int status) {
  if (status != 0) return;
  fconn *c = calloc(1, sizeof *c);
  if (!c) abort();
  uv_tcp_init(&g_loop, &c->tcp);
  c->tcp.data = c;
  if (uv_accept(lis, (uv_stream_t *)&c->tcp) != 0) {
    uv_close((uv_handle_t *)&c->tcp, fconn_closed);
    return;
  }
  uv_read_start((uv_stream_t *)&c->tcp, fconn_alloc, fconn_read);
}

static void setup(void) {
  struct sockaddr_in a;
  struct sockaddr_storage got;
  int len = sizeof got;
  if (uv_loop_init(&g_loop) != 0) abort();
  uv_ip4_addr("127.0.0.1", 0, &a);
  uv_tcp_init(&g_loop, &g_lis);
  if (uv_tcp_bind(&g_lis, (const struct sockaddr *)&a, 0) != 0) abort();
  if (uv_listen((uv_stream_t *)&g_lis, 64, on_accept) != 0) abort();
  uv_tcp_getsockname(&g_lis, (struct sockaddr *)&got, &len);
  snprintf(g_url, sizeof g_url, "http://127.0.0.1:%d/", ntohs(((struct sockaddr_in *)&got)->sin_port));
  g_f = vt_fetcher_new(&g_loop, NULL);
  if (!g_f) abort();
}

static void on_result(const vt_fetch_result *r, void *ud) {
  int *calls = ud;
  (*calls)++;
  assert(r->error >= VT_FETCH_OK && r->error <= VT_FETCH_E_SHUTDOWN);
  assert(r->error != VT_FETCH_E_CANCELLED && r->error != VT_FETCH_E_SHUTDOWN);
  assert(r->error_msg && (r->error == VT_FETCH_OK) == (r->error_msg[0] == 0));
  assert(r->body && r->body_len <= FUZZ_MAX_BODY);
  assert(r->error == VT_FETCH_OK || r->body_len == 0);
  assert(r->retry_after_s == -1 || (r->retry_after_s >= 0 && r->retry_after_s <= VT_FETCH_MAX_RETRY_AFTER_S));
  assert(r->http_version >= 0 && r->http_version <= 2);
  assert(r->error != VT_FETCH_OK || (r->http_status >= 200 && r->http_status <= 599));
  assert(!strstr(r->error_msg, "127.0.0.1"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool ready;
  if (!ready) {
    setup();
    ready = true;
  }
  g_reply = data;
  g_reply_len = size > FUZZ_MAX_INPUT ? FUZZ_MAX_INPUT : size;
  int calls = 0;
  vt_fetch_opts o = {.url = g_url, .timeout_ms = FUZZ_TIMEOUT_MS, .max_response = FUZZ_MAX_BODY};
  vt_fetch *x = vt_fetch_start(g_f, &o, on_result, &calls);
  assert(x != NULL);
  while (calls == 0) uv_run(&g_loop, UV_RUN_ONCE);
  /* Let the server side finish closing this exchange before the next input. */
  uv_run(&g_loop, UV_RUN_NOWAIT);
  return 0;
}

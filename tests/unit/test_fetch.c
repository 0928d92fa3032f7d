/*
 * test_fetch.c: the upstream HTTP client (src/net/fetch.c) against a tiny loopback
 * HTTP/1.1 server that runs on the same libuv loop inside this test (the server is
 * upstream_testsrv.h, shared with test_h1client.c; the per-test harness, env_new,
 * fetch_one and friends, is below).
 *
 * The server picks a canned behaviour by path (a table): JSON 200, echo, 500, 429 with
 * Retry-After in seconds and as an HTTP-date, redirect, slow, hang, truncated, huge
 * (Content-Length and chunked), empty reply, garbage, a folded first header (the
 * libcurl < 8.1.0 handle-reuse bug). The tests cover the outcome mapping (a table of
 * expected results), POST headers, keep-alive reuse, concurrency and the per-host
 * connection cap, cancel (in flight, from callbacks), re-entrant starts, closing with
 * requests in flight or from a callback, bad input, proxies in the environment being
 * ignored, and a socket libuv refuses to watch (fault injection: this file overrides
 * uv_poll_init_socket for the statically linked fetcher). Every test ends by closing
 * everything and checking uv_loop_close() == 0, so ASan sees any leak.
 * BENCH=1 prints the per-request cost (wall and process CPU) of 10k sequential
 * keep-alive POSTs next to a bare libuv client doing the same exchange; nothing is
 * asserted on time.
 */
#include "testutil.h"

#include <dlfcn.h>
#include <sys/resource.h>
#include <uv.h>

#include "net/fetch.h"
#include "upstream_testsrv.h"

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

/* Fault injection: this definition wins over libuv's for the fetcher linked into this
 * test; while g_fail_poll_init > 0 it fails, otherwise it forwards to libuv. */
static int g_fail_poll_init;
int uv_poll_init_socket(uv_loop_t *loop, uv_poll_t *handle, uv_os_sock_t sock) {
  typedef int (*init_fn)(uv_loop_t *, uv_poll_t *, uv_os_sock_t);
  static init_fn real;
  if (g_fail_poll_init > 0) {
    g_fail_poll_init--;
    return UV_ENOMEM;
  }
  if (!real) *(void **)&real = dlsym(RTLD_NEXT, "uv_poll_init_socket");
  assert_non_null(real);
  return real(loop, handle, sock);
}

/* ---------------------------------------------------------------- tests ---- */

/* One row per canned behaviour: what the caller must see. -1 = not checked. */
static const struct {
  const char *path;
  unsigned timeout_ms;
  size_t max;
  vt_fetch_error err;
  long status;
  const char *body, *msg_has;
  double retry_lo, retry_hi, min_ms;
} canned[] = {
    {"/ok", 2000, 0, VT_FETCH_OK, 200, OK_BODY, "", -1, -1, 0},
    {"/500", 2000, 0, VT_FETCH_OK, 500, "{\"e\":1}", "", -1, -1, 0},
    {"/429s", 2000, 0, VT_FETCH_OK, 429, "{}", "", 2, 2, 0},
    {"/429d", 2000, 0, VT_FETCH_OK, 429, "{}", "", 4, 6, 0},
    {"/redirect", 2000, 0, VT_FETCH_E_TRANSPORT, 301, "", "redirect", -1, -1, 0},
    {"/slow", 3000, 0, VT_FETCH_OK, 200, OK_BODY, "", -1, -1, 290},
    {"/hang", 200, 0, VT_FETCH_E_TIMEOUT, 0, "", "timed out", -1, -1, 190},
    {"/slow", 100, 0, VT_FETCH_E_TIMEOUT, 0, "", "timed out", -1, -1, 90},
    {"/trunc", 2000, 0, VT_FETCH_E_TRANSPORT, -1, "", "truncated", -1, -1, 0},
    {"/empty", 2000, 0, VT_FETCH_E_TRANSPORT, 0, "", "without a reply", -1, -1, 0},
    {"/garbage", 2000, 0, VT_FETCH_E_TRANSPORT, 0, "", "not HTTP", -1, -1, 0},
    {"/folded", 2000, 0, VT_FETCH_E_TRANSPORT, -1, "", "", -1, -1, 0}, /* after 200s */
    {"/huge", 5000, 65536, VT_FETCH_E_TOO_LARGE, -1, "", "65536", -1, -1, 0},
    {"/hugechunked", 5000, 65536, VT_FETCH_E_TOO_LARGE, -1, "", "65536", -1, -1, 0},
    {"/ok", 2000, sizeof OK_BODY - 1, VT_FETCH_OK, 200, OK_BODY, "", -1, -1, 0}, /* at the cap */
    {"/ok", 2000, sizeof OK_BODY - 2, VT_FETCH_E_TOO_LARGE, -1, "", "", -1, -1, 0},
};

static void test_canned_outcomes(void **state) {
  (void)state;
  /* A proxy in the environment must be ignored (this one would refuse); it stays set
   * for the rest of the run, so every later test checks that too. */
  setenv("http_proxy", "http://127.0.0.1:1", 1);
  setenv("HTTPS_PROXY", "http://127.0.0.1:1", 1);
  env *e = env_new();
  size_t n = sizeof canned / sizeof canned[0], nok = 0;
  for (size_t i = 0; i < n; i++) {
    cap c;
    fetch_one(e, canned[i].path, NULL, canned[i].timeout_ms, canned[i].max, &c);
    assert_int_equal(c.err, canned[i].err);
    if (canned[i].status >= 0) assert_int_equal(c.status, canned[i].status);
    assert_string_equal(c.body, canned[i].body);
    assert_non_null(strstr(c.msg, canned[i].msg_has));
    assert_true((c.err == VT_FETCH_OK) == (c.msg[0] == 0));
    if (canned[i].retry_lo < 0) assert_true(c.retry < 0);
    else assert_true(c.retry >= canned[i].retry_lo && c.retry <= canned[i].retry_hi);
    assert_true(c.elapsed > 0 && c.elapsed >= canned[i].min_ms && c.elapsed < 3000);
    if (c.status) assert_int_equal(c.httpver, 1);
    nok += c.err == VT_FETCH_OK;
  }
  assert_string_equal(e->s.last_method, "GET");
  vt_fetch_stats st;
  vt_fetcher_stats(e->f, &st);
  assert_int_equal(st.started, n);
  assert_int_equal(st.completed, nok);
  assert_int_equal(st.failed, n - nok);
  assert_int_equal(st.in_flight, 0);
  assert_true(st.bytes_in >= 2 * strlen(OK_BODY) && st.bytes_in <= 4 * 65536); /* caps cut early */
  env_free(e);
}

/* A socket libuv refuses to watch fails that one request; the fetcher lives on.
 * curl's sockets only: plain http:// would go to the native HTTP/1.1 client. */
static void test_unwatchable_socket(void **state) {
  (void)state;
  bool was_set = getenv("VERITY_FETCH_CURL_ONLY") != NULL;
  setenv("VERITY_FETCH_CURL_ONLY", "1", 1); /* read by vt_fetcher_new() */
  env *e = env_new();
  if (!was_set) unsetenv("VERITY_FETCH_CURL_ONLY");
  cap c;
  g_fail_poll_init = 1;
  fetch_one(e, "/ok", NULL, 2000, 0, &c);
  assert_int_equal(c.err, VT_FETCH_E_TRANSPORT);
  assert_non_null(strstr(c.msg, "could not watch"));
  assert_true(c.elapsed < 1000); /* failed at once, not by the timeout */
  fetch_one(e, "/ok", NULL, 2000, 0, &c);
  assert_int_equal(c.err, VT_FETCH_OK);
  assert_string_equal(c.body, OK_BODY);
  env_free(e);
}

static void test_post_headers(void **state) {
  (void)state;
  env *e = env_new();
  cap c;
  fetch_one(e, "/echo", "{\"method\":\"eth_chainId\"}", 2000, 0, &c);
  assert_int_equal(c.err, VT_FETCH_OK);
  assert_string_equal(c.body, "{\"method\":\"eth_chainId\"}");
  assert_string_equal(e->s.last_method, "POST");
  assert_string_equal(e->s.last_ct, "application/json");
  assert_int_equal(e->s.last_ct_count, 1);

  /* A caller's Content-Type replaces the default; a big body sends no Expect
   * (curl would otherwise wait up to 1 s for a 100-continue). */
  static char big[1536 * 1024];
  memset(big, 'x', sizeof big - 1);
  const char *hdrs[] = {"content-type: text/plain", "X-Key: abc"};
  vt_fetch_opts o = {.url = url_of(e, "/echo"), .headers = hdrs, .nheaders = 2,
                     .body = big, .body_len = sizeof big - 1, .timeout_ms = 2000};
  memset(&c, 0, sizeof c);
  assert_non_null(vt_fetch_start(e->f, &o, on_cap, &c));
  run_until(e, &c.calls, 1, 5000);
  assert_int_equal(c.err, VT_FETCH_OK);
  assert_int_equal(c.body_len, sizeof big - 1);
  assert_string_equal(e->s.last_ct, "text/plain");
  assert_int_equal(e->s.last_ct_count, 1);
  assert_false(e->s.last_expect);
  assert_int_equal(e->s.last_body_len, sizeof big - 1);

  /* Zero-length POST is a POST. */
  o = (vt_fetch_opts){.url = url_of(e, "/echo"), .body = "", .body_len = 0, .timeout_ms = 2000};
  memset(&c, 0, sizeof c);
  assert_non_null(vt_fetch_start(e->f, &o, on_cap, &c));
  run_until(e, &c.calls, 1, 5000);
  assert_int_equal(c.err, VT_FETCH_OK);
  assert_string_equal(e->s.last_method, "POST");
  assert_int_equal(c.body_len, 0);
  fetch_one(e, "/echo", NULL, 2000, 0, &c); /* a recycled POST handle does a clean GET */
  assert_string_equal(e->s.last_method, "GET");
  assert_int_equal(e->s.last_body_len, 0);
  assert_int_equal(e->s.last_ct_count, 0); /* no Content-Type on a GET */
  env_free(e);
}

static void test_connect_errors_hide_url(void **state) {
  (void)state;
  env *e = env_new();
  /* A port that was just bound and closed: connection refused. */
  uv_tcp_t t;
  struct sockaddr_in a;
  struct sockaddr_storage got;
  int len = sizeof got;
  uv_ip4_addr("127.0.0.1", 0, &a);
  uv_tcp_init(&e->loop, &t);
  assert_int_equal(uv_tcp_bind(&t, (const struct sockaddr *)&a, 0), 0);
  uv_tcp_getsockname(&t, (struct sockaddr *)&got, &len);
  int port = ntohs(((struct sockaddr_in *)&got)->sin_port);
  uv_close((uv_handle_t *)&t, NULL);
  run_for(e, 20);

  static const struct { const char *fmt; vt_fetch_error want; } cases[] = {
      {"http://127.0.0.1:%d/v3/SECRETKEY", VT_FETCH_E_CONNECT},
      {"ftp://127.0.0.1:%d/SECRETKEY", VT_FETCH_E_CONNECT},
      {"file:///etc/passwd?SECRETKEY%d", VT_FETCH_E_CONNECT},
      {"http://user:SECRETKEY@127.0.0.1:%d/", VT_FETCH_E_CONNECT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char url[128];
    snprintf(url, sizeof url, cases[i].fmt, port);
    vt_fetch_opts o = {.url = url, .timeout_ms = 2000};
    cap c = {0};
    assert_non_null(vt_fetch_start(e->f, &o, on_cap, &c));
    assert_int_equal(c.calls, 0);
    run_until(e, &c.calls, 1, 5000);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.err, cases[i].want);
    assert_true(strlen(c.msg) > 0);
    assert_null(strstr(c.msg, "SECRETKEY"));
    assert_null(strstr(c.msg, "127.0.0.1"));
  }
  env_free(e);
}

/* 20 sequential requests, each started from the previous one's callback. */
typedef struct { env *e; int done, ok, reused; } chain;

static void on_chain(const vt_fetch_result *r, void *ud) {
  chain *ch = ud;
  ch->done++;
  if (r->error == VT_FETCH_OK && r->http_status == 200) ch->ok++;
  if (ch->done > 1 && r->connect_ms == 0) ch->reused++;
  if (ch->done < 20) {
    vt_fetch_opts o = {.url = url_of(ch->e, "/echo"), .body = "{\"id\":1}", .body_len = 8, .timeout_ms = 2000};
    assert_non_null(vt_fetch_start(ch->e->f, &o, on_chain, ch));
  }
}

static void test_keepalive_and_reentrancy(void **state) {
  (void)state;
  env *e = env_new();
  chain ch = {.e = e};
  vt_fetch_opts o = {.url = url_of(e, "/echo"), .body = "{\"id\":1}", .body_len = 8, .timeout_ms = 2000};
  assert_non_null(vt_fetch_start(e->f, &o, on_chain, &ch));
  run_until(e, &ch.done, 20, 10000);
  assert_int_equal(ch.done, 20);
  assert_int_equal(ch.ok, 20);
  assert_int_equal(ch.reused, 19);
  assert_int_equal(e->s.accepted, 1);
  assert_int_equal(e->s.requests, 20);
  env_free(e);
}

static void test_concurrent_50(void **state) {
  (void)state;
  env *e = env_new();
  cap caps[50];
  memset(caps, 0, sizeof caps);
  int total = 0;
  for (int i = 0; i < 50; i++) {
    vt_fetch_opts o = {.url = url_of(e, i % 5 == 0 ? "/slow" : "/ok"), .timeout_ms = 5000};
    assert_non_null(vt_fetch_start(e->f, &o, on_cap, &caps[i]));
  }
  vt_fetch_stats st;
  vt_fetcher_stats(e->f, &st);
  assert_int_equal(st.in_flight, 50);
  uint64_t deadline = uv_hrtime() + 8000000000ull;
  while (total < 50 && uv_hrtime() < deadline) {
    uv_run(&e->loop, UV_RUN_ONCE);
    total = 0;
    for (int i = 0; i < 50; i++) total += caps[i].calls;
  }
  for (int i = 0; i < 50; i++) {
    assert_int_equal(caps[i].calls, 1);
    assert_int_equal(caps[i].err, VT_FETCH_OK);
    assert_string_equal(caps[i].body, OK_BODY);
  }
  vt_fetcher_stats(e->f, &st);
  assert_int_equal(st.completed, 50);
  assert_int_equal(st.in_flight, 0);
  assert_true(e->s.accepted <= 32); /* max_host_connections default */

  /* A second fetcher capped at 2 connections per host: 6 slow requests queue. */
  vt_fetcher_limits l;
  vt_fetcher_limits_default(&l);
  l.max_host_connections = 2;
  vt_fetcher *g = vt_fetcher_new(&e->loop, &l);
  assert_non_null(g);
  unsigned before = e->s.accepted;
  memset(caps, 0, sizeof caps);
  vt_fetch_opts o = {.url = url_of(e, "/slow"), .timeout_ms = 5000};
  for (int i = 0; i < 6; i++) assert_non_null(vt_fetch_start(g, &o, on_cap, &caps[i]));
  for (int i = 0; i < 6; i++) run_until(e, &caps[i].calls, 1, 5000);
  double slowest = 0;
  for (int i = 0; i < 6; i++) {
    assert_int_equal(caps[i].err, VT_FETCH_OK);
    if (caps[i].elapsed > slowest) slowest = caps[i].elapsed;
  }
  assert_int_equal(e->s.accepted - before, 2);
  assert_true(slowest >= 850.0); /* three rounds of 300 ms */
  vt_fetcher_close(g, NULL, NULL);
  env_free(e);
}

static void test_cancel_in_flight(void **state) {
  (void)state;
  env *e = env_new();
  cap hang = {0}, c;
  vt_fetch_opts o = {.url = url_of(e, "/hang"), .timeout_ms = 300};
  vt_fetch *x = vt_fetch_start(e->f, &o, on_cap, &hang);
  assert_non_null(x);
  run_for(e, 50);
  vt_fetch_cancel(x);
  vt_fetch_cancel(NULL);
  run_for(e, 400); /* past the timeout it would have hit */
  assert_int_equal(hang.calls, 0);
  /* Cancel before the loop ever ran. */
  x = vt_fetch_start(e->f, &o, on_cap, &hang);
  assert_non_null(x);
  vt_fetch_cancel(x);
  run_for(e, 50);
  assert_int_equal(hang.calls, 0);
  vt_fetch_stats st;
  vt_fetcher_stats(e->f, &st);
  assert_int_equal(st.cancelled, 2);
  assert_int_equal(st.in_flight, 0);
  fetch_one(e, "/ok", NULL, 2000, 0, &c); /* the fetcher still works */
  assert_int_equal(c.err, VT_FETCH_OK);
  env_free(e);
}

typedef struct { vt_fetch *victim, *self; int calls; } canceller;

static void on_cancel_other(const vt_fetch_result *r, void *ud) {
  canceller *k = ud;
  assert_int_equal(r->error, VT_FETCH_OK);
  k->calls++;
  vt_fetch_cancel(k->victim);
  vt_fetch_cancel(k->self); /* cancelling oneself inside one's callback is a no-op */
}

static void test_cancel_from_callback(void **state) {
  (void)state;
  env *e = env_new();
  cap hang = {0};
  canceller k = {0};
  vt_fetch_opts oh = {.url = url_of(e, "/hang"), .timeout_ms = 300};
  k.victim = vt_fetch_start(e->f, &oh, on_cap, &hang);
  assert_non_null(k.victim);
  vt_fetch_opts oo = {.url = url_of(e, "/ok"), .timeout_ms = 2000};
  k.self = vt_fetch_start(e->f, &oo, on_cancel_other, &k);
  assert_non_null(k.self);
  run_until(e, &k.calls, 1, 5000);
  assert_int_equal(k.calls, 1);
  run_for(e, 400);
  assert_int_equal(hang.calls, 0);
  vt_fetch_stats st;
  vt_fetcher_stats(e->f, &st);
  assert_int_equal(st.cancelled, 1);
  assert_int_equal(st.completed, 1);
  assert_int_equal(st.in_flight, 0);
  env_free(e);
}

typedef struct { env *e; int calls, shutdowns, refused; } closer;

static void on_shutdown(const vt_fetch_result *r, void *ud) {
  closer *k = ud;
  k->calls++;
  if (r->error == VT_FETCH_E_SHUTDOWN) k->shutdowns++;
  vt_fetch_opts o = {.url = url_of(k->e, "/ok")};
  if (!vt_fetch_start(k->e->f, &o, on_shutdown, k)) k->refused++;
}

static void test_close_in_flight(void **state) {
  (void)state;
  env *e = env_new();
  closer k = {.e = e};
  vt_fetch_opts o = {.url = url_of(e, "/hang"), .timeout_ms = 5000};
  for (int i = 0; i < 5; i++) assert_non_null(vt_fetch_start(e->f, &o, on_shutdown, &k));
  run_for(e, 50);
  vt_fetcher *f = e->f;
  e->f = NULL;
  vt_fetcher_close(f, on_fetcher_closed, e);
  assert_int_equal(k.shutdowns, 5); /* delivered inside close */
  assert_int_equal(k.refused, 5);   /* no new work once closing */
  assert_int_equal(e->closed, 0);   /* done comes from the loop */
  env_free(e);
  assert_int_equal(k.calls, 5);
}

static void on_close_from_cb(const vt_fetch_result *r, void *ud) {
  env *e = ud;
  assert_int_equal(r->error, VT_FETCH_OK);
  vt_fetcher *f = e->f;
  e->f = NULL;
  vt_fetcher_close(f, on_fetcher_closed, e);
}

static void test_close_from_callback(void **state) {
  (void)state;
  env *e = env_new();
  cap hang = {0};
  vt_fetch_opts oh = {.url = url_of(e, "/hang"), .timeout_ms = 5000};
  assert_non_null(vt_fetch_start(e->f, &oh, on_cap, &hang));
  vt_fetch_opts oo = {.url = url_of(e, "/ok"), .timeout_ms = 2000};
  assert_non_null(vt_fetch_start(e->f, &oo, on_close_from_cb, e));
  run_until(e, &e->closed, 1, 5000);
  assert_int_equal(e->closed, 1);
  assert_int_equal(hang.calls, 1);
  assert_int_equal(hang.err, VT_FETCH_E_SHUTDOWN);
  env_free(e); /* e->f is NULL: checks the loop closes clean */
}

static void test_bad_input(void **state) {
  (void)state;
  env *e = env_new();
  cap c = {0};
  static char longurl[VT_FETCH_MAX_URL + 16];
  memset(longurl, 'a', sizeof longurl - 1);
  memcpy(longurl, "http://", 7);
  static char longhdr[VT_FETCH_MAX_HEADER_LEN + 16];
  memset(longhdr, 'h', sizeof longhdr - 1);
  longhdr[1] = ':';
  const char *crlf[] = {"X-A: b\r\nX-Injected: 1"};
  const char *nocolon[] = {"NoColon"};
  const char *nullh[] = {NULL};
  const char *lh[] = {longhdr};
  const char *many[VT_FETCH_MAX_HEADERS + 1];
  for (size_t i = 0; i < VT_FETCH_MAX_HEADERS + 1; i++) many[i] = "X-A: b";
  const char *ok = url_of(e, "/ok");
  const vt_fetch_opts bad[] = {
      {.url = NULL},
      {.url = longurl},
      {.url = ok, .headers = crlf, .nheaders = 1},
      {.url = ok, .headers = nocolon, .nheaders = 1},
      {.url = ok, .headers = nullh, .nheaders = 1},
      {.url = ok, .headers = lh, .nheaders = 1},
      {.url = ok, .headers = many, .nheaders = VT_FETCH_MAX_HEADERS + 1},
      {.url = ok, .headers = NULL, .nheaders = 1},
      {.url = ok, .body = NULL, .body_len = 3},
      {.url = ok, .body = "x", .body_len = VT_FETCH_MAX_REQUEST_BODY + 1},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_null(vt_fetch_start(e->f, &bad[i], on_cap, &c));
  vt_fetch_opts good = {.url = ok};
  assert_null(vt_fetch_start(e->f, &good, NULL, &c));
  assert_null(vt_fetch_start(NULL, &good, on_cap, &c));
  assert_null(vt_fetch_start(e->f, NULL, on_cap, &c));
  run_for(e, 30);
  assert_int_equal(c.calls, 0);
  vt_fetch_stats st;
  vt_fetcher_stats(e->f, &st);
  assert_int_equal(st.started, 0);
  /* Exactly VT_FETCH_MAX_HEADERS is accepted. */
  vt_fetch_opts at_cap = {.url = ok, .headers = many, .nheaders = VT_FETCH_MAX_HEADERS, .timeout_ms = 2000};
  assert_non_null(vt_fetch_start(e->f, &at_cap, on_cap, &c));
  run_until(e, &c.calls, 1, 5000);
  assert_int_equal(c.err, VT_FETCH_OK);
  env_free(e);
}

static void test_idle_close(void **state) {
  (void)state;
  env *e = env_new();
  env_free(e);
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  vt_fetcher_limits l;
  vt_fetcher_limits_default(&l);
  l.http2 = false;
  vt_fetcher *f = vt_fetcher_new(&loop, &l);
  assert_non_null(f);
  vt_fetcher_close(f, NULL, NULL);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(uv_loop_close(&loop), 0);
  assert_null(vt_fetcher_new(NULL, NULL));
  static const struct { vt_fetch_error e; const char *name; } names[] = {
      {VT_FETCH_OK, "ok"}, {VT_FETCH_E_CONNECT, "connect"}, {VT_FETCH_E_TIMEOUT, "timeout"},
      {VT_FETCH_E_TOO_LARGE, "too_large"}, {VT_FETCH_E_TRANSPORT, "transport"},
      {VT_FETCH_E_CANCELLED, "cancelled"}, {VT_FETCH_E_SHUTDOWN, "shutdown"}, {(vt_fetch_error)99, "unknown"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    assert_string_equal(vt_fetch_error_name(names[i].e), names[i].name);
}

/* ------------------------------------------------------------- bench ---- */

#define BENCH_BODY "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[]}"

typedef struct { env *e; int left, ok; } bench_ctx;

static void on_bench(const vt_fetch_result *r, void *ud) {
  bench_ctx *b = ud;
  if (r->error == VT_FETCH_OK && r->body_len == strlen(BENCH_BODY)) b->ok++;
  if (--b->left > 0) {
    vt_fetch_opts o = {.url = b->e->url, .body = BENCH_BODY, .body_len = strlen(BENCH_BODY), .timeout_ms = 5000};
    assert_non_null(vt_fetch_start(b->e->f, &o, on_bench, b));
  }
}

/* The same exchange by a bare libuv client on one connection: the floor. */
typedef struct {
  uv_tcp_t tcp;
  uv_connect_t cr;
  uv_write_t w;
  uv_buf_t req;
  int left;
  bool done;
  size_t len;
  char buf[8192];
} rawc;

static void raw_send(rawc *r);
static void raw_written(uv_write_t *w, int status) { (void)w; assert_int_equal(status, 0); }
static void raw_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b) {
  rawc *r = h->data;
  (void)sz;
  b->base = r->buf + r->len;
  b->len = sizeof r->buf - 1 - r->len;
}
static void raw_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
  rawc *r = st->data;
  (void)b;
  assert_true(n >= 0);
  r->len += (size_t)n;
  r->buf[r->len] = 0;
  char *end = strstr(r->buf, "\r\n\r\n");
  if (!end) return;
  size_t need = (size_t)(end + 4 - r->buf) + header_num(r->buf, "\r\ncontent-length:");
  if (r->len < need) return;
  r->len = 0;
  if (--r->left > 0) { raw_send(r); return; }
  r->done = true;
  uv_close((uv_handle_t *)&r->tcp, NULL);
}
static void raw_send(rawc *r) { uv_write(&r->w, (uv_stream_t *)&r->tcp, &r->req, 1, raw_written); }
static void raw_connected(uv_connect_t *c, int status) {
  rawc *r = c->data;
  assert_int_equal(status, 0);
  uv_read_start((uv_stream_t *)&r->tcp, raw_alloc, raw_read);
  raw_send(r);
}

/* Process CPU time (user + system) in microseconds. */
static double cpu_us(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static double bench_raw(env *e, int n, double *cpu) {
  static rawc r;
  char req[512];
  int rl = snprintf(req, sizeof req, "POST /echo HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: verity\r\n"
                    "Accept: */*\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                    e->s.port, strlen(BENCH_BODY), BENCH_BODY);
  struct sockaddr_in a;
  memset(&r, 0, sizeof r);
  r.req = uv_buf_init(req, (unsigned)rl);
  r.left = n;
  r.tcp.data = r.cr.data = &r;
  uv_ip4_addr("127.0.0.1", e->s.port, &a);
  uv_tcp_init(&e->loop, &r.tcp);
  uv_tcp_nodelay(&r.tcp, 1);
  uint64_t t0 = uv_hrtime();
  double c0 = cpu_us();
  uv_tcp_connect(&r.cr, &r.tcp, (const struct sockaddr *)&a, raw_connected);
  while (!r.done) uv_run(&e->loop, UV_RUN_ONCE);
  *cpu = (cpu_us() - c0) / n;
  return (double)(uv_hrtime() - t0) / 1e3 / n;
}

static void test_bench(void **state) {
  (void)state;
  bool print = getenv("BENCH") && strcmp(getenv("BENCH"), "1") == 0;
  int n = print ? 10000 : 300;
  env *e = env_new();
  bench_ctx b = {.e = e, .left = n};
  url_of(e, "/echo");
  vt_fetch_opts o = {.url = e->url, .body = BENCH_BODY, .body_len = strlen(BENCH_BODY), .timeout_ms = 5000};
  /* warm-up: connection set up before timing */
  cap c;
  fetch_one(e, "/echo", BENCH_BODY, 5000, 0, &c);
  url_of(e, "/echo");
  uint64_t t0 = uv_hrtime();
  double c0 = cpu_us(), raw_cpu = 0;
  assert_non_null(vt_fetch_start(e->f, &o, on_bench, &b));
  while (b.left > 0) uv_run(&e->loop, UV_RUN_ONCE);
  double fetch_us = (double)(uv_hrtime() - t0) / 1e3 / n, fetch_cpu = (cpu_us() - c0) / n;
  assert_int_equal(b.ok, n);
  assert_int_equal(e->s.accepted, 1);
  double raw_us = bench_raw(e, n, &raw_cpu);
  if (print)
    printf("BENCH fetch: %d sequential keep-alive POSTs (one process serves both ends)\n"
           "BENCH   wall: vt_fetch %.2f us/req, raw libuv client %.2f us/req, overhead %.2f us/req\n"
           "BENCH   cpu:  vt_fetch %.2f us/req, raw libuv client %.2f us/req, overhead %.2f us/req\n",
           n, fetch_us, raw_us, fetch_us - raw_us, fetch_cpu, raw_cpu, fetch_cpu - raw_cpu);
  env_free(e);
}

/* content_type is reported by both paths: the native HTTP/1.1 client (the default for
 * http://) and curl (VERITY_FETCH_CURL_ONLY=1, read when the fetcher is made). */
static void on_ctype(const vt_fetch_result *r, void *ud) {
  char *out = ud;
  assert_int_equal(r->error, VT_FETCH_OK);
  assert_non_null(r->content_type);
  snprintf(out, 160, "%s", r->content_type);
}

static void test_content_type_both_paths(void **state) {
  (void)state;
  const char *was = getenv("VERITY_FETCH_CURL_ONLY");
  char *saved = was ? strdup(was) : NULL;
  static const char *const modes[] = {"0", "1"};
  for (size_t i = 0; i < 2; i++) {
    setenv("VERITY_FETCH_CURL_ONLY", modes[i], 1);
    env *e = env_new();
    char ctype[160] = "unset";
    vt_fetch_opts o = {.url = url_of(e, "/ok"), .timeout_ms = 2000};
    assert_non_null(vt_fetch_start(e->f, &o, on_ctype, ctype));
    uint64_t deadline = uv_hrtime() + 5000000000ull;
    while (strcmp(ctype, "unset") == 0 && uv_hrtime() < deadline) uv_run(&e->loop, UV_RUN_ONCE);
    assert_string_equal(ctype, "application/json");
    env_free(e);
  }
  if (saved) setenv("VERITY_FETCH_CURL_ONLY", saved, 1);
  else unsetenv("VERITY_FETCH_CURL_ONLY");
  free(saved);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_canned_outcomes),       cmocka_unit_test(test_post_headers),
      cmocka_unit_test(test_unwatchable_socket),
      cmocka_unit_test(test_connect_errors_hide_url),
      cmocka_unit_test(test_keepalive_and_reentrancy), cmocka_unit_test(test_concurrent_50),
      cmocka_unit_test(test_cancel_in_flight),      cmocka_unit_test(test_cancel_from_callback),
      cmocka_unit_test(test_close_in_flight),       cmocka_unit_test(test_close_from_callback),
      cmocka_unit_test(test_bad_input),             cmocka_unit_test(test_idle_close),
      cmocka_unit_test(test_content_type_both_paths),
      cmocka_unit_test(test_bench),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

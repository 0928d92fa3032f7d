/*
 * test_h1client.c: the native HTTP/1.1 upstream client (src/net/h1client.c, h1conn.c
 * and the sans-I/O h1wire.c) against a small HTTP/1.1 server running on the same libuv
 * loop inside this test, on 127.0.0.1 only.
 *
 * The server (upstream_testsrv.h) picks a canned behaviour by path (a table): 200 JSON, echo, 500, 429 with
 * Retry-After in seconds and as an HTTP-date, redirect, delayed, hang, truncated body,
 * chunked body sent in pieces, bodies over the cap (Content-Length and chunked),
 * Connection: close, HTTP/1.0 read-until-close, 100 Continue, garbage. It records what
 * each request carried (Content-Type, Authorization, Host) and counts accepted
 * connections, so the tests can prove keep-alive reuse (50 requests, 1 connection),
 * the per-origin cap (100 concurrent requests, never more than 8 connections), the
 * stale-connection retry, idle expiry, cancel (queued, in flight, of another request
 * from a callback), re-entrant starts, and close with requests in flight or from a
 * callback. Every test closes everything and checks uv_loop_close() == 0, so ASan sees
 * any leak. BENCH=1 also prints the per-request cost of 20k sequential keep-alive
 * POSTs (nothing is asserted on time).
 */
#include "testutil.h"

#include <uv.h>

#include "upstream_testsrv.h"
#include "net/h1client.h"
#include "net/h1wire.h"

/* ----------------------------------------------------------------- harness ---- */

typedef struct {
  uv_loop_t loop;
  srv s;
  vt_h1 *c;
  uv_timer_t guard; /* fails the test instead of hanging */
  bool closed;
  char url[256];
} fx;

typedef struct {
  int calls;
  vt_fetch_error err;
  long status;
  double retry, elapsed, connect_ms;
  size_t body_len;
  char body[256], msg[256], ctype[160];
  fx *f;
  vt_h1_req *other; /* for callbacks that act on another request */
  void *other_rec;  /* its rec */
  int chain;        /* for callbacks that start more */
} rec;

static uv_loop_t *g_loop; /* the running test's loop: callbacks uv_stop() it */

static void on_guard(uv_timer_t *t) {
  (void)t;
  fail_msg("test took longer than its 15 s guard");
}

static void fx_init(fx *f, const vt_fetcher_limits *l) {
  memset(f, 0, sizeof *f);
  assert_int_equal(uv_loop_init(&f->loop), 0);
  g_loop = &f->loop;
  srv_start(&f->s, &f->loop);
  f->c = vt_h1_new(&f->loop, l);
  assert_non_null(f->c);
  uv_timer_init(&f->loop, &f->guard);
  uv_timer_start(&f->guard, on_guard, 15000, 0);
  uv_unref((uv_handle_t *)&f->guard);
}

static const char *fx_url(fx *f, const char *path) {
  snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d%s", f->s.port, path);
  return f->url;
}

static void on_closed_done(void *arg) { ((fx *)arg)->closed = true; }

static void fx_done(fx *f) {
  if (f->c) vt_h1_close(f->c, on_closed_done, f);
  f->c = NULL;
  uv_close((uv_handle_t *)&f->s.lis, NULL);
  srv_drop_conns(&f->s);
  uv_close((uv_handle_t *)&f->guard, NULL);
  while (uv_run(&f->loop, UV_RUN_DEFAULT) != 0) continue; /* a callback may have stopped it */
  assert_true(f->closed);
  assert_int_equal(uv_loop_close(&f->loop), 0);
}

static void rec_cb(const vt_fetch_result *r, void *ud) {
  rec *x = ud;
  uv_stop(g_loop); /* a timer-only iteration must not block UV_RUN_ONCE in poll */
  x->calls++;
  x->err = r->error;
  x->status = r->http_status;
  x->retry = r->retry_after_s;
  x->elapsed = r->elapsed_ms;
  x->connect_ms = r->connect_ms;
  x->body_len = r->body_len;
  assert_non_null(r->body);
  assert_int_equal(r->body[r->body_len], 0);
  snprintf(x->body, sizeof x->body, "%s", r->body);
  snprintf(x->msg, sizeof x->msg, "%s", r->error_msg);
  assert_non_null(r->content_type);
  snprintf(x->ctype, sizeof x->ctype, "%s", r->content_type);
  assert_null(strstr(r->error_msg, "127.0.0.1")); /* never the URL */
  assert_null(strstr(r->error_msg, "http://"));
  if (r->error == VT_FETCH_OK) assert_int_equal(r->http_version, 1);
}

static vt_h1_req *start(fx *f, const char *path, const char *body, unsigned timeout_ms, rec *x) {
  vt_fetch_opts o = {.url = fx_url(f, path), .body = body, .body_len = body ? strlen(body) : 0,
                     .timeout_ms = timeout_ms};
  vt_h1_req *q = vt_h1_start(f->c, &o, rec_cb, x);
  assert_non_null(q);
  assert_int_equal(x->calls, 0); /* never inside start */
  return q;
}

static void run_until(fx *f, const int *calls, int want) {
  while (*calls < want) assert_int_not_equal(uv_run(&f->loop, UV_RUN_ONCE), -1);
}

static void fetch_one(fx *f, const char *path, size_t max_response, rec *x) {
  vt_fetch_opts o = {.url = fx_url(f, path), .body = "{}", .body_len = 2, .timeout_ms = 5000,
                     .max_response = max_response};
  memset(x, 0, sizeof *x);
  assert_non_null(vt_h1_start(f->c, &o, rec_cb, x));
  run_until(f, &x->calls, 1);
}

/* ------------------------------------------------------------------- tests ---- */

static void test_outcomes(void **state) {
  (void)state;
  static const struct {
    const char *path;
    size_t max_response;
    vt_fetch_error err;
    long status;
    const char *body;
    double retry_lo, retry_hi;
  } cases[] = {
      {"/ok", 0, VT_FETCH_OK, 200, OK_BODY, -1, -1},
      {"/500", 0, VT_FETCH_OK, 500, "{\"e\":1}", -1, -1},
      {"/429s", 0, VT_FETCH_OK, 429, "{}", 2, 2},
      {"/429d", 0, VT_FETCH_OK, 429, "{}", 4, 6},
      {"/redirect", 0, VT_FETCH_E_TRANSPORT, 301, "", -1, -1},
      {"/nowhere", 0, VT_FETCH_OK, 404, "{}", -1, -1},
      {"/trunc", 0, VT_FETCH_E_TRANSPORT, 0, "", -1, -1},
      {"/garbage", 0, VT_FETCH_E_TRANSPORT, 0, "", -1, -1},
      {"/chunked", 0, VT_FETCH_OK, 200, "{\"a\":12}", -1, -1},
      {"/close", 0, VT_FETCH_OK, 200, "{}", -1, -1},
      {"/http10", 0, VT_FETCH_OK, 200, "{\"v\":10}", -1, -1},
      {"/continue", 0, VT_FETCH_OK, 200, "{}", -1, -1},
      {"/big", 1024 * 1024, VT_FETCH_E_TOO_LARGE, 0, "", -1, -1},
      {"/bigchunked", 1024 * 1024, VT_FETCH_E_TOO_LARGE, 0, "", -1, -1},
      {"/big", 0, VT_FETCH_OK, 200, NULL, -1, -1},
      {"/ok", 0, VT_FETCH_OK, 200, OK_BODY, -1, -1}, /* still fine after all that */
  };
  fx f;
  fx_init(&f, NULL);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    rec x;
    fetch_one(&f, cases[i].path, cases[i].max_response, &x);
    if (x.err != cases[i].err) fail_msg("%s: error %d (%s), want %d", cases[i].path, x.err, x.msg, cases[i].err);
    if (cases[i].err == VT_FETCH_OK || cases[i].status) assert_int_equal(x.status, cases[i].status);
    if (cases[i].body) assert_string_equal(x.body, cases[i].body);
    else assert_int_equal(x.body_len, BIG_BODY);
    if (cases[i].err != VT_FETCH_OK && !x.msg[0]) fail_msg("%s: no error message", cases[i].path);
    if (strcmp(cases[i].path, "/ok") == 0) assert_string_equal(x.ctype, "application/json");
    if (cases[i].err != VT_FETCH_OK && cases[i].status == 0) assert_string_equal(x.ctype, "");
    assert_true(x.retry >= cases[i].retry_lo && x.retry <= cases[i].retry_hi);
  }
  vt_h1_stats st;
  vt_h1_get_stats(f.c, &st);
  assert_int_equal(st.completed + st.failed, sizeof cases / sizeof cases[0]);
  fx_done(&f);
}

static void test_request_headers(void **state) {
  (void)state;
  fx f;
  fx_init(&f, NULL);
  rec x = {0};
  char url[256];
  snprintf(url, sizeof url, "http://us%%65r:p%%40ss@localhost:%d/echo?x=1#frag", f.s.port);
  vt_fetch_opts o = {.url = url, .body = "{\"a\":1}", .body_len = 7, .timeout_ms = 5000};
  assert_non_null(vt_h1_start(f.c, &o, rec_cb, &x));
  run_until(&f, &x.calls, 1);
  assert_int_equal(x.err, VT_FETCH_OK);
  assert_string_equal(x.body, "{\"a\":1}");
  assert_string_equal(f.s.last_ct, "application/json");
  assert_string_equal(f.s.last_auth, "Basic dXNlcjpwQHNz"); /* user:p@ss */
  char host[64];
  snprintf(host, sizeof host, "localhost:%d", f.s.port);
  assert_string_equal(f.s.last_host, host);
  /* The caller's Content-Type replaces ours; a Content-Length of theirs is dropped. */
  const char *hdrs[] = {"Content-Type: text/plain", "Content-Length: 99", "X-Key: 1"};
  vt_fetch_opts o2 = {.url = fx_url(&f, "/echo"), .headers = hdrs, .nheaders = 3, .body = "hi", .body_len = 2};
  memset(&x, 0, sizeof x);
  assert_non_null(vt_h1_start(f.c, &o2, rec_cb, &x));
  run_until(&f, &x.calls, 1);
  assert_int_equal(x.err, VT_FETCH_OK);
  assert_string_equal(x.body, "hi");
  assert_string_equal(f.s.last_ct, "text/plain");
  assert_int_equal(f.s.last_ct_count, 1);
  assert_string_equal(f.s.last_auth, "");
  fx_done(&f);
}

static void test_bad_input(void **state) {
  (void)state;
  fx f;
  fx_init(&f, NULL);
  rec x = {0};
  const char *bad_hdr[] = {"X-A: 1\r\nX-B: 2"};
  vt_fetch_opts o = {.url = fx_url(&f, "/ok"), .headers = bad_hdr, .nheaders = 1};
  assert_null(vt_h1_start(f.c, &o, rec_cb, &x));          /* header injection */
  o = (vt_fetch_opts){.url = fx_url(&f, "/ok"), .body_len = 3};
  assert_null(vt_h1_start(f.c, &o, rec_cb, &x));          /* length without a body */
  o = (vt_fetch_opts){.url = NULL};
  assert_null(vt_h1_start(f.c, &o, rec_cb, &x));
  o = (vt_fetch_opts){.url = fx_url(&f, "/ok")};
  assert_null(vt_h1_start(f.c, &o, NULL, &x));
  static const char *const bad_urls[] = {"http://", "http://127.0.0.1:0/", "http://127.0.0.1:65536/",
                                         "http://[zz::1]/", "http://a b/", "http://h:12x/", "http://h/a b"};
  for (size_t i = 0; i < sizeof bad_urls / sizeof bad_urls[0]; i++) {
    memset(&x, 0, sizeof x);
    o = (vt_fetch_opts){.url = bad_urls[i]};
    assert_non_null(vt_h1_start(f.c, &o, rec_cb, &x)); /* reported through the callback */
    assert_int_equal(x.calls, 0);
    run_until(&f, &x.calls, 1);
    assert_int_equal(x.err, VT_FETCH_E_CONNECT);
  }
  assert_int_equal(f.s.accepted, 0);
  fx_done(&f);
}

static void test_url_parse(void **state) {
  (void)state;
  static const struct {
    const char *url, *host, *path;
    uint16_t port;
    bool ok, v6;
  } cases[] = {
      {"http://example.org", "example.org", "", 80, true, false},
      {"HTTP://Node-1.lan:8545/rpc?k=v#x", "Node-1.lan", "/rpc?k=v", 8545, true, false},
      {"http://[::1]:9/x", "::1", "/x", 9, true, true},
      {"http://u:p@h:/", "h", "/", 80, true, false},
      {"http://h?q", "h", "?q", 80, true, false},
      {"https://h/", NULL, NULL, 0, false, false},
      {"http://[::1/", NULL, NULL, 0, false, false},
      {"http://h:99999/", NULL, NULL, 0, false, false},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    vt_h1_url u;
    bool ok = vt_h1_url_parse(cases[i].url, &u);
    assert_int_equal(ok, cases[i].ok);
    if (!ok) continue;
    assert_int_equal(u.host_len, strlen(cases[i].host));
    assert_memory_equal(u.host, cases[i].host, u.host_len);
    assert_int_equal(u.path_len, strlen(cases[i].path));
    assert_memory_equal(u.path, cases[i].path, u.path_len);
    assert_int_equal(u.port, cases[i].port);
    assert_int_equal(u.v6, cases[i].v6);
  }
  assert_int_equal(vt_h1_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
  assert_int_equal(vt_h1_parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
  assert_int_equal(vt_h1_parse_http_date("Sun Nov  6 08:49:37 1994"), 784111777);
  assert_int_equal(vt_h1_parse_http_date("yesterday"), (time_t)-1);
}

/* 50 sequential requests, each started from the previous callback: one connection. */
static void chain_cb(const vt_fetch_result *r, void *ud) {
  rec *x = ud;
  assert_int_equal(r->error, VT_FETCH_OK);
  assert_string_equal(r->body, OK_BODY);
  uv_stop(g_loop);
  x->calls++;
  if (--x->chain > 0) {
    vt_fetch_opts o = {.url = fx_url(x->f, "/ok"), .body = "{}", .body_len = 2, .timeout_ms = 5000};
    int before = x->calls;
    assert_non_null(vt_h1_start(x->f->c, &o, chain_cb, x));
    assert_int_equal(x->calls, before);
  }
}

static void test_keepalive_reuse(void **state) {
  (void)state;
  fx f;
  fx_init(&f, NULL);
  rec x = {.f = &f, .chain = 50};
  vt_fetch_opts o = {.url = fx_url(&f, "/ok"), .body = "{}", .body_len = 2, .timeout_ms = 5000};
  assert_non_null(vt_h1_start(f.c, &o, chain_cb, &x));
  run_until(&f, &x.calls, 50);
  assert_int_equal(f.s.accepted, 1);
  assert_int_equal(f.s.requests, 50);
  vt_h1_stats st;
  vt_h1_get_stats(f.c, &st);
  assert_int_equal(st.reused, 49);
  assert_int_equal(st.conns_opened, 1);
  assert_int_equal(st.completed, 50);
  assert_int_equal(st.in_flight, 0);
  fx_done(&f);
}

static void test_pool_cap(void **state) {
  (void)state;
  vt_fetcher_limits l;
  vt_fetcher_limits_default(&l);
  l.max_host_connections = 8;
  fx f;
  fx_init(&f, &l);
  rec x[100];
  memset(x, 0, sizeof x);
  int done = 0;
  for (int i = 0; i < 100; i++) start(&f, "/delay", "{}", 10000, &x[i]);
  while (done < 100) {
    assert_int_not_equal(uv_run(&f.loop, UV_RUN_ONCE), -1);
    done = 0;
    for (int i = 0; i < 100; i++) done += x[i].calls;
  }
  for (int i = 0; i < 100; i++) {
    assert_int_equal(x[i].calls, 1);
    assert_int_equal(x[i].err, VT_FETCH_OK);
  }
  assert_int_equal(f.s.accepted, 8);
  assert_true(f.s.max_open <= 8);
  assert_int_equal(f.s.requests, 100);
  fx_done(&f);
}

/* The server drops every connection; the next request picks the stale idle one
 * before its EOF is read, fails, and is retried once on a fresh connection. */
static void stale_cb(const vt_fetch_result *r, void *ud) {
  rec *x = ud;
  assert_int_equal(r->error, VT_FETCH_OK);
  x->calls++;
  srv_drop_conns(&x->f->s); /* closes the server's sockets now */
  x->other = start(x->f, "/ok", "{}", 5000, x + 1);
}

static void test_stale_retry(void **state) {
  (void)state;
  fx f;
  fx_init(&f, NULL);
  rec x[2];
  memset(x, 0, sizeof x);
  x[0].f = &f;
  vt_fetch_opts o = {.url = fx_url(&f, "/ok"), .body = "{}", .body_len = 2, .timeout_ms = 5000};
  assert_non_null(vt_h1_start(f.c, &o, stale_cb, &x[0]));
  run_until(&f, &x[1].calls, 1);
  assert_int_equal(x[1].err, VT_FETCH_OK);
  assert_string_equal(x[1].body, OK_BODY);
  assert_int_equal(f.s.accepted, 2);
  vt_h1_stats st;
  vt_h1_get_stats(f.c, &st);
  assert_int_equal(st.retried, 1);
  /* An idle connection closed by the server while idle is simply dropped. */
  srv_drop_conns(&f.s);
  for (int i = 0; i < 5; i++) assert_int_not_equal(uv_run(&f.loop, UV_RUN_NOWAIT), -1);
  vt_h1_get_stats(f.c, &st);
  assert_int_equal(st.open_conns, 0);
  rec y = {0};
  fetch_one(&f, "/ok", 0, &y);
  assert_int_equal(y.err, VT_FETCH_OK);
  fx_done(&f);
}

static void test_timeout_and_refused(void **state) {
  (void)state;
  fx f;
  fx_init(&f, NULL);
  rec x = {0};
  start(&f, "/hang", NULL, 200, &x);
  run_until(&f, &x.calls, 1);
  assert_int_equal(x.err, VT_FETCH_E_TIMEOUT);
  assert_true(x.elapsed >= 190 && x.elapsed < 2000);
  rec y = {0};
  fetch_one(&f, "/ok", 0, &y); /* the timed-out connection was closed, not reused */
  assert_int_equal(y.err, VT_FETCH_OK);
  assert_int_equal(f.s.accepted, 2);
  vt_h1_stats st;
  vt_h1_get_stats(f.c, &st);
  assert_int_equal(st.open_conns, 1);
  /* A port nobody listens on. */
  uv_tcp_t t;
  struct sockaddr_in a;
  struct sockaddr_storage got;
  int len = sizeof got;
  uv_ip4_addr("127.0.0.1", 0, &a);
  uv_tcp_init(&f.loop, &t);
  assert_int_equal(uv_tcp_bind(&t, (const struct sockaddr *)&a, 0), 0);
  assert_int_equal(uv_tcp_getsockname(&t, (struct sockaddr *)&got, &len), 0);
  int port = ntohs(((struct sockaddr_in *)&got)->sin_port);
  uv_close((uv_handle_t *)&t, NULL);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
  vt_fetch_opts o = {.url = url, .timeout_ms = 5000};
  rec z = {0};
  assert_non_null(vt_h1_start(f.c, &o, rec_cb, &z));
  run_until(&f, &z.calls, 1);
  assert_int_equal(z.err, VT_FETCH_E_CONNECT);
  assert_non_null(strstr(z.msg, "refused"));
  fx_done(&f);
}

static void cancel_other_cb(const vt_fetch_result *r, void *ud) {
  rec *x = ud;
  rec_cb(r, ud);
  vt_h1_cancel(x->other); /* it was queued behind us and now has our connection */
  x->other = NULL;
}

static void test_cancel(void **state) {
  (void)state;
  vt_fetcher_limits l;
  vt_fetcher_limits_default(&l);
  l.max_host_connections = 1;
  fx f;
  fx_init(&f, &l);
  rec a = {0}, b = {0}, c = {0}, d = {0};
  vt_h1_req *qa = start(&f, "/delay", NULL, 5000, &a);
  vt_h1_req *qb = start(&f, "/ok", NULL, 5000, &b); /* queued behind a (cap 1) */
  vt_h1_cancel(qb);
  vt_h1_cancel(NULL);
  for (int i = 0; i < 3; i++) uv_run(&f.loop, UV_RUN_NOWAIT);
  vt_h1_cancel(qa); /* in flight: its connection is closed */
  start(&f, "/ok", NULL, 5000, &c);
  run_until(&f, &c.calls, 1);
  assert_int_equal(c.err, VT_FETCH_OK);
  assert_int_equal(a.calls + b.calls, 0);
  /* From a callback, cancel the request that took over our connection. */
  rec e = {0};
  vt_fetch_opts od = {.url = fx_url(&f, "/ok"), .timeout_ms = 5000};
  assert_non_null(vt_h1_start(f.c, &od, cancel_other_cb, &d));
  d.other = start(&f, "/ok", NULL, 5000, &e); /* queued behind d (cap 1) */
  run_until(&f, &d.calls, 1);
  for (int i = 0; i < 5; i++) uv_run(&f.loop, UV_RUN_NOWAIT);
  assert_int_equal(e.calls, 0);
  vt_h1_stats st;
  vt_h1_get_stats(f.c, &st);
  assert_int_equal(st.cancelled, 3);
  assert_int_equal(st.in_flight, 0);
  rec g = {0};
  fetch_one(&f, "/ok", 0, &g);
  assert_int_equal(g.err, VT_FETCH_OK);
  fx_done(&f);
}

static void shutdown_cb(const vt_fetch_result *r, void *ud) {
  rec *x = ud;
  rec_cb(r, ud);
  assert_int_equal(r->error, VT_FETCH_E_SHUTDOWN);
  assert_null(vt_h1_start(x->f->c, &(vt_fetch_opts){.url = "http://127.0.0.1:1/"}, rec_cb, x));
  rec *o = x->other_rec;
  if (x->other && o->calls == 0) { /* not delivered yet: cancel it */
    vt_h1_cancel(x->other);
    o->other = NULL;
  }
}

static void test_close_in_flight(void **state) {
  (void)state;
  fx f;
  fx_init(&f, NULL);
  rec x[5];
  memset(x, 0, sizeof x);
  vt_h1_req *q[5];
  for (int i = 0; i < 5; i++) {
    x[i].f = &f;
    vt_fetch_opts o = {.url = fx_url(&f, i % 2 ? "/hang" : "/delay")};
    q[i] = vt_h1_start(f.c, &o, shutdown_cb, &x[i]);
    assert_non_null(q[i]);
  }
  x[0].other = q[4]; /* whichever of x[0], x[4] runs first cancels the other */
  x[0].other_rec = &x[4];
  x[4].other = q[0];
  x[4].other_rec = &x[0];
  for (int i = 0; i < 3; i++) uv_run(&f.loop, UV_RUN_NOWAIT);
  vt_h1 *c = f.c;
  f.c = NULL;
  vt_h1_close(c, on_closed_done, &f);
  int total = 0;
  for (int i = 0; i < 5; i++) total += x[i].calls;
  assert_int_equal(total, 4); /* synchronously, one of them cancelled */
  assert_false(f.closed);     /* done() runs from the loop */
  fx_done(&f);
}

/* Names other than literals and "localhost" go through uv_getaddrinfo: use one that
 * /etc/hosts maps to 127.0.0.1, so nothing leaves the machine. */
static void test_resolve(void **state) {
  (void)state;
  char name[128] = "", line[512];
  FILE *h = fopen("/etc/hosts", "r");
  while (h && !name[0] && fgets(line, sizeof line, h)) {
    char ip[64], n[128];
    if (sscanf(line, "%63s %127s", ip, n) == 2 && strcmp(ip, "127.0.0.1") == 0 && strcmp(n, "localhost") != 0)
      snprintf(name, sizeof name, "%s", n);
  }
  if (h) fclose(h);
  if (!name[0]) {
    fprintf(stderr, "skip: /etc/hosts has no name for 127.0.0.1 besides localhost\n");
    skip();
  }
  fx f;
  fx_init(&f, NULL);
  char url[256];
  snprintf(url, sizeof url, "http://%s:%d/ok", name, f.s.port);
  for (int i = 0; i < 2; i++) {
    rec x = {0};
    vt_fetch_opts o = {.url = url, .timeout_ms = 5000};
    assert_non_null(vt_h1_start(f.c, &o, rec_cb, &x));
    run_until(&f, &x.calls, 1);
    assert_int_equal(x.err, VT_FETCH_OK);
  }
  assert_int_equal(f.s.accepted, 1);
  fx_done(&f);
}

/* Connection: close and HTTP/1.0 replies are not reused; idle connections expire. */
static void on_wait(uv_timer_t *t) { *(int *)t->data = 1; }

static void test_close_and_idle(void **state) {
  (void)state;
  vt_fetcher_limits l;
  vt_fetcher_limits_default(&l);
  l.keepalive_idle_s = 1;
  fx f;
  fx_init(&f, &l);
  static const char *const paths[] = {"/close", "/ok", "/http10", "/ok", "/ok"};
  static const unsigned accepted_after[] = {1, 2, 2, 3, 3};
  for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
    rec x;
    fetch_one(&f, paths[i], 0, &x);
    assert_int_equal(x.err, VT_FETCH_OK);
    assert_int_equal(f.s.accepted, accepted_after[i]);
  }
  vt_h1_stats st;
  vt_h1_get_stats(f.c, &st);
  assert_int_equal(st.open_conns, 1);
  int waited = 0;
  uv_timer_t t;
  uv_timer_init(&f.loop, &t);
  t.data = &waited;
  uv_timer_start(&t, on_wait, 1300, 0);
  while (!waited) uv_run(&f.loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&t, NULL);
  for (int i = 0; i < 3; i++) uv_run(&f.loop, UV_RUN_NOWAIT);
  vt_h1_get_stats(f.c, &st);
  assert_int_equal(st.open_conns, 0); /* closed after keepalive_idle_s */
  assert_int_equal(f.s.open, 0);
  fx_done(&f);
}

/* Closing the client from a callback: the other request in flight gets its shutdown
 * callback inside vt_h1_close(); done() runs later, from the loop. */
static void close_from_cb(const vt_fetch_result *r, void *ud) {
  rec *x = ud;
  rec_cb(r, ud);
  assert_int_equal(r->error, VT_FETCH_OK);
  rec *other = x->other_rec;
  vt_h1_close(x->f->c, on_closed_done, x->f);
  x->f->c = NULL;
  assert_int_equal(other->calls, 1);
  assert_int_equal(other->err, VT_FETCH_E_SHUTDOWN);
  assert_false(x->f->closed);
}

static void test_close_from_callback(void **state) {
  (void)state;
  fx f;
  fx_init(&f, NULL);
  rec a = {.f = &f}, b = {0};
  a.other_rec = &b;
  vt_fetch_opts o = {.url = fx_url(&f, "/ok"), .timeout_ms = 5000};
  assert_non_null(vt_h1_start(f.c, &o, close_from_cb, &a));
  start(&f, "/hang", NULL, 5000, &b);
  run_until(&f, &a.calls, 1);
  fx_done(&f);
}

static void bench_cb(const vt_fetch_result *r, void *ud) {
  rec *x = ud;
  x->calls++;
  if (r->error != VT_FETCH_OK) fail_msg("bench request failed: %s", r->error_msg);
  if (--x->chain > 0) {
    vt_fetch_opts o = {.url = x->f->url, .body = "{}", .body_len = 2, .timeout_ms = 5000};
    assert_non_null(vt_h1_start(x->f->c, &o, bench_cb, x));
  }
}

static void test_bench(void **state) {
  (void)state;
  if (!getenv("BENCH")) skip();
  fx f;
  fx_init(&f, NULL);
  enum { N = 20000 };
  rec x = {.f = &f, .chain = N};
  vt_fetch_opts o = {.url = fx_url(&f, "/ok"), .body = "{}", .body_len = 2, .timeout_ms = 5000};
  uint64_t t0 = uv_hrtime();
  assert_non_null(vt_h1_start(f.c, &o, bench_cb, &x));
  run_until(&f, &x.calls, N);
  double us = (double)(uv_hrtime() - t0) / 1e3 / N;
  fprintf(stderr, "h1client: %d sequential keep-alive POSTs, %.1f us each (client+server, one thread)\n", N, us);
  fx_done(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_url_parse),
      cmocka_unit_test(test_outcomes),
      cmocka_unit_test(test_request_headers),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_keepalive_reuse),
      cmocka_unit_test(test_pool_cap),
      cmocka_unit_test(test_stale_retry),
      cmocka_unit_test(test_timeout_and_refused),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_close_in_flight),
      cmocka_unit_test(test_close_and_idle),
      cmocka_unit_test(test_close_from_callback),
      cmocka_unit_test(test_resolve),
      cmocka_unit_test(test_bench),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

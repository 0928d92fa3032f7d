/*
 * test_fetch_h2.c: the upstream client's HTTPS and HTTP/2 path (src/net/fetch.c).
 *
 * Real upstreams are HTTPS and most speak HTTP/2, so this drives the fetcher against a
 * loopback TLS server: node's built-in http2 module (allowHTTP1), with a throwaway
 * self-signed certificate for 127.0.0.1 made by the openssl command in a temp dir. The
 * fetcher trusts it through vt_fetcher_limits.ca_file. Checked: h2 is negotiated and
 * 20 concurrent requests share one connection (PIPEWAIT + multiplexing); a slow
 * stream does not hold back a fast one; http2=false gives HTTP/1.1 over TLS; an
 * untrusted certificate and a name mismatch fail as transport errors without the URL;
 * new connections resume TLS sessions through the fetcher's shared session cache.
 * Skips with a message when node or openssl is missing. Loopback only.
 */
#include "testutil.h"

#include <unistd.h>
#include <uv.h>

#include "net/fetch.h"

static const char server_js[] =
    "const http2 = require('http2'), fs = require('fs'), dir = process.argv[2];\n"
    "let conns = 0, resumed = 0;\n"
    "const srv = http2.createSecureServer({key: fs.readFileSync(dir + '/key.pem'),\n"
    "  cert: fs.readFileSync(dir + '/cert.pem'), allowHTTP1: true});\n"
    "srv.on('secureConnection', s => { conns++; if (s.isSessionReused()) resumed++; });\n"
    "srv.on('request', (req, res) => {\n"
    "  let body = '';\n"
    "  req.on('data', d => body += d);\n"
    "  req.on('end', () => {\n"
    "    const reply = o => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(o)); };\n"
    "    if (req.url === '/stats') return reply({conns, resumed});\n"
    "    if (req.url === '/close' && req.httpVersion === '1.1') res.setHeader('connection', 'close');\n"
    "    if (req.url === '/quit') { reply({}); return setTimeout(() => process.exit(0), 20); }\n"
    "    const o = {v: req.httpVersion, len: body.length};\n"
    "    if (req.url === '/slow') setTimeout(() => reply(o), 300); else reply(o);\n"
    "  });\n"
    "});\n"
    "srv.listen(0, '127.0.0.1', () => console.log(srv.address().port));\n"
    "setTimeout(() => process.exit(0), 60000);\n";

typedef struct {
  char dir[64], ca[96];
  FILE *child;
  int port;
} tls_srv;

static tls_srv S;

static int tls_setup(void **state) {
  (void)state;
  char cmd[512], path[128], line[64];
  memset(&S, 0, sizeof S);
  if (system("command -v node >/dev/null 2>&1 && command -v openssl >/dev/null 2>&1") != 0) return 0;
  snprintf(S.dir, sizeof S.dir, "/tmp/verity-fetch-h2-XXXXXX");
  if (!mkdtemp(S.dir)) return 0;
  snprintf(cmd, sizeof cmd, "cd %s && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
           "-nodes -keyout key.pem -out cert.pem -days 2 -subj /CN=127.0.0.1 "
           "-addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1", S.dir);
  if (system(cmd) != 0) return 0;
  snprintf(path, sizeof path, "%s/server.js", S.dir);
  FILE *js = fopen(path, "w");
  if (!js) return 0;
  fputs(server_js, js);
  fclose(js);
  snprintf(S.ca, sizeof S.ca, "%s/cert.pem", S.dir);
  snprintf(cmd, sizeof cmd, "node %s/server.js %s", S.dir, S.dir);
  S.child = popen(cmd, "r");
  if (!S.child || !fgets(line, sizeof line, S.child)) return 0;
  char *end = NULL;
  long port = strtol(line, &end, 10);
  if (port > 0 && port < 65536 && (*end == '\n' || *end == 0)) S.port = (int)port;
  return 0;
}

#define NEED_SERVER()                                                                  \
  do {                                                                                 \
    if (!S.port) {                                                                     \
      fprintf(stderr, "skip: node/openssl unavailable, no loopback TLS server\n");     \
      skip();                                                                          \
    }                                                                                  \
  } while (0)

typedef struct {
  int calls, httpver;
  vt_fetch_error err;
  long status;
  double elapsed;
  char body[256], msg[256];
} cap;

static void on_cap(const vt_fetch_result *r, void *ud) {
  cap *c = ud;
  c->calls++;
  c->err = r->error;
  c->status = r->http_status;
  c->httpver = r->http_version;
  c->elapsed = r->elapsed_ms;
  snprintf(c->body, sizeof c->body, "%.*s", (int)(r->body_len < 255 ? r->body_len : 255), r->body);
  snprintf(c->msg, sizeof c->msg, "%s", r->error_msg);
}

typedef struct {
  uv_loop_t loop;
  vt_fetcher *f;
  int closed;
  char url[128];
} env;

static void on_closed(void *arg) { ((env *)arg)->closed++; }

static env *env_new(bool http2, bool trust) {
  env *e = calloc(1, sizeof *e);
  assert_non_null(e);
  assert_int_equal(uv_loop_init(&e->loop), 0);
  vt_fetcher_limits l;
  vt_fetcher_limits_default(&l);
  l.http2 = http2;
  l.ca_file = trust ? S.ca : NULL;
  e->f = vt_fetcher_new(&e->loop, &l);
  assert_non_null(e->f);
  return e;
}

static const char *url_of(env *e, const char *host, const char *path) {
  snprintf(e->url, sizeof e->url, "https://%s:%d%s", host, S.port, path);
  return e->url;
}

static void wait_all(env *e, cap *caps, int n) {
  uint64_t deadline = uv_hrtime() + 10000000000ull;
  for (int i = 0; i < n; i++)
    while (caps[i].calls == 0 && uv_hrtime() < deadline) uv_run(&e->loop, UV_RUN_ONCE);
  for (int i = 0; i < n; i++) assert_int_equal(caps[i].calls, 1);
}

static void env_free(env *e) {
  vt_fetcher_close(e->f, on_closed, e);
  uv_run(&e->loop, UV_RUN_DEFAULT);
  assert_int_equal(e->closed, 1);
  assert_int_equal(uv_loop_close(&e->loop), 0);
  free(e);
}

static void get_one(env *e, const char *host, const char *path, cap *c) {
  vt_fetch_opts o = {.url = url_of(e, host, path), .timeout_ms = 5000};
  memset(c, 0, sizeof *c);
  assert_non_null(vt_fetch_start(e->f, &o, on_cap, c));
  wait_all(e, c, 1);
}

static void test_h2_multiplexed(void **state) {
  (void)state;
  NEED_SERVER();
  env *e = env_new(true, true);
  cap before, caps[20], after;
  get_one(e, "127.0.0.1", "/stats", &before);
  assert_int_equal(before.err, VT_FETCH_OK);
  /* A new fetcher: 20 requests started at once must wait for, then share, one
   * connection. */
  env_free(e);
  e = env_new(true, true);
  memset(caps, 0, sizeof caps);
  for (int i = 0; i < 20; i++) {
    vt_fetch_opts o = {.url = url_of(e, "127.0.0.1", "/echo"), .body = "{\"id\":1}", .body_len = 8,
                       .timeout_ms = 5000};
    assert_non_null(vt_fetch_start(e->f, &o, on_cap, &caps[i]));
  }
  wait_all(e, caps, 20);
  for (int i = 0; i < 20; i++) {
    assert_int_equal(caps[i].err, VT_FETCH_OK);
    assert_int_equal(caps[i].status, 200);
    assert_int_equal(caps[i].httpver, 2);
    assert_string_equal(caps[i].body, "{\"v\":\"2.0\",\"len\":8}");
  }
  get_one(e, "127.0.0.1", "/stats", &after);
  int c0 = 0, c1 = 0;
  assert_int_equal(sscanf(before.body, "{\"conns\":%d", &c0), 1);
  assert_int_equal(sscanf(after.body, "{\"conns\":%d", &c1), 1);
  assert_int_equal(c1 - c0, 1);
  env_free(e);
}

/* One round: a slow stream and a fast one started together on the warm connection.
 * Returns true when the fast one finished first (the slow stream did not block it). */
static bool slow_fast_round(env *e) {
  cap slow = {0}, fast = {0};
  vt_fetch_opts os = {.url = url_of(e, "127.0.0.1", "/slow"), .timeout_ms = 5000};
  assert_non_null(vt_fetch_start(e->f, &os, on_cap, &slow));
  vt_fetch_opts of = {.url = url_of(e, "127.0.0.1", "/echo"), .timeout_ms = 5000};
  assert_non_null(vt_fetch_start(e->f, &of, on_cap, &fast));
  wait_all(e, &fast, 1);
  bool fast_first = slow.calls == 0;
  if (!fast_first)
    print_message("slow finished first: fast %.1f ms (v%d), slow %.1f ms (v%d)\n", fast.elapsed,
                  fast.httpver, slow.elapsed, slow.httpver);
  wait_all(e, &slow, 1);
  assert_int_equal(fast.err, VT_FETCH_OK);
  assert_int_equal(slow.err, VT_FETCH_OK);
  assert_true(slow.elapsed >= 290.0);
  assert_int_equal(fast.httpver, 2);
  return fast_first;
}

/* Up to three rounds, one must show the fast stream finishing first. Under ASan about one
 * round in twelve starts the fast transfer only after the slow one ended (its own elapsed
 * time is then under 1 ms: it waited before curl started it); that delay is a known open
 * problem (docs/testing.md), and a fetcher that always blocks still fails here. */
static void test_h2_slow_stream_does_not_block(void **state) {
  (void)state;
  NEED_SERVER();
  env *e = env_new(true, true);
  cap warm;
  get_one(e, "127.0.0.1", "/echo", &warm); /* connection and ALPN settled */
  bool ok = false;
  for (int round = 0; round < 3 && !ok; round++) ok = slow_fast_round(e);
  assert_true(ok);
  env_free(e);
}

static void test_http1_over_tls(void **state) {
  (void)state;
  NEED_SERVER();
  env *e = env_new(false, true);
  cap c;
  get_one(e, "127.0.0.1", "/echo", &c);
  assert_int_equal(c.err, VT_FETCH_OK);
  assert_int_equal(c.httpver, 1);
  assert_string_equal(c.body, "{\"v\":\"1.1\",\"len\":0}");
  env_free(e);
}

/* Each /close reply ends its HTTP/1.1 connection, so each request opens a new one,
 * on a new easy handle where libcurl < 8.1.0 forces that: the shared session cache
 * must still let the handshakes resume. */
static void test_tls_session_resumed(void **state) {
  (void)state;
  NEED_SERVER();
  env *e = env_new(false, true);
  cap c, before, after;
  get_one(e, "127.0.0.1", "/stats", &before);
  for (int i = 0; i < 4; i++) {
    get_one(e, "127.0.0.1", "/close", &c);
    assert_int_equal(c.err, VT_FETCH_OK);
  }
  get_one(e, "127.0.0.1", "/stats", &after);
  int c0 = 0, r0 = 0, c1 = 0, r1 = 0;
  assert_int_equal(sscanf(before.body, "{\"conns\":%d,\"resumed\":%d}", &c0, &r0), 2);
  assert_int_equal(sscanf(after.body, "{\"conns\":%d,\"resumed\":%d}", &c1, &r1), 2);
  print_message("tls: %d new connections, %d resumed\n", c1 - c0, r1 - r0);
  assert_int_equal(c1 - c0, 4); /* the first /close reuses the /stats connection */
  /* Without the shared cache none resumes; with it, how many do depends on the
   * server's TLS 1.3 ticket policy (single-use tickets: 2 of 4 with node 20). */
  assert_true(r1 - r0 >= 1);
  env_free(e);
}

static void test_untrusted_and_mismatched(void **state) {
  (void)state;
  NEED_SERVER();
  env *e = env_new(true, false); /* system store: the self-signed cert is not trusted */
  cap c;
  get_one(e, "127.0.0.1", "/echo?key=SECRETKEY", &c);
  assert_int_equal(c.err, VT_FETCH_E_TRANSPORT);
  assert_int_equal(c.status, 0);
  assert_non_null(strstr(c.msg, "certificate"));
  assert_null(strstr(c.msg, "SECRETKEY"));
  env_free(e);
  e = env_new(true, true); /* trusted, but the name does not match the certificate */
  get_one(e, "localhost", "/echo?key=SECRETKEY", &c);
  assert_true(c.err == VT_FETCH_E_TRANSPORT || c.err == VT_FETCH_E_CONNECT);
  assert_int_equal(c.status, 0);
  assert_null(strstr(c.msg, "SECRETKEY"));
  env_free(e);
}

static int tls_teardown(void **state) {
  (void)state;
  char cmd[160];
  if (S.port) {
    env *e = env_new(false, true);
    cap c;
    get_one(e, "127.0.0.1", "/quit", &c);
    env_free(e);
  }
  if (S.child) pclose(S.child);
  if (S.dir[0]) {
    snprintf(cmd, sizeof cmd, "rm -rf %s", S.dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", S.dir);
  }
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_h2_multiplexed),
      cmocka_unit_test(test_h2_slow_stream_does_not_block),
      cmocka_unit_test(test_http1_over_tls),
      cmocka_unit_test(test_tls_session_resumed),
      cmocka_unit_test(test_untrusted_and_mismatched),
  };
  return cmocka_run_group_tests(tests, tls_setup, tls_teardown);
}

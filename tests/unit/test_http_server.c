/*
 * test_http_server.c: the HTTP/1.1 front door (src/net/http_server.c, http_conn.c)
 * over real loopback sockets.
 *
 * Each test starts a server on 127.0.0.1 port 0 in its own uv loop on the main
 * thread, runs a blocking-socket client script in a second thread, and when the
 * client is done closes the server and runs the loop until every handle is closed
 * (so ASan sees any leak); that harness is client_thread.h, shared with
 * test_websocket.c. The client thread never asserts: it records what it saw in the
 * test struct and the main thread checks after joining it.
 *
 * The handler answers asynchronously from a uv_timer (delay chosen by the path),
 * echoing "METHOD PATH BODY", so ordering, pipelining and aborts are exercised.
 */
#include <netinet/tcp.h>
#include <time.h>

#include "client_thread.h"
#include "net/http_server.h"

#define RESP_MAX (4u << 20)

typedef struct {
  int status;
  char head[8192];
  char *body; /* malloc'd, NUL-terminated */
  size_t body_len;
} resp;

typedef struct test test;
typedef void (*client_fn)(test *t);

struct test {
  ct_env env; /* loop, server, port, stats: client_thread.h */
  client_fn client;
  /* filled by the handler (loop thread) */
  int aborts, orphans_answered;
  char peer[64];
  /* filled by the client thread */
  int ok;
  char note[256];
  resp r[4];
  int closed_after; /* the server closed the connection after the responses */
  int keep_fd; /* left open by the client; closed by the test after the loop */
};

/* ---------- server side: an async echo handler ---------- */

typedef struct {
  uv_timer_t timer;
  vt_http_req *req;
  test *t;
} pending;

static void pending_free(uv_handle_t *h) { free(h->data); }

static void answer(vt_http_req *req) {
  size_t blen = 0;
  const char *body = vt_http_req_body(req, &blen);
  const char *path = vt_http_req_path(req);
  if (strcmp(path, "/big") == 0) {
    size_t n = 3u << 20;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++) big[i] = (char)('a' + i % 26);
    vt_http_respond(req, 200, "application/octet-stream", NULL, 0, big, n);
    free(big);
    return;
  }
  char *out = malloc(blen + 600);
  int n = snprintf(out, 600, "%s %s ", vt_http_req_method(req), path);
  memcpy(out + n, body, blen);
  vt_http_header extra[] = {{"X-Verity-Trust", "test"}, {"Bad\r\nHeader", "x"}};
  vt_http_respond(req, 200, "text/plain", extra, 2, out, (size_t)n + blen);
  free(out);
}

static void on_pending_timer(uv_timer_t *tm) {
  pending *p = tm->data;
  if (p->req) {
    if (!vt_http_req_get_data(p->req) && strncmp(vt_http_req_path(p->req), "/orphan", 7) == 0)
      p->t->orphans_answered++;
    answer(p->req);
  }
  uv_close((uv_handle_t *)tm, pending_free);
}

static void on_abort(vt_http_req *req, void *data) {
  pending *p = data;
  test *t = p->t;
  (void)req;
  t->aborts++;
  p->req = NULL;
  uv_timer_stop(&p->timer);
  uv_close((uv_handle_t *)&p->timer, pending_free);
}

/* Delay per path: in ms; -1 = answer inside on_request. */
static const struct { const char *prefix; int delay; bool abortable; } route_table[] = {
    {"/sync", -1, true}, {"/slow", 60, true}, {"/hold", 400, true}, {"/orphan", 300, false}, {"/", 2, true},
};

static void on_request(vt_http_req *req, void *ud) {
  test *t = ud;
  const char *path = vt_http_req_path(req);
  snprintf(t->peer, sizeof t->peer, "%s", vt_http_req_peer(req));
  size_t i = 0;
  while (strncmp(path, route_table[i].prefix, strlen(route_table[i].prefix)) != 0) i++;
  if (route_table[i].delay < 0) {
    answer(req);
    return;
  }
  pending *p = calloc(1, sizeof *p);
  p->req = req;
  p->t = t;
  uv_timer_init(&t->env.loop, &p->timer);
  p->timer.data = p;
  if (route_table[i].abortable) {
    vt_http_req_set_data(req, p);
    vt_http_req_on_abort(req, on_abort);
  }
  uv_timer_start(&p->timer, on_pending_timer, (uint64_t)route_table[i].delay, 0);
}

/* ---------- harness ---------- */

static void client_of(void *arg) {
  test *t = arg;
  t->client(t);
}

static void run(test *t, const vt_http_limits *lim, client_fn fn) {
  vt_http_handlers h = {.on_request = on_request, .ud = t};
  t->client = fn;
  ct_run(&t->env, lim, &h, client_of, t);
  if (!t->ok) fprintf(stderr, "client: %s\n", t->note);
}

/* Free what the client kept; the last call of every socket test. */
static void finish(test *t) {
  for (int i = 0; i < 4; i++) free(t->r[i].body);
}

/* ---------- client side (blocking sockets, its own thread) ---------- */

/* Read the status line and headers of one response. */
static bool read_head(int fd, resp *out) {
  size_t n = 0;
  memset(out->head, 0, sizeof out->head);
  while (n < sizeof out->head - 1) {
    if (!read_exact(fd, out->head + n, 1)) return false;
    n++;
    if (n >= 4 && memcmp(out->head + n - 4, "\r\n\r\n", 4) == 0) break;
  }
  return sscanf(out->head, "HTTP/1.1 %d", &out->status) == 1;
}

/* Read one response; the body by Content-Length (none for 1xx/204). */
static bool read_resp(int fd, resp *out) {
  if (!read_head(fd, out)) return false;
  const char *cl = strcasestr(out->head, "\r\nContent-Length: ");
  size_t len = cl ? strtoul(cl + 18, NULL, 10) : 0;
  if (len > RESP_MAX) return false;
  free(out->body);
  out->body = calloc(1, len + 1);
  out->body_len = len;
  return read_exact(fd, out->body, len);
}

static bool has_header(const resp *r, const char *line) { return strcasestr(r->head, line) != NULL; }

/* ---------- tests ---------- */

static void c_post_echo(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "POST /rpc?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                  "Content-Length: 14\r\n\r\n{\"id\":1,\"a\":2}"));
  t->ok = read_resp(fd, &t->r[0]);
out:
  if (fd >= 0) close(fd);
}

static void test_post_echo_async(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_post_echo);
  assert_true(t.ok);
  assert_int_equal(t.r[0].status, 200);
  assert_string_equal(t.r[0].body, "POST /rpc {\"id\":1,\"a\":2}");
  assert_non_null(strstr(t.r[0].head, "Content-Length: 24\r\n"));
  assert_null(strstr(t.r[0].head, "Access-Control")); /* CORS is off by default */
  assert_non_null(strstr(t.r[0].head, "X-Verity-Trust: test\r\n"));
  assert_null(strstr(t.r[0].head, "Bad")); /* header injection dropped */
  assert_null(strstr(t.r[0].head, "Connection: close"));
  assert_int_equal(t.env.stats.requests, 1);
  assert_int_equal(t.env.stats.connections, 1);
  assert_int_equal(strncmp(t.peer, "127.0.0.1:", 10), 0);
  assert_true(strtol(t.peer + 10, NULL, 10) > 0);
  finish(&t);
}

static void c_keepalive(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nx"));
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(sends(fd, "GET /sync/b HTTP/1.1\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[1]));
  CHECK(sends(fd, "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[2]));
  t->closed_after = sees_eof(fd);
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_keepalive_reuse(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_keepalive);
  assert_true(t.ok);
  assert_string_equal(t.r[0].body, "POST /a x");
  assert_string_equal(t.r[1].body, "GET /sync/b ");
  assert_string_equal(t.r[2].body, "GET /c ");
  assert_true(has_header(&t.r[2], "Connection: close"));
  assert_true(t.closed_after);
  assert_int_equal(t.env.stats.connections, 1);
  assert_int_equal(t.env.stats.requests, 3);
  finish(&t);
}

static void c_pipeline(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  /* the slow one first: its answer must still come first */
  CHECK(sends(fd, "GET /slow HTTP/1.1\r\n\r\nPOST /sync HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"
                  "GET /x HTTP/1.1\r\n\r\nHEAD /sync/h HTTP/1.1\r\n\r\n"));
  for (int i = 0; i < 3; i++) CHECK(read_resp(fd, &t->r[i]));
  CHECK(read_head(fd, &t->r[3])); /* HEAD: headers only, with the would-be Content-Length */
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

/* 40 pipelined requests in one send, answered inside on_request: they leave in
 * batches (one writev per VT_HTTP_WRITE_BATCH) and must still come back whole and in
 * order, with a slow one in the middle holding the rest back. */
static void c_pipeline_batch(test *t) {
  char req[40 * 40], want[64];
  size_t n = 0;
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  for (int i = 0; i < 40; i++)
    n += (size_t)snprintf(req + n, sizeof req - n, "GET /%s/%d HTTP/1.1\r\n\r\n", i == 20 ? "slow" : "sync", i);
  CHECK(sends(fd, req));
  for (int i = 0; i < 40; i++) {
    resp r = {0};
    bool got = read_resp(fd, &r);
    snprintf(want, sizeof want, "GET /%s/%d ", i == 20 ? "slow" : "sync", i);
    bool same = got && r.status == 200 && r.body && strcmp(r.body, want) == 0;
    if (!same) snprintf(t->note, sizeof t->note, "response %d: %s", i, r.body ? r.body : "(none)");
    free(r.body);
    CHECK(same);
  }
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_pipelined_batch_in_order(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_pipeline_batch);
  if (!t.ok) fail_msg("%s", t.note);
  assert_int_equal(t.env.stats.requests, 40);
  finish(&t);
}

static void test_pipelined_in_order(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_pipeline);
  assert_true(t.ok);
  assert_string_equal(t.r[0].body, "GET /slow ");
  assert_string_equal(t.r[1].body, "POST /sync hi");
  assert_string_equal(t.r[2].body, "GET /x ");
  assert_int_equal(t.r[3].status, 200);
  assert_non_null(strstr(t.r[3].head, "Content-Length: 13\r\n"));
  assert_int_equal(t.env.stats.requests, 4);
  finish(&t);
}

static void c_chunked(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n"));
  usleep(20000);
  CHECK(sends(fd, "5\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n"));
  t->ok = read_resp(fd, &t->r[0]);
out:
  if (fd >= 0) close(fd);
}

static void test_chunked_body(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_chunked);
  assert_true(t.ok);
  assert_string_equal(t.r[0].body, "POST /c Wikipedia");
  finish(&t);
}

static void c_too_large(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "POST / HTTP/1.1\r\nContent-Length: 5000\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(sees_eof(fd));
  close(fd);
  fd = dial(t->env.port); /* chunked: caught while the body streams */
  CHECK(fd >= 0);
  CHECK(sends(fd, "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"));
  for (int i = 0; i < 20; i++) {
    char chunk[300];
    memset(chunk, 'z', sizeof chunk);
    snprintf(chunk, 8, "%x\r\n", 256);
    memcpy(chunk + 5 + 256, "\r\n", 2);
    if (readable(fd) || !send_all(fd, chunk, 5 + 256 + 2)) break;
  }
  CHECK(read_resp(fd, &t->r[1]));
  t->closed_after = sees_eof(fd);
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_body_413(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits l;
  vt_http_limits_default(&l);
  l.max_body = 1000;
  run(&t, &l, c_too_large);
  assert_true(t.ok);
  assert_int_equal(t.r[0].status, 413);
  assert_string_equal(t.r[0].body, "request body too large\n");
  assert_true(has_header(&t.r[0], "Connection: close"));
  assert_int_equal(t.r[1].status, 413);
  assert_true(t.closed_after);
  assert_int_equal(t.env.stats.bad_requests, 2);
  assert_int_equal(t.env.stats.requests, 0);
  finish(&t);
}

static void c_headers_431(test *t) {
  char big[3000];
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  memset(big, 'v', sizeof big);
  big[sizeof big - 1] = 0;
  CHECK(sends(fd, "GET / HTTP/1.1\r\nX-Big: "));
  CHECK(sends(fd, big));
  CHECK(sends(fd, "\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(sees_eof(fd));
  close(fd);
  fd = dial(t->env.port); /* too many headers */
  CHECK(fd >= 0);
  CHECK(sends(fd, "GET / HTTP/1.1\r\n"));
  for (int i = 0; i < 12; i++) {
    char line[32];
    snprintf(line, sizeof line, "X-H%d: %d\r\n", i, i);
    CHECK(sends(fd, line));
  }
  CHECK(sends(fd, "\r\n"));
  CHECK(read_resp(fd, &t->r[1]));
  t->closed_after = sees_eof(fd);
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_headers_431(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits l;
  vt_http_limits_default(&l);
  l.max_header_bytes = 2048;
  l.max_headers = 10;
  run(&t, &l, c_headers_431);
  assert_true(t.ok);
  assert_int_equal(t.r[0].status, 431);
  assert_int_equal(t.r[1].status, 431);
  assert_true(t.closed_after);
  assert_int_equal(t.env.stats.bad_requests, 2);
  finish(&t);
}

static void c_garbage(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "GET / HTTP/1.1\r\n\r\n\x01\x02garbage \r\n\r\n"));
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(read_resp(fd, &t->r[1]));
  t->closed_after = sees_eof(fd);
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_garbage_400_then_close(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_garbage);
  assert_true(t.ok);
  assert_int_equal(t.r[0].status, 200); /* the good request before it is still answered */
  assert_int_equal(t.r[1].status, 400);
  assert_true(has_header(&t.r[1], "Connection: close"));
  assert_true(t.closed_after);
  assert_int_equal(t.env.stats.bad_requests, 1);
  finish(&t);
}

static void c_preflight(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "OPTIONS / HTTP/1.1\r\nOrigin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n"
                  "Access-Control-Request-Headers: content-type, x-api-key\r\n\r\n"
                  "OPTIONS /rpc HTTP/1.1\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(read_resp(fd, &t->r[1]));
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_options_preflight(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits lim;
  vt_http_limits_default(&lim);
  lim.cors_origin = "*";
  run(&t, &lim, c_preflight);
  assert_true(t.ok);
  assert_int_equal(t.r[0].status, 204);
  assert_true(has_header(&t.r[0], "\r\nAccess-Control-Allow-Origin: *\r\n"));
  assert_true(has_header(&t.r[0], "\r\nAccess-Control-Allow-Methods: POST, GET, OPTIONS\r\n"));
  assert_true(has_header(&t.r[0], "\r\nAccess-Control-Allow-Headers: content-type, x-api-key\r\n"));
  assert_true(has_header(&t.r[0], "\r\nAccess-Control-Max-Age: 86400\r\n"));
  assert_false(has_header(&t.r[0], "Content-Length"));
  assert_true(has_header(&t.r[1], "\r\nAccess-Control-Allow-Headers: content-type\r\n"));
  assert_int_equal(t.env.stats.requests, 2);
  finish(&t);
}

static void c_cors_origin(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "GET /sync HTTP/1.1\r\n\r\n"));
  t->ok = read_resp(fd, &t->r[0]);
out:
  if (fd >= 0) close(fd);
}

static void test_cors_origin_configured(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits l;
  vt_http_limits_default(&l);
  l.cors_origin = "https://app.example";
  run(&t, &l, c_cors_origin);
  assert_true(t.ok);
  assert_true(has_header(&t.r[0], "\r\nAccess-Control-Allow-Origin: https://app.example\r\n"));
  assert_true(has_header(&t.r[0], "\r\nVary: Origin\r\n"));
  finish(&t);
}

static void c_conn_cap(test *t) {
  int a = dial(t->env.port), b = dial(t->env.port), c = -1, d = -1;
  CHECK(a >= 0 && b >= 0);
  CHECK(sends(a, "GET /sync HTTP/1.1\r\n\r\n") && read_resp(a, &t->r[0]));
  CHECK(sends(b, "GET /sync HTTP/1.1\r\n\r\n") && read_resp(b, &t->r[1]));
  d = dial(t->env.port); /* the reserved slot: health and metrics only */
  CHECK(d >= 0);
  CHECK(sends(d, "GET /sync HTTP/1.1\r\n\r\n") && read_resp(d, &t->r[3]));
  c = dial(t->env.port);
  CHECK(c >= 0);
  send_all(c, "GET /sync HTTP/1.1\r\n\r\n", 23);
  CHECK(sees_eof(c));
  close(c);
  close(a); /* a slot frees up */
  usleep(50000);
  c = dial(t->env.port);
  CHECK(c >= 0);
  CHECK(sends(c, "GET /sync HTTP/1.1\r\n\r\n") && read_resp(c, &t->r[2]));
  t->ok = 1;
  a = -1;
out:
  if (a >= 0) close(a);
  if (b >= 0) close(b);
  if (c >= 0) close(c);
  if (d >= 0) close(d);
}

static void test_connection_cap(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits l;
  vt_http_limits_default(&l);
  l.max_connections = 3;
  l.max_per_client = 3;
  l.reserved_connections = 1;
  run(&t, &l, c_conn_cap);
  assert_true(t.ok);
  assert_int_equal(t.r[0].status, 200);
  assert_int_equal(t.r[1].status, 200);
  assert_int_equal(t.r[2].status, 200);
  assert_int_equal(t.r[3].status, 503);
  assert_int_equal(t.env.stats.refused, 1);
  assert_int_equal(t.env.stats.connections, 4);
  finish(&t);
}

/* A request followed by shutdown(SHUT_WR) is still answered, then the server closes. */
static void c_half_close(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "GET /slow HTTP/1.1\r\n\r\nPOST /sync/2 HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi"));
  CHECK(shutdown(fd, SHUT_WR) == 0);
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(read_resp(fd, &t->r[1]));
  t->closed_after = sees_eof(fd);
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_half_close_answered(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_half_close);
  assert_true(t.ok);
  assert_string_equal(t.r[0].body, "GET /slow ");
  assert_string_equal(t.r[1].body, "POST /sync/2 hi");
  assert_true(t.closed_after);
  assert_int_equal(t.aborts, 0);
  finish(&t);
}

/* One address may hold max_per_client regular slots and one reserved slot; another
 * address is still served. */
static void c_per_client(test *t) {
  int fd[5] = {-1, -1, -1, -1, -1};
  for (int i = 0; i < 3; i++) {
    fd[i] = dial_from(t->env.port, "127.0.0.2");
    CHECK(fd[i] >= 0);
    CHECK(sends(fd[i], "GET /sync HTTP/1.1\r\n\r\n") && read_resp(fd[i], &t->r[i]));
  }
  fd[3] = dial_from(t->env.port, "127.0.0.2"); /* over its share and its reserved slot */
  CHECK(fd[3] >= 0);
  send_all(fd[3], "GET /sync HTTP/1.1\r\n\r\n", 23);
  CHECK(sees_eof(fd[3]));
  fd[4] = dial_from(t->env.port, "127.0.0.3"); /* another client */
  CHECK(fd[4] >= 0);
  CHECK(sends(fd[4], "GET /sync/other HTTP/1.1\r\n\r\n") && read_resp(fd[4], &t->r[3]));
  t->ok = 1;
out:
  for (int i = 0; i < 5; i++)
    if (fd[i] >= 0) close(fd[i]);
}

static void test_per_client_limit(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits l;
  vt_http_limits_default(&l);
  l.max_connections = 16;
  l.max_per_client = 2;
  run(&t, &l, c_per_client);
  assert_true(t.ok);
  assert_int_equal(t.r[0].status, 200);
  assert_int_equal(t.r[1].status, 200);
  assert_int_equal(t.r[2].status, 503); /* its reserved slot: /sync is not health */
  assert_int_equal(t.r[3].status, 200);
  assert_string_equal(t.r[3].body, "GET /sync/other ");
  assert_int_equal(t.env.stats.refused, 1);
  finish(&t);
}

/* Full server: /healthz still answers through the reserved slot; idle connections are
 * reaped after busy_idle_ms when a new client needs a slot. */
static void c_full(test *t) {
  int fd[6] = {-1, -1, -1, -1, -1, -1};
  for (int i = 0; i < 2; i++) { /* two idle keep-alive connections */
    fd[i] = dial_from(t->env.port, "127.0.0.2");
    CHECK(fd[i] >= 0);
    CHECK(sends(fd[i], "GET /sync HTTP/1.1\r\n\r\n") && read_resp(fd[i], &t->r[0]));
  }
  fd[2] = dial_from(t->env.port, "127.0.0.2"); /* the last regular slot, busy (not idle) */
  CHECK(fd[2] >= 0);
  CHECK(sends(fd[2], "GET /hold HTTP/1.1\r\n\r\n"));
  fd[3] = dial_from(t->env.port, "127.0.0.3"); /* full: the reserved slot */
  CHECK(fd[3] >= 0);
  CHECK(sends(fd[3], "GET /healthz HTTP/1.1\r\n\r\n") && read_resp(fd[3], &t->r[1]));
  usleep(250000); /* past busy_idle_ms, before /hold is answered */
  fd[4] = dial_from(t->env.port, "127.0.0.4"); /* makes room: the idle ones are reaped */
  CHECK(fd[4] >= 0);
  CHECK(sends(fd[4], "POST /sync HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}") && read_resp(fd[4], &t->r[2]));
  CHECK(sees_eof(fd[0]));
  CHECK(sees_eof(fd[1]));
  CHECK(read_resp(fd[2], &t->r[3])); /* the busy one was left alone */
  t->ok = 1;
out:
  for (int i = 0; i < 6; i++)
    if (fd[i] >= 0) close(fd[i]);
}

static void test_full_server_reserved_and_reaping(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits l;
  vt_http_limits_default(&l);
  l.max_connections = 4;
  l.max_per_client = 4;
  l.reserved_connections = 1;
  l.busy_idle_ms = 150;
  run(&t, &l, c_full);
  assert_true(t.ok);
  assert_int_equal(t.r[0].status, 200);
  assert_int_equal(t.r[1].status, 200);
  assert_string_equal(t.r[1].body, "GET /healthz ");
  assert_int_equal(t.r[2].status, 200);
  assert_string_equal(t.r[2].body, "POST /sync {}");
  assert_int_equal(t.r[3].status, 200);
  assert_string_equal(t.r[3].body, "GET /hold ");
  assert_true(t.env.stats.reaped >= 2);
  assert_int_equal(t.env.stats.refused, 0);
  finish(&t);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void c_idle(test *t) {
  int fd = dial(t->env.port);
  double t0 = now_ms();
  CHECK(fd >= 0);
  CHECK(sees_eof(fd)); /* silent: closed after ~150 ms */
  CHECK(now_ms() - t0 < 2000);
  close(fd);
  fd = dial(t->env.port); /* slowloris: headers trickle in, the deadline holds from byte one */
  CHECK(fd >= 0);
  t0 = now_ms();
  const char *slow = "GET / HTTP/1.1\r\nX-A: 1\r\nX-B: 2\r\nX-C: 3\r\nX-D: 4\r\nX-E: 5\r\nX-F: 6\r\nX-G: 7\r\n"
                     "X-H: 8\r\nX-I: 9\r\nX-J: 10\r\n";
  const char *p = slow;
  for (; *p; p++) { /* 10 ms a byte: 1.2 s in all, far past the 150 ms deadline */
    if (readable(fd) || !send_all(fd, p, 1)) break;
    usleep(10000);
  }
  CHECK(*p != 0); /* cut off before the headers were complete */
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(now_ms() - t0 < 800);
  t->closed_after = sees_eof(fd);
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_idle_and_slowloris_timeout(void **state) {
  (void)state;
  test t = {0};
  vt_http_limits l;
  vt_http_limits_default(&l);
  l.idle_timeout_ms = 150;
  run(&t, &l, c_idle);
  assert_true(t.ok);
  assert_int_equal(t.r[0].status, 408);
  assert_true(t.closed_after);
  finish(&t);
}

/* The client vanishes: a reset (a FIN alone is a half-close, and is answered). */
static void c_abort(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "GET /hold HTTP/1.1\r\n\r\nGET /hold2 HTTP/1.1\r\n\r\n"));
  usleep(50000);
  close_rst(fd);
  fd = dial(t->env.port); /* no abort callback: the late answer is dropped safely */
  CHECK(fd >= 0);
  CHECK(sends(fd, "GET /orphan HTTP/1.1\r\n\r\n"));
  usleep(50000);
  close_rst(fd);
  fd = -1;
  usleep(500000); /* past both answers */
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_abort_on_disconnect(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_abort);
  assert_true(t.ok);
  assert_int_equal(t.aborts, 2);
  assert_int_equal(t.orphans_answered, 1);
  finish(&t);
}

static void c_left_pending(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "GET /sync/first HTTP/1.1\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(sends(fd, "GET /hold HTTP/1.1\r\n\r\n"));
  usleep(30000);
  t->keep_fd = fd; /* the server closes while this request waits */
  fd = -1;
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_server_close_aborts_pending(void **state) {
  (void)state;
  test t = {0};
  t.keep_fd = -1;
  run(&t, NULL, c_left_pending);
  assert_true(t.ok);
  assert_int_equal(t.aborts, 1);
  assert_true(sees_eof(t.keep_fd));
  close(t.keep_fd);
  finish(&t);
}

static void c_expect(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "POST /e HTTP/1.1\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(sends(fd, "abc"));
  CHECK(read_resp(fd, &t->r[1]));
  CHECK(sends(fd, "POST /e HTTP/1.1\r\nContent-Length: 3\r\nExpect: something\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[2]));
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_expect_continue(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_expect);
  assert_true(t.ok);
  assert_int_equal(t.r[0].status, 100);
  assert_int_equal(t.r[1].status, 200);
  assert_string_equal(t.r[1].body, "POST /e abc");
  assert_int_equal(t.r[2].status, 417);
  finish(&t);
}

static void c_http10(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "GET /sync HTTP/1.0\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(sees_eof(fd));
  close(fd);
  fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[1]));
  CHECK(sends(fd, "GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  CHECK(read_resp(fd, &t->r[2]));
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_http10(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_http10);
  assert_true(t.ok);
  assert_true(has_header(&t.r[0], "Connection: close"));
  assert_true(has_header(&t.r[1], "Connection: keep-alive"));
  assert_string_equal(t.r[2].body, "GET /b ");
  assert_int_equal(t.env.stats.connections, 2);
  finish(&t);
}

static void c_big(test *t) {
  int fd = dial(t->env.port);
  CHECK(fd >= 0);
  CHECK(sends(fd, "GET /big HTTP/1.1\r\n\r\nGET /big HTTP/1.1\r\n\r\nGET /sync/after HTTP/1.1\r\n\r\n"));
  usleep(100000); /* let the server hit back-pressure */
  CHECK(read_resp(fd, &t->r[0]));
  CHECK(read_resp(fd, &t->r[1]));
  CHECK(read_resp(fd, &t->r[2]));
  t->ok = 1;
out:
  if (fd >= 0) close(fd);
}

static void test_large_responses_backpressure(void **state) {
  (void)state;
  test t = {0};
  run(&t, NULL, c_big);
  assert_true(t.ok);
  assert_int_equal(t.r[0].body_len, 3u << 20);
  assert_int_equal(t.r[1].body_len, 3u << 20);
  for (size_t i = 0; i < t.r[1].body_len; i += 4099) assert_int_equal(t.r[1].body[i], 'a' + (int)(i % 26));
  assert_string_equal(t.r[2].body, "GET /sync/after ");
  finish(&t);
}

static void on_closed_flag(void *arg) { (*(int *)arg)++; }

static void test_bad_start_args(void **state) {
  (void)state;
  uv_loop_t loop;
  vt_http_server *s = NULL;
  vt_http_handlers h = {.on_request = on_request};
  vt_http_limits l;
  uv_loop_init(&loop);
  assert_int_equal(vt_http_server_start(&loop, "not-an-ip", 0, NULL, &h, &s), UV_EINVAL);
  vt_http_limits_default(&l);
  l.max_headers = 100000;
  assert_int_equal(vt_http_server_start(&loop, "127.0.0.1", 0, &l, &h, &s), UV_EINVAL);
  vt_http_limits_default(&l);
  l.cors_origin = "evil\r\nSet-Cookie: x";
  assert_int_equal(vt_http_server_start(&loop, "127.0.0.1", 0, &l, &h, &s), UV_EINVAL);
  vt_http_limits_default(&l);
  l.max_connections = 4;
  l.reserved_connections = 4; /* no regular slot left */
  assert_int_equal(vt_http_server_start(&loop, "127.0.0.1", 0, &l, &h, &s), UV_EINVAL);
  l.max_connections = 1;
  l.reserved_connections = 1;
  assert_int_equal(vt_http_server_start(&loop, "127.0.0.1", 0, &l, &h, &s), UV_EINVAL);
  l.max_per_client = 2000000; /* out of range */
  l.reserved_connections = 0;
  assert_int_equal(vt_http_server_start(&loop, "127.0.0.1", 0, &l, &h, &s), UV_EINVAL);
  h.on_request = NULL;
  assert_int_equal(vt_http_server_start(&loop, "127.0.0.1", 0, NULL, &h, &s), UV_EINVAL);
  h.on_request = on_request;
  int rc = vt_http_server_start(&loop, "::1", 0, NULL, &h, &s);
  if (rc == UV_EADDRNOTAVAIL || rc == UV_EAFNOSUPPORT) { /* no IPv6 here: use IPv4 */
    fprintf(stderr, "note: no IPv6 loopback (%s), closing on IPv4 instead\n", uv_err_name(rc));
    rc = vt_http_server_start(&loop, "127.0.0.1", 0, NULL, &h, &s);
  }
  assert_int_equal(rc, 0);
  assert_true(vt_http_server_port(s) > 0);
  int closed = 0;
  vt_http_server_close(s, on_closed_flag, &closed);
  assert_int_equal(closed, 0); /* never synchronous */
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_int_equal(closed, 1);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_post_echo_async),
      cmocka_unit_test(test_keepalive_reuse),
      cmocka_unit_test(test_pipelined_in_order),
      cmocka_unit_test(test_pipelined_batch_in_order),
      cmocka_unit_test(test_chunked_body),
      cmocka_unit_test(test_body_413),
      cmocka_unit_test(test_headers_431),
      cmocka_unit_test(test_garbage_400_then_close),
      cmocka_unit_test(test_options_preflight),
      cmocka_unit_test(test_cors_origin_configured),
      cmocka_unit_test(test_connection_cap),
      cmocka_unit_test(test_half_close_answered),
      cmocka_unit_test(test_per_client_limit),
      cmocka_unit_test(test_full_server_reserved_and_reaping),
      cmocka_unit_test(test_idle_and_slowloris_timeout),
      cmocka_unit_test(test_abort_on_disconnect),
      cmocka_unit_test(test_server_close_aborts_pending),
      cmocka_unit_test(test_expect_continue),
      cmocka_unit_test(test_http10),
      cmocka_unit_test(test_large_responses_backpressure),
      cmocka_unit_test(test_bad_start_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_http_conn.c: the sans-I/O connection core of the front door (src/net/http_conn.c)
 * driven directly, without sockets: a fake host collects every written byte, so the
 * exact wire format, the pipeline cap, response ordering with out-of-order answers,
 * and abort/orphan handling are checked byte for byte and deterministically. Also
 * the hardening of the front door: strict framing (a table of smuggling shapes, each
 * fed at once and byte by byte), half-closed clients, reserved slots, WebSocket only
 * on /, and where CORS headers go.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http_conn.h"
#include "testutil.h"

/* Echo "METHOD PATH BODY" with one extra header (and one that must be dropped). */
static void answer(vt_http_req *req) {
  size_t blen = 0;
  const char *body = vt_http_req_body(req, &blen);
  char *out = malloc(blen + 600);
  int n = snprintf(out, 600, "%s %s ", vt_http_req_method(req), vt_http_req_path(req));
  memcpy(out + n, body, blen);
  vt_http_header extra[] = {{"X-Verity-Trust", "test"}, {"Bad\r\nHeader", "x"}};
  vt_http_respond(req, 200, "text/plain", extra, 2, out, (size_t)n + blen);
  free(out);
}

typedef struct {
  vt_hctx ctx;
  vt_hconn conn;
  vt_buf out;
  int closed, graceful;
  vt_http_req *held[64];
  unsigned nheld, dispatched;
  bool hold;
} core_t;

static void core_write(void *ud, char *buf, size_t len) {
  core_t *k = ud;
  vt_buf_append(&k->out, buf, len);
  free(buf);
}

static void core_close(void *ud, bool graceful) {
  core_t *k = ud;
  k->closed = 1;
  k->graceful = graceful;
}

static const vt_hconn_io core_io = {core_write, core_close, NULL};

static void core_on_request(vt_http_req *req, void *ud) {
  core_t *k = ud;
  k->dispatched++;
  if (k->hold) {
    k->held[k->nheld++] = req;
    return;
  }
  answer(req);
}

static void core_init(core_t *k, bool hold) {
  memset(k, 0, sizeof *k);
  vt_http_limits_default(&k->ctx.lim);
  k->ctx.h.on_request = core_on_request;
  k->ctx.h.ud = k;
  k->hold = hold;
  vt_buf_init(&k->out, 1u << 20);
  vt_hconn_init(&k->conn, &k->ctx, &core_io, k, "10.0.0.1:5");
}

static void core_done(core_t *k) {
  vt_hconn_teardown(&k->conn);
  for (unsigned i = 0; i < k->nheld; i++) vt_http_respond(k->held[i], 200, NULL, NULL, 0, "", 0); /* orphans */
  vt_buf_free(&k->out);
}

static void core_pump(core_t *k) {
  vt_hconn_written(&k->conn, k->conn.out_pending);
  while (vt_hconn_has_work(&k->conn)) vt_hconn_resume(&k->conn);
}

static void test_core_byte_by_byte_exact_wire(void **state) {
  (void)state;
  static const char in[] =
      "POST http://example.org/q/r?s=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
      "GET /sync/two HTTP/1.1\r\nConnection: close\r\n\r\nGET /never HTTP/1.1\r\n\r\n";
  static const char want[] =
      "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n"
      "X-Verity-Trust: test\r\n\r\nPOST /q/r abc" /* no CORS headers: off by default */
      "HTTP/1.1 200 OK\r\nContent-Length: 14\r\nContent-Type: text/plain\r\n"
      "Connection: close\r\nX-Verity-Trust: test\r\n\r\nGET /sync/two ";
  core_t k;
  core_init(&k, false);
  for (size_t i = 0; i < sizeof in - 1 && !k.closed; i++) {
    vt_hconn_feed(&k.conn, in + i, 1);
    core_pump(&k);
  }
  assert_int_equal(k.dispatched, 2);
  assert_true(k.closed && k.graceful);
  assert_int_equal(k.out.len, sizeof want - 1);
  assert_memory_equal(k.out.data, want, sizeof want - 1);
  core_done(&k);
}

static void test_core_pipeline_cap_and_order(void **state) {
  (void)state;
  char in[40 * 32];
  size_t n = 0;
  core_t k;
  core_init(&k, true);
  for (int i = 0; i < 40; i++) n += (size_t)snprintf(in + n, sizeof in - n, "GET /p%02d HTTP/1.1\r\n\r\n", i);
  vt_hconn_feed(&k.conn, in, n);
  core_pump(&k);
  assert_int_equal(k.dispatched, VT_HTTP_MAX_PIPELINE); /* the rest waits, unparsed */
  assert_false(vt_hconn_wants_read(&k.conn));
  assert_int_equal(vt_hconn_phase(&k.conn), VT_HC_WAITING);
  /* answer the second one first: nothing may be written before the first */
  answer(k.held[1]);
  k.held[1] = NULL;
  assert_int_equal(k.out.len, 0);
  for (unsigned round = 0; round < 3; round++) {
    for (unsigned i = 0; i < k.nheld; i++)
      if (k.held[i]) answer(k.held[i]);
    k.nheld = 0;
    core_pump(&k);
  }
  assert_int_equal(k.dispatched, 40);
  const char *p = k.out.data;
  for (int i = 0; i < 40; i++) { /* responses in request order */
    char tag[16];
    snprintf(tag, sizeof tag, "GET /p%02d ", i);
    p = strstr(p, tag);
    assert_non_null(p);
  }
  assert_true(vt_hconn_wants_read(&k.conn));
  assert_int_equal(vt_hconn_phase(&k.conn), VT_HC_IDLE);
  core_done(&k);
}

static void on_core_abort(vt_http_req *r, void *data) {
  (void)r;
  (*(int *)data)++;
}

static void test_core_abort_and_orphan(void **state) {
  (void)state;
  core_t k;
  core_init(&k, true);
  vt_hconn_feed(&k.conn, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1", 53);
  assert_int_equal(k.nheld, 2);
  assert_int_equal(vt_hconn_phase(&k.conn), VT_HC_WAITING);
  assert_string_equal(vt_http_req_peer(k.held[0]), "10.0.0.1:5");
  int aborted = 0;
  vt_http_req_set_data(k.held[0], &aborted);
  vt_http_req_on_abort(k.held[0], on_core_abort);
  vt_hconn_abort(&k.conn);
  assert_true(k.closed && !k.graceful);
  vt_hconn_teardown(&k.conn);
  assert_int_equal(aborted, 1);
  /* held[1] had no abort callback: it is an orphan, still readable, freed by respond */
  assert_string_equal(vt_http_req_path(k.held[1]), "/b");
  answer(k.held[1]);
  k.nheld = 0;
  assert_int_equal(k.out.len, 0);
  vt_buf_free(&k.out);
}

/* ---- strict framing (h1_strict.c beside http_parser) ---- */

/* Each row: a request, the status the server must answer it with (0 = served), fed at
 * once and byte by byte. A refused request is never dispatched, and the connection
 * closes after the error. */
static const struct { const char *name, *in; int status; } framing_rows[] = {
    {"space before the colon", "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400},
    {"tab before the colon", "POST / HTTP/1.1\r\nContent-Length\t: 3\r\n\r\nabc", 400},
    {"chunk data then XX", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n", 400},
    {"chunk data then LF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n", 400},
    {"bare LF after size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n", 400},
    {"HTTP/9.9", "GET / HTTP/9.9\r\n\r\n", 505},
    {"HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", 505},
    {"HTTP/1.2", "GET / HTTP/1.2\r\n\r\n", 505},
    {"CL and TE", "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400},
    {"TE gzip, chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 501},
    {"TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 400},
    {"TE twice", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501},
    {"CL twice", "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400},
    {"CL not a number", "POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\nabc", 400},
    {"obs-fold", "GET / HTTP/1.1\r\nX-A: 1\r\n  folded\r\n\r\n", 400},
    {"NUL in a value", "GET / HTTP/1.1\r\nX-A: a\x01z\r\n\r\n", 400},
    {"empty name", "GET / HTTP/1.1\r\n: x\r\n\r\n", 400},
    {"ok: chunked with ext and trailer",
     "POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n3;x=y\r\nabc\r\n1 \r\nd\r\n0\r\nX-T: 1\r\n\r\n", 0},
    {"ok: HTTP/1.0 with Content-Length", "POST / HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", 0},
    {"ok: LF-only head", "GET / HTTP/1.1\nHost: a\n\n", 0},
    {"ok: leading empty lines", "\r\n\r\nGET / HTTP/1.1\r\n\r\n", 0},
};

static void run_framing(size_t i, bool bytewise) {
  core_t k;
  const char *in = framing_rows[i].in;
  size_t n = strlen(in);
  core_init(&k, false);
  if (bytewise) {
    for (size_t j = 0; j < n && !k.closed; j++) {
      vt_hconn_feed(&k.conn, in + j, 1);
      core_pump(&k);
    }
  } else {
    vt_hconn_feed(&k.conn, in, n);
    core_pump(&k);
  }
  int want = framing_rows[i].status;
  char line[32];
  snprintf(line, sizeof line, "HTTP/1.1 %d ", want ? want : 200);
  if (!k.out.data || strncmp(k.out.data, line, strlen(line)) != 0)
    fail_msg("%s (%s): got %.40s", framing_rows[i].name, bytewise ? "bytewise" : "at once", k.out.data ? k.out.data : "nothing");
  if (want) {
    assert_int_equal(k.dispatched, 0);
    assert_true(k.closed && k.graceful);
    assert_non_null(strstr(k.out.data, "Connection: close\r\n"));
  } else {
    assert_int_equal(k.dispatched, 1);
  }
  core_done(&k);
}

static void test_strict_framing(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof framing_rows / sizeof framing_rows[0]; i++) {
    run_framing(i, false);
    run_framing(i, true);
  }
}

/* A smuggling attempt: the second "request" hidden in a body must never be served. */
static void test_smuggled_request_not_served(void **state) {
  (void)state;
  core_t k;
  core_init(&k, false);
  static const char in[] = "POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n"
                           "0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n";
  vt_hconn_feed(&k.conn, in, sizeof in - 1);
  core_pump(&k);
  assert_int_equal(k.dispatched, 0);
  assert_null(strstr(k.out.data, "/admin"));
  assert_non_null(strstr(k.out.data, "\r\n\r\nbad header: a field name holds a character that is not a token"));
  assert_true(k.closed);
  core_done(&k);
}

/* ---- half-close, reserved slots, WebSocket path, CORS ---- */

static void test_half_close_answered(void **state) {
  (void)state;
  core_t k;
  core_init(&k, true);
  vt_hconn_feed(&k.conn, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n", 38);
  vt_hconn_eof(&k.conn);
  assert_false(k.closed);
  assert_false(vt_hconn_wants_read(&k.conn));
  assert_int_equal(k.nheld, 2);
  answer(k.held[0]);
  assert_false(k.closed); /* /b is still owed */
  answer(k.held[1]);
  k.nheld = 0;
  assert_true(k.closed && k.graceful);
  assert_non_null(strstr(k.out.data, "GET /a "));
  assert_non_null(strstr(k.out.data, "GET /b "));
  core_done(&k);
  /* a request cut short by the FIN: nothing to answer, close at once */
  core_init(&k, true);
  vt_hconn_feed(&k.conn, "GET /a HTTP/1.1\r\nHost:", 22);
  vt_hconn_eof(&k.conn);
  assert_true(k.closed && !k.graceful);
  assert_int_equal(k.dispatched, 0);
  core_done(&k);
}

static void test_reserved_slot_paths(void **state) {
  (void)state;
  static const struct { const char *in; int status; } rows[] = {
      {"GET /healthz HTTP/1.1\r\n\r\n", 200}, {"GET /metrics HTTP/1.1\r\n\r\n", 200},
      {"GET /health HTTP/1.1\r\n\r\n", 200},  {"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}", 503},
      {"GET /status HTTP/1.1\r\n\r\n", 503},  {"GET /healthzz HTTP/1.1\r\n\r\n", 503},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    core_t k;
    core_init(&k, false);
    k.conn.reserved = true;
    vt_hconn_feed(&k.conn, rows[i].in, strlen(rows[i].in));
    core_pump(&k);
    char line[32];
    snprintf(line, sizeof line, "HTTP/1.1 %d ", rows[i].status);
    if (strncmp(k.out.data, line, strlen(line)) != 0) fail_msg("%s: %.40s", rows[i].in, k.out.data);
    assert_int_equal(k.dispatched, rows[i].status == 200 ? 1 : 0);
    core_done(&k);
  }
}

static void ws_never(vt_ws_conn *c, const char *data, size_t len, void *ud) {
  (void)c, (void)data, (void)len, (void)ud;
  fail_msg("no websocket may open");
}

static void test_websocket_only_on_root(void **state) {
  (void)state;
  core_t k;
  core_init(&k, false);
  k.ctx.h.on_ws_message = ws_never; /* WebSocket enabled */
  static const char in[] = "GET /status HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
  vt_hconn_feed(&k.conn, in, sizeof in - 1);
  core_pump(&k);
  assert_int_equal(strncmp(k.out.data, "HTTP/1.1 404 ", 13), 0);
  assert_int_equal(k.conn.mode, VT_HC_HTTP);
  assert_int_equal(k.dispatched, 0);
  core_done(&k);
}

static void test_cors_paths(void **state) {
  (void)state;
  static const struct { const char *origin; bool all; const char *path; bool cors; } rows[] = {
      {NULL, false, "/", false},         {"*", false, "/", true},
      {"*", false, "/rpc", true},        {"*", false, "/status", false},
      {"*", false, "/metrics", false},   {"*", false, "/dashboard/x", false},
      {"*", true, "/status", true},      {"https://a.example", false, "/", true},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    core_t k;
    char req[128];
    core_init(&k, false);
    k.ctx.lim.cors_origin = rows[i].origin;
    k.ctx.lim.cors_all_paths = rows[i].all;
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\n\r\nOPTIONS %s HTTP/1.1\r\n\r\n", rows[i].path, rows[i].path);
    vt_hconn_feed(&k.conn, req, (size_t)n);
    core_pump(&k);
    const char *second = strstr(k.out.data + 1, "HTTP/1.1 204");
    assert_non_null(second);
    bool got = strstr(k.out.data, "Access-Control-Allow-Origin") != NULL;
    bool got_pre = strstr(second, "Access-Control-Allow-Methods") != NULL;
    if (got != rows[i].cors || got_pre != rows[i].cors) fail_msg("cors %s on %s: %d/%d", rows[i].origin, rows[i].path, got, got_pre);
    core_done(&k);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_core_byte_by_byte_exact_wire),
      cmocka_unit_test(test_core_pipeline_cap_and_order),
      cmocka_unit_test(test_core_abort_and_orphan),
      cmocka_unit_test(test_strict_framing),
      cmocka_unit_test(test_smuggled_request_not_served),
      cmocka_unit_test(test_half_close_answered),
      cmocka_unit_test(test_reserved_slot_paths),
      cmocka_unit_test(test_websocket_only_on_root),
      cmocka_unit_test(test_cors_paths),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_http_conn.c: the sans-I/O connection core of the front door (src/net/http_conn.c)
 * driven directly, without sockets: a fake host collects every written byte, so the
 * exact wire format, the pipeline cap, response ordering with out-of-order answers,
 * and abort/orphan handling are checked byte for byte and deterministically.
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
      "Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: X-Verity-Upstream, X-Verity-Trust\r\n"
      "X-Verity-Trust: test\r\n\r\nPOST /q/r abc"
      "HTTP/1.1 200 OK\r\nContent-Length: 14\r\nContent-Type: text/plain\r\n"
      "Access-Control-Allow-Origin: *\r\nAccess-Control-Expose-Headers: X-Verity-Upstream, X-Verity-Trust\r\n"
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_core_byte_by_byte_exact_wire),
      cmocka_unit_test(test_core_pipeline_cap_and_order),
      cmocka_unit_test(test_core_abort_and_orphan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

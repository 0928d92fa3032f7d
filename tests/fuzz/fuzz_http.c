/*
 * fuzz_http.c: libFuzzer harness for the front door's connection core (http_conn.c,
 * websocket.c, ws_frame.c) without sockets.
 *
 * Input: byte 0 picks the feed chunk size (1..64) and byte 1 the behaviour flags
 * (hold some requests for a late answer, set abort callbacks, fire a timeout, answer
 * websockets); the rest is the client byte stream: HTTP requests, and after an
 * upgrade, websocket frames. The fake host frees every write at once, reports it
 * written, runs vt_hconn_resume() while the core has work, and tears the connection
 * down at the end; held requests without an abort callback are then answered as
 * orphans. It must never crash, hang, leak, or leave the core claiming work it
 * cannot make progress on (a host would spin on it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "net/http_conn.h"

#define HOLD_MAX 40

typedef struct {
  vt_hctx ctx;
  vt_hconn conn;
  vt_http_req *held[HOLD_MAX];
  unsigned nheld;
  unsigned flags;
  int closed;
  size_t out_bytes;
} harness;

enum { F_HOLD = 1, F_ABORT_CB = 2, F_TIMEOUT = 4, F_WS_CLOSE = 8, F_BIG = 16 };

static void io_write(void *ud, char *buf, size_t len) {
  harness *h = ud;
  h->out_bytes += len;
  free(buf);
}

static void io_close(void *ud, bool graceful) {
  harness *h = ud;
  (void)graceful;
  h->closed = 1;
}

static void io_kick(void *ud) { (void)ud; }

static const vt_hconn_io fake_io = {io_write, io_close, io_kick};

static void on_abort(vt_http_req *r, void *data) {
  harness *h = data;
  for (unsigned i = 0; i < h->nheld; i++)
    if (h->held[i] == r) h->held[i] = NULL;
}

static void respond(vt_http_req *r, unsigned flags) {
  size_t len = 0;
  const char *body = vt_http_req_body(r, &len);
  const char *ct = vt_http_req_header(r, "content-type");
  vt_http_header extra[] = {{"X-Verity-Trust", "fuzz"}, {"X-Path", vt_http_req_path(r)}};
  (void)vt_http_req_method(r);
  (void)vt_http_req_peer(r);
  vt_http_respond(r, (flags & F_BIG) ? 599 : 200, ct, extra, 2, body, len);
}

static void on_request(vt_http_req *r, void *ud) {
  harness *h = ud;
  size_t len = 0;
  (void)vt_http_req_body(r, &len);
  if ((h->flags & F_HOLD) && (len & 1) == 0 && h->nheld < HOLD_MAX) {
    if (h->flags & F_ABORT_CB) {
      vt_http_req_set_data(r, h);
      vt_http_req_on_abort(r, on_abort);
    }
    h->held[h->nheld++] = r;
    return;
  }
  respond(r, h->flags);
}

static void on_ws_open(vt_ws_conn *c, void *ud) { vt_ws_set_data(c, ud); }

static void on_ws_message(vt_ws_conn *c, const char *data, size_t len, void *ud) {
  harness *h = ud;
  (void)vt_ws_peer(c);
  if ((h->flags & F_WS_CLOSE) && len && data[0] == 'c') {
    vt_ws_close(c, 1000, "fuzz");
    return;
  }
  (void)vt_ws_send(c, data, len);
}

static void on_ws_close(vt_ws_conn *c, void *ud) {
  (void)ud;
  (void)vt_ws_send(c, "x", 1);
}

static void answer_held(harness *h) {
  for (unsigned i = 0; i < h->nheld; i++)
    if (h->held[i]) respond(h->held[i], h->flags);
  h->nheld = 0;
}

/* What a host does between reads: report writes done, resume held input. */
static void host_step(harness *h) {
  for (int guard = 0; guard < 64; guard++) {
    vt_hconn_written(&h->conn, h->conn.out_pending);
    if (h->closed || !vt_hconn_has_work(&h->conn)) break;
    size_t held = h->conn.in.len;
    vt_hconn_mode mode = h->conn.mode;
    vt_hconn_resume(&h->conn);
    /* a host runs resume from the loop while has_work says so: no progress = busy loop */
    if (vt_hconn_has_work(&h->conn) && h->conn.in.len == held && h->conn.mode == mode) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const vt_http_handlers handlers = {on_request, on_ws_open, on_ws_message, on_ws_close, NULL, NULL};
  harness *h = calloc(1, sizeof *h);
  if (!h || size < 2) {
    free(h);
    return 0;
  }
  size_t chunk = (size_t)(data[0] % 64) + 1;
  h->flags = data[1];
  data += 2;
  size -= 2;
  vt_http_limits_default(&h->ctx.lim);
  h->ctx.lim.max_body = 2048;
  h->ctx.lim.max_header_bytes = 1024;
  h->ctx.lim.max_headers = 12;
  h->ctx.lim.max_ws_message = 1024;
  h->ctx.lim.max_ws_queue = 8192;
  h->ctx.lim.cors_origin = (h->flags & 32) ? NULL : "*";
  h->ctx.h = handlers;
  h->ctx.h.ud = h;
  vt_hconn_init(&h->conn, &h->ctx, &fake_io, h, "127.0.0.1:1");
  for (size_t off = 0, step = 0; off < size && !h->closed; off += chunk, step++) {
    size_t n = size - off < chunk ? size - off : chunk;
    vt_hconn_feed(&h->conn, (const char *)data + off, n);
    host_step(h);
    if ((step & 3) == 3) answer_held(h);
    if ((h->flags & F_TIMEOUT) && step == 5) vt_hconn_timeout(&h->conn);
    host_step(h);
  }
  if (h->flags & 64) answer_held(h);
  host_step(h);
  vt_hconn_teardown(&h->conn); /* aborts held requests with a callback, orphans the rest */
  answer_held(h);              /* orphans: answered late, freed by respond */
  free(h);
  return 0;
}

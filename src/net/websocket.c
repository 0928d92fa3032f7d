/*
 * websocket.c: the WebSocket half of the connection core (see http_conn.h) and the
 * public vt_ws_* calls (websocket.h).
 *
 * After the 101 response has been written, vt_hconn_resume() calls vt_hconn_ws_open()
 * and the connection's bytes go through the frame parser (ws_frame.c). Each event is
 * acted on here: messages go to on_ws_message, pings are answered, a close frame is
 * echoed and the connection closed once the echo is written, a protocol error closes
 * with the parser's code. Everything sent (messages, pongs, pings, close frames)
 * counts against max_ws_queue; passing it closes with 1008.
 *
 * The handshake key check (vt_ws_accept_key) uses nettle's SHA-1 and base64.
 */
#include "net/websocket.h"

#include <nettle/base64.h>
#include <nettle/sha1.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "net/http_conn.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/* The reason text sent with the close codes the server itself uses. */
static const struct { uint16_t code; const char *reason; } close_reasons[] = {
    {VT_WS_CLOSE_GOING_AWAY, "idle"},
    {VT_WS_CLOSE_PROTOCOL, "protocol error"},
    {VT_WS_CLOSE_INVALID_DATA, "invalid utf-8"},
    {VT_WS_CLOSE_POLICY, "send queue full"},
    {VT_WS_CLOSE_TOO_BIG, "message too big"},
};

static const char *reason_for(uint16_t code) {
  for (size_t i = 0; i < sizeof close_reasons / sizeof close_reasons[0]; i++)
    if (close_reasons[i].code == code) return close_reasons[i].reason;
  return "";
}

int vt_ws_accept_key(const char *key, char out[29]) {
  struct base64_decode_ctx dc;
  struct sha1_ctx sc;
  uint8_t raw[BASE64_DECODE_LENGTH(24)];
  uint8_t digest[SHA1_DIGEST_SIZE];
  size_t raw_len = sizeof raw;
  if (!key || strlen(key) != 24) return -1;
  base64_decode_init(&dc);
  if (!base64_decode_update(&dc, &raw_len, raw, 24, key) || !base64_decode_final(&dc) || raw_len != 16)
    return -1;
  sha1_init(&sc);
  sha1_update(&sc, 24, (const uint8_t *)key);
  sha1_update(&sc, sizeof ws_guid - 1, (const uint8_t *)ws_guid);
  sha1_digest(&sc, sizeof digest, digest);
  base64_encode_raw(out, sizeof digest, digest);
  out[28] = 0;
  return 0;
}

/* Would len more bytes pass the per-connection unsent cap? */
static bool queue_full(const vt_hconn *c, size_t len) {
  size_t cap = c->ctx->lim.max_ws_queue;
  return c->out_pending > cap || len + 10 > cap - c->out_pending;
}

static bool send_frame(vt_hconn *c, unsigned op, const void *payload, size_t len) {
  uint8_t h[10];
  size_t hl = vt_ws_frame_header(h, op, len);
  char *b = malloc(hl + len + 1);
  if (!b) return false;
  memcpy(b, h, hl);
  if (len) memcpy(b + hl, payload, len);
  vt_hconn_emit(c, b, hl + len);
  return true;
}

static void send_close(vt_hconn *c, uint16_t code, const char *reason) {
  uint8_t p[VT_WS_MAX_CONTROL];
  size_t rl = reason ? strlen(reason) : 0;
  if (c->ws_close_sent) return;
  if (rl > VT_WS_MAX_CONTROL - 2) rl = VT_WS_MAX_CONTROL - 2;
  p[0] = (uint8_t)(code >> 8);
  p[1] = (uint8_t)code;
  if (rl) memcpy(p + 2, reason, rl);
  c->ws_close_sent = true;
  (void)send_frame(c, VT_WS_OP_CLOSE, p, 2 + rl);
}

/* Close with code, and drop the connection once the close frame is written. */
static void ws_fail(vt_hconn *c, uint16_t code) {
  send_close(c, code, reason_for(code));
  vt_hconn_close(c, true);
}

void vt_hconn_ws_open(vt_hconn *c) {
  c->mode = VT_HC_WS;
  vt_wsp_init(&c->wsp, c->ctx->lim.max_ws_message);
  c->ctx->stats.ws_open++;
  if (c->ctx->h.on_ws_open) c->ctx->h.on_ws_open(&c->ws, c->ctx->h.ud);
}

size_t vt_hconn_ws_feed(vt_hconn *c, const char *d, size_t n) {
  size_t off = 0;
  while (off < n && !c->closing) {
    size_t used = 0;
    vt_wsp *p = &c->wsp;
    vt_wsp_event ev = vt_wsp_feed(p, (const uint8_t *)d + off, n - off, &used);
    off += used;
    switch (ev) {
    case VT_WSP_MORE: break;
    case VT_WSP_MESSAGE:
      c->ctx->stats.ws_messages++;
      if (!c->ws_close_sent && c->ctx->h.on_ws_message)
        c->ctx->h.on_ws_message(&c->ws, p->msg.data ? p->msg.data : "", p->msg.len, c->ctx->h.ud);
      break;
    case VT_WSP_PING:
      if (c->ws_close_sent) break;
      if (queue_full(c, p->ctl_len)) ws_fail(c, VT_WS_CLOSE_POLICY);
      else if (!send_frame(c, VT_WS_OP_PONG, p->ctl, p->ctl_len)) ws_fail(c, VT_WS_CLOSE_INTERNAL);
      break;
    case VT_WSP_PONG: c->ws_ping_out = false; break;
    case VT_WSP_CLOSE:
      send_close(c, p->close_code == 1005 ? VT_WS_CLOSE_NORMAL : p->close_code, "");
      vt_hconn_close(c, true);
      break;
    case VT_WSP_ERROR: ws_fail(c, p->error_code); break;
    }
  }
  return n;
}

void vt_hconn_ws_timeout(vt_hconn *c) {
  if (c->ws_close_sent) {
    vt_hconn_close(c, false); /* the peer never answered our close */
  } else if (!c->ws_ping_out) {
    c->ws_ping_out = true;
    if (!send_frame(c, VT_WS_OP_PING, "verity", 6)) vt_hconn_close(c, false);
  } else {
    ws_fail(c, VT_WS_CLOSE_GOING_AWAY);
  }
}

void vt_hconn_ws_teardown(vt_hconn *c) {
  if (c->mode != VT_HC_WS) return;
  if (c->ctx->h.on_ws_close) c->ctx->h.on_ws_close(&c->ws, c->ctx->h.ud);
  vt_wsp_free(&c->wsp);
  c->mode = VT_HC_HTTP;
}

/* ---- public API ---- */

int vt_ws_send(vt_ws_conn *ws, const char *data, size_t len) {
  vt_hconn *c = ws->hc;
  if (c->closing || c->mode != VT_HC_WS || c->ws_close_sent) return UV_EPIPE;
  if (queue_full(c, len)) {
    ws_fail(c, VT_WS_CLOSE_POLICY);
    return UV_ENOBUFS;
  }
  return send_frame(c, VT_WS_OP_TEXT, data, len) ? 0 : UV_ENOMEM;
}

void vt_ws_close(vt_ws_conn *ws, uint16_t code, const char *reason) {
  vt_hconn *c = ws->hc;
  if (c->closing || c->mode != VT_HC_WS || c->ws_close_sent) return;
  send_close(c, code, reason);
}

void vt_ws_set_data(vt_ws_conn *c, void *data) { c->data = data; }
void *vt_ws_get_data(const vt_ws_conn *c) { return c->data; }
void *vt_ws_get_auth(const vt_ws_conn *c) { return c->auth; }
const char *vt_ws_peer(const vt_ws_conn *c) { return c->hc->peer; }

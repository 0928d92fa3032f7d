/*
 * ws_frame.c: incremental WebSocket frame parser and server frame header writer (see
 * ws_frame.h). No I/O, no allocation beyond the capped message buffer.
 *
 * The parser is a two-state machine: gathering a frame header (2 to 14 bytes, copied
 * into p->hdr because it may arrive split), then streaming the payload, unmasked as
 * it goes, into the message buffer (data frames) or the control buffer (control
 * frames). Every check on a frame is made once its header is complete, so no byte of
 * an invalid or oversized frame is ever buffered. Close reasons and complete text
 * messages must be valid UTF-8 (else 1007, RFC 6455 8.1).
 */
#include "net/ws_frame.h"

#include <string.h>

/* One row per opcode 0..15: is it defined, is it a control frame. */
static const struct { bool valid, control; } op_table[16] = {
    [VT_WS_OP_CONT] = {true, false},  [VT_WS_OP_TEXT] = {true, false},
    [VT_WS_OP_BINARY] = {true, false}, [VT_WS_OP_CLOSE] = {true, true},
    [VT_WS_OP_PING] = {true, true},   [VT_WS_OP_PONG] = {true, true},
};

/* Close codes a peer may send (RFC 6455 7.4.1/7.4.2): 1000-1003, 1007-1011 (1012-1014
 * registered later by IANA), 3000-4999 for libraries and applications. */
static bool close_code_ok(uint16_t code) {
  static const struct { uint16_t lo, hi; } ok[] = {{1000, 1003}, {1007, 1014}, {3000, 4999}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
    if (code >= ok[i].lo && code <= ok[i].hi) return true;
  return false;
}

/* Is d[0..n) valid UTF-8 (RFC 3629: no overlongs, no surrogates, nothing past
 * U+10FFFF)? Close reasons and text messages must be (RFC 6455 5.6, 8.1). */
static bool utf8_valid(const uint8_t *d, size_t n) {
  for (size_t i = 0; i < n;) {
    unsigned c = d[i], need, min, cp;
    if (c < 0x80) { i++; continue; }
    if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; cp = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; cp = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; cp = c & 0x07; }
    else return false;
    if (n - i <= need) return false;
    for (unsigned k = 1; k <= need; k++) {
      if ((d[i + k] & 0xc0) != 0x80) return false;
      cp = cp << 6 | (d[i + k] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += need + 1;
  }
  return true;
}

void vt_wsp_init(vt_wsp *p, size_t max_message) {
  memset(p, 0, sizeof *p);
  p->max_message = max_message;
  p->hneed = 2;
  vt_buf_init(&p->msg, max_message);
}

void vt_wsp_init_client(vt_wsp *p, size_t max_message) {
  vt_wsp_init(p, max_message);
  p->from_server = true;
}

void vt_wsp_free(vt_wsp *p) { vt_buf_free(&p->msg); }

static vt_wsp_event fail(vt_wsp *p, uint16_t code) {
  p->error_code = code;
  return VT_WSP_ERROR;
}

/* The header is complete: decode and check it. Returns VT_WSP_MORE when the frame is
 * acceptable (payload follows), VT_WSP_ERROR otherwise. */
static vt_wsp_event header_done(vt_wsp *p) {
  const uint8_t *h = p->hdr;
  unsigned len7 = h[1] & 0x7fu;
  uint64_t len = len7;
  unsigned at = 2;
  if (len7 == 126) {
    len = ((uint64_t)h[2] << 8) | h[3];
    at = 4;
  } else if (len7 == 127) {
    len = 0;
    for (unsigned i = 0; i < 8; i++) len = (len << 8) | h[2 + i];
    at = 10;
    if (len >> 63) return fail(p, 1002);
  }
  if (p->from_server) memset(p->mask, 0, sizeof p->mask); /* XOR with zero: no unmasking */
  else memcpy(p->mask, h + at, 4);
  p->fin = (h[0] & 0x80u) != 0;
  p->opcode = h[0] & 0x0fu;
  if (h[0] & 0x70u) return fail(p, 1002);                 /* RSV bits: no extensions */
  if (!op_table[p->opcode].valid) return fail(p, 1002);
  if (op_table[p->opcode].control) {
    if (!p->fin || len > VT_WS_MAX_CONTROL) return fail(p, 1002);
  } else {
    bool cont = p->opcode == VT_WS_OP_CONT;
    if (cont != p->in_message) return fail(p, 1002);      /* stray or interrupted fragment */
    if (!cont) {
      p->msg_opcode = p->opcode;
      vt_buf_reset(&p->msg);
    }
    if (len > p->max_message - p->msg.len) return fail(p, 1009);
    p->in_message = true;
  }
  p->remaining = len;
  p->mpos = 0;
  p->ctl_len = 0;
  p->in_payload = true;
  return VT_WSP_MORE;
}

/* The payload is complete: report the event the frame makes, if any. */
static vt_wsp_event frame_done(vt_wsp *p) {
  p->in_payload = false;
  p->hlen = 0;
  p->hneed = 2;
  switch (p->opcode) {
  case VT_WS_OP_PING: return VT_WSP_PING;
  case VT_WS_OP_PONG: return VT_WSP_PONG;
  case VT_WS_OP_CLOSE:
    if (p->ctl_len == 1) return fail(p, 1002);
    p->close_code = 1005;
    if (p->ctl_len >= 2) {
      p->close_code = (uint16_t)((p->ctl[0] << 8) | p->ctl[1]);
      if (!close_code_ok(p->close_code)) return fail(p, 1002);
      if (!utf8_valid(p->ctl + 2, p->ctl_len - 2)) return fail(p, 1007);
    }
    p->ctl[p->ctl_len] = 0;
    return VT_WSP_CLOSE;
  default:
    if (!p->fin) return VT_WSP_MORE;
    if (p->msg_opcode == VT_WS_OP_TEXT && !utf8_valid((const uint8_t *)p->msg.data, p->msg.len))
      return fail(p, 1007);
    p->in_message = false;
    p->msg_ready = true;
    return VT_WSP_MESSAGE;
  }
}

/* Copy up to n payload bytes, unmasking them. Returns how many were taken. */
static size_t take_payload(vt_wsp *p, const uint8_t *d, size_t n) {
  size_t take = n;
  if ((uint64_t)take > p->remaining) take = (size_t)p->remaining;
  uint8_t *dst;
  if (op_table[p->opcode].control) {
    dst = p->ctl + p->ctl_len;
    memcpy(dst, d, take);
    p->ctl_len += take;
  } else {
    size_t before = p->msg.len;
    /* Cannot fail: header_done() checked the total against the buffer's cap. */
    if (!vt_buf_append(&p->msg, d, take)) return 0;
    dst = (uint8_t *)p->msg.data + before;
  }
  for (size_t i = 0; i < take; i++) dst[i] ^= p->mask[(p->mpos + i) & 3u];
  p->mpos = (unsigned)((p->mpos + take) & 3u);
  p->remaining -= take;
  return take;
}

vt_wsp_event vt_wsp_feed(vt_wsp *p, const uint8_t *d, size_t n, size_t *used) {
  size_t off = 0;
  vt_wsp_event ev = VT_WSP_MORE;
  if (p->error_code) {
    *used = n;
    return VT_WSP_ERROR;
  }
  if (p->msg_ready) {
    p->msg_ready = false;
    vt_buf_reset(&p->msg);
  }
  while (off < n || (p->in_payload && p->remaining == 0)) {
    if (!p->in_payload) {
      p->hdr[p->hlen++] = d[off++];
      if (p->hlen == 2) {
        unsigned len7 = p->hdr[1] & 0x7fu;
        bool masked = (p->hdr[1] & 0x80u) != 0;
        if (masked == p->from_server) { /* client frames must be masked, server frames never */
          ev = fail(p, 1002);
          goto out;
        }
        p->hneed = 2 + (len7 == 126 ? 2u : len7 == 127 ? 8u : 0u) + (p->from_server ? 0u : 4u);
      }
      if (p->hlen < p->hneed) continue;
      ev = header_done(p);
      if (ev != VT_WSP_MORE) goto out;
      continue;
    }
    if (p->remaining > 0) {
      size_t took = take_payload(p, d + off, n - off);
      if (took == 0) {
        ev = fail(p, 1009);
        goto out;
      }
      off += took;
      if (p->remaining > 0) continue;
    }
    ev = frame_done(p);
    if (ev != VT_WSP_MORE) goto out;
  }
out:
  *used = ev == VT_WSP_ERROR ? n : off;
  return ev;
}

size_t vt_ws_frame_header(uint8_t out[10], unsigned opcode, uint64_t len) {
  out[0] = (uint8_t)(0x80u | (opcode & 0x0fu));
  if (len < 126) {
    out[1] = (uint8_t)len;
    return 2;
  }
  if (len <= 0xffff) {
    out[1] = 126;
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    return 4;
  }
  out[1] = 127;
  for (unsigned i = 0; i < 8; i++) out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
  return 10;
}

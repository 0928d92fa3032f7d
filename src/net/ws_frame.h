/*
 * ws_frame.h: the sans-I/O WebSocket frame layer (RFC 6455 section 5). Internal to
 * src/net; the connection core (websocket.c) and the fuzz harness drive it.
 *
 * vt_wsp is an incremental parser for client-to-server frames (and, initialised with
 * vt_wsp_init_client, for a server's frames to net/ws_client.c): feed it any slice of
 * the byte stream and it returns at the first event (a complete message, a control
 * frame, or an error), saying how many bytes it used; call again with the rest.
 * It enforces the protocol: client frames must be masked, RSV bits must be zero (no
 * extension is ever negotiated), opcodes must be known, control frames carry at most
 * 125 bytes and are never fragmented, continuation frames only continue a started
 * message, 64-bit lengths have the top bit clear, close payloads are empty or hold a
 * valid code. A message that would pass max_message fails with 1009 as soon as the
 * frame header says so, before any of its payload is buffered.
 *
 * Ownership: the parser owns its message buffer; p->msg and p->ctl are valid until
 * the next vt_wsp_feed() or vt_wsp_free().
 */
#ifndef VT_NET_WS_FRAME_H
#define VT_NET_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

enum { VT_WS_OP_CONT = 0, VT_WS_OP_TEXT = 1, VT_WS_OP_BINARY = 2, VT_WS_OP_CLOSE = 8,
       VT_WS_OP_PING = 9, VT_WS_OP_PONG = 10 };

#define VT_WS_MAX_CONTROL 125u
#define VT_WS_MAX_FRAME_HEADER 14u /* 2 + 8 extended length + 4 mask key */

typedef enum {
  VT_WSP_MORE = 0, /* all input used, no event yet */
  VT_WSP_MESSAGE,  /* p->msg holds a complete text/binary message (p->msg_opcode) */
  VT_WSP_PING,     /* p->ctl[0..ctl_len) */
  VT_WSP_PONG,
  VT_WSP_CLOSE,    /* p->close_code (1005 when the payload was empty), reason in ctl+2 */
  VT_WSP_ERROR     /* p->error_code: close code to send; sticky */
} vt_wsp_event;

typedef struct {
  size_t max_message;
  bool from_server;  /* parsing a server's frames (the client side): unmasked, never masked */
  uint8_t hdr[VT_WS_MAX_FRAME_HEADER];
  unsigned hlen, hneed;
  bool in_payload;
  unsigned opcode;   /* of the frame being read */
  bool fin;
  uint8_t mask[4];
  unsigned mpos;
  uint64_t remaining;
  bool in_message;   /* a fragmented data message is open */
  unsigned msg_opcode;
  bool msg_ready;    /* p->msg was handed out; reset on the next feed */
  vt_buf msg;
  uint8_t ctl[VT_WS_MAX_CONTROL + 1];
  size_t ctl_len;
  uint16_t close_code;
  uint16_t error_code;
} vt_wsp;

void vt_wsp_init(vt_wsp *p, size_t max_message);
/* The same parser for the client side (net/ws_client.c): a server's frames are never
 * masked (RFC 6455 5.1: a masked one is a protocol error, 1002). */
void vt_wsp_init_client(vt_wsp *p, size_t max_message);
void vt_wsp_free(vt_wsp *p);
/* Parse from d[0..n). *used = bytes consumed (all of them for VT_WSP_MORE). */
vt_wsp_event vt_wsp_feed(vt_wsp *p, const uint8_t *d, size_t n, size_t *used) __attribute__((warn_unused_result));

/* Write an unmasked server frame header (FIN set) for opcode and payload length into
 * out; returns its size (2, 4 or 10). */
size_t vt_ws_frame_header(uint8_t out[10], unsigned opcode, uint64_t len);

#endif

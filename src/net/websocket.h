/*
 * websocket.h: the WebSocket (RFC 6455) side of verity's front door.
 *
 * A client upgrades any path with `GET` + `Upgrade: websocket` on the same port as
 * HTTP (see http_server.h). From then on the connection is a vt_ws_conn: the server
 * calls on_ws_open once, on_ws_message for every complete (reassembled) text or
 * binary message, and on_ws_close exactly once when the connection is gone, whoever
 * closed it. The vt_ws_conn pointer is owned by the server and is valid until
 * on_ws_close returns; never keep it past that.
 *
 * The server does the protocol itself: it requires masked client frames (else close
 * 1002), reassembles fragmented messages, answers pings with pongs, enforces control
 * frame rules (payload <= 125 bytes, never fragmented), closes with 1009 when a
 * message passes max_ws_message and with 1008 when more than max_ws_queue bytes wait
 * unsent (a slow reader), and pings an idle client before giving up on it.
 *
 * Calls from the application (vt_ws_send, vt_ws_close) only queue bytes; they never
 * call back into the handlers, so they are safe inside any callback.
 */
#ifndef VT_NET_WEBSOCKET_H
#define VT_NET_WEBSOCKET_H

#include <stddef.h>
#include <stdint.h>

typedef struct vt_ws_conn vt_ws_conn; /* one websocket connection; valid until on_ws_close returns */

/* Close codes used by the server (RFC 6455 section 7.4.1). */
enum {
  VT_WS_CLOSE_NORMAL = 1000,
  VT_WS_CLOSE_GOING_AWAY = 1001,
  VT_WS_CLOSE_PROTOCOL = 1002,
  VT_WS_CLOSE_UNSUPPORTED = 1003,
  VT_WS_CLOSE_INVALID_DATA = 1007,
  VT_WS_CLOSE_POLICY = 1008,
  VT_WS_CLOSE_TOO_BIG = 1009,
  VT_WS_CLOSE_INTERNAL = 1011
};

/* Send one text frame holding data[0..len). Returns 0 when queued, or a negative uv
 * error: UV_EPIPE when the connection is closing or closed, UV_ENOBUFS when the
 * unsent queue would pass max_ws_queue (the connection is then closed with 1008). */
int vt_ws_send(vt_ws_conn *c, const char *data, size_t len);

/* Start the close handshake with code and a reason (truncated to 123 bytes). Later
 * sends fail; on_ws_close still follows once the connection is down. Idempotent. */
void vt_ws_close(vt_ws_conn *c, uint16_t code, const char *reason);

void vt_ws_set_data(vt_ws_conn *c, void *data);
void *vt_ws_get_data(const vt_ws_conn *c);
/* What the on_ws_upgrade handler (http_server.h) returned for this connection, or NULL. */
void *vt_ws_get_auth(const vt_ws_conn *c);
const char *vt_ws_peer(const vt_ws_conn *c); /* "ip:port" ("[v6]:port" for IPv6) */

/* Sec-WebSocket-Accept for a client key: base64(SHA-1(key || GUID)), 28 chars + NUL.
 * Returns 0, or -1 when key is not 24 base64 characters decoding to 16 bytes. */
int vt_ws_accept_key(const char *key, char out[29]) __attribute__((warn_unused_result));

#endif

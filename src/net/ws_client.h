/*
 * ws_client.h: a WebSocket (RFC 6455) client on libuv, for upstreams' subscriptions.
 *
 * Debian's libcurl 7.88 has no WebSocket support, so verity speaks it itself: the url
 * (ws:// or wss://) is resolved with uv_getaddrinfo, connected with a connect timeout,
 * for wss:// wrapped in TLS by OpenSSL through memory BIOs (SNI, the peer's certificate
 * checked against the default CA paths, which SSL_CERT_FILE / SSL_CERT_DIR override, and
 * its name against the host), then upgraded with a random Sec-WebSocket-Key whose
 * Sec-WebSocket-Accept must match. From then on text messages go out as masked frames
 * and the server's frames are parsed by net/ws_frame.c in its client mode (unmasked,
 * fragmented messages reassembled, pings answered, a close answered and then the
 * connection closed). Caps: the handshake response (VT_WSC_MAX_HANDSHAKE), a message
 * (opts.max_message), bytes queued unsent (VT_WSC_MAX_QUEUE).
 *
 * Who calls it: pool/head_ws.c (newHeads). Callbacks run on the loop thread: on_open
 * once when the upgrade succeeded, on_message per complete text message, on_close
 * exactly once whoever ended it (why: a short text without secrets: the url's host is
 * in it, never its path or query); after on_close returns the client is freed. Calls
 * from inside a callback are safe: vt_wsc_close only starts the close.
 */
#ifndef VT_NET_WS_CLIENT_H
#define VT_NET_WS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#define VT_WSC_MAX_HANDSHAKE (16u * 1024)  /* bytes of the server's 101 response */
#define VT_WSC_MAX_QUEUE (1024u * 1024)    /* bytes written and not yet sent */
#define VT_WSC_WHY_MAX 200

typedef struct vt_wsc vt_wsc;

typedef struct {
  void (*on_open)(vt_wsc *c, void *ud);
  void (*on_message)(vt_wsc *c, const char *msg, size_t len, void *ud);
  void (*on_close)(vt_wsc *c, const char *why, void *ud);
} vt_wsc_handlers;

typedef struct {
  unsigned connect_timeout_ms;    /* resolve + connect + TLS + upgrade; 0 = 5000 */
  size_t max_message;             /* 0 = 1 MiB */
  const char *const *headers;     /* "Name: value" lines added to the upgrade (auth), or NULL */
  size_t nheaders;
} vt_wsc_opts;

/* Start connecting to url. NULL with err when the url is not ws:// or wss:// with a host
 * (no callback is called then). */
vt_wsc *vt_wsc_open(uv_loop_t *loop, const char *url, const vt_wsc_opts *o, const vt_wsc_handlers *h, void *ud,
                    char *err, size_t errlen);

/* Queue a text message; -1 when not open or over the queue cap. */
int vt_wsc_send_text(vt_wsc *c, const char *msg, size_t len) __attribute__((warn_unused_result));
/* Send a ping (liveness); -1 when not open. */
int vt_wsc_ping(vt_wsc *c);
/* Milliseconds (uv_now) when the server last sent anything. */
uint64_t vt_wsc_last_rx_ms(const vt_wsc *c);
/* Close it: on_close follows (with why), also when called before the upgrade. */
void vt_wsc_close(vt_wsc *c, const char *why);

/* The server's response to the upgrade, complete (ends with CRLF CRLF): 0 when it is
 * "HTTP/1.1 101" with Upgrade: websocket, Connection: upgrade and the Accept key for key
 * (24 characters). Else -1 with why. Exposed for tests and the fuzz harness. */
int vt_wsc_check_upgrade(const char *resp, size_t len, const char *key, char *why, size_t whylen)
    __attribute__((warn_unused_result));

#endif

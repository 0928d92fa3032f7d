/*
 * http_server.h: verity's front door. An HTTP/1.1 server with WebSocket on the same
 * port, on libuv and http_parser.
 *
 * Who calls it: the gateway (src/gateway/, src/cli/main.c) starts one server per
 * listen address and gets every complete request through on_request, and every
 * websocket message through on_ws_message (websocket.h).
 *
 * What the server does by itself, so the gateway never sees it:
 *  - keep-alive for HTTP/1.1, close for HTTP/1.0 unless it asks for keep-alive;
 *    pipelining with responses in request order (a request still waiting for its
 *    response holds later responses back); chunked request bodies; Expect:
 *    100-continue;
 *  - CORS is off unless cors_origin is set. Then OPTIONS (preflight) is answered with
 *    204 and the Access-Control-Allow-* headers, and responses carry
 *    Access-Control-Allow-Origin (cors_origin) and Access-Control-Expose-Headers:
 *    X-Verity-Upstream, X-Verity-Trust, on every path except the private ones
 *    (/status, /metrics, /dashboard...) unless cors_all_paths is set too. Every
 *    response has Content-Length (except 1xx and 204, where RFC 9110 forbids it);
 *  - strict RFC 9112 framing (h1_strict.h): header names must be tokens, chunk data
 *    must end in CRLF, Content-Length and Transfer-Encoding may not both come, only
 *    HTTP/1.0 and HTTP/1.1 are served;
 *  - errors with a short text body and then close: 400 (parse or framing error), 404
 *    (a WebSocket upgrade on a path other than /), 408 (request not complete within
 *    idle_timeout_ms: slowloris), 413 (body over max_body), 417 (unknown Expect), 431
 *    (headers over max_header_bytes or max_headers), 501 (a transfer coding other than
 *    chunked), 503 (a reserved slot asked for something else), 505 (HTTP version);
 *  - caps: max_connections in all; at most max_per_client of them from one source
 *    address; the last reserved_connections slots only serve /healthz, /health and
 *    /metrics (so monitoring still gets in when the server is full). A connection
 *    over a cap is accepted and closed at once (counted in stats.refused). When the
 *    server is full, idle keep-alive connections are reaped after busy_idle_ms instead
 *    of idle_timeout_ms. At most VT_HTTP_MAX_PIPELINE requests wait per connection and
 *    reading stops while more than VT_HTTP_OUT_HIGH bytes are unsent.
 *
 * Ownership and lifetime:
 *  - vt_http_req belongs to the server. It is valid from on_request until
 *    vt_http_respond() returns, or until its abort callback returns. Respond exactly
 *    once. If the client vanishes first, the abort callback (if set) runs and the req
 *    is gone; without an abort callback the req stays allocated until the gateway
 *    responds, and that response is dropped, so a late respond is always safe.
 *  - vt_http_respond() copies what it needs: the caller keeps its buffers.
 *  - Application calls (vt_http_respond, vt_ws_send, vt_ws_close,
 *    vt_http_server_close) never call a handler synchronously.
 *  - Memory of a connection is released only in libuv close callbacks;
 *    vt_http_server_close() calls done(arg) from the loop once everything is freed.
 *  - Closing after an error or Connection: close is graceful: the response is
 *    written, then FIN, then input is drained (at most 2 s) so no RST destroys it.
 *  - EOF from the client (a half-close, shutdown(SHUT_WR)) while requests wait: they
 *    are still answered, then the connection closes. Only a reset or a write error
 *    counts as the client vanishing (abort callbacks run).
 *  - vt_http_server_start() sets SIGPIPE to SIG_IGN for the process: a client that
 *    vanished mid-write must be an EPIPE, not a dead daemon.
 */
#ifndef VT_NET_HTTP_SERVER_H
#define VT_NET_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "net/websocket.h"

typedef struct vt_http_server vt_http_server;
typedef struct vt_http_req vt_http_req; /* one request; owned by the server */
typedef struct { const char *name; const char *value; } vt_http_header;

/* Fixed caps (not configurable). */
#define VT_HTTP_MAX_PIPELINE 32u                     /* requests waiting per connection */
#define VT_HTTP_OUT_HIGH (1u << 20)                  /* unsent bytes that stop reading */
#define VT_HTTP_MAX_RESPONSE (256u * 1024 * 1024)    /* a bigger body becomes a 500 */
#define VT_HTTP_MAX_CORS_ORIGIN 256u                 /* bytes of cors_origin */

typedef struct {
  size_t max_body;           /* default 4 MiB -> 413 */
  size_t max_header_bytes;   /* default 16 KiB (request line + headers) -> 431; at most 80 KiB */
  unsigned max_headers;      /* default 64 -> 431 */
  unsigned max_connections;  /* default 4096: beyond it, accept and close at once */
  unsigned idle_timeout_ms;  /* default 60000: keep-alive idle, slow request, stalled write */
  size_t max_ws_message;     /* default 4 MiB -> close 1009 */
  size_t max_ws_queue;       /* default 16 MiB of unsent ws data per connection -> 1008 */
  const char *cors_origin;   /* default NULL: no CORS headers; "*" or an origin; copied */
  bool cors_all_paths;       /* default false: no CORS on /status, /metrics, /dashboard */
  unsigned max_per_client;   /* default max_connections / 4 (at least 1): per source address */
  unsigned reserved_connections; /* default max_connections / 16, 1..16: /healthz and /metrics only */
  unsigned busy_idle_ms;     /* default 5000: idle keep-alive timeout while the server is full */
} vt_http_limits;

/* Fill l with the defaults above. A zero field given to vt_http_server_start() also
 * means "default" (the per-client and reserved defaults follow max_connections). */
void vt_http_limits_default(vt_http_limits *l);

typedef struct {
  void (*on_request)(vt_http_req *req, void *ud);   /* full request received (body complete) */
  void (*on_ws_open)(vt_ws_conn *c, void *ud);
  void (*on_ws_message)(vt_ws_conn *c, const char *data, size_t len, void *ud); /* complete message */
  void (*on_ws_close)(vt_ws_conn *c, void *ud);
  void *ud;
  /* Optional: asked before a WebSocket upgrade is accepted (after the handshake headers
   * checked out). Return 0 to accept, *auth then becomes vt_ws_get_auth() of the
   * connection; or an HTTP status to refuse with (401, 404, 429: *retry_after_s > 0
   * adds Retry-After). When NULL, only VT_HTTP_WS_PATH may upgrade. */
  int (*on_ws_upgrade)(vt_http_req *req, void **auth, unsigned *retry_after_s, void *ud);
} vt_http_handlers;

/* Bind host:port (IPv4 or IPv6 literal; port 0 = ephemeral) and start accepting.
 * Returns 0 or a negative uv error (UV_EINVAL for a bad limit or a NULL on_request).
 * lim may be NULL (all defaults); lim and h are copied. */
int vt_http_server_start(uv_loop_t *loop, const char *host, int port, const vt_http_limits *lim,
                         const vt_http_handlers *h, vt_http_server **out)
    __attribute__((warn_unused_result));
int vt_http_server_port(const vt_http_server *s); /* the bound port */
/* Stop accepting, close every connection (pending requests get their abort callback,
 * websockets their on_ws_close), free everything, then call done(arg) (may be NULL)
 * from the loop. The server pointer is invalid once close is called. */
void vt_http_server_close(vt_http_server *s, void (*done)(void *arg), void *arg);

const char *vt_http_req_method(const vt_http_req *r);             /* "POST", "GET", ... */
const char *vt_http_req_path(const vt_http_req *r);               /* path without query */
const char *vt_http_req_header(const vt_http_req *r, const char *name); /* case-insensitive, NULL if absent */
const char *vt_http_req_body(const vt_http_req *r, size_t *len);  /* NUL-terminated; "" if none */
const char *vt_http_req_peer(const vt_http_req *r);               /* "ip:port" */
void vt_http_req_set_data(vt_http_req *r, void *data);
void *vt_http_req_get_data(const vt_http_req *r);
/* cb runs when the client vanishes before the response; after cb the req is gone and
 * must not be responded to. */
void vt_http_req_on_abort(vt_http_req *r, void (*cb)(vt_http_req *r, void *data));
/* Send the response (copied). Exactly once per request. content_type may be NULL.
 * Extra headers whose name or value hold CR, LF or NUL are dropped. */
void vt_http_respond(vt_http_req *r, int status, const char *content_type, const vt_http_header *extra,
                     size_t nextra, const char *body, size_t len);

typedef struct {
  uint64_t connections;  /* accepted and served */
  uint64_t refused;      /* accepted and closed at once: over max_connections or max_per_client */
  uint64_t reaped;       /* idle connections closed early because the server was full */
  uint64_t requests;     /* complete HTTP requests (preflights and upgrades included) */
  uint64_t ws_open;      /* websocket upgrades done */
  uint64_t ws_messages;  /* complete websocket messages received */
  uint64_t bad_requests; /* 4xx/5xx produced by the server itself (400/404/408/413/417/431/501/503/505) */
} vt_http_stats;
void vt_http_server_stats(const vt_http_server *s, vt_http_stats *out);

#endif

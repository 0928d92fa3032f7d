/*
 * http_conn.h: the sans-I/O connection core of the front door. Internal to src/net.
 *
 * One vt_hconn is one client connection: feed it the bytes the socket read and it
 * parses HTTP/1.1 requests (http_parser), answers what the server answers itself
 * (errors, preflight, upgrade), hands complete requests to on_request, keeps the
 * responses in request order, and after an upgrade speaks WebSocket (websocket.c).
 * It never touches a socket, a timer or a clock: bytes go out through io->write,
 * and io->close / io->kick tell the host (http_server.c, or the fuzz harness) what
 * to do. The host owns the vt_hconn memory (embedded in its connection struct).
 *
 * Host contract:
 *  - vt_hconn_feed() after every read; afterwards, and after io->kick, check
 *    vt_hconn_wants_read() (stop or start reading), vt_hconn_has_work() (call
 *    vt_hconn_resume() soon, from the loop, never from inside an application call),
 *    and vt_hconn_phase() (which timeout applies).
 *  - vt_hconn_written(n) when n bytes of what io->write took have left (or were
 *    dropped); it only updates counters and never calls back.
 *  - io->close(graceful): the core is done; close once queued writes are flushed
 *    (graceful) or at once. After it, feeding is ignored.
 *  - vt_hconn_teardown() exactly once when the connection is closed (from the close
 *    callback): pending requests are aborted or orphaned, on_ws_close runs, and all
 *    memory the core holds is released.
 * Handlers are called only from feed, resume, timeout and teardown.
 *
 * The core is split in three files that are one unit: http_conn.c (parsing, the
 * request queue, dispatch), http_render.c (response heads and the status table) and
 * websocket.c (after an upgrade); h1_strict.c checks the framing beside http_parser.
 */
#ifndef VT_NET_HTTP_CONN_H
#define VT_NET_HTTP_CONN_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/h1_strict.h"
#include "net/http_server.h"
#include "net/ws_frame.h"
#include "util/buf.h"

#define VT_HTTP_PEER_MAX 64u
#define VT_HTTP_MAX_HELD_INPUT (256u * 1024) /* unparsed input kept while paused */
#define VT_HTTP_MAX_RESPONSE_HEAD 65536u     /* bytes of a rendered response head */
#define VT_HTTP_WS_PATH "/"                  /* where a WebSocket opens when no on_ws_upgrade decides */
#define VT_HTTP_MAX_ERROR_TEXT 160u          /* bytes of the text body of the server's own errors */

/* Server-wide state the connections share: resolved limits, handlers, counters. */
typedef struct {
  vt_http_limits lim;
  char cors[VT_HTTP_MAX_CORS_ORIGIN + 1]; /* lim.cors_origin points here, or is NULL */
  vt_http_handlers h;
  vt_http_stats stats;
} vt_hctx;

typedef struct {
  void (*write)(void *io_ud, char *buf, size_t len); /* takes ownership of malloc'd buf */
  void (*close)(void *io_ud, bool graceful);
  void (*kick)(void *io_ud);                          /* re-check read/resume/timer state */
} vt_hconn_io;

typedef enum { VT_HC_HTTP, VT_HC_WS_OPENING, VT_HC_WS } vt_hconn_mode;

/* Which timeout the host applies (see http_server.c's timer table). */
typedef enum {
  VT_HC_IDLE,      /* nothing in flight: idle keep-alive timeout, re-armed on reads */
  VT_HC_RECEIVING, /* a request is partly in: deadline from its first byte (slowloris) */
  VT_HC_WAITING,   /* responses pending: a timeout only while output is stalled */
  VT_HC_WEBSOCKET, /* ping when idle, then close */
  VT_HC_CLOSING    /* flushing before close: stalled-write timeout */
} vt_hphase;

struct vt_ws_conn {
  struct vt_hconn *hc;
  void *data;
  void *auth;          /* what on_ws_upgrade gave for this connection (vt_ws_get_auth) */
};

typedef struct vt_hconn {
  vt_hctx *ctx;
  const vt_hconn_io *io;
  void *io_ud;
  char peer[VT_HTTP_PEER_MAX];
  http_parser parser;
  vt_http_req *cur;             /* the request being parsed */
  vt_http_req *done;            /* parsed, to dispatch once http_parser returns */
  vt_http_req *head, *tail;     /* dispatched, waiting to be written, in order */
  unsigned nqueued;
  uint64_t begun;               /* requests begun so far: a new one restarts its deadline */
  vt_buf in;                    /* input held while paused */
  size_t out_pending;           /* bytes given to io->write, not yet written */
  vt_hconn_mode mode;
  int err_status;               /* set by a parser callback to fail the request */
  bool closing, stop_parsing, continue_pending, torn_down;
  bool peer_eof;                /* the client half-closed: answer what came, then close */
  bool reserved;                /* admitted into a reserved slot: /healthz and /metrics only */
  vt_h1s strict;                /* strict framing beside http_parser (h1_strict.h) */
  /* websocket */
  vt_ws_conn ws;
  vt_wsp wsp;
  bool ws_close_sent, ws_ping_out;
} vt_hconn;

void vt_hconn_init(vt_hconn *c, vt_hctx *ctx, const vt_hconn_io *io, void *io_ud, const char *peer);
void vt_hconn_feed(vt_hconn *c, const char *data, size_t len);
void vt_hconn_resume(vt_hconn *c);
bool vt_hconn_wants_read(const vt_hconn *c);
bool vt_hconn_has_work(const vt_hconn *c);
void vt_hconn_written(vt_hconn *c, size_t n);
vt_hphase vt_hconn_phase(const vt_hconn *c);
void vt_hconn_timeout(vt_hconn *c);  /* the phase's timer fired */
void vt_hconn_abort(vt_hconn *c);    /* peer gone (error) or server closing: close at once */
/* The client sent FIN. HTTP: the requests already received are still answered (and
 * held input parsed), then the connection closes; a request cut short is dropped.
 * WebSocket: closes at once. */
void vt_hconn_eof(vt_hconn *c);
void vt_hconn_teardown(vt_hconn *c);

/* How a response is rendered (http_render.c). */
typedef struct {
  bool close;  /* Connection: close */
  bool http10; /* an HTTP/1.0 request kept alive: Connection: keep-alive */
  bool head;   /* a HEAD request: no body */
  bool cors;   /* CORS headers apply to this path (when cors_origin is set) */
} vt_hrender;

/* The whole response (head and body) in one malloc'd buffer the caller owns, or NULL
 * when it passes VT_HTTP_MAX_RESPONSE(_HEAD) or memory runs out. */
char *vt_http_render(const vt_hctx *ctx, const vt_hrender *ro, int status, const char *ctype,
                     const vt_http_header *extra, size_t nextra, const char *body, size_t len, size_t *out_len);
/* The short text body of the server's own error for status, or NULL. */
const char *vt_http_status_text(int status);

/* Shared by http_conn.c and websocket.c. */
void vt_hconn_emit(vt_hconn *c, char *buf, size_t len); /* io->write + accounting */
void vt_hconn_close(vt_hconn *c, bool graceful);
void vt_hconn_ws_open(vt_hconn *c);                     /* after the 101 went out */
size_t vt_hconn_ws_feed(vt_hconn *c, const char *d, size_t n);
void vt_hconn_ws_timeout(vt_hconn *c);
void vt_hconn_ws_teardown(vt_hconn *c);

#endif

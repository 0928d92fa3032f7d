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
 */
#ifndef VT_NET_HTTP_CONN_H
#define VT_NET_HTTP_CONN_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/http_server.h"
#include "net/ws_frame.h"
#include "util/buf.h"

#define VT_HTTP_PEER_MAX 64u
#define VT_HTTP_MAX_HELD_INPUT (256u * 1024) /* unparsed input kept while paused */

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
void vt_hconn_abort(vt_hconn *c);    /* peer gone (EOF, error) or server closing: close at once */
void vt_hconn_teardown(vt_hconn *c);

/* Shared by http_conn.c and websocket.c. */
void vt_hconn_emit(vt_hconn *c, char *buf, size_t len); /* io->write + accounting */
void vt_hconn_close(vt_hconn *c, bool graceful);
void vt_hconn_ws_open(vt_hconn *c);                     /* after the 101 went out */
size_t vt_hconn_ws_feed(vt_hconn *c, const char *d, size_t n);
void vt_hconn_ws_timeout(vt_hconn *c);
void vt_hconn_ws_teardown(vt_hconn *c);

#endif

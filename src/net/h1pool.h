/*
 * h1pool.h: private to the HTTP/1.1 upstream client. The objects shared by
 * h1client.c (requests, origins with their wait queues and name resolution, the public
 * API) and h1conn.c (connections: connect, write, read, response parsing), and the
 * calls between the two halves (vt_h1__ prefix: internal, never called elsewhere).
 * Ownership is described in h1client.c's header comment.
 */
#ifndef VT_NET_H1POOL_H
#define VT_NET_H1POOL_H

#include <http_parser.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net/h1client.h"
#include "net/h1wire.h"
#include "util/buf.h"

#define VT_H1_READ_BUF      (64u * 1024)  /* per-connection read buffer */
#define VT_H1_FREE_REQS_MAX   256u          /* idle request objects kept for reuse */
#define VT_H1_KEEP_BUF_MAX    (64u * 1024)  /* larger buffers are released on reuse */
#define VT_H1_MSG_MAX       192u             /* error message bytes */

typedef enum { RQ_FREE = 0, RQ_QUEUED, RQ_CONN, RQ_FAILING, RQ_DELIVERING } rq_state;
typedef enum { CN_CONNECTING = 0, CN_BUSY, CN_IDLE, CN_CLOSING } cn_state;

typedef struct vt_h1_origin vt_h1_origin;
typedef struct vt_h1_conn vt_h1_conn;

struct vt_h1_req {
  vt_h1 *c;
  vt_h1_origin *o;
  vt_h1_conn *conn;
  vt_h1_req *prev, *next;     /* the client's in-flight list, or the free list */
  vt_h1_req *qprev, *qnext;   /* the origin's wait queue */
  uv_timer_t timer;           /* whole-request timeout; 0 ms for early failures */
  rq_state state;
  vt_fetch_cb cb;
  void *ud;
  vt_buf out;                 /* the request bytes, written with one uv_write */
  size_t max_response;
  unsigned connect_timeout_ms;
  unsigned timeout_ms;
  uint64_t start_ns;
  double connect_ms;
  bool retried;               /* the one stale-connection retry is used up */
  bool fresh;                 /* must go on a new connection (the retry) */
  vt_fetch_error fail_err;    /* RQ_FAILING: what the timer will deliver */
  char msg[VT_H1_MSG_MAX];
  char content_type[VT_FETCH_MAX_CONTENT_TYPE + 1]; /* copied from the reply: the
                                 connection may serve another request before delivery */
};

struct vt_h1_conn {
  uv_tcp_t tcp;
  uv_timer_t timer;           /* connect timeout, then idle timeout */
  uv_connect_t creq;
  uv_write_t wreq;
  vt_h1_origin *o;
  vt_h1_conn *prev, *next;        /* the origin's busy list or idle stack */
  vt_h1_req *req;
  cn_state state;
  int open;                   /* handles not yet through their close callback */
  uint64_t connect_start_ns;
  bool writing, served, got_bytes, msg_done, keep_alive, too_large, oom;
  http_parser parser;
  vt_buf body;
  vt_h1_hdrs hdrs;
  char rbuf[VT_H1_READ_BUF];
};

struct vt_h1_origin {
  vt_h1 *c;
  vt_h1_origin *next;
  char key[VT_H1_MAX_HOST + 10]; /* lower-cased "host:port" */
  char host[VT_H1_MAX_HOST + 1]; /* as in the URL, without brackets */
  uint16_t port;
  bool literal, have_addr, resolving;
  uint64_t addr_expiry_ns;
  struct sockaddr_storage addr;
  vt_h1_conn *idle, *busy;
  unsigned nconns;               /* not closing */
  vt_h1_req *qhead, *qtail;
  struct vt_h1_gai *gai;
};

typedef struct vt_h1_gai { uv_getaddrinfo_t req; vt_h1_origin *o; } vt_h1_gai;

struct vt_h1 {
  uv_loop_t *loop;
  unsigned max_host;
  uint64_t idle_ms;
  unsigned keepalive_s;
  vt_h1_origin *origins;
  unsigned norigins;
  vt_h1_req *active, *free_list;
  unsigned nfree;
  uv_timer_t guard;   /* closed last, so done() always runs from the loop */
  unsigned open;      /* handles and getaddrinfo requests not yet through */
  bool closing;
  void (*done)(void *arg);
  void *done_arg;
  vt_h1_stats stats;
};

/* h1client.c: requests and pools. */
void vt_h1__pump(vt_h1_origin *o);     /* hand queued requests to connections */
void vt_h1__requeue_front(vt_h1_origin *o, vt_h1_req *q);
void vt_h1__deliver(vt_h1_req *q, vt_fetch_result *r); /* detached q: run its callback */
void vt_h1__fail(vt_h1_req *q, vt_fetch_error e, const char *msg);
void vt_h1__fail_async(vt_h1_req *q, vt_fetch_error e, const char *msg); /* from a 0 ms timer */
void vt_h1__fail_uv_async(vt_h1_req *q, int code, bool connected);
void vt_h1__fmt_uv_err(char *out, size_t n, const char *text, int code);
void vt_h1__maybe_finish(vt_h1 *c);

/* h1conn.c: connections. */
void vt_h1__conn_open(vt_h1_origin *o, vt_h1_req *q); /* q popped from the queue */
void vt_h1__conn_take(vt_h1_conn *k, vt_h1_req *q);   /* idle k serves q */
void vt_h1__conn_close(vt_h1_conn *k);                /* its request already detached */

#endif

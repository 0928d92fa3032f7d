/*
 * h1client.c: HTTP/1.1 keep-alive client for plain http:// upstreams (see h1client.h
 * for the contract, which is fetch.h's).
 *
 * Objects and ownership:
 *  - vt_h1 owns origins (one per host:port, kept until close), request objects
 *    (vt_h1_req, recycled through a free list, each with its own uv_timer_t) and,
 *    through the origins, connections (h1conn: a uv_tcp_t and a uv_timer_t).
 *  - A request is in exactly one place: an origin's FIFO wait queue (RQ_QUEUED), bound
 *    to a connection (RQ_CONN: connecting, or written and awaiting its reply), or
 *    waiting for a 0 ms timer to report an early failure (RQ_FAILING), so that no
 *    callback ever runs inside vt_h1_start().
 *  - A connection is on its origin's busy list (connecting or serving) or idle stack.
 *    uv_read_start runs from connect to close. The response body goes into the
 *    connection's buffer, which is reset only when the next reply begins, so a callback
 *    may start a request that reuses the same connection while it reads the body.
 *  - Memory is released only in uv close callbacks; the client itself is freed when
 *    the last handle (its guard timer, requests' and connections' handles, pending
 *    getaddrinfo requests) is through.
 *
 * Ordering rule that keeps re-entrancy simple: every path that completes a request
 * first detaches it, closes or parks the connection, refills the pool from the wait
 * queue, and only then runs the user callback, as the last thing it does.
 */
#include "net/h1client.h"

#include <http_parser.h>
#include <nettle/base64.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"

#define READ_BUF_SIZE   (64u * 1024)  /* per-connection read buffer */
#define FREE_REQS_MAX   256u          /* idle request objects kept for reuse */
#define KEEP_BUF_MAX    (64u * 1024)  /* larger buffers are released on reuse */
#define HDR_NAME_MAX    32u           /* response header names we look at are short */
#define HDR_VALUE_MAX   128u          /* Retry-After / Date values */
#define MSG_MAX         192u
#define AUTH_MAX        1024u         /* bytes of percent-decoded user:password */
#define REQ_HEAD_EXTRA  4096u         /* our own request line and headers, sans URL */
#define REQ_MAX (VT_FETCH_MAX_URL + REQ_HEAD_EXTRA + BASE64_ENCODE_RAW_LENGTH(AUTH_MAX) + \
                 VT_FETCH_MAX_HEADERS * (VT_FETCH_MAX_HEADER_LEN + 2) + VT_FETCH_MAX_REQUEST_BODY)

typedef enum { RQ_FREE = 0, RQ_QUEUED, RQ_CONN, RQ_FAILING, RQ_DELIVERING } rq_state;
typedef enum { CN_CONNECTING = 0, CN_BUSY, CN_IDLE, CN_CLOSING } cn_state;

typedef struct origin origin;
typedef struct h1conn h1conn;

struct vt_h1_req {
  vt_h1 *c;
  origin *o;
  h1conn *conn;
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
  char msg[MSG_MAX];
};

struct h1conn {
  uv_tcp_t tcp;
  uv_timer_t timer;           /* connect timeout, then idle timeout */
  uv_connect_t creq;
  uv_write_t wreq;
  origin *o;
  h1conn *prev, *next;        /* the origin's busy list or idle stack */
  vt_h1_req *req;
  cn_state state;
  int open;                   /* handles not yet through their close callback */
  uint64_t connect_start_ns;
  bool writing, served, got_bytes, msg_done, keep_alive, too_large, oom, in_value;
  http_parser parser;
  vt_buf body;
  double retry_after_s;       /* delta-seconds form, -1 if absent */
  time_t retry_date, date_hdr;/* HTTP-date forms, -1 if absent */
  size_t hname_len, hval_len;
  char hname[HDR_NAME_MAX + 1], hval[HDR_VALUE_MAX + 1];
  char rbuf[READ_BUF_SIZE];
};

struct origin {
  vt_h1 *c;
  origin *next;
  char key[VT_H1_MAX_HOST + 10]; /* lower-cased "host:port" */
  char host[VT_H1_MAX_HOST + 1]; /* as in the URL, without brackets */
  uint16_t port;
  bool literal, have_addr, resolving;
  uint64_t addr_expiry_ns;
  struct sockaddr_storage addr;
  h1conn *idle, *busy;
  unsigned nconns;               /* not closing */
  vt_h1_req *qhead, *qtail;
  struct gai_req *gai;
};

typedef struct gai_req { uv_getaddrinfo_t req; origin *o; } gai_req;

struct vt_h1 {
  uv_loop_t *loop;
  unsigned max_host;
  uint64_t idle_ms;
  unsigned keepalive_s;
  origin *origins;
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

/* ---- tables ---- */

/* libuv error -> outcome, before and after the connection was established. */
typedef struct {
  int code;
  vt_fetch_error connecting, connected;
  const char *text;
} uv_err_row;

static const uv_err_row uv_err_table[] = {
    {UV_ECONNREFUSED, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "connection refused by upstream"},
    {UV_ENETUNREACH, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "upstream network unreachable"},
    {UV_EHOSTUNREACH, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "upstream host unreachable"},
    {UV_EADDRNOTAVAIL, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "no local address for upstream"},
    {UV_EMFILE, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "too many open files"},
    {UV_ETIMEDOUT, VT_FETCH_E_TIMEOUT, VT_FETCH_E_TIMEOUT, "upstream connection timed out"},
    {UV_ECONNRESET, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "connection reset by upstream"},
    {UV_ECONNABORTED, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "connection aborted"},
    {UV_EPIPE, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "upstream closed the connection while we sent"},
    {UV_EOF, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "upstream closed the connection without a reply"},
    {UV_EAI_NONAME, VT_FETCH_E_CONNECT, VT_FETCH_E_CONNECT, "could not resolve upstream host"},
    {UV_EAI_AGAIN, VT_FETCH_E_CONNECT, VT_FETCH_E_CONNECT, "could not resolve upstream host (try again)"},
};

static const uv_err_row uv_err_default = {0, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT,
                                          "upstream network error"};

static const uv_err_row *uv_err_lookup(int code) {
  for (size_t i = 0; i < sizeof uv_err_table / sizeof uv_err_table[0]; i++)
    if (uv_err_table[i].code == code) return &uv_err_table[i];
  return &uv_err_default;
}

/* Final HTTP status -> outcome (as in fetch.c): 4xx/5xx are answers the pool judges,
 * redirects are not followed, anything else is a broken reply. */
typedef struct {
  long lo, hi;
  vt_fetch_error error;
  const char *fmt;
} status_row;

static const status_row status_table[] = {
    {200, 299, VT_FETCH_OK, ""},
    {300, 399, VT_FETCH_E_TRANSPORT, "upstream answered HTTP %ld (redirect); redirects are not followed"},
    {400, 599, VT_FETCH_OK, ""},
};

static const status_row status_default = {0, 0, VT_FETCH_E_TRANSPORT, "malformed HTTP status %ld from upstream"};

static const status_row *status_lookup(long status) {
  for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
    if (status >= status_table[i].lo && status <= status_table[i].hi) return &status_table[i];
  return &status_default;
}

/* Request headers we add ourselves or refuse from callers. A caller header with the
 * same name replaces ours; "Name:" with an empty value only removes ours (curl's rule). */
enum { OURS_HOST = 1, OURS_AUTH = 2, OURS_UA = 4, OURS_CT = 8, CALLER_DROP = 16 };

static const struct {
  const char *name;
  unsigned flag;
} special_headers[] = {
    {"host", OURS_HOST},
    {"authorization", OURS_AUTH},
    {"user-agent", OURS_UA},
    {"content-type", OURS_CT},
    {"content-length", CALLER_DROP},    /* we always send the real length */
    {"transfer-encoding", CALLER_DROP}, /* the body is never chunked */
    {"expect", CALLER_DROP},            /* we never wait for 100 Continue */
};

static unsigned header_flag(const char *h, size_t name_len) {
  for (size_t i = 0; i < sizeof special_headers / sizeof special_headers[0]; i++)
    if (strlen(special_headers[i].name) == name_len && strncasecmp(h, special_headers[i].name, name_len) == 0)
      return special_headers[i].flag;
  return 0;
}

/* HTTP-date layouts (RFC 9110 5.6.7): IMF-fixdate, obsolete RFC 850, asctime. */
static const char *const date_formats[] = {
    "%a, %d %b %Y %H:%M:%S GMT",
    "%A, %d-%b-%y %H:%M:%S GMT",
    "%a %b %e %H:%M:%S %Y",
};

static time_t parse_http_date(const char *v) {
  for (size_t i = 0; i < sizeof date_formats / sizeof date_formats[0]; i++) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(v, date_formats[i], &tm);
    if (end && *end == 0) return timegm(&tm);
  }
  return (time_t)-1;
}

static void hdr_retry_after(h1conn *k, const char *v) {
  if (*v >= '0' && *v <= '9') {
    char *endp = NULL;
    unsigned long long s = strtoull(v, &endp, 10);
    if (*endp == 0)
      k->retry_after_s = s > VT_FETCH_MAX_RETRY_AFTER_S ? VT_FETCH_MAX_RETRY_AFTER_S : (double)s;
    return;
  }
  k->retry_date = parse_http_date(v);
}

static void hdr_date(h1conn *k, const char *v) { k->date_hdr = parse_http_date(v); }

static const struct {
  const char *name; /* lower case */
  void (*parse)(h1conn *k, const char *value);
} response_headers[] = {
    {"retry-after", hdr_retry_after},
    {"date", hdr_date},
};

/* ---- forward declarations (the pool and the connections call each other) ---- */

static void origin_pump(origin *o);
static void conn_close(h1conn *k);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

/* ---- client teardown ---- */

static void maybe_finish(vt_h1 *c) {
  if (!c->closing || c->open) return;
  void (*done)(void *) = c->done;
  void *arg = c->done_arg;
  while (c->origins) {
    origin *o = c->origins;
    c->origins = o->next;
    free(o);
  }
  free(c);
  if (done) done(arg);
}

static void on_guard_closed(uv_handle_t *h) {
  vt_h1 *c = h->data;
  c->open--;
  maybe_finish(c);
}

/* ---- requests ---- */

static void on_req_closed(uv_handle_t *h) {
  vt_h1_req *q = h->data;
  vt_h1 *c = q->c;
  vt_buf_free(&q->out);
  free(q);
  c->open--;
  maybe_finish(c);
}

static vt_h1_req *req_acquire(vt_h1 *c) {
  vt_h1_req *q = c->free_list;
  if (q) {
    c->free_list = q->next;
    c->nfree--;
    q->next = NULL;
    return q;
  }
  q = calloc(1, sizeof *q);
  if (!q) return NULL;
  q->c = c;
  vt_buf_init(&q->out, REQ_MAX);
  uv_timer_init(c->loop, &q->timer); /* cannot fail */
  q->timer.data = q;
  c->open++;
  return q;
}

static void req_release(vt_h1_req *q) {
  vt_h1 *c = q->c;
  uv_timer_stop(&q->timer);
  q->state = RQ_FREE;
  q->cb = NULL;
  q->ud = NULL;
  q->o = NULL;
  q->conn = NULL;
  q->prev = q->next = q->qprev = q->qnext = NULL;
  if (c->closing || c->nfree >= FREE_REQS_MAX) {
    uv_close((uv_handle_t *)&q->timer, on_req_closed);
    return;
  }
  if (q->out.cap > KEEP_BUF_MAX) vt_buf_free(&q->out);
  vt_buf_reset(&q->out);
  q->next = c->free_list;
  c->free_list = q;
  c->nfree++;
}

static void active_link(vt_h1 *c, vt_h1_req *q) {
  q->prev = NULL;
  q->next = c->active;
  if (c->active) c->active->prev = q;
  c->active = q;
  c->stats.in_flight++;
  c->stats.started++;
}

static void active_unlink(vt_h1 *c, vt_h1_req *q) {
  if (q->prev) q->prev->next = q->next;
  else c->active = q->next;
  if (q->next) q->next->prev = q->prev;
  q->prev = q->next = NULL;
  c->stats.in_flight--;
}

static void queue_push(origin *o, vt_h1_req *q, bool front) {
  q->state = RQ_QUEUED;
  q->qprev = q->qnext = NULL;
  if (!o->qhead) {
    o->qhead = o->qtail = q;
  } else if (front) {
    q->qnext = o->qhead;
    o->qhead->qprev = q;
    o->qhead = q;
  } else {
    q->qprev = o->qtail;
    o->qtail->qnext = q;
    o->qtail = q;
  }
}

static void queue_unlink(origin *o, vt_h1_req *q) {
  if (q->qprev) q->qprev->qnext = q->qnext;
  else o->qhead = q->qnext;
  if (q->qnext) q->qnext->qprev = q->qprev;
  else o->qtail = q->qprev;
  q->qprev = q->qnext = NULL;
}

/* Run the callback (the request is already detached from queue and connection). */
static void req_deliver(vt_h1_req *q, vt_fetch_result *r) {
  vt_h1 *c = q->c;
  active_unlink(c, q);
  uv_timer_stop(&q->timer);
  q->state = RQ_DELIVERING;
  r->elapsed_ms = (double)(uv_hrtime() - q->start_ns) / 1e6;
  if (r->error == VT_FETCH_OK) {
    c->stats.completed++;
    c->stats.bytes_in += r->body_len;
  } else {
    c->stats.failed++;
  }
  q->cb(r, q->ud);
  req_release(q);
}

static void req_fail(vt_h1_req *q, vt_fetch_error e, const char *msg) {
  vt_fetch_result r;
  memset(&r, 0, sizeof r);
  r.error = e;
  r.error_msg = msg;
  r.body = "";
  r.retry_after_s = -1;
  r.connect_ms = q->connect_ms;
  req_deliver(q, &r);
}

static void on_req_timer(uv_timer_t *t) {
  vt_h1_req *q = t->data;
  if (q->state == RQ_FAILING) {
    req_fail(q, q->fail_err, q->msg);
    return;
  }
  if (q->state == RQ_QUEUED) {
    queue_unlink(q->o, q);
  } else if (q->state == RQ_CONN) {
    h1conn *k = q->conn;
    k->req = NULL;
    q->conn = NULL;
    conn_close(k); /* a late reply must not be read as the next request's */
    origin_pump(q->o);
  }
  snprintf(q->msg, sizeof q->msg, "upstream request timed out after %u ms", q->timeout_ms);
  req_fail(q, VT_FETCH_E_TIMEOUT, q->msg);
}

/* Report a failure from the loop (never inside vt_h1_start). q must be detached. */
static void req_fail_async(vt_h1_req *q, vt_fetch_error e, const char *msg) {
  if (msg != q->msg) snprintf(q->msg, sizeof q->msg, "%s", msg);
  q->state = RQ_FAILING;
  q->fail_err = e;
  uv_timer_start(&q->timer, on_req_timer, 0, 0);
}

static void fmt_uv_err(char *out, size_t n, const char *text, int code) {
  snprintf(out, n, "%s (%s)", text, uv_err_name(code));
}

/* ---- connections ---- */

static void on_conn_closed(uv_handle_t *h) {
  h1conn *k = h->data;
  if (--k->open > 0) return;
  vt_h1 *c = k->o->c;
  vt_buf_free(&k->body);
  free(k);
  c->open--;
  maybe_finish(c);
}

static void conn_list_unlink(h1conn *k) {
  h1conn **head = k->state == CN_IDLE ? &k->o->idle : &k->o->busy;
  if (k->prev) k->prev->next = k->next;
  else *head = k->next;
  if (k->next) k->next->prev = k->prev;
  k->prev = k->next = NULL;
}

static void conn_list_push(h1conn **head, h1conn *k) {
  k->prev = NULL;
  k->next = *head;
  if (*head) (*head)->prev = k;
  *head = k;
}

/* Close k (its request, if any, must already be detached or be failed by the caller). */
static void conn_close(h1conn *k) {
  if (k->state == CN_CLOSING) return;
  origin *o = k->o;
  conn_list_unlink(k);
  k->state = CN_CLOSING;
  o->nconns--;
  o->c->stats.open_conns--;
  uv_close((uv_handle_t *)&k->timer, on_conn_closed);
  uv_close((uv_handle_t *)&k->tcp, on_conn_closed);
}

static void on_conn_timer(uv_timer_t *t);

static void conn_make_idle(h1conn *k) {
  conn_list_unlink(k);
  k->state = CN_IDLE;
  conn_list_push(&k->o->idle, k);
  vt_h1 *c = k->o->c;
  if (c->idle_ms) uv_timer_start(&k->timer, on_conn_timer, c->idle_ms, 0);
}

/* A failure of k's transport (uv error code, or e/msg when code is 0). A reused
 * connection that fails before any reply byte is the keep-alive race: the request
 * goes back to the head of the queue, once, for a fresh connection. */
static void conn_fail(h1conn *k, int code, vt_fetch_error e, const char *msg) {
  vt_h1_req *q = k->req;
  origin *o = k->o;
  bool connected = k->state == CN_BUSY;
  bool stale = code != 0 && connected && k->served && !k->got_bytes;
  conn_close(k);
  if (!q) {
    origin_pump(o);
    return;
  }
  k->req = NULL;
  q->conn = NULL;
  if (stale && !q->retried) {
    q->retried = q->fresh = true;
    o->c->stats.retried++;
    queue_push(o, q, true);
    origin_pump(o);
    return;
  }
  if (code != 0) {
    const uv_err_row *row = uv_err_lookup(code);
    e = connected ? row->connected : row->connecting;
    fmt_uv_err(q->msg, sizeof q->msg, row->text, code);
  } else {
    snprintf(q->msg, sizeof q->msg, "%s", msg);
  }
  origin_pump(o);
  req_fail(q, e, q->msg);
}

static void on_conn_timer(uv_timer_t *t) {
  h1conn *k = t->data;
  if (k->state == CN_CONNECTING) conn_fail(k, 0, VT_FETCH_E_TIMEOUT, "connect to upstream timed out");
  else if (k->state == CN_IDLE) conn_close(k);
}

static void on_write(uv_write_t *w, int status) {
  h1conn *k = w->data;
  k->writing = false;
  if (k->state == CN_CLOSING || status == 0 || !k->req) return;
  conn_fail(k, status, VT_FETCH_E_TRANSPORT, NULL);
}

/* Send k->req (bound, connection established). Failures are reported from the loop. */
static void conn_send(h1conn *k) {
  vt_h1_req *q = k->req;
  http_parser_init(&k->parser, HTTP_RESPONSE);
  k->parser.data = k;
  k->got_bytes = k->msg_done = k->too_large = k->oom = false;
  if (k->served) q->c->stats.reused++;
  k->writing = true;
  uv_buf_t b = uv_buf_init(q->out.data, (unsigned)q->out.len);
  int rc = uv_write(&k->wreq, (uv_stream_t *)&k->tcp, &b, 1, on_write);
  if (rc == 0) return;
  k->writing = false;
  k->req = NULL;
  q->conn = NULL;
  conn_close(k);
  const uv_err_row *row = uv_err_lookup(rc);
  fmt_uv_err(q->msg, sizeof q->msg, row->text, rc);
  req_fail_async(q, row->connected, q->msg);
}

static void conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  h1conn *k = h->data;
  (void)hint;
  *b = uv_buf_init(k->rbuf, sizeof k->rbuf);
}

static void on_connect(uv_connect_t *cr, int status) {
  h1conn *k = cr->data;
  if (k->state == CN_CLOSING) return;
  int rc = status;
  if (rc == 0) rc = uv_read_start((uv_stream_t *)&k->tcp, conn_alloc, on_read);
  if (rc != 0) {
    conn_fail(k, rc, VT_FETCH_E_CONNECT, NULL);
    return;
  }
  vt_h1 *c = k->o->c;
  uv_timer_stop(&k->timer);
  uv_tcp_nodelay(&k->tcp, 1);
  if (c->keepalive_s) uv_tcp_keepalive(&k->tcp, 1, c->keepalive_s);
  k->state = CN_BUSY;
  if (!k->req) { /* its request was cancelled while connecting: serve the queue */
    conn_make_idle(k);
    origin_pump(k->o);
    return;
  }
  k->req->connect_ms = (double)(uv_hrtime() - k->connect_start_ns) / 1e6;
  conn_send(k);
}

/* Open a new connection for q (popped from the queue). */
static void conn_open(origin *o, vt_h1_req *q) {
  vt_h1 *c = o->c;
  h1conn *k = calloc(1, sizeof *k);
  int rc = k ? uv_tcp_init(c->loop, &k->tcp) : UV_ENOMEM;
  if (rc != 0) {
    free(k);
    const uv_err_row *row = uv_err_lookup(rc);
    fmt_uv_err(q->msg, sizeof q->msg, row->text, rc);
    req_fail_async(q, row->connecting, q->msg);
    return;
  }
  uv_timer_init(c->loop, &k->timer);
  k->tcp.data = k->timer.data = k->creq.data = k->wreq.data = k;
  k->o = o;
  k->open = 2;
  k->state = CN_CONNECTING;
  vt_buf_init(&k->body, VT_FETCH_DEFAULT_MAX_RESPONSE);
  conn_list_push(&o->busy, k);
  o->nconns++;
  c->open++;
  c->stats.open_conns++;
  c->stats.conns_opened++;
  k->req = q;
  q->conn = k;
  q->state = RQ_CONN;
  q->fresh = false;
  k->connect_start_ns = uv_hrtime();
  rc = uv_tcp_connect(&k->creq, &k->tcp, (const struct sockaddr *)&o->addr, on_connect);
  if (rc != 0) {
    k->req = NULL;
    q->conn = NULL;
    conn_close(k);
    const uv_err_row *row = uv_err_lookup(rc);
    fmt_uv_err(q->msg, sizeof q->msg, row->text, rc);
    req_fail_async(q, row->connecting, q->msg);
    return;
  }
  uv_timer_start(&k->timer, on_conn_timer,
                 q->connect_timeout_ms ? q->connect_timeout_ms : VT_H1_CONNECT_DEFAULT_MS, 0);
}

/* ---- response parsing (http_parser callbacks) ---- */

static void hdr_flush(h1conn *k) {
  if (!k->in_value) return;
  k->in_value = false;
  if (k->hname_len <= HDR_NAME_MAX && k->hval_len <= HDR_VALUE_MAX) { /* else not ours */
    k->hname[k->hname_len] = 0;
    size_t a = 0, b = k->hval_len; /* trim */
    while (a < b && (k->hval[a] == ' ' || k->hval[a] == '\t')) a++;
    while (b > a && (k->hval[b - 1] == ' ' || k->hval[b - 1] == '\t')) b--;
    k->hval[b] = 0;
    for (size_t i = 0; i < sizeof response_headers / sizeof response_headers[0]; i++)
      if (strcasecmp(k->hname, response_headers[i].name) == 0) {
        response_headers[i].parse(k, k->hval + a);
        break;
      }
  }
  k->hname_len = k->hval_len = 0;
}

/* Append a header fragment; a part that would pass the cap marks it too long. */
static void frag_append(char *dst, size_t *len, size_t cap, const char *at, size_t n) {
  if (*len > cap || n > cap - *len) {
    *len = cap + 1;
    return;
  }
  memcpy(dst + *len, at, n);
  *len += n;
}

static int p_message_begin(http_parser *p) {
  h1conn *k = p->data;
  if (k->body.cap > KEEP_BUF_MAX) vt_buf_free(&k->body);
  vt_buf_reset(&k->body);
  k->body.max = k->req ? k->req->max_response : 0;
  k->retry_after_s = -1;
  k->retry_date = k->date_hdr = (time_t)-1;
  k->hname_len = k->hval_len = 0;
  k->in_value = false;
  return 0;
}

static int p_header_field(http_parser *p, const char *at, size_t n) {
  h1conn *k = p->data;
  hdr_flush(k);
  frag_append(k->hname, &k->hname_len, HDR_NAME_MAX, at, n);
  return 0;
}

static int p_header_value(http_parser *p, const char *at, size_t n) {
  h1conn *k = p->data;
  k->in_value = true;
  frag_append(k->hval, &k->hval_len, HDR_VALUE_MAX, at, n);
  return 0;
}

static int p_headers_complete(http_parser *p) {
  h1conn *k = p->data;
  hdr_flush(k);
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > k->body.max) {
    k->too_large = true; /* refuse before reading a byte of it */
    return -1;
  }
  return 0;
}

static int p_body(http_parser *p, const char *at, size_t n) {
  h1conn *k = p->data;
  if (n > k->body.max - k->body.len) {
    k->too_large = true;
    return -1;
  }
  if (!vt_buf_append(&k->body, at, n)) {
    k->oom = true;
    return -1;
  }
  return 0;
}

static int p_message_complete(http_parser *p) {
  h1conn *k = p->data;
  k->msg_done = true;
  k->keep_alive = http_should_keep_alive(p) != 0;
  http_parser_pause(p, 1); /* no pipelining: anything after the reply is an error */
  return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = p_message_begin,
    .on_header_field = p_header_field,
    .on_header_value = p_header_value,
    .on_headers_complete = p_headers_complete,
    .on_body = p_body,
    .on_message_complete = p_message_complete,
};

/* A whole reply for k->req arrived: park or close k, refill, then run the callback. */
static void conn_response_done(h1conn *k, bool extra) {
  vt_h1_req *q = k->req;
  origin *o = k->o;
  vt_fetch_result r;
  memset(&r, 0, sizeof r);
  r.http_status = k->parser.status_code;
  r.http_version = 1;
  r.connect_ms = q->connect_ms;
  r.retry_after_s = k->retry_after_s;
  r.error_msg = "";
  r.body = "";
  if (r.retry_after_s < 0 && k->retry_date != (time_t)-1) {
    time_t now = k->date_hdr != (time_t)-1 ? k->date_hdr : time(NULL);
    double d = difftime(k->retry_date, now);
    r.retry_after_s = d < 0 ? 0 : d > VT_FETCH_MAX_RETRY_AFTER_S ? VT_FETCH_MAX_RETRY_AFTER_S : d;
  }
  const status_row *sr = status_lookup(r.http_status);
  r.error = sr->error;
  if (sr->error == VT_FETCH_OK) {
    r.body = k->body.data ? k->body.data : "";
    r.body_len = k->body.len;
  } else {
    snprintf(q->msg, sizeof q->msg, sr->fmt, r.http_status);
    r.error_msg = q->msg;
  }
  k->req = NULL;
  q->conn = NULL;
  k->served = true;
  if (k->keep_alive && !extra && !k->writing && !o->c->closing) conn_make_idle(k);
  else conn_close(k);
  origin_pump(o);
  req_deliver(q, &r);
}

static void conn_parse(h1conn *k, const char *data, size_t len) {
  size_t used = http_parser_execute(&k->parser, &parser_settings, data, len);
  while (k->msg_done && k->parser.status_code / 100 == 1 && k->parser.status_code != 101) {
    /* An interim reply (100 Continue, 103 Early Hints): the real one follows. */
    data += used;
    len -= used;
    http_parser_init(&k->parser, HTTP_RESPONSE);
    k->parser.data = k;
    k->msg_done = false;
    used = len ? http_parser_execute(&k->parser, &parser_settings, data, len) : 0;
  }
  if (k->msg_done) {
    conn_response_done(k, used < len);
    return;
  }
  enum http_errno e = HTTP_PARSER_ERRNO(&k->parser);
  if (e == HPE_OK) return;
  vt_h1_req *q = k->req;
  if (k->too_large) {
    snprintf(q->msg, sizeof q->msg, "upstream response larger than the cap of %zu bytes", k->body.max);
    conn_fail(k, 0, VT_FETCH_E_TOO_LARGE, q->msg);
  } else if (k->oom) {
    conn_fail(k, 0, VT_FETCH_E_TRANSPORT, "out of memory storing the upstream response");
  } else if (e == HPE_INVALID_EOF_STATE) {
    conn_fail(k, 0, VT_FETCH_E_TRANSPORT, "upstream response truncated");
  } else {
    snprintf(q->msg, sizeof q->msg, "malformed HTTP reply from upstream (%s)", http_errno_name(e));
    conn_fail(k, 0, VT_FETCH_E_TRANSPORT, q->msg);
  }
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  h1conn *k = s->data;
  if (k->state == CN_CLOSING || n == 0) return;
  if (!k->req || k->state != CN_BUSY) { /* idle: the server closed it, or sent junk */
    conn_close(k);
    origin_pump(k->o);
    return;
  }
  if (n > 0) {
    k->got_bytes = true;
    conn_parse(k, b->base, (size_t)n);
  } else if (n == UV_EOF && k->got_bytes) {
    conn_parse(k, NULL, 0); /* ends a read-until-close body, or reports truncation */
  } else {
    conn_fail(k, (int)n, VT_FETCH_E_TRANSPORT, NULL);
  }
}

/* ---- origins and name resolution ---- */

static bool origin_addr_ready(const origin *o) {
  return o->literal || (o->have_addr && uv_hrtime() < o->addr_expiry_ns);
}

static void on_resolved(uv_getaddrinfo_t *g, int status, struct addrinfo *res) {
  gai_req *gr = (gai_req *)g;
  origin *o = gr->o;
  vt_h1 *c = o->c;
  free(gr);
  o->gai = NULL;
  o->resolving = false;
  c->open--;
  if (c->closing) {
    uv_freeaddrinfo(res);
    maybe_finish(c);
    return;
  }
  const struct addrinfo *a = res;
  while (a && a->ai_family != AF_INET && a->ai_family != AF_INET6) a = a->ai_next;
  if (status == 0 && a && a->ai_addrlen <= sizeof o->addr) {
    memcpy(&o->addr, a->ai_addr, a->ai_addrlen);
    ((struct sockaddr_in *)&o->addr)->sin_port = htons(o->port); /* same offset in v6 */
    o->have_addr = true;
    o->addr_expiry_ns = uv_hrtime() + (uint64_t)VT_H1_DNS_TTL_S * 1000000000u;
    uv_freeaddrinfo(res);
    origin_pump(o);
    return;
  }
  uv_freeaddrinfo(res);
  /* Everyone waiting fails, from their own 0 ms timers (callbacks may start more). */
  char msg[MSG_MAX];
  fmt_uv_err(msg, sizeof msg, uv_err_lookup(status ? status : UV_EAI_NONAME)->text, status ? status : UV_EAI_NONAME);
  while (o->qhead) {
    vt_h1_req *q = o->qhead;
    queue_unlink(o, q);
    req_fail_async(q, VT_FETCH_E_CONNECT, msg);
  }
}

static void origin_resolve(origin *o) {
  vt_h1 *c = o->c;
  if (o->resolving) return;
  gai_req *gr = calloc(1, sizeof *gr);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = gr ? uv_getaddrinfo(c->loop, &gr->req, on_resolved, o->host, NULL, &hints) : UV_ENOMEM;
  if (rc == 0) {
    gr->o = o;
    o->gai = gr;
    o->resolving = true;
    c->open++;
    return;
  }
  free(gr);
  char msg[MSG_MAX];
  fmt_uv_err(msg, sizeof msg, "could not start resolving upstream host", rc);
  while (o->qhead) {
    vt_h1_req *q = o->qhead;
    queue_unlink(o, q);
    req_fail_async(q, VT_FETCH_E_CONNECT, msg);
  }
}

/* Hand queued requests to idle connections (newest first) or new ones, within the cap. */
static void origin_pump(origin *o) {
  vt_h1 *c = o->c;
  while (o->qhead && !c->closing) {
    vt_h1_req *q = o->qhead;
    if (o->idle && !q->fresh) {
      h1conn *k = o->idle;
      queue_unlink(o, q);
      uv_timer_stop(&k->timer);
      conn_list_unlink(k);
      k->state = CN_BUSY;
      conn_list_push(&o->busy, k);
      k->req = q;
      q->conn = k;
      q->state = RQ_CONN;
      q->connect_ms = 0;
      conn_send(k);
      continue;
    }
    if (c->max_host && o->nconns >= c->max_host) {
      if (!q->fresh || !o->idle) return; /* wait for a connection to free up */
      conn_close(o->idle);               /* make room for the retry's fresh one */
      continue;
    }
    if (!origin_addr_ready(o)) {
      origin_resolve(o);
      return;
    }
    queue_unlink(o, q);
    conn_open(o, q);
  }
}

/* ---- URLs and request bytes ---- */

typedef struct {
  const char *host, *path, *user;
  size_t host_len, path_len, user_len;
  bool v6, has_user;
  uint16_t port;
  const char *port_txt; /* NULL when absent */
  size_t port_len;
} h1_url;

bool vt_h1_handles(const char *url) { return url && strncasecmp(url, "http://", 7) == 0; }

static bool host_char_ok(char ch, bool v6) {
  if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) return true;
  return v6 ? (ch == ':' || ch == '.') : (ch == '-' || ch == '.' || ch == '_');
}

static bool parse_url(const char *url, h1_url *u) {
  memset(u, 0, sizeof *u);
  if (!vt_h1_handles(url)) return false;
  const char *a = url + 7;
  size_t alen = strcspn(a, "/?#");
  const char *at = NULL;
  for (size_t i = 0; i < alen; i++)
    if (a[i] == '@') at = a + i;
  const char *hp = a;
  if (at) {
    u->has_user = true;
    u->user = a;
    u->user_len = (size_t)(at - a);
    hp = at + 1;
  }
  const char *end = a + alen, *p = hp;
  if (*p == '[') {
    const char *close = memchr(p, ']', (size_t)(end - p));
    if (!close) return false;
    u->v6 = true;
    u->host = p + 1;
    u->host_len = (size_t)(close - p - 1);
    p = close + 1;
  } else {
    u->host = p;
    while (p < end && *p != ':') p++;
    u->host_len = (size_t)(p - u->host);
  }
  if (u->host_len == 0 || u->host_len > VT_H1_MAX_HOST) return false;
  for (size_t i = 0; i < u->host_len; i++)
    if (!host_char_ok(u->host[i], u->v6)) return false;
  if (u->v6) { /* brackets hold an IPv6 literal, never a name */
    char lit[VT_H1_MAX_HOST + 1];
    unsigned char bin[16];
    memcpy(lit, u->host, u->host_len);
    lit[u->host_len] = 0;
    if (uv_inet_pton(AF_INET6, lit, bin) != 0) return false;
  }
  unsigned long port = 80;
  if (p < end) {
    if (*p != ':') return false;
    p++;
    if (p < end) {
      u->port_txt = p;
      u->port_len = (size_t)(end - p);
      port = 0;
      for (; p < end; p++) {
        if (*p < '0' || *p > '9' || port > 65535) return false;
        port = port * 10 + (unsigned long)(*p - '0');
      }
      if (port == 0 || port > 65535) return false;
    }
  }
  u->port = (uint16_t)port;
  u->path = end;
  u->path_len = strcspn(end, "#");
  for (size_t i = 0; i < u->path_len; i++)
    if ((unsigned char)u->path[i] <= 0x20 || u->path[i] == 0x7f) return false;
  return true;
}

static int hex_val(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* "Authorization: Basic base64(user:password)" from the URL's percent-encoded userinfo. */
static bool append_basic_auth(vt_buf *out, const h1_url *u) {
  uint8_t raw[AUTH_MAX];
  size_t n = 0;
  for (size_t i = 0; i < u->user_len; i++) {
    char ch = u->user[i];
    int hi, lo;
    if (ch == '%' && i + 2 < u->user_len && (hi = hex_val(u->user[i + 1])) >= 0 &&
        (lo = hex_val(u->user[i + 2])) >= 0) {
      ch = (char)(hi * 16 + lo);
      i += 2;
    }
    if (n >= sizeof raw) return false;
    raw[n++] = (uint8_t)ch;
  }
  char enc[BASE64_ENCODE_RAW_LENGTH(AUTH_MAX)];
  base64_encode_raw(enc, n, raw);
  vt_buf_puts(out, "Authorization: Basic ");
  vt_buf_append(out, enc, BASE64_ENCODE_RAW_LENGTH(n));
  return vt_buf_puts(out, "\r\n");
}

static bool build_request(vt_buf *out, const vt_fetch_opts *o, const h1_url *u) {
  unsigned given = 0;
  for (size_t i = 0; i < o->nheaders; i++)
    given |= header_flag(o->headers[i], (size_t)(strchr(o->headers[i], ':') - o->headers[i]));
  bool post = o->body != NULL;
  vt_buf_reset(out);
  vt_buf_puts(out, post ? "POST " : "GET ");
  if (u->path_len == 0 || u->path[0] == '?') vt_buf_puts(out, "/");
  vt_buf_append(out, u->path, u->path_len);
  vt_buf_puts(out, " HTTP/1.1\r\n");
  if (!(given & OURS_HOST)) {
    vt_buf_printf(out, "Host: %s%.*s%s", u->v6 ? "[" : "", (int)u->host_len, u->host, u->v6 ? "]" : "");
    if (u->port_txt && u->port != 80) vt_buf_printf(out, ":%u", (unsigned)u->port);
    vt_buf_puts(out, "\r\n");
  }
  if (u->has_user && !(given & OURS_AUTH) && !append_basic_auth(out, u)) return false;
  if (!(given & OURS_UA)) vt_buf_puts(out, "User-Agent: verity\r\n");
  if (post && !(given & OURS_CT)) vt_buf_puts(out, "Content-Type: application/json\r\n");
  if (post) vt_buf_printf(out, "Content-Length: %zu\r\n", o->body_len);
  for (size_t i = 0; i < o->nheaders; i++) {
    const char *h = o->headers[i];
    const char *colon = strchr(h, ':');
    const char *v = colon + 1;
    while (*v == ' ' || *v == '\t') v++;
    if (*v == 0 || (header_flag(h, (size_t)(colon - h)) & CALLER_DROP)) continue;
    vt_buf_puts(out, h);
    vt_buf_puts(out, "\r\n");
  }
  vt_buf_puts(out, "\r\n");
  if (post && o->body_len) vt_buf_append(out, o->body, o->body_len);
  return vt_buf_ok(out);
}

static bool opts_valid(const vt_fetch_opts *o) {
  if (!o->url || strnlen(o->url, VT_FETCH_MAX_URL + 1) > VT_FETCH_MAX_URL) return false;
  if (o->nheaders > VT_FETCH_MAX_HEADERS || (o->nheaders && !o->headers)) return false;
  for (size_t i = 0; i < o->nheaders; i++) {
    const char *h = o->headers[i];
    if (!h) return false;
    size_t n = strnlen(h, VT_FETCH_MAX_HEADER_LEN + 1);
    if (n > VT_FETCH_MAX_HEADER_LEN || !memchr(h, ':', n) || h[0] == ':') return false;
    if (memchr(h, '\r', n) || memchr(h, '\n', n)) return false; /* no header injection */
  }
  if (!o->body && o->body_len) return false;
  return o->body_len <= VT_FETCH_MAX_REQUEST_BODY;
}

/* The pool for u's host:port; created on first use (NULL past VT_H1_MAX_ORIGINS or OOM). */
static origin *origin_get(vt_h1 *c, const h1_url *u) {
  char key[sizeof ((origin *)0)->key];
  snprintf(key, sizeof key, "%.*s:%u", (int)u->host_len, u->host, (unsigned)u->port);
  for (char *p = key; *p; p++)
    if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  for (origin *o = c->origins; o; o = o->next)
    if (strcmp(o->key, key) == 0) return o;
  if (c->norigins >= VT_H1_MAX_ORIGINS) return NULL;
  origin *o = calloc(1, sizeof *o);
  if (!o) return NULL;
  o->c = c;
  memcpy(o->key, key, sizeof key);
  memcpy(o->host, u->host, u->host_len);
  o->port = u->port;
  struct sockaddr_in *v4 = (struct sockaddr_in *)&o->addr;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&o->addr;
  const char *lit = strcasecmp(o->host, "localhost") == 0 ? "127.0.0.1" : o->host;
  o->literal = uv_ip4_addr(lit, o->port, v4) == 0 || uv_ip6_addr(lit, o->port, v6) == 0;
  o->next = c->origins;
  c->origins = o;
  c->norigins++;
  return o;
}

/* ---- public API ---- */

vt_h1 *vt_h1_new(uv_loop_t *loop, const vt_fetcher_limits *l) {
  vt_fetcher_limits def;
  if (!loop) return NULL;
  if (!l) {
    vt_fetcher_limits_default(&def);
    l = &def;
  }
  vt_h1 *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  signal(SIGPIPE, SIG_IGN); /* a vanished upstream must be an EPIPE, not a dead daemon */
  c->loop = loop;
  c->max_host = l->max_host_connections;
  if (l->keepalive_idle_s > 0) {
    long s = l->keepalive_idle_s > 86400 ? 86400 : l->keepalive_idle_s;
    c->idle_ms = (uint64_t)s * 1000u;
    c->keepalive_s = (unsigned)s;
  }
  uv_timer_init(loop, &c->guard);
  c->guard.data = c;
  c->open = 1;
  return c;
}

vt_h1_req *vt_h1_start(vt_h1 *c, const vt_fetch_opts *o, vt_fetch_cb cb, void *ud) {
  vt_h1_req *q = NULL, *ret = NULL;
  h1_url u;
  if (!c || !o || !cb || c->closing || !opts_valid(o)) goto out;
  q = req_acquire(c);
  if (!q) goto out;
  q->cb = cb;
  q->ud = ud;
  q->start_ns = uv_hrtime();
  q->connect_ms = 0;
  q->retried = q->fresh = false;
  q->timeout_ms = o->timeout_ms;
  q->connect_timeout_ms = o->connect_timeout_ms;
  q->max_response = o->max_response ? o->max_response : VT_FETCH_DEFAULT_MAX_RESPONSE;
  if (q->max_response > VT_FETCH_MAX_RESPONSE_CAP) q->max_response = VT_FETCH_MAX_RESPONSE_CAP;
  bool url_ok = parse_url(o->url, &u);
  origin *org = url_ok ? origin_get(c, &u) : NULL;
  if (url_ok && !org && c->norigins < VT_H1_MAX_ORIGINS) goto out; /* out of memory */
  if (url_ok && !build_request(&q->out, o, &u)) goto out;
  active_link(c, q);
  ret = q;
  q = NULL; /* the in-flight list owns it now */
  if (!url_ok) {
    req_fail_async(ret, VT_FETCH_E_CONNECT, "malformed upstream URL");
  } else if (!org) {
    req_fail_async(ret, VT_FETCH_E_CONNECT, "too many distinct upstream hosts");
  } else {
    ret->o = org;
    if (o->timeout_ms) uv_timer_start(&ret->timer, on_req_timer, o->timeout_ms, 0);
    queue_push(org, ret, false);
    origin_pump(org);
  }
out:
  if (q) req_release(q);
  return ret;
}

void vt_h1_cancel(vt_h1_req *q) {
  if (!q) return;
  vt_h1 *c = q->c;
  switch (q->state) {
  case RQ_QUEUED: queue_unlink(q->o, q); break;
  case RQ_CONN: {
    h1conn *k = q->conn;
    k->req = NULL;
    q->conn = NULL;
    if (k->state != CN_CONNECTING) { /* written: its reply must never be read */
      conn_close(k);
      origin_pump(q->o);
    }
    break;
  }
  case RQ_FAILING: break;
  case RQ_FREE:
  case RQ_DELIVERING: return;
  }
  active_unlink(c, q);
  c->stats.cancelled++;
  req_release(q);
}

void vt_h1_close(vt_h1 *c, void (*done)(void *arg), void *arg) {
  if (!c || c->closing) return;
  c->closing = true; /* from here vt_h1_start() refuses */
  c->done = done;
  c->done_arg = arg;
  while (c->active) { /* callbacks may cancel others: take the head each time */
    vt_h1_req *q = c->active;
    if (q->state == RQ_QUEUED) queue_unlink(q->o, q);
    if (q->state == RQ_CONN) {
      q->conn->req = NULL;
      q->conn = NULL;
    }
    req_fail(q, VT_FETCH_E_SHUTDOWN, "fetcher closed while the request was in flight");
  }
  while (c->free_list) {
    vt_h1_req *q = c->free_list;
    c->free_list = q->next;
    uv_close((uv_handle_t *)&q->timer, on_req_closed);
  }
  c->nfree = 0;
  for (origin *o = c->origins; o; o = o->next) {
    while (o->idle) conn_close(o->idle);
    while (o->busy) conn_close(o->busy);
    if (o->gai) uv_cancel((uv_req_t *)&o->gai->req);
  }
  uv_close((uv_handle_t *)&c->guard, on_guard_closed);
}

void vt_h1_get_stats(const vt_h1 *c, vt_h1_stats *out) { *out = c->stats; }

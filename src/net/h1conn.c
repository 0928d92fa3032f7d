/*
 * h1conn.c: the connections of the HTTP/1.1 upstream client (see h1client.h for the
 * contract and h1client.c for ownership): connect with a timeout, one request written
 * per turn (uv_try_write, uv_write for what is left), uv_read_start from connect to
 * close, the reply parsed with http_parser into the connection's body buffer, then
 * the connection parked on its origin's idle stack (idle timeout) or closed.
 *
 * Who calls it: h1client.c, through the vt_h1__conn_* calls in h1pool.h. Every path
 * that ends a request here detaches it, parks or closes the connection, refills the
 * pool (vt_h1__pump) and runs the callback last, so a callback may do anything.
 */
#include "net/h1pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);
static void on_conn_timer(uv_timer_t *t);

/* ---- connections ---- */

static void on_conn_closed(uv_handle_t *h) {
  vt_h1_conn *k = h->data;
  if (--k->open > 0) return;
  vt_h1 *c = k->o->c;
  vt_buf_free(&k->body);
  free(k);
  c->open--;
  vt_h1__maybe_finish(c);
}

static void conn_list_unlink(vt_h1_conn *k) {
  vt_h1_conn **head = k->state == CN_IDLE ? &k->o->idle : &k->o->busy;
  if (k->prev) k->prev->next = k->next;
  else *head = k->next;
  if (k->next) k->next->prev = k->prev;
  k->prev = k->next = NULL;
}

static void conn_list_push(vt_h1_conn **head, vt_h1_conn *k) {
  k->prev = NULL;
  k->next = *head;
  if (*head) (*head)->prev = k;
  *head = k;
}

/* Close k (its request, if any, must already be detached or be failed by the caller). */
void vt_h1__conn_close(vt_h1_conn *k) {
  if (k->state == CN_CLOSING) return;
  vt_h1_origin *o = k->o;
  conn_list_unlink(k);
  k->state = CN_CLOSING;
  o->nconns--;
  o->c->stats.open_conns--;
  uv_close((uv_handle_t *)&k->timer, on_conn_closed);
  uv_close((uv_handle_t *)&k->tcp, on_conn_closed);
}

static void conn_make_idle(vt_h1_conn *k) {
  conn_list_unlink(k);
  k->state = CN_IDLE;
  conn_list_push(&k->o->idle, k);
  vt_h1 *c = k->o->c;
  if (c->idle_ms) uv_timer_start(&k->timer, on_conn_timer, c->idle_ms, 0);
}

/* A failure of k's transport (uv error code, or e/msg when code is 0). A reused
 * connection that fails before any reply byte is the keep-alive race: the request
 * goes back to the head of the queue, once, for a fresh connection. */
static void conn_fail(vt_h1_conn *k, int code, vt_fetch_error e, const char *msg) {
  vt_h1_req *q = k->req;
  vt_h1_origin *o = k->o;
  bool connected = k->state == CN_BUSY;
  bool stale = code != 0 && connected && k->served && !k->got_bytes;
  vt_h1__conn_close(k);
  if (!q) {
    vt_h1__pump(o);
    return;
  }
  k->req = NULL;
  q->conn = NULL;
  if (stale && !q->retried) {
    q->retried = q->fresh = true;
    o->c->stats.retried++;
    vt_h1__requeue_front(o, q);
    vt_h1__pump(o);
    return;
  }
  if (code != 0) {
    const vt_h1_err_row *row = vt_h1_uv_error(code);
    e = connected ? row->connected : row->connecting;
    vt_h1__fmt_uv_err(q->msg, sizeof q->msg, row->text, code);
  } else if (msg != q->msg) {
    snprintf(q->msg, sizeof q->msg, "%s", msg);
  }
  vt_h1__pump(o);
  vt_h1__fail(q, e, q->msg);
}

static void on_conn_timer(uv_timer_t *t) {
  vt_h1_conn *k = t->data;
  if (k->state == CN_CONNECTING) conn_fail(k, 0, VT_FETCH_E_TIMEOUT, "connect to upstream timed out");
  else if (k->state == CN_IDLE) vt_h1__conn_close(k);
}

static void on_write(uv_write_t *w, int status) {
  vt_h1_conn *k = w->data;
  k->writing = false;
  if (k->state == CN_CLOSING || status == 0 || !k->req) return;
  conn_fail(k, status, VT_FETCH_E_TRANSPORT, NULL);
}

/* Send k->req (bound, connection established). Failures are reported from the loop.
 * The request usually fits the socket buffer: uv_try_write sends it with one write()
 * and no write request, so libuv never touches the epoll set (uv_write would re-arm
 * the watcher with an epoll_ctl after every completed write). What is left over, or
 * a write error, goes through uv_write, whose callback reports it from the loop. */
static void conn_send(vt_h1_conn *k) {
  vt_h1_req *q = k->req;
  http_parser_init(&k->parser, HTTP_RESPONSE);
  k->parser.data = k;
  k->got_bytes = k->msg_done = k->too_large = k->oom = false;
  if (k->served) q->c->stats.reused++;
  uv_buf_t b = uv_buf_init(q->out.data, (unsigned)q->out.len);
  int n = uv_try_write((uv_stream_t *)&k->tcp, &b, 1);
  if (n == (int)b.len) return;
  if (n > 0) {
    b.base += n;
    b.len -= (unsigned)n;
  }
  k->writing = true;
  int rc = uv_write(&k->wreq, (uv_stream_t *)&k->tcp, &b, 1, on_write);
  if (rc == 0) return;
  k->writing = false;
  k->req = NULL;
  q->conn = NULL;
  vt_h1__conn_close(k);
  vt_h1__fail_uv_async(q, rc, true);
}

static void conn_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  vt_h1_conn *k = h->data;
  (void)hint;
  *b = uv_buf_init(k->rbuf, sizeof k->rbuf);
}

static void on_connect(uv_connect_t *cr, int status) {
  vt_h1_conn *k = cr->data;
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
    vt_h1__pump(k->o);
    return;
  }
  k->req->connect_ms = (double)(uv_hrtime() - k->connect_start_ns) / 1e6;
  conn_send(k);
}

/* Open a new connection for q (popped from the queue). */
void vt_h1__conn_open(vt_h1_origin *o, vt_h1_req *q) {
  vt_h1 *c = o->c;
  vt_h1_conn *k = calloc(1, sizeof *k);
  int rc = k ? uv_tcp_init(c->loop, &k->tcp) : UV_ENOMEM;
  if (rc != 0) {
    free(k);
    vt_h1__fail_uv_async(q, rc, false);
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
    vt_h1__conn_close(k);
    vt_h1__fail_uv_async(q, rc, false);
    return;
  }
  uv_timer_start(&k->timer, on_conn_timer,
                 q->connect_timeout_ms ? q->connect_timeout_ms : VT_H1_CONNECT_DEFAULT_MS, 0);
}

/* Idle k (newest first) serves q, already unlinked from the wait queue. */
void vt_h1__conn_take(vt_h1_conn *k, vt_h1_req *q) {
  uv_timer_stop(&k->timer);
  conn_list_unlink(k);
  k->state = CN_BUSY;
  conn_list_push(&k->o->busy, k);
  k->req = q;
  q->conn = k;
  q->state = RQ_CONN;
  q->connect_ms = 0;
  conn_send(k);
}

/* ---- response parsing (http_parser callbacks) ---- */

static int p_message_begin(http_parser *p) {
  vt_h1_conn *k = p->data;
  if (k->body.cap > VT_H1_KEEP_BUF_MAX) vt_buf_free(&k->body);
  vt_buf_reset(&k->body);
  k->body.max = k->req ? k->req->max_response : 0;
  vt_h1_hdrs_reset(&k->hdrs);
  return 0;
}

static int p_header_field(http_parser *p, const char *at, size_t n) {
  vt_h1_conn *k = p->data;
  bool starts = k->hdrs.in_value || k->hdrs.name_len == 0;
  if (starts && n && (at[0] == ' ' || at[0] == '\t')) return -1; /* RFC 9112 2.2: reject */
  vt_h1_hdrs_field(&k->hdrs, at, n);
  return 0;
}

static int p_header_value(http_parser *p, const char *at, size_t n) {
  vt_h1_conn *k = p->data;
  vt_h1_hdrs_value(&k->hdrs, at, n);
  return 0;
}

static int p_headers_complete(http_parser *p) {
  vt_h1_conn *k = p->data;
  vt_h1_hdrs_end(&k->hdrs);
  if ((p->flags & F_CONTENTLENGTH) && p->content_length > k->body.max) {
    k->too_large = true; /* refuse before reading a byte of it */
    return -1;
  }
  return 0;
}

static int p_body(http_parser *p, const char *at, size_t n) {
  vt_h1_conn *k = p->data;
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
  vt_h1_conn *k = p->data;
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
static void conn_response_done(vt_h1_conn *k, bool extra) {
  vt_h1_req *q = k->req;
  vt_h1_origin *o = k->o;
  vt_fetch_result r;
  memset(&r, 0, sizeof r);
  r.http_status = k->parser.status_code;
  r.http_version = 1;
  r.connect_ms = q->connect_ms;
  r.retry_after_s = vt_h1_hdrs_retry_after(&k->hdrs);
  r.error_msg = "";
  r.body = "";
  memcpy(q->content_type, k->hdrs.content_type, sizeof q->content_type);
  r.content_type = q->content_type;
  const char *fmt = "";
  r.error = vt_h1_status_outcome(r.http_status, &fmt);
  if (r.error == VT_FETCH_OK) {
    r.body = k->body.data ? k->body.data : "";
    r.body_len = k->body.len;
  } else {
    snprintf(q->msg, sizeof q->msg, fmt, r.http_status);
    r.error_msg = q->msg;
  }
  k->req = NULL;
  q->conn = NULL;
  k->served = true;
  if (k->keep_alive && !extra && !k->writing && !o->c->closing) conn_make_idle(k);
  else vt_h1__conn_close(k);
  vt_h1__pump(o);
  vt_h1__deliver(q, &r);
}

static void conn_parse(vt_h1_conn *k, const char *data, size_t len) {
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
    snprintf(q->msg, sizeof q->msg, "malformed reply from upstream, not HTTP/1.x (%s)", http_errno_name(e));
    conn_fail(k, 0, VT_FETCH_E_TRANSPORT, q->msg);
  }
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  vt_h1_conn *k = s->data;
  if (k->state == CN_CLOSING || n == 0) return;
  if (!k->req || k->state != CN_BUSY) { /* idle: the server closed it, or sent junk */
    vt_h1__conn_close(k);
    vt_h1__pump(k->o);
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

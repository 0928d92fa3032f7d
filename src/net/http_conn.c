/*
 * http_conn.c: the HTTP/1.1 half of the sans-I/O connection core (see http_conn.h).
 *
 * Request lifecycle: http_parser callbacks fill c->cur (request line, headers, body,
 * all under the caps); on_message_complete pauses the parser so that every request
 * is dispatched outside the parser, one at a time. Dispatch appends the request to
 * the connection's queue and either answers it here (preflight, upgrade, refused
 * upgrade) or hands it to on_request. vt_http_respond() renders the response into
 * the request and flush() writes responses from the head of the queue, in order, so
 * a request still waiting holds later ones back. Errors found while parsing become a
 * queued, already-answered entry with Connection: close, after which nothing more is
 * parsed.
 *
 * Every byte http_parser consumes also goes through the strict framing checker
 * (h1_strict.c); a request it refuses, or one the two frame differently, is answered
 * with the checker's status and sentence and never dispatched. A connection in a
 * reserved slot gets 503 for anything but the health and metrics paths; a WebSocket
 * opens on VT_HTTP_WS_PATH only, unless the application's on_ws_upgrade decides (the
 * gateway's client keys: /k/<key>, 401, 429). After the client's FIN (vt_hconn_eof) the
 * queued requests are still answered, then the connection closes (eof_check).
 *
 * Memory: one allocation per request (struct + header index), one capped buffer for
 * request line and headers, one for the body, one for the rendered response, freed
 * together when the response is handed to the host or at teardown.
 */
#include "net/http_conn.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct { uint32_t name, value; } hdr_ref;

enum { HS_URL, HS_FIELD, HS_VALUE }; /* which part of the head was last appended */

struct vt_http_req {
  vt_hconn *conn;      /* NULL once orphaned: the client left, no abort callback */
  vt_http_req *next;
  const char *method;
  vt_buf head;         /* url \0 name \0 value \0 ... path \0 */
  size_t hbytes;       /* bytes of request line and headers seen, for the cap */
  uint32_t path_off;
  unsigned hstate, nhdr, max_hdr;
  hdr_ref *hdr;
  vt_buf body;
  bool headers_done, keep_alive, close_after, responded, upgrade, http10;
  char *resp;
  size_t resp_len;
  void (*abort_cb)(vt_http_req *, void *);
  void *data;
  char peer[VT_HTTP_PEER_MAX];
};

/* http_parser errors that deserve something more precise than 400. */
static const struct { enum http_errno err; int status; } parse_error_table[] = {
    {HPE_HEADER_OVERFLOW, 431},
};

static int parse_error_status(enum http_errno e) {
  for (size_t i = 0; i < sizeof parse_error_table / sizeof parse_error_table[0]; i++)
    if (parse_error_table[i].err == e) return parse_error_table[i].status;
  return 400;
}

/* ---- requests ---- */

static vt_http_req *req_new(vt_hconn *c) {
  const vt_http_limits *l = &c->ctx->lim;
  vt_http_req *r = calloc(1, sizeof *r + (size_t)l->max_headers * sizeof(hdr_ref));
  if (!r) return NULL;
  r->conn = c;
  r->hdr = (hdr_ref *)(r + 1);
  r->max_hdr = l->max_headers;
  vt_buf_init(&r->head, 2 * l->max_header_bytes + 2 * (size_t)l->max_headers + 16);
  vt_buf_init(&r->body, l->max_body);
  snprintf(r->peer, sizeof r->peer, "%s", c->peer);
  r->method = "GET";
  return r;
}

static void req_free(vt_http_req *r) {
  if (!r) return;
  vt_buf_free(&r->head);
  vt_buf_free(&r->body);
  free(r->resp);
  free(r);
}

static void enqueue(vt_hconn *c, vt_http_req *r) {
  r->next = NULL;
  if (c->tail) c->tail->next = r;
  else c->head = r;
  c->tail = r;
  c->nqueued++;
}

static vt_http_req *dequeue(vt_hconn *c) {
  vt_http_req *r = c->head;
  if (!r) return NULL;
  c->head = r->next;
  if (!c->head) c->tail = NULL;
  c->nqueued--;
  r->next = NULL;
  return r;
}

/* ---- core helpers shared with websocket.c ---- */

void vt_hconn_emit(vt_hconn *c, char *buf, size_t len) {
  if (c->closing || !buf) {
    free(buf);
    return;
  }
  c->out_pending += len;
  c->io->write(c->io_ud, buf, len);
}

void vt_hconn_close(vt_hconn *c, bool graceful) {
  if (c->closing) return;
  c->closing = true;
  c->io->close(c->io_ud, graceful);
}

static void kick(vt_hconn *c) {
  if (!c->closing && c->io->kick) c->io->kick(c->io_ud);
}

static bool processable(const vt_hconn *c);

/* After the client's FIN: close (gracefully) once nothing more can be answered. */
static void eof_check(vt_hconn *c) {
  if (!c->peer_eof || c->closing) return;
  if (c->mode == VT_HC_HTTP && (c->head || (c->in.len > 0 && processable(c)))) return;
  vt_hconn_close(c, true);
}

/* Write answered responses from the head of the queue, in order. */
static void flush(vt_hconn *c) {
  while (!c->closing && c->head && c->head->responded) {
    vt_http_req *r = dequeue(c);
    bool close_after = r->close_after, upgrade = r->upgrade;
    vt_hconn_emit(c, r->resp, r->resp_len);
    r->resp = NULL;
    req_free(r);
    if (close_after) {
      vt_hconn_close(c, true);
      return;
    }
    if (upgrade) {
      c->mode = VT_HC_WS_OPENING; /* on_ws_open runs from vt_hconn_resume() */
      break;
    }
  }
  if (!c->closing && c->continue_pending && !c->head && c->cur) {
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    char *p = malloc(sizeof cont - 1);
    if (p) memcpy(p, cont, sizeof cont - 1);
    c->continue_pending = false;
    vt_hconn_emit(c, p, sizeof cont - 1);
  }
  eof_check(c);
  kick(c);
}

/* Paths that never get CORS headers unless cors_all_paths: the operator's pages. */
static const char *const private_paths[] = {"/status", "/metrics", "/dashboard"};

/* Paths a connection admitted into a reserved slot may ask for. */
static const char *const reserved_paths[] = {"/healthz", "/health", "/metrics"};

static bool path_in(const char *path, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(list[i]);
    if (strncmp(path, list[i], l) == 0 && (path[l] == 0 || path[l] == '/')) return true;
  }
  return false;
}

static bool cors_applies(const vt_hconn *c, const vt_http_req *r) {
  if (!c->ctx->lim.cors_origin) return false;
  if (c->ctx->lim.cors_all_paths) return true;
  if (!r->headers_done) return false; /* the server's own error before a path was known */
  return !path_in(vt_http_req_path(r), private_paths, sizeof private_paths / sizeof private_paths[0]);
}

/* Render a response into r->resp. Returns false when it cannot be rendered. */
static bool render(vt_hconn *c, vt_http_req *r, int status, const char *ctype, const vt_http_header *extra,
                   size_t nextra, const char *body, size_t len) {
  vt_hrender ro = {.close = r->close_after, .http10 = r->http10, .head = strcmp(r->method, "HEAD") == 0,
                   .cors = cors_applies(c, r)};
  size_t n = 0;
  char *p = vt_http_render(c->ctx, &ro, status, ctype, extra, nextra, body, len, &n);
  if (!p) return false;
  free(r->resp);
  r->resp = p;
  r->resp_len = n;
  return true;
}

/* Queue the server's own error response (why: its text, or NULL for the status's
 * usual one), then stop parsing and close after it. */
static void fail_request_why(vt_hconn *c, int status, const char *why) {
  vt_http_req *r = c->cur ? c->cur : c->done;
  if (c->cur && c->done) req_free(c->done);
  c->cur = c->done = NULL;
  c->stop_parsing = true;
  c->continue_pending = false;
  c->ctx->stats.bad_requests++;
  if (!r) r = req_new(c);
  if (!r) {
    vt_hconn_close(c, false);
    return;
  }
  char line[VT_HTTP_MAX_ERROR_TEXT];
  const char *text = vt_http_status_text(status);
  if (why) {
    snprintf(line, sizeof line, "%s\n", why);
    text = line;
  }
  if (!text) text = "error\n";
  r->close_after = true;
  r->upgrade = false;
  r->method = "GET"; /* so the error text is always sent */
  r->http10 = false;
  enqueue(c, r);
  r->responded = true;
  if (!render(c, r, status, "text/plain", NULL, 0, text, strlen(text))) r->resp = NULL;
  flush(c);
}

static void fail_request(vt_hconn *c, int status) { fail_request_why(c, status, NULL); }

/* ---- http_parser callbacks ---- */

static vt_http_req *cur_req(http_parser *p) { return ((vt_hconn *)p->data)->cur; }

static int fail_cb(http_parser *p, int status) {
  vt_hconn *c = p->data;
  if (!c->err_status) c->err_status = status;
  return -1;
}

static int count_head(http_parser *p, vt_http_req *r, size_t len) {
  vt_hconn *c = p->data;
  r->hbytes += len;
  if (r->hbytes > c->ctx->lim.max_header_bytes) return fail_cb(p, 431);
  return 0;
}

static int on_message_begin(http_parser *p) {
  vt_hconn *c = p->data;
  req_free(c->cur);
  c->begun++;
  c->cur = req_new(c);
  return c->cur ? 0 : fail_cb(p, 500);
}

static int on_url(http_parser *p, const char *at, size_t len) {
  vt_http_req *r = cur_req(p);
  if (!r || count_head(p, r, len)) return -1;
  return vt_buf_append(&r->head, at, len) ? 0 : fail_cb(p, 431);
}

/* Close the part of the head in progress, so a new one can start. */
static bool head_switch(vt_http_req *r, unsigned next) {
  bool ok = true;
  if (r->hstate == HS_URL) ok = vt_buf_append(&r->head, "", 1);
  if (r->hstate == HS_FIELD) { /* a name with no value callback: empty value */
    ok = vt_buf_append(&r->head, "", 1);
    r->hdr[r->nhdr - 1].value = (uint32_t)r->head.len;
    ok = ok && vt_buf_append(&r->head, "", 1);
  }
  if (r->hstate == HS_VALUE) ok = vt_buf_append(&r->head, "", 1);
  r->hstate = next;
  return ok;
}

static int on_header_field(http_parser *p, const char *at, size_t len) {
  vt_http_req *r = cur_req(p);
  if (!r || count_head(p, r, len)) return -1;
  if (r->headers_done) return 0; /* trailers: counted, not kept */
  if (r->hstate != HS_FIELD) {
    if (!head_switch(r, HS_FIELD)) return fail_cb(p, 431);
    if (r->nhdr >= r->max_hdr) return fail_cb(p, 431);
    r->hdr[r->nhdr].name = (uint32_t)r->head.len;
    r->hdr[r->nhdr].value = 0;
    r->nhdr++;
  }
  return vt_buf_append(&r->head, at, len) ? 0 : fail_cb(p, 431);
}

static int on_header_value(http_parser *p, const char *at, size_t len) {
  vt_http_req *r = cur_req(p);
  if (!r || count_head(p, r, len)) return -1;
  if (r->headers_done) return 0;
  if (r->hstate != HS_VALUE) {
    if (r->hstate != HS_FIELD || !vt_buf_append(&r->head, "", 1)) return fail_cb(p, 400);
    r->hdr[r->nhdr - 1].value = (uint32_t)r->head.len;
    r->hstate = HS_VALUE;
  }
  return vt_buf_append(&r->head, at, len) ? 0 : fail_cb(p, 431);
}

/* Append the path (url without query or fragment) to the head. */
static bool set_path(vt_http_req *r) {
  const char *url = r->head.data ? r->head.data : "";
  size_t ulen = strlen(url), start = 0, plen = ulen;
  struct http_parser_url u;
  if (url[0] != '/' && url[0] != '*') {
    http_parser_url_init(&u);
    if (http_parser_parse_url(url, ulen, 0, &u) == 0 && (u.field_set & (1u << UF_PATH))) {
      start = u.field_data[UF_PATH].off;
      plen = u.field_data[UF_PATH].len;
    } else {
      plen = 0;
    }
  }
  for (size_t i = start; i < start + plen; i++)
    if (url[i] == '?' || url[i] == '#') {
      plen = i - start;
      break;
    }
  r->path_off = (uint32_t)r->head.len;
  if (plen == 0) return vt_buf_append(&r->head, "/", 2);
  /* head.data may move while it grows: copy the path out in small steps */
  size_t off = start;
  for (size_t done = 0; done < plen;) {
    char tmp[256];
    size_t n = plen - done < sizeof tmp ? plen - done : sizeof tmp;
    memcpy(tmp, r->head.data + off + done, n);
    if (!vt_buf_append(&r->head, tmp, n)) return false;
    done += n;
  }
  return vt_buf_append(&r->head, "", 1);
}

static int on_headers_complete(http_parser *p) {
  vt_hconn *c = p->data;
  vt_http_req *r = c->cur;
  if (!r) return -1;
  if (!head_switch(r, HS_URL) || !set_path(r)) return fail_cb(p, 431);
  r->headers_done = true;
  r->method = http_method_str((enum http_method)p->method);
  r->http10 = p->http_major == 1 && p->http_minor == 0;
  if (p->content_length != ULLONG_MAX && p->content_length > c->ctx->lim.max_body) return fail_cb(p, 413);
  const char *expect = vt_http_req_header(r, "expect");
  bool has_body = (p->flags & F_CHUNKED) || (p->content_length > 0 && p->content_length != ULLONG_MAX);
  if (expect && !r->http10) {
    if (strcasecmp(expect, "100-continue") != 0) return fail_cb(p, 417);
    if (!has_body) {
      /* nothing to wait for */
    } else if (c->head) {
      c->continue_pending = true;
    } else {
      static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
      char *b = malloc(sizeof cont - 1);
      if (b) memcpy(b, cont, sizeof cont - 1);
      vt_hconn_emit(c, b, sizeof cont - 1);
    }
  }
  return 0;
}

static int on_body(http_parser *p, const char *at, size_t len) {
  vt_http_req *r = cur_req(p);
  if (!r) return -1;
  return vt_buf_append(&r->body, at, len) ? 0 : fail_cb(p, 413);
}

static int on_message_complete(http_parser *p) {
  vt_hconn *c = p->data;
  vt_http_req *r = c->cur;
  if (!r) return -1;
  r->keep_alive = http_should_keep_alive(p) != 0;
  r->upgrade = p->upgrade != 0;
  c->done = r;
  c->cur = NULL;
  /* One request per execute: pause, so dispatch happens outside the parser. After an
   * upgrade http_parser returns by itself, with the rest of the input unparsed. */
  if (!p->upgrade) http_parser_pause(p, 1);
  return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

/* ---- dispatch ---- */

static bool token_in(const char *list, const char *token) {
  size_t tl = strlen(token);
  for (const char *s = list; s && *s;) {
    while (*s == ' ' || *s == '\t' || *s == ',') s++;
    const char *e = s;
    while (*e && *e != ',') e++;
    const char *t = e;
    while (t > s && (t[-1] == ' ' || t[-1] == '\t')) t--;
    if ((size_t)(t - s) == tl && strncasecmp(s, token, tl) == 0) return true;
    s = e;
  }
  return false;
}

static void answer(vt_hconn *c, vt_http_req *r, int status, const vt_http_header *extra, size_t nextra) {
  const char *text = status >= 400 ? vt_http_status_text(status) : NULL;
  if (!text) text = "";
  vt_http_respond(r, status, text[0] ? "text/plain" : NULL, extra, nextra, text, strlen(text));
  (void)c;
}

static void preflight(vt_hconn *c, vt_http_req *r) {
  const char *want = vt_http_req_header(r, "access-control-request-headers");
  bool echo = want && *want && strlen(want) <= 1024;
  for (const char *s = want; echo && *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) echo = false;
  vt_http_header cors[] = {
      {"Allow", "POST, GET, OPTIONS"},
      {"Access-Control-Allow-Methods", "POST, GET, OPTIONS"},
      {"Access-Control-Allow-Headers", echo ? want : "content-type"},
      {"Access-Control-Max-Age", "86400"},
  };
  answer(c, r, 204, cors, cors_applies(c, r) ? 4 : 1);
}

/* The application's say on an upgrade (on_ws_upgrade): true to go on, false when it
 * refused and the refusal was answered. */
static bool ws_admitted(vt_hconn *c, vt_http_req *r) {
  if (!c->ctx->h.on_ws_upgrade) return true;
  void *auth = NULL;
  unsigned retry = 0;
  int st = c->ctx->h.on_ws_upgrade(r, &auth, &retry, c->ctx->h.ud);
  if (st == 0) {
    c->ws.auth = auth;
    return true;
  }
  char ra[16];
  snprintf(ra, sizeof ra, "%u", retry);
  vt_http_header h[] = {{"Retry-After", ra}};
  answer(c, r, st, h, retry ? 1 : 0);
  return false;
}

/* An Upgrade request. WebSocket is accepted; anything else is served as plain HTTP. */
static void upgrade(vt_hconn *c, vt_http_req *r) {
  const char *up = vt_http_req_header(r, "upgrade");
  const char *key = vt_http_req_header(r, "sec-websocket-key");
  const char *ver = vt_http_req_header(r, "sec-websocket-version");
  char accept[29];
  if (strcmp(r->method, "CONNECT") == 0) {
    r->close_after = true;
    c->stop_parsing = true;
    answer(c, r, 405, NULL, 0);
    return;
  }
  if (!up || !token_in(up, "websocket")) { /* e.g. h2c: ignore the offer */
    r->upgrade = false;
    http_parser_init(&c->parser, HTTP_REQUEST);
    if (strcmp(r->method, "OPTIONS") == 0) preflight(c, r);
    else c->ctx->h.on_request(r, c->ctx->h.ud);
    return;
  }
  r->upgrade = false;
  r->close_after = true;
  c->stop_parsing = true;
  if (!c->ctx->h.on_ws_message) {
    answer(c, r, 501, NULL, 0);
  } else if ((!c->ctx->h.on_ws_upgrade && strcmp(vt_http_req_path(r), VT_HTTP_WS_PATH) != 0) || c->reserved) {
    c->ctx->stats.bad_requests++;
    answer(c, r, c->reserved ? 503 : 404, NULL, 0);
  } else if (strcmp(r->method, "GET") != 0 || r->http10 || !key || vt_ws_accept_key(key, accept) != 0) {
    c->ctx->stats.bad_requests++;
    answer(c, r, 400, NULL, 0);
  } else if (!ver || strcmp(ver, "13") != 0) {
    vt_http_header v[] = {{"Sec-WebSocket-Version", "13"}};
    c->ctx->stats.bad_requests++;
    answer(c, r, 426, v, 1);
  } else if (!ws_admitted(c, r)) {
    c->ctx->stats.bad_requests++;
  } else {
    char resp[160];
    int n = snprintf(resp, sizeof resp,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
    r->close_after = false;
    r->upgrade = true;
    r->resp = malloc((size_t)n);
    if (r->resp) memcpy(r->resp, resp, (size_t)n);
    r->resp_len = r->resp ? (size_t)n : 0;
    r->responded = true;
    flush(c);
  }
}

static void dispatch(vt_hconn *c, vt_http_req *r) {
  c->ctx->stats.requests++;
  c->continue_pending = false;
  if (!r->keep_alive) {
    r->close_after = true;
    c->stop_parsing = true;
  }
  enqueue(c, r);
  if (c->reserved && !path_in(vt_http_req_path(r), reserved_paths, sizeof reserved_paths / sizeof reserved_paths[0])) {
    r->close_after = true; /* the server is full: this slot is kept for monitoring */
    r->upgrade = false;
    c->stop_parsing = true;
    c->ctx->stats.bad_requests++;
    answer(c, r, 503, NULL, 0);
  } else if (r->upgrade) upgrade(c, r);
  else if (strcmp(r->method, "OPTIONS") == 0) preflight(c, r);
  else c->ctx->h.on_request(r, c->ctx->h.ud);
}

static bool upgrade_pending(const vt_hconn *c) { return c->tail && c->tail->upgrade; }

static bool can_parse(const vt_hconn *c) {
  return !c->closing && c->mode == VT_HC_HTTP && !c->stop_parsing && !upgrade_pending(c) &&
         c->nqueued < VT_HTTP_MAX_PIPELINE && c->out_pending < VT_HTTP_OUT_HIGH;
}

/* One http_parser_execute over d[0..n) and the dispatch of what it completed. */
static size_t http_step(vt_hconn *c, const char *d, size_t n) {
  size_t got = http_parser_execute(&c->parser, &parser_settings, d, n);
  enum http_errno e = HTTP_PARSER_ERRNO(&c->parser);
  if (c->err_status || (e != HPE_OK && e != HPE_PAUSED)) {
    fail_request(c, c->err_status ? c->err_status : parse_error_status(e));
    return n;
  }
  if (e == HPE_PAUSED) http_parser_pause(&c->parser, 0);
  /* The strict checker frames the same bytes: it must agree on where a message ends. */
  size_t seen = vt_h1s_feed(&c->strict, d, got);
  if (c->strict.error || seen != got || (c->done != NULL) != vt_h1s_done(&c->strict)) {
    fail_request_why(c, c->strict.error ? c->strict.error : 400,
                     c->strict.error ? c->strict.why : "bad request: ambiguous message framing");
    return n;
  }
  if (c->done) vt_h1s_reset(&c->strict);
  if (!c->done) {
    if (got < n) fail_request(c, 400); /* stopped without a request: never expected */
    return n;
  }
  vt_http_req *r = c->done;
  c->done = NULL;
  dispatch(c, r);
  return got;
}

/* Process d[0..n) in the current mode; returns the bytes used. */
static size_t process(vt_hconn *c, const char *d, size_t n) {
  size_t off = 0;
  while (off < n && !c->closing) {
    if (c->mode == VT_HC_WS) {
      off += vt_hconn_ws_feed(c, d + off, n - off);
      continue;
    }
    if (c->mode == VT_HC_HTTP && c->stop_parsing && !upgrade_pending(c)) return n; /* discarded */
    if (!can_parse(c)) break;
    off += http_step(c, d + off, n - off);
  }
  return c->closing ? n : off;
}

static bool processable(const vt_hconn *c) {
  if (c->closing) return false;
  if (c->mode == VT_HC_WS) return true;
  return c->mode == VT_HC_HTTP && (can_parse(c) || (c->stop_parsing && !upgrade_pending(c)));
}

static void process_held(vt_hconn *c) {
  if (c->in.len == 0 || !processable(c)) return;
  size_t used = process(c, c->in.data, c->in.len);
  if (c->closing) used = c->in.len;
  memmove(c->in.data, c->in.data + used, c->in.len - used);
  c->in.len -= used;
}

/* ---- host interface ---- */

void vt_hconn_init(vt_hconn *c, vt_hctx *ctx, const vt_hconn_io *io, void *io_ud, const char *peer) {
  memset(c, 0, sizeof *c);
  c->ctx = ctx;
  c->io = io;
  c->io_ud = io_ud;
  snprintf(c->peer, sizeof c->peer, "%s", peer ? peer : "");
  http_parser_init(&c->parser, HTTP_REQUEST);
  c->parser.data = c;
  vt_buf_init(&c->in, VT_HTTP_MAX_HELD_INPUT);
  c->mode = VT_HC_HTTP;
  c->ws.hc = c;
}

void vt_hconn_feed(vt_hconn *c, const char *data, size_t len) {
  if (c->closing || len == 0) return;
  if (c->mode == VT_HC_WS) c->ws_ping_out = false; /* the peer is alive */
  if (c->in.len == 0 && processable(c)) {
    size_t used = process(c, data, len);
    data += used;
    len -= used;
    if (len == 0 || c->closing) return;
  }
  if (!vt_buf_append(&c->in, data, len)) { /* more than a paused connection may hold */
    vt_hconn_close(c, false);
    return;
  }
  process_held(c);
}

void vt_hconn_resume(vt_hconn *c) {
  if (c->closing) return;
  if (c->mode == VT_HC_WS_OPENING) vt_hconn_ws_open(c);
  process_held(c);
  eof_check(c);
  kick(c);
}

bool vt_hconn_wants_read(const vt_hconn *c) {
  if (c->closing || c->peer_eof || c->in.len > 0) return false;
  if (c->mode == VT_HC_WS) return c->out_pending < VT_HTTP_OUT_HIGH;
  return processable(c);
}

bool vt_hconn_has_work(const vt_hconn *c) {
  if (c->closing) return false;
  return c->mode == VT_HC_WS_OPENING || (c->in.len > 0 && processable(c));
}

void vt_hconn_written(vt_hconn *c, size_t n) { c->out_pending -= n < c->out_pending ? n : c->out_pending; }

vt_hphase vt_hconn_phase(const vt_hconn *c) {
  if (c->closing) return VT_HC_CLOSING;
  if (c->mode != VT_HC_HTTP) return VT_HC_WEBSOCKET;
  if (c->head) return VT_HC_WAITING;
  if (c->cur) return VT_HC_RECEIVING;
  if (c->out_pending > 0 || c->in.len > 0) return VT_HC_WAITING; /* output still draining */
  return VT_HC_IDLE;
}

void vt_hconn_timeout(vt_hconn *c) {
  switch (vt_hconn_phase(c)) {
  case VT_HC_WEBSOCKET: vt_hconn_ws_timeout(c); break;
  case VT_HC_RECEIVING: fail_request(c, 408); break;
  default: vt_hconn_close(c, false); break;
  }
}

void vt_hconn_abort(vt_hconn *c) { vt_hconn_close(c, false); }

void vt_hconn_eof(vt_hconn *c) {
  if (c->closing || c->peer_eof) return;
  c->peer_eof = true;
  if (c->mode != VT_HC_HTTP) { /* a websocket without a close frame, or one opening */
    vt_hconn_close(c, false);
    return;
  }
  if (c->cur && !c->head) { /* a request cut short, nothing else to answer */
    vt_hconn_close(c, false);
    return;
  }
  eof_check(c);
}

void vt_hconn_teardown(vt_hconn *c) {
  if (c->torn_down) return;
  c->torn_down = true;
  c->closing = true;
  req_free(c->cur);
  req_free(c->done);
  c->cur = c->done = NULL;
  vt_http_req *r;
  while ((r = dequeue(c))) {
    if (r->responded) {
      req_free(r);
    } else if (r->abort_cb) {
      r->responded = true; /* a respond from inside the callback is ignored */
      r->abort_cb(r, r->data);
      req_free(r);
    } else {
      r->conn = NULL; /* orphan: freed by its late vt_http_respond() */
    }
  }
  vt_hconn_ws_teardown(c);
  vt_buf_free(&c->in);
}

/* ---- request API ---- */

const char *vt_http_req_method(const vt_http_req *r) { return r->method; }
const char *vt_http_req_path(const vt_http_req *r) { return r->head.data ? r->head.data + r->path_off : "/"; }
const char *vt_http_req_peer(const vt_http_req *r) { return r->peer; }
void vt_http_req_set_data(vt_http_req *r, void *data) { r->data = data; }
void *vt_http_req_get_data(const vt_http_req *r) { return r->data; }
void vt_http_req_on_abort(vt_http_req *r, void (*cb)(vt_http_req *, void *)) { r->abort_cb = cb; }

const char *vt_http_req_header(const vt_http_req *r, const char *name) {
  if (!r->head.data) return NULL;
  for (unsigned i = 0; i < r->nhdr; i++)
    if (strcasecmp(r->head.data + r->hdr[i].name, name) == 0) return r->head.data + r->hdr[i].value;
  return NULL;
}

const char *vt_http_req_body(const vt_http_req *r, size_t *len) {
  if (len) *len = r->body.len;
  return r->body.data ? r->body.data : "";
}

void vt_http_respond(vt_http_req *r, int status, const char *content_type, const vt_http_header *extra,
                     size_t nextra, const char *body, size_t len) {
  if (!r || r->responded) return;
  vt_hconn *c = r->conn;
  r->responded = true;
  if (!c) { /* orphaned: the client is gone */
    req_free(r);
    return;
  }
  if (c->closing) return; /* teardown frees it */
  if (status < 100 || status > 599 || status == 101) status = 500;
  if (len > VT_HTTP_MAX_RESPONSE || !render(c, r, status, content_type, extra, nextra, body, len)) {
    static const char text[] = "internal server error: response too large\n";
    if (!render(c, r, 500, "text/plain", NULL, 0, text, sizeof text - 1)) {
      r->close_after = true;
      r->resp = NULL;
    }
  }
  flush(c);
}

/*
 * http_render.c: the front door's response heads (see http_conn.h): status line,
 * Content-Length, Content-Type, CORS headers where they apply, Connection, and the
 * caller's extra headers (those holding CR, LF or NUL, or a name with ':' or a space,
 * are dropped: no header injection). Also the status table: reasons and the short
 * text bodies of the server's own errors.
 *
 * Called by http_conn.c for every response. The head is laid out twice by the same
 * code, once to count its bytes and once to write them, so a response is one exact
 * malloc'd allocation (head and body) and no printf; the caller owns it.
 */
#include <stdlib.h>
#include <string.h>

#include "net/http_conn.h"

/* Status line reasons and the short text bodies of the server's own errors. */
static const struct { int status; const char *reason, *text; } status_table[] = {
    {100, "Continue", NULL},
    {101, "Switching Protocols", NULL},
    {200, "OK", NULL},
    {204, "No Content", NULL},
    {400, "Bad Request", "bad request\n"},
    {401, "Unauthorized", "unauthorized: a valid client key is required (X-Verity-Key, Bearer, or /k/<key>)\n"},
    {403, "Forbidden", NULL},
    {404, "Not Found", "not found: WebSocket connections open on / (or /k/<key> with client keys)\n"},
    {405, "Method Not Allowed", "method not allowed\n"},
    {408, "Request Timeout", "request timeout\n"},
    {413, "Payload Too Large", "request body too large\n"},
    {415, "Unsupported Media Type", NULL},
    {417, "Expectation Failed", "expectation failed\n"},
    {426, "Upgrade Required", "websocket version 13 required\n"},
    {429, "Too Many Requests", "too many requests: this client key is over its rate limit\n"},
    {431, "Request Header Fields Too Large", "request header fields too large\n"},
    {500, "Internal Server Error", "internal server error\n"},
    {501, "Not Implemented", "not implemented: only Transfer-Encoding: chunked is supported\n"},
    {502, "Bad Gateway", NULL},
    {503, "Service Unavailable", "server full: this connection may only ask for /healthz and /metrics\n"},
    {504, "Gateway Timeout", NULL},
    {505, "HTTP Version Not Supported", "HTTP version not supported: use HTTP/1.1 or HTTP/1.0\n"},
};

static bool no_body_status(int status) { return (status >= 100 && status < 200) || status == 204 || status == 304; }

static int status_row(int status) {
  for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
    if (status_table[i].status == status) return (int)i;
  return -1;
}

static bool header_ok(const char *s, bool name) {
  if (!s || (name && !*s)) return false;
  for (; *s; s++)
    if (*s == '\r' || *s == '\n' || (name && (*s == ':' || *s == ' '))) return false;
  return true;
}

/* Response rendering: the head is laid out twice by the same code, once to count its
 * bytes (w == NULL) and once to write them, so a response is one exact allocation and
 * no printf. */
typedef struct {
  char *w;
  size_t n;
  bool checked;     /* the counting pass checked the headers: */
  bool ctype_ok;
  uint64_t extra_ok; /* bit i: extra[i] is sent (at most 64 extra headers are) */
} head_out;

static void put(head_out *o, const char *s, size_t n) {
  if (o->w) memcpy(o->w + o->n, s, n);
  o->n += n;
}
static void put_s(head_out *o, const char *s) { put(o, s, strlen(s)); }
static void put_u(head_out *o, uint64_t v) {
  char d[24];
  size_t i = sizeof d;
  do d[--i] = (char)('0' + v % 10); while ((v /= 10) != 0);
  put(o, d + i, sizeof d - i);
}

static void render_head(head_out *o, const vt_hctx *ctx, const vt_hrender *ro, int status, const char *ctype,
                        const vt_http_header *extra, size_t nextra, size_t len) {
  const vt_http_limits *l = &ctx->lim;
  int row = status_row(status);
  put_s(o, "HTTP/1.1 ");
  put_u(o, (uint64_t)status);
  put_s(o, " ");
  put_s(o, row >= 0 ? status_table[row].reason : "Status");
  put_s(o, "\r\n");
  if (!no_body_status(status)) {
    put_s(o, "Content-Length: ");
    put_u(o, len);
    put_s(o, "\r\n");
  }
  if (!o->checked) {
    o->ctype_ok = ctype && header_ok(ctype, false);
    for (size_t i = 0; i < nextra && i < 64; i++)
      if (header_ok(extra[i].name, true) && header_ok(extra[i].value, false)) o->extra_ok |= (uint64_t)1 << i;
    o->checked = true;
  }
  if (o->ctype_ok) {
    put_s(o, "Content-Type: ");
    put_s(o, ctype);
    put_s(o, "\r\n");
  }
  if (l->cors_origin && ro->cors) {
    put_s(o, "Access-Control-Allow-Origin: ");
    put_s(o, l->cors_origin);
    put_s(o, "\r\nAccess-Control-Expose-Headers: X-Verity-Upstream, X-Verity-Trust\r\n");
    if (strcmp(l->cors_origin, "*") != 0) put_s(o, "Vary: Origin\r\n");
  }
  if (ro->close) put_s(o, "Connection: close\r\n");
  else if (ro->http10) put_s(o, "Connection: keep-alive\r\n");
  for (size_t i = 0; i < nextra && i < 64; i++) {
    if (!(o->extra_ok >> i & 1)) continue;
    put_s(o, extra[i].name);
    put_s(o, ": ");
    put_s(o, extra[i].value);
    put_s(o, "\r\n");
  }
  put_s(o, "\r\n");
}

char *vt_http_render(const vt_hctx *ctx, const vt_hrender *ro, int status, const char *ctype,
                     const vt_http_header *extra, size_t nextra, const char *body, size_t len, size_t *out_len) {
  if (no_body_status(status)) len = 0;
  head_out o = {0};
  render_head(&o, ctx, ro, status, ctype, extra, nextra, len);
  size_t blen = len && !ro->head ? len : 0;
  if (o.n > VT_HTTP_MAX_RESPONSE_HEAD || blen > VT_HTTP_MAX_RESPONSE) return NULL;
  char *p = malloc(o.n + blen + 1);
  if (!p) return NULL;
  size_t counted = o.n;
  o.w = p;
  o.n = 0;
  render_head(&o, ctx, ro, status, ctype, extra, nextra, len);
  if (o.n != counted) { /* never: both passes lay out the same head */
    free(p);
    return NULL;
  }
  if (blen) memcpy(p + o.n, body, blen);
  p[o.n + blen] = 0;
  *out_len = o.n + blen;
  return p;
}

const char *vt_http_status_text(int status) {
  int row = status_row(status);
  return row >= 0 ? status_table[row].text : NULL;
}

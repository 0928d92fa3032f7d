/*
 * ws_client.c: the WebSocket client (see ws_client.h).
 *
 * One vt_wsc per connection, a small state machine: RESOLVE -> CONNECT -> TLS (wss
 * only) -> UPGRADE -> OPEN -> CLOSING. Bytes from the socket go through OpenSSL (wss)
 * or straight on, then to the upgrade check (until CRLF CRLF) or the frame parser.
 * Bytes to the socket are framed (masked), then encrypted (wss), then written with a
 * copy per uv_write. The handles (tcp, timer) are closed together; the client is freed
 * when both are closed, after on_close.
 */
#include "net/ws_client.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <nettle/base64.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/websocket.h"
#include "net/ws_frame.h"
#include "util/buf.h"

#define WSC_HOST_MAX 256
#define WSC_PATH_MAX 2048
#define WSC_DEFAULT_TIMEOUT_MS 5000u
#define WSC_DEFAULT_MAX_MESSAGE (1024u * 1024)
#define WSC_TLS_CHUNK 16384
#define WSC_REQ_MAX (WSC_PATH_MAX + WSC_HOST_MAX + 8192)

typedef enum { S_RESOLVE, S_CONNECT, S_TLS, S_UPGRADE, S_OPEN, S_CLOSING } wsc_state;

struct vt_wsc {
  uv_loop_t *loop;
  uv_getaddrinfo_t gai;
  uv_connect_t conn;
  uv_tcp_t tcp;
  uv_timer_t timer;
  wsc_state st;
  bool tls, tcp_init, gai_pending;
  unsigned handles_open;
  char host[WSC_HOST_MAX];
  char port[8];
  char path[WSC_PATH_MAX];
  char key[25];
  char *request;       /* the upgrade request, kept until TLS is up */
  size_t request_len;
  SSL_CTX *ctx;
  SSL *ssl;
  BIO *rbio, *wbio;
  vt_buf in;           /* the upgrade response so far */
  vt_wsp parser;
  size_t queued;       /* bytes handed to uv_write, not yet written */
  uint64_t last_rx_ms;
  vt_wsc_handlers h;
  void *ud;
  char why[VT_WSC_WHY_MAX];
};

typedef struct {
  uv_write_t req;
  vt_wsc *c;
  size_t len;
  char data[];
} wsc_write;

static void finish(vt_wsc *c);

/* --- ending ------------------------------------------------------------------------- */

static void on_handle_closed(uv_handle_t *hd) {
  vt_wsc *c = hd->data;
  if (--c->handles_open) return; /* the last handle: once per client */
  if (c->h.on_close) c->h.on_close(c, c->why, c->ud);
  if (c->ssl) SSL_free(c->ssl); /* frees the BIOs too */
  if (c->ctx) SSL_CTX_free(c->ctx);
  vt_buf_free(&c->in);
  vt_wsp_free(&c->parser);
  free(c->request);
  free(c);
}

/* Close everything now (the reason is kept for on_close). */
static void teardown(vt_wsc *c, const char *why) {
  if (c->st == S_CLOSING) return;
  c->st = S_CLOSING;
  if (why && !c->why[0]) snprintf(c->why, sizeof c->why, "%s", why);
  if (c->gai_pending) uv_cancel((uv_req_t *)&c->gai); /* its callback still runs: it sees S_CLOSING */
  finish(c);
}

static void finish(vt_wsc *c) {
  if (c->gai_pending) return; /* on_resolved comes back, then closes */
  uv_timer_stop(&c->timer);
  if (!uv_is_closing((uv_handle_t *)&c->timer)) uv_close((uv_handle_t *)&c->timer, on_handle_closed);
  if (c->tcp_init && !uv_is_closing((uv_handle_t *)&c->tcp)) uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

/* --- writing ------------------------------------------------------------------------ */

static void on_written(uv_write_t *req, int status) {
  wsc_write *w = (wsc_write *)req;
  vt_wsc *c = w->c;
  c->queued -= w->len;
  free(w);
  if (status < 0 && status != UV_ECANCELED) teardown(c, uv_strerror(status));
}

static int raw_write(vt_wsc *c, const void *d, size_t n) {
  if (!n) return 0;
  if (c->queued + n > VT_WSC_MAX_QUEUE) return -1;
  wsc_write *w = malloc(sizeof *w + n);
  if (!w) return -1;
  w->c = c;
  w->len = n;
  memcpy(w->data, d, n);
  uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
  if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
    free(w);
    return -1;
  }
  c->queued += n;
  return 0;
}

/* What OpenSSL has to send (handshake records, encrypted data). */
static int flush_tls(vt_wsc *c) {
  char buf[WSC_TLS_CHUNK];
  int n;
  while ((n = BIO_read(c->wbio, buf, sizeof buf)) > 0)
    if (raw_write(c, buf, (size_t)n) != 0) return -1;
  return 0;
}

static int send_bytes(vt_wsc *c, const void *d, size_t n) {
  if (!c->tls) return raw_write(c, d, n);
  size_t off = 0;
  while (off < n) {
    int w = SSL_write(c->ssl, (const char *)d + off, (int)(n - off > WSC_TLS_CHUNK ? WSC_TLS_CHUNK : n - off));
    if (w <= 0) return -1;
    off += (size_t)w;
  }
  return flush_tls(c);
}

/* One masked frame (RFC 6455 5.3: every client frame is masked). */
static int send_frame(vt_wsc *c, unsigned op, const void *payload, size_t len) {
  uint8_t hdr[14], mask[4];
  size_t hl = vt_ws_frame_header(hdr, op, len);
  if (getrandom(mask, sizeof mask, 0) != (ssize_t)sizeof mask) return -1;
  hdr[1] |= 0x80u;
  memcpy(hdr + hl, mask, 4);
  hl += 4;
  uint8_t *f = malloc(hl + len + 1);
  if (!f) return -1;
  memcpy(f, hdr, hl);
  for (size_t i = 0; i < len; i++) f[hl + i] = ((const uint8_t *)payload)[i] ^ mask[i & 3u];
  int rc = send_bytes(c, f, hl + len);
  free(f);
  return rc;
}

int vt_wsc_send_text(vt_wsc *c, const char *msg, size_t len) {
  if (c->st != S_OPEN) return -1;
  return send_frame(c, VT_WS_OP_TEXT, msg, len);
}

int vt_wsc_ping(vt_wsc *c) {
  if (c->st != S_OPEN) return -1;
  return send_frame(c, VT_WS_OP_PING, "v", 1);
}

uint64_t vt_wsc_last_rx_ms(const vt_wsc *c) { return c->last_rx_ms; }

void vt_wsc_close(vt_wsc *c, const char *why) {
  if (c->st == S_OPEN) {
    uint8_t code[2] = {0x03, 0xe8}; /* 1000 */
    (void)send_frame(c, VT_WS_OP_CLOSE, code, 2);
  }
  teardown(c, why ? why : "closed");
}

/* --- the upgrade --------------------------------------------------------------------- */

/* The value of header name in the response head (case-insensitive), into out. */
static bool header_value(const char *resp, size_t len, const char *name, char *out, size_t cap) {
  size_t nl = strlen(name);
  const char *p = memchr(resp, '\n', len), *end = resp + len;
  while (p && p + 1 < end) {
    const char *line = p + 1;
    const char *eol = memchr(line, '\n', (size_t)(end - line));
    if (!eol) break;
    if ((size_t)(eol - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
      const char *v = line + nl + 1;
      while (v < eol && (*v == ' ' || *v == '\t')) v++;
      const char *ve = eol;
      while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
      size_t vl = (size_t)(ve - v);
      if (vl >= cap) return false;
      memcpy(out, v, vl);
      out[vl] = 0;
      return true;
    }
    p = eol;
  }
  return false;
}

/* Does a comma-separated header value hold token (case-insensitive)? */
static bool has_token(const char *v, const char *token) {
  size_t tl = strlen(token);
  for (const char *p = v; *p;) {
    while (*p == ' ' || *p == ',') p++;
    size_t n = strcspn(p, ",");
    size_t m = n;
    while (m && p[m - 1] == ' ') m--;
    if (m == tl && strncasecmp(p, token, tl) == 0) return true;
    p += n;
  }
  return false;
}

int vt_wsc_check_upgrade(const char *resp, size_t len, const char *key, char *why, size_t whylen) {
  char v[256], want[29];
  if (len < 12 || (memcmp(resp, "HTTP/1.1 101", 12) != 0)) {
    size_t sl = 0; /* the status line, bounded: resp need not end in NUL */
    while (sl < len && sl < 80 && resp[sl] != '\r' && resp[sl] != '\n') sl++;
    snprintf(why, whylen, "upgrade refused: %.*s", (int)sl, resp);
    return -1;
  }
  if (!header_value(resp, len, "upgrade", v, sizeof v) || strcasecmp(v, "websocket") != 0) {
    snprintf(why, whylen, "upgrade response without Upgrade: websocket");
    return -1;
  }
  if (!header_value(resp, len, "connection", v, sizeof v) || !has_token(v, "upgrade")) {
    snprintf(why, whylen, "upgrade response without Connection: upgrade");
    return -1;
  }
  if (vt_ws_accept_key(key, want) != 0 || !header_value(resp, len, "sec-websocket-accept", v, sizeof v) ||
      strcmp(v, want) != 0) {
    snprintf(why, whylen, "upgrade response with a wrong Sec-WebSocket-Accept");
    return -1;
  }
  if (header_value(resp, len, "sec-websocket-extensions", v, sizeof v)) {
    snprintf(why, whylen, "upgrade response names an extension verity did not ask for");
    return -1;
  }
  return 0;
}

static void plain_in(vt_wsc *c, const uint8_t *d, size_t n);

static void frames_in(vt_wsc *c, const uint8_t *d, size_t n) {
  while (n > 0 && c->st == S_OPEN) {
    size_t used = 0;
    vt_wsp_event ev = vt_wsp_feed(&c->parser, d, n, &used);
    d += used;
    n -= used;
    switch (ev) {
      case VT_WSP_MORE: break;
      case VT_WSP_MESSAGE:
        if (c->parser.msg_opcode == VT_WS_OP_TEXT && c->h.on_message)
          c->h.on_message(c, c->parser.msg.data, c->parser.msg.len, c->ud);
        break;
      case VT_WSP_PING:
        (void)send_frame(c, VT_WS_OP_PONG, c->parser.ctl, c->parser.ctl_len);
        break;
      case VT_WSP_PONG: break;
      case VT_WSP_CLOSE: {
        char why[96];
        snprintf(why, sizeof why, "the server closed the connection (%u)", (unsigned)c->parser.close_code);
        uint8_t code[2] = {(uint8_t)(c->parser.close_code >> 8), (uint8_t)c->parser.close_code};
        (void)send_frame(c, VT_WS_OP_CLOSE, code, c->parser.close_code == 1005 ? 0 : 2);
        teardown(c, why);
        return;
      }
      case VT_WSP_ERROR: {
        char why[96];
        snprintf(why, sizeof why, "protocol error from the server (close %u)", (unsigned)c->parser.error_code);
        uint8_t code[2] = {(uint8_t)(c->parser.error_code >> 8), (uint8_t)c->parser.error_code};
        (void)send_frame(c, VT_WS_OP_CLOSE, code, 2);
        teardown(c, why);
        return;
      }
    }
  }
}

static void plain_in(vt_wsc *c, const uint8_t *d, size_t n) {
  if (c->st == S_OPEN) {
    frames_in(c, d, n);
    return;
  }
  if (c->st != S_UPGRADE) return;
  size_t before = c->in.len;
  if (!vt_buf_append(&c->in, d, n)) {
    teardown(c, "the upgrade response is too large");
    return;
  }
  /* look for the end of the head from a little before the new bytes */
  size_t from = before > 3 ? before - 3 : 0;
  const char *end = NULL;
  for (size_t i = from; i + 4 <= c->in.len; i++)
    if (memcmp(c->in.data + i, "\r\n\r\n", 4) == 0) {
      end = c->in.data + i + 4;
      break;
    }
  if (!end) return;
  size_t head = (size_t)(end - c->in.data);
  char why[VT_WSC_WHY_MAX];
  if (vt_wsc_check_upgrade(c->in.data, head, c->key, why, sizeof why) != 0) {
    teardown(c, why);
    return;
  }
  c->st = S_OPEN;
  uv_timer_stop(&c->timer);
  size_t rest = c->in.len - head;
  uint8_t *tail = rest ? malloc(rest) : NULL;
  if (rest && !tail) {
    teardown(c, "out of memory");
    return;
  }
  if (rest) memcpy(tail, end, rest);
  vt_buf_free(&c->in);
  if (c->h.on_open) c->h.on_open(c, c->ud);
  if (rest && c->st == S_OPEN) frames_in(c, tail, rest);
  free(tail);
}

static int send_upgrade(vt_wsc *c) {
  c->st = S_UPGRADE;
  int rc = send_bytes(c, c->request, c->request_len);
  free(c->request);
  c->request = NULL;
  return rc;
}

/* --- reading ------------------------------------------------------------------------ */

static void on_alloc(uv_handle_t *hd, size_t suggested, uv_buf_t *b) {
  (void)hd;
  (void)suggested;
  static char slab[64 * 1024]; /* the loop thread reads one socket at a time */
  *b = uv_buf_init(slab, sizeof slab);
}

static void tls_in(vt_wsc *c, const char *d, size_t n) {
  if (BIO_write(c->rbio, d, (int)n) != (int)n) {
    teardown(c, "TLS: out of memory");
    return;
  }
  if (c->st == S_TLS) {
    int r = SSL_do_handshake(c->ssl);
    if (flush_tls(c) != 0) {
      teardown(c, "write failed");
      return;
    }
    if (r != 1) {
      int e = SSL_get_error(c->ssl, r);
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
      char why[VT_WSC_WHY_MAX];
      long vr = SSL_get_verify_result(c->ssl);
      if (vr != X509_V_OK)
        snprintf(why, sizeof why, "TLS: certificate of %s not accepted: %s", c->host,
                 X509_verify_cert_error_string(vr));
      else
        snprintf(why, sizeof why, "TLS handshake with %s failed: %s", c->host,
                 ERR_reason_error_string(ERR_peek_last_error()) ? ERR_reason_error_string(ERR_peek_last_error())
                                                                : "closed");
      ERR_clear_error();
      teardown(c, why);
      return;
    }
    if (send_upgrade(c) != 0) {
      teardown(c, "write failed");
      return;
    }
  }
  char buf[WSC_TLS_CHUNK];
  for (;;) {
    int r = SSL_read(c->ssl, buf, sizeof buf);
    if (r > 0) {
      plain_in(c, (const uint8_t *)buf, (size_t)r);
      if (c->st == S_CLOSING) return;
      continue;
    }
    int e = SSL_get_error(c->ssl, r);
    if (e == SSL_ERROR_WANT_READ) break;
    teardown(c, e == SSL_ERROR_ZERO_RETURN ? "the server closed TLS" : "TLS read error");
    ERR_clear_error();
    return;
  }
  if (flush_tls(c) != 0) teardown(c, "write failed");
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  vt_wsc *c = s->data;
  if (c->st == S_CLOSING) return;
  if (nread < 0) {
    teardown(c, nread == UV_EOF ? "the server closed the connection" : uv_strerror((int)nread));
    return;
  }
  if (nread == 0) return;
  c->last_rx_ms = uv_now(c->loop);
  if (c->tls) tls_in(c, b->base, (size_t)nread);
  else plain_in(c, (const uint8_t *)b->base, (size_t)nread);
}

/* --- connecting --------------------------------------------------------------------- */

static void on_timeout(uv_timer_t *t) {
  vt_wsc *c = t->data;
  static const char *const what[] = {[S_RESOLVE] = "resolving", [S_CONNECT] = "connecting", [S_TLS] = "TLS handshake",
                                     [S_UPGRADE] = "upgrade", [S_OPEN] = "open", [S_CLOSING] = "closing"};
  char why[96];
  snprintf(why, sizeof why, "timed out (%s)", what[c->st]);
  teardown(c, why);
}

static int tls_start(vt_wsc *c) {
  c->ctx = SSL_CTX_new(TLS_client_method());
  if (!c->ctx) return -1;
  SSL_CTX_set_min_proto_version(c->ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
  if (SSL_CTX_set_default_verify_paths(c->ctx) != 1) return -1;
  c->ssl = SSL_new(c->ctx);
  c->rbio = BIO_new(BIO_s_mem());
  c->wbio = BIO_new(BIO_s_mem());
  if (!c->ssl || !c->rbio || !c->wbio) {
    BIO_free(c->rbio);
    BIO_free(c->wbio);
    c->rbio = c->wbio = NULL;
    return -1;
  }
  SSL_set_bio(c->ssl, c->rbio, c->wbio);
  SSL_set_connect_state(c->ssl);
  SSL_set_tlsext_host_name(c->ssl, c->host);
  if (SSL_set1_host(c->ssl, c->host) != 1) return -1;
  c->st = S_TLS;
  (void)SSL_do_handshake(c->ssl); /* the ClientHello */
  return flush_tls(c);
}

static void on_connected(uv_connect_t *req, int status) {
  vt_wsc *c = req->data;
  if (c->st == S_CLOSING) return;
  if (status < 0) {
    char why[160];
    snprintf(why, sizeof why, "connect to %s:%s failed: %s", c->host, c->port, uv_strerror(status));
    teardown(c, why);
    return;
  }
  if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) != 0) {
    teardown(c, "read failed");
    return;
  }
  int rc = c->tls ? tls_start(c) : send_upgrade(c);
  if (rc != 0) teardown(c, c->tls ? "TLS setup failed" : "write failed");
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  vt_wsc *c = req->data;
  c->gai_pending = false;
  if (c->st == S_CLOSING || status < 0) {
    if (c->st != S_CLOSING) {
      char why[160];
      snprintf(why, sizeof why, "cannot resolve %s: %s", c->host, uv_strerror(status));
      c->st = S_CLOSING;
      snprintf(c->why, sizeof c->why, "%s", why);
    }
    uv_freeaddrinfo(res);
    finish(c);
    return;
  }
  c->st = S_CONNECT;
  if (uv_tcp_init(c->loop, &c->tcp) != 0) {
    uv_freeaddrinfo(res);
    teardown(c, "socket failed");
    return;
  }
  c->tcp_init = true;
  c->handles_open++;
  c->tcp.data = c;
  uv_tcp_nodelay(&c->tcp, 1);
  c->conn.data = c;
  int rc = uv_tcp_connect(&c->conn, &c->tcp, res->ai_addr, on_connected);
  uv_freeaddrinfo(res);
  if (rc != 0) {
    char why[160];
    snprintf(why, sizeof why, "connect to %s:%s failed: %s", c->host, c->port, uv_strerror(rc));
    teardown(c, why);
  }
}

/* ws[s]://host[:port][/path][?query] into c; false when it is not one. */
static bool parse_url(vt_wsc *c, const char *url) {
  const char *p;
  if (!strncmp(url, "ws://", 5)) {
    p = url + 5;
    c->tls = false;
  } else if (!strncmp(url, "wss://", 6)) {
    p = url + 6;
    c->tls = true;
  } else {
    return false;
  }
  size_t auth = strcspn(p, "/?#");
  if (memchr(p, '@', auth)) return false; /* userinfo: not for WebSocket upstreams */
  const char *hs = p, *he = p + auth, *colon = NULL;
  if (*hs == '[') { /* [v6]:port */
    const char *rb = memchr(hs, ']', auth);
    if (!rb) return false;
    hs++;
    colon = rb + 1 < he && rb[1] == ':' ? rb + 1 : NULL;
    he = rb;
  } else {
    colon = memchr(hs, ':', auth);
    if (colon) he = colon;
  }
  size_t hl = (size_t)(he - hs);
  if (hl == 0 || hl >= sizeof c->host) return false;
  memcpy(c->host, hs, hl);
  c->host[hl] = 0;
  if (colon) {
    size_t pl = (size_t)(p + auth - colon - 1);
    if (pl == 0 || pl >= sizeof c->port) return false;
    memcpy(c->port, colon + 1, pl);
    c->port[pl] = 0;
    for (size_t i = 0; i < pl; i++)
      if (!isdigit((unsigned char)c->port[i])) return false;
  } else {
    snprintf(c->port, sizeof c->port, "%s", c->tls ? "443" : "80");
  }
  const char *rest = p + auth;
  size_t rl = strcspn(rest, "#");
  if (rl + 2 > sizeof c->path) return false;
  if (rl == 0 || rest[0] != '/') {
    c->path[0] = '/';
    memcpy(c->path + 1, rest, rl);
    c->path[rl + 1] = 0;
  } else {
    memcpy(c->path, rest, rl);
    c->path[rl] = 0;
  }
  for (const char *q = c->path; *q; q++)
    if ((unsigned char)*q <= ' ') return false;
  return true;
}

static bool build_request(vt_wsc *c, const vt_wsc_opts *o) {
  uint8_t raw[16];
  if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) return false;
  base64_encode_raw(c->key, sizeof raw, raw);
  c->key[24] = 0;
  vt_buf r;
  vt_buf_init(&r, WSC_REQ_MAX);
  bool default_port = !strcmp(c->port, c->tls ? "443" : "80");
  bool v6 = strchr(c->host, ':') != NULL;
  vt_buf_printf(&r, "GET %s HTTP/1.1\r\nHost: %s%s%s%s%s\r\n", c->path, v6 ? "[" : "", c->host, v6 ? "]" : "",
                default_port ? "" : ":", default_port ? "" : c->port);
  vt_buf_printf(&r, "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
                    "User-Agent: verity\r\n", c->key);
  for (size_t i = 0; o && i < o->nheaders; i++) vt_buf_printf(&r, "%s\r\n", o->headers[i]);
  vt_buf_puts(&r, "\r\n");
  if (!vt_buf_ok(&r)) {
    vt_buf_free(&r);
    return false;
  }
  c->request = vt_buf_steal(&r, &c->request_len);
  return c->request != NULL;
}

vt_wsc *vt_wsc_open(uv_loop_t *loop, const char *url, const vt_wsc_opts *o, const vt_wsc_handlers *h, void *ud,
                    char *err, size_t errlen) {
  vt_wsc *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  c->loop = loop;
  c->h = *h;
  c->ud = ud;
  if (!parse_url(c, url)) {
    snprintf(err, errlen, "not a ws:// or wss:// url with a host");
    free(c);
    return NULL;
  }
  if (!build_request(c, o)) {
    snprintf(err, errlen, "the upgrade request could not be built");
    free(c);
    return NULL;
  }
  size_t max = o && o->max_message ? o->max_message : WSC_DEFAULT_MAX_MESSAGE;
  vt_buf_init(&c->in, VT_WSC_MAX_HANDSHAKE);
  vt_wsp_init_client(&c->parser, max);
  uv_timer_init(loop, &c->timer);
  c->timer.data = c;
  c->handles_open = 1;
  c->st = S_RESOLVE;
  c->last_rx_ms = uv_now(loop);
  uv_timer_start(&c->timer, on_timeout, o && o->connect_timeout_ms ? o->connect_timeout_ms : WSC_DEFAULT_TIMEOUT_MS, 0);
  struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
  c->gai.data = c;
  c->gai_pending = true;
  int rc = uv_getaddrinfo(loop, &c->gai, on_resolved, c->host, c->port, &hints);
  if (rc != 0) {
    c->gai_pending = false;
    char why[160];
    snprintf(why, sizeof why, "cannot resolve %s: %s", c->host, uv_strerror(rc));
    teardown(c, why); /* on_close runs from the loop */
  }
  return c;
}

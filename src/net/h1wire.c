/*
 * h1wire.c: URL parsing, request bytes, response header scanning and outcome tables
 * for the HTTP/1.1 upstream client (see h1wire.h). Pure functions: no I/O, no clock
 * except time(NULL) as the fallback "now" for a Retry-After date without a Date:.
 */
#include "net/h1wire.h"

#include <nettle/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "net/h1client.h"

/* ---- outcome tables ---- */

static const vt_h1_err_row uv_err_table[] = {
    {UV_ECONNREFUSED, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "connection refused by upstream"},
    {UV_ENETUNREACH, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "upstream network unreachable"},
    {UV_EHOSTUNREACH, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "upstream host unreachable"},
    {UV_EADDRNOTAVAIL, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "no local address for upstream"},
    {UV_EMFILE, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "too many open files"},
    {UV_ENOMEM, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "out of memory"},
    {UV_ETIMEDOUT, VT_FETCH_E_TIMEOUT, VT_FETCH_E_TIMEOUT, "upstream connection timed out"},
    {UV_ECONNRESET, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "connection reset by upstream"},
    {UV_ECONNABORTED, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "connection aborted"},
    {UV_EPIPE, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "upstream closed the connection while we sent"},
    {UV_EOF, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT, "upstream closed the connection without a reply"},
    {UV_EAI_NONAME, VT_FETCH_E_CONNECT, VT_FETCH_E_CONNECT, "could not resolve upstream host"},
    {UV_EAI_AGAIN, VT_FETCH_E_CONNECT, VT_FETCH_E_CONNECT, "could not resolve upstream host (try again)"},
    {UV_EAI_FAIL, VT_FETCH_E_CONNECT, VT_FETCH_E_CONNECT, "could not resolve upstream host"},
};

static const vt_h1_err_row uv_err_default = {0, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT,
                                             "upstream network error"};

const vt_h1_err_row *vt_h1_uv_error(int code) {
  for (size_t i = 0; i < sizeof uv_err_table / sizeof uv_err_table[0]; i++)
    if (uv_err_table[i].code == code) return &uv_err_table[i];
  return &uv_err_default;
}

/* As in fetch.c: 4xx/5xx are answers the pool judges, redirects are not followed,
 * anything else is a broken reply. */
static const struct {
  long lo, hi;
  vt_fetch_error error;
  const char *fmt;
} status_table[] = {
    {200, 299, VT_FETCH_OK, ""},
    {300, 399, VT_FETCH_E_TRANSPORT, "upstream answered HTTP %ld (redirect); redirects are not followed"},
    {400, 599, VT_FETCH_OK, ""},
};

vt_fetch_error vt_h1_status_outcome(long status, const char **fmt) {
  for (size_t i = 0; i < sizeof status_table / sizeof status_table[0]; i++)
    if (status >= status_table[i].lo && status <= status_table[i].hi) {
      *fmt = status_table[i].fmt;
      return status_table[i].error;
    }
  *fmt = "malformed HTTP status %ld from upstream";
  return VT_FETCH_E_TRANSPORT;
}

/* ---- URLs ---- */

bool vt_h1_handles(const char *url) { return url && strncasecmp(url, "http://", 7) == 0; }

static bool host_char_ok(char ch, bool v6) {
  if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) return true;
  return v6 ? (ch == ':' || ch == '.') : (ch == '-' || ch == '.' || ch == '_');
}

static bool parse_host(const char *p, const char *end, vt_h1_url *u, const char **rest) {
  if (p < end && *p == '[') {
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
  *rest = p;
  if (u->host_len == 0 || u->host_len > VT_H1_MAX_HOST) return false;
  for (size_t i = 0; i < u->host_len; i++)
    if (!host_char_ok(u->host[i], u->v6)) return false;
  if (!u->v6) return true;
  char lit[VT_H1_MAX_HOST + 1]; /* brackets hold an IPv6 literal, never a name */
  unsigned char bin[16];
  memcpy(lit, u->host, u->host_len);
  lit[u->host_len] = 0;
  return uv_inet_pton(AF_INET6, lit, bin) == 0;
}

bool vt_h1_url_parse(const char *url, vt_h1_url *u) {
  memset(u, 0, sizeof *u);
  if (!vt_h1_handles(url)) return false;
  const char *a = url + 7;
  size_t alen = strcspn(a, "/?#");
  const char *end = a + alen, *hp = a, *p;
  for (const char *q = a; q < end; q++)
    if (*q == '@') hp = q + 1; /* the last '@' ends the userinfo */
  if (hp != a) {
    u->user = a;
    u->user_len = (size_t)(hp - 1 - a);
    u->has_user = u->user_len > 0;
  }
  if (!parse_host(hp, end, u, &p)) return false;
  unsigned long port = 80;
  if (p < end && *p++ != ':') return false;
  if (p < end) { /* "host:" alone means the default port, as in curl */
    port = 0;
    for (; p < end; p++) {
      if (*p < '0' || *p > '9' || port > 65535) return false;
      port = port * 10 + (unsigned long)(*p - '0');
    }
    if (port == 0 || port > 65535) return false;
    u->has_port = true;
  }
  u->port = (uint16_t)port;
  u->path = end;
  u->path_len = strcspn(end, "#");
  for (size_t i = 0; i < u->path_len; i++)
    if ((unsigned char)u->path[i] <= 0x20 || u->path[i] == 0x7f) return false;
  return true;
}

/* ---- request bytes ---- */

/* Request headers we add ourselves or refuse from callers. */
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

static unsigned header_flag(const char *h) {
  size_t n = (size_t)(strchr(h, ':') - h);
  for (size_t i = 0; i < sizeof special_headers / sizeof special_headers[0]; i++)
    if (strlen(special_headers[i].name) == n && strncasecmp(h, special_headers[i].name, n) == 0)
      return special_headers[i].flag;
  return 0;
}

static int hex_val(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* "Authorization: Basic base64(user:password)" from the percent-encoded userinfo. */
static bool append_basic_auth(vt_buf *out, const vt_h1_url *u) {
  uint8_t raw[VT_H1_AUTH_MAX];
  char enc[BASE64_ENCODE_RAW_LENGTH(VT_H1_AUTH_MAX)];
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
  base64_encode_raw(enc, n, raw);
  vt_buf_puts(out, "Authorization: Basic ");
  vt_buf_append(out, enc, BASE64_ENCODE_RAW_LENGTH(n));
  return vt_buf_puts(out, "\r\n");
}

static void append_dec(vt_buf *out, size_t v) {
  char d[24];
  size_t i = sizeof d;
  do d[--i] = (char)('0' + v % 10);
  while (v /= 10);
  vt_buf_append(out, d + i, sizeof d - i);
}

bool vt_h1_build_request(vt_buf *out, const vt_fetch_opts *o, const vt_h1_url *u) {
  unsigned given = 0;
  bool post = o->body != NULL;
  for (size_t i = 0; i < o->nheaders; i++) given |= header_flag(o->headers[i]);
  vt_buf_reset(out);
  vt_buf_puts(out, post ? "POST " : "GET ");
  if (u->path_len == 0 || u->path[0] == '?') vt_buf_puts(out, "/");
  vt_buf_append(out, u->path, u->path_len);
  vt_buf_puts(out, " HTTP/1.1\r\n");
  if (!(given & OURS_HOST)) { /* no printf on the hot path */
    vt_buf_puts(out, u->v6 ? "Host: [" : "Host: ");
    vt_buf_append(out, u->host, u->host_len);
    if (u->v6) vt_buf_puts(out, "]");
    if (u->has_port && u->port != 80) {
      vt_buf_puts(out, ":");
      append_dec(out, u->port);
    }
    vt_buf_puts(out, "\r\n");
  }
  if (u->has_user && !(given & OURS_AUTH) && !append_basic_auth(out, u)) return false;
  if (!(given & OURS_UA)) vt_buf_puts(out, "User-Agent: verity\r\n");
  if (post && !(given & OURS_CT)) vt_buf_puts(out, "Content-Type: application/json\r\n");
  if (post) {
    vt_buf_puts(out, "Content-Length: ");
    append_dec(out, o->body_len);
    vt_buf_puts(out, "\r\n");
  }
  for (size_t i = 0; i < o->nheaders; i++) {
    const char *h = o->headers[i];
    const char *v = strchr(h, ':') + 1;
    while (*v == ' ' || *v == '\t') v++;
    if (*v == 0 || (header_flag(h) & CALLER_DROP)) continue;
    vt_buf_puts(out, h);
    vt_buf_puts(out, "\r\n");
  }
  vt_buf_puts(out, "\r\n");
  if (post && o->body_len) vt_buf_append(out, o->body, o->body_len);
  return vt_buf_ok(out);
}

bool vt_h1_opts_valid(const vt_fetch_opts *o) {
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

/* ---- response headers ---- */

/* HTTP-date layouts (RFC 9110 5.6.7): IMF-fixdate, obsolete RFC 850, asctime. */
static const char *const date_formats[] = {
    "%a, %d %b %Y %H:%M:%S GMT",
    "%A, %d-%b-%y %H:%M:%S GMT",
    "%a %b %e %H:%M:%S %Y",
};

time_t vt_h1_parse_http_date(const char *v) {
  for (size_t i = 0; i < sizeof date_formats / sizeof date_formats[0]; i++) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(v, date_formats[i], &tm);
    if (end && *end == 0) return timegm(&tm);
  }
  return (time_t)-1;
}

static void hdr_retry_after(vt_h1_hdrs *h, const char *v) {
  if (*v >= '0' && *v <= '9') {
    char *endp = NULL;
    unsigned long long s = strtoull(v, &endp, 10);
    if (*endp == 0)
      h->retry_after_s = s > VT_FETCH_MAX_RETRY_AFTER_S ? VT_FETCH_MAX_RETRY_AFTER_S : (double)s;
    return;
  }
  h->retry_date = vt_h1_parse_http_date(v);
}

static void hdr_date(vt_h1_hdrs *h, const char *v) { h->date = vt_h1_parse_http_date(v); }

/* Kept whole or not at all: a truncated media type could name another type. */
static void hdr_content_type(vt_h1_hdrs *h, const char *v) {
  size_t n = strlen(v);
  if (n > VT_FETCH_MAX_CONTENT_TYPE) n = 0;
  memcpy(h->content_type, v, n);
  h->content_type[n] = 0;
}

static const struct {
  const char *name; /* lower case */
  void (*parse)(vt_h1_hdrs *h, const char *value);
} response_headers[] = {
    {"retry-after", hdr_retry_after},
    {"date", hdr_date},
    {"content-type", hdr_content_type},
};

void vt_h1_hdrs_reset(vt_h1_hdrs *h) {
  h->name_len = h->value_len = 0;
  h->in_value = false;
  h->retry_after_s = -1;
  h->retry_date = h->date = (time_t)-1;
  h->content_type[0] = 0;
}

/* Dispatch the header collected so far (names or values over the cap are not ours). */
static void hdr_flush(vt_h1_hdrs *h) {
  if (!h->in_value) return;
  h->in_value = false;
  if (h->name_len <= VT_H1_HDR_NAME_MAX && h->value_len <= VT_H1_HDR_VALUE_MAX) {
    size_t a = 0, b = h->value_len;
    while (a < b && (h->value[a] == ' ' || h->value[a] == '\t')) a++;
    while (b > a && (h->value[b - 1] == ' ' || h->value[b - 1] == '\t')) b--;
    h->value[b] = 0;
    h->name[h->name_len] = 0;
    for (size_t i = 0; i < sizeof response_headers / sizeof response_headers[0]; i++)
      if (strcasecmp(h->name, response_headers[i].name) == 0) {
        response_headers[i].parse(h, h->value + a);
        break;
      }
  }
  h->name_len = h->value_len = 0;
}

static void frag_append(char *dst, size_t *len, size_t cap, const char *at, size_t n) {
  if (*len > cap || n > cap - *len) {
    *len = cap + 1; /* too long: ignored at flush */
    return;
  }
  memcpy(dst + *len, at, n);
  *len += n;
}

void vt_h1_hdrs_field(vt_h1_hdrs *h, const char *at, size_t n) {
  hdr_flush(h);
  frag_append(h->name, &h->name_len, VT_H1_HDR_NAME_MAX, at, n);
}

void vt_h1_hdrs_value(vt_h1_hdrs *h, const char *at, size_t n) {
  h->in_value = true;
  frag_append(h->value, &h->value_len, VT_H1_HDR_VALUE_MAX, at, n);
}

void vt_h1_hdrs_end(vt_h1_hdrs *h) { hdr_flush(h); }

double vt_h1_hdrs_retry_after(const vt_h1_hdrs *h) {
  if (h->retry_after_s >= 0) return h->retry_after_s;
  if (h->retry_date == (time_t)-1) return -1;
  time_t now = h->date != (time_t)-1 ? h->date : time(NULL);
  double d = difftime(h->retry_date, now);
  return d < 0 ? 0 : d > VT_FETCH_MAX_RETRY_AFTER_S ? VT_FETCH_MAX_RETRY_AFTER_S : d;
}

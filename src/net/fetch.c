/*
 * fetch.c: upstream HTTP(S) client on libcurl's multi interface, driven by libuv.
 *
 * How it is driven: curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION ->
 * one uv_poll_t per socket, stored with curl_multi_assign) and when to wake it
 * (CURLMOPT_TIMERFUNCTION -> one uv_timer_t). Our poll and timer callbacks call
 * curl_multi_socket_action() and then drain curl_multi_info_read(); user callbacks run
 * only from that drain, never from inside a curl callback, so a user callback may call
 * back into curl (start, cancel, close) freely.
 *
 * Ownership: each vt_fetch owns one CURL easy handle, configured once with the fixed
 * options (no signals, TCP_NODELAY, http/https only, no redirects, HTTP/2 over TLS);
 * per request only URL, headers, body, timeouts and caps are set. Finished requests go
 * back to a small free list so the next request skips easy-handle setup. Exception:
 * libcurl before 8.1.0 keeps a dangling pointer to the previous transfer's last header
 * in a reused easy handle (fixed upstream in 8.1.0, "headers: clear (possibly)
 * lingering pointer in init"); a reply whose first header line is a folded
 * continuation then reads freed memory. Our fuzzer found it on 7.88. On such versions
 * the easy handle is discarded after each transfer (the vt_fetch and its buffers are
 * still recycled). Proxies are never used (environment variables included). A curl share object holds the TLS session cache, so a new
 * connection to a known upstream resumes its session whichever easy handle opens it.
 * uv handles are freed only in their close callbacks; the fetcher itself is freed when
 * the last of them has closed (see vt_fetcher_close in fetch.h for the contract).
 *
 * Plain http:// URLs go to a native HTTP/1.1 keep-alive client (h1client.c) that the
 * fetcher owns: about one write and one read per request on a reused connection,
 * where curl adds liveness polls and epoll_ctl churn. A vt_fetch then wraps a
 * vt_h1_req (x->h1) instead of a curl transfer; handles, cancel, close and stats are
 * the same for callers. VERITY_FETCH_CURL_ONLY=1 in the environment (read by
 * vt_fetcher_new) keeps every URL on curl, so both paths stay testable.
 */
#include "net/fetch.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "net/h1client.h"
#include "net/h1wire.h"
#include "util/buf.h"

#define FREE_LIST_MAX       64u            /* idle request objects kept for reuse */
#define KEEP_BUF_MAX        (64u * 1024)   /* larger buffers are released on recycle */
#define HDR_VALUE_MAX       128u           /* Retry-After / Date values we parse */
#define MSG_MAX             192u
#define CA_PATH_MAX         4096u          /* bytes of limits.ca_file */
#define CURL_REUSE_SAFE_VERSION 0x080100u  /* 8.1.0: easy handles safe to reuse */

typedef enum { FS_IDLE = 0, FS_ACTIVE, FS_DELIVERING } fetch_state;

struct vt_fetch {
  vt_fetcher *f;
  CURL *easy;                   /* NULL until a curl request needs it */
  vt_h1_req *h1;                /* set while in flight on the native HTTP/1.1 client */
  vt_fetch *prev, *next;        /* in-flight list, or free list (next only) */
  fetch_state state;
  vt_fetch_cb cb;
  void *ud;
  struct curl_slist *hdrs;      /* owned per-request list; NULL when using a shared one */
  vt_buf resp;                  /* response body, capped at max_response */
  vt_buf req;                   /* copy of the POST body */
  uint64_t start_ns;
  bool too_large;
  bool oom;
  bool doomed;                  /* its socket could not be watched: fail it */
  double retry_after_s;         /* delta-seconds form, -1 if absent */
  time_t retry_date;            /* HTTP-date form, -1 if absent */
  time_t date_hdr;              /* the response's Date:, -1 if absent */
  char msg[MSG_MAX];
};

typedef struct sock_ctx {
  uv_poll_t poll;
  curl_socket_t fd;
  vt_fetcher *f;
  struct sock_ctx *prev, *next; /* live (not yet closing) sockets */
} sock_ctx;

struct vt_fetcher {
  uv_loop_t *loop;
  CURLM *multi;
  CURLSH *share;                /* TLS sessions shared by all our easy handles */
  vt_h1 *h1;                    /* http:// URLs; NULL with VERITY_FETCH_CURL_ONLY=1 */
  uv_timer_t timer;
  vt_fetcher_limits lim;         /* lim.ca_file points at our own copy */
  struct curl_slist *post_hdrs; /* shared: Content-Type: application/json, Expect: */
  vt_fetch *active;
  vt_fetch *free_list;
  unsigned nfree;
  sock_ctx *socks;
  unsigned open_handles;        /* timer + polls not yet through their close callback */
  bool reuse_easy;              /* false on libcurl < 8.1.0 (see the header comment) */
  unsigned ndoomed;             /* active requests marked doomed */
  bool closing;
  void (*done)(void *arg);
  void *done_arg;
  vt_fetch_stats stats;
};

/* ---- CURLcode -> vt_fetch_error (a table; unknown codes are transport errors) ---- */

typedef struct {
  CURLcode code;
  vt_fetch_error error;      /* when no connection was made */
  vt_fetch_error connected;  /* when a connection to the upstream existed */
  const char *text;
} error_row;

static const error_row error_table[] = {
    {CURLE_UNSUPPORTED_PROTOCOL, VT_FETCH_E_CONNECT, VT_FETCH_E_TRANSPORT,
     "unsupported scheme, or a reply that is not HTTP/1.x or HTTP/2"},
    {CURLE_URL_MALFORMAT, VT_FETCH_E_CONNECT, VT_FETCH_E_CONNECT,
     "malformed upstream URL"},
    {CURLE_COULDNT_RESOLVE_PROXY, VT_FETCH_E_CONNECT, VT_FETCH_E_CONNECT,
     "could not resolve proxy"},
    {CURLE_COULDNT_RESOLVE_HOST, VT_FETCH_E_CONNECT, VT_FETCH_E_CONNECT,
     "could not resolve upstream host"},
    {CURLE_COULDNT_CONNECT, VT_FETCH_E_CONNECT, VT_FETCH_E_CONNECT,
     "could not connect to upstream"},
    {CURLE_OPERATION_TIMEDOUT, VT_FETCH_E_TIMEOUT, VT_FETCH_E_TIMEOUT,
     "upstream request timed out"},
    {CURLE_FILESIZE_EXCEEDED, VT_FETCH_E_TOO_LARGE, VT_FETCH_E_TOO_LARGE,
     "upstream response larger than the cap"},
    {CURLE_WEIRD_SERVER_REPLY, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "malformed HTTP reply from upstream"},
    {CURLE_HTTP2, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "HTTP/2 framing error"},
    {CURLE_HTTP2_STREAM, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "HTTP/2 stream error"},
    {CURLE_PARTIAL_FILE, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "upstream response truncated"},
    {CURLE_GOT_NOTHING, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "upstream closed the connection without a reply"},
    {CURLE_SEND_ERROR, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "error sending to upstream"},
    {CURLE_RECV_ERROR, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "error receiving from upstream (reset?)"},
    {CURLE_SSL_CONNECT_ERROR, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "TLS handshake with upstream failed"},
    {CURLE_PEER_FAILED_VERIFICATION, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "upstream TLS certificate not trusted"},
    {CURLE_SSL_CERTPROBLEM, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "TLS client certificate problem"},
    {CURLE_SSL_CIPHER, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "TLS cipher problem"},
    {CURLE_SSL_CACERT_BADFILE, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "TLS CA bundle unreadable"},
    {CURLE_BAD_CONTENT_ENCODING, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "bad content encoding from upstream"},
    {CURLE_WRITE_ERROR, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "response could not be stored"},
    {CURLE_OUT_OF_MEMORY, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "out of memory"},
    {CURLE_ABORTED_BY_CALLBACK, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
     "could not watch the upstream socket"},
};

static const error_row error_default = {CURLE_OK, VT_FETCH_E_TRANSPORT, VT_FETCH_E_TRANSPORT,
                                        "upstream transport error"};

static const char *const error_names[] = {
    [VT_FETCH_OK] = "ok",
    [VT_FETCH_E_CONNECT] = "connect",
    [VT_FETCH_E_TIMEOUT] = "timeout",
    [VT_FETCH_E_TOO_LARGE] = "too_large",
    [VT_FETCH_E_TRANSPORT] = "transport",
    [VT_FETCH_E_CANCELLED] = "cancelled",
    [VT_FETCH_E_SHUTDOWN] = "shutdown",
};

const char *vt_fetch_error_name(vt_fetch_error e) {
  if ((unsigned)e >= sizeof error_names / sizeof error_names[0] || !error_names[e]) return "unknown";
  return error_names[e];
}

static const error_row *error_lookup(CURLcode rc) {
  for (size_t i = 0; i < sizeof error_table / sizeof error_table[0]; i++)
    if (error_table[i].code == rc) return &error_table[i];
  return &error_default;
}

/* Final HTTP status -> outcome. 4xx/5xx are answers the pool judges; a redirect is
 * an error because redirects are never followed; anything else is a broken reply. */
typedef struct {
  long lo, hi;
  vt_fetch_error error;
  const char *fmt; /* message with the status (%ld) when error != OK */
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

/* curl's "what" for a socket -> uv_poll events (index: CURL_POLL_IN=1 ... INOUT=3). */
static const int poll_events[4] = {0, UV_READABLE, UV_WRITABLE, UV_READABLE | UV_WRITABLE};

/* ---- global init ---- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void curl_init_once(void) { curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

void vt_fetcher_limits_default(vt_fetcher_limits *l) {
  l->max_host_connections = 32;
  l->max_total_connections = 256;
  l->keepalive_idle_s = 60;
  l->http2 = true;
  l->ca_file = NULL;
}

/* ---- header and body callbacks (inside curl: never call user code here) ---- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *arg) {
  vt_fetch *x = arg;
  size_t n = size * nmemb;
  if (n > x->resp.max || x->resp.len > x->resp.max - n) {
    x->too_large = true;
    return 0; /* curl aborts the transfer now */
  }
  if (!vt_buf_append(&x->resp, p, n)) {
    x->oom = true;
    return 0;
  }
  return n;
}

/* Copy the trimmed value of header line "Name: value\r\n" into out; false if too long. */
static bool header_value(const char *line, size_t n, size_t name_len, char *out, size_t cap) {
  size_t i = name_len + 1;
  while (i < n && (line[i] == ' ' || line[i] == '\t')) i++;
  size_t end = n;
  while (end > i && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' ' ||
                     line[end - 1] == '\t'))
    end--;
  if (end - i >= cap) return false;
  memcpy(out, line + i, end - i);
  out[end - i] = 0;
  return true;
}

static void parse_retry_after(vt_fetch *x, const char *v) {
  if (*v >= '0' && *v <= '9') {
    char *endp = NULL;
    unsigned long long s = strtoull(v, &endp, 10);
    if (*endp != 0) return;
    x->retry_after_s = s > VT_FETCH_MAX_RETRY_AFTER_S ? VT_FETCH_MAX_RETRY_AFTER_S : (double)s;
    return;
  }
  time_t t = curl_getdate(v, NULL);
  if (t != (time_t)-1) x->retry_date = t;
}

static void parse_date(vt_fetch *x, const char *v) {
  time_t t = curl_getdate(v, NULL);
  if (t != (time_t)-1) x->date_hdr = t;
}

typedef struct {
  const char *name; /* lower case, without the colon */
  void (*parse)(vt_fetch *x, const char *value);
} header_row;

static const header_row header_table[] = {
    {"retry-after", parse_retry_after},
    {"date", parse_date},
};

static void reset_response_headers(vt_fetch *x) {
  x->retry_after_s = -1;
  x->retry_date = (time_t)-1;
  x->date_hdr = (time_t)-1;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *arg) {
  vt_fetch *x = arg;
  size_t n = size * nmemb;
  if (n >= 5 && memcmp(p, "HTTP/", 5) == 0) { /* a new response (after 1xx): start over */
    reset_response_headers(x);
    return n;
  }
  for (size_t i = 0; i < sizeof header_table / sizeof header_table[0]; i++) {
    size_t nl = strlen(header_table[i].name);
    if (n > nl && p[nl] == ':' && strncasecmp(p, header_table[i].name, nl) == 0) {
      char v[HDR_VALUE_MAX];
      if (header_value(p, n, nl, v, sizeof v)) header_table[i].parse(x, v);
      break;
    }
  }
  return n;
}

/* ---- request objects: create once, recycle ---- */

static void fetch_destroy(vt_fetch *x) {
  if (!x) return;
  if (x->easy) curl_easy_cleanup(x->easy);
  curl_slist_free_all(x->hdrs);
  vt_buf_free(&x->resp);
  vt_buf_free(&x->req);
  free(x);
}

/* The options every request shares; set once per easy handle. */
static bool easy_setup(vt_fetcher *f, vt_fetch *x) {
  CURL *e = x->easy;
  bool h2 = f->lim.http2;
  CURLcode rc = CURLE_OK;
  rc |= curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)x);
  rc |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  rc |= curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)x);
  rc |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  rc |= curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)x);
  rc |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  rc |= curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
  rc |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  rc |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  rc |= curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  rc |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                         h2 ? (long)CURL_HTTP_VERSION_2TLS : (long)CURL_HTTP_VERSION_1_1);
  rc |= curl_easy_setopt(e, CURLOPT_USERAGENT, "verity");
  /* No proxy, not even from http_proxy/https_proxy in the environment: upstream URLs
   * carry API keys and must go where the configuration says. */
  rc |= curl_easy_setopt(e, CURLOPT_PROXY, "");
  if (f->lim.ca_file) rc |= curl_easy_setopt(e, CURLOPT_CAINFO, f->lim.ca_file);
  rc |= curl_easy_setopt(e, CURLOPT_SHARE, f->share);
  if (f->lim.keepalive_idle_s > 0) {
    rc |= curl_easy_setopt(e, CURLOPT_MAXAGE_CONN, f->lim.keepalive_idle_s);
    rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    rc |= curl_easy_setopt(e, CURLOPT_TCP_KEEPIDLE, f->lim.keepalive_idle_s);
  }
  return rc == CURLE_OK;
}

/* A request object; with need_easy, one that has its curl easy handle set up. */
static vt_fetch *fetch_acquire(vt_fetcher *f, bool need_easy) {
  vt_fetch *x = f->free_list;
  if (x) {
    f->free_list = x->next;
    f->nfree--;
    x->next = NULL;
  } else {
    x = calloc(1, sizeof *x);
    if (!x) return NULL;
    x->f = f;
    vt_buf_init(&x->resp, 0);
    vt_buf_init(&x->req, VT_FETCH_MAX_REQUEST_BODY);
  }
  if (need_easy && !x->easy) {
    x->easy = curl_easy_init();
    if (!x->easy || !easy_setup(f, x)) {
      fetch_destroy(x);
      return NULL;
    }
  }
  return x;
}

static void fetch_release(vt_fetch *x) {
  vt_fetcher *f = x->f;
  curl_slist_free_all(x->hdrs);
  x->hdrs = NULL;
  x->cb = NULL;
  x->ud = NULL;
  x->state = FS_IDLE;
  x->prev = x->next = NULL;
  if (f->closing || f->nfree >= FREE_LIST_MAX) {
    fetch_destroy(x);
    return;
  }
  if (!f->reuse_easy) {
    curl_easy_cleanup(x->easy);
    x->easy = NULL;
  }
  if (x->resp.cap > KEEP_BUF_MAX) vt_buf_free(&x->resp);
  if (x->req.cap > KEEP_BUF_MAX) vt_buf_free(&x->req);
  vt_buf_reset(&x->resp);
  vt_buf_reset(&x->req);
  x->next = f->free_list;
  f->free_list = x;
  f->nfree++;
}

static void active_link(vt_fetcher *f, vt_fetch *x) {
  x->prev = NULL;
  x->next = f->active;
  if (f->active) f->active->prev = x;
  f->active = x;
  f->stats.in_flight++;
}

static void active_unlink(vt_fetcher *f, vt_fetch *x) {
  if (x->prev) x->prev->next = x->next;
  else f->active = x->next;
  if (x->next) x->next->prev = x->prev;
  x->prev = x->next = NULL;
  f->stats.in_flight--;
}

/* ---- completion ---- */

static int http_version_of(long v) {
  switch (v) {
  case CURL_HTTP_VERSION_1_0:
  case CURL_HTTP_VERSION_1_1: return 1;
  case CURL_HTTP_VERSION_2_0: return 2;
  default: return 0;
  }
}

static void fill_result(vt_fetch *x, CURLcode rc, vt_fetch_result *r) {
  CURL *e = x->easy;
  long status = 0, ver = 0, nconn = 0;
  curl_off_t conn_us = 0, app_us = 0;
  memset(r, 0, sizeof *r);
  char *ctype = NULL; /* owned by curl, valid until the handle is reused */
  r->retry_after_s = -1;
  r->body = "";
  r->error_msg = "";
  curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ctype);
  r->content_type = ctype ? ctype : "";
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &ver);
  curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &nconn);
  if (nconn > 0) {
    curl_easy_getinfo(e, CURLINFO_CONNECT_TIME_T, &conn_us);
    curl_easy_getinfo(e, CURLINFO_APPCONNECT_TIME_T, &app_us);
    r->connect_ms = (double)(app_us > conn_us ? app_us : conn_us) / 1000.0;
  }
  r->http_status = status;
  r->http_version = status ? http_version_of(ver) : 0;
  r->elapsed_ms = (double)(uv_hrtime() - x->start_ns) / 1e6;
  if (x->retry_after_s >= 0) {
    r->retry_after_s = x->retry_after_s;
  } else if (x->retry_date != (time_t)-1) {
    time_t now = x->date_hdr != (time_t)-1 ? x->date_hdr : time(NULL);
    double d = difftime(x->retry_date, now);
    r->retry_after_s = d < 0 ? 0 : d > VT_FETCH_MAX_RETRY_AFTER_S ? VT_FETCH_MAX_RETRY_AFTER_S : d;
  }

  if (rc == CURLE_OK) {
    const status_row *sr = status_lookup(status);
    r->error = sr->error;
    if (sr->error == VT_FETCH_OK) {
      r->body = x->resp.data ? x->resp.data : "";
      r->body_len = x->resp.len;
    } else {
      snprintf(x->msg, sizeof x->msg, sr->fmt, status);
      r->error_msg = x->msg;
    }
    return;
  }
  const error_row *row = error_lookup(rc);
  char *ip = NULL; /* set once a connection to the upstream existed */
  curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &ip);
  r->error = (ip && *ip) ? row->connected : row->error;
  if (rc == CURLE_WRITE_ERROR && x->too_large) {
    r->error = VT_FETCH_E_TOO_LARGE;
    snprintf(x->msg, sizeof x->msg, "upstream response larger than the cap of %zu bytes", x->resp.max);
  } else if (rc == CURLE_WRITE_ERROR && x->oom) {
    snprintf(x->msg, sizeof x->msg, "out of memory storing the upstream response");
  } else if (rc == CURLE_FILESIZE_EXCEEDED) {
    snprintf(x->msg, sizeof x->msg, "upstream response larger than the cap of %zu bytes (Content-Length)",
             x->resp.max);
  } else {
    /* Static texts only: curl's error buffer may quote the URL, which carries keys. */
    snprintf(x->msg, sizeof x->msg, "%s (%s)", row->text, curl_easy_strerror(rc));
  }
  r->error_msg = x->msg;
}

/* Detach x from curl and the in-flight list, run its callback, recycle it. */
static void deliver(vt_fetch *x, CURLcode rc, bool shutdown) {
  vt_fetcher *f = x->f;
  vt_fetch_result r;
  active_unlink(f, x);
  if (x->h1) { /* only at shutdown: h1 requests complete through on_h1_done */
    vt_h1_cancel(x->h1);
    x->h1 = NULL;
  } else {
    curl_multi_remove_handle(f->multi, x->easy);
  }
  x->state = FS_DELIVERING;
  if (shutdown) {
    memset(&r, 0, sizeof r);
    r.error = VT_FETCH_E_SHUTDOWN;
    r.error_msg = "fetcher closed while the request was in flight";
    r.body = "";
    r.content_type = "";
    r.retry_after_s = -1;
    r.elapsed_ms = (double)(uv_hrtime() - x->start_ns) / 1e6;
  } else {
    fill_result(x, rc, &r);
  }
  f->stats.bytes_in += x->resp.len;
  if (r.error == VT_FETCH_OK) f->stats.completed++;
  else f->stats.failed++;
  x->cb(&r, x->ud);
  fetch_release(x);
}

/* Fail the requests whose socket we could not watch (see curl_socket_cb). */
static void reap_doomed(vt_fetcher *f) {
  while (f->ndoomed && !f->closing) {
    vt_fetch *x = f->active;
    while (x && !x->doomed) x = x->next;
    f->ndoomed--;
    if (!x) continue;
    x->doomed = false;
    deliver(x, CURLE_ABORTED_BY_CALLBACK, false);
  }
}

static void drain_messages(vt_fetcher *f) {
  CURLMsg *m;
  int left;
  reap_doomed(f);
  /* A callback may close the fetcher (multi is then gone): re-check every round. */
  while (!f->closing && (m = curl_multi_info_read(f->multi, &left)) != NULL) {
    if (m->msg != CURLMSG_DONE) continue;
    char *priv = NULL;
    CURLcode rc = m->data.result;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &priv);
    vt_fetch *x = (vt_fetch *)(void *)priv;
    if (x && x->state == FS_ACTIVE) deliver(x, rc, false);
  }
}

/* ---- libuv <-> curl glue ---- */

static void on_timer(uv_timer_t *t) {
  vt_fetcher *f = t->data;
  int running = 0;
  if (f->closing) return;
  curl_multi_socket_action(f->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  drain_messages(f);
}

static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp) {
  vt_fetcher *f = userp;
  (void)multi;
  if (timeout_ms < 0) uv_timer_stop(&f->timer);
  else uv_timer_start(&f->timer, on_timer, (uint64_t)timeout_ms, 0);
  return 0;
}

static void on_poll(uv_poll_t *h, int status, int events) {
  sock_ctx *c = h->data;
  vt_fetcher *f = c->f;
  int flags = 0, running = 0;
  if (f->closing) return;
  if (status < 0) flags = CURL_CSELECT_ERR;
  if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
  if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  /* c may be closed inside this call; do not touch it afterwards. */
  curl_multi_socket_action(f->multi, c->fd, flags, &running);
  drain_messages(f);
}

/* A request on the native HTTP/1.1 client finished: same bookkeeping as deliver(). */
static void on_h1_done(const vt_fetch_result *r, void *ud) {
  vt_fetch *x = ud;
  vt_fetcher *f = x->f;
  x->h1 = NULL;
  active_unlink(f, x);
  x->state = FS_DELIVERING;
  f->stats.bytes_in += r->body_len;
  if (r->error == VT_FETCH_OK) f->stats.completed++;
  else f->stats.failed++;
  x->cb(r, x->ud);
  fetch_release(x);
}

static void maybe_finish_close(vt_fetcher *f) {
  if (!f->closing || f->open_handles) return;
  void (*done)(void *) = f->done;
  void *arg = f->done_arg;
  curl_slist_free_all(f->post_hdrs);
  curl_share_cleanup(f->share); /* every easy handle is gone by now */
  free((char *)f->lim.ca_file);
  free(f);
  if (done) done(arg);
}

static void on_h1_closed(void *arg) {
  vt_fetcher *f = arg;
  f->open_handles--;
  maybe_finish_close(f);
}

static void on_timer_closed(uv_handle_t *h) {
  vt_fetcher *f = h->data;
  f->open_handles--;
  maybe_finish_close(f);
}

static void on_poll_closed(uv_handle_t *h) {
  sock_ctx *c = h->data;
  vt_fetcher *f = c->f;
  free(c);
  f->open_handles--;
  maybe_finish_close(f);
}

static void sock_close(sock_ctx *c) {
  vt_fetcher *f = c->f;
  if (c->prev) c->prev->next = c->next;
  else f->socks = c->next;
  if (c->next) c->next->prev = c->prev;
  c->prev = c->next = NULL;
  uv_poll_stop(&c->poll);
  uv_close((uv_handle_t *)&c->poll, on_poll_closed);
}

static void doom_request(vt_fetcher *f, CURL *e) {
  char *priv = NULL;
  if (e) curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
  vt_fetch *x = (vt_fetch *)(void *)priv;
  if (x && x->state == FS_ACTIVE && !x->doomed) {
    x->doomed = true;
    f->ndoomed++;
  }
}

static int curl_socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp) {
  vt_fetcher *f = userp;
  sock_ctx *c = socketp;
  if (what == CURL_POLL_REMOVE) {
    if (c) sock_close(c); /* curl drops its own record of s after this returns */
    return 0;
  }
  if (what < 0 || what > 3) goto doom;
  if (!c) {
    c = calloc(1, sizeof *c);
    if (!c) goto doom;
    if (uv_poll_init_socket(f->loop, &c->poll, s) != 0) {
      free(c);
      goto doom;
    }
    c->fd = s;
    c->f = f;
    c->poll.data = c;
    c->next = f->socks;
    if (f->socks) f->socks->prev = c;
    f->socks = c;
    f->open_handles++;
    curl_multi_assign(f->multi, s, c);
  }
  if (uv_poll_start(&c->poll, poll_events[what], on_poll) != 0) goto doom;
  return 0;
doom:
  /* Returning -1 may make curl treat the whole multi handle as failed; fail only this
   * request instead: drain_messages(), which always follows socket_action, reaps it. */
  doom_request(f, e);
  return 0;
}

/* ---- public API ---- */

vt_fetcher *vt_fetcher_new(uv_loop_t *loop, const vt_fetcher_limits *l) {
  vt_fetcher *f = NULL, *ret = NULL;
  pthread_once(&curl_once, curl_init_once);
  if (!loop || curl_init_rc != CURLE_OK) goto out;
  f = calloc(1, sizeof *f);
  if (!f) goto out;
  f->loop = loop;
  f->reuse_easy = curl_version_info(CURLVERSION_NOW)->version_num >= CURL_REUSE_SAFE_VERSION;
  if (l) f->lim = *l;
  else vt_fetcher_limits_default(&f->lim);
  if (f->lim.ca_file) {
    if (strnlen(f->lim.ca_file, CA_PATH_MAX + 1) > CA_PATH_MAX) f->lim.ca_file = NULL;
    else f->lim.ca_file = strdup(f->lim.ca_file);
    if (!f->lim.ca_file) goto out;
  }
  f->post_hdrs = curl_slist_append(NULL, "Content-Type: application/json");
  if (f->post_hdrs) {
    struct curl_slist *t = curl_slist_append(f->post_hdrs, "Expect:");
    if (!t) goto out;
  }
  if (!f->post_hdrs || !(f->multi = curl_multi_init()) || !(f->share = curl_share_init())) goto out;
  if (curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) goto out;
  CURLMcode mc = CURLM_OK;
  mc |= curl_multi_setopt(f->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
  mc |= curl_multi_setopt(f->multi, CURLMOPT_SOCKETDATA, (void *)f);
  mc |= curl_multi_setopt(f->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
  mc |= curl_multi_setopt(f->multi, CURLMOPT_TIMERDATA, (void *)f);
  mc |= curl_multi_setopt(f->multi, CURLMOPT_PIPELINING,
                          f->lim.http2 ? (long)CURLPIPE_MULTIPLEX : (long)CURLPIPE_NOTHING);
  mc |= curl_multi_setopt(f->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)f->lim.max_host_connections);
  mc |= curl_multi_setopt(f->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)f->lim.max_total_connections);
  if (f->lim.max_total_connections)
    mc |= curl_multi_setopt(f->multi, CURLMOPT_MAXCONNECTS, (long)f->lim.max_total_connections);
  if (mc != CURLM_OK) goto out;
  const char *curl_only = getenv("VERITY_FETCH_CURL_ONLY");
  if (!(curl_only && strcmp(curl_only, "1") == 0) && !(f->h1 = vt_h1_new(loop, &f->lim))) goto out;
  if (uv_timer_init(loop, &f->timer) != 0) goto out;
  f->timer.data = f;
  f->open_handles = f->h1 ? 2 : 1; /* the timer, and the h1 client until its done() */
  ret = f;
  f = NULL; /* the caller owns it now */
out:
  if (f) {
    if (f->h1) vt_h1_close(f->h1, NULL, NULL); /* frees itself from the loop */
    if (f->multi) curl_multi_cleanup(f->multi);
    if (f->share) curl_share_cleanup(f->share);
    curl_slist_free_all(f->post_hdrs);
    free((char *)f->lim.ca_file);
    free(f);
  }
  return ret;
}

/* Per-request header list: the caller's headers plus Content-Type/Expect defaults. */
static bool build_headers(vt_fetcher *f, vt_fetch *x, const vt_fetch_opts *o, bool post) {
  bool have_ct = false, have_expect = false;
  x->hdrs = NULL;
  if (o->nheaders == 0) return curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, post ? f->post_hdrs : NULL) == CURLE_OK;
  for (size_t i = 0; i < o->nheaders; i++) {
    const char *h = o->headers[i];
    struct curl_slist *t = curl_slist_append(x->hdrs, h);
    if (!t) return false;
    x->hdrs = t;
    if (strncasecmp(h, "content-type:", 13) == 0) have_ct = true;
    if (strncasecmp(h, "expect:", 7) == 0) have_expect = true;
  }
  for (const struct curl_slist *d = post ? f->post_hdrs : NULL; d; d = d->next) {
    bool ct = strncasecmp(d->data, "content-type:", 13) == 0;
    if ((ct && have_ct) || (!ct && have_expect)) continue;
    struct curl_slist *t = curl_slist_append(x->hdrs, d->data);
    if (!t) return false;
    x->hdrs = t;
  }
  return curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->hdrs) == CURLE_OK;
}


vt_fetch *vt_fetch_start(vt_fetcher *f, const vt_fetch_opts *o, vt_fetch_cb cb, void *ud) {
  vt_fetch *x = NULL, *ret = NULL;
  if (!f || !o || !cb || f->closing || !vt_h1_opts_valid(o)) goto out; /* one validator for both paths */
  if (f->h1 && vt_h1_handles(o->url)) {
    x = fetch_acquire(f, false);
    if (!x) goto out;
    x->cb = cb;
    x->ud = ud;
    x->start_ns = uv_hrtime();
    x->h1 = vt_h1_start(f->h1, o, on_h1_done, x); /* never calls back inside */
    if (!x->h1) goto out;
    x->state = FS_ACTIVE;
    active_link(f, x);
    f->stats.started++;
    ret = x;
    x = NULL; /* the in-flight list owns it now */
    goto out;
  }
  x = fetch_acquire(f, true);
  if (!x) goto out;
  bool post = o->body != NULL;
  size_t cap = o->max_response ? o->max_response : VT_FETCH_DEFAULT_MAX_RESPONSE;
  if (cap > VT_FETCH_MAX_RESPONSE_CAP) cap = VT_FETCH_MAX_RESPONSE_CAP;
  x->resp.max = cap;
  x->too_large = x->oom = x->doomed = false;
  reset_response_headers(x);
  CURL *e = x->easy;
  CURLcode rc = CURLE_OK;
  rc |= curl_easy_setopt(e, CURLOPT_URL, o->url);
  /* Wait for a connection being set up only where ALPN can offer h2 (https): over
   * plain http the answer comes with the first response, so a slow request would
   * stall every other request to that host behind it. */
  bool tls = strncasecmp(o->url, "https:", 6) == 0;
  rc |= curl_easy_setopt(e, CURLOPT_PIPEWAIT, (f->lim.http2 && tls) ? 1L : 0L);
  rc |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms);
  rc |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)o->connect_timeout_ms);
  rc |= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cap);
  if (post) {
    vt_buf_reset(&x->req);
    if (!vt_buf_append(&x->req, o->body, o->body_len)) goto out;
    rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
    rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->req.data ? x->req.data : "");
  } else { /* drop a recycled handle's body pointer too, then switch back to GET */
    rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, (char *)NULL);
    rc |= curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  }
  if (rc != CURLE_OK || !build_headers(f, x, o, post)) goto out;
  x->cb = cb;
  x->ud = ud;
  x->start_ns = uv_hrtime();
  /* add_handle only arms the timer (0 ms): completion is always from the loop. */
  if (curl_multi_add_handle(f->multi, e) != CURLM_OK) goto out;
  x->state = FS_ACTIVE;
  active_link(f, x);
  f->stats.started++;
  ret = x;
  x = NULL; /* the in-flight list owns it now */
out:
  if (x) fetch_release(x);
  return ret;
}

void vt_fetch_cancel(vt_fetch *x) {
  if (!x || x->state != FS_ACTIVE) return; /* delivering (own callback) or idle: no-op */
  vt_fetcher *f = x->f;
  active_unlink(f, x);
  if (x->h1) {
    vt_h1_cancel(x->h1);
    x->h1 = NULL;
  } else {
    curl_multi_remove_handle(f->multi, x->easy); /* also drops a queued DONE message */
  }
  f->stats.cancelled++;
  fetch_release(x);
}

void vt_fetcher_close(vt_fetcher *f, void (*done)(void *arg), void *arg) {
  if (!f || f->closing) return;
  f->done = done;
  f->done_arg = arg;
  f->closing = true; /* from here vt_fetch_start() refuses */
  /* Deliver shutdown while curl is still alive: callbacks may cancel other requests. */
  while (f->active) deliver(f->active, CURLE_OK, true);
  while (f->free_list) {
    vt_fetch *x = f->free_list;
    f->free_list = x->next;
    fetch_destroy(x);
  }
  f->nfree = 0;
  curl_multi_cleanup(f->multi); /* closes cached connections: REMOVE for their sockets */
  f->multi = NULL;
  if (f->h1) vt_h1_close(f->h1, on_h1_closed, f); /* nothing in flight there any more */
  f->h1 = NULL;
  while (f->socks) sock_close(f->socks);
  uv_timer_stop(&f->timer);
  uv_close((uv_handle_t *)&f->timer, on_timer_closed);
}

void vt_fetcher_stats(const vt_fetcher *f, vt_fetch_stats *out) { *out = f->stats; }

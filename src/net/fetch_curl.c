/*
 * fetch_curl.c: the curl glue of the upstream client (see fetch_int.h for the split,
 * fetch.h for the contract).
 *
 * How it is driven: curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION ->
 * one uv_poll_t per socket, stored with curl_multi_assign) and when to wake it
 * (CURLMOPT_TIMERFUNCTION -> the fetcher's uv_timer_t). Our poll and timer callbacks
 * call curl_multi_socket_action() and then drain curl_multi_info_read(); results go to
 * the dispatch (vt_fetch__deliver) only from that drain, never from inside a curl
 * callback, so a user callback may call back into curl (start, cancel, close) freely.
 *
 * Each easy handle is configured once with the fixed options (no signals, TCP_NODELAY,
 * http/https only, no redirects, HTTP/2 over TLS, never a proxy, not even from the
 * environment); per request only URL, headers, body, timeouts and caps are set. A curl
 * share object holds the TLS session cache, so a new connection to a known upstream
 * resumes its session whichever easy handle opens it. Error texts are static: curl's
 * error buffer may quote the URL, which carries keys. uv_poll handles are freed in
 * their close callbacks, which report to the dispatch.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net/fetch_int.h"

#define HDR_VALUE_MAX 128u /* Retry-After / Date values we parse */

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

bool vt_fetch__curl_global_init(void) {
  pthread_once(&curl_once, curl_init_once);
  return curl_init_rc == CURLE_OK;
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

/* ---- easy handles ---- */

/* The options every request shares; set once per easy handle. */
bool vt_fetch__easy_setup(vt_fetcher *f, vt_fetch *x) {
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


/* ---- completion ---- */

static int http_version_of(long v) {
  switch (v) {
  case CURL_HTTP_VERSION_1_0:
  case CURL_HTTP_VERSION_1_1: return 1;
  case CURL_HTTP_VERSION_2_0: return 2;
  default: return 0;
  }
}

void vt_fetch__fill_result(vt_fetch *x, CURLcode rc, vt_fetch_result *r) {
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


/* Fail the requests whose socket we could not watch (see curl_socket_cb). */
static void reap_doomed(vt_fetcher *f) {
  while (f->ndoomed && !f->closing) {
    vt_fetch *x = f->active;
    while (x && !x->doomed) x = x->next;
    f->ndoomed--;
    if (!x) continue;
    x->doomed = false;
    vt_fetch__deliver(x, CURLE_ABORTED_BY_CALLBACK, false);
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
    if (x && x->state == FS_ACTIVE) vt_fetch__deliver(x, rc, false);
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


static void on_poll_closed(uv_handle_t *h) {
  sock_ctx *c = h->data;
  vt_fetcher *f = c->f;
  free(c);
  vt_fetch__handle_closed(f);
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


/* ---- the curl half of the fetcher ---- */

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


bool vt_fetch__curl_setup(vt_fetcher *f) {
  f->post_hdrs = curl_slist_append(NULL, "Content-Type: application/json");
  if (!f->post_hdrs || !curl_slist_append(f->post_hdrs, "Expect:")) return false;
  if (!(f->multi = curl_multi_init()) || !(f->share = curl_share_init())) return false;
  if (curl_share_setopt(f->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) return false;
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
  return mc == CURLM_OK;
}

bool vt_fetch__curl_begin(vt_fetcher *f, vt_fetch *x, const vt_fetch_opts *o) {
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
    if (!vt_buf_append(&x->req, o->body, o->body_len)) return false;
    rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
    rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->req.data ? x->req.data : "");
  } else { /* drop a recycled handle's body pointer too, then switch back to GET */
    rc |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, (char *)NULL);
    rc |= curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  }
  if (rc != CURLE_OK || !build_headers(f, x, o, post)) return false;
  /* add_handle only arms the timer (0 ms): completion is always from the loop. */
  return curl_multi_add_handle(f->multi, e) == CURLM_OK;
}

void vt_fetch__curl_shutdown(vt_fetcher *f) {
  curl_multi_cleanup(f->multi); /* closes cached connections: REMOVE for their sockets */
  f->multi = NULL;
  while (f->socks) sock_close(f->socks);
}

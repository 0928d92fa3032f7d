/*
 * fetch.h: the upstream HTTP(S) client. libcurl's multi interface driven by a libuv
 * loop (curl_multi_socket_action, one uv_poll_t per socket, one uv_timer_t).
 *
 * Who calls it: the upstream pool (src/gateway/) and the anchor's beacon fetches. One
 * vt_fetcher per loop; it owns one curl multi handle, so connections are kept alive
 * and reused across requests (and multiplexed over HTTP/2 where the server offers it).
 *
 * Lifecycle and ownership:
 *  - vt_fetch_start() copies everything it needs out of vt_fetch_opts (URL, headers,
 *    body): the caller's opts may be freed as soon as it returns.
 *  - The callback runs exactly once per started request, always from the loop, never
 *    inside vt_fetch_start(); unless the request is cancelled with vt_fetch_cancel(),
 *    after which it is never called. r->body is valid only during the callback.
 *  - The vt_fetch pointer is valid from vt_fetch_start() until its callback begins or
 *    vt_fetch_cancel() returns. Request objects are recycled: using a pointer after
 *    that is a bug (it may name a newer request).
 *  - Inside a callback it is safe to start new requests, cancel other requests, cancel
 *    the current one (a no-op) and close the fetcher.
 *  - vt_fetcher_close(): CHOSEN CONTRACT: every request still in flight gets its
 *    callback with VT_FETCH_E_SHUTDOWN, synchronously inside vt_fetcher_close(), so the
 *    caller can free per-request state in one place. vt_fetch_start() returns NULL once
 *    close has begun. Then uv handles are closed, memory is freed in the close
 *    callbacks, and done(arg) runs from the loop when all is released.
 *
 * Outcome: error == VT_FETCH_OK means an HTTP response arrived in full with a status
 * in 200..599 (4xx/5xx included; the pool judges the status). A 3xx is reported as
 * VT_FETCH_E_TRANSPORT because redirects are never followed, and so is any other
 * status (a broken reply). error_msg never contains the URL (URLs carry API keys).
 *
 * Times come from libuv's monotonic clock (uv_hrtime, the loop clock's source).
 * No proxy is ever used (http_proxy and friends in the environment are ignored).
 */
#ifndef VT_NET_FETCH_H
#define VT_NET_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

/* Input caps: vt_fetch_start() returns NULL when one is passed. */
#define VT_FETCH_MAX_URL          8192u              /* bytes of URL */
#define VT_FETCH_MAX_HEADERS      32u                /* caller headers per request */
#define VT_FETCH_MAX_HEADER_LEN   8192u              /* bytes per "Name: value" */
#define VT_FETCH_MAX_REQUEST_BODY (16u * 1024 * 1024) /* bytes of POST body */
/* Response cap: max_response 0 means the default; larger values are clamped. */
#define VT_FETCH_DEFAULT_MAX_RESPONSE (32u * 1024 * 1024)
#define VT_FETCH_MAX_RESPONSE_CAP     (256u * 1024 * 1024)
#define VT_FETCH_MAX_RETRY_AFTER_S    86400.0        /* Retry-After is clamped to this */
#define VT_FETCH_MAX_CONTENT_TYPE     128u           /* bytes of Content-Type kept */

typedef struct vt_fetcher vt_fetcher;
typedef struct vt_fetch vt_fetch; /* one in-flight request */

typedef enum {
  VT_FETCH_OK = 0,
  VT_FETCH_E_CONNECT,   /* no connection: refused, unresolvable, bad URL/scheme */
  VT_FETCH_E_TIMEOUT,   /* timeout_ms or connect_timeout_ms passed */
  VT_FETCH_E_TOO_LARGE, /* response body over max_response (transfer aborted early) */
  VT_FETCH_E_TRANSPORT, /* reset, truncated, TLS, bad HTTP, redirect */
  VT_FETCH_E_CANCELLED, /* reserved: cancelled requests get no callback */
  VT_FETCH_E_SHUTDOWN   /* vt_fetcher_close() while in flight */
} vt_fetch_error;

typedef struct {
  vt_fetch_error error;
  const char *error_msg; /* human text; "" when OK; never contains the URL */
  long http_status;      /* 0 if no HTTP response */
  const char *body;      /* valid only during the callback; NUL-terminated */
  size_t body_len;
  double retry_after_s;  /* parsed Retry-After (seconds or HTTP-date), -1 if absent */
  double elapsed_ms;     /* from start to completion */
  double connect_ms;     /* time to connect (0 if the connection was reused) */
  int http_version;      /* 1 or 2 (0 if no HTTP response) */
  const char *content_type; /* the response's Content-Type as sent, NUL-terminated; "" if
                               absent (or, native client, over VT_FETCH_MAX_CONTENT_TYPE
                               bytes); valid only during the callback */
} vt_fetch_result;

typedef void (*vt_fetch_cb)(const vt_fetch_result *r, void *ud);

typedef struct {
  const char *url;                   /* http:// or https:// only */
  const char *const *headers;        /* "Name: value" */
  size_t nheaders;
  const char *body;                  /* POST when body != NULL, else GET */
  size_t body_len;
  unsigned timeout_ms;               /* whole request; 0 = no limit */
  unsigned connect_timeout_ms;       /* 0 = curl's default (300 s) */
  size_t max_response;               /* cap on body bytes -> VT_FETCH_E_TOO_LARGE */
} vt_fetch_opts;

typedef struct {
  unsigned max_host_connections;     /* per host:port; 0 = unlimited */
  unsigned max_total_connections;    /* 0 = unlimited */
  long keepalive_idle_s;             /* idle connections older than this are not reused;
                                        also the TCP keepalive idle time */
  bool http2;                        /* offer h2 over TLS (ALPN) and multiplex */
  const char *ca_file;               /* PEM bundle trusted instead of the system store
                                        (an operator's private CA); NULL = system.
                                        Copied. Peer verification is always on. */
} vt_fetcher_limits;

/* Defaults: 32 per host, 256 total, 60 s idle, HTTP/2 on, system CA store. */
void vt_fetcher_limits_default(vt_fetcher_limits *l);

/* NULL on allocation or curl init failure. l may be NULL for the defaults. */
vt_fetcher *vt_fetcher_new(uv_loop_t *loop, const vt_fetcher_limits *l)
    __attribute__((warn_unused_result));

/* NULL (nothing started, no callback) on invalid options (NULL url or cb, a cap
 * passed), resource failure, or a fetcher that is closing. */
vt_fetch *vt_fetch_start(vt_fetcher *f, const vt_fetch_opts *o, vt_fetch_cb cb, void *ud)
    __attribute__((warn_unused_result));

/* Safe from any callback; after it, cb is never called for x. NULL is a no-op. */
void vt_fetch_cancel(vt_fetch *x);

/* See the contract above: in-flight requests get VT_FETCH_E_SHUTDOWN callbacks inside
 * this call; done(arg) (may be NULL) runs from the loop once everything is freed. */
void vt_fetcher_close(vt_fetcher *f, void (*done)(void *arg), void *arg);

typedef struct {
  uint64_t started;   /* vt_fetch_start() that returned non-NULL */
  uint64_t completed; /* callbacks with VT_FETCH_OK (any HTTP status) */
  uint64_t failed;    /* callbacks with an error (shutdown included) */
  uint64_t cancelled; /* vt_fetch_cancel() on an in-flight request */
  uint64_t bytes_in;  /* response body bytes received */
  unsigned in_flight;
} vt_fetch_stats;

void vt_fetcher_stats(const vt_fetcher *f, vt_fetch_stats *out);

/* A short stable name for logs and metric labels: "ok", "connect", "timeout",
 * "too_large", "transport", "cancelled", "shutdown" ("unknown" otherwise). */
const char *vt_fetch_error_name(vt_fetch_error e);

#endif

/*
 * h1client.h: a native HTTP/1.1 keep-alive client for plain http:// upstreams (the
 * operator's own node, LAN nodes, other verity instances), on libuv TCP handles.
 *
 * Why it exists: the curl path (fetch.c) costs per request a poll() liveness check and
 * several epoll_ctl calls as curl toggles interest through uv_poll. This client keeps
 * uv_read_start on for a connection's whole life and writes each request with one
 * uv_write of a pre-built buffer, so a reused connection costs about one write and one
 * read per request. https:// and everything else stays on curl.
 *
 * Who calls it: fetch.c dispatches http:// URLs here (unless VERITY_FETCH_CURL_ONLY=1);
 * the types are fetch.h's (vt_fetch_opts, vt_fetch_result, vt_fetch_cb), so the
 * contract is the same as vt_fetch_start's:
 *  - vt_h1_start() copies what it needs from the opts; the callback runs exactly once,
 *    always from the loop (never inside vt_h1_start), unless the request is cancelled.
 *    A malformed URL or an unresolvable host is reported through the callback
 *    (VT_FETCH_E_CONNECT); invalid options (a cap passed, NULL url/cb) return NULL.
 *  - The vt_h1_req pointer is valid until its callback begins or vt_h1_cancel()
 *    returns; request objects are recycled. r->body is valid only during the callback.
 *  - Cancel, start and close are safe from any callback.
 *  - vt_h1_close(): in-flight requests get VT_FETCH_E_SHUTDOWN callbacks inside the
 *    call; done(arg) runs from the loop once every handle is closed and freed.
 *
 * Pooling: one pool per origin (host:port), one request in flight per connection (no
 * pipelining), idle connections reused newest first, at most max_host_connections per
 * origin (0 = unlimited) with a FIFO queue for the rest, idle connections closed after
 * keepalive_idle_s. A reused connection that fails before any response byte arrives
 * (the keep-alive race: the server closed it while idle) is retried once on a fresh
 * connection. Hostnames other than IP literals and "localhost" are resolved with
 * uv_getaddrinfo and cached per origin for VT_H1_DNS_TTL_S seconds.
 */
#ifndef VT_NET_H1CLIENT_H
#define VT_NET_H1CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "net/fetch.h"

#define VT_H1_MAX_ORIGINS   256u            /* distinct host:port pools per client */
#define VT_H1_DNS_TTL_S     60u             /* resolved addresses are reused this long */
#define VT_H1_CONNECT_DEFAULT_MS 300000u    /* connect_timeout_ms 0 (curl's default) */

typedef struct vt_h1 vt_h1;
typedef struct vt_h1_req vt_h1_req;

typedef struct {
  uint64_t started, completed, failed, cancelled, bytes_in;
  uint64_t conns_opened; /* TCP connections attempted */
  uint64_t reused;       /* requests sent on a connection that had served one before */
  uint64_t retried;      /* stale keep-alive connections retried on a fresh one */
  unsigned in_flight;
  unsigned open_conns;   /* connecting, busy or idle (not closing) */
} vt_h1_stats;

/* True when url is one this client serves: scheme "http://" (any case). */
bool vt_h1_handles(const char *url);

/* l: max_host_connections and keepalive_idle_s are used (NULL = fetch.h defaults);
 * max_total_connections is not: connections are bounded per origin, and origins by
 * VT_H1_MAX_ORIGINS (a URL for one more origin fails with VT_FETCH_E_CONNECT).
 * http2 and ca_file concern TLS, which this client never speaks. NULL on OOM. */
vt_h1 *vt_h1_new(uv_loop_t *loop, const vt_fetcher_limits *l) __attribute__((warn_unused_result));

vt_h1_req *vt_h1_start(vt_h1 *c, const vt_fetch_opts *o, vt_fetch_cb cb, void *ud)
    __attribute__((warn_unused_result));

/* After it, cb is never called for q. NULL, or the request inside its own callback,
 * is a no-op. A request already written closes its connection (the reply is unread). */
void vt_h1_cancel(vt_h1_req *q);

void vt_h1_close(vt_h1 *c, void (*done)(void *arg), void *arg);

void vt_h1_get_stats(const vt_h1 *c, vt_h1_stats *out);

#endif

/*
 * fetch_int.h: what the two halves of the upstream client share. Internal to src/net.
 *
 * fetch.c is the dispatch: request objects (created once, recycled through a free
 * list), the in-flight list, the choice between the native HTTP/1.1 client (h1client.c)
 * and curl, delivery of results, cancel and close. fetch_curl.c is the curl glue: the
 * multi handle driven by libuv (sockets, timer), easy-handle options, header and body
 * callbacks, and turning a finished transfer into a vt_fetch_result. The glue calls
 * back into the dispatch only through vt_fetch__deliver() (a transfer is done) and
 * vt_fetch__handle_closed() (one of the fetcher's uv handles went through its close
 * callback); the two files are one unit split by job. The vt_fetcher owns every
 * vt_fetch and sock_ctx; see fetch.h for the public contract.
 */
#ifndef VT_NET_FETCH_INT_H
#define VT_NET_FETCH_INT_H

#include <curl/curl.h>
#include <time.h>

#include "net/fetch.h"
#include "net/h1client.h"
#include "util/buf.h"

#define VT_FETCH_MSG_MAX 192u /* bytes of a result's error text */

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
  char msg[VT_FETCH_MSG_MAX];
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


/* ---- the curl glue (fetch_curl.c) ---- */

/* curl_global_init, once per process; false when it failed. */
bool vt_fetch__curl_global_init(void);
/* The multi handle, the share object and the shared POST headers of a new fetcher. */
bool vt_fetch__curl_setup(vt_fetcher *f);
/* Give x an easy handle with the options every request shares. */
bool vt_fetch__easy_setup(vt_fetcher *f, vt_fetch *x);
/* Configure x's easy handle for o and add it to the multi handle. */
bool vt_fetch__curl_begin(vt_fetcher *f, vt_fetch *x, const vt_fetch_opts *o);
/* The outcome of x's finished transfer (rc from curl). */
void vt_fetch__fill_result(vt_fetch *x, CURLcode rc, vt_fetch_result *r);
/* At close, after every request was delivered: free the multi handle, close sockets. */
void vt_fetch__curl_shutdown(vt_fetcher *f);

/* ---- the dispatch (fetch.c) ---- */

/* Detach x from the in-flight list (and curl), run its callback, recycle it. */
void vt_fetch__deliver(vt_fetch *x, CURLcode rc, bool shutdown);
/* One of f's uv handles has closed: free f once the last one has and close began. */
void vt_fetch__handle_closed(vt_fetcher *f);

#endif

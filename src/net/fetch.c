/*
 * fetch.c: the dispatch of the upstream HTTP(S) client (see fetch.h for the contract,
 * fetch_int.h for how it is split from the curl glue in fetch_curl.c).
 *
 * Plain http:// URLs go to a native HTTP/1.1 keep-alive client (h1client.c) that the
 * fetcher owns: about one write and one read per request on a reused connection,
 * where curl adds liveness polls and epoll_ctl churn. Everything else goes to libcurl's
 * multi interface (fetch_curl.c). A vt_fetch then wraps either a vt_h1_req (x->h1) or
 * a curl easy transfer; handles, cancel, close and stats are the same for callers.
 * VERITY_FETCH_CURL_ONLY=1 in the environment (read by vt_fetcher_new) keeps every URL
 * on curl, so both paths stay testable.
 *
 * Ownership: the fetcher owns every vt_fetch. Finished requests go back to a small free
 * list so the next request skips easy-handle setup. Exception: libcurl before 8.1.0
 * keeps a dangling pointer to the previous transfer's last header in a reused easy
 * handle (fixed upstream in 8.1.0, "headers: clear (possibly) lingering pointer in
 * init"); a reply whose first header line is a folded continuation then reads freed
 * memory. Our fuzzer found it on 7.88. On such versions the easy handle is discarded
 * after each transfer (the vt_fetch and its buffers are still recycled). uv handles
 * are freed only in their close callbacks; the fetcher itself is freed when the last
 * of them has closed (vt_fetch__handle_closed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/fetch_int.h"
#include "net/h1wire.h"

#define FREE_LIST_MAX       64u            /* idle request objects kept for reuse */
#define KEEP_BUF_MAX        (64u * 1024)   /* larger buffers are released on recycle */
#define CA_PATH_MAX         4096u          /* bytes of limits.ca_file */
#define CURL_REUSE_SAFE_VERSION 0x080100u  /* 8.1.0: easy handles safe to reuse */

void vt_fetcher_limits_default(vt_fetcher_limits *l) {
  l->max_host_connections = 32;
  l->max_total_connections = 256;
  l->keepalive_idle_s = 60;
  l->http2 = true;
  l->ca_file = NULL;
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
    if (!x->easy || !vt_fetch__easy_setup(f, x)) {
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

/* Detach x from curl and the in-flight list, run its callback, recycle it. */
void vt_fetch__deliver(vt_fetch *x, CURLcode rc, bool shutdown) {
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
    vt_fetch__fill_result(x, rc, &r);
  }
  f->stats.bytes_in += x->resp.len;
  if (r.error == VT_FETCH_OK) f->stats.completed++;
  else f->stats.failed++;
  x->cb(&r, x->ud);
  fetch_release(x);
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

void vt_fetch__handle_closed(vt_fetcher *f) {
  f->open_handles--;
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
  vt_fetch__handle_closed(f);
}

static void on_timer_closed(uv_handle_t *h) {
  vt_fetcher *f = h->data;
  vt_fetch__handle_closed(f);
}


/* ---- public API ---- */

vt_fetcher *vt_fetcher_new(uv_loop_t *loop, const vt_fetcher_limits *l) {
  vt_fetcher *f = NULL, *ret = NULL;
  if (!loop || !vt_fetch__curl_global_init()) goto out;
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
  if (!vt_fetch__curl_setup(f)) goto out;
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
  x->cb = cb;
  x->ud = ud;
  x->start_ns = uv_hrtime();
  if (!vt_fetch__curl_begin(f, x, o)) goto out;
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
  while (f->active) vt_fetch__deliver(f->active, CURLE_OK, true);
  while (f->free_list) {
    vt_fetch *x = f->free_list;
    f->free_list = x->next;
    fetch_destroy(x);
  }
  f->nfree = 0;
  vt_fetch__curl_shutdown(f);
  if (f->h1) vt_h1_close(f->h1, on_h1_closed, f); /* nothing in flight there any more */
  f->h1 = NULL;
  uv_timer_stop(&f->timer);
  uv_close((uv_handle_t *)&f->timer, on_timer_closed);
}

void vt_fetcher_stats(const vt_fetcher *f, vt_fetch_stats *out) { *out = f->stats; }


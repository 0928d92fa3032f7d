/*
 * redis_uv.c: drives a hiredis async context from a libuv loop (one uv_poll_t per
 * connection), used by redis.c instead of hiredis 0.14's bundled adapters/libuv.h.
 *
 * Why not the bundled adapter: libuv reports POLLERR/POLLHUP as a poll callback with a
 * negative status and stops the watcher; the 0.14 adapter returns on any non-zero status,
 * so a refused connect or a reset connection is never handed to hiredis and the context
 * sits dead until some timeout. Here an error status is passed on as "ready" for the
 * events we were waiting for, so hiredis' own read/write finds the socket error and runs
 * its connect or disconnect callback at once.
 *
 * Ownership: hiredis owns the watcher through ac->ev; its cleanup hook closes the handle
 * and the close callback frees it. Single-threaded, like the loop.
 */
#include "store/redis_int.h"

#include <hiredis/async.h>
#include <stdlib.h>

typedef struct {
  uv_poll_t poll;
  redisAsyncContext *ac; /* NULL once hiredis has cleaned up */
  int events;
} uv_watch;

static void watch_cb(uv_poll_t *h, int status, int events) {
  uv_watch *w = h->data;
  if (status < 0) events = w->events; /* let hiredis read the error off the socket */
  if (w->ac && (events & UV_WRITABLE)) redisAsyncHandleWrite(w->ac);
  if (w->ac && (events & UV_READABLE)) redisAsyncHandleRead(w->ac);
}

static void watch_update(uv_watch *w) {
  if (w->events) uv_poll_start(&w->poll, w->events, watch_cb);
  else uv_poll_stop(&w->poll);
}

static void add_read(void *p) {
  uv_watch *w = p;
  w->events |= UV_READABLE;
  watch_update(w);
}
static void del_read(void *p) {
  uv_watch *w = p;
  w->events &= ~UV_READABLE;
  watch_update(w);
}
static void add_write(void *p) {
  uv_watch *w = p;
  w->events |= UV_WRITABLE;
  watch_update(w);
}
static void del_write(void *p) {
  uv_watch *w = p;
  w->events &= ~UV_WRITABLE;
  watch_update(w);
}

static void watch_closed(uv_handle_t *h) { free(h->data); }

static void cleanup(void *p) {
  uv_watch *w = p;
  w->ac = NULL; /* hiredis is freeing the context */
  uv_close((uv_handle_t *)&w->poll, watch_closed);
}

int vt_redis__uv_attach(redisAsyncContext *ac, uv_loop_t *loop) {
  if (ac->ev.data) return REDIS_ERR;
  uv_watch *w = calloc(1, sizeof *w);
  if (!w) return REDIS_ERR;
  if (uv_poll_init(loop, &w->poll, ac->c.fd) != 0) {
    free(w);
    return REDIS_ERR;
  }
  w->poll.data = w;
  w->ac = ac;
  ac->ev.addRead = add_read;
  ac->ev.delRead = del_read;
  ac->ev.addWrite = add_write;
  ac->ev.delWrite = del_write;
  ac->ev.cleanup = cleanup;
  ac->ev.data = w;
  return REDIS_OK;
}

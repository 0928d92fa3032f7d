/*
 * filters_int.h: what filters.c (install, load, save, uninstall, Redis, expiry) and
 * filters_poll.c (eth_getFilterChanges / eth_getFilterLogs over the flow) share. Not
 * for use outside src/filters/.
 *
 * One fop is one client call in progress. It owns a working copy of its filter (the
 * table's entry, or what came back from Redis) and the result being built; the copy
 * goes back into the table (and Redis) only when the poll succeeded, so a failed poll
 * moves nothing. The fop is freed by fop_finish after the answer callback ran.
 */
#ifndef VT_FILTERS_INT_H
#define VT_FILTERS_INT_H

#include "filters/filters.h"
#include "filters/fstore.h"
#include "store/redis.h"
#include "util/buf.h"

#define VT_FILTERS_BLOCKS_PER_POLL 256  /* block hashes one poll delivers at most */
#define VT_FILTERS_SWEEP_MS 10000       /* how often idle filters are dropped */
#define VT_FILTERS_REDIS_NS "verity-filters"
#define VT_FILTERS_BY_MAX 160           /* bytes of the served-by list */

struct vt_filters {
  uv_loop_t *loop;
  const vt_config *cfg;
  vt_pool *pool;
  vt_filters_hooks hooks;
  vt_fstore *store;
  vt_redis *redis;          /* NULL without cache.redis */
  uv_timer_t sweep;
  bool closing;
  void (*on_closed)(void *arg);
  void *on_closed_arg;
  vt_filters_stats st;
};

typedef enum { FOP_CHANGES = 0, FOP_LOGS, FOP_UNINSTALL, FOP_NEW } fop_kind;

typedef struct fop fop;
typedef void (*fop_step)(fop *op, const vt_answer *a);

struct fop {
  vt_filters *fs;
  fop_kind kind;
  vt_answer_cb cb;
  void *ud;
  char method[VT_RPC_METHOD_MAX + 1];
  char id[VT_FILTER_ID_MAX];
  vt_filter *f;             /* working copy, owned */
  vt_buf out;               /* the result array */
  size_t nout;
  vt_trust trust;           /* the weakest part of the answer so far */
  char served_by[VT_FILTERS_BY_MAX]; /* upstreams (and tiers) that answered, comma-separated */
  fop_step next;            /* where a sub-call's answer goes */
  uint64_t end;             /* poll: the last block this poll may deliver */
  char *logs;               /* poll: the range's logs (JSON array), until its last header is in */
  size_t logs_len;
  uint64_t t0;
};

/* filters.c */
void fop_ok(fop *op);                                      /* answers out ("[…]") and saves */
void fop_error(fop *op, int code, const char *msg);        /* an error object, nothing saved */
void fop_unavailable(fop *op, const char *why);            /* -32002, nothing saved */
/* A sub-call's answer passed on as the client's (eth_getFilterLogs); saves when OK. */
void fop_relay(fop *op, const vt_answer *a);
void fop_trust(fop *op, const vt_trust *t, const char *by);
/* A sub-call through hooks.run (cached) or hooks.carry (not): step gets the answer. */
void fop_sub(fop *op, bool cached, const char *method, const char *params, fop_step step);

/* filters_pending.c: false when no upstream has `mempool: true` (f not taken) */
bool fpending_new(fop *op, vt_filter *f);
void fpending_poll(fop *op);   /* op->f loaded, kind pending: forwarded to its upstream */

/* filters_poll.c */
void fpoll_changes(fop *op);   /* op->f loaded: its changes since the last poll */
void fpoll_logs(fop *op);      /* op->f loaded: eth_getFilterLogs */

#endif

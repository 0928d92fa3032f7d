/*
 * pool.h: the upstream pool: every upstream's health and head, verity's own head,
 * and sending one JSON-RPC body to one upstream.
 *
 * The pool is the stage nearest the upstreams. It owns the vt_upstream array (health,
 * breaker, budgets: upstream.h), how to reach each one (url and headers, secrets that
 * are never logged), and the head tracker (head.c): every upstream polled for its head
 * and chain id, and `head`, the block `latest` is pinned to. The call engine (call.h)
 * carries one call over the pool. Stages above (plan, prove, features, the gateway)
 * read the pool through this header; the pool calls nothing above it: what it must
 * tell them goes through vt_pool_hooks, set by whoever wires the stages (gateway.c).
 *
 * The gateway holds one vt_pool by value and owns it: vt_pool_init, vt_pool_start,
 * then vt_pool_close (asynchronous: the head timer) and vt_pool_free. The fetcher is
 * borrowed. Everything runs on one libuv loop; nothing is thread-safe or needs to be.
 */
#ifndef VT_POOL_H
#define VT_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "net/fetch.h"
#include "obs/metrics.h"
#include "pool/upstream.h"
#include "util/buf.h"

#define VT_MAX_UPSTREAMS 64

/* How to reach one upstream: secrets live here and in the config only. */
typedef struct {
  const char *url;          /* interpolated: never logged */
  char **headers;           /* "Name: value", interpolated: never logged */
  size_t nheaders;
  unsigned timeout_ms;
  bool trusted;
  vt_fetch *poll;           /* head poll in flight */
  vt_fetch *chain_poll;     /* eth_chainId check in flight */
  uint64_t chain_checked_ms;
  uint64_t poll_t0;
  uint64_t poll_fail_ms;    /* when a poll (head or chain id) last failed; 0 = never */
  const char *ws_url;       /* upstreams[].ws, interpolated: never logged; NULL = poll only */
  struct vt_head_ws *ws;    /* its newHeads subscription (head_ws.c), made on the first tick */
} vt_up_net;

/* The pool's metric families (registered by the gateway in its registry; NULL: none). */
typedef struct {
  vt_metric *up_requests;   /* verity_upstream_requests_total{upstream} */
  vt_metric *up_errors;     /* verity_upstream_errors_total{upstream,kind} */
  vt_metric *up_latency;    /* verity_upstream_latency_seconds{upstream} */
  vt_metric *up_breaker;    /* verity_upstream_breaker_state{upstream} 0/1/2 */
  vt_metric *up_head_lag;   /* verity_upstream_head_lag_blocks{upstream} */
  vt_metric *up_head;       /* verity_upstream_head{upstream} */
  vt_metric *head;          /* verity_head_block */
  vt_metric *hedges;        /* verity_hedged_requests_total{upstream} */
} vt_pool_metrics;

/* What the pool tells the stages above it (all optional). */
typedef struct {
  /* anchor mode lightclient: the light client's verified execution head; false while it
   * has none (then the pool's head does not move). */
  bool (*lc_head)(void *ud, uint64_t *block_number);
  /* the pinned head advanced from old_head to new_head (subscriptions follow it) */
  void (*on_head)(void *ud, uint64_t old_head, uint64_t new_head);
  void *ud;
} vt_pool_hooks;

typedef struct vt_pool {
  uv_loop_t *loop;
  const vt_config *cfg;
  vt_fetcher *fetcher;      /* borrowed */
  vt_upstream ups[VT_MAX_UPSTREAMS];
  vt_up_net net[VT_MAX_UPSTREAMS];
  size_t nups;
  unsigned max_json_depth;  /* of upstream replies */

  /* head: `head` is what `latest` is pinned to (the highest block at least k usable
   * upstreams have reached); `head_reported` only goes up (eth_blockNumber). */
  uint64_t head, head_reported;
  bool head_known;
  uv_timer_t head_timer;
  bool head_timer_init;
  unsigned head_polls_inflight;
  uint64_t started_ms;

  vt_pool_metrics m;
  vt_pool_hooks hooks;
  const char **secrets;     /* every upstream's secrets (borrowed from cfg): redacted */
  size_t nsecrets;
  bool closing;
  void (*on_closed)(void *arg);
  void *on_closed_arg;
} vt_pool;

/* Fill the pool from cfg (upstreams and how to reach them). 0, or -1 with err. */
int vt_pool_init(vt_pool *p, uv_loop_t *loop, const vt_config *cfg, vt_fetcher *fetcher, char *err, size_t errlen);
/* Upstream error texts pass through these before they are noted anywhere (a client's
 * error, -32002 data, last_error, logs): every configured secret becomes ***. The
 * buffer form appends to out; the string form writes at most cap-1 bytes and returns
 * out. */
#define VT_POOL_MAX_ERROR_TEXT (64u * 1024)
bool vt_pool_redact(const vt_pool *p, const char *in, size_t n, vt_buf *out);
const char *vt_pool_redact_str(const vt_pool *p, const char *in, char *out, size_t cap);
/* Start head tracking (head.c). */
void vt_pool_start(vt_pool *p);
/* Stop head tracking; done(arg) once the head timer is closed. */
void vt_pool_close(vt_pool *p, void (*done)(void *arg), void *arg);
/* After close: free what init allocated. */
void vt_pool_free(vt_pool *p);

uint64_t vt_pool_now_ms(const vt_pool *p);
/* Number of upstreams usable now (available and on the right chain). */
unsigned vt_pool_usable(const vt_pool *p);
/* The quorum k in force now: min(configured quorum, usable upstreams), at least 1. */
unsigned vt_pool_quorum(const vt_pool *p);
/* The k an anchored header needs (anchor.quorum, at most the configured upstreams),
 * never lowered when upstreams fail: agreement of fewer is not the anchor the
 * operator asked for, so the header is not anchored (-32002). */
unsigned vt_pool_anchor_k(const vt_pool *p);
/* Is `latest` still today's? True while some upstream on the chain, its breaker not
 * open, confirmed its head within the stale window and has not failed a poll since:
 * when every upstream fails (refused, 5xx, breakers open) it turns false within one
 * poll interval, and `latest` is then only a memory (answered -32002, or stale). */
bool vt_pool_head_fresh(const vt_pool *p);
/* Choose verity's head again (after a poll, or when the light client moved). */
void vt_pool_head_recompute(vt_pool *p);
/* Upstream u says its head is number (a poll or a newHeads notification), confirmed now. */
void vt_pool_note_head(vt_upstream *u, uint64_t number, uint64_t now);

/* Send one JSON-RPC body to upstream u (accounting for budget and in-flight). */
vt_fetch *vt_pool_send(vt_pool *p, vt_upstream *u, const char *body, size_t len, unsigned timeout_ms, vt_fetch_cb cb,
                       void *ud);
/* Record an attempt's outcome in metrics; kind < 0 = success. */
void vt_pool_note_attempt(vt_pool *p, vt_upstream *u, int kind, double latency_ms, bool hedged);
/* Set the per-upstream gauges (before /metrics is rendered). */
void vt_pool_refresh_gauges(vt_pool *p);

#endif

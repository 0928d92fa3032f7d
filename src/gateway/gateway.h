/*
 * gateway.h: the running gateway: the JSON-RPC front (a client's HTTP body or
 * WebSocket message to its response, gateway.c), the operator endpoints (status.c),
 * and the wiring that builds every stage at start-up and stops them (wiring.c).
 *
 * A request flows one way down the stages, each in its own folder and owning its own
 * state: plan (params pinning, coalescing and the answer cache: src/plan/), then the
 * provers (src/prove/, over the light client in src/beacon/) or a feature (chunked
 * eth_getLogs, subscriptions: src/feature/), then the pool (upstreams, head, the call
 * engine: src/pool/). Answers come back up through callbacks (flow/flow.h). The
 * gateway holds each stage, connects the few hooks that point back up (the pool's head
 * to subscriptions, the anchor's reorgs to the cache, the provers' shared sub-calls to
 * the flights), and reads them all for /status and /metrics.
 *
 * One vt_gateway per process, owned by main. Everything runs on one libuv loop;
 * nothing here is thread-safe or needs to be.
 */
#ifndef VT_GATEWAY_H
#define VT_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "net/fetch.h"
#include "net/http_server.h"
#include "obs/metrics.h"
#include "pool/pool.h"
#include "prove/verify.h"
#include "rpc/rpc.h"
#include "util/counts.h"

#define VT_VERSION "0.1.0"

typedef struct vt_subs vt_subs;
typedef struct vt_anchor vt_anchor;
typedef struct vt_flights vt_flights;
typedef struct vt_beacon vt_beacon;
typedef struct vt_filters vt_filters;
typedef struct vt_access vt_access;
typedef struct vt_dash vt_dash;

#define VT_GW_TIERS (VT_TRUST_LOCAL + 1)              /* trust tiers, for answer_child */
#define VT_GW_ANCHORS (VT_ANCHOR_SRC_L1 + 1) /* anchor sources, for answer_child */

#define VT_GW_METHOD_CACHE 32 /* methods whose request metric children are kept (direct-mapped) */
#define VT_GW_METHOD_NAME 64  /* longest method name kept there, NUL included (longer: looked up each time) */

/* One method's children of verity_requests_total (by outcome: ok, rpc_error,
 * unavailable, unknown) and verity_request_duration_seconds, looked up on first use. */
typedef struct {
  char name[VT_GW_METHOD_NAME];
  vt_metric_child *req[4];
  vt_metric_child *lat;
} vt_gw_method_children;

/* The front's own metric families (the pool's are in vt_pool_metrics). */
typedef struct {
  vt_metrics *reg;          /* the one registry /metrics renders */
  vt_metric *requests;      /* verity_requests_total{method,outcome} */
  vt_metric *latency;       /* verity_request_duration_seconds{method} */
  vt_metric *unavailable;   /* verity_unavailable_total{method} */
  vt_metric *answers;       /* verity_answers_total{trust,anchor} */
  /* its children by [tier][anchor], looked up on first use (children never move): the
   * label hash is not redone for every answer. */
  vt_metric_child *answer_child[VT_GW_TIERS][VT_GW_ANCHORS];
  vt_gw_method_children method_child[VT_GW_METHOD_CACHE]; /* by a hash of the name (status.c) */
  vt_metric *refused;       /* verity_http_connections_refused_total (the server's stats.refused) */
  vt_metric *reaped;        /* verity_http_connections_reaped_total (the server's stats.reaped) */
  vt_metric *limited;       /* verity_client_limited_total{limit}: calls refused by a per-client limit */
} vt_gw_metrics;

typedef struct vt_gateway {
  uv_loop_t *loop;
  const vt_config *cfg;
  uint64_t started_ms;

  /* the stages, each owning its state (wiring.c builds and stops them) */
  vt_fetcher *fetcher;      /* the upstream client (src/net/), shared by pool and beacon */
  vt_pool pool;             /* upstreams, head, calls */
  vt_beacon *beacon;        /* anchor mode lightclient: the light-client driver, else NULL */
  vt_anchor *anchor;        /* trusted headers */
  struct vt_l1 *l1;         /* op-stack with l1: configured: outputs proven on L1 (src/l1/), else NULL */
  vt_prover prover;         /* proven answers */
  vt_flights *flights;      /* coalescing + answer cache */
  vt_subs *subs;            /* eth_subscribe */
  vt_filters *filters;      /* eth_newFilter & co (src/filters/) */

  /* the front */
  vt_access *access;        /* client keys and limits (src/access/); off when no keys */
  vt_dash *dash;            /* what /status keeps for the dashboard (dash.c) */
  vt_http_server *http;
  vt_rpc_limits rpc_limits;
  char chain_id_hex[24];
  char net_version[24];
  vt_gw_metrics m;
  vt_counts *inflight;      /* calls in flight per client address (limits.max_inflight_per_client) */

  bool closing;
  void (*on_closed)(void *arg);
  void *on_closed_arg;
  unsigned close_pending;
} vt_gateway;

/* Build the gateway from a loaded config; starts listening and head tracking.
 * Returns 0, or -1 with err filled. */
int vt_gateway_start(vt_gateway *gw, uv_loop_t *loop, const vt_config *cfg, char *err, size_t errlen);
/* Stop everything; done is called when every handle is closed. */
void vt_gateway_stop(vt_gateway *gw, void (*done)(void *arg), void *arg);

/* The front's HTTP and WebSocket handlers (gateway.c), for the wiring. */
vt_http_handlers vt_gateway_handlers(vt_gateway *gw);
/* Carry a planned job down the flow: a prover when it can be proven, the chunked
 * eth_getLogs feature for a range, else one pool call (gateway.c). ctx is the gateway. */
int vt_gateway_carry(void *ctx, const vt_job *job, vt_answer_cb cb, void *ud);

/* Answer a method verity serves itself (m->kind VT_M_LOCAL), by the handler its row
 * names (local.c); writes the response object for rc into b. Returns how far the
 * answer is trusted: local, or for eth_blockNumber quorum / single / none. */
vt_trust_tier vt_local_answer(vt_gateway *gw, const vt_method *m, const vt_rpc_call *rc, vt_buf *b);

/* Status endpoints (status.c): bodies are malloc'd, caller frees. */
char *vt_status_json(vt_gateway *gw, size_t *len);
char *vt_metrics_text(vt_gateway *gw, size_t *len);
bool vt_gateway_healthy(const vt_gateway *gw, char *why, size_t n);

/* Metrics glue (status.c): registers the front's families and the pool's. */
int vt_gateway_metrics_init(vt_gateway *gw);
void vt_gateway_metrics_free(vt_gateway *gw);
/* One client call finished with outcome (vt_call_outcome) after ms. */
void vt_gateway_note_request(vt_gateway *gw, const char *method, int outcome, double ms);
/* One call answered with trust t: verity_answers_total{trust,anchor}. */
void vt_gateway_note_trust(vt_gateway *gw, const vt_trust *t);

#endif

/*
 * gateway.h: the running gateway: upstreams, head, the request path, and the glue to
 * the HTTP/WebSocket front and the upstream client.
 *
 * One vt_gateway per process, owned by main. It owns the upstream array, the
 * fetcher, the HTTP server, the head tracker's timer, the subscriptions and the
 * metrics. Everything runs on one libuv loop; nothing here is thread-safe or needs to be.
 */
#ifndef VT_GATEWAY_H
#define VT_GATEWAY_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "gateway/upstream.h"
#include "net/fetch.h"
#include "net/http_server.h"
#include "obs/metrics.h"
#include "rpc/rpc.h"

#define VT_MAX_UPSTREAMS 64
#define VT_VERSION "0.1.0"

typedef struct vt_subs vt_subs;
typedef struct vt_anchor vt_anchor;
typedef struct vt_flights vt_flights;
typedef struct vt_beacon vt_beacon;

/* How one client call ended, whoever carried it (the call engine or the verifier). */
typedef struct {
  int outcome;              /* vt_call_outcome */
  const char *result;       /* raw result JSON, raw error object, or -32002 data JSON */
  size_t len;
  const char *served_by;    /* upstream name or NULL */
  const char *trust;        /* "verified:quorum:2/3", "quorum:2/3", "single", "none" */
  const char *method;
  uint64_t t_start_ms;
} vt_answer;
typedef void (*vt_answer_cb)(const vt_answer *a, void *ud);

typedef struct {
  vt_metrics *reg;
  vt_metric *requests;      /* verity_requests_total{method,outcome} */
  vt_metric *latency;       /* verity_request_duration_seconds{method} */
  vt_metric *up_requests;   /* verity_upstream_requests_total{upstream} */
  vt_metric *up_errors;     /* verity_upstream_errors_total{upstream,kind} */
  vt_metric *up_latency;    /* verity_upstream_latency_seconds{upstream} */
  vt_metric *up_breaker;    /* verity_upstream_breaker_state{upstream} 0/1/2 */
  vt_metric *up_head_lag;   /* verity_upstream_head_lag_blocks{upstream} */
  vt_metric *up_head;       /* verity_upstream_head{upstream} */
  vt_metric *head;          /* verity_head_block */
  vt_metric *hedges;        /* verity_hedged_requests_total{upstream} */
  vt_metric *unavailable;   /* verity_unavailable_total{method} */
} vt_gw_metrics;

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
} vt_up_net;

typedef struct vt_gateway {
  uv_loop_t *loop;
  const vt_config *cfg;
  vt_fetcher *fetcher;
  vt_http_server *http;
  vt_upstream ups[VT_MAX_UPSTREAMS];
  vt_up_net net[VT_MAX_UPSTREAMS];
  size_t nups;

  /* head: `head` is what `latest` is pinned to (the highest block at least k usable
   * upstreams have reached); `head_reported` only goes up (eth_blockNumber). */
  uint64_t head, head_reported;
  bool head_known;
  uv_timer_t head_timer;
  unsigned head_polls_inflight;

  vt_rpc_limits rpc_limits;
  char chain_id_hex[24];
  char net_version[24];
  uint64_t started_ms;
  vt_subs *subs;
  vt_anchor *anchor;
  vt_beacon *beacon;        /* anchor mode lightclient: the light-client driver (beacon.h) */
  vt_flights *flights;      /* coalescing + answer cache */
  bool verify;              /* prove what can be proven (default on) */
  vt_gw_metrics m;
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

/* The quorum k in force now: min(configured quorum, usable upstreams), at least 1. */
unsigned vt_gateway_quorum(const vt_gateway *gw);
/* Number of upstreams usable now (available and on the right chain). */
unsigned vt_gateway_usable(const vt_gateway *gw);

/* Head tracker (head.c). */
void vt_head_start(vt_gateway *gw);
void vt_head_recompute(vt_gateway *gw);
/* Has any upstream confirmed a head recently? If not, `latest` is only a memory. */
bool vt_gateway_head_fresh(const vt_gateway *gw);
/* Subscriptions hook: called when the pinned head advances (subs.c). */
void vt_subs_on_head(vt_gateway *gw, uint64_t old_head, uint64_t new_head);

/* Status endpoints (status.c): bodies are malloc'd, caller frees. */
char *vt_status_json(vt_gateway *gw, size_t *len);
char *vt_metrics_text(vt_gateway *gw, size_t *len);
bool vt_gateway_healthy(const vt_gateway *gw, char *why, size_t n);

uint64_t vt_now_ms(const vt_gateway *gw);

/* Send one JSON-RPC body to upstream u (accounting for budget and in-flight). */
vt_fetch *vt_gateway_send(vt_gateway *gw, vt_upstream *u, const char *body, size_t len, unsigned timeout_ms,
                          vt_fetch_cb cb, void *ud);
/* Metrics glue (status.c). */
int vt_gateway_metrics_init(vt_gateway *gw);
void vt_gateway_metrics_free(vt_gateway *gw);
/* One client call finished with outcome (vt_call_outcome) after ms. */
void vt_gateway_note_request(vt_gateway *gw, const char *method, int outcome, double ms);
/* Record an attempt's outcome in metrics; kind < 0 = success. */
void vt_gateway_note_attempt(vt_gateway *gw, vt_upstream *u, int kind, double latency_ms, bool hedged);

#endif

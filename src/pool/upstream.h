/*
 * upstream.h: what verity knows about one upstream provider, and the rules that turn
 * outcomes into routing decisions.
 *
 * Health is a latency EWMA, an error-rate EWMA and a circuit breaker:
 *   closed    -> open       after `breaker_failures` consecutive failures;
 *   open      -> half-open  after `breaker_open_ms` (doubling while probes fail, to 60 s);
 *   half-open -> closed     on the first success (one probe request at a time),
 *   half-open -> open       on a failure.
 * A 429 (or a rate-limit error) parks the upstream until its Retry-After (or an
 * exponential backoff when none is given) without tripping the breaker. A request
 * budget (token bucket, max_rps) and an in-flight cap bound what verity asks of it.
 * The head (latest block number) is followed by the head tracker; lag is measured
 * against verity's own head.
 *
 * This module does no I/O: every function takes the time (ms, loop clock), so the
 * rules are unit-tested with made-up clocks. The pool (pool.h) owns the vt_upstream array.
 */
#ifndef VT_UPSTREAM_H
#define VT_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { VT_BREAKER_CLOSED = 0, VT_BREAKER_OPEN, VT_BREAKER_HALF_OPEN } vt_breaker_state;

typedef enum {
  VT_FAIL_CONNECT = 0,  /* refused, unreachable */
  VT_FAIL_TIMEOUT,      /* no answer in time (hung) */
  VT_FAIL_HTTP,         /* 5xx or other non-200 */
  VT_FAIL_BAD_BODY,     /* truncated, garbage, not JSON-RPC */
  VT_FAIL_RPC,          /* a retryable JSON-RPC error (internal, header not found, …) */
  VT_FAIL_RATELIMIT,    /* 429 or a rate-limit error */
  VT_FAIL_LIE,          /* caught disagreeing with a quorum or a proof */
  VT_FAIL_KINDS
} vt_fail_kind;

extern const char *const vt_fail_kind_names[VT_FAIL_KINDS];

#define VT_LAT_RING 64

typedef struct {
  unsigned breaker_failures;  /* consecutive failures that open the breaker */
  unsigned breaker_open_ms;   /* first open period */
  unsigned max_inflight;      /* 0 = unlimited */
  double max_rps;             /* 0 = unlimited */
  unsigned weight;            /* 1..1000 */
} vt_upstream_policy;

typedef struct vt_upstream {
  const char *name;           /* borrowed from config */
  int index;
  vt_upstream_policy pol;

  /* health */
  double lat_ewma_ms;
  double err_ewma;            /* 0..1 */
  unsigned consecutive_failures;
  vt_breaker_state breaker;
  uint64_t breaker_until_ms;
  unsigned breaker_trips;
  bool probe_in_flight;
  uint64_t ratelimited_until_ms;
  unsigned ratelimit_strikes;
  float lat_ring[VT_LAT_RING];
  unsigned lat_n, lat_pos;
  char last_error[160];

  /* head */
  uint64_t head;
  bool head_known;
  uint64_t head_seen_ms;      /* when head last advanced */
  uint64_t head_ok_ms;        /* when a head poll last succeeded */
  bool chain_ok;              /* eth_chainId matched the configured chain */
  bool chain_checked;
  uint64_t chain_id_seen;

  /* budget */
  double tokens;
  uint64_t tokens_ms;
  unsigned inflight;

  /* counters */
  uint64_t requests, successes, failures[VT_FAIL_KINDS], hedges, lies;

  /* eth_getLogs: the widest block range it accepted is not tracked; the narrowest it
   * refused (learned from its "range too large" errors) is, 0 = none seen */
  uint64_t logs_max_range;
  uint64_t logs_limit_errors;  /* range or result-size refusals */
} vt_upstream;

void vt_upstream_init(vt_upstream *u, const char *name, int index, const vt_upstream_policy *pol);

/* Can a request be sent now? Fills why (if not NULL) with the reason it cannot. */
bool vt_upstream_available(const vt_upstream *u, uint64_t now_ms, char *why, size_t n);
/* Is u turned away only by its own load (its in-flight cap or its max_rps budget),
 * which passes by itself? A call waits for such an upstream instead of giving up. */
bool vt_upstream_busy(const vt_upstream *u, uint64_t now_ms);
/* Account for a request being sent (budget, in-flight, half-open probe). */
void vt_upstream_on_send(vt_upstream *u, uint64_t now_ms);
void vt_upstream_on_done(vt_upstream *u);        /* in-flight -1, whatever the outcome */
void vt_upstream_on_success(vt_upstream *u, uint64_t now_ms, double latency_ms);
/* retry_after_s < 0: none given. */
void vt_upstream_on_failure(vt_upstream *u, uint64_t now_ms, vt_fail_kind kind, double retry_after_s,
                            const char *what);
/* Lower is better: latency, errors, weight. */
double vt_upstream_score(const vt_upstream *u);
/* Latency quantile (0..1) over the recent window, or -1 with no samples. */
double vt_upstream_latency_quantile(const vt_upstream *u, double q);
const char *vt_breaker_name(vt_breaker_state s);
/* Human state: "healthy", "open", "half-open", "rate-limited", "wrong-chain", "no-head". */
const char *vt_upstream_state(const vt_upstream *u, uint64_t now_ms);

#endif

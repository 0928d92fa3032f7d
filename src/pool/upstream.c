/*
 * upstream.c: health, breaker, rate-limit and budget rules (see upstream.h).
 */
#include "pool/upstream.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EWMA_ALPHA 0.2
#define BREAKER_MAX_OPEN_MS 60000u
#define RATELIMIT_DEFAULT_MS 1000u
#define RATELIMIT_MAX_MS 60000u

const char *const vt_fail_kind_names[VT_FAIL_KINDS] = {
    [VT_FAIL_CONNECT] = "connect",     [VT_FAIL_TIMEOUT] = "timeout",
    [VT_FAIL_HTTP] = "http",           [VT_FAIL_BAD_BODY] = "bad-body",
    [VT_FAIL_RPC] = "rpc-error",       [VT_FAIL_RATELIMIT] = "rate-limited",
    [VT_FAIL_LIE] = "wrong-answer",
};

/* Which failures count towards the breaker. A rate limit is the upstream being
 * honest about its budget, not broken. */
static const bool trips_breaker[VT_FAIL_KINDS] = {
    [VT_FAIL_CONNECT] = true, [VT_FAIL_TIMEOUT] = true, [VT_FAIL_HTTP] = true,
    [VT_FAIL_BAD_BODY] = true, [VT_FAIL_RPC] = true, [VT_FAIL_RATELIMIT] = false,
    [VT_FAIL_LIE] = true,
};

void vt_upstream_init(vt_upstream *u, const char *name, int index, const vt_upstream_policy *pol) {
  memset(u, 0, sizeof *u);
  u->name = name;
  u->index = index;
  u->pol = *pol;
  if (!u->pol.breaker_failures) u->pol.breaker_failures = 5;
  if (!u->pol.breaker_open_ms) u->pol.breaker_open_ms = 5000;
  if (!u->pol.weight) u->pol.weight = 1;
  u->lat_ewma_ms = -1;
  u->tokens = u->pol.max_rps > 0 ? u->pol.max_rps : 0;
}

static void refill(const vt_upstream *u, uint64_t now_ms, double *tokens) {
  double burst = u->pol.max_rps < 1 ? 1 : u->pol.max_rps;
  double t = u->tokens + (double)(now_ms - u->tokens_ms) / 1000.0 * u->pol.max_rps;
  *tokens = t > burst ? burst : t;
}

/* Why u cannot take a request now (NULL: it can); *busy when the reason is its load. */
static const char *refusal(const vt_upstream *u, uint64_t now_ms, char *tmp, size_t tl, bool *busy) {
  const char *reason = NULL;
  *busy = false;
  if (u->chain_checked && !u->chain_ok) {
    snprintf(tmp, tl, "serves chain id %llu, not the configured one",
             (unsigned long long)u->chain_id_seen);
    reason = tmp;
  } else if (u->breaker == VT_BREAKER_OPEN && now_ms < u->breaker_until_ms) {
    snprintf(tmp, tl, "circuit open for %llu ms more after: %s",
             (unsigned long long)(u->breaker_until_ms - now_ms), u->last_error);
    reason = tmp;
  } else if ((u->breaker == VT_BREAKER_HALF_OPEN ||
              (u->breaker == VT_BREAKER_OPEN && now_ms >= u->breaker_until_ms)) &&
             u->probe_in_flight) {
    reason = "circuit half-open, probe in flight";
  } else if (now_ms < u->ratelimited_until_ms) {
    snprintf(tmp, tl, "rate-limited for %llu ms more",
             (unsigned long long)(u->ratelimited_until_ms - now_ms));
    reason = tmp;
  } else if (u->pol.max_inflight && u->inflight >= u->pol.max_inflight) {
    reason = "at its in-flight limit";
    *busy = true;
  } else if (u->pol.max_rps > 0) {
    double t;
    refill(u, now_ms, &t);
    if (t < 1) {
      reason = "over its request budget (max_rps)";
      *busy = true;
    }
  }
  return reason;
}

bool vt_upstream_available(const vt_upstream *u, uint64_t now_ms, char *why, size_t n) {
  char tmp[96];
  bool busy;
  const char *reason = refusal(u, now_ms, tmp, sizeof tmp, &busy);
  if (reason && why) snprintf(why, n, "%s", reason);
  return reason == NULL;
}

bool vt_upstream_busy(const vt_upstream *u, uint64_t now_ms) {
  char tmp[96];
  bool busy;
  return refusal(u, now_ms, tmp, sizeof tmp, &busy) && busy;
}

void vt_upstream_on_send(vt_upstream *u, uint64_t now_ms) {
  u->requests++;
  u->inflight++;
  if (u->breaker == VT_BREAKER_OPEN && now_ms >= u->breaker_until_ms) u->breaker = VT_BREAKER_HALF_OPEN;
  if (u->breaker == VT_BREAKER_HALF_OPEN) u->probe_in_flight = true;
  if (u->pol.max_rps > 0) {
    refill(u, now_ms, &u->tokens);
    u->tokens_ms = now_ms;
    u->tokens -= 1;
  }
}

void vt_upstream_on_done(vt_upstream *u) {
  if (u->inflight) u->inflight--;
}

static void record_latency(vt_upstream *u, double ms) {
  u->lat_ewma_ms = u->lat_ewma_ms < 0 ? ms : u->lat_ewma_ms * (1 - EWMA_ALPHA) + ms * EWMA_ALPHA;
  u->lat_ring[u->lat_pos] = (float)ms;
  u->lat_pos = (u->lat_pos + 1) % VT_LAT_RING;
  if (u->lat_n < VT_LAT_RING) u->lat_n++;
}

void vt_upstream_on_success(vt_upstream *u, uint64_t now_ms, double latency_ms) {
  (void)now_ms;
  u->successes++;
  record_latency(u, latency_ms);
  u->err_ewma *= (1 - EWMA_ALPHA);
  u->consecutive_failures = 0;
  u->ratelimit_strikes = 0;
  if (u->breaker != VT_BREAKER_CLOSED) {
    u->breaker = VT_BREAKER_CLOSED;
    u->breaker_trips = 0;
  }
  u->probe_in_flight = false;
}

void vt_upstream_on_failure(vt_upstream *u, uint64_t now_ms, vt_fail_kind kind, double retry_after_s,
                            const char *what) {
  if ((unsigned)kind >= VT_FAIL_KINDS) kind = VT_FAIL_RPC;
  u->failures[kind]++;
  if (kind == VT_FAIL_LIE) u->lies++;
  snprintf(u->last_error, sizeof u->last_error, "%s%s%s", vt_fail_kind_names[kind], what ? ": " : "",
           what ? what : "");
  u->err_ewma = u->err_ewma * (1 - EWMA_ALPHA) + EWMA_ALPHA;
  u->probe_in_flight = false;
  if (kind == VT_FAIL_RATELIMIT) {
    double ms = retry_after_s >= 0 ? retry_after_s * 1000.0
                                   : (double)RATELIMIT_DEFAULT_MS * (double)(1u << (u->ratelimit_strikes < 6 ? u->ratelimit_strikes : 6));
    if (ms > RATELIMIT_MAX_MS) ms = RATELIMIT_MAX_MS;
    if (ms < 0) ms = 0;
    u->ratelimited_until_ms = now_ms + (uint64_t)ms;
    u->ratelimit_strikes++;
  }
  if (!trips_breaker[kind]) return;
  u->consecutive_failures++;
  bool trip = u->breaker == VT_BREAKER_HALF_OPEN ||
              (u->breaker == VT_BREAKER_OPEN && now_ms >= u->breaker_until_ms) ||
              (u->breaker == VT_BREAKER_CLOSED && u->consecutive_failures >= u->pol.breaker_failures);
  if (trip) {
    unsigned shift = u->breaker_trips < 4 ? u->breaker_trips : 4;
    uint64_t open = (uint64_t)u->pol.breaker_open_ms << shift;
    if (open > BREAKER_MAX_OPEN_MS) open = BREAKER_MAX_OPEN_MS;
    u->breaker = VT_BREAKER_OPEN;
    u->breaker_until_ms = now_ms + open;
    u->breaker_trips++;
  }
}

double vt_upstream_score(const vt_upstream *u) {
  double lat = u->lat_ewma_ms < 0 ? 50.0 : u->lat_ewma_ms;
  /* errors weigh heavily: a 50% error rate is worth 10x the latency */
  double s = (lat + 1.0) * (1.0 + 20.0 * u->err_ewma) / (double)u->pol.weight;
  if (u->breaker != VT_BREAKER_CLOSED) s *= 100.0;
  return s;
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

double vt_upstream_latency_quantile(const vt_upstream *u, double q) {
  if (!u->lat_n) return -1;
  float tmp[VT_LAT_RING];
  memcpy(tmp, u->lat_ring, u->lat_n * sizeof tmp[0]);
  qsort(tmp, u->lat_n, sizeof tmp[0], cmp_float);
  size_t i = (size_t)ceil(q * (double)u->lat_n);
  if (i > 0) i--;
  if (i >= u->lat_n) i = u->lat_n - 1;
  return tmp[i];
}

const char *vt_breaker_name(vt_breaker_state s) {
  static const char *const names[] = {"closed", "open", "half-open"};
  return (unsigned)s < 3 ? names[s] : "unknown";
}

const char *vt_upstream_state(const vt_upstream *u, uint64_t now_ms) {
  if (u->chain_checked && !u->chain_ok) return "wrong-chain";
  if (u->breaker == VT_BREAKER_OPEN && now_ms < u->breaker_until_ms) return "open";
  if (u->breaker != VT_BREAKER_CLOSED) return "half-open";
  if (now_ms < u->ratelimited_until_ms) return "rate-limited";
  if (!u->head_known) return "no-head";
  return "healthy";
}

/*
 * status.c: what the gateway tells operators: /status JSON, /metrics text, /healthz,
 * and the front's metric updates. It reads every stage (pool, flights, beacon, subs)
 * through their headers and registers the pool's metric families in the one registry.
 *
 * Nothing here ever prints an upstream's URL or headers: upstreams appear by name
 * and display_url (redacted by the config loader). Label values are method names
 * from the method table or upstream names from the config, so cardinality is
 * bounded by the config (and by the registry's per-family cap).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "beacon/beacon.h"
#include "feature/subs.h"
#include "filters/filters.h"
#include "gateway/dash.h"
#include "gateway/gateway.h"
#include "l1/l1.h"
#include "plan/flight.h"
#include "pool/head_ws.h"
#include "rpc/methods.h"
#include "util/buf.h"

static const char *const L_METHOD_OUTCOME[] = {"method", "outcome"};
static const char *const L_METHOD[] = {"method"};
static const char *const L_UP[] = {"upstream"};
static const char *const L_UP_KIND[] = {"upstream", "kind"};
static const char *const L_TRUST_ANCHOR[] = {"trust", "anchor"};
static const char *const L_LIMIT[] = {"limit"};

/* One registry for the front's families and the pool's, registered in the order
 * /metrics has always listed them. */
int vt_gateway_metrics_init(vt_gateway *gw) {
  vt_gw_metrics *m = &gw->m;
  vt_pool_metrics *pm = &gw->pool.m;
  m->reg = vt_metrics_new();
  if (!m->reg) return -1;
  m->requests = vt_metrics_counter(m->reg, "verity_requests_total", "JSON-RPC calls answered, by method and outcome", L_METHOD_OUTCOME, 2);
  m->latency = vt_metrics_histogram(m->reg, "verity_request_duration_seconds", "Time to answer a JSON-RPC call that went upstream", L_METHOD, 1);
  m->unavailable = vt_metrics_counter(m->reg, "verity_unavailable_total", "Calls answered -32002 (no upstream could answer)", L_METHOD, 1);
  m->answers = vt_metrics_counter(m->reg, "verity_answers_total", "JSON-RPC calls answered, by trust level and, for verified answers, anchor", L_TRUST_ANCHOR, 2);
  pm->up_requests = vt_metrics_counter(m->reg, "verity_upstream_requests_total", "Requests sent to each upstream (calls and head polls)", L_UP, 1);
  pm->up_errors = vt_metrics_counter(m->reg, "verity_upstream_errors_total", "Failed upstream requests by kind", L_UP_KIND, 2);
  pm->up_latency = vt_metrics_histogram(m->reg, "verity_upstream_latency_seconds", "Upstream response time", L_UP, 1);
  pm->up_breaker = vt_metrics_gauge(m->reg, "verity_upstream_breaker_state", "Circuit breaker: 0 closed, 1 open, 2 half-open", L_UP, 1);
  pm->up_head = vt_metrics_gauge(m->reg, "verity_upstream_head_block", "Latest block number each upstream reported", L_UP, 1);
  pm->up_head_lag = vt_metrics_gauge(m->reg, "verity_upstream_head_lag_blocks", "Blocks each upstream is behind verity's head", L_UP, 1);
  pm->hedges = vt_metrics_counter(m->reg, "verity_upstream_hedged_total", "Hedged requests sent to each upstream", L_UP, 1);
  pm->head = vt_metrics_gauge(m->reg, "verity_head_block", "verity's head: the block latest is pinned to", NULL, 0);
  m->refused = vt_metrics_counter(m->reg, "verity_http_connections_refused_total", "Connections closed at once: over limits.max_connections or limits.max_connections_per_client, or a reserved slot asked for something else", NULL, 0);
  m->reaped = vt_metrics_counter(m->reg, "verity_http_connections_reaped_total", "Idle keep-alive connections closed early (after limits.busy_idle_ms) because the server was full", NULL, 0);
  m->limited = vt_metrics_counter(m->reg, "verity_client_limited_total", "Calls refused by a per-client limit (inflight: limits.max_inflight_per_client)", L_LIMIT, 1);
  if (!m->refused || !m->reaped || !m->limited) return -1;
  if (!m->requests || !m->latency || !m->unavailable || !m->answers || !pm->up_requests || !pm->up_errors || !pm->up_latency ||
      !pm->up_breaker || !pm->up_head || !pm->up_head_lag || !pm->hedges || !pm->head)
    return -1;
  return 0;
}

void vt_gateway_metrics_free(vt_gateway *gw) {
  vt_metrics_free(gw->m.reg);
  gw->m.reg = NULL;
  memset(gw->m.answer_child, 0, sizeof gw->m.answer_child); /* they lived in the registry */
  memset(gw->m.method_child, 0, sizeof gw->m.method_child);
  memset(&gw->pool.m, 0, sizeof gw->pool.m);
}

static const char *const outcome_names[] = {"ok", "rpc_error", "unavailable"};

/* The kept children of method (gateway.h), or NULL when its name is too long to keep: a
 * slot holding another method is taken over. */
static vt_gw_method_children *method_children(vt_gateway *gw, const char *method) {
  size_t len = strlen(method);
  if (len >= VT_GW_METHOD_NAME) return NULL;
  uint32_t h = 2166136261u; /* FNV-1a */
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)method[i]) * 16777619u;
  vt_gw_method_children *mc = &gw->m.method_child[h % VT_GW_METHOD_CACHE];
  if (memcmp(mc->name, method, len + 1) != 0) {
    memset(mc, 0, sizeof *mc);
    memcpy(mc->name, method, len + 1);
  }
  return mc;
}

void vt_gateway_note_request(vt_gateway *gw, const char *method, int outcome, double ms) {
  if (!gw->m.reg) return;
  unsigned oi = (unsigned)outcome < 3 ? (unsigned)outcome : 3;
  const char *o = oi < 3 ? outcome_names[oi] : "unknown";
  const char *mo[2] = {method, o};
  const char *mm[1] = {method};
  vt_gw_method_children scratch = {{0}, {0}, 0}, *mc = method ? method_children(gw, method) : NULL;
  if (!mc) mc = &scratch; /* looked up now, not kept */
  if (!mc->req[oi]) mc->req[oi] = vt_metric_with(gw->m.requests, mo);
  if (mc->req[oi]) vt_metric_inc(mc->req[oi], 1);
  if (!mc->lat) mc->lat = vt_metric_with(gw->m.latency, mm);
  if (mc->lat) vt_metric_observe(mc->lat, ms / 1000.0);
  vt_metric_child *c;
  if (outcome == VT_CALL_UNAVAILABLE && (c = vt_metric_with(gw->m.unavailable, mm))) vt_metric_inc(c, 1);
}

/* Label values: the tier, and for a verified answer what anchored it ("none" otherwise). */
static const char *const tier_names[] = {
    [VT_TRUST_NONE] = "none", [VT_TRUST_SINGLE] = "single", [VT_TRUST_QUORUM] = "quorum",
    [VT_TRUST_VERIFIED] = "verified", [VT_TRUST_STALE] = "stale", [VT_TRUST_LOCAL] = "local",
};
static const char *const anchor_names[] = {
    [VT_ANCHOR_SRC_NONE] = "none", [VT_ANCHOR_SRC_QUORUM] = "quorum", [VT_ANCHOR_SRC_TRUSTED] = "trusted",
    [VT_ANCHOR_SRC_HASH] = "hash", [VT_ANCHOR_SRC_LIGHTCLIENT] = "lightclient", [VT_ANCHOR_SRC_L1] = "l1",
};

void vt_gateway_note_trust(vt_gateway *gw, const vt_trust *t) {
  if (!gw->m.reg) return;
  _Static_assert(sizeof tier_names / sizeof tier_names[0] == VT_GW_TIERS, "one tier name per tier");
  _Static_assert(sizeof anchor_names / sizeof anchor_names[0] == VT_GW_ANCHORS, "one anchor name per source");
  unsigned ti = t->tier < VT_GW_TIERS ? (unsigned)t->tier : VT_TRUST_NONE;
  unsigned ai = t->tier == VT_TRUST_VERIFIED && t->anchor < VT_GW_ANCHORS ? (unsigned)t->anchor : VT_ANCHOR_SRC_NONE;
  vt_metric_child **slot = &gw->m.answer_child[ti][ai];
  if (!*slot) {
    const char *ta[2] = {tier_names[ti], anchor_names[ai]};
    *slot = vt_metric_with(gw->m.answers, ta);
  }
  if (*slot) vt_metric_inc(*slot, 1);
}

char *vt_metrics_text(vt_gateway *gw, size_t *len) {
  char *out = NULL;
  vt_pool_refresh_gauges(&gw->pool);
  if (gw->http) {
    vt_http_stats st;
    vt_metric_child *c;
    vt_http_server_stats(gw->http, &st);
    if ((c = vt_metric_with(gw->m.refused, NULL))) vt_metric_inc(c, (double)st.refused - vt_metric_value(c));
    if ((c = vt_metric_with(gw->m.reaped, NULL))) vt_metric_inc(c, (double)st.reaped - vt_metric_value(c));
  }
  if (vt_metrics_render(gw->m.reg, &out, len) != 0) return NULL;
  return out;
}

/* prefix, the object (a new reference, taken; NULL: nothing written), suffix. */
static void put_json(vt_buf *b, const char *prefix, json_t *o, const char *suffix) {
  char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
  if (s) vt_buf_printf(b, "%s%s%s", prefix, s, suffix);
  free(s);
  json_decref(o);
}

char *vt_status_json(vt_gateway *gw, size_t *len) {
  vt_buf b;
  vt_buf_init(&b, 1024 * 1024);
  const vt_pool *pool = &gw->pool;
  uint64_t now = vt_pool_now_ms(pool);
  char why[200];
  bool ok = vt_gateway_healthy(gw, why, sizeof why);
  vt_buf_printf(&b, "{\"version\":\"%s\",\"uptime_s\":%.1f,\"healthy\":%s,\"reason\":", VT_VERSION,
                (double)(now - gw->started_ms) / 1000.0, ok ? "true" : "false");
  vt_buf_json_str(&b, why, strlen(why));
  vt_buf_printf(&b, ",\"chain_id\":%llu,\"chain\":", (unsigned long long)gw->cfg->chain_id);
  const char *cn = gw->cfg->chain_name ? gw->cfg->chain_name : "";
  vt_buf_json_str(&b, cn, strlen(cn));
  vt_buf_printf(&b, ",\"chain_kind\":\"%s\"", vt_chain_kind_name(gw->cfg->chain_kind));
  vt_buf_printf(&b, ",\"head\":%s%llu,\"head_reported\":%llu,\"head_fresh\":%s,\"quorum\":%u,\"usable_upstreams\":%u,",
                pool->head_known ? "" : "null,\"_head\":", (unsigned long long)pool->head,
                (unsigned long long)pool->head_reported, vt_pool_head_fresh(pool) ? "true" : "false",
                vt_pool_quorum(pool), vt_pool_usable(pool));
  if (gw->flights) {
    vt_flight_stats fs;
    vt_flight_stats_get(gw->flights, &fs);
    vt_buf_printf(&b, "\"store\":{\"lmdb\":%s,\"lmdb_finalized\":%llu,\"lmdb_hits\":%llu,\"lmdb_stored\":%llu,\"redis\":%s,"
                      "\"redis_connected\":%s,\"redis_hits\":%llu,\"redis_misses\":%llu,\"redis_unavailable\":%llu,"
                      "\"redis_stored\":%llu,\"refused_unproven\":%llu},",
                  fs.lmdb ? "true" : "false", (unsigned long long)fs.lmdb_finalized, (unsigned long long)fs.lmdb_hits,
                  (unsigned long long)fs.lmdb_stored,
                  fs.redis ? "true" : "false", fs.redis_connected ? "true" : "false", (unsigned long long)fs.redis_hits,
                  (unsigned long long)fs.redis_misses, (unsigned long long)fs.redis_unavailable,
                  (unsigned long long)fs.redis_stored, (unsigned long long)fs.refused_unproven);
    vt_buf_printf(&b, "\"cache\":{\"hits\":%llu,\"misses\":%llu,\"coalesced\":%llu,\"stored\":%llu,\"stale_answers\":%llu,\"entries\":%zu,"
                      "\"bytes\":%zu,\"budget\":%zu},",
                  (unsigned long long)fs.hits, (unsigned long long)fs.misses, (unsigned long long)fs.joined,
                  (unsigned long long)fs.stored, (unsigned long long)fs.stale, fs.entries, fs.bytes, fs.budget);
  }
  if (gw->filters) {
    vt_filters_stats st;
    vt_filters_stats_get(gw->filters, &st);
    vt_buf_printf(&b, "\"filters\":{\"installed\":%zu,\"created\":%llu,\"expired\":%llu,\"polls\":%llu,\"reorgs\":%llu,"
                      "\"redis\":%s,\"redis_loads\":%llu,\"redis_saves\":%llu},",
                  st.installed, (unsigned long long)st.created, (unsigned long long)st.expired,
                  (unsigned long long)st.polls, (unsigned long long)st.reorgs, st.redis ? "true" : "false",
                  (unsigned long long)st.redis_loads, (unsigned long long)st.redis_saves);
  }
  vt_buf_printf(&b, "\"verify\":%s,", gw->prover.on ? "true" : "false");
  vt_buf_printf(&b, "\"anchor\":{\"mode\":\"%s\",\"quorum\":%u", vt_anchor_mode_name(gw->cfg->anchor_mode),
                gw->cfg->quorum);
  if (gw->anchor) {
    char active_why[VT_BEACON_ERR_LEN + 96];
    vt_anchor_mode active = vt_anchor_active(gw->anchor, active_why, sizeof active_why);
    vt_buf_printf(&b, ",\"active\":\"%s\",\"why\":", vt_anchor_mode_name(active));
    vt_buf_json_str(&b, active_why, strlen(active_why));
  }
  if (gw->beacon && !gw->l1) /* with l1 the light client is the L1's: under l1 */
    put_json(&b, ",\"lightclient\":", vt_beacon_status_json(gw->beacon), "");
  vt_buf_puts(&b, "},");
  if (gw->l1) put_json(&b, "\"l1\":", vt_l1_status_json(gw->l1), ",");
  vt_dash_status_json(gw->dash, &b, now);
  vt_access_stats as;
  vt_access_stats_get(gw->access, &as);
  vt_buf_printf(&b, ",\"access\":{\"keys\":%zu,\"admitted\":%llu,\"missing\":%llu,\"wrong\":%llu,\"limited\":%llu},",
                as.keys, (unsigned long long)as.admitted, (unsigned long long)as.missing, (unsigned long long)as.wrong,
                (unsigned long long)as.limited);
  vt_buf_printf(&b, "\"subscriptions\":%zu,\"upstreams\":[", vt_subs_count(gw->subs));
  for (size_t i = 0; i < pool->nups; i++) {
    const vt_upstream *u = &pool->ups[i];
    const vt_upstream_cfg *uc = &gw->cfg->upstreams[i];
    if (i) vt_buf_append(&b, ",", 1);
    vt_buf_puts(&b, "{\"name\":");
    vt_buf_json_str(&b, u->name, strlen(u->name));
    vt_buf_puts(&b, ",\"url\":");
    const char *du = uc->display_url ? uc->display_url : "";
    vt_buf_json_str(&b, du, strlen(du));
    vt_buf_printf(&b, ",\"state\":\"%s\",\"breaker\":\"%s\",\"trusted\":%s,\"weight\":%u,",
                  vt_upstream_state(u, now), vt_breaker_name(u->breaker), uc->trusted ? "true" : "false",
                  u->pol.weight);
    if (u->head_known)
      vt_buf_printf(&b, "\"head\":%llu,\"lag\":%lld,", (unsigned long long)u->head,
                    pool->head_known ? (long long)pool->head - (long long)u->head : 0LL);
    else
      vt_buf_puts(&b, "\"head\":null,\"lag\":null,");
    double p50 = vt_upstream_latency_quantile(u, 0.5), p90 = vt_upstream_latency_quantile(u, 0.9);
    vt_buf_printf(&b, "\"latency_ms\":{\"ewma\":%.2f,\"p50\":%.2f,\"p90\":%.2f},\"error_rate\":%.3f,",
                  u->lat_ewma_ms < 0 ? 0 : u->lat_ewma_ms, p50 < 0 ? 0 : p50, p90 < 0 ? 0 : p90, u->err_ewma);
    uint64_t fails = 0;
    for (int k = 0; k < VT_FAIL_KINDS; k++) fails += u->failures[k];
    vt_buf_printf(&b, "\"in_flight\":%u,\"requests\":%llu,\"successes\":%llu,\"failures\":%llu,\"hedges\":%llu,\"wrong_answers\":%llu,",
                  u->inflight, (unsigned long long)u->requests, (unsigned long long)u->successes,
                  (unsigned long long)fails, (unsigned long long)u->hedges, (unsigned long long)u->lies);
    if (u->chain_checked) vt_buf_printf(&b, "\"chain_id\":%llu,", (unsigned long long)u->chain_id_seen);
    if (u->logs_max_range) vt_buf_printf(&b, "\"logs_max_range\":%llu,", (unsigned long long)u->logs_max_range);
    vt_buf_printf(&b, "\"logs_limit_errors\":%llu,\"errors\":{", (unsigned long long)u->logs_limit_errors);
    for (int k = 0; k < VT_FAIL_KINDS; k++)
      vt_buf_printf(&b, "%s\"%s\":%llu", k ? "," : "", vt_fail_kind_names[k], (unsigned long long)u->failures[k]);
    vt_buf_puts(&b, "},");
    vt_head_ws_info wi;
    vt_head_ws_info_get(pool, i, &wi);
    vt_buf_printf(&b, "\"head_source\":\"%s\",", wi.head_source_ws ? "ws" : "poll");
    if (wi.configured) {
      const char *dw = uc->display_ws ? uc->display_ws : "";
      vt_buf_puts(&b, "\"ws\":{\"url\":");
      vt_buf_json_str(&b, dw, strlen(dw));
      vt_buf_printf(&b, ",\"state\":\"%s\",\"notifications\":%llu,\"connects\":%llu,\"failures\":%llu,\"last_error\":",
                    wi.state, (unsigned long long)wi.notifications, (unsigned long long)wi.connects,
                    (unsigned long long)wi.failures);
      vt_buf_json_str(&b, wi.last_error, strlen(wi.last_error));
      vt_buf_puts(&b, "},");
    }
    vt_buf_puts(&b, "\"last_error\":");
    vt_buf_json_str(&b, u->last_error, strlen(u->last_error));
    vt_buf_puts(&b, "}");
  }
  vt_buf_puts(&b, "]}\n");
  if (!vt_buf_ok(&b)) { vt_buf_free(&b); return NULL; }
  return vt_buf_steal(&b, len);
}

bool vt_gateway_healthy(const vt_gateway *gw, char *why, size_t n) {
  unsigned usable = vt_pool_usable(&gw->pool);
  vt_beacon_exec lc;
  if (gw->cfg->anchor_mode == VT_ANCHOR_LIGHTCLIENT && (!gw->beacon || !vt_beacon_head(gw->beacon, false, &lc))) {
    snprintf(why, n, "the light client has no verified head yet");
    return false;
  }
  if (!gw->pool.head_known) { snprintf(why, n, "no upstream has reported a head yet"); return false; }
  if (!usable) { snprintf(why, n, "no upstream is usable"); return false; }
  snprintf(why, n, "%u of %zu upstreams usable", usable, gw->pool.nups);
  return true;
}

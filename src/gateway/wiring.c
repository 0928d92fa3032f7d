/*
 * wiring.c: building the stages at start-up, connecting the hooks that point back up
 * the flow, and stopping them (see gateway.h).
 *
 * Start-up order follows the flow from the bottom: the upstream client, the pool, the
 * light-client driver (anchor mode lightclient), the anchor and the provers, the
 * subscriptions, the flights (coalescing and the answer cache), then the HTTP server;
 * head tracking starts last. The hooks: the pool tells subscriptions when the head
 * advances and asks the light client for its verified head; the anchor tells the
 * flights about reorgs; the provers run their shared sub-calls through the flights.
 * Stop closes every handle and frees the stages when the last one has closed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "beacon/beacon.h"
#include "config/presets.h"
#include "core/hex.h"
#include "feature/subs.h"
#include "filters/filters.h"
#include "gateway/dash.h"
#include "gateway/gateway.h"
#include "l1/l1.h"
#include "obs/log.h"
#include "plan/flight.h"
#include "prove/anchor.h"
#include "prove/history.h"

static void on_beacon_update(void *ud) {
  vt_gateway *gw = ud;
  if (gw->l1) vt_l1_on_beacon(gw->l1); /* op-stack: the light client is the L1's */
  else vt_pool_head_recompute(&gw->pool);
}

/* --- hooks: the few calls back up the flow, connected here ------------------------ */

static bool lc_head(void *ud, uint64_t *number) {
  vt_gateway *gw = ud;
  vt_beacon_exec lc;
  char why[VT_BEACON_ERR_LEN + 96];
  if (!gw->beacon || !vt_beacon_head(gw->beacon, false, &lc)) return false;
  if (gw->cfg->anchor_mode == VT_ANCHOR_AUTO && !vt_beacon_synced(gw->beacon, why, sizeof why)) return false;
  *number = lc.block_number;
  return true;
}

static void on_head(void *ud, uint64_t old_head, uint64_t new_head) {
  vt_gateway *gw = ud;
  vt_subs_on_head(gw->subs, old_head, new_head);
}

static void on_reorg(void *ud, uint64_t number) {
  vt_gateway *gw = ud;
  vt_flight_reorg(gw->flights, number);
}

static int share(void *ud, const vt_job *job, vt_carry_fn carry, void *carry_ctx, vt_answer_cb cb, void *cb_ud) {
  vt_gateway *gw = ud;
  if (!gw->flights) return carry(carry_ctx, job, cb, cb_ud);
  return vt_flight_run(gw->flights, job, carry, carry_ctx, cb, cb_ud);
}

/* A filter's sub-calls go through the flights like any client call (filters.h). */
static int filters_run(void *ud, const vt_job *job, vt_answer_cb cb, void *cb_ud) {
  vt_gateway *gw = ud;
  return vt_flight_run(gw->flights, job, vt_gateway_carry, gw, cb, cb_ud);
}

/* Client keys (src/access/): the table, the names and tags in the log (never a key),
 * and a warning when a non-loopback address is served without keys. */
static int access_start(vt_gateway *gw, const vt_config *cfg, char *err, size_t errlen) {
  gw->access = vt_access_new(cfg, gw->m.reg, err, errlen);
  if (!gw->access) return -1;
  for (size_t i = 0; i < cfg->nkeys; i++) {
    char tag[VT_ACCESS_TAG_HEX + 1];
    vt_access_tag_of(cfg->keys[i].key, strlen(cfg->keys[i].key), tag);
    VT_LOG(VT_LOG_INFO, "client_key", "name=%s key=%s rps=%g burst=%u allow=%zu deny=%zu", cfg->keys[i].name, tag,
           cfg->keys[i].rps, cfg->keys[i].burst, cfg->keys[i].nallow, cfg->keys[i].ndeny);
  }
  const char *h = cfg->listen_host ? cfg->listen_host : "";
  bool loopback = strncmp(h, "127.", 4) == 0 || strcmp(h, "::1") == 0 || strcmp(h, "localhost") == 0;
  if (!loopback && cfg->nkeys == 0)
    VT_LOG(VT_LOG_WARN, "open_to_network",
           "listening on %s without client keys: anyone who can reach this address can use your upstreams; "
           "add keys: to the config (docs/config.md)", h);
  return 0;
}

/* The light-client network: a built-in one by chain name, or anchor.lightclient.* */
static int beacon_start(vt_gateway *gw, const vt_config *cfg, char *err, size_t errlen) {
  lc_chain_config custom;
  const lc_chain_config *net = NULL;
  vc_err verr = {{0}};
  if (cfg->lc_preset) {
    uint8_t gvr[32];
    lc_fork fork;
    if (strcmp(cfg->lc_preset, "minimal") != 0) {
      snprintf(err, errlen, "anchor.lightclient.preset: \"%.40s\": expected minimal", cfg->lc_preset);
      return -1;
    }
    if (!cfg->lc_gvr || vc_hex_decode_fixed(cfg->lc_gvr, strlen(cfg->lc_gvr), gvr, 32) != VC_OK) {
      snprintf(err, errlen, "anchor.lightclient.genesis_validators_root: expected 0x and 64 hex digits");
      return -1;
    }
    if (lc_fork_from_name(cfg->lc_fork ? cfg->lc_fork : "electra", &fork, &verr) != VC_OK) {
      snprintf(err, errlen, "anchor.lightclient.fork: %s", verr.msg);
      return -1;
    }
    lc_chain_config_minimal(&custom, gvr, fork);
    custom.genesis_time = cfg->lc_genesis_time;
    custom.seconds_per_slot = cfg->lc_seconds_per_slot ? cfg->lc_seconds_per_slot : 12;
    net = &custom;
  }
  /* on an op-stack chain the light client follows its L1 (src/l1/), a preset network */
  const vt_preset *l1net = vt_config_l1_on(cfg) ? vt_preset_by_chain_id(cfg->l1_chain_id) : NULL;
  vt_beacon_opts o = {.chain = l1net ? l1net->name : cfg->chain_name, .cfg = net, .urls = (const char *const *)cfg->beacon,
                      .n = cfg->nbeacon, .state_path = cfg->lc_state, .store_path = cfg->cache_path,
                      .poll_ms = cfg->lc_poll_ms,
                      .timeout_ms = cfg->timeout_ms, .on_update = on_beacon_update, .ud = gw};
  /* No checkpoint: o.checkpoint stays all zero and the driver agrees on one (beacon.h). */
  if (cfg->checkpoint &&
      vc_hex_decode_fixed(cfg->checkpoint, strlen(cfg->checkpoint), o.checkpoint, 32) != VC_OK) {
    snprintf(err, errlen, "anchor.checkpoint: expected 0x and 64 hex digits");
    return -1;
  }
  gw->beacon = vt_beacon_new(gw->loop, gw->fetcher, &o, err, errlen);
  if (!gw->beacon) return -1;
  vt_beacon_start(gw->beacon);
  return 0;
}

int vt_gateway_start(vt_gateway *gw, uv_loop_t *loop, const vt_config *cfg, char *err, size_t errlen) {
  memset(gw, 0, sizeof *gw);
  gw->loop = loop;
  gw->cfg = cfg;
  gw->started_ms = uv_now(loop);
  gw->rpc_limits.max_batch = cfg->max_batch ? cfg->max_batch : 100;
  gw->rpc_limits.max_depth = cfg->max_json_depth ? cfg->max_json_depth : 64;
  snprintf(gw->chain_id_hex, sizeof gw->chain_id_hex, "0x%llx", (unsigned long long)cfg->chain_id);
  snprintf(gw->net_version, sizeof gw->net_version, "%llu", (unsigned long long)cfg->chain_id);
  if (vt_pool_init(&gw->pool, loop, cfg, NULL, err, errlen) != 0) return -1;
  gw->pool.hooks = (vt_pool_hooks){.lc_head = lc_head, .on_head = on_head, .ud = gw};
  if (vt_gateway_metrics_init(gw) != 0) goto oom;
  if (access_start(gw, cfg, err, errlen) != 0) return -1;
  if (!(gw->dash = vt_dash_new())) goto oom;
  vt_fetcher_limits fl;
  vt_fetcher_limits_default(&fl);
  gw->fetcher = vt_fetcher_new(loop, &fl);
  if (!gw->fetcher) goto oom;
  gw->pool.fetcher = gw->fetcher;
  gw->subs = vt_subs_new(&gw->pool);
  if (!gw->subs) goto oom;
  vt_subs_set_client_limit(gw->subs, cfg->max_subscriptions_per_client);
  gw->inflight = vt_counts_new();
  if (!gw->inflight) goto oom;
  bool l1 = vt_config_l1_on(cfg) && cfg->verify;
  bool want_beacon = cfg->anchor_mode == VT_ANCHOR_LIGHTCLIENT || (cfg->anchor_mode == VT_ANCHOR_AUTO && cfg->nbeacon) ||
                     (l1 && cfg->nbeacon);
  if (want_beacon && beacon_start(gw, cfg, err, errlen) != 0) return -1;
  /* an op-stack chain's light client is its L1's: the L2 anchor never uses it */
  gw->anchor = vt_anchor_new(&gw->pool, l1 ? NULL : gw->beacon, on_reorg, gw);
  if (!gw->anchor) goto oom;
  gw->prover = (vt_prover){.pool = &gw->pool, .anchor = gw->anchor, .on = cfg->verify,
                           .kind = cfg->chain_kind,
                           .share = {.share = share, .ud = gw}};
  vt_anchor_set_history(gw->anchor, vt_history_hash, &gw->prover, cfg->history_walk);
  if (l1 && !(gw->l1 = vt_l1_new(loop, cfg, gw->fetcher, gw->beacon, &gw->pool, gw->anchor, err, errlen))) return -1;
  gw->flights = vt_flights_new(loop, cfg, &gw->pool, cfg->cache_memory, err, errlen);
  if (!gw->flights) return -1;
  gw->prover.tiers = vt_flights_tiers(gw->flights); /* verified calls keep proven state there */
  gw->filters = vt_filters_new(loop, cfg, &gw->pool,
                               (vt_filters_hooks){.run = filters_run, .carry = vt_gateway_carry, .ud = gw}, err, errlen);
  if (!gw->filters) return -1;
  vt_http_limits hl;
  vt_http_limits_default(&hl);
  if (cfg->max_body) hl.max_body = cfg->max_body;
  if (cfg->max_header_bytes) hl.max_header_bytes = cfg->max_header_bytes;
  if (cfg->max_connections) hl.max_connections = cfg->max_connections;
  if (cfg->max_ws_message) hl.max_ws_message = cfg->max_ws_message;
  if (cfg->cors_origin) hl.cors_origin = cfg->cors_origin;
  hl.cors_all_paths = cfg->cors_all_paths;
  hl.max_per_client = cfg->max_connections_per_client;   /* 0: the server's default */
  hl.reserved_connections = cfg->reserved_connections; /* 0: the server's default */
  if (cfg->busy_idle_ms) hl.busy_idle_ms = cfg->busy_idle_ms;
  vt_http_handlers h = vt_gateway_handlers(gw);
  int rc = vt_http_server_start(loop, cfg->listen_host, cfg->listen_port, &hl, &h, &gw->http);
  if (rc != 0) {
    snprintf(err, errlen, "cannot listen on %s:%d: %s", cfg->listen_host, cfg->listen_port, uv_strerror(rc));
    return -1;
  }
  vt_pool_start(&gw->pool);
  if (gw->l1) vt_l1_start(gw->l1);
  VT_LOG(VT_LOG_INFO, "listening", "addr=%s:%d upstreams=%zu chain_id=%llu", cfg->listen_host,
         vt_http_server_port(gw->http), gw->pool.nups, (unsigned long long)cfg->chain_id);
  return 0;
oom:
  snprintf(err, errlen, "out of memory while starting");
  return -1;
}

static void closed_one(vt_gateway *gw) {
  if (--gw->close_pending) return;
  vt_pool_free(&gw->pool);
  vt_subs_free(gw->subs);
  gw->subs = NULL;
  vt_l1_free(gw->l1);
  gw->l1 = NULL;
  vt_anchor_free(gw->anchor);
  gw->anchor = NULL;
  vt_flights_free(gw->flights);
  gw->flights = NULL;
  vt_filters_free(gw->filters);
  gw->filters = NULL;
  vt_gateway_metrics_free(gw);
  vt_counts_free(gw->inflight);
  gw->inflight = NULL;
  vt_access_free(gw->access);
  gw->access = NULL;
  vt_dash_free(gw->dash);
  gw->dash = NULL;
  if (gw->on_closed) gw->on_closed(gw->on_closed_arg);
}

static void on_http_closed(void *arg) { closed_one(arg); }
static void on_flights_closed(void *arg) { closed_one(arg); }
static void on_subs_closed(void *arg) { closed_one(arg); }
static void on_filters_closed(void *arg) { closed_one(arg); }
static void on_beacon_closed(void *arg) { closed_one(arg); }
static void on_fetcher_closed(void *arg) { closed_one(arg); }
static void on_pool_closed(void *arg) { closed_one(arg); }
static void on_l1_closed(void *arg) { closed_one(arg); }

void vt_gateway_stop(vt_gateway *gw, void (*done)(void *arg), void *arg) {
  if (gw->closing) return;
  gw->closing = true;
  gw->on_closed = done;
  gw->on_closed_arg = arg;
  gw->close_pending = 4;
  vt_flights_close(gw->flights, on_flights_closed, gw);
  if (gw->beacon) {
    gw->close_pending++;
    vt_beacon_close(gw->beacon, on_beacon_closed, gw); /* before the fetcher it uses */
    gw->beacon = NULL;
  }
  vt_pool_close(&gw->pool, on_pool_closed, gw);
  if (gw->l1) {
    gw->close_pending++;
    vt_l1_close(gw->l1, on_l1_closed, gw); /* before the fetcher its pool uses */
  }
  gw->close_pending++;
  vt_subs_shutdown(gw->subs, on_subs_closed, gw);
  if (gw->filters) {
    gw->close_pending++;
    vt_filters_close(gw->filters, on_filters_closed, gw);
  }
  vt_http_server_close(gw->http, on_http_closed, gw);
  vt_fetcher_close(gw->fetcher, on_fetcher_closed, gw);
}

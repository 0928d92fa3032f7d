/*
 * head.c: following every upstream's head, and choosing verity's own.
 *
 * Every pool.head_poll_ms each usable upstream is asked eth_blockNumber (one poll in
 * flight per upstream; a poll is also the half-open breaker's probe), and until it
 * has answered once, and then every CHAIN_RECHECK_MS, eth_chainId: an upstream on
 * another chain is never used. verity's head (what `latest` is pinned to) is the
 * highest block that k usable upstreams have reached, k being the quorum in force,
 * so one upstream running ahead or lagging cannot move it (a head not confirmed by a
 * poll within 4 poll intervals does not count); in anchor mode `trusted`
 * only trusted upstreams set it. The head may go back when the upstreams that had
 * reached it are gone (pinning must name a block someone can serve), but
 * head_reported, which eth_blockNumber returns, never goes backwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gateway/gateway.h"
#include "gateway/beacon.h"
#include "obs/log.h"

#define CHAIN_RECHECK_MS (5 * 60 * 1000)

static const char poll_body[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[]}";
static const char chain_body[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}";

typedef struct {
  vt_gateway *gw;
  vt_upstream *u;
  bool chain;
} poll_ctx;

/* Parse a JSON-RPC QUANTITY result ("0x1a") from an upstream reply. */
static int reply_qty(vt_gateway *gw, const vt_fetch_result *r, uint64_t *out, char *why, size_t n) {
  if (r->error != VT_FETCH_OK) { snprintf(why, n, "%s", r->error_msg ? r->error_msg : "transport error"); return (int)VT_FAIL_CONNECT; }
  if (r->http_status == 429) { snprintf(why, n, "HTTP 429"); return (int)VT_FAIL_RATELIMIT; }
  if (r->http_status != 200) { snprintf(why, n, "HTTP %ld", r->http_status); return (int)VT_FAIL_HTTP; }
  vt_rpc_resp resp;
  const char *bad;
  if (vt_rpc_parse_response(r->body, r->body_len, gw->rpc_limits.max_depth, &resp, &bad) != 0) {
    snprintf(why, n, "%s", bad);
    return (int)VT_FAIL_BAD_BODY;
  }
  if (resp.is_error) { snprintf(why, n, "%ld %s", resp.code, resp.message); return (int)VT_FAIL_RPC; }
  if (!vt_rpc_result_u64(resp.result, out)) { snprintf(why, n, "not a quantity"); return (int)VT_FAIL_BAD_BODY; }
  return -1;
}

static void on_poll(const vt_fetch_result *r, void *ud) {
  poll_ctx *p = ud;
  vt_gateway *gw = p->gw;
  vt_upstream *u = p->u;
  vt_up_net *net = &gw->net[u->index];
  bool chain = p->chain;
  free(p);
  if (chain) net->chain_poll = NULL;
  else net->poll = NULL;
  gw->head_polls_inflight--;
  vt_upstream_on_done(u);
  if (r->error == VT_FETCH_E_CANCELLED || r->error == VT_FETCH_E_SHUTDOWN || gw->closing) return;
  uint64_t now = vt_now_ms(gw);
  uint64_t v = 0;
  char why[200];
  int fail = reply_qty(gw, r, &v, why, sizeof why);
  double lat = (double)(now - net->poll_t0);
  if (fail >= 0) {
    vt_upstream_on_failure(u, now, (vt_fail_kind)fail, r->retry_after_s, why);
    vt_gateway_note_attempt(gw, u, fail, lat, false);
    VT_LOG(VT_LOG_DEBUG, "head_poll_failed", "upstream=%s what=%s", u->name, why);
    vt_head_recompute(gw);
    return;
  }
  vt_upstream_on_success(u, now, r->elapsed_ms > 0 ? r->elapsed_ms : lat);
  if (chain) {
    bool was = u->chain_ok;
    u->chain_checked = true;
    u->chain_id_seen = v;
    u->chain_ok = v == gw->cfg->chain_id;
    net->chain_checked_ms = now;
    if (!u->chain_ok)
      VT_LOG(VT_LOG_ERROR, "wrong_chain", "upstream=%s chain_id=%llu expected=%llu: not used", u->name,
             (unsigned long long)v, (unsigned long long)gw->cfg->chain_id);
    else if (!was)
      VT_LOG(VT_LOG_INFO, "upstream_ok", "upstream=%s chain_id=%llu", u->name, (unsigned long long)v);
  } else {
    if (!u->head_known || v > u->head) u->head_seen_ms = now;
    u->head = v;
    u->head_known = true;
    u->head_ok_ms = now;
  }
  vt_head_recompute(gw);
}

static void start_poll(vt_gateway *gw, vt_upstream *u, bool chain) {
  poll_ctx *p = malloc(sizeof *p);
  if (!p) return;
  p->gw = gw;
  p->u = u;
  p->chain = chain;
  vt_up_net *net = &gw->net[u->index];
  net->poll_t0 = vt_now_ms(gw);
  vt_fetch *f = vt_gateway_send(gw, u, chain ? chain_body : poll_body,
                                chain ? sizeof chain_body - 1 : sizeof poll_body - 1,
                                gw->cfg->timeout_ms, on_poll, p);
  if (!f) { free(p); vt_upstream_on_done(u); return; }
  gw->head_polls_inflight++;
  if (chain) net->chain_poll = f;
  else net->poll = f;
}

static void on_tick(uv_timer_t *t) {
  vt_gateway *gw = t->data;
  uint64_t now = vt_now_ms(gw);
  for (size_t i = 0; i < gw->nups; i++) {
    vt_upstream *u = &gw->ups[i];
    vt_up_net *net = &gw->net[i];
    bool need_chain = !u->chain_checked || now - net->chain_checked_ms > CHAIN_RECHECK_MS;
    if (u->chain_checked && !u->chain_ok && now - net->chain_checked_ms < CHAIN_RECHECK_MS) continue;
    if (!vt_upstream_available(u, now, NULL, 0)) continue;
    if (need_chain && !net->chain_poll) start_poll(gw, u, true);
    else if (!net->poll && u->chain_ok) start_poll(gw, u, false);
  }
  vt_head_recompute(gw);
}

static uint64_t head_stale_ms(const vt_gateway *gw) {
  uint64_t every = gw->cfg->head_poll_ms ? gw->cfg->head_poll_ms : 1000;
  uint64_t stale = 4 * every;
  return stale < 1000 ? 1000 : stale;
}

static int cmp_desc(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x < y) - (x > y);
}

bool vt_gateway_head_fresh(const vt_gateway *gw) {
  uint64_t now = vt_now_ms(gw), stale = head_stale_ms(gw);
  for (size_t i = 0; i < gw->nups; i++)
    if (gw->ups[i].head_known && now - gw->ups[i].head_ok_ms <= stale) return true;
  return false;
}

void vt_head_recompute(vt_gateway *gw) {
  uint64_t heads[VT_MAX_UPSTREAMS];
  size_t n = 0;
  uint64_t now = vt_now_ms(gw);
  bool trusted_only = gw->cfg->anchor_mode == VT_ANCHOR_TRUSTED;
  for (size_t i = 0; i < gw->nups; i++) {
    vt_upstream *u = &gw->ups[i];
    if (!u->head_known || !u->chain_ok) continue;
    if (trusted_only && !gw->net[i].trusted) continue;
    /* a head nobody has confirmed lately (polls failing or hanging) is stale: it must
     * not hold verity's head back, or `latest` would be pinned to an old block */
    if (now - u->head_ok_ms > head_stale_ms(gw)) continue;
    if (!vt_upstream_available(u, now, NULL, 0) && u->breaker == VT_BREAKER_OPEN) continue;
    heads[n++] = u->head;
  }
  if (!n) return; /* keep what we had: requests will say who is missing */
  qsort(heads, n, sizeof heads[0], cmp_desc);
  unsigned k = trusted_only ? 1 : vt_gateway_quorum(gw);
  /* At start-up the first upstream to answer must not set the head alone (it may be
   * running ahead): wait for k heads, or for the stale window, after which the ones
   * that never answered count as failing like any other. */
  if (!gw->head_known && n < k && now - gw->started_ms < head_stale_ms(gw)) return;
  if (k > n) k = (unsigned)n;
  uint64_t h = heads[k - 1];
  if (gw->cfg->anchor_mode == VT_ANCHOR_LIGHTCLIENT) {
    vt_beacon_exec lc;
    if (!gw->beacon || !vt_beacon_head(gw->beacon, false, &lc)) return;
    if (lc.block_number < h) h = lc.block_number; /* latest = the light client's verified head */
  }
  uint64_t old = gw->head;
  bool was_known = gw->head_known;
  gw->head = h;
  gw->head_known = true;
  if (h > gw->head_reported || !was_known) gw->head_reported = h > gw->head_reported ? h : gw->head_reported;
  if (!was_known) VT_LOG(VT_LOG_INFO, "head", "block=%llu quorum=%u", (unsigned long long)h, k);
  if (was_known && h > old) vt_subs_on_head(gw, old, h);
}

void vt_head_start(vt_gateway *gw) {
  uv_timer_init(gw->loop, &gw->head_timer);
  gw->head_timer.data = gw;
  unsigned every = gw->cfg->head_poll_ms ? gw->cfg->head_poll_ms : 1000;
  uv_timer_start(&gw->head_timer, on_tick, 0, every);
}

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
 * head_reported, which eth_blockNumber returns, never goes backwards. In anchor mode
 * lightclient (and auto, while the light client is synced) the head is capped by the
 * light client's verified head (hook lc_head);
 * every advance is told to the stages above through the on_head hook (pool.h).
 * An upstream with a ws url is followed by its newHeads subscription instead of the
 * poll while that is healthy (head_ws.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/log.h"
#include "pool/head_ws.h"
#include "pool/pool.h"
#include "rpc/rpc.h"

#define CHAIN_RECHECK_MS (5 * 60 * 1000)

static const char poll_body[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\",\"params\":[]}";
static const char chain_body[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\",\"params\":[]}";

typedef struct {
  vt_pool *pool;
  vt_upstream *u;
  bool chain;
} poll_ctx;

/* Parse a JSON-RPC QUANTITY result ("0x1a") from an upstream reply. */
static int reply_qty(vt_pool *p, const vt_fetch_result *r, uint64_t *out, char *why, size_t n) {
  if (r->error != VT_FETCH_OK) { snprintf(why, n, "%s", r->error_msg ? r->error_msg : "transport error"); return (int)VT_FAIL_CONNECT; }
  if (r->http_status == 429) { snprintf(why, n, "HTTP 429"); return (int)VT_FAIL_RATELIMIT; }
  if (r->http_status != 200) { snprintf(why, n, "HTTP %ld", r->http_status); return (int)VT_FAIL_HTTP; }
  vt_rpc_resp resp;
  const char *bad;
  if (vt_rpc_parse_response(r->body, r->body_len, p->max_json_depth, &resp, &bad) != 0) {
    snprintf(why, n, "%s", bad);
    return (int)VT_FAIL_BAD_BODY;
  }
  if (resp.is_error) { snprintf(why, n, "%ld %s", resp.code, resp.message); return (int)VT_FAIL_RPC; }
  if (!vt_rpc_result_u64(resp.result, out)) { snprintf(why, n, "not a quantity"); return (int)VT_FAIL_BAD_BODY; }
  return -1;
}

static void on_poll(const vt_fetch_result *r, void *ud) {
  poll_ctx *pc = ud;
  vt_pool *p = pc->pool;
  vt_upstream *u = pc->u;
  vt_up_net *net = &p->net[u->index];
  bool chain = pc->chain;
  free(pc);
  if (chain) net->chain_poll = NULL;
  else net->poll = NULL;
  p->head_polls_inflight--;
  vt_upstream_on_done(u);
  if (r->error == VT_FETCH_E_CANCELLED || r->error == VT_FETCH_E_SHUTDOWN || p->closing) return;
  uint64_t now = vt_pool_now_ms(p);
  uint64_t v = 0;
  char why[200];
  char raw[200];
  int fail = reply_qty(p, r, &v, raw, sizeof raw);
  vt_pool_redact_str(p, raw, why, sizeof why);  /* upstream text: no secret passes */
  double lat = (double)(now - net->poll_t0);
  if (fail >= 0) {
    net->poll_fail_ms = now;
    vt_upstream_on_failure(u, now, (vt_fail_kind)fail, r->retry_after_s, why);
    vt_pool_note_attempt(p, u, fail, lat, false);
    VT_LOG(VT_LOG_DEBUG, "head_poll_failed", "upstream=%s what=%s", u->name, why);
    vt_pool_head_recompute(p);
    return;
  }
  vt_upstream_on_success(u, now, r->elapsed_ms > 0 ? r->elapsed_ms : lat);
  if (chain) {
    bool was = u->chain_ok;
    u->chain_checked = true;
    u->chain_id_seen = v;
    u->chain_ok = v == p->cfg->chain_id;
    net->chain_checked_ms = now;
    if (!u->chain_ok)
      VT_LOG(VT_LOG_ERROR, "wrong_chain", "upstream=%s chain_id=%llu expected=%llu: not used", u->name,
             (unsigned long long)v, (unsigned long long)p->cfg->chain_id);
    else if (!was)
      VT_LOG(VT_LOG_INFO, "upstream_ok", "upstream=%s chain_id=%llu", u->name, (unsigned long long)v);
  } else {
    vt_pool_note_head(u, v, now);
  }
  vt_pool_head_recompute(p);
}

void vt_pool_note_head(vt_upstream *u, uint64_t number, uint64_t now) {
  if (!u->head_known || number > u->head) u->head_seen_ms = now;
  u->head = number;
  u->head_known = true;
  u->head_ok_ms = now;
}

static void start_poll(vt_pool *p, vt_upstream *u, bool chain) {
  poll_ctx *pc = malloc(sizeof *pc);
  if (!pc) return;
  pc->pool = p;
  pc->u = u;
  pc->chain = chain;
  vt_up_net *net = &p->net[u->index];
  net->poll_t0 = vt_pool_now_ms(p);
  vt_fetch *f = vt_pool_send(p, u, chain ? chain_body : poll_body,
                                chain ? sizeof chain_body - 1 : sizeof poll_body - 1,
                             p->cfg->timeout_ms, on_poll, pc);
  if (!f) { free(pc); vt_upstream_on_done(u); return; }
  p->head_polls_inflight++;
  if (chain) net->chain_poll = f;
  else net->poll = f;
}

static void on_tick(uv_timer_t *t) {
  vt_pool *p = t->data;
  uint64_t now = vt_pool_now_ms(p);
  for (size_t i = 0; i < p->nups; i++) {
    vt_upstream *u = &p->ups[i];
    vt_up_net *net = &p->net[i];
    bool need_chain = !u->chain_checked || now - net->chain_checked_ms > CHAIN_RECHECK_MS;
    if (u->chain_checked && !u->chain_ok && now - net->chain_checked_ms < CHAIN_RECHECK_MS) continue;
    if (!vt_upstream_available(u, now, NULL, 0)) continue;
    if (need_chain && !net->chain_poll) start_poll(p, u, true);
    else if (u->chain_ok && vt_head_ws_tick(p, u, now)) continue; /* the subscription keeps its head */
    else if (!net->poll && u->chain_ok) start_poll(p, u, false);
  }
  vt_pool_head_recompute(p);
}

static uint64_t head_stale_ms(const vt_pool *p) {
  uint64_t every = p->cfg->head_poll_ms ? p->cfg->head_poll_ms : 1000;
  uint64_t stale = 4 * every;
  return stale < 1000 ? 1000 : stale;
}

static int cmp_desc(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x < y) - (x > y);
}

bool vt_pool_head_fresh(const vt_pool *p) {
  uint64_t now = vt_pool_now_ms(p), stale = head_stale_ms(p);
  for (size_t i = 0; i < p->nups; i++) {
    const vt_upstream *u = &p->ups[i];
    if (!u->head_known || u->breaker == VT_BREAKER_OPEN) continue; /* polled: on the chain */
    if (now - u->head_ok_ms > stale || p->net[i].poll_fail_ms > u->head_ok_ms) continue;
    return true;
  }
  return false;
}

void vt_pool_head_recompute(vt_pool *p) {
  uint64_t heads[VT_MAX_UPSTREAMS];
  size_t n = 0;
  uint64_t now = vt_pool_now_ms(p);
  bool trusted_only = p->cfg->anchor_mode == VT_ANCHOR_TRUSTED;
  for (size_t i = 0; i < p->nups; i++) {
    vt_upstream *u = &p->ups[i];
    if (!u->head_known || !u->chain_ok) continue;
    if (trusted_only && !p->net[i].trusted) continue;
    /* a head nobody has confirmed lately (polls failing or hanging) is stale: it must
     * not hold verity's head back, or `latest` would be pinned to an old block */
    if (now - u->head_ok_ms > head_stale_ms(p)) continue;
    if (!vt_upstream_available(u, now, NULL, 0) && u->breaker == VT_BREAKER_OPEN) continue;
    heads[n++] = u->head;
  }
  if (!n) return; /* keep what we had: requests will say who is missing */
  qsort(heads, n, sizeof heads[0], cmp_desc);
  unsigned k = trusted_only ? 1 : vt_pool_quorum(p);
  /* At start-up the first upstream to answer must not set the head alone (it may be
   * running ahead): wait for k heads, or for the stale window, after which the ones
   * that never answered count as failing like any other. */
  if (!p->head_known && n < k && now - p->started_ms < head_stale_ms(p)) return;
  if (k > n) k = (unsigned)n;
  uint64_t h = heads[k - 1];
  if (p->cfg->anchor_mode == VT_ANCHOR_LIGHTCLIENT || p->cfg->anchor_mode == VT_ANCHOR_AUTO) {
    /* latest = the light client's verified head; in mode auto only while it is synced
     * (the hook says no otherwise), and the upstreams' quorum head until then */
    uint64_t lc = 0;
    bool have = p->hooks.lc_head && p->hooks.lc_head(p->hooks.ud, &lc);
    if (!have && p->cfg->anchor_mode == VT_ANCHOR_LIGHTCLIENT) return;
    if (have && lc < h) h = lc;
  }
  uint64_t old = p->head;
  bool was_known = p->head_known;
  p->head = h;
  p->head_known = true;
  if (h > p->head_reported || !was_known) p->head_reported = h > p->head_reported ? h : p->head_reported;
  if (!was_known) VT_LOG(VT_LOG_INFO, "head", "block=%llu quorum=%u", (unsigned long long)h, k);
  if (was_known && h > old && p->hooks.on_head) p->hooks.on_head(p->hooks.ud, old, h);
}

void vt_pool_start(vt_pool *p) {
  uv_timer_init(p->loop, &p->head_timer);
  p->head_timer_init = true;
  p->head_timer.data = p;
  unsigned every = p->cfg->head_poll_ms ? p->cfg->head_poll_ms : 1000;
  uv_timer_start(&p->head_timer, on_tick, 0, every);
}

static void on_timer_closed(uv_handle_t *h) {
  vt_pool *p = h->data;
  if (p->on_closed) p->on_closed(p->on_closed_arg);
}

void vt_pool_close(vt_pool *p, void (*done)(void *arg), void *arg) {
  p->closing = true;
  vt_head_ws_close_all(p);
  p->on_closed = done;
  p->on_closed_arg = arg;
  if (!p->head_timer_init) {
    if (done) done(arg);
    return;
  }
  uv_timer_stop(&p->head_timer);
  p->head_timer_init = false;
  uv_close((uv_handle_t *)&p->head_timer, on_timer_closed);
}

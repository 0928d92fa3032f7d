/*
 * head_ws.c: upstream heads by newHeads subscription (see head_ws.h).
 *
 * One hws per upstream with a ws url, made on its first tick and kept for the pool's
 * life: the connection (NULL between attempts), the subscription id, the backoff, and
 * counters for /status. The connection's callbacks find the hws through ud; at shutdown
 * the hws is marked orphaned and freed by the connection's on_close.
 */
#include "pool/head_ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/hex.h"
#include "net/ws_client.h"
#include "obs/log.h"

#define HWS_SUB_ID_MAX 96
#define HWS_ERR_MAX 200
#define HWS_SUBSCRIBE "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_subscribe\",\"params\":[\"newHeads\"]}"

typedef struct vt_head_ws {
  vt_pool *pool;
  size_t index;
  vt_wsc *c;
  bool open, subscribed, orphaned;
  char sub_id[HWS_SUB_ID_MAX];
  uint64_t next_try_ms;
  unsigned backoff_ms;
  uint64_t notifications, connects, failures;
  char last_error[HWS_ERR_MAX];
} hws;

static unsigned every_ms(const vt_pool *p) { return p->cfg->head_poll_ms ? p->cfg->head_poll_ms : 1000; }

static void on_open(vt_wsc *c, void *ud) {
  hws *h = ud;
  h->open = true;
  h->connects++;
  if (vt_wsc_send_text(c, HWS_SUBSCRIBE, sizeof HWS_SUBSCRIBE - 1) != 0) vt_wsc_close(c, "the subscribe request could not be sent");
}

/* A notification's head: the same bookkeeping as a successful eth_blockNumber poll. */
static void take_head(hws *h, uint64_t number) {
  vt_pool *p = h->pool;
  vt_pool_note_head(&p->ups[h->index], number, vt_pool_now_ms(p));
  h->notifications++;
  vt_pool_head_recompute(p);
}

static void on_message(vt_wsc *c, const char *msg, size_t len, void *ud) {
  hws *h = ud;
  json_error_t je;
  json_t *m = json_loadb(msg, len, 0, &je);
  const char *why = NULL;
  if (!json_is_object(m)) {
    why = "the upstream sent something that is not a JSON-RPC object";
    goto out;
  }
  json_t *params = json_object_get(m, "params");
  if (!h->subscribed) { /* the answer to eth_subscribe */
    const char *id = json_string_value(json_object_get(m, "result"));
    if (json_object_get(m, "error") || !id || strlen(id) >= sizeof h->sub_id) {
      why = "eth_subscribe(newHeads) was refused";
      goto out;
    }
    snprintf(h->sub_id, sizeof h->sub_id, "%s", id);
    h->subscribed = true;
    h->backoff_ms = 0;
    VT_LOG(VT_LOG_INFO, "ws_subscribed", "upstream=%s", h->pool->ups[h->index].name);
    goto out;
  }
  const char *sub = json_string_value(json_object_get(params, "subscription"));
  const char *num = json_string_value(json_object_get(json_object_get(params, "result"), "number"));
  uint64_t n;
  if (!sub || strcmp(sub, h->sub_id) != 0) goto out; /* not ours (nothing else was asked): ignored */
  if (!num || vc_hex_quantity_u64(num, strlen(num), &n) != VC_OK) {
    why = "a newHeads notification without a block number";
    goto out;
  }
  take_head(h, n);
out:
  json_decref(m);
  if (why) vt_wsc_close(c, why);
}

static void on_close(vt_wsc *c, const char *why, void *ud) {
  hws *h = ud;
  (void)c;
  if (h->orphaned) {
    free(h);
    return;
  }
  vt_pool *p = h->pool;
  char red[HWS_ERR_MAX];
  vt_pool_redact_str(p, why ? why : "closed", red, sizeof red);
  snprintf(h->last_error, sizeof h->last_error, "%s", red);
  h->failures++;
  h->c = NULL;
  h->open = h->subscribed = false;
  h->backoff_ms = h->backoff_ms ? h->backoff_ms * 2 : VT_HEAD_WS_BACKOFF_MIN_MS;
  if (h->backoff_ms > VT_HEAD_WS_BACKOFF_MAX_MS) h->backoff_ms = VT_HEAD_WS_BACKOFF_MAX_MS;
  h->next_try_ms = vt_pool_now_ms(p) + h->backoff_ms;
  if (!p->closing)
    VT_LOG(VT_LOG_WARN, "ws_failed", "upstream=%s why=%s retry_ms=%u (polling meanwhile)", p->ups[h->index].name, red,
           h->backoff_ms);
}

static void connect_ws(hws *h) {
  vt_pool *p = h->pool;
  const vt_up_net *net = &p->net[h->index];
  vt_wsc_opts o = {.connect_timeout_ms = p->cfg->connect_timeout_ms ? p->cfg->connect_timeout_ms : 5000,
                   .max_message = VT_HEAD_WS_MAX_MESSAGE,
                   .headers = (const char *const *)net->headers,
                   .nheaders = net->nheaders};
  vt_wsc_handlers hd = {.on_open = on_open, .on_message = on_message, .on_close = on_close};
  char err[160];
  h->c = vt_wsc_open(p->loop, net->ws_url, &o, &hd, h, err, sizeof err);
  if (!h->c) { /* a url the config accepted but this client cannot use */
    snprintf(h->last_error, sizeof h->last_error, "%s", err);
    h->failures++;
    h->next_try_ms = vt_pool_now_ms(p) + VT_HEAD_WS_BACKOFF_MAX_MS;
  }
}

bool vt_head_ws_tick(vt_pool *p, vt_upstream *u, uint64_t now) {
  vt_up_net *net = &p->net[u->index];
  if (!net->ws_url || p->closing) return false;
  hws *h = net->ws;
  if (!h) {
    h = net->ws = calloc(1, sizeof *h);
    if (!h) return false;
    h->pool = p;
    h->index = (size_t)u->index;
  }
  if (!h->c) {
    if (now >= h->next_try_ms) connect_ws(h);
    return false;
  }
  if (!h->subscribed) return false;
  unsigned every = every_ms(p);
  if (now - vt_wsc_last_rx_ms(h->c) > 2ull * every + 1000) {
    vt_wsc_close(h->c, "the server stopped answering pings");
    return false;
  }
  (void)vt_wsc_ping(h->c);
  if (u->breaker != VT_BREAKER_CLOSED) return false; /* the poll is the breaker's probe */
  /* a live subscription confirms the head it last sent: no new block is no news */
  if (u->head_known) u->head_ok_ms = now;
  return true;
}

void vt_head_ws_info_get(const vt_pool *p, size_t i, vt_head_ws_info *out) {
  const vt_up_net *net = &p->net[i];
  const hws *h = net->ws;
  *out = (vt_head_ws_info){.configured = net->ws_url != NULL, .state = "waiting", .last_error = ""};
  if (!h) return;
  out->state = !h->c ? "waiting" : !h->open ? "connecting" : !h->subscribed ? "subscribing" : "subscribed";
  out->head_source_ws = h->c && h->subscribed && p->ups[i].breaker == VT_BREAKER_CLOSED;
  out->notifications = h->notifications;
  out->connects = h->connects;
  out->failures = h->failures;
  out->last_error = h->last_error;
}

void vt_head_ws_close_all(vt_pool *p) {
  for (size_t i = 0; i < p->nups; i++) {
    hws *h = p->net[i].ws;
    if (!h) continue;
    p->net[i].ws = NULL;
    if (h->c) {
      h->orphaned = true;
      vt_wsc_close(h->c, "shutting down"); /* on_close frees h */
    } else {
      free(h);
    }
  }
}

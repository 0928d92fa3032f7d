/*
 * pool.c: the upstream pool's set-up, its quorum arithmetic, sending to one upstream,
 * and its metrics (see pool.h). Head tracking is in head.c, the call engine in call.c.
 */
#include "pool/pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/redact.h"

uint64_t vt_pool_now_ms(const vt_pool *p) { return uv_now(p->loop); }

int vt_pool_init(vt_pool *p, uv_loop_t *loop, const vt_config *cfg, vt_fetcher *fetcher, char *err, size_t errlen) {
  memset(p, 0, sizeof *p);
  p->loop = loop;
  p->cfg = cfg;
  p->fetcher = fetcher;
  p->started_ms = uv_now(loop);
  p->max_json_depth = cfg->max_json_depth ? cfg->max_json_depth : 64;
  if (cfg->nupstreams == 0 || cfg->nupstreams > VT_MAX_UPSTREAMS) {
    snprintf(err, errlen, "need between 1 and %d upstreams, have %zu", VT_MAX_UPSTREAMS, cfg->nupstreams);
    return -1;
  }
  p->nups = cfg->nupstreams;
  for (size_t i = 0; i < p->nups; i++) {
    const vt_upstream_cfg *uc = &cfg->upstreams[i];
    vt_upstream_policy pol = {
        .breaker_failures = cfg->breaker_failures,
        .breaker_open_ms = cfg->breaker_open_ms,
        .max_inflight = cfg->max_inflight_per_upstream,
        .max_rps = uc->max_rps,
        .weight = uc->weight,
    };
    vt_upstream_init(&p->ups[i], uc->name, (int)i, &pol);
    vt_up_net *net = &p->net[i];
    net->url = uc->url;
    net->ws_url = uc->ws;
    net->timeout_ms = uc->timeout_ms;
    net->trusted = uc->trusted;
    net->headers = calloc(uc->nheaders + 1, sizeof *net->headers);
    if (!net->headers) goto oom;
    for (size_t j = 0; j < uc->nheaders; j++) {
      size_t n = strlen(uc->headers[j].name) + strlen(uc->headers[j].value) + 3;
      net->headers[j] = malloc(n);
      if (!net->headers[j]) goto oom;
      snprintf(net->headers[j], n, "%s: %s", uc->headers[j].name, uc->headers[j].value);
      net->nheaders++;
    }
    for (size_t j = 0; j < uc->nsecrets; j++) {
      const char **grown = realloc(p->secrets, (p->nsecrets + 1) * sizeof *grown);
      if (!grown) goto oom;
      p->secrets = grown;
      p->secrets[p->nsecrets++] = uc->secrets[j];
    }
  }
  return 0;
oom:
  snprintf(err, errlen, "out of memory while starting");
  return -1;
}

void vt_pool_free(vt_pool *p) {
  for (size_t i = 0; i < p->nups; i++) {
    for (size_t j = 0; j < p->net[i].nheaders; j++) free(p->net[i].headers[j]);
    free(p->net[i].headers);
    p->net[i].headers = NULL;
    p->net[i].nheaders = 0;
  }
  free(p->secrets);
  p->secrets = NULL;
  p->nsecrets = 0;
}

bool vt_pool_redact(const vt_pool *p, const char *in, size_t n, vt_buf *out) {
  return vt_redact_secrets(p->secrets, p->nsecrets, in, n, out);
}

const char *vt_pool_redact_str(const vt_pool *p, const char *in, char *out, size_t cap) {
  vt_buf b;
  vt_buf_init(&b, VT_POOL_MAX_ERROR_TEXT);
  if (!in) in = "";
  if (!vt_pool_redact(p, in, strlen(in), &b)) {
    vt_buf_reset(&b);
    vt_buf_puts(&b, "(an upstream error text too long to show)");
  }
  snprintf(out, cap, "%s", b.data ? b.data : "");
  vt_buf_free(&b);
  return out;
}

unsigned vt_pool_usable(const vt_pool *p) {
  unsigned n = 0;
  uint64_t now = vt_pool_now_ms(p);
  for (size_t i = 0; i < p->nups; i++) {
    const vt_upstream *u = &p->ups[i];
    if (u->chain_checked && !u->chain_ok) continue;
    if (u->breaker == VT_BREAKER_OPEN && now < u->breaker_until_ms) continue;
    n++;
  }
  return n;
}

unsigned vt_pool_quorum(const vt_pool *p) {
  unsigned k = p->cfg->quorum ? p->cfg->quorum : 2;
  unsigned n = vt_pool_usable(p);
  if (k > n) k = n;
  return k ? k : 1;
}

unsigned vt_pool_anchor_k(const vt_pool *p) {
  unsigned k = p->cfg->quorum ? p->cfg->quorum : 2;
  if (k > p->nups) k = (unsigned)p->nups;
  return k ? k : 1;
}

vt_fetch *vt_pool_send(vt_pool *p, vt_upstream *u, const char *body, size_t len, unsigned timeout_ms, vt_fetch_cb cb,
                       void *ud) {
  vt_up_net *net = &p->net[u->index];
  vt_fetch_opts o = {
      .url = net->url,
      .headers = (const char *const *)net->headers,
      .nheaders = net->nheaders,
      .body = body,
      .body_len = len,
      .timeout_ms = net->timeout_ms && net->timeout_ms < timeout_ms ? net->timeout_ms : timeout_ms,
      .connect_timeout_ms = p->cfg->connect_timeout_ms,
      .max_response = p->cfg->max_response,
  };
  vt_upstream_on_send(u, vt_pool_now_ms(p));
  vt_fetch *f = vt_fetch_start(p->fetcher, &o, cb, ud);
  if (!f) vt_upstream_on_done(u);
  return f;
}

void vt_pool_note_attempt(vt_pool *p, vt_upstream *u, int kind, double latency_ms, bool hedged) {
  if (!p->m.up_requests) return;
  const char *up[1] = {u->name};
  vt_metric_child *c;
  if (kind != VT_FAIL_LIE && (c = vt_metric_with(p->m.up_requests, up))) vt_metric_inc(c, 1);
  if (hedged && (c = vt_metric_with(p->m.hedges, up))) vt_metric_inc(c, 1);
  if (kind < 0) {
    if ((c = vt_metric_with(p->m.up_latency, up))) vt_metric_observe(c, latency_ms / 1000.0);
  } else if ((unsigned)kind < VT_FAIL_KINDS) {
    const char *uk[2] = {u->name, vt_fail_kind_names[kind]};
    if ((c = vt_metric_with(p->m.up_errors, uk))) vt_metric_inc(c, 1);
  }
}

void vt_pool_refresh_gauges(vt_pool *p) {
  if (!p->m.up_breaker) return;
  vt_metric_child *c;
  for (size_t i = 0; i < p->nups; i++) {
    vt_upstream *u = &p->ups[i];
    const char *up[1] = {u->name};
    if ((c = vt_metric_with(p->m.up_breaker, up))) vt_metric_set(c, (double)u->breaker);
    if (u->head_known && (c = vt_metric_with(p->m.up_head, up))) vt_metric_set(c, (double)u->head);
    if (u->head_known && p->head_known && (c = vt_metric_with(p->m.up_head_lag, up)))
      vt_metric_set(c, u->head >= p->head ? 0.0 : (double)(p->head - u->head));
  }
  if (p->head_known && (c = vt_metric_with(p->m.head, NULL))) vt_metric_set(c, (double)p->head);
}

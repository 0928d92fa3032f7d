/*
 * tag.c: `safe` and `finalized` pinned to a proven block (see tag.h).
 *
 * One treq per call: in quorum and trusted mode it asks each usable upstream (one
 * request each, eth_getBlockByNumber(tag, false)) and collects the numbers named;
 * when the last has answered it takes the k-th highest, rewrites the tag in the params
 * to that number and starts the ordinary proof. An upstream that fails is charged like
 * a failed head poll. The treq owns copies of the method and params.
 */
#include "prove/tag.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "obs/log.h"
#include "rpc/rpc.h"
#include "util/buf.h"

#define TAG_PARAMS_MAX (64u * 1024u) /* a provable call's params are small (a filter at most) */
#define REASON_MAX 240

static const char *const tag_names[] = {
    [VT_TAG_SAFE] = "safe", [VT_TAG_FINALIZED] = "finalized",
};

typedef struct treq {
  vt_prover *pv;
  vt_block_tag tag;
  char *method;
  char *params;
  size_t params_len;
  vt_answer_cb cb;
  void *ud;
  uint64_t t0;
  unsigned outstanding, asked;
  uint64_t numbers[VT_MAX_UPSTREAMS];
  unsigned nnum;
} treq;

typedef struct {
  treq *t;
  vt_upstream *u;
} tsend;

void vt_prove_refuse(vt_answer_cb cb, void *ud, const char *method, const char *reason, uint64_t t0_ms) {
  vt_buf d;
  vt_buf_init(&d, 4096);
  vt_buf_puts(&d, "{\"reason\":");
  vt_buf_json_str(&d, reason, strlen(reason));
  vt_buf_puts(&d, ",\"method\":");
  vt_buf_json_str(&d, method, strlen(method));
  vt_buf_puts(&d, "}");
  if (!vt_buf_ok(&d)) {
    vt_buf_reset(&d);
    vt_buf_puts(&d, "{\"reason\":\"could not prove the answer\"}");
  }
  vt_answer a = {.outcome = VT_CALL_UNAVAILABLE, .result = d.data, .len = d.len, .trust = {.tier = VT_TRUST_NONE},
                 .method = method, .t_start_ms = t0_ms};
  cb(&a, ud);
  vt_buf_free(&d);
}

static void treq_free(treq *t) {
  free(t->method);
  free(t->params);
  free(t);
}

static void refuse(treq *t, const char *reason) {
  vt_prove_refuse(t->cb, t->ud, t->method, reason, t->t0);
  treq_free(t);
}

/* The params with every "safe"/"finalized" string (the one tag kept) made the number.
 * Other params of provable methods are hex, booleans or objects of them, so the tag's
 * quoted spelling occurs nowhere else. */
static bool rewrite(const treq *t, uint64_t number, vt_buf *out) {
  char quoted[24], num[32];
  snprintf(quoted, sizeof quoted, "\"%s\"", tag_names[t->tag]);
  snprintf(num, sizeof num, "\"0x%llx\"", (unsigned long long)number);
  size_t ql = strlen(quoted);
  const char *p = t->params, *end = t->params + t->params_len;
  while (p < end) {
    const char *hit = NULL;
    for (const char *s = p; s + ql <= end; s++)
      if (memcmp(s, quoted, ql) == 0) { hit = s; break; }
    if (!hit) { vt_buf_append(out, p, (size_t)(end - p)); break; }
    vt_buf_append(out, p, (size_t)(hit - p));
    vt_buf_puts(out, num);
    p = hit + ql;
  }
  return vt_buf_ok(out);
}

static void pin_and_prove(treq *t, uint64_t number) {
  VT_LOG(VT_LOG_DEBUG, "tag_pinned", "tag=%s block=%llu", tag_names[t->tag], (unsigned long long)number);
  vt_buf b;
  vt_buf_init(&b, TAG_PARAMS_MAX);
  if (!rewrite(t, number, &b)) {
    vt_buf_free(&b);
    refuse(t, "the call's params are too large to pin its block tag");
    return;
  }
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = number};
  int rc = vt_verify_start(t->pv, t->method, vt_span_of(b.data, b.len), &plan, t->cb, t->ud);
  vt_buf_free(&b);
  if (rc == 0) { treq_free(t); return; }
  refuse(t, rc > 0 ? "the pinned range cannot be proven (it ends before it starts)" : "out of memory");
}

static int cmp_desc(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return (x < y) - (x > y);
}

static void decide(treq *t) {
  vt_pool *pool = t->pv->pool;
  bool trusted = pool->cfg->anchor_mode == VT_ANCHOR_TRUSTED;
  unsigned k = trusted ? 1 : vt_pool_quorum(pool);
  if (t->nnum < k) {
    char why[REASON_MAX];
    snprintf(why, sizeof why, "the %s block could not be pinned: %u of %u upstreams asked named one, %u needed",
             tag_names[t->tag], t->nnum, t->asked, k);
    refuse(t, why);
    return;
  }
  qsort(t->numbers, t->nnum, sizeof t->numbers[0], cmp_desc);
  pin_and_prove(t, t->numbers[k - 1]);
}

/* The block number in one upstream's reply, or false with why. */
static bool reply_number(const vt_pool *p, const vt_fetch_result *r, uint64_t *out, char *why, size_t n) {
  if (r->error != VT_FETCH_OK) { snprintf(why, n, "%s", r->error_msg ? r->error_msg : "transport error"); return false; }
  if (r->http_status != 200) { snprintf(why, n, "HTTP %ld", r->http_status); return false; }
  vt_rpc_resp resp;
  const char *bad;
  if (vt_rpc_parse_response(r->body, r->body_len, p->max_json_depth, &resp, &bad) != 0 || resp.is_error) {
    snprintf(why, n, "%s", resp.is_error ? "an error" : bad);
    return false;
  }
  json_error_t je;
  json_t *j = json_loadb(resp.result.p, resp.result.n, 0, &je);
  bool ok = j && vt_json_u64(json_object_get(j, "number"), out);
  json_decref(j);
  if (!ok) snprintf(why, n, "no block number in the answer");
  return ok;
}

static void on_reply(const vt_fetch_result *r, void *ud) {
  tsend *s = ud;
  treq *t = s->t;
  vt_upstream *u = s->u;
  free(s);
  vt_pool *pool = t->pv->pool;
  vt_upstream_on_done(u);
  uint64_t now = vt_pool_now_ms(pool), number;
  char why[200];
  if (reply_number(pool, r, &number, why, sizeof why)) {
    vt_upstream_on_success(u, now, r->elapsed_ms);
    t->numbers[t->nnum++] = number;
  } else if (r->error != VT_FETCH_E_CANCELLED && r->error != VT_FETCH_E_SHUTDOWN) {
    vt_upstream_on_failure(u, now, VT_FAIL_RPC, -1, why);
    VT_LOG(VT_LOG_DEBUG, "tag_failed", "upstream=%s tag=%s what=%s", u->name, tag_names[t->tag], why);
  }
  if (--t->outstanding == 0) decide(t);
}

static void ask_upstreams(treq *t) {
  vt_pool *pool = t->pv->pool;
  bool trusted = pool->cfg->anchor_mode == VT_ANCHOR_TRUSTED;
  char body[128];
  snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBlockByNumber\",\"params\":[\"%s\",false]}",
           tag_names[t->tag]);
  uint64_t now = vt_pool_now_ms(pool);
  t->outstanding = 1; /* held while sending: a reply inside a send must not decide early */
  for (size_t i = 0; i < pool->nups; i++) {
    vt_upstream *u = &pool->ups[i];
    if (!u->chain_ok || (trusted && !pool->net[i].trusted) || !vt_upstream_available(u, now, NULL, 0)) continue;
    tsend *s = malloc(sizeof *s);
    if (!s) break;
    s->t = t;
    s->u = u;
    t->outstanding++;
    t->asked++;
    if (!vt_pool_send(pool, u, body, strlen(body), pool->cfg->timeout_ms, on_reply, s)) {
      free(s);
      t->outstanding--;
    }
  }
  if (--t->outstanding == 0) decide(t);
}

int vt_verify_tagged(vt_prover *pv, const vt_job *job, vt_answer_cb cb, void *ud) {
  vt_block_tag tag = (vt_block_tag)job->plan->tag;
  if (tag != VT_TAG_SAFE && tag != VT_TAG_FINALIZED) return -1;
  if (job->params.n > TAG_PARAMS_MAX) {
    vt_prove_refuse(cb, ud, job->method, "the call's params are too large to pin its block tag", vt_pool_now_ms(pv->pool));
    return 0;
  }
  treq *t = calloc(1, sizeof *t);
  if (!t) return -1;
  t->method = strdup(job->method);
  t->params = malloc(job->params.n + 1);
  if (!t->method || !t->params) { treq_free(t); return -1; }
  memcpy(t->params, job->params.p, job->params.n);
  t->params[job->params.n] = 0;
  t->params_len = job->params.n;
  t->pv = pv;
  t->tag = tag;
  t->cb = cb;
  t->ud = ud;
  t->t0 = vt_pool_now_ms(pv->pool);
  if (vt_anchor_active(pv->anchor, NULL, 0) == VT_ANCHOR_LIGHTCLIENT) { /* mode lightclient, or auto while synced */
    uint64_t fin;
    if (vt_anchor_lc_finalized(pv->anchor, &fin)) pin_and_prove(t, fin);
    else refuse(t, "the light client has no finalized header yet: safe and finalized cannot be pinned");
    return 0;
  }
  ask_upstreams(t);
  return 0;
}

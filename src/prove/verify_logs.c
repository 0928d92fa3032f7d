/*
 * verify_logs.c: eth_getLogs answered from proven receipts only.
 *
 * For each block of the (pinned) range, its anchored header's logsBloom says whether
 * the block can hold a matching log. Blocks it rules out contribute nothing; for the
 * others, the block's receipts are proven (anchored header -> full block ->
 * receipts, see verify.c) and the matching logs are taken from them, in order. So an
 * upstream can neither omit a log (the receipts root commits to every log) nor invent
 * one. Blocks are processed 8 x logs.parallel at a time (headers anchored, receipts
 * proven); ranges above logs.max_blocks are refused with -32005 and a message saying
 * to split them. Each block's proven receipts go through the answer cache (plan/flight.h,
 * handed down as vt_prove_share at wiring)
 * under the same key as eth_getBlockReceipts by hash, so a block proven once is not
 * fetched again while it stays cached, by a later range or by another instance
 * sharing Redis. No upstream eth_getLogs is used, so the upstreams' range limits do
 * not apply here (logs.c handles them when verification is off).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bloom.h"
#include "core/hex.h"
#include "prove/anchor.h"
#include "pool/call.h"
#include "prove/verify.h"
#include "util/buf.h"

#define LOGS_WINDOW_PER_PARALLEL 8
#define LOGS_WINDOW_MAX 128 /* the anchor takes 256 pending headers at once */

typedef struct lreq lreq;

typedef struct {
  lreq *l;
  uint64_t number;
  json_t *logs;         /* matching logs of this block (owned), NULL until done */
  bool done;
} lblock;

struct lreq {
  vt_prover *pv;
  vc_log_filter f;
  bool by_hash;
  uint8_t hash[32];
  uint64_t from, to;
  lblock *blocks;
  size_t nblocks, next, inflight, ndone, window;
  bool pumping, again;
  bool failed;
  char why[200];
  char *fail_data;
  vt_trust trust;           /* of the last proven block (tier none until one is) */
  vt_answer_cb cb;
  void *ud;
  uint64_t t0;
};

static void pump(lreq *l);

static void lreq_free(lreq *l) {
  for (size_t i = 0; i < l->nblocks; i++) json_decref(l->blocks[i].logs);
  free(l->blocks);
  vc_log_filter_free(&l->f);
  free(l->fail_data);
  free(l);
}

static void finish(lreq *l) {
  vt_answer a = {.method = "eth_getLogs", .t_start_ms = l->t0};
  if (l->failed) {
    vt_buf d;
    vt_buf_init(&d, 64 * 1024);
    vt_buf_puts(&d, "{\"reason\":");
    vt_buf_json_str(&d, l->why, strlen(l->why));
    vt_buf_puts(&d, ",\"method\":\"eth_getLogs\"");
    if (l->fail_data) {
      vt_buf_puts(&d, ",\"detail\":");
      vt_buf_puts(&d, l->fail_data);
    }
    vt_buf_puts(&d, "}");
    a.outcome = VT_CALL_UNAVAILABLE;
    a.result = vt_buf_ok(&d) ? d.data : "{\"reason\":\"logs could not be proven\"}";
    a.len = strlen(a.result);
    a.trust = vt_trust_of(VT_TRUST_NONE);
    l->cb(&a, l->ud);
    vt_buf_free(&d);
    lreq_free(l);
    return;
  }
  json_t *all = json_array();
  for (size_t i = 0; all && i < l->nblocks; i++) json_array_extend(all, l->blocks[i].logs);
  char *txt = all ? json_dumps(all, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(all);
  if (!txt) {
    a.outcome = VT_CALL_UNAVAILABLE;
    a.result = "{\"reason\":\"out of memory\"}";
  } else {
    a.outcome = VT_CALL_OK;
    a.result = txt;
  }
  a.len = strlen(a.result);
  a.trust = l->trust.tier != VT_TRUST_NONE ? l->trust : vt_trust_of(VT_TRUST_VERIFIED);
  l->cb(&a, l->ud);
  free(txt);
  lreq_free(l);
}

static void block_done(lblock *b, json_t *logs) {
  lreq *l = b->l;
  b->logs = logs ? logs : json_array();
  b->done = true;
  l->inflight--;
  l->ndone++;
  pump(l);
}

static void fail(lreq *l, const char *why, const char *data) {
  if (l->failed) return;
  l->failed = true;
  snprintf(l->why, sizeof l->why, "%s", why);
  if (data) l->fail_data = strdup(data);
}

static void on_receipts(const vt_answer *a, void *ud) {
  lblock *b = ud;
  lreq *l = b->l;
  if (a->outcome != VT_CALL_OK) {
    fail(l, "the receipts of a block in the range could not be proven", a->outcome == VT_CALL_UNAVAILABLE ? a->result : NULL);
    block_done(b, NULL);
    return;
  }
  l->trust = a->trust;
  json_error_t je;
  json_t *rs = json_loadb(a->result, a->len, 0, &je);
  json_t *out = json_array();
  size_t i, j;
  json_t *r, *log;
  json_array_foreach(rs, i, r) {
    json_array_foreach(json_object_get(r, "logs"), j, log) {
      if (vc_log_filter_match_json(&l->f, log)) json_array_append(out, log);
    }
  }
  json_decref(rs);
  block_done(b, out);
}

/* flight start: prove a block's receipts (verify.c) */
static int prove_receipts(void *ctx, const vt_job *job, vt_answer_cb cb, void *ud) {
  return vt_verify_start(ctx, job->method, job->params, job->plan, cb, ud) == 0 ? 0 : -1;
}

static void on_anchor(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  (void)agreed;
  lblock *b = ud;
  lreq *l = b->l;
  if (!h) {
    fail(l, why == vt_anchor_absent ? "the range reaches past every usable upstream's head" :
            why ? why : "a block in the range could not be anchored", why == vt_anchor_absent ? NULL : data);
    block_done(b, NULL);
    return;
  }
  if (l->trust.tier == VT_TRUST_NONE) l->trust = h->trust;
  if (l->failed || !vc_bloom_may_match(h->hdr.logs_bloom, &l->f)) {
    block_done(b, NULL); /* the header's bloom proves no log here matches */
    return;
  }
  char params[80], hx[70];
  vc_hex_encode(h->hdr.hash, 32, hx);
  snprintf(params, sizeof params, "[\"%s\"]", hx);
  vt_plan plan = {.kind = VT_PIN_HASH, .number = h->hdr.number};
  vt_job fc = {.m = vt_method_find("eth_getBlockReceipts"), .method = "eth_getBlockReceipts",
                       .params = vt_span_of(params, strlen(params)), .plan = &plan};
  const vt_prove_share *sh = &l->pv->share;
  int rc = sh->share ? sh->share(sh->ud, &fc, prove_receipts, l->pv, on_receipts, b)
                     : prove_receipts(l->pv, &fc, on_receipts, b);
  if (rc != 0) {
    fail(l, "out of memory", NULL);
    block_done(b, NULL);
  }
}

/* Anchor the next blocks, up to the window; answer when every block is done. A block
 * may finish inside its start (cached header, cached receipts): that inner pump only
 * asks for another round, so the request is finished (and freed) by the outermost
 * one, and a long run of cached blocks does not recurse. */
static void pump(lreq *l) {
  if (l->pumping) { l->again = true; return; }
  l->pumping = true;
  do {
    l->again = false;
    while (!l->failed && l->next < l->nblocks && l->inflight < l->window) {
      lblock *b = &l->blocks[l->next++];
      l->inflight++;
      if (l->by_hash) vt_anchor_by_hash(l->pv->anchor, l->hash, on_anchor, b);
      else vt_anchor_by_number(l->pv->anchor, b->number, on_anchor, b);
    }
  } while (l->again);
  l->pumping = false;
  if (l->ndone == l->nblocks || (l->failed && l->inflight == 0)) finish(l);
}

/* 1: started; 0: not provable this way (caller uses the plain path); -1: answered with an error. */
int vt_verify_logs(vt_prover *pv, vt_span params, vt_answer_cb cb, void *ud) {
  json_error_t je;
  json_t *p = json_loadb(params.p, params.n, 0, &je);
  json_t *f = json_array_get(p, 0);
  int rc = 0;
  lreq *l = NULL;
  if (!json_is_object(f)) goto out;
  l = calloc(1, sizeof *l);
  if (!l) goto out;
  vc_err err;
  if (vc_log_filter_from_json(f, &l->f, &err) != VC_OK) goto out;
  json_t *bh = json_object_get(f, "blockHash");
  if (bh) {
    if (!vt_json_fixed(bh, l->hash, 32)) goto out;
    l->by_hash = true;
    l->nblocks = 1;
  } else {
    if (!vt_json_u64(json_object_get(f, "fromBlock"), &l->from) || !vt_json_u64(json_object_get(f, "toBlock"), &l->to)) goto out;
    if (l->from > l->to) goto out; /* the upstreams' own answer (an error) */
    if (l->to - l->from >= pv->pool->cfg->logs_max_blocks) {
      char msg[240];
      snprintf(msg, sizeof msg,
               "{\"code\":-32005,\"message\":\"limit exceeded: verified eth_getLogs takes at most %llu blocks per call "
               "(logs.max_blocks); this range has %llu: split it\"}",
               (unsigned long long)pv->pool->cfg->logs_max_blocks, (unsigned long long)(l->to - l->from + 1));
      vt_answer a = {.outcome = VT_CALL_RPC_ERROR, .result = msg, .len = strlen(msg), .trust = {.tier = VT_TRUST_NONE},
                     .method = "eth_getLogs", .t_start_ms = vt_pool_now_ms(pv->pool)};
      cb(&a, ud);
      rc = -1;
      goto out;
    }
    l->nblocks = (size_t)(l->to - l->from + 1);
  }
  l->blocks = calloc(l->nblocks, sizeof *l->blocks);
  if (!l->blocks) goto out;
  for (size_t i = 0; i < l->nblocks; i++) {
    l->blocks[i].l = l;
    l->blocks[i].number = l->from + i;
  }
  l->pv = pv;
  l->cb = cb;
  l->ud = ud;
  l->t0 = vt_pool_now_ms(pv->pool);
  l->window = (size_t)pv->pool->cfg->logs_parallel * LOGS_WINDOW_PER_PARALLEL;
  if (l->window < 1) l->window = 1;
  if (l->window > LOGS_WINDOW_MAX) l->window = LOGS_WINDOW_MAX;
  json_decref(p);
  pump(l);
  return 1;
out:
  if (l) lreq_free(l);
  json_decref(p);
  return rc;
}

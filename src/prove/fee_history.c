/*
 * fee_history.c: eth_feeHistory from proven data (see fee_history.h).
 *
 * One fhreq per call. Its work is a list of operations, numbered: for each block of
 * the range its anchored header, then (with percentiles) its proven full block and
 * its proven receipts, then on an OP-stack chain the next block's base fee. At most
 * FH_PARALLEL run at once; each result is kept by index. The first failure stops new
 * operations; when the last one in flight returns, the client gets -32002 naming it.
 * When every operation has succeeded the answer is computed with libverity-core
 * (core/fees.h) and rendered in geth's field order.
 */
#include "prove/fee_history.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/fees.h"
#include "core/hex.h"
#include "pool/call.h"
#include "prove/fees.h"
#include "prove/tag.h"
#include "util/buf.h"

#define FH_METHOD "eth_feeHistory"
#define FH_WHY_MAX 512
#define FH_DATA_MAX (16u * 1024)        /* bytes of the -32002 data kept from a sub-call */
#define FH_OUT_MAX (8u * 1024 * 1024)   /* bytes of one answer (1024 blocks x 100 rewards fits) */
#define FH_MEDIAN_MAX 16                /* upstream answers kept for the OP next base fee */

typedef enum { OP_HEADER, OP_BLOCK, OP_RECEIPTS, OP_NEXT } fh_kind;

typedef struct fhreq fhreq;
typedef struct {
  fhreq *q;
  unsigned i;
} fh_op;

struct fhreq {
  vt_prover *pv;
  vt_answer_cb cb;
  void *ud;
  uint64_t t0;
  uint64_t oldest, newest;
  unsigned count;
  double pct[VC_FEE_MAX_PERCENTILES];
  size_t np;
  bool op_stack;        /* the next base fee is fetched (OP_NEXT), not computed */
  vc_header *hdr;       /* count */
  vt_trust *trust;      /* count */
  json_t **blocks;      /* count, with percentiles */
  json_t **receipts;    /* count, with percentiles */
  fh_op *ops;
  unsigned nops, started, finished, inflight;
  bool failed, pumping, answered;
  unsigned __int128 next_base_fee;
  vt_trust next_trust;  /* the OP next base fee's trust (verified, or a quorum) */
  unsigned __int128 medians[FH_MEDIAN_MAX];
  unsigned nmedians;
  char why[FH_WHY_MAX];
  char *data;           /* -32002 data of the failed sub-call, or NULL */
};

static void fh_free(fhreq *q) {
  if (q->blocks)
    for (unsigned i = 0; i < q->count; i++) json_decref(q->blocks[i]);
  if (q->receipts)
    for (unsigned i = 0; i < q->count; i++) json_decref(q->receipts[i]);
  free(q->blocks);
  free(q->receipts);
  free(q->hdr);
  free(q->trust);
  free(q->ops);
  free(q->data);
  free(q);
}

static fh_kind kind_of(const fhreq *q, unsigned op, unsigned *block) {
  *block = op % (q->count ? q->count : 1);
  if (op >= q->nops - (q->op_stack ? 1u : 0u)) return OP_NEXT;
  return op < q->count ? OP_HEADER : op < 2 * q->count ? OP_BLOCK : OP_RECEIPTS;
}

/* -32002 naming why, with the sub-call's own data when there is one. */
static void refuse(fhreq *q) {
  vt_buf d;
  vt_buf_init(&d, FH_DATA_MAX + FH_WHY_MAX + 128);
  vt_buf_puts(&d, "{\"reason\":");
  vt_buf_json_str(&d, q->why, strlen(q->why));
  vt_buf_puts(&d, ",\"method\":\"" FH_METHOD "\"");
  if (q->data) {
    vt_buf_puts(&d, ",\"detail\":");
    vt_buf_puts(&d, q->data);
  }
  vt_buf_puts(&d, "}");
  if (!vt_buf_ok(&d)) {
    vt_buf_reset(&d);
    vt_buf_puts(&d, "{\"reason\":\"could not prove the fee history\",\"method\":\"" FH_METHOD "\"}");
  }
  vt_answer a = {.outcome = VT_CALL_UNAVAILABLE, .result = d.data, .len = d.len, .trust = vt_trust_of(VT_TRUST_NONE),
                 .method = FH_METHOD, .t_start_ms = q->t0};
  q->cb(&a, q->ud);
  vt_buf_free(&d);
}

/* The first failure wins; data: a sub-call's -32002 data JSON (an object), or NULL. */
static void fail(fhreq *q, const char *data, size_t dlen, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fail(fhreq *q, const char *data, size_t dlen, const char *fmt, ...) {
  if (q->failed) return;
  q->failed = true;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(q->why, sizeof q->why, fmt, ap);
  va_end(ap);
  if (data && dlen && dlen < FH_DATA_MAX && data[0] == '{' && (q->data = malloc(dlen + 1)) != NULL) {
    memcpy(q->data, data, dlen);
    q->data[dlen] = 0;
  }
}

/* The weakest of two verified trusts: the same anchor keeps its label (smallest k,
 * optimistic over finalized); different anchors give plain "verified". */
static vt_trust weaker(vt_trust a, vt_trust b) {
  if (a.tier != b.tier) return a.tier < b.tier ? a : b;
  if (a.anchor != b.anchor) return (vt_trust){.tier = VT_TRUST_VERIFIED, .anchor = VT_ANCHOR_SRC_NONE};
  if (a.k != b.k) return a.k < b.k ? a : b;
  if (a.finalized != b.finalized) return a.finalized ? b : a;
  return a;
}

static void put_u128(vt_buf *b, unsigned __int128 v) {
  char q[40];
  vc_u128_to_quantity(v, q);
  vt_buf_printf(b, "\"%s\"", q);
}

static void put_ratio(vt_buf *b, double x) {
  char r[40];
  vc_fmt_ratio(x, r, sizeof r);
  vt_buf_puts(b, r);
}

/* Everything is proven: compute and answer. */
static void answer(fhreq *q) {
  uint64_t chain = q->pv->pool->cfg->chain_id;
  vc_blob_fees *blob = calloc(q->count, sizeof *blob);
  unsigned __int128 *rew = q->np ? calloc((size_t)q->count * q->np, sizeof *rew) : NULL;
  vc_err err = {{0}};
  vt_buf b;
  vt_buf_init(&b, FH_OUT_MAX);
  if (!blob || (q->np && !rew)) {
    fail(q, NULL, 0, "out of memory");
    goto out;
  }
  for (unsigned i = 0; i < q->count; i++) {
    if (vc_blob_fees_of(chain, &q->hdr[i], &blob[i], &err) != VC_OK) {
      fail(q, NULL, 0, "%s", err.msg);
      goto out;
    }
    if (q->np && vc_fee_rewards(q->blocks[i], q->receipts[i], q->pct, q->np, rew + (size_t)i * q->np, &err) != VC_OK) {
      fail(q, NULL, 0, "block %llu: %s", (unsigned long long)(q->oldest + i), err.msg);
      goto out;
    }
  }
  vt_trust trust = q->trust[0];
  for (unsigned i = 1; i < q->count; i++) trust = weaker(trust, q->trust[i]);
  unsigned __int128 next = q->op_stack ? q->next_base_fee : vc_next_base_fee(chain, &q->hdr[q->count - 1]);
  if (q->op_stack) trust = q->next_trust.tier == VT_TRUST_VERIFIED ? weaker(trust, q->next_trust) : q->next_trust;
  vt_buf_printf(&b, "{\"oldestBlock\":\"0x%llx\"", (unsigned long long)q->oldest);
  if (q->np) {
    vt_buf_puts(&b, ",\"reward\":[");
    for (unsigned i = 0; i < q->count; i++) {
      vt_buf_puts(&b, i ? ",[" : "[");
      for (size_t j = 0; j < q->np; j++) {
        if (j) vt_buf_puts(&b, ",");
        put_u128(&b, rew[(size_t)i * q->np + j]);
      }
      vt_buf_puts(&b, "]");
    }
    vt_buf_puts(&b, "]");
  }
  vt_buf_puts(&b, ",\"baseFeePerGas\":[");
  for (unsigned i = 0; i < q->count; i++) {
    const vc_qty *bf = &q->hdr[i].base_fee;
    unsigned __int128 v = 0;
    if (vc_header_has(&q->hdr[i], VC_HF_BASE_FEE))
      for (unsigned k = 0; k < bf->len && k < sizeof bf->be; k++) v = (v << 8) | bf->be[k];
    put_u128(&b, v);
    vt_buf_puts(&b, ",");
  }
  put_u128(&b, next);
  vt_buf_puts(&b, "],\"gasUsedRatio\":[");
  for (unsigned i = 0; i < q->count; i++) {
    if (i) vt_buf_puts(&b, ",");
    put_ratio(&b, q->hdr[i].gas_limit ? (double)q->hdr[i].gas_used / (double)q->hdr[i].gas_limit : 0);
  }
  vt_buf_puts(&b, "],\"baseFeePerBlobGas\":[");
  for (unsigned i = 0; i < q->count; i++) {
    put_u128(&b, blob[i].fee);
    vt_buf_puts(&b, ",");
  }
  put_u128(&b, blob[q->count - 1].next_fee);
  vt_buf_puts(&b, "],\"blobGasUsedRatio\":[");
  for (unsigned i = 0; i < q->count; i++) {
    if (i) vt_buf_puts(&b, ",");
    put_ratio(&b, blob[i].used_ratio);
  }
  vt_buf_puts(&b, "]}");
  if (!vt_buf_ok(&b)) {
    fail(q, NULL, 0, "the answer is larger than %u bytes", FH_OUT_MAX);
    goto out;
  }
  vt_answer a = {.outcome = VT_CALL_OK, .result = b.data, .len = b.len, .trust = trust, .method = FH_METHOD,
                 .t_start_ms = q->t0, .has_block = true, .has_hash = true, .block = q->newest};
  memcpy(a.block_hash, q->hdr[q->count - 1].hash, 32);
  q->answered = true;
  q->cb(&a, q->ud);
out:
  if (!q->answered) refuse(q);
  vt_buf_free(&b);
  free(blob);
  free(rew);
}

static void pump(fhreq *q);

/* One operation is over (its result kept or the failure noted). */
static void op_done(fhreq *q) {
  q->inflight--;
  q->finished++;
  pump(q);
}

static void on_header(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  fh_op *op = ud;
  fhreq *q = op->q;
  unsigned i;
  fh_kind k = kind_of(q, op->i, &i);
  (void)agreed;
  if (!h) {
    uint64_t n = k == OP_NEXT ? q->newest + 1 : q->oldest + i;
    fail(q, data, data ? strlen(data) : 0, "block %llu could not be anchored: %s", (unsigned long long)n,
         why ? why : "no header");
  } else if (k == OP_NEXT) {
    unsigned __int128 v = 0;
    for (unsigned j = 0; j < h->hdr.base_fee.len && j < sizeof h->hdr.base_fee.be; j++)
      v = (v << 8) | h->hdr.base_fee.be[j];
    q->next_base_fee = v;
    q->next_trust = h->trust;
  } else {
    q->hdr[i] = h->hdr;
    q->trust[i] = h->trust;
  }
  op_done(q);
}

/* A proven full block or its proven receipts (verify.c's verifiers). */
static void on_proven(const vt_answer *a, void *ud) {
  fh_op *op = ud;
  fhreq *q = op->q;
  unsigned i;
  fh_kind k = kind_of(q, op->i, &i);
  const char *what = k == OP_BLOCK ? "block" : "receipts";
  json_error_t je;
  if (a->outcome != VT_CALL_OK) {
    bool data = a->outcome == VT_CALL_UNAVAILABLE && a->len && a->result[0] == '{';
    fail(q, data ? a->result : NULL, data ? a->len : 0, "the %s of block %llu could not be proven", what,
         (unsigned long long)(q->oldest + i));
  } else {
    json_t *v = json_loadb(a->result, a->len, 0, &je);
    if (!v || (k == OP_BLOCK ? !json_is_object(v) : !json_is_array(v))) {
      fail(q, NULL, 0, "no %s for block %llu", what, (unsigned long long)(q->oldest + i));
      json_decref(v);
    } else {
      (k == OP_BLOCK ? q->blocks : q->receipts)[i] = v;
    }
  }
  op_done(q);
}

/* --- OP stack at the head: the next base fee as the median of upstreams' answers --- */

static int check_next_fee(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why,
                          size_t wl) {
  fhreq *q = c->opts.check_ud;
  json_error_t je;
  (void)u;
  json_t *r = json_loadb(res, n, 0, &je);
  json_t *fees = json_object_get(r, "baseFeePerGas");
  const char *s = json_string_value(json_array_get(fees, json_array_size(fees) ? json_array_size(fees) - 1 : 0));
  unsigned __int128 v = 0;
  uint8_t be[32];
  size_t blen = 0;
  bool ok = s && vc_hex_quantity(s, strlen(s), be, &blen) == VC_OK && blen <= 16;
  for (size_t k = 0; ok && k < blen; k++) v = (v << 8) | be[k];
  json_decref(r);
  if (!ok) {
    snprintf(why, wl, "eth_feeHistory: no baseFeePerGas list");
    return -1;
  }
  if (q->nmedians < FH_MEDIAN_MAX) q->medians[q->nmedians++] = v;
  vt_buf_puts(out, "\"ok\"");
  return 0;
}

static void on_median(vt_call *c, void *ud) {
  fh_op *op = ud;
  fhreq *q = op->q;
  if (c->outcome != VT_CALL_OK || q->nmedians == 0) {
    fail(q, NULL, 0, "the next base fee of an OP-stack chain at the head: not enough upstreams answered to take a median");
  } else {
    q->next_base_fee = vt_fees_median(q->medians, q->nmedians);
    q->next_trust = c->trust;
  }
  vt_call_free(c);
  op_done(q);
}

static bool start_median(fhreq *q, fh_op *op) {
  vt_pool *pool = q->pv->pool;
  char body[160];
  unsigned k = vt_fees_median_k(pool);
  snprintf(body, sizeof body,
           "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" FH_METHOD "\",\"params\":[\"0x1\",\"0x%llx\",[]]}",
           (unsigned long long)q->newest);
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = q->newest};
  vt_call_opts o = {.check = check_next_fee, .check_ud = q, .agree = k};
  return vt_call_start_opts(pool, vt_method_find(FH_METHOD), FH_METHOD, body, strlen(body), &plan, &o, on_median,
                            op) != NULL;
}

/* Start what may start; answer when everything is back. */
static void start_op(fhreq *q, fh_op *op) {
  unsigned i;
  fh_kind k = kind_of(q, op->i, &i);
  uint64_t n = q->oldest + i;
  char params[64];
  q->inflight++;
  q->started++;
  if (k == OP_HEADER) {
    vt_anchor_by_number(q->pv->anchor, n, on_header, op);
    return;
  }
  if (k == OP_NEXT) {
    if (q->pv->pool->head_known && q->newest < q->pv->pool->head) vt_anchor_by_number(q->pv->anchor, q->newest + 1, on_header, op);
    else if (!start_median(q, op)) {
      fail(q, NULL, 0, "out of memory");
      op_done(q);
    }
    return;
  }
  int pn = k == OP_BLOCK ? snprintf(params, sizeof params, "[\"0x%llx\",true]", (unsigned long long)n)
                         : snprintf(params, sizeof params, "[\"0x%llx\"]", (unsigned long long)n);
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = n};
  const char *method = k == OP_BLOCK ? "eth_getBlockByNumber" : "eth_getBlockReceipts";
  if (vt_verify_start(q->pv, method, (vt_span){params, (size_t)pn}, &plan, on_proven, op) != 0) {
    fail(q, NULL, 0, "the %s of block %llu could not be asked for", k == OP_BLOCK ? "block" : "receipts",
         (unsigned long long)n);
    op_done(q);
  }
}

static void pump(fhreq *q) {
  if (q->pumping) return; /* a callback that ran inside start_op: the loop below goes on */
  q->pumping = true;
  while (!q->failed && q->started < q->nops && q->inflight < FH_PARALLEL) start_op(q, &q->ops[q->started]);
  q->pumping = false;
  if (q->inflight || (!q->failed && q->started < q->nops)) return;
  if (q->failed) refuse(q);
  else answer(q);
  fh_free(q);
}

/* --- the request ------------------------------------------------------------------ */

/* A client error (-32602 or geth's -32000), answered at once. */
static void client_error(vt_answer_cb cb, void *ud, uint64_t t0, int code, const char *msg) {
  vt_buf e;
  vt_buf_init(&e, 1024);
  vt_buf_printf(&e, "{\"code\":%d,\"message\":", code);
  vt_buf_json_str(&e, msg, strlen(msg));
  vt_buf_puts(&e, "}");
  vt_answer a = {.outcome = VT_CALL_RPC_ERROR, .result = e.data, .len = e.len, .trust = vt_trust_of(VT_TRUST_NONE),
                 .method = FH_METHOD, .t_start_ms = t0};
  cb(&a, ud);
  vt_buf_free(&e);
}

/* blockCount: a QUANTITY, or a plain number as geth also accepts. */
static bool read_count(const json_t *v, uint64_t *out) {
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (uint64_t)json_integer_value(v);
    return true;
  }
  const char *s = json_string_value(v);
  return s && vc_hex_quantity_u64(s, strlen(s), out) == VC_OK;
}

int vt_fee_history_start(vt_prover *pv, vt_span params, const vt_plan *plan, vt_answer_cb cb, void *ud) {
  uint64_t t0 = vt_pool_now_ms(pv->pool), count;
  json_error_t je;
  json_t *p = json_loadb(params.p, params.n, 0, &je);
  vc_err err = {{0}};
  fhreq *q = calloc(1, sizeof *q);
  int rc = 0;
  if (!q) { rc = -1; goto out; }
  *q = (fhreq){.pv = pv, .cb = cb, .ud = ud, .t0 = t0, .op_stack = pv->kind == VC_CHAIN_OP_STACK};
  if (!json_is_array(p) || !read_count(json_array_get(p, 0), &count)) {
    client_error(cb, ud, t0, -32602, "invalid params: blockCount must be a quantity");
    goto done;
  }
  if (vc_fee_percentiles(json_array_get(p, 2), q->pct, &q->np, &err) != VC_OK) {
    client_error(cb, ud, t0, -32602, err.msg);
    goto done;
  }
  if (plan->kind != VT_PIN_NUMBER) {
    vt_prove_refuse(cb, ud, FH_METHOD, "the newest block could not be pinned to a number", t0);
    goto done;
  }
  q->newest = plan->number;
  if (pv->pool->head_known && q->newest > pv->pool->head) {
    char m[160];
    snprintf(m, sizeof m, "request beyond head block: requested %llu, head %llu", (unsigned long long)q->newest,
             (unsigned long long)pv->pool->head);
    client_error(cb, ud, t0, -32000, m);
    goto done;
  }
  if (count == 0) { /* geth: nothing asked, nothing to prove */
    static const char empty[] = "{\"oldestBlock\":\"0x0\",\"gasUsedRatio\":null}";
    vt_answer a = {.outcome = VT_CALL_OK, .result = empty, .len = sizeof empty - 1, .trust = vt_trust_of(VT_TRUST_LOCAL),
                   .method = FH_METHOD, .t_start_ms = t0};
    cb(&a, ud);
    goto done;
  }
  uint64_t cap = q->np ? FH_MAX_REWARD_BLOCKS : FH_MAX_HEADERS;
  if (count > cap) count = cap;
  if (count > q->newest + 1) count = q->newest + 1;
  q->count = (unsigned)count;
  q->oldest = q->newest + 1 - count;
  q->nops = q->count * (q->np ? 3u : 1u) + (q->op_stack ? 1u : 0u);
  q->hdr = calloc(q->count, sizeof *q->hdr);
  q->trust = calloc(q->count, sizeof *q->trust);
  q->ops = calloc(q->nops, sizeof *q->ops);
  if (q->np) {
    q->blocks = calloc(q->count, sizeof *q->blocks);
    q->receipts = calloc(q->count, sizeof *q->receipts);
  }
  if (!q->hdr || !q->trust || !q->ops || (q->np && (!q->blocks || !q->receipts))) {
    fh_free(q);
    rc = -1;
    goto out;
  }
  for (unsigned i = 0; i < q->nops; i++) q->ops[i] = (fh_op){.q = q, .i = i};
  json_decref(p);
  pump(q); /* frees q once answered */
  return 0;
done:
  free(q);
out:
  json_decref(p);
  return rc;
}

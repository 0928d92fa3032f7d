/*
 * fees.c: fee methods from anchored headers (see fees.h).
 *
 * One freq per call: anchor the head block (anchor.c, by number, so in anchor mode
 * lightclient/auto the light client's head), compute the value with libverity-core
 * (core/fees.c) and answer with the anchor's trust. When the header cannot be anchored
 * the client gets -32002 naming why, never an upstream's unproven number.
 */
#include "prove/fees.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/fees.h"
#include "pool/call.h"
#include "util/buf.h"

#define FEE_DATA_MAX (16u * 1024) /* bytes of the -32002 data object (with the sub-call's detail) */

#define MEDIAN_MAX 16 /* upstream answers collected for a median */

typedef struct {
  vt_prover *pv;
  vt_verifier which;
  vt_answer_cb cb;
  void *ud;
  uint64_t t0;
  unsigned __int128 vals[MEDIAN_MAX]; /* the median path: one value per upstream */
  unsigned nvals;
} freq;

/* One row per fee method: its name and whether it needs the proven full block. */
static const struct {
  vt_verifier which;
  const char *method;
  bool block; /* false: the anchored header is enough */
} g_fees[] = {
    {VT_V_BLOB_BASE_FEE, "eth_blobBaseFee", false},
    {VT_V_GAS_PRICE, "eth_gasPrice", true},
    {VT_V_MAX_PRIORITY_FEE, "eth_maxPriorityFeePerGas", true},
};
#define NFEES (sizeof g_fees / sizeof g_fees[0])

static const char *method_of(vt_verifier which) {
  for (size_t i = 0; i < NFEES; i++)
    if (g_fees[i].which == which) return g_fees[i].method;
  return "?";
}

bool vt_fees_is(vt_verifier which) { return strcmp(method_of(which), "?") != 0; }

/* Whether the chain has a blob schedule here (any time past the last fork tells). */
static bool has_schedule(const vt_prover *pv) {
  uint64_t fraction;
  return vc_blob_update_fraction(pv->pool->cfg->chain_id, UINT64_MAX, &fraction);
}

bool vt_fees_applies(const vt_prover *pv, vt_verifier which) {
  if (!pv->on || !vt_fees_is(which)) return false;
  if (which == VT_V_BLOB_BASE_FEE && !has_schedule(pv)) return true; /* the median: no head needed */
  /* the head block: one some upstream confirmed lately (else the gateway refuses, -32002) */
  return pv->pool->head_known && vt_pool_head_fresh(pv->pool);
}

static void reply(freq *q, int outcome, const char *res, vt_trust trust) {
  vt_answer a = {.outcome = outcome, .result = res, .len = strlen(res), .served_by = NULL, .trust = trust,
                 .method = method_of(q->which), .t_start_ms = q->t0};
  q->cb(&a, q->ud);
  free(q);
}

/* -32002 naming why; detail: the -32002 data JSON of the sub-call that failed, or NULL. */
static void fail_detail(freq *q, const char *reason, const char *detail, size_t dlen) {
  char data[FEE_DATA_MAX];
  vt_buf d;
  vt_buf_init(&d, sizeof data);
  vt_buf_puts(&d, "{\"reason\":");
  vt_buf_json_str(&d, reason, strlen(reason));
  vt_buf_printf(&d, ",\"method\":\"%s\"", method_of(q->which));
  if (detail && dlen) {
    vt_buf_puts(&d, ",\"detail\":");
    vt_buf_append(&d, detail, dlen);
  }
  vt_buf_puts(&d, "}");
  if (vt_buf_ok(&d)) snprintf(data, sizeof data, "%.*s", (int)d.len, d.data);
  else snprintf(data, sizeof data, "{\"reason\":\"could not prove the fee\"}");
  vt_buf_free(&d);
  reply(q, VT_CALL_UNAVAILABLE, data, vt_trust_of(VT_TRUST_NONE));
}

static void fail(freq *q, const char *reason) { fail_detail(q, reason, NULL, 0); }

static void on_head(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  freq *q = ud;
  char fee[40];
  vc_err err = {{0}};
  (void)agreed;
  if (!h) {
    fail_detail(q, why ? why : "the head block could not be anchored", data, data ? strlen(data) : 0);
    return;
  }
  if (vc_blob_base_fee(q->pv->pool->cfg->chain_id, &h->hdr, fee + 1, sizeof fee - 2, &err) != VC_OK) {
    fail(q, err.msg);
    return;
  }
  fee[0] = '"';
  strcat(fee, "\"");
  reply(q, VT_CALL_OK, fee, h->trust);
}

/* The proven head block (eth_getBlockByNumber's verifier: every transaction checked
 * against the transactions root): the base fee and the median tip of its transactions. */
static void on_block(const vt_answer *a, void *ud) {
  freq *q = ud;
  char out[40];
  unsigned __int128 base, tip;
  size_t ntips = 0;
  vc_err err = {{0}};
  json_error_t je;
  if (a->outcome != VT_CALL_OK) {
    bool data = a->outcome == VT_CALL_UNAVAILABLE && a->len && a->result[0] == '{';
    fail_detail(q, "the head block could not be proven", data ? a->result : NULL, data ? a->len : 0);
    return;
  }
  json_t *blk = json_loadb(a->result, a->len, 0, &je);
  vc_status st = blk && json_is_object(blk) ? vc_block_tip_median(blk, &base, &tip, &ntips, &err)
                                            : vc_fail(&err, VC_ERR_MISSING, "no head block");
  json_decref(blk);
  if (st != VC_OK) {
    fail(q, err.msg);
    return;
  }
  out[0] = '"';
  vc_u128_to_quantity(q->which == VT_V_GAS_PRICE ? base + tip : tip, out + 1);
  strcat(out, "\"");
  reply(q, VT_CALL_OK, out, a->trust);
}

/* --- the median path: a value that cannot be derived here --------------------------- */

/* Every upstream's answer is a QUANTITY, kept; the vote is on "ok", so the call ends
 * when enough upstreams answered. Not a QUANTITY: a wrong answer. */
static int check_qty(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why,
                     size_t wl) {
  freq *q = c->opts.check_ud;
  unsigned __int128 v = 0;
  (void)u;
  if (n < 5 || n > 36 || res[0] != '"' || res[1] != '0' || res[2] != 'x' || res[n - 1] != '"') {
    snprintf(why, wl, "%s: not a QUANTITY", method_of(q->which));
    return -1;
  }
  for (size_t i = 3; i + 1 < n; i++) {
    char ch = res[i];
    int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;
    if (d < 0) {
      snprintf(why, wl, "%s: not a QUANTITY", method_of(q->which));
      return -1;
    }
    v = (v << 4) | (unsigned)d;
  }
  if (q->nvals < MEDIAN_MAX) q->vals[q->nvals++] = v;
  vt_buf_puts(out, "\"ok\"");
  return 0;
}

static int cmp_u128(const void *a, const void *b) {
  unsigned __int128 x = *(const unsigned __int128 *)a, y = *(const unsigned __int128 *)b;
  return x < y ? -1 : x > y;
}

unsigned __int128 vt_fees_median(unsigned __int128 *vals, size_t n) {
  qsort(vals, n, sizeof vals[0], cmp_u128);
  return vals[(n - 1) / 2]; /* even count: the lower middle */
}

unsigned vt_fees_median_k(const vt_pool *pool) {
  unsigned k = vt_pool_quorum(pool), n = (unsigned)pool->nups;
  if (k < 3) k = n < 3 ? n : 3;
  return k;
}

static void on_median(vt_call *c, void *ud) {
  freq *q = ud;
  char out[40];
  if (c->outcome != VT_CALL_OK || q->nvals == 0) {
    vt_call_free(c);
    fail(q, "not enough upstreams answered to take a median");
    return;
  }
  vt_trust trust = c->trust;
  out[0] = '"';
  vc_u128_to_quantity(vt_fees_median(q->vals, q->nvals), out + 1);
  strcat(out, "\"");
  vt_call_free(c);
  reply(q, VT_CALL_OK, out, trust);
}

/* Ask at least 3 upstreams (k when it is larger) and answer the median, labelled with
 * the agreement (quorum:k/n): one liar among three cannot move it. */
static int median_start(freq *q) {
  vt_pool *pool = q->pv->pool;
  const char *method = method_of(q->which);
  char body[160];
  unsigned k = vt_fees_median_k(pool);
  snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":[]}", method);
  vt_plan plan = {.kind = VT_PIN_NONE};
  vt_call_opts o = {.check = check_qty, .check_ud = q, .agree = k};
  vt_call *c = vt_call_start_opts(pool, vt_method_find(method), method, body, strlen(body), &plan, &o, on_median, q);
  return c ? 0 : -1;
}

int vt_fees_start(vt_prover *pv, vt_verifier which, vt_answer_cb cb, void *ud) {
  freq *q = calloc(1, sizeof *q);
  if (!q) return -1;
  *q = (freq){.pv = pv, .which = which, .cb = cb, .ud = ud, .t0 = vt_pool_now_ms(pv->pool)};
  if (which == VT_V_BLOB_BASE_FEE && !has_schedule(pv)) {
    if (median_start(q) != 0) {
      free(q);
      return -1;
    }
    return 0;
  }
  if (which == VT_V_BLOB_BASE_FEE) {
    vt_anchor_by_number(pv->anchor, pv->pool->head, on_head, q);
    return 0;
  }
  char params[64];
  int n = snprintf(params, sizeof params, "[\"0x%llx\",true]", (unsigned long long)pv->pool->head);
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = pv->pool->head};
  int rc = vt_verify_start(pv, "eth_getBlockByNumber", (vt_span){params, (size_t)n}, &plan, on_block, q);
  if (rc != 0) {
    free(q);
    return -1;
  }
  return 0;
}

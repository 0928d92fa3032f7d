/*
 * filters_pending.c: eth_newPendingTransactionFilter and its polls, for the one case
 * verity cannot serve from its own head: the mempool (see filters.h). The filter is
 * created on the first upstream whose config says `mempool: true`; verity keeps its own
 * id for it (so it travels through Redis like any filter) and forwards every poll and
 * the uninstall to that upstream with the upstream's id. The answer is that upstream's
 * word: trust single, X-Verity-Upstream names it. Called by filters.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filters/filters_int.h"

#define PENDING_BODY_MAX 256

/* The mempool upstream: by name (a saved filter), or the first configured (name NULL). */
static vt_upstream *mempool_upstream(vt_filters *fs, const char *name) {
  for (size_t i = 0; i < fs->pool->nups && i < fs->cfg->nupstreams; i++) {
    if (!fs->cfg->upstreams[i].mempool) continue;
    if (!name || !strcmp(fs->pool->ups[i].name, name)) return &fs->pool->ups[i];
  }
  return NULL;
}

typedef struct {
  fop *op;
  vt_upstream *u;
  bool install;
} pending_req;

/* The upstream's filter id: a string result, copied; false when it is not one. */
static bool id_of(vt_span result, char *out, size_t n) {
  if (result.n < 3 || result.p[0] != '"' || result.p[result.n - 1] != '"' || result.n - 2 >= n) return false;
  memcpy(out, result.p + 1, result.n - 2);
  out[result.n - 2] = 0;
  return !strpbrk(out, "\"\\");
}

static void install(fop *op, const char *up_id) {
  vt_filters *fs = op->fs;
  vt_filter *f = op->f;
  op->f = NULL;
  snprintf(f->up_id, sizeof f->up_id, "%s", up_id);
  vt_fstore_status st = vt_fstore_add(fs->store, f, uv_now(fs->loop));
  if (st != VT_FSTORE_OK) {
    vt_filter_free(f);
    fop_error(op, VT_RPC_LIMIT_EXCEEDED, "limit exceeded: too many filters installed (filters.max_per_client, filters.max_total)");
    return;
  }
  fs->st.created++;
  op->f = vt_filter_dup(f);
  vt_buf_printf(&op->out, "\"%s\"", f->id);
  fop_ok(op);
}

static void on_reply(const vt_fetch_result *r, void *ud) {
  pending_req *pr = ud;
  fop *op = pr->op;
  vt_upstream_on_done(pr->u);
  vt_rpc_resp resp;
  const char *why = "no answer";
  bool ok = r->error == VT_FETCH_OK && r->http_status == 200 &&
            vt_rpc_parse_response(r->body, r->body_len, 64, &resp, &why) == 0;
  char up_id[VT_FILTER_UPID_MAX];
  fop_trust(op, &(vt_trust){.tier = VT_TRUST_SINGLE}, pr->u->name);
  op->trust = (vt_trust){.tier = VT_TRUST_SINGLE};
  free(pr);
  if (!ok) {
    char msg[200];
    snprintf(msg, sizeof msg, "the mempool upstream did not answer: %s", r->error != VT_FETCH_OK ? r->error_msg : why);
    fop_unavailable(op, msg);
    return;
  }
  if (resp.is_error) {
    vt_answer a = {.outcome = VT_CALL_RPC_ERROR, .result = resp.error.p, .len = resp.error.n, .trust = op->trust};
    fop_relay(op, &a);
    return;
  }
  if (op->kind == FOP_NEW) {
    if (!id_of(resp.result, up_id, sizeof up_id)) { fop_unavailable(op, "the mempool upstream's filter id is not a string"); return; }
    install(op, up_id);
    return;
  }
  vt_answer a = {.outcome = VT_CALL_OK, .result = resp.result.p, .len = resp.result.n, .trust = op->trust};
  fop_relay(op, &a);
}

static void send_to(fop *op, vt_upstream *u, const char *method, const char *up_id) {
  char body[PENDING_BODY_MAX];
  if (up_id) snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":[\"%s\"]}", method, up_id);
  else snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":[]}", method);
  pending_req *pr = malloc(sizeof *pr);
  if (!pr) { fop_error(op, VT_RPC_INTERNAL, "internal error: out of memory"); return; }
  *pr = (pending_req){.op = op, .u = u};
  if (!vt_pool_send(op->fs->pool, u, body, strlen(body), op->fs->cfg->timeout_ms, on_reply, pr)) {
    free(pr);
    fop_unavailable(op, "the mempool upstream could not be asked");
  }
}

bool fpending_new(fop *op, vt_filter *f) {
  vt_upstream *u = mempool_upstream(op->fs, NULL);
  if (!u) return false;
  snprintf(f->upstream, sizeof f->upstream, "%s", u->name);
  op->f = f;
  send_to(op, u, "eth_newPendingTransactionFilter", NULL);
  return true;
}

void fpending_poll(fop *op) {
  vt_upstream *u = mempool_upstream(op->fs, op->f->upstream);
  if (!u) { fop_error(op, -32000, "filter not found: its mempool upstream is no longer configured"); return; }
  send_to(op, u, op->kind == FOP_LOGS ? "eth_getFilterLogs" : "eth_getFilterChanges", op->f->up_id);
}

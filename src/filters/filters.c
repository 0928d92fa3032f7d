/*
 * filters.c: installing, finding, saving and uninstalling filters, the shared Redis
 * copy, and the sweep of idle filters (see filters.h). The polls themselves, which
 * carry sub-calls down the flow, are in filters_poll.c.
 *
 * Every call but a new filter starts by loading the filter: from Redis when it is
 * configured (another instance may have moved its cursor), else, or when Redis cannot
 * answer, from this instance's table. A Redis entry that is a tombstone (uninstalled)
 * means "not found" everywhere.
 */
#include "filters/filters_int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "core/bloom.h"
#include "core/hex.h"
#include "obs/log.h"
#include "plan/params.h"

static const char tombstone[] = "{\"v\":1,\"gone\":true}";

/* A batch reports its weakest answer (the same order as the gateway's). */
static const int tier_rank[] = {
    [VT_TRUST_NONE] = 0, [VT_TRUST_SINGLE] = 1, [VT_TRUST_QUORUM] = 2,
    [VT_TRUST_VERIFIED] = 3, [VT_TRUST_STALE] = 1, [VT_TRUST_LOCAL] = 4,
};

/* --- answers -------------------------------------------------------------------- */

static void fop_free(fop *op) {
  vt_filter_free(op->f);
  free(op->logs);
  vt_buf_free(&op->out);
  free(op);
}

static void fop_answer(fop *op, int outcome, const char *res, size_t n) {
  vt_answer a = {.outcome = outcome, .result = res, .len = n, .served_by = op->served_by[0] ? op->served_by : NULL, .trust = op->trust,
                 .method = op->method, .t_start_ms = op->t0};
  op->cb(&a, op->ud);
  fop_free(op);
}

void fop_trust(fop *op, const vt_trust *t, const char *by) {
  if (tier_rank[t->tier] < tier_rank[op->trust.tier]) op->trust = *t;
  size_t n = strlen(op->served_by), bl = by ? strlen(by) : 0;
  if (!bl || strstr(op->served_by, by) || n + bl + 2 > sizeof op->served_by) return;
  if (n) op->served_by[n++] = ',';
  memcpy(op->served_by + n, by, bl + 1);
}

void fop_error(fop *op, int code, const char *msg) {
  vt_buf b;
  vt_buf_init(&b, 1024);
  vt_buf_printf(&b, "{\"code\":%d,\"message\":", code);
  vt_buf_json_str(&b, msg, strlen(msg));
  vt_buf_puts(&b, "}");
  op->trust = vt_trust_of(VT_TRUST_LOCAL);
  op->served_by[0] = 0;
  fop_answer(op, VT_CALL_RPC_ERROR, b.data, b.len);
  vt_buf_free(&b);
}

void fop_unavailable(fop *op, const char *why) {
  vt_buf b;
  vt_buf_init(&b, 4096);
  vt_buf_puts(&b, "{\"reason\":");
  vt_buf_json_str(&b, why, strlen(why));
  vt_buf_puts(&b, "}");
  fop_answer(op, VT_CALL_UNAVAILABLE, b.data, b.len);
  vt_buf_free(&b);
}

static void save(vt_filters *fs, const vt_filter *f) {
  vt_filter *copy = vt_filter_dup(f);
  if (copy) (void)vt_fstore_put(fs->store, copy, uv_now(fs->loop)); /* full table: Redis keeps it */
  if (!fs->redis) return;
  size_t n;
  char *s = vt_filter_to_json(f, &n);
  vt_cache_meta meta = {.finalized = false};
  snprintf(meta.trust, sizeof meta.trust, "filter");
  if (s && vt_redis_put(fs->redis, f->id, strlen(f->id), s, n, &meta)) fs->st.redis_saves++;
  free(s);
}

void fop_ok(fop *op) {
  if (op->f) save(op->fs, op->f);
  if (op->kind == FOP_CHANGES) vt_buf_puts(&op->out, "]");
  if (!vt_buf_ok(&op->out)) { fop_error(op, VT_RPC_LIMIT_EXCEEDED, "the filter's changes pass limits.max_response; poll more often or narrow the filter"); return; }
  fop_answer(op, VT_CALL_OK, op->out.data, op->out.len);
}

void fop_relay(fop *op, const vt_answer *a) {
  fop_trust(op, &a->trust, a->served_by);
  if (a->outcome == VT_CALL_OK && op->f) save(op->fs, op->f);
  if (a->outcome != VT_CALL_OK) op->trust = a->trust;
  fop_answer(op, a->outcome, a->result, a->len);
}

/* --- sub-calls down the flow ------------------------------------------------------ */

static void on_sub(const vt_answer *a, void *ud) {
  fop *op = ud;
  op->next(op, a);
}

void fop_sub(fop *op, bool cached, const char *method, const char *params, fop_step step) {
  vt_filters *fs = op->fs;
  const vt_method *m = vt_method_find(method);
  vt_plan plan;
  if (vt_plan_params(m, method, vt_span_of(params, strlen(params)), fs->pool->head, fs->pool->head_known, &plan) != 0) {
    fop_error(op, VT_RPC_INTERNAL, "internal error: out of memory");
    return;
  }
  if (plan.err_code) { /* our own params: a bug, said plainly */
    char why[VT_PLAN_ERR_MAX + 40];
    snprintf(why, sizeof why, "filter sub-call refused: %s", plan.err);
    vt_plan_free(&plan);
    fop_unavailable(op, why);
    return;
  }
  vt_job job = {.m = m, .method = method,
                .params = plan.params ? vt_span_of(plan.params, plan.params_len) : vt_span_of(params, strlen(params)),
                .plan = &plan};
  op->next = step;
  vt_carry_fn fn = cached ? fs->hooks.run : fs->hooks.carry;
  int rc = fn(fs->hooks.ud, &job, on_sub, op);
  vt_plan_free(&plan);
  if (rc != 0) fop_error(op, VT_RPC_INTERNAL, "internal error: out of memory");
}

/* --- install --------------------------------------------------------------------- */

/* "0x" + 32 hex digits, the first not zero (a QUANTITY, as geth's ids are). */
static bool new_id(char out[VT_FILTER_ID_MAX]) {
  uint8_t r[16];
  if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) return false;
  r[0] |= 0x10;
  vc_hex_encode(r, sizeof r, out);
  return true;
}

/* fromBlock / toBlock of a new filter: a number, or latest (has = false). */
static bool block_of(json_t *v, bool *has, uint64_t *n) {
  const char *s = json_string_value(v);
  *has = false;
  if (!v || json_is_null(v) || (s && (!strcmp(s, "latest") || !strcmp(s, "pending")))) return true;
  if (s && !strcmp(s, "earliest")) { *has = true; *n = 0; return true; }
  *has = s && vc_hex_quantity_u64(s, strlen(s), n) == VC_OK;
  return *has;
}

/* eth_newFilter's criteria into f; false with err filled. */
static bool parse_log_filter(vt_filter *f, const vt_rpc_call *rc, char *err, size_t n) {
  json_t *arr = json_loadb(rc->params.p, rc->params.n, 0, NULL), *o = json_array_get(arr, 0), *crit = NULL;
  bool ok = false;
  if (!json_is_object(o)) { snprintf(err, n, "invalid params: expected [{address, topics, fromBlock, toBlock}]"); goto out; }
  if (json_object_get(o, "blockHash")) { snprintf(err, n, "invalid params: blockHash is for eth_getLogs; a filter follows new blocks"); goto out; }
  if (!block_of(json_object_get(o, "fromBlock"), &f->has_from, &f->from) ||
      !block_of(json_object_get(o, "toBlock"), &f->has_to, &f->to)) {
    snprintf(err, n, "invalid params: fromBlock and toBlock must be a block number, \"earliest\" or \"latest\"");
    goto out;
  }
  if (f->has_from && f->has_to && f->from > f->to) { snprintf(err, n, "invalid params: fromBlock is above toBlock"); goto out; }
  crit = json_object();
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    if (!strcmp(key, "address") || !strcmp(key, "topics")) json_object_set(crit, key, v);
    else if (strcmp(key, "fromBlock") && strcmp(key, "toBlock")) {
      snprintf(err, n, "invalid params: a filter takes address, topics, fromBlock and toBlock, not %.32s", key);
      goto out;
    }
  }
  vc_log_filter lf;
  vc_err verr = {{0}};
  if (vc_log_filter_from_json(crit, &lf, &verr) != VC_OK) { snprintf(err, n, "invalid params: %s", verr.msg); goto out; }
  vc_log_filter_free(&lf);
  f->crit = json_dumps(crit, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!f->crit || strlen(f->crit) > VT_FILTER_CRIT_MAX) { snprintf(err, n, "invalid params: the filter is too large"); goto out; }
  ok = true;
out:
  json_decref(crit);
  json_decref(arr);
  return ok;
}

static void do_new(fop *op, const vt_rpc_call *rc, const char *client) {
  vt_filters *fs = op->fs;
  bool logs = !strcmp(rc->method, "eth_newFilter");
  char err[256];
  if (!strcmp(rc->method, "eth_newPendingTransactionFilter")) {
    vt_filter *p = vt_filter_new(VT_FK_PENDING);
    if (!p || !new_id(p->id)) { vt_filter_free(p); fop_error(op, VT_RPC_INTERNAL, "internal error: out of memory"); return; }
    snprintf(p->client, sizeof p->client, "%s", client ? client : "");
    if (fpending_new(op, p)) return;
    vt_filter_free(p);
    fop_error(op, VT_RPC_METHOD_UNSUPPORTED,
              "eth_newPendingTransactionFilter needs a mempool: verity has none of its own; set `mempool: true` on "
              "the upstream whose node's mempool should be the source (its polls then go to that upstream alone)");
    return;
  }
  if (!fs->pool->head_known) { fop_unavailable(op, "no head yet: no upstream has reported a block"); return; }
  vt_filter *f = vt_filter_new(logs ? VT_FK_LOGS : VT_FK_BLOCKS);
  if (!f || !new_id(f->id)) { vt_filter_free(f); fop_error(op, VT_RPC_INTERNAL, "internal error: out of memory"); return; }
  snprintf(f->client, sizeof f->client, "%s", client ? client : "");
  if (logs && !parse_log_filter(f, rc, err, sizeof err)) { vt_filter_free(f); fop_error(op, VT_RPC_INVALID_PARAMS, err); return; }
  f->cursor = fs->pool->head + 1;
  if (f->has_from && f->from > f->cursor) f->cursor = f->from;
  fs->st.expired += vt_fstore_expire(fs->store, uv_now(fs->loop)); /* before counting against the caps */
  vt_fstore_status st = vt_fstore_add(fs->store, f, uv_now(fs->loop));
  if (st != VT_FSTORE_OK) {
    vt_filter_free(f);
    snprintf(err, sizeof err, st == VT_FSTORE_CLIENT_FULL
             ? "limit exceeded: this client has %zu filters installed (filters.max_per_client); uninstall some or let them expire"
             : "limit exceeded: %zu filters are installed (filters.max_total); try again later",
             st == VT_FSTORE_CLIENT_FULL ? fs->cfg->filters_max_per_client : fs->cfg->filters_max_total);
    fop_error(op, VT_RPC_LIMIT_EXCEEDED, err);
    return;
  }
  fs->st.created++;
  op->f = vt_filter_dup(f);
  vt_buf_printf(&op->out, "\"%s\"", f->id);
  op->trust = vt_trust_of(VT_TRUST_LOCAL);
  fop_ok(op);
}

/* --- load, uninstall ----------------------------------------------------------- */

static void loaded(fop *op, vt_filter *f) {
  vt_filters *fs = op->fs;
  if (op->kind == FOP_UNINSTALL) {
    bool found = f != NULL;
    vt_filter_free(f);
    found = vt_fstore_remove(fs->store, op->id) || found;
    if (found && fs->redis) {
      vt_cache_meta meta = {.finalized = false};
      snprintf(meta.trust, sizeof meta.trust, "filter");
      (void)vt_redis_put(fs->redis, op->id, strlen(op->id), tombstone, sizeof tombstone - 1, &meta);
    }
    vt_buf_puts(&op->out, found ? "true" : "false");
    op->trust = vt_trust_of(VT_TRUST_LOCAL);
    fop_ok(op);
    return;
  }
  if (!f) { fop_error(op, -32000, "filter not found"); return; }
  op->f = f;
  fs->st.polls++;
  if (f->kind == VT_FK_PENDING) fpending_poll(op);
  else if (op->kind == FOP_CHANGES) fpoll_changes(op);
  else fpoll_logs(op);
}

static vt_filter *local_copy(vt_filters *fs, const char *id) {
  vt_filter *f = vt_fstore_find(fs->store, id);
  return f ? vt_filter_dup(f) : NULL;
}

static void on_redis(void *ud, vt_redis_result res, const uint8_t *val, size_t vlen, const vt_cache_meta *meta) {
  fop *op = ud;
  (void)meta;
  vt_filters *fs = op->fs;
  if (res == VT_REDIS_HIT) {
    vt_filter *f = vt_filter_from_json((const char *)val, vlen);
    if (!f || strcmp(f->id, op->id) != 0) { /* a tombstone: uninstalled elsewhere */
      vt_filter_free(f);
      vt_fstore_remove(fs->store, op->id);
      loaded(op, NULL);
      return;
    }
    fs->st.redis_loads++;
    loaded(op, f);
    return;
  }
  /* a miss (never saved there: Redis was down at install) or Redis unreachable: our copy */
  loaded(op, local_copy(fs, op->id));
}

static void do_load(fop *op, const vt_rpc_call *rc) {
  vt_filters *fs = op->fs;
  const char *q = rc->params.n ? memchr(rc->params.p, '"', rc->params.n) : NULL;
  const char *e = q ? memchr(q + 1, '"', rc->params.n - (size_t)(q + 1 - rc->params.p)) : NULL;
  if (!e || e - q - 1 >= (long)sizeof op->id || e - q - 1 < 3) {
    fop_error(op, VT_RPC_INVALID_PARAMS, "invalid params: expected [\"<filter id>\"]");
    return;
  }
  memcpy(op->id, q + 1, (size_t)(e - q - 1));
  if (fs->redis && !fs->closing && vt_redis_get(fs->redis, op->id, strlen(op->id), on_redis, op) == 0) return;
  loaded(op, local_copy(fs, op->id));
}

static const struct {
  const char *method;
  fop_kind kind;
} kinds[] = {
    {"eth_getFilterChanges", FOP_CHANGES}, {"eth_getFilterLogs", FOP_LOGS}, {"eth_uninstallFilter", FOP_UNINSTALL},
    {"eth_newFilter", FOP_NEW}, {"eth_newBlockFilter", FOP_NEW}, {"eth_newPendingTransactionFilter", FOP_NEW},
};

int vt_filters_handle(vt_filters *fs, const vt_rpc_call *rc, const char *client, vt_answer_cb cb, void *ud) {
  fop *op = calloc(1, sizeof *op);
  if (!op) return -1;
  op->fs = fs;
  op->cb = cb;
  op->ud = ud;
  op->t0 = uv_now(fs->loop);
  op->trust = vt_trust_of(VT_TRUST_LOCAL);
  snprintf(op->method, sizeof op->method, "%s", rc->method);
  vt_buf_init(&op->out, fs->cfg->max_response);
  op->kind = FOP_CHANGES;
  for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
    if (!strcmp(kinds[i].method, rc->method)) op->kind = kinds[i].kind;
  if (op->kind == FOP_NEW) do_new(op, rc, client);
  else do_load(op, rc);
  return 0;
}

/* --- life cycle ----------------------------------------------------------------- */

static void on_sweep(uv_timer_t *t) {
  vt_filters *fs = t->data;
  size_t n = vt_fstore_expire(fs->store, uv_now(fs->loop));
  fs->st.expired += n;
  if (n) VT_LOG(VT_LOG_DEBUG, "filters_expired", "n=%zu left=%zu", n, vt_fstore_count(fs->store));
}

vt_filters *vt_filters_new(uv_loop_t *loop, const vt_config *cfg, vt_pool *pool, vt_filters_hooks hooks, char *err,
                           size_t errlen) {
  vt_filters *fs = calloc(1, sizeof *fs);
  if (!fs) goto oom;
  fs->loop = loop;
  fs->cfg = cfg;
  fs->pool = pool;
  fs->hooks = hooks;
  fs->store = vt_fstore_new((uint64_t)cfg->filters_ttl_s * 1000, cfg->filters_max_per_client, cfg->filters_max_total);
  if (!fs->store) goto oom;
  if (cfg->redis_url) {
    vt_redis_opts o = {.chain_id = cfg->chain_id, .key_namespace = VT_FILTERS_REDIS_NS,
                       .unfinalized_ttl_ms = cfg->filters_ttl_s * 1000u, .max_value = VT_FILTER_JSON_MAX + 4096};
    fs->redis = vt_redis_new(loop, cfg->redis_url, &o, err, errlen);
    if (!fs->redis) { vt_fstore_free(fs->store); free(fs); return NULL; }
    fs->st.redis = true;
  }
  uv_timer_init(loop, &fs->sweep);
  fs->sweep.data = fs;
  uv_timer_start(&fs->sweep, on_sweep, VT_FILTERS_SWEEP_MS, VT_FILTERS_SWEEP_MS);
  return fs;
oom:
  if (fs) vt_fstore_free(fs->store);
  free(fs);
  snprintf(err, errlen, "out of memory while starting the filters");
  return NULL;
}

static void closed_part(vt_filters *fs) {
  if (fs->on_closed) fs->on_closed(fs->on_closed_arg);
}

static void on_redis_closed(void *arg) { closed_part(arg); }

static void on_sweep_closed(uv_handle_t *h) {
  vt_filters *fs = h->data;
  if (fs->redis) {
    vt_redis *r = fs->redis;
    fs->redis = NULL;
    vt_redis_close(r, on_redis_closed, fs);
    return;
  }
  closed_part(fs);
}

void vt_filters_close(vt_filters *fs, void (*done)(void *arg), void *arg) {
  fs->closing = true;
  fs->on_closed = done;
  fs->on_closed_arg = arg;
  uv_timer_stop(&fs->sweep);
  uv_close((uv_handle_t *)&fs->sweep, on_sweep_closed);
}

void vt_filters_free(vt_filters *fs) {
  if (!fs) return;
  vt_fstore_free(fs->store);
  free(fs);
}

void vt_filters_stats_get(const vt_filters *fs, vt_filters_stats *out) {
  *out = fs->st;
  out->installed = vt_fstore_count(fs->store);
}

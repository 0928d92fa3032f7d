/*
 * gateway.c: the front of the request path, from a client's HTTP body or WebSocket
 * message to the JSON-RPC response (the stages below are wired in wiring.c).
 *
 * A client message becomes an rpc_ctx: the body is copied into the context's own
 * allocation (ids are spans into it and must outlive a client that went away), split
 * into calls, and each call is answered locally, refused, or planned (plan/params.c)
 * and handed to the flights (plan/flight.c), whose leader vt_gateway_carry() sends
 * down to a prover, the chunked eth_getLogs feature, or one pool call. When the last
 * call is done the responses are joined in request order (notifications get none) and sent with X-Verity-Upstream and X-Verity-Trust; a
 * single call's response object is the body as it is, without another copy. A cache
 * hit (params checked by the fast path in params.c, answer from flight.c's memory
 * tier) costs the context, one response object and the rendered HTTP response. A
 * client that disconnects first only orphans the context: the calls finish, their
 * answers are dropped, memory is freed.
 *
 * With client keys (src/access/), admit() checks the key before the body is parsed
 * (401/429 answered here, with a JSON-RPC error body), a batch is charged its calls
 * after parsing (charge_batch), and dispatch asks the key's method rule per call; a
 * WebSocket is admitted at its upgrade (on_ws_upgrade) and charged per message. Every
 * answer is also noted for the dashboard (dash.c): its trust tier, and each -32002.
 */
#include "gateway/gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "core/hex.h"
#include "feature/logs.h"
#include "gateway/dash.h"
#include "feature/subs.h"
#include "filters/filters.h"
#include "obs/log.h"
#include "plan/flight.h"
#include "plan/params.h"
#include "plan/policy.h"
#include "pool/call.h"
#include "prove/tag.h"
#include "prove/verify.h"
#include "rpc/methods.h"

#define TRUST_MAX 40
#define UPSTREAM_HDR_MAX 200

/* A batch reports its weakest answer: ranks, weakest first (stale ranks with single,
 * verity's own answers above everything). */
enum { RANK_NONE = 0, RANK_SINGLE, RANK_QUORUM, RANK_VERIFIED, RANK_LOCAL };
static const int tier_rank[] = {
    [VT_TRUST_NONE] = RANK_NONE, [VT_TRUST_SINGLE] = RANK_SINGLE, [VT_TRUST_QUORUM] = RANK_QUORUM,
    [VT_TRUST_VERIFIED] = RANK_VERIFIED, [VT_TRUST_STALE] = RANK_SINGLE, [VT_TRUST_LOCAL] = RANK_LOCAL,
};

typedef struct rpc_ctx rpc_ctx;

typedef struct {
  rpc_ctx *ctx;
  size_t index;
  char *out;            /* the response object, NULL for notifications (and until answered) */
  size_t out_len;
  bool pinned;          /* the plan named a block number: `block` */
  uint64_t block;
  bool counted;         /* counted in the client's calls in flight until answered */
} call_slot;

#define BLOCK_HDR_MAX 24   /* "0x" + 16 hex digits */
#define HASH_HDR_MAX 68    /* "0x" + 64 hex digits */

struct rpc_ctx {
  vt_gateway *gw;
  const vt_client *client; /* the client key's entry, NULL when keys are off */
  vt_http_req *req;     /* NULL once answered or aborted */
  vt_ws_sess *ws;       /* WebSocket session (refcounted), or NULL */
  char *body;           /* points at body_mem: the copy of the client's message */
  size_t len;
  vt_rpc_msg msg;
  call_slot *slots;     /* per call; &one for a single call, else malloc'd */
  call_slot one;
  size_t pending;
  int trust_rank;
  char trust[TRUST_MAX];
  char upstreams[UPSTREAM_HDR_MAX];
  bool has_block, has_hash;  /* X-Verity-Block(-Hash): the highest block the answers are about */
  uint64_t block;
  uint8_t block_hash[32];
  uint64_t t0_ms;
  bool started;
  char addr[VT_COUNTS_MAX_KEY]; /* the client's address (per-client limits) */
  char body_mem[];      /* len + 1 bytes */
};

/* --- responses ------------------------------------------------------------------ */

static void ctx_free(rpc_ctx *x) {
  if (x->slots)
    for (size_t i = 0; i < x->msg.ncalls; i++) free(x->slots[i].out);
  if (x->slots != &x->one) free(x->slots);
  vt_rpc_msg_free(&x->msg);
  vt_ws_sess_unref(x->ws);
  free(x);
}

/* The trust becomes text here, for the X-Verity-Trust header only. Two quorums of the
 * same rank keep the order of their text, as the header always had. */
static void note_trust(rpc_ctx *x, const vt_trust *t, const char *by) {
  vt_dash_note_trust(x->gw->dash, (vt_trust_tier)t->tier);
  int rank = t->tier < sizeof tier_rank / sizeof tier_rank[0] ? tier_rank[t->tier] : RANK_NONE;
  char trust[VT_TRUST_TEXT_MAX];
  vt_trust_format(t, trust, sizeof trust);
  if (rank < x->trust_rank || x->trust_rank == RANK_LOCAL ||
      (rank == x->trust_rank && rank == RANK_QUORUM && strcmp(trust, x->trust) < 0)) {
    x->trust_rank = rank;
    size_t n = strnlen(trust, sizeof x->trust - 1); /* truncated like snprintf */
    memcpy(x->trust, trust, n);
    x->trust[n] = 0;
  }
  if (by && !strstr(x->upstreams, by)) {
    size_t n = strlen(x->upstreams), bl = strlen(by);
    if (n + bl + 2 < sizeof x->upstreams) {
      if (n) x->upstreams[n++] = ',';
      memcpy(x->upstreams + n, by, bl + 1);
    }
  }
}

/* The fallback error for an answer over the cap: room for the longest id (rpc.h) too. */
#define FALLBACK_ERROR_MAX (VT_RPC_MAX_ID + 1024)

static void set_out(rpc_ctx *x, size_t i, vt_buf *b) {
  if (!x->msg.calls[i].has_id) { vt_buf_free(b); return; }
  static const char too_large[] = "response too large for the configured limits.max_response";
  if (!vt_buf_ok(b)) {
    vt_buf_free(b); /* the failed answer's memory goes now (reset + init leaked it) */
    vt_buf_init(b, FALLBACK_ERROR_MAX);
    vt_rpc_write_error(b, x->msg.calls[i].id, VT_RPC_LIMIT_EXCEEDED, too_large, NULL);
  }
  if (!vt_buf_ok(b)) { /* cannot happen with ids under VT_RPC_MAX_ID; never send a cut object */
    vt_buf_free(b);
    vt_buf_init(b, FALLBACK_ERROR_MAX);
    vt_rpc_write_error(b, vt_span_of(NULL, 0), VT_RPC_LIMIT_EXCEEDED, too_large, NULL);
  }
  x->slots[i].out = vt_buf_steal(b, &x->slots[i].out_len);
}

static void respond(rpc_ctx *x) {
  vt_gateway *gw = x->gw;
  vt_buf b;
  vt_buf_init(&b, gw->cfg->max_response + 1024 * 1024);
  size_t nout = 0;
  if (!x->msg.is_batch) { /* one call: its response object is the body, no copy */
    if (x->slots[0].out) {
      b.data = x->slots[0].out;
      b.len = b.cap = x->slots[0].out_len;
      x->slots[0].out = NULL; /* b owns it now */
      nout = 1;
    }
  } else {
    vt_buf_append(&b, "[", 1);
    for (size_t i = 0; i < x->msg.ncalls; i++) {
      if (!x->slots[i].out) continue;
      if (nout++) vt_buf_append(&b, ",", 1);
      vt_buf_append(&b, x->slots[i].out, x->slots[i].out_len);
    }
    vt_buf_append(&b, "]", 1);
  }
  if (!vt_buf_ok(&b)) {
    vt_buf_reset(&b);
    vt_rpc_write_error(&b, vt_span_of(NULL, 0), VT_RPC_LIMIT_EXCEEDED,
                       "the batch's responses together pass limits.max_response; send smaller batches", NULL);
    nout = 1;
  }
  if (x->ws) {
    if (nout) vt_ws_sess_send(x->ws, b.data, b.len);
  } else if (x->req) {
    char blk[BLOCK_HDR_MAX], hash[HASH_HDR_MAX];
    vt_http_header h[4] = {{"X-Verity-Trust", x->trust[0] ? x->trust : "none"},
                           {"X-Verity-Upstream", x->upstreams[0] ? x->upstreams : "none"}};
    size_t nh = 2;
    if (!x->has_block && gw->pool.head_known) { /* not about one block (gas price, chain id…): verity's head */
      x->has_block = true;
      x->block = gw->pool.head;
    }
    if (x->has_block) {
      snprintf(blk, sizeof blk, "0x%llx", (unsigned long long)x->block);
      h[nh++] = (vt_http_header){"X-Verity-Block", blk};
      if (x->has_hash) {
        vc_hex_encode(x->block_hash, 32, hash); /* "0x" + 64 digits */
        h[nh++] = (vt_http_header){"X-Verity-Block-Hash", hash};
      }
    }
    if (nout) vt_http_respond(x->req, 200, "application/json", h, nh, b.data, b.len);
    else vt_http_respond(x->req, 204, NULL, h, nh, "", 0);
    x->req = NULL;
  }
  vt_buf_free(&b);
}

static void call_finished(rpc_ctx *x) {
  if (--x->pending == 0 && x->started) {
    respond(x);
    ctx_free(x);
  }
}

/* The block an answer is about: the proven header's (number and hash) when the
 * carrier says, else the number the call was pinned to. A batch names the highest. */
static void note_block(rpc_ctx *x, const call_slot *s, const vt_answer *a) {
  if (a->outcome != VT_CALL_OK) return;
  bool has = a->has_block || s->pinned;
  uint64_t n = a->has_block ? a->block : s->block;
  if (!has || (x->has_block && n < x->block)) return;
  if (!x->has_block || n > x->block) x->has_hash = false;
  x->has_block = true;
  x->block = n;
  if (a->has_hash) {
    x->has_hash = true;
    memcpy(x->block_hash, a->block_hash, 32);
  }
}

static void on_answer(const vt_answer *a, void *ud) {
  call_slot *s = ud;
  rpc_ctx *x = s->ctx;
  vt_rpc_call *rc = &x->msg.calls[s->index];
  if (s->counted && x->gw->inflight) vt_counts_give(x->gw->inflight, x->addr, 1);
  s->counted = false;
  vt_buf b;
  vt_buf_init(&b, x->gw->cfg->max_response + 4096);
  switch (a->outcome) {
    case VT_CALL_OK:
      vt_rpc_write_result(&b, rc->id, a->result, a->len);
      note_trust(x, &a->trust, a->served_by);
      break;
    case VT_CALL_RPC_ERROR:
      vt_rpc_write_error_raw(&b, rc->id, a->result, a->len);
      note_trust(x, &(vt_trust){.tier = VT_TRUST_SINGLE}, a->served_by);
      break;
    case VT_CALL_UNAVAILABLE:
    default:
      vt_rpc_write_error(&b, rc->id, VT_RPC_RESOURCE_UNAVAILABLE,
                         "resource unavailable: no upstream could give an answer verity can stand behind",
                         a->len ? a->result : NULL);
      note_trust(x, &(vt_trust){.tier = VT_TRUST_NONE}, NULL);
      vt_dash_note_unavailable(x->gw->dash, uv_now(x->gw->loop), a->method, a->len ? a->result : NULL, a->len);
      break;
  }
  note_block(x, s, a);
  set_out(x, s->index, &b);
  vt_gateway_note_request(x->gw, a->method, a->outcome, (double)(uv_now(x->gw->loop) - a->t_start_ms));
  vt_gateway_note_trust(x->gw, a->outcome == VT_CALL_OK ? &a->trust : &(vt_trust){.tier = VT_TRUST_NONE});
  call_finished(x);
}

/* --- dispatch ------------------------------------------------------------------- */

/* Who a filter belongs to, for filters.max_per_client: the client key's tag when keys
 * are on, else the source address (behind a proxy: the proxy's address). */
static void client_of(const rpc_ctx *x, char *out, size_t n) {
  if (x->client) snprintf(out, n, "key:%s", vt_client_tag(x->client));
  else snprintf(out, n, "%s", x->addr);
}

/* Carrying one call to the upstreams: proven when it can be, plainly otherwise. */
typedef struct {
  vt_answer_cb cb;
  void *ud;
} call_relay;

static void on_plain_done(vt_call *c, void *ud) {
  call_relay *r = ud;
  vt_answer a = {
      .outcome = (int)c->outcome, .result = c->result, .len = c->result ? c->result_len : 0,
      .served_by = c->served_by, .trust = c->trust, .method = c->method, .t_start_ms = c->t_start_ms,
  };
  r->cb(&a, r->ud);
  free(r);
  vt_call_free(c);
}

/* A provable call whose block is a tag: pinned and proven (safe, finalized), refused
 * (latest with no head agreed), or the pending nonce (mempool state, plain). Returns
 * 1 to carry it plainly, else what the prove stage returned. */
static int carry_tagged(vt_gateway *gw, const vt_job *ca, vt_answer_cb cb, void *ud) {
  uint64_t now = uv_now(gw->loop);
  switch (ca->plan->tag) {
    case VT_TAG_SAFE:
    case VT_TAG_FINALIZED:
      return vt_verify_tagged(&gw->prover, ca, cb, ud);
    case VT_TAG_PENDING:
      return 1;
    case VT_TAG_LATEST:
      vt_prove_refuse(cb, ud, ca->method,
                      "no head is agreed yet (k upstreams, the trusted node or the light client must confirm one): "
                      "latest cannot be proven; ask at an explicit block number or hash", now);
      return 0;
    default:
      vt_prove_refuse(cb, ud, ca->method, "the block this call is about cannot be anchored", now);
      return 0;
  }
}

int vt_gateway_carry(void *ctx, const vt_job *ca, vt_answer_cb cb, void *ud) {
  vt_gateway *gw = ctx;
  /* `latest` needs a head some upstream confirmed within the stale window and has not
   * failed to confirm since (pool.h): otherwise it is a memory, not today's latest */
  if (ca->plan->pinned_latest && !vt_pool_head_fresh(&gw->pool)) {
    vt_prove_refuse(cb, ud, ca->method,
                    "no upstream has confirmed the head lately (every one failed its last poll, or its breaker is "
                    "open): latest is not known now; degraded.stale serves the last proven value, labelled stale",
                    uv_now(gw->loop));
    return 0;
  }
  if (vt_verify_provable(&gw->prover, ca->method)) {
    /* proven or -32002: never answered plainly (but eth_getLogs past the head or
     * reversed, which verify_logs hands back, and the pending nonce) */
    int vrc = vt_verify_applies(&gw->prover, ca->method, ca->plan)
                  ? vt_verify_start(&gw->prover, ca->method, ca->params, ca->plan, cb, ud)
                  : carry_tagged(gw, ca, cb, ud);
    if (vrc != 1) return vrc;
  }
  if (ca->m && (ca->m->flags & VT_MF_RANGE)) {
    int lrc = vt_logs_start(&gw->pool, ca->params, ca->plan, cb, ud); /* chunked: logs.h */
    if (lrc != 0) return 0;
  }
  call_relay *r = malloc(sizeof *r);
  if (!r) return -1;
  r->cb = cb;
  r->ud = ud;
  /* the upstream request: our own id, the (maybe pinned) params */
  vt_buf up;
  vt_buf_init(&up, gw->cfg->max_body + 256);
  vt_buf_puts(&up, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":");
  vt_buf_json_str(&up, ca->method, strlen(ca->method));
  vt_buf_puts(&up, ",\"params\":");
  if (ca->params.n) vt_buf_append(&up, ca->params.p, ca->params.n);
  else vt_buf_puts(&up, "[]");
  vt_buf_puts(&up, "}");
  vt_call *c = vt_buf_ok(&up) ? vt_call_start(&gw->pool, ca->m, ca->method, up.data, up.len, ca->plan, on_plain_done, r) : NULL;
  vt_buf_free(&up);
  if (!c) { free(r); return -1; }
  return 0;
}

/* Count call i in the client's calls in flight; false when that passes the limit. */
static bool take_inflight(rpc_ctx *x, size_t i) {
  vt_gateway *gw = x->gw;
  if (!gw->inflight) return true;
  if (!vt_counts_take(gw->inflight, x->addr, 1, gw->cfg->max_inflight_per_client)) {
    static const char *const lim[] = {"inflight"};
    vt_metric_inc(vt_metric_with(gw->m.limited, lim), 1);
    return false;
  }
  x->slots[i].counted = true;
  return true;
}

static void dispatch(rpc_ctx *x, size_t i) {
  vt_gateway *gw = x->gw;
  vt_rpc_call *rc = &x->msg.calls[i];
  vt_buf b;
  vt_buf_init(&b, 64 * 1024);
  char msg[256];
  if (rc->err_code) {
    vt_rpc_write_error(&b, rc->id, rc->err_code, rc->err_msg, NULL);
    goto done;
  }
  bool denied;
  const vt_method *m = vt_plan_method(gw->cfg, rc->method, &denied);
  if (!m) {
    snprintf(msg, sizeof msg,
             "method not found: %.64s is not a method verity serves; if your upstreams support it, "
             "allow it under `methods:` in the config", rc->method);
    vt_rpc_write_error(&b, rc->id, VT_RPC_METHOD_NOT_FOUND, msg, NULL);
    goto done;
  }
  if (denied) {
    snprintf(msg, sizeof msg,
             "method not available: %.64s is denied (node administration, keys and debug "
             "namespaces are off by default); allow it under `methods:` in the config", rc->method);
    vt_rpc_write_error(&b, rc->id, VT_RPC_METHOD_NOT_FOUND, msg, NULL);
    goto done;
  }
  if (!vt_access_method_ok(x->client, rc->method)) {
    snprintf(msg, sizeof msg, "method not allowed for this client key (%s): %.64s; ask the operator to allow it",
             vt_client_name(x->client), rc->method);
    vt_rpc_write_error(&b, rc->id, VT_RPC_METHOD_NOT_FOUND, msg, NULL);
    goto done;
  }
  switch (m->kind) {
    case VT_M_LOCAL: {
      vt_trust t = vt_trust_of(vt_local_answer(gw, m, rc, &b));
      if (t.tier == VT_TRUST_QUORUM) t = vt_trust_quorum(vt_pool_quorum(&gw->pool), vt_pool_usable(&gw->pool));
      note_trust(x, &t, NULL);
      vt_gateway_note_trust(gw, &t);
      goto done;
    }
    case VT_M_SUBSCRIBE:
      if (!x->ws) {
        snprintf(msg, sizeof msg, "%s needs a WebSocket connection (ws://%s:%d)", rc->method,
                 gw->cfg->listen_host, gw->cfg->listen_port);
        vt_rpc_write_error(&b, rc->id, VT_RPC_METHOD_NOT_FOUND, msg, NULL);
      } else {
        vt_subs_handle(gw->subs, x->ws, rc, &b);
        note_trust(x, &(vt_trust){.tier = VT_TRUST_LOCAL}, NULL);
      }
      goto done;
    case VT_M_FILTER: {
      char client[64];
      client_of(x, client, sizeof client);
      x->pending++;
      if (vt_filters_handle(gw->filters, rc, client, on_answer, &x->slots[i]) != 0) {
        x->pending--;
        vt_rpc_write_error(&b, rc->id, VT_RPC_INTERNAL, "internal error: out of memory", NULL);
        goto done;
      }
      vt_buf_free(&b);
      return;
    }
    default:
      break;
  }
  vt_plan plan;
  if (vt_plan_params(m, rc->method, rc->params, gw->pool.head, gw->pool.head_known, &plan) != 0) {
    vt_rpc_write_error(&b, rc->id, VT_RPC_INTERNAL, "internal error: out of memory", NULL);
    goto done;
  }
  if (plan.err_code) {
    vt_rpc_write_error(&b, rc->id, plan.err_code, plan.err, NULL);
    vt_plan_free(&plan);
    goto done;
  }
  if (!take_inflight(x, i)) {
    snprintf(msg, sizeof msg,
             "limit exceeded: your address has %u calls in flight (limits.max_inflight_per_client); "
             "wait for their answers before sending more", gw->cfg->max_inflight_per_client);
    vt_rpc_write_error(&b, rc->id, VT_RPC_LIMIT_EXCEEDED, msg, NULL);
    vt_plan_free(&plan);
    goto done;
  }
  vt_span params = plan.params ? vt_span_of(plan.params, plan.params_len) : rc->params;
  vt_job ca = {.m = m, .method = rc->method, .params = params, .plan = &plan};
  x->slots[i].pinned = plan.kind == VT_PIN_NUMBER && plan.tag == VT_TAG_NONE;
  x->slots[i].block = plan.number;
  x->pending++;
  int frc = m->kind == VT_M_WRITE ? vt_gateway_carry(gw, &ca, on_answer, &x->slots[i])
                                  : vt_flight_run(gw->flights, &ca, vt_gateway_carry, gw, on_answer, &x->slots[i]);
  vt_plan_free(&plan);
  if (frc != 0) {
    x->pending--;
    if (x->slots[i].counted) vt_counts_give(gw->inflight, x->addr, 1);
    x->slots[i].counted = false;
    vt_rpc_write_error(&b, rc->id, VT_RPC_INTERNAL, "internal error: out of memory", NULL);
    goto done;
  }
  vt_buf_free(&b);
  return;
done:
  set_out(x, i, &b);
}

/* A key's batch of k calls costs k tokens: the door took one, the rest are charged
 * here. False when over the key's rate: answered 429 (HTTP) or with an error (WS). */
static bool charge_batch(rpc_ctx *x) {
  vt_access_verdict v;
  if (vt_access_take(x->gw->access, x->client, (unsigned)(x->msg.ncalls - 1), uv_now(x->gw->loop), &v) == VT_ACCESS_OK)
    return true;
  vt_buf b;
  char ra[16];
  vt_buf_init(&b, 1024);
  bool fits = vt_access_batch_fits(x->client, x->msg.ncalls);
  vt_rpc_write_error(&b, vt_span_of(NULL, 0), VT_RPC_LIMIT_EXCEEDED, fits ? v.why : VT_ACCESS_WHY_BATCH, NULL);
  snprintf(ra, sizeof ra, "%u", v.retry_after_s);
  vt_http_header h = {"Retry-After", ra};
  if (x->ws) vt_ws_sess_send(x->ws, b.data, b.len);
  else if (x->req) vt_http_respond(x->req, 429, "application/json", &h, 1, b.data, b.len);
  x->req = NULL;
  vt_buf_free(&b);
  return false;
}

/* Copies the message (data[0..len)) into the context. Answers through req or ws;
 * false when out of memory before anything was answered. */
static bool handle_message(vt_gateway *gw, vt_http_req *req, vt_ws_sess *ws, const vt_client *client,
                           const char *data, size_t len) {
  rpc_ctx *x = malloc(sizeof *x + len + 1);
  if (!x) {
    if (req) vt_http_respond(req, 503, "text/plain", NULL, 0, "out of memory\n", 14);
    return false;
  }
  memset(x, 0, sizeof *x);
  memcpy(x->body_mem, data, len);
  x->body_mem[len] = 0;
  x->gw = gw;
  x->client = client;
  x->req = req;
  x->ws = vt_ws_sess_ref(ws);
  x->body = x->body_mem;
  x->len = len;
  x->trust_rank = RANK_LOCAL;
  x->t0_ms = uv_now(gw->loop);
  if (req) vt_http_req_set_data(req, x);
  vt_peer_addr(req ? vt_http_req_peer(req) : vt_ws_sess_addr(ws), x->addr);
  if (vt_rpc_parse(x->body, len, &gw->rpc_limits, &x->msg) != 0) goto oom;
  if (client && x->msg.ncalls > 1 && !charge_batch(x)) {
    ctx_free(x);
    return true;
  }
  if (x->msg.err_code) {
    vt_buf b;
    vt_buf_init(&b, 4096);
    vt_rpc_write_error(&b, vt_span_of(NULL, 0), x->msg.err_code, x->msg.err_msg, NULL);
    vt_rpc_msg_free(&x->msg);
    x->msg.is_batch = false; /* one error object, even for an empty or oversized batch */
    x->msg.ncalls = 1;
    x->msg.calls = &x->msg.one;
    x->msg.one.has_id = true;
    x->slots = &x->one;
    x->one.out = vt_buf_steal(&b, &x->one.out_len);
    respond(x);
    ctx_free(x);
    return true;
  }
  size_t n = x->msg.ncalls;
  x->slots = n == 1 ? &x->one : calloc(n, sizeof *x->slots);
  if (!x->slots) goto oom;
  x->pending = 1; /* held until every call is dispatched */
  for (size_t i = 0; i < n; i++) {
    x->slots[i].ctx = x;
    x->slots[i].index = i;
    dispatch(x, i);
  }
  x->started = true;
  call_finished(x); /* drops the hold: answers now if every call was local */
  return true;
oom:
  if (x->req) vt_http_respond(x->req, 503, "text/plain", NULL, 0, "out of memory\n", 14);
  x->req = NULL;
  ctx_free(x);
  return true;
}

static void on_abort(vt_http_req *req, void *data) {
  (void)req;
  rpc_ctx *x = data;
  if (x) x->req = NULL; /* calls finish; their answers are dropped */
}

/* --- HTTP endpoints ------------------------------------------------------------- */

static void respond_owned(vt_http_req *req, int status, const char *ctype, char *body, size_t len) {
  if (!body) { vt_http_respond(req, 503, "text/plain", NULL, 0, "out of memory\n", 14); return; }
  vt_http_respond(req, status, ctype, NULL, 0, body, len);
  free(body);
}

static void ep_healthz(vt_gateway *gw, vt_http_req *req) {
  char why[200], body[300];
  bool ok = vt_gateway_healthy(gw, why, sizeof why);
  int n = snprintf(body, sizeof body, "{\"ok\":%s,\"reason\":\"%s\",\"head\":%llu}\n", ok ? "true" : "false",
                   why, (unsigned long long)gw->pool.head_reported);
  vt_http_respond(req, ok ? 200 : 503, "application/json", NULL, 0, body, (size_t)n);
}

static void ep_status(vt_gateway *gw, vt_http_req *req) {
  size_t n;
  char *s = vt_status_json(gw, &n);
  respond_owned(req, 200, "application/json", s, n);
}

static void ep_metrics(vt_gateway *gw, vt_http_req *req) {
  size_t n;
  char *s = vt_metrics_text(gw, &n);
  respond_owned(req, 200, "text/plain; version=0.0.4", s, n);
}

static void ep_root(vt_gateway *gw, vt_http_req *req) {
  char body[256];
  int n = snprintf(body, sizeof body,
                   "{\"name\":\"verity\",\"version\":\"%s\",\"chain_id\":%llu,\"rpc\":\"POST JSON-RPC 2.0 here\","
                   "\"endpoints\":[\"/healthz\",\"/status\",\"/metrics\",\"/dashboard\"]}\n",
                   VT_VERSION, (unsigned long long)gw->cfg->chain_id);
  vt_http_respond(req, 200, "application/json", NULL, 0, body, (size_t)n);
}

/* The dashboard: one page, no external assets; it polls /status and /metrics. */
static void ep_dashboard(vt_gateway *gw, vt_http_req *req) {
  (void)gw;
  size_t n;
  const char *page = vt_dash_page(&n);
  vt_http_header h[] = {{"Cache-Control", "no-store"},
                        {"Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"}};
  vt_http_respond(req, 200, "text/html; charset=utf-8", h, 2, page, n);
}

static const struct {
  const char *path;
  void (*fn)(vt_gateway *gw, vt_http_req *req);
} get_routes[] = {
    {"/healthz", ep_healthz}, {"/health", ep_healthz}, {"/status", ep_status},
    {"/metrics", ep_metrics}, {"/dashboard", ep_dashboard}, {"/", ep_root},
};

/* Keys on: the key a request carries, admitted or refused (401, 429 with Retry-After,
 * and a JSON-RPC error body). Returns false when the request was answered here. */
static bool admit(vt_gateway *gw, vt_http_req *req, const vt_client **client) {
  *client = NULL;
  if (!vt_access_on(gw->access)) return true;
  const char *key;
  size_t klen;
  vt_access_verdict v;
  (void)vt_access_key_of(vt_http_req_path(req), vt_http_req_header(req, "x-verity-key"),
                         vt_http_req_header(req, "authorization"), &key, &klen);
  if (vt_access_admit(gw->access, key, klen, uv_now(gw->loop), &v) == VT_ACCESS_OK) {
    *client = v.client;
    return true;
  }
  char tag[VT_ACCESS_TAG_HEX + 1] = "none", ra[16];
  if (klen) vt_access_tag_of(key, klen, tag);
  VT_LOG(VT_LOG_DEBUG, "access_refused", "status=%d key=%s peer=%s", v.http_status, tag, vt_http_req_peer(req));
  vt_buf b;
  vt_buf_init(&b, 1024);
  vt_rpc_write_error(&b, vt_span_of(NULL, 0), v.http_status == 429 ? VT_RPC_LIMIT_EXCEEDED : VT_RPC_UNAUTHORIZED,
                     v.why, NULL);
  snprintf(ra, sizeof ra, "%u", v.retry_after_s);
  vt_http_header h[] = {{"Retry-After", ra}, {"WWW-Authenticate", "Bearer realm=\"verity\""}};
  if (v.http_status == 429) vt_http_respond(req, 429, "application/json", h, 1, b.data, b.len);
  else vt_http_respond(req, v.http_status, "application/json", h + 1, 1, b.data, b.len);
  vt_buf_free(&b);
  return false;
}

static void on_request(vt_http_req *req, void *ud) {
  vt_gateway *gw = ud;
  const char *method = vt_http_req_method(req);
  const char *path = vt_http_req_path(req);
  if (!strcmp(method, "GET") || !strcmp(method, "HEAD")) {
    for (size_t i = 0; i < sizeof get_routes / sizeof get_routes[0]; i++)
      if (!strcmp(path, get_routes[i].path)) { get_routes[i].fn(gw, req); return; }
    static const char nf[] = "{\"error\":\"not found: JSON-RPC is POST /; see /healthz, /status, /metrics, /dashboard\"}\n";
    vt_http_respond(req, 404, "application/json", NULL, 0, nf, sizeof nf - 1);
    return;
  }
  if (strcmp(method, "POST") != 0) {
    static const char na[] = "{\"error\":\"method not allowed: use POST for JSON-RPC\"}\n";
    vt_http_header allow = {"Allow", "GET, POST, OPTIONS"};
    vt_http_respond(req, 405, "application/json", &allow, 1, na, sizeof na - 1);
    return;
  }
  const vt_client *client;
  if (!admit(gw, req, &client)) return;
  size_t len;
  const char *body = vt_http_req_body(req, &len);
  vt_http_req_on_abort(req, on_abort);
  (void)handle_message(gw, req, NULL, client, body, len); /* answers 503 itself when out of memory */
}

/* A WebSocket opens on / or, with keys, /k/<key> (or / with a key header). */
static int on_ws_upgrade(vt_http_req *req, void **auth, unsigned *retry_after_s, void *ud) {
  vt_gateway *gw = ud;
  const char *key;
  size_t klen;
  const char *rest = vt_access_key_of(vt_http_req_path(req), vt_http_req_header(req, "x-verity-key"),
                                      vt_http_req_header(req, "authorization"), &key, &klen);
  if (strcmp(rest, "/") != 0) return 404;
  vt_access_verdict v;
  if (vt_access_admit(gw->access, key, klen, uv_now(gw->loop), &v) != VT_ACCESS_OK) {
    *retry_after_s = v.retry_after_s;
    return v.http_status;
  }
  *auth = (void *)v.client;
  return 0;
}

static void on_ws_open(vt_ws_conn *c, void *ud) {
  vt_gateway *gw = ud;
  vt_ws_sess *s = vt_ws_sess_new(gw->subs, c);
  if (!s) vt_ws_close(c, 1011, "out of memory");
}

static void on_ws_message(vt_ws_conn *c, const char *data, size_t len, void *ud) {
  vt_gateway *gw = ud;
  vt_ws_sess *s = vt_ws_get_data(c);
  if (!s) return;
  const vt_client *client = vt_ws_get_auth(c);
  vt_access_verdict v;
  if (client && vt_access_take(gw->access, client, 1, uv_now(gw->loop), &v) != VT_ACCESS_OK) {
    vt_buf b;
    vt_buf_init(&b, 1024);
    vt_rpc_write_error(&b, vt_span_of(NULL, 0), VT_RPC_LIMIT_EXCEEDED, v.why, NULL);
    vt_ws_sess_send(s, b.data, b.len);
    vt_buf_free(&b);
    return;
  }
  if (!handle_message(gw, NULL, s, client, data, len)) vt_ws_close(c, 1011, "out of memory");
}

static void on_ws_close(vt_ws_conn *c, void *ud) {
  (void)ud;
  vt_ws_sess *s = vt_ws_get_data(c);
  vt_ws_set_data(c, NULL);
  if (s) vt_ws_sess_closed(s);
}

vt_http_handlers vt_gateway_handlers(vt_gateway *gw) {
  vt_http_handlers h = {on_request, on_ws_open, on_ws_message, on_ws_close, gw, on_ws_upgrade};
  return h;
}

/*
 * call.c: carrying one JSON-RPC call to the upstreams (see call.h for the rules).
 *
 * Life of a call: vt_call_start() picks the best eligible upstream and arms the hedge
 * timer. Each attempt's completion is classified (table of transport errors, then
 * HTTP status, then the JSON-RPC body) into: an answer, a deterministic error, or a
 * failure that moves the call on. finish() delivers the outcome once; attempts still
 * in flight are cancelled for reads and left to complete for writes (so a transaction
 * still reaches every upstream). Memory is released when the owner has released the
 * call, nothing is in flight, and the hedge timer's close callback has run.
 */
#include "pool/call.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/keccak.h"
#include "obs/log.h"
#include "rpc/rpc.h"

#define WHY_MAX (8 * 1024)
#define HEDGE_MIN_MS 30
#define HEDGE_MAX_MS 2000
#define HEDGE_DEFAULT_MS 250

static void try_next(vt_call *c, bool hedged);
static void maybe_free(vt_call *c);
static void note_ineligible(vt_call *c);

/* --- classification tables ------------------------------------------------------ */

/* Messages of JSON-RPC errors that say "this upstream cannot answer now", not "the
 * answer is an error". Matched case-insensitively as substrings. */
static const char *const retryable_msgs[] = {
    "header not found", "missing trie node", "unknown block", "block not found",
    "not found for block", "state not available", "state is not available", "pruned",
    "historical state", "not synced", "syncing", "timeout", "timed out", "busy",
    "overloaded", "unavailable", "try again", "internal error", "capacity",
    "too many requests", "rate limit", "ratelimit", "exceeded", "limit reached",
    "upstream", "backend", "bad gateway", "service", "connection", "not supported",
    "does not exist/is not available", "method not found", "unauthorized", "forbidden",
};
static const char *const ratelimit_msgs[] = {"rate limit", "ratelimit", "too many requests",
                                             "exceeded", "capacity", "limit reached"};
/* Codes that mean the upstream, not the request, is the problem. */
static const long retryable_codes[] = {-32603, -32005, -32004, -32002, -32001, -32601, 429, -32099};

static bool icontains(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (const char *p = hay; *p; p++)
    if (strncasecmp(p, needle, n) == 0) return true;
  return false;
}

static bool any_match(const char *msg, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (icontains(msg, list[i])) return true;
  return false;
}

bool vt_rpc_error_retryable(long code, const char *message) {
  /* Reverts and invalid input are answers, whatever else the text says. */
  if (code == 3 || icontains(message, "revert") || icontains(message, "invalid argument") ||
      icontains(message, "insufficient funds") || icontains(message, "nonce too low") ||
      icontains(message, "gas required exceeds"))
    return false;
  for (size_t i = 0; i < sizeof retryable_codes / sizeof retryable_codes[0]; i++)
    if (code == retryable_codes[i]) return true;
  return any_match(message, retryable_msgs, sizeof retryable_msgs / sizeof retryable_msgs[0]);
}

static bool is_already_known(const char *msg) {
  static const char *const known[] = {"already known", "known transaction", "already exists",
                                      "alreadyknown", "already imported", "transaction already in"};
  return any_match(msg, known, sizeof known / sizeof known[0]);
}

bool vt_result_is_empty_like(uint8_t empty_like, const char *res, size_t n) {
  static const struct {
    uint8_t flag;
    const char *text;
  } forms[] = {
      {VT_E_ZERO_QTY, "\"0x0\""},
      {VT_E_EMPTY_DATA, "\"0x\""},
      {VT_E_NULL, "null"},
      {VT_E_EMPTY_ARR, "[]"},
      {VT_E_ZERO_WORD, "\"0x0000000000000000000000000000000000000000000000000000000000000000\""},
  };
  if (!empty_like) return false;
  /* compact forms only; "[ ]" from an upstream is normalised below */
  for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
    if ((empty_like & forms[i].flag) && n == strlen(forms[i].text) && memcmp(res, forms[i].text, n) == 0)
      return true;
  if ((empty_like & VT_E_EMPTY_ARR) && n >= 2 && res[0] == '[') {
    size_t i = 1;
    while (i < n && (res[i] == ' ' || res[i] == '\n' || res[i] == '\t' || res[i] == '\r')) i++;
    if (i == n - 1 && res[i] == ']') return true;
  }
  return false;
}

/* --- eligibility ---------------------------------------------------------------- */

/* busy_ok: an upstream turned away only by its own load (vt_upstream_busy) counts, as
 * one the call will wait for. */
static bool eligible_as(vt_call *c, vt_upstream *u, uint64_t now, char *why, size_t n, bool busy_ok) {
  vt_pool *pool = c->pool;
  if (c->tried & (1ull << u->index)) return false;
  if (c->opts.only_trusted && !pool->net[u->index].trusted) {
    snprintf(why, n, "not a trusted upstream (anchor mode trusted)");
    return false;
  }
  if (!vt_upstream_available(u, now, why, n) && !(busy_ok && vt_upstream_busy(u, now))) return false;
  if (c->opts.logs_range && u->logs_max_range && u->logs_max_range < c->opts.logs_range) {
    snprintf(why, n, "it refuses eth_getLogs ranges over %llu blocks", (unsigned long long)u->logs_max_range);
    return false;
  }
  if (!pool->head_known) return true; /* starting up: nothing to compare with */
  if (!u->head_known) {
    snprintf(why, n, "its head is unknown (head polls failing)");
    return false;
  }
  uint64_t lag_ok = pool->cfg->head_lag_blocks;
  switch (c->pin) {
    case VT_PIN_NUMBER: {
      uint64_t need = c->pin_number;
      if (need > pool->head) need = pool->head; /* a future block: ask the synced ones */
      if (u->head < need) {
        snprintf(why, n, "its head %llu is behind block %llu", (unsigned long long)u->head,
                 (unsigned long long)need);
        return false;
      }
      return true;
    }
    default:
      if (u->head + lag_ok < pool->head) {
        snprintf(why, n, "its head %llu lags verity's head %llu", (unsigned long long)u->head,
                 (unsigned long long)pool->head);
        return false;
      }
      return true;
  }
}

static bool eligible(vt_call *c, vt_upstream *u, uint64_t now, char *why, size_t n) {
  return eligible_as(c, u, now, why, n, false);
}

static vt_upstream *pick(vt_call *c, uint64_t now) {
  vt_pool *pool = c->pool;
  vt_upstream *best = NULL;
  double best_score = 0;
  char why[160];
  for (size_t i = 0; i < pool->nups; i++) {
    vt_upstream *u = &pool->ups[i];
    if (!eligible(c, u, now, why, sizeof why)) continue;
    double s = vt_upstream_score(u);
    if (!best || s < best_score) { best = u; best_score = s; }
  }
  return best;
}

/* Upstreams that can be asked now or once their load allows (the n of quorum:k/n). */
static unsigned count_eligible(vt_call *c, uint64_t now) {
  unsigned n = 0;
  char why[160];
  for (size_t i = 0; i < c->pool->nups; i++)
    if (eligible_as(c, &c->pool->ups[i], now, why, sizeof why, true)) n++;
  return n;
}

/* Note in the -32002 data why each upstream was not used or failed. */
static void note_why(vt_call *c, const char *name, const char *what) {
  if (c->why.len >= WHY_MAX - 256) return;
  vt_buf_puts(&c->why, c->why.len ? ",{\"upstream\":" : "{\"upstream\":");
  vt_buf_json_str(&c->why, name, strlen(name));
  vt_buf_puts(&c->why, ",\"error\":");
  vt_buf_json_str(&c->why, what, strlen(what));
  vt_buf_puts(&c->why, "}");
}

/* --- finishing ------------------------------------------------------------------ */

static void cancel_all(vt_call *c) {
  for (unsigned i = 0; i < VT_CALL_MAX_PARALLEL; i++) {
    vt_attempt *a = &c->att[i];
    if (!a->active) continue;
    vt_fetch_cancel(a->fetch);
    a->active = false;
    a->fetch = NULL;
    vt_upstream_on_done(a->u);
    c->inflight--;
  }
}

static void finish(vt_call *c, vt_call_outcome o, const char *res, size_t n, const char *by, const vt_trust *trust) {
  if (c->finished) return;
  c->finished = true;
  c->outcome = o;
  c->result = malloc(n + 1);
  if (c->result) {
    memcpy(c->result, res, n);
    c->result[n] = 0;
    c->result_len = n;
  } else {
    c->outcome = VT_CALL_UNAVAILABLE;
    c->result = NULL;
    c->result_len = 0;
  }
  c->served_by = by;
  c->trust = trust ? *trust : vt_trust_of(VT_TRUST_SINGLE);
  if (c->timer_init) uv_timer_stop(&c->hedge_timer);
  if (!c->broadcast) cancel_all(c);
  c->done(c, c->ud);
}

static void finish_unavailable(vt_call *c, const char *reason) {
  vt_buf d;
  vt_buf_init(&d, WHY_MAX + 1024);
  vt_buf_puts(&d, "{\"reason\":");
  vt_buf_json_str(&d, reason, strlen(reason));
  vt_buf_puts(&d, ",\"method\":");
  vt_buf_json_str(&d, c->method, strlen(c->method));
  if (c->pin == VT_PIN_NUMBER) vt_buf_printf(&d, ",\"block\":\"0x%llx\"", (unsigned long long)c->pin_number);
  vt_buf_puts(&d, ",\"upstreams\":[");
  if (c->why.len) vt_buf_append(&d, c->why.data, c->why.len);
  vt_buf_puts(&d, "]}");
  if (!vt_buf_ok(&d)) {
    vt_buf_reset(&d);
    vt_buf_puts(&d, "{\"reason\":\"no upstream could answer\"}");
  }
  VT_LOG(VT_LOG_INFO, "unavailable", "method=%s reason=%s", c->method, reason);
  finish(c, VT_CALL_UNAVAILABLE, d.data, d.len, NULL, &(vt_trust){.tier = VT_TRUST_NONE});
  vt_buf_free(&d);
}

/* An upstream not asked yet is only busy (its in-flight cap or max_rps budget): rather
 * than settle with fewer answers (or none), ask it when it frees up, within the call's
 * timeout. Without this a burst (a batch of 100 reads) got -32002 "at its in-flight
 * limit", and an anchor's quorum settled for the one vote it had. */
#define BUSY_RETRY_MS 5

static void settle(vt_call *c);

static void on_busy_retry(uv_timer_t *t) {
  vt_call *c = t->data;
  if (c->finished) return;
  try_next(c, false);
  if (!c->finished && c->inflight == 0) settle(c); /* may finish: c is not touched after */
}

/* A strict call (an anchored header: k is never lowered) also waits for an upstream that
 * is only a block or two short of the block asked for: in a healthy pool the block
 * reaches it within a poll or two, and without it a liar among three would make a fresh
 * block unanchorable (-32002) until then. Not past BEHIND_WAIT_MS, nor the call's timeout. */
#define BEHIND_WAIT_BLOCKS 2
#define BEHIND_WAIT_MS 3000
#define BEHIND_RETRY_MS 25 /* a head poll may have moved it */

static bool catching_up(vt_call *c, vt_upstream *u, uint64_t now) {
  char why[160];
  if (!c->opts.strict || c->pin != VT_PIN_NUMBER || (c->tried & (1ull << u->index))) return false;
  if (!u->head_known || u->head >= c->pin_number || u->head + BEHIND_WAIT_BLOCKS < c->pin_number) return false;
  if (c->pin_number > c->pool->head || now - c->t_start_ms >= BEHIND_WAIT_MS) return false;
  return vt_upstream_available(u, now, why, sizeof why);
}

static bool wait_for_busy(vt_call *c) {
  if (!c->timer_init || c->broadcast || c->released) return false;
  uint64_t now = vt_pool_now_ms(c->pool);
  if (now - c->t_start_ms + BUSY_RETRY_MS >= c->timeout_ms) return false;
  char why[160];
  for (size_t i = 0; i < c->pool->nups; i++) {
    vt_upstream *u = &c->pool->ups[i];
    bool busy = vt_upstream_busy(u, now) && eligible_as(c, u, now, why, sizeof why, true);
    if (busy || catching_up(c, u, now)) {
      uv_timer_stop(&c->hedge_timer);
      uv_timer_start(&c->hedge_timer, on_busy_retry, busy ? BUSY_RETRY_MS : BEHIND_RETRY_MS, 0);
      return true;
    }
  }
  return false;
}

/* No attempt in flight and nobody left to ask: settle with the best we have. */
static void settle(vt_call *c) {
  if (c->finished || wait_for_busy(c)) return;
  if (c->nvotes && c->opts.agree > 1) {
    /* Upstreams that failed (not disagreed) lower the quorum in force, as a broken
     * upstream does for vt_pool_quorum(); a disagreement never does. A strict call
     * (an anchored header) is never lowered. */
    if (c->nvotes == 1 && c->opts.strict && c->votes[0].count < c->opts.agree) {
      char why[160];
      snprintf(why, sizeof why,
               "the anchor quorum was not reached: %u upstream(s) gave this header, anchor.quorum needs %u "
               "(the others failed or are not usable)",
               c->votes[0].count, c->opts.agree);
      finish_unavailable(c, why);
      return;
    }
    if (c->nvotes == 1) {
      vt_trust trust = vt_trust_quorum(c->votes[0].count, c->eligible_n);
      finish(c, VT_CALL_OK, c->votes[0].val, c->votes[0].len, c->votes[0].first_by, c->opts.trust ? c->opts.trust : &trust);
      return;
    }
    finish_unavailable(c, "upstreams disagree and no answer reached the quorum");
    return;
  }
  if (c->nvotes) {
    /* Empty-like answers nobody could contradict or confirm further. */
    vt_vote *best = &c->votes[0];
    for (unsigned i = 1; i < c->nvotes; i++)
      if (c->votes[i].count > best->count) best = &c->votes[i];
    if (c->nvotes == 1) {
      vt_trust trust = best->count >= 2 ? vt_trust_quorum(best->count, c->eligible_n) : vt_trust_of(VT_TRUST_SINGLE);
      finish(c, VT_CALL_OK, best->val, best->len, best->first_by, &trust);
      return;
    }
    finish_unavailable(c, "upstreams disagree and no answer reached the quorum");
    return;
  }
  if (c->det_error) {
    finish(c, VT_CALL_RPC_ERROR, c->det_error, c->det_error_len, c->det_error_by, NULL);
    return;
  }
  if (!c->why.len) note_ineligible(c);
  finish_unavailable(c, c->tried ? "no upstream could answer" : "no upstream is usable");
}

/* --- attempts ------------------------------------------------------------------- */

static void attempt_failed(vt_call *c, vt_attempt *a, vt_fail_kind kind, double retry_after, const char *raw) {
  uint64_t now = vt_pool_now_ms(c->pool);
  char what[300];
  vt_pool_redact_str(c->pool, raw, what, sizeof what);  /* may be upstream text: no secret passes */
  vt_upstream_on_failure(a->u, now, kind, retry_after, what);
  vt_pool_note_attempt(c->pool, a->u, (int)kind, (double)(now - a->t0_ms), a->hedged);
  char msg[240];
  snprintf(msg, sizeof msg, "%s: %s", vt_fail_kind_names[kind], what);
  note_why(c, a->u->name, msg);
  VT_LOG(VT_LOG_DEBUG, "attempt_failed", "method=%s upstream=%s kind=%s what=%s", c->method, a->u->name,
         vt_fail_kind_names[kind], what);
}

static void record_vote(vt_call *c, const char *res, size_t n, vt_upstream *u, vt_vote **out) {
  for (unsigned i = 0; i < c->nvotes; i++) {
    if (c->votes[i].len == n && memcmp(c->votes[i].val, res, n) == 0) {
      c->votes[i].count++;
      *out = &c->votes[i];
      return;
    }
  }
  *out = NULL;
  if (c->nvotes == VT_CALL_MAX_VOTES) return;
  vt_vote *v = &c->votes[c->nvotes];
  v->val = malloc(n + 1);
  if (!v->val) return;
  memcpy(v->val, res, n);
  v->val[n] = 0;
  v->len = n;
  v->count = 1;
  c->nvotes++;
  v->first_by = u->name;
  *out = v;
}

/* How many more upstreams could still answer this call. */
static unsigned could_answer(vt_call *c, uint64_t now) { return c->inflight + count_eligible(c, now); }

static void on_result(vt_call *c, vt_attempt *a, const char *res, size_t n) {
  uint64_t now = vt_pool_now_ms(c->pool);
  vt_buf checked;
  vt_buf_init(&checked, c->pool->cfg->max_response + 1024);
  if (c->opts.check) {
    char why[200] = "";
    if (c->opts.check(c, a->u, res, n, &checked, why, sizeof why) != 0) {
      vt_upstream_on_failure(a->u, now, VT_FAIL_LIE, -1, why);
      vt_pool_note_attempt(c->pool, a->u, VT_FAIL_LIE, 0, false);
      char msg[260];
      snprintf(msg, sizeof msg, "wrong answer: %s", why);
      note_why(c, a->u->name, msg);
      VT_LOG(VT_LOG_WARN, "wrong_answer", "method=%s upstream=%s why=%s", c->method, a->u->name, why);
      vt_buf_free(&checked);
      try_next(c, false);
      return;
    }
    if (checked.len) { res = checked.data; n = checked.len; }
  }
  if (c->opts.agree > 1) {
    vt_vote *v;
    record_vote(c, res, n, a->u, &v);
    unsigned have = v ? v->count : 0;
    unsigned possible = have + could_answer(c, now);
    unsigned need = c->opts.strict || c->opts.agree < possible ? c->opts.agree : possible;
    if (v && have >= need && have >= 1) {
      vt_trust trust = vt_trust_quorum(have, c->eligible_n);
      finish(c, VT_CALL_OK, res, n, a->u->name, c->opts.trust ? c->opts.trust : &trust);
    } else if (!c->inflight) {
      try_next(c, false);
    }
    vt_buf_free(&checked);
    return;
  }
  if (c->opts.verified || !vt_result_is_empty_like(c->m->empty_like, res, n)) {
    /* An upstream at the pinned block that said "nothing" was contradicted: at a
     * concrete block every honest, synced upstream has the same state. */
    if (c->empty_voters && c->pin == VT_PIN_NUMBER) {
      for (size_t i = 0; i < c->pool->nups; i++) {
        vt_upstream *u = &c->pool->ups[i];
        if (!(c->empty_voters & (1ull << u->index)) || u == a->u) continue;
        vt_upstream_on_failure(u, now, VT_FAIL_LIE, -1, "empty answer contradicted by another upstream");
        vt_pool_note_attempt(c->pool, u, VT_FAIL_LIE, 0, false);
        note_why(c, u->name, "answered empty; contradicted by another upstream");
      }
    }
    finish(c, VT_CALL_OK, res, n, a->u->name, c->opts.trust); /* NULL: single */
    vt_buf_free(&checked);
    return;
  }
  vt_vote *v;
  c->empty_voters |= 1ull << a->u->index;
  record_vote(c, res, n, a->u, &v);
  unsigned have = v ? v->count : 0;
  unsigned possible = have + could_answer(c, now);
  unsigned need = c->need_confirm < possible ? c->need_confirm : possible;
  if (need < 1) need = 1;
  if (v && have >= need) {
    vt_trust trust = have >= 2 ? vt_trust_quorum(have, c->eligible_n) : vt_trust_of(VT_TRUST_SINGLE);
    finish(c, VT_CALL_OK, res, n, a->u->name, &trust);
    vt_buf_free(&checked);
    return;
  }
  vt_buf_free(&checked);
  /* Ask another upstream now, not after the hedge delay. */
  try_next(c, false);
}

static void on_write_result(vt_call *c, vt_attempt *a, const char *res, size_t n) {
  finish(c, VT_CALL_OK, res, n, a->u->name, NULL);
}

/* The local hash of a raw transaction, as the JSON string result ("0x…"). */
static bool local_tx_hash(vt_call *c, char out[70]) {
  /* body: {"jsonrpc":"2.0","id":1,"method":"eth_sendRawTransaction","params":["0x…"]} */
  const char *p = strstr(c->body, "\"params\":[\"0x");
  if (!p) return false;
  p += 11; /* at "0x" */
  const char *q = strchr(p, '"');
  if (!q) return false;
  size_t hl = (size_t)(q - p), cap = hl / 2 + 1, n = 0;
  uint8_t *raw = malloc(cap);
  if (!raw) return false;
  if (vc_hex_decode(p, hl, raw, cap, &n) != VC_OK) { free(raw); return false; }
  uint8_t h[32];
  vc_keccak256(raw, n, h);
  free(raw);
  out[0] = '"';
  vc_hex_encode(h, 32, out + 1);
  out[67] = '"';
  out[68] = 0;
  return true;
}

static void rpc_error_redacted(vt_call *c, vt_attempt *a, const vt_rpc_resp *resp, uint64_t now, double lat);

static const vt_fail_kind fetch_fail_kind[] = {
    [VT_FETCH_OK] = VT_FAIL_BAD_BODY,
    [VT_FETCH_E_CONNECT] = VT_FAIL_CONNECT,
    [VT_FETCH_E_TIMEOUT] = VT_FAIL_TIMEOUT,
    [VT_FETCH_E_TOO_LARGE] = VT_FAIL_BAD_BODY,
    [VT_FETCH_E_TRANSPORT] = VT_FAIL_BAD_BODY,
    [VT_FETCH_E_CANCELLED] = VT_FAIL_CONNECT,
    [VT_FETCH_E_SHUTDOWN] = VT_FAIL_CONNECT,
};

/* A JSON-RPC error from an upstream: "already known" for a write, a request too big
 * for that upstream, a retryable error (the upstream cannot answer now), or a
 * deterministic error (the upstream evaluated the call: that is the answer). */
static void on_rpc_error(vt_call *c, vt_attempt *a, const vt_rpc_resp *raw, uint64_t now, double lat) {
  /* The upstream's message and error object may echo its url or key: every configured
   * secret is replaced before the text goes anywhere (the client, -32002 data, logs). */
  vt_rpc_resp redacted = *raw;
  const vt_rpc_resp *resp = &redacted;
  vt_buf obj;
  vt_buf_init(&obj, VT_POOL_MAX_ERROR_TEXT);
  vt_pool_redact_str(c->pool, raw->message, redacted.message, sizeof redacted.message);
  if (vt_pool_redact(c->pool, raw->error.p, raw->error.n, &obj) && obj.data) {
    redacted.error.p = obj.data;
    redacted.error.n = obj.len;
  } else {
    redacted.error.p = "{\"code\":-32603,\"message\":\"an upstream error too long to show\"}";
    redacted.error.n = strlen(redacted.error.p);
  }
  rpc_error_redacted(c, a, resp, now, lat);
  vt_buf_free(&obj);
}

static void rpc_error_redacted(vt_call *c, vt_attempt *a, const vt_rpc_resp *resp, uint64_t now, double lat) {
  if (c->broadcast && is_already_known(resp->message)) {
    char h[70];
    vt_upstream_on_success(a->u, now, lat);
    vt_pool_note_attempt(c->pool, a->u, -1, lat, a->hedged);
    if (local_tx_hash(c, h)) { on_write_result(c, a, h, strlen(h)); return; }
  }
  if (c->opts.on_error && c->opts.on_error(c, a->u, resp->code, resp->message)) {
    /* too big for this upstream: it answered, the request is what failed */
    char what[300];
    snprintf(what, sizeof what, "%ld %s", resp->code, resp->message);
    vt_upstream_on_success(a->u, now, lat);
    vt_pool_note_attempt(c->pool, a->u, -1, lat, a->hedged);
    note_why(c, a->u->name, what);
    return;
  }
  if (vt_rpc_error_retryable(resp->code, resp->message)) {
    bool rl = any_match(resp->message, ratelimit_msgs, sizeof ratelimit_msgs / sizeof ratelimit_msgs[0]) ||
              resp->code == 429 || resp->code == -32005;
    char what[300];
    snprintf(what, sizeof what, "%ld %s", resp->code, resp->message);
    attempt_failed(c, a, rl ? VT_FAIL_RATELIMIT : VT_FAIL_RPC, -1, what);
    return;
  }
  /* A deterministic error: the upstream evaluated the call. */
  vt_upstream_on_success(a->u, now, lat);
  vt_pool_note_attempt(c->pool, a->u, -1, lat, a->hedged);
  if (c->broadcast) {
    if (!c->det_error) {
      c->det_error = malloc(resp->error.n + 1);
      if (c->det_error) {
        memcpy(c->det_error, resp->error.p, resp->error.n);
        c->det_error[resp->error.n] = 0;
        c->det_error_len = resp->error.n;
        c->det_error_by = a->u->name;
      }
    }
    return;
  }
  finish(c, VT_CALL_RPC_ERROR, resp->error.p, resp->error.n, a->u->name, NULL);
}

static void on_fetch(const vt_fetch_result *r, void *ud) {
  vt_attempt *a = ud;
  vt_call *c = a->call;
  a->active = false;
  a->fetch = NULL;
  c->inflight--;
  vt_upstream_on_done(a->u);
  if (r->error == VT_FETCH_E_CANCELLED || r->error == VT_FETCH_E_SHUTDOWN) goto next;

  uint64_t now = vt_pool_now_ms(c->pool);
  double lat = (double)(now - a->t0_ms);
  if (r->error == VT_FETCH_E_TOO_LARGE) {
    /* the answer to what the client asked is over max_response: the request, not the
     * upstream, is at fault, so its health is untouched (a client cannot lower it) */
    vt_upstream_on_success(a->u, now, lat);
    vt_pool_note_attempt(c->pool, a->u, -1, lat, a->hedged);
    note_why(c, a->u->name, "its answer is larger than limits.max_response");
    goto next;
  }
  if (r->error != VT_FETCH_OK) {
    vt_fail_kind k = (unsigned)r->error < sizeof fetch_fail_kind / sizeof fetch_fail_kind[0]
                         ? fetch_fail_kind[r->error] : VT_FAIL_CONNECT;
    attempt_failed(c, a, k, -1, r->error_msg ? r->error_msg : "transport error");
    goto next;
  }
  if (r->http_status == 429) {
    attempt_failed(c, a, VT_FAIL_RATELIMIT, r->retry_after_s, "HTTP 429");
    goto next;
  }
  if (r->http_status != 200) {
    char what[48];
    snprintf(what, sizeof what, "HTTP %ld", r->http_status);
    attempt_failed(c, a, VT_FAIL_HTTP, -1, what);
    goto next;
  }
  vt_rpc_resp resp;
  const char *bad;
  if (vt_rpc_parse_response(r->body, r->body_len, c->pool->max_json_depth + 16, &resp, &bad) != 0) {
    attempt_failed(c, a, VT_FAIL_BAD_BODY, -1, bad);
    goto next;
  }
  if (resp.is_error) {
    on_rpc_error(c, a, &resp, now, lat);
    goto next;
  }
  vt_upstream_on_success(a->u, now, lat);
  vt_pool_note_attempt(c->pool, a->u, -1, lat, a->hedged);
  if (c->broadcast) on_write_result(c, a, resp.result.p, resp.result.n);
  else on_result(c, a, resp.result.p, resp.result.n);

next:
  if (!c->finished && c->inflight == 0) try_next(c, false);
  if (!c->finished && c->inflight == 0) settle(c);
  maybe_free(c);
}

static bool send_to(vt_call *c, vt_upstream *u, bool hedged) {
  unsigned slot;
  for (slot = 0; slot < VT_CALL_MAX_PARALLEL; slot++)
    if (!c->att[slot].active) break;
  if (slot == VT_CALL_MAX_PARALLEL) return false;
  vt_attempt *a = &c->att[slot];
  uint64_t now = vt_pool_now_ms(c->pool);
  c->tried |= 1ull << u->index;
  a->call = c;
  a->u = u;
  a->t0_ms = now;
  a->hedged = hedged;
  a->active = true;
  c->inflight++;
  a->fetch = vt_pool_send(c->pool, u, c->body, c->body_len, c->timeout_ms, on_fetch, a);
  if (!a->fetch) {
    a->active = false;
    c->inflight--;
    vt_upstream_on_done(u);
    note_why(c, u->name, "could not start a request (out of resources)");
    return false;
  }
  if (hedged) {
    u->hedges++;
    c->hedges++;
  }
  return true;
}

static unsigned hedge_delay(vt_call *c, vt_upstream *first) {
  unsigned cfg = c->pool->cfg->hedge_after_ms;
  if (cfg) return cfg;
  double q = vt_upstream_latency_quantile(first, 0.9);
  if (q < 0) return HEDGE_DEFAULT_MS;
  double d = q * 1.5 + 5;
  if (d < HEDGE_MIN_MS) d = HEDGE_MIN_MS;
  if (d > HEDGE_MAX_MS) d = HEDGE_MAX_MS;
  return (unsigned)d;
}

static void on_hedge(uv_timer_t *t) {
  vt_call *c = t->data;
  if (c->finished || c->hedges >= VT_CALL_MAX_HEDGES) return;
  vt_upstream *u = pick(c, vt_pool_now_ms(c->pool));
  if (!u) return;
  VT_LOG(VT_LOG_DEBUG, "hedge", "method=%s to=%s", c->method, u->name);
  if (send_to(c, u, true) && c->hedges < VT_CALL_MAX_HEDGES) uv_timer_start(&c->hedge_timer, on_hedge, hedge_delay(c, u), 0);
}

static void try_next(vt_call *c, bool hedged) {
  uint64_t now = vt_pool_now_ms(c->pool);
  vt_upstream *u;
  while (!c->finished && (u = pick(c, now)) != NULL) {
    if (send_to(c, u, hedged)) {
      if (c->timer_init && !c->broadcast) {
        uv_timer_stop(&c->hedge_timer);
        uv_timer_start(&c->hedge_timer, on_hedge, hedge_delay(c, u), 0);
      }
      return;
    }
  }
}

/* Explain, for -32002, why each upstream never asked was not eligible. */
static void note_ineligible(vt_call *c) {
  uint64_t now = vt_pool_now_ms(c->pool);
  char why[160];
  for (size_t i = 0; i < c->pool->nups; i++) {
    vt_upstream *u = &c->pool->ups[i];
    why[0] = 0;
    if (!eligible(c, u, now, why, sizeof why) && why[0]) note_why(c, u->name, why);
  }
}

vt_call *vt_call_start(vt_pool *pool, const vt_method *m, const char *method, const char *body,
                       size_t body_len, const vt_plan *plan, vt_call_done done, void *ud) {
  return vt_call_start_opts(pool, m, method, body, body_len, plan, NULL, done, ud);
}

vt_call *vt_call_start_opts(vt_pool *pool, const vt_method *m, const char *method, const char *body,
                            size_t body_len, const vt_plan *plan, const vt_call_opts *opts, vt_call_done done,
                            void *ud) {
  vt_call *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  if (opts) c->opts = *opts;
  c->pool = pool;
  c->m = m;
  snprintf(c->method, sizeof c->method, "%s", method);
  c->body = malloc(body_len + 1);
  if (!c->body) { free(c); return NULL; }
  memcpy(c->body, body, body_len);
  c->body[body_len] = 0;
  c->body_len = body_len;
  c->pin = plan ? plan->kind : VT_PIN_NONE;
  c->pin_number = plan ? plan->number : 0;
  c->broadcast = m->kind == VT_M_WRITE;
  const vt_method_cfg *mc = vt_config_method(pool->cfg, method);
  c->timeout_ms = mc && mc->timeout_ms ? mc->timeout_ms : pool->cfg->timeout_ms;
  c->done = done;
  c->ud = ud;
  c->t_start_ms = vt_pool_now_ms(pool);
  vt_buf_init(&c->why, WHY_MAX);
  uint64_t now = vt_pool_now_ms(pool);
  c->eligible_n = count_eligible(c, now);
  unsigned k = vt_pool_quorum(pool);
  c->need_confirm = k < c->eligible_n ? k : c->eligible_n;
  if (c->need_confirm < 1) c->need_confirm = 1;
  if (uv_timer_init(pool->loop, &c->hedge_timer) == 0) {
    c->timer_init = true;
    c->hedge_timer.data = c;
  }
  if (c->eligible_n == 0) note_ineligible(c);
  if (c->broadcast) {
    vt_upstream *u;
    while ((u = pick(c, now)) != NULL && send_to(c, u, false)) {}
  } else if (c->opts.agree > 1) {
    /* ask as many as must agree at once, not one after the other */
    vt_upstream *u;
    for (unsigned i = 0; i < c->opts.agree && i < VT_CALL_MAX_PARALLEL && (u = pick(c, now)) != NULL; i++)
      if (!send_to(c, u, false)) break;
    if (c->timer_init && c->inflight)
      uv_timer_start(&c->hedge_timer, on_hedge, hedge_delay(c, c->att[0].u), 0);
  } else {
    try_next(c, false);
  }
  if (!c->finished && c->inflight == 0) settle(c);
  return c;
}

static void on_timer_closed(uv_handle_t *h) {
  vt_call *c = h->data;
  for (unsigned i = 0; i < c->nvotes; i++) free(c->votes[i].val);
  vt_buf_free(&c->why);
  free(c->det_error);
  free(c->result);
  free(c->body);
  free(c);
}

static void maybe_free(vt_call *c) {
  if (!c->released || c->inflight || c->freeing) return;
  c->freeing = true;
  if (c->timer_init) {
    c->timer_init = false;
    uv_close((uv_handle_t *)&c->hedge_timer, on_timer_closed);
  } else {
    uv_handle_t fake;
    fake.data = c;
    on_timer_closed(&fake);
  }
}

void vt_call_free(vt_call *c) {
  if (!c || c->released) return;
  c->released = true;
  if (c->timer_init) uv_timer_stop(&c->hedge_timer);
  if (!c->broadcast) cancel_all(c);
  maybe_free(c);
}

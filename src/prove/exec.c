/*
 * exec.c: the engine of verified eth_call / eth_estimateGas / eth_createAccessList
 * (see exec.h for the whole story).
 *
 * One xreq per client call walks: anchor -> hint -> rounds of evidence -> run. The hint
 * is one upstream's eth_createAccessList of the call: it only says what to fetch first
 * and is never believed (a liar that omits slots costs a round, a liar that adds
 * slots costs bytes). Evidence is eth_getProof per account (its slots with it, at most
 * VC_PROOF_MAX_STORAGE a request) and eth_getCode checked against the proven codeHash,
 * every request of a round in flight at once, each a vt_call whose check runs the
 * core's verifiers, so an upstream whose proof does not check is charged and the next
 * one is asked. Code is also asked early, unchecked, alongside the hint (the recipient)
 * and alongside each unknown account's proof: those bytes enter the store only under
 * their own keccak, so they are used only when a proven codeHash names them (a round
 * trip saved per contract; a lie there costs nothing). Proven accounts, slots and code
 * also go to the answer cache (exec_cache.c) and are looked up there first. BLOCKHASH
 * reads are answered from anchored headers. After each round
 * the call runs on the proven store (exec_run.c); what it needed and lacked is the next
 * round, at most call.max_rounds (config). Anything that cannot be proven ends in -32002
 * naming why; never an upstream's unproven result.
 *
 * Ownership: the xreq owns its params, call, store and jobs; it frees itself after
 * answering, and not before every evidence call it started has come back.
 */
#include "prove/exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/hex.h"
#include "flow/jvalue.h"
#include "obs/log.h"
#include "config/config.h"
#include "pool/call.h"
#include "prove/anchor.h"
#include "prove/verify.h"

#define X_MAX_WANTS 512             /* items asked for in one round */
#define X_MAX_BODY (512 * 1024)     /* one evidence request */
#define X_MAX_PREFETCH 32           /* addresses whose code is asked before their proof, per call */

/* One item a round fetches: an account, one of its slots, or a block hash (BLOCKHASH). */
typedef struct {
  uint8_t addr[20];
  bool slot;
  uint8_t key[32];
  bool hash;
  uint64_t number;
} xwant;

typedef struct xreq xreq;

/* One evidence request in flight: a proof of addr (+ slots) or addr's code. */
typedef struct {
  xreq *r;
  bool code;
  bool prefetch;              /* code asked before its account is proven: kept only by its hash */
  uint8_t addr[20];
  uint8_t (*slots)[32];
  size_t n_slots;
  vc_account acct;
  uint8_t (*vals)[32];
  uint8_t *bytes;             /* checked code */
  size_t len;
} xjob;

struct xreq {
  vt_prover *pv;
  vt_xkind kind;
  const char *method;
  json_t *params;
  vt_xcall call;
  vt_xstore st;
  bool by_hash;
  uint64_t number;
  uint8_t bhash[32];
  vt_anchored anch;
  evm_block blk;
  unsigned round;
  unsigned pending;
  bool overrides_done;
  bool answered;
  char why[200];
  xwant want[X_MAX_WANTS];
  size_t n_want;
  uint8_t prefetched[X_MAX_PREFETCH][20]; /* addresses whose code was asked ahead */
  size_t n_prefetched;
  vt_buf out;
  vt_answer_cb cb;
  void *ud;
  uint64_t t0;
  const char *served_by;
};

static void round_start(xreq *r);
static vt_xblock_ref at_of(const xreq *r);

/* --- ending ------------------------------------------------------------------------ */

static void xreq_free(xreq *r) {
  json_decref(r->params);
  vt_xcall_free(&r->call);
  vt_xstore_free(&r->st);
  vt_buf_free(&r->out);
  free(r);
}

static void finish(xreq *r, int outcome, const char *res, size_t n, vt_trust trust) {
  vt_answer a = {.outcome = outcome, .result = res, .len = n, .served_by = r->served_by, .trust = trust,
                 .method = r->method, .t_start_ms = r->t0};
  r->answered = true;
  r->cb(&a, r->ud);
  xreq_free(r);
}

static void unavailable(xreq *r, const char *reason) {
  vt_buf d;
  vt_buf_init(&d, 8 * 1024);
  vt_buf_puts(&d, "{\"reason\":");
  vt_buf_json_str(&d, reason, strlen(reason));
  vt_buf_puts(&d, ",\"method\":");
  vt_buf_json_str(&d, r->method, strlen(r->method));
  vt_buf_printf(&d, ",\"rounds\":%u}", r->round);
  if (!vt_buf_ok(&d)) {
    vt_buf_reset(&d);
    vt_buf_puts(&d, "{\"reason\":\"the call could not be proven\"}");
  }
  finish(r, VT_CALL_UNAVAILABLE, d.data, d.len, vt_trust_of(VT_TRUST_NONE));
  vt_buf_free(&d);
}

static void fail_round(xreq *r, const char *fmt, const char *detail) {
  if (!r->why[0]) snprintf(r->why, sizeof r->why, fmt, detail ? detail : "");
}

/* --- the run ------------------------------------------------------------------------- */

static void want(xreq *r, const uint8_t addr[20], const uint8_t *key) {
  for (size_t i = 0; i < r->n_want; i++)
    if (!r->want[i].hash && !memcmp(r->want[i].addr, addr, 20) && r->want[i].slot == (key != NULL) &&
        (!key || !memcmp(r->want[i].key, key, 32)))
      return;
  if (r->n_want == X_MAX_WANTS) return; /* the rest next round */
  xwant *w = &r->want[r->n_want++];
  memcpy(w->addr, addr, 20);
  w->slot = key != NULL;
  if (key) memcpy(w->key, key, 32);
}

static void run(xreq *r) {
  vc_err err = {0};
  vt_xoutcome o = {0};
  if (!r->overrides_done) {
    r->overrides_done = true;
    if (r->call.block_override && vt_exec_block_override(r->call.block_override, &r->blk, &err) != VC_OK) goto bad_params;
    if (r->call.state_override && vt_exec_state_override(r->call.state_override, &r->st, &err) != VC_OK) goto bad_params;
  }
  if (vt_exec_answer(r->kind, &r->st, &r->blk, &r->call, r->pv->pool->cfg->call_gas_cap, &r->out, &o, &err) != VC_OK) {
    unavailable(r, err.msg);
    goto out;
  }
  if (!o.missing) {
    if (!vt_buf_ok(&r->out)) unavailable(r, "the answer is larger than verity's response cap");
    else finish(r, o.is_error ? VT_CALL_RPC_ERROR : VT_CALL_OK, r->out.data, r->out.len, r->anch.trust);
    goto out;
  }
  if (++r->round > r->pv->pool->cfg->call_max_rounds) {
    char m[120];
    snprintf(m, sizeof m, "the call still needed unproven state after %u rounds of evidence (call.max_rounds)",
             r->pv->pool->cfg->call_max_rounds);
    unavailable(r, m);
    goto out;
  }
  r->n_want = 0;
  for (size_t i = 0; i < o.needs.n_needs; i++) {
    const evm_need *n = &o.needs.needs[i];
    if (n->kind == EVM_NEED_BLOCK_HASH) {
      if (r->n_want < X_MAX_WANTS) r->want[r->n_want++] = (xwant){.hash = true, .number = n->number};
    } else {
      want(r, n->addr, n->kind == EVM_NEED_SLOT ? n->key : NULL);
    }
  }
  round_start(r);
  goto out;
bad_params: {
  vt_buf e;
  vt_buf_init(&e, 1024);
  vt_buf_puts(&e, "{\"code\":-32602,\"message\":");
  vt_buf_json_str(&e, err.msg, strlen(err.msg));
  vt_buf_puts(&e, "}");
  finish(r, VT_CALL_RPC_ERROR, e.data, e.len, vt_trust_of(VT_TRUST_NONE));
  vt_buf_free(&e);
}
out:
  evm_result_free(&o.needs);
}

/* One evidence request (or header) came back: when the round is complete, run. */
static void settle(xreq *r) {
  if (--r->pending) return;
  if (r->why[0]) { unavailable(r, r->why); return; }
  run(r);
}

/* --- evidence ------------------------------------------------------------------------- */

static void job_free(xjob *j) {
  free(j->slots);
  free(j->vals);
  free(j->bytes);
  free(j);
}

static void put_hex(vt_buf *b, const uint8_t *p, size_t n) {
  char tmp[2 * 32 + 3];
  vc_hex_encode(p, n, tmp);
  vt_buf_printf(b, "\"%s\"", tmp);
}

static int check_proof(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why, size_t wl) {
  (void)u;
  (void)out;
  xjob *j = c->opts.check_ud;
  json_error_t je;
  json_t *pj = json_loadb(res, n, 0, &je);
  vc_err err = {0};
  int rc = -1;
  if (!pj || !json_is_object(pj)) { snprintf(why, wl, "eth_getProof result is not an object"); goto out; }
  if (vc_verify_account_proof(pj, j->r->anch.hdr.state_root, j->addr, &j->acct, &err) != VC_OK) {
    snprintf(why, wl, "account proof: %s", err.msg);
    goto out;
  }
  if (j->n_slots && vc_verify_storage_proofs(pj, &j->acct, (const uint8_t(*)[32])j->slots, j->n_slots, j->vals, &err) != VC_OK) {
    snprintf(why, wl, "storage proof: %s", err.msg);
    goto out;
  }
  rc = 0;
out:
  json_decref(pj);
  return rc;
}

static int check_code(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why, size_t wl) {
  (void)u;
  (void)out;
  xjob *j = c->opts.check_ud;
  vc_err err = {0};
  if (n < 4 || res[0] != '"' || res[n - 1] != '"') { snprintf(why, wl, "eth_getCode result is not a hex string"); return -1; }
  size_t cap = (n - 2) / 2 + 1;
  free(j->bytes);
  j->bytes = malloc(cap);
  j->len = 0;
  if (!j->bytes) { snprintf(why, wl, "out of memory"); return -1; }
  if (vc_hex_decode(res + 1, n - 2, j->bytes, cap, &j->len) != VC_OK) { snprintf(why, wl, "eth_getCode result is not hex data"); return -1; }
  if (j->prefetch) return 0; /* checked later, by the hash a proof gives (or never used) */
  if (vc_verify_code(j->acct.code_hash, j->bytes, j->len, &err) != VC_OK) { snprintf(why, wl, "code: %s", err.msg); return -1; }
  return 0;
}

static void on_job(vt_call *c, void *ud);

static bool job_start(xjob *j) {
  xreq *r = j->r;
  vt_buf b;
  char h[70];
  vt_buf_init(&b, X_MAX_BODY);
  vt_buf_printf(&b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":[", j->code ? "eth_getCode" : "eth_getProof");
  put_hex(&b, j->addr, 20);
  if (!j->code) {
    vt_buf_puts(&b, ",[");
    for (size_t i = 0; i < j->n_slots; i++) {
      if (i) vt_buf_puts(&b, ",");
      put_hex(&b, j->slots[i], 32);
    }
    vt_buf_puts(&b, "]");
  }
  vc_hex_encode(r->anch.hdr.hash, 32, h);
  vt_buf_printf(&b, ",{\"blockHash\":\"%s\"}]}", h);
  const char *m = j->code ? "eth_getCode" : "eth_getProof";
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = r->anch.hdr.number};
  vt_call_opts o = {.check = j->code ? check_code : check_proof, .check_ud = j, .verified = true, .trust = &r->anch.trust};
  vt_call *c = NULL;
  r->pending++; /* before the start: its done may run before the start returns */
  if (vt_buf_ok(&b)) c = vt_call_start_opts(r->pv->pool, vt_method_find(m), m, b.data, b.len, &plan, &o, on_job, j);
  vt_buf_free(&b);
  if (!c) {
    r->pending--;
    return false;
  }
  return true;
}

static xjob *job_new(xreq *r, const uint8_t addr[20], bool code, size_t n_slots) {
  xjob *j = calloc(1, sizeof *j);
  if (!j) return NULL;
  j->r = r;
  j->code = code;
  memcpy(j->addr, addr, 20);
  if (n_slots) {
    j->slots = calloc(n_slots, 32);
    j->vals = calloc(n_slots, 32);
    if (!j->slots || !j->vals) { job_free(j); return NULL; }
  }
  return j;
}

/* A proven account: into the store, then its code when the store lacks it. */
static void took_proof(xreq *r, xjob *j) {
  vc_err err = {0};
  vt_xacct a = {.exists = j->acct.exists, .nonce = j->acct.nonce};
  memcpy(a.addr, j->addr, 20);
  memcpy(a.code_hash, j->acct.code_hash, 32);
  a.storage_empty = !memcmp(j->acct.storage_root, vc_empty_trie_root, 32);
  if (vc_u256_from_be(&a.balance, j->acct.balance, 32) != VC_OK || vt_xstore_put_acct(&r->st, &a, &err) != VC_OK) {
    fail_round(r, "%s", err.msg[0] ? err.msg : "bad balance");
    return;
  }
  vt_xblock_ref at = at_of(r);
  vt_xcache_put_acct(r->pv->tiers, &at, r->pv->pool->head, &a);
  for (size_t i = 0; i < j->n_slots; i++) {
    if (vt_xstore_put_slot(&r->st, j->addr, j->slots[i], j->vals[i], &err) != VC_OK) { fail_round(r, "%s", err.msg); return; }
    vt_xcache_put_slot(r->pv->tiers, &at, r->pv->pool->head, j->addr, j->slots[i], j->vals[i]);
  }
  if (!j->acct.exists || !memcmp(j->acct.code_hash, vc_empty_code_hash, 32) || vt_xstore_has_code(&r->st, j->acct.code_hash))
    return;
  xjob *cj = job_new(r, j->addr, true, 0);
  if (cj) cj->acct = j->acct;
  if (!cj || !job_start(cj)) {
    if (cj) job_free(cj);
    fail_round(r, "%s", "out of memory");
  }
}

static void on_job(vt_call *c, void *ud) {
  xjob *j = ud;
  xreq *r = j->r;
  vc_err err = {0};
  if (j->prefetch) {
    /* content-addressed: bytes enter the store under their own keccak, so they are used
     * only when a proven codeHash names them; anything else is never read */
    if (c->outcome == VT_CALL_OK && j->len && vt_xstore_put_code(&r->st, j->bytes, j->len, &err) != VC_OK) err.msg[0] = 0;
  } else if (c->outcome != VT_CALL_OK) {
    fail_round(r, j->code ? "no upstream served code matching the proven codeHash%s"
                          : "no upstream gave a valid proof of the call's state against the anchored stateRoot%s", "");
  } else {
    r->served_by = c->served_by;
    if (j->code) {
      vt_xblock_ref at = at_of(r);
      if (vt_xstore_put_code(&r->st, j->bytes, j->len, &err) != VC_OK) fail_round(r, "%s", err.msg);
      else vt_xcache_put_code(r->pv->tiers, &at, j->acct.code_hash, j->bytes, j->len);
    } else {
      took_proof(r, j);
    }
  }
  vt_call_free(c);
  job_free(j);
  settle(r);
}

static void on_hash(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  (void)data;
  (void)agreed;
  xreq *r = ud;
  vc_err err = {0};
  if (!h) fail_round(r, "BLOCKHASH: %s", why ? why : "the block could not be anchored");
  else if (vt_xstore_put_hash(&r->st, h->hdr.number, h->hdr.hash, &err) != VC_OK) fail_round(r, "%s", err.msg);
  settle(r);
}

/* One account's proof request for the wanted slots of addr (chunks of the proof cap). */
static bool ask_account(xreq *r, const uint8_t addr[20], bool need_acct) {
  vt_xacct *a = vt_xstore_acct(&r->st, addr);
  bool slots_known = a && (!a->exists || a->storage_empty || a->override_storage);
  size_t n = 0;
  for (size_t i = 0; i < r->n_want; i++)
    if (r->want[i].slot && !r->want[i].hash && !memcmp(r->want[i].addr, addr, 20) && !slots_known && !vt_xstore_has_slot(&r->st, addr, r->want[i].key)) n++;
  if (!n && !need_acct) return true;
  size_t done = 0;
  do {
    size_t take = n - done > VC_PROOF_MAX_STORAGE ? VC_PROOF_MAX_STORAGE : n - done, k = 0, seen = 0;
    xjob *j = job_new(r, addr, false, take);
    if (!j) return false;
    for (size_t i = 0; i < r->n_want && k < take; i++) {
      if (!r->want[i].slot || r->want[i].hash || memcmp(r->want[i].addr, addr, 20) || slots_known || vt_xstore_has_slot(&r->st, addr, r->want[i].key)) continue;
      if (seen++ < done) continue;
      memcpy(j->slots[k++], r->want[i].key, 32);
    }
    j->n_slots = k;
    if (!job_start(j)) { job_free(j); return false; }
    done += take;
  } while (done < n);
  return true;
}

static vt_xblock_ref at_of(const xreq *r) {
  vt_xblock_ref at = {.number = r->anch.hdr.number, .trust = &r->anch.trust};
  memcpy(at.hash, r->anch.hdr.hash, 32);
  return at;
}

/* What earlier calls proved at this block (and code by hash) into the store. True when
 * anything came from the cache. */
static bool from_cache(xreq *r) {
  struct vt_tiers *t = r->pv->tiers;
  vt_xblock_ref at = at_of(r);
  vc_err err = {0};
  bool got = false;
  if (!t) return false;
  for (size_t i = 0; i < r->n_want; i++) {
    xwant *w = &r->want[i];
    if (w->hash) continue;
    vt_xacct *a = vt_xstore_acct(&r->st, w->addr), c;
    if (!a && vt_xcache_get_acct(t, &at, w->addr, &c) && vt_xstore_put_acct(&r->st, &c, &err) == VC_OK) {
      a = vt_xstore_acct(&r->st, w->addr);
      got = true;
    }
    if (!a) continue;
    const uint8_t *code;
    size_t len;
    if (a->exists && !vt_xstore_has_code(&r->st, a->code_hash) && vt_xcache_get_code(t, a->code_hash, &code, &len) &&
        vt_xstore_put_code(&r->st, code, len, &err) == VC_OK)
      got = true;
    uint8_t val[32];
    if (w->slot && !vt_xstore_has_slot(&r->st, w->addr, w->key) && vt_xcache_get_slot(t, &at, w->addr, w->key, val) &&
        vt_xstore_put_slot(&r->st, w->addr, w->key, val, &err) == VC_OK)
      got = true;
  }
  return got;
}

/* Ask addr's code now, in parallel with its proof (saves a round trip for contracts). */
static void prefetch(xreq *r, const uint8_t addr[20]) {
  if (r->n_prefetched == X_MAX_PREFETCH || !memcmp(addr, r->call.tx.from, 20)) return;
  for (size_t i = 0; i < r->n_prefetched; i++)
    if (!memcmp(r->prefetched[i], addr, 20)) return;
  memcpy(r->prefetched[r->n_prefetched++], addr, 20);
  xjob *j = job_new(r, addr, true, 0);
  if (!j) return;
  j->prefetch = true;
  if (!job_start(j)) job_free(j);
}

static void round_start(xreq *r) {
  r->pending++; /* held until every request of the round is out */
  bool progress = from_cache(r);
  for (size_t i = 0; i < r->n_want; i++) {
    xwant *w = &r->want[i];
    if (w->hash) {
      r->pending++;
      progress = true;
      vt_anchor_by_number(r->pv->anchor, w->number, on_hash, r);
      continue;
    }
    bool first = true;
    for (size_t k = 0; k < i && first; k++) first = r->want[k].hash || memcmp(r->want[k].addr, w->addr, 20) != 0;
    if (!first) continue;
    vt_xacct *a = vt_xstore_acct(&r->st, w->addr);
    unsigned before = r->pending;
    if (!a) prefetch(r, w->addr);
    if (!ask_account(r, w->addr, a == NULL)) { fail_round(r, "%s", "out of memory"); break; }
    if (a && a->exists && !vt_xstore_has_code(&r->st, a->code_hash) && memcmp(a->code_hash, vc_empty_code_hash, 32)) {
      xjob *cj = job_new(r, w->addr, true, 0);
      if (cj) memcpy(cj->acct.code_hash, a->code_hash, 32);
      if (!cj || !job_start(cj)) { if (cj) job_free(cj); fail_round(r, "%s", "out of memory"); break; }
    }
    progress |= r->pending != before;
  }
  if (!progress && !r->why[0]) fail_round(r, "%s", "the run needed state verity already holds: no progress");
  settle(r);
}

/* --- hint --------------------------------------------------------------------------------- */

static int check_hint(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why, size_t wl) {
  (void)c;
  (void)u;
  (void)out;
  json_error_t je;
  json_t *j = json_loadb(res, n, 0, &je);
  bool ok = j && json_is_array(json_object_get(j, "accessList"));
  json_decref(j);
  if (!ok) snprintf(why, wl, "eth_createAccessList result has no accessList");
  return ok ? 0 : -1;
}

/* The first round: sender, recipient, overridden accounts, and what the hint names. */
static void first_wants(xreq *r, const char *hint, size_t n) {
  json_error_t je;
  json_t *h = hint ? json_loadb(hint, n, 0, &je) : NULL, *al = json_object_get(h, "accessList"), *e;
  size_t i;
  r->n_want = 0;
  want(r, r->call.tx.from, NULL);
  if (!r->call.tx.create) want(r, r->call.tx.to, NULL);
  if (r->call.state_override) {
    const char *k;
    json_t *v;
    json_object_foreach(r->call.state_override, k, v) {
      uint8_t a[20];
      json_t *kj = json_string(k);
      if (kj && vt_json_fixed(kj, a, 20)) want(r, a, NULL);
      json_decref(kj);
    }
  }
  json_array_foreach(al, i, e) {
    uint8_t a[20], key[32];
    json_t *ks = json_object_get(e, "storageKeys"), *k;
    size_t x;
    if (!vt_json_fixed(json_object_get(e, "address"), a, 20)) continue;
    want(r, a, NULL);
    json_array_foreach(ks, x, k) if (vt_json_fixed(k, key, 32)) want(r, a, key);
  }
  json_decref(h);
}

static void on_hint(vt_call *c, void *ud) {
  xreq *r = ud;
  bool ok = c->outcome == VT_CALL_OK;
  first_wants(r, ok ? c->result : NULL, ok ? c->result_len : 0);
  vt_call_free(c);
  r->round = 1;
  round_start(r);
  settle(r); /* the hint's own count (ask_hint) */
}

static void ask_hint(xreq *r) {
  vt_buf b;
  char h[70];
  char *obj = json_dumps(json_array_get(r->params, 0), JSON_COMPACT);
  vt_buf_init(&b, X_MAX_BODY + VT_EXEC_MAX_INPUT * 2);
  vt_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_createAccessList\",\"params\":[");
  vt_buf_puts(&b, obj ? obj : "{}");
  vc_hex_encode(r->anch.hdr.hash, 32, h);
  vt_buf_printf(&b, ",{\"blockHash\":\"%s\"}]}", h);
  free(obj);
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = r->anch.hdr.number};
  vt_call_opts o = {.check = check_hint, .check_ud = r, .verified = true};
  vt_call *c = NULL;
  r->pending = 1; /* the hint; the recipient's code is asked meanwhile */
  if (!r->call.tx.create) prefetch(r, r->call.tx.to);
  if (vt_buf_ok(&b))
    c = vt_call_start_opts(r->pv->pool, vt_method_find("eth_createAccessList"), "eth_createAccessList", b.data, b.len, &plan, &o,
                           on_hint, r);
  vt_buf_free(&b);
  if (!c) {
    first_wants(r, NULL, 0);
    r->round = 1;
    round_start(r);
    settle(r);
  }
}

/* --- start ------------------------------------------------------------------------------ */

static void on_anchor(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  (void)data;
  (void)agreed;
  xreq *r = ud;
  if (!h) {
    unavailable(r, why == vt_anchor_absent ? "the block is past every usable upstream's head: its state cannot be proven yet"
                                           : (why ? why : "the block could not be anchored"));
    return;
  }
  r->anch = *h;
  vt_exec_block(&h->hdr, r->pv->pool->cfg->chain_id, &r->blk);
  ask_hint(r);
}

static bool read_block(xreq *r, const json_t *b, const vt_plan *plan) {
  if (!b || json_is_null(b)) {
    r->number = plan->number;
    return plan->kind == VT_PIN_NUMBER;
  }
  if (json_is_object(b)) {
    json_t *h = json_object_get(b, "blockHash");
    if (h) { r->by_hash = true; return vt_json_fixed(h, r->bhash, 32); }
    b = json_object_get(b, "blockNumber");
  }
  if (!json_is_string(b)) return false;
  if (json_string_length(b) == 66 && vt_json_fixed(b, r->bhash, 32)) { r->by_hash = true; return true; }
  return vc_hex_quantity_u64(json_string_value(b), json_string_length(b), &r->number) == VC_OK;
}

int vt_exec_start(struct vt_prover *pv, vt_xkind kind, const char *method, const char *params, size_t n,
                  const vt_plan *plan, vt_answer_cb cb, void *ud) {
  xreq *r = calloc(1, sizeof *r);
  if (!r) return -1;
  r->pv = pv;
  r->kind = kind;
  r->method = method;
  r->cb = cb;
  r->ud = ud;
  r->t0 = vt_pool_now_ms(pv->pool);
  vt_buf_init(&r->out, 32u << 20);
  json_error_t je;
  vc_err err = {0};
  r->params = n ? json_loadb(params, n, 0, &je) : NULL;
  const char *bad = NULL;
  if (!json_is_array(r->params)) bad = "params are not an array";
  else if (vt_xcall_read(json_array_get(r->params, 0), &r->call, &err) != VC_OK) bad = err.msg;
  else if (!read_block(r, json_array_get(r->params, 1), plan)) bad = "the block parameter could not be read";
  if (!bad && kind != VT_X_ACCESS_LIST) {
    json_t *so = json_array_get(r->params, 2), *bo = json_array_get(r->params, 3);
    r->call.state_override = so && !json_is_null(so) ? so : NULL;
    r->call.block_override = bo && !json_is_null(bo) ? bo : NULL;
  }
  if (bad) {
    vt_buf e;
    vt_buf_init(&e, 1024);
    vt_buf_puts(&e, "{\"code\":-32602,\"message\":");
    vt_buf_json_str(&e, bad, strlen(bad));
    vt_buf_puts(&e, "}");
    finish(r, VT_CALL_RPC_ERROR, e.data, e.len, vt_trust_of(VT_TRUST_NONE));
    vt_buf_free(&e);
    return 0;
  }
  if (r->by_hash) vt_anchor_by_hash(pv->anchor, r->bhash, on_anchor, r);
  else vt_anchor_by_number(pv->anchor, r->number, on_anchor, r);
  return 0;
}

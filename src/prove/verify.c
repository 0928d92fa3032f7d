/*
 * verify.c: proving provable methods (see verify.h).
 *
 * One vreq per client call walks: [locate] -> anchor -> evidence [-> code]. Each
 * step is a vt_call (failover, hedging, retries included) whose check runs the core
 * verifier on every upstream's answer, so a wrong answer costs that upstream and the
 * call moves on. The verifier table maps a method to its kind; the kind decides how
 * the anchor block is found, what evidence is asked for and what the answer is.
 */
#include "prove/verify.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/account.h"
#include "core/block.h"
#include "core/hex.h"
#include "core/receipt.h"
#include "core/op.h"
#include "core/tx.h"
#include "prove/anchor.h"
#include "prove/fee_history.h"
#include "prove/fees.h"
#include "prove/exec.h"
#include "prove/verify_op.h"
#include "pool/call.h"
#include "obs/log.h"
#include "util/buf.h"

#define MAX_SLOTS 256

typedef enum {
  K_BALANCE, K_NONCE, K_STORAGE, K_PROOF, K_CODE,
  K_BLOCK, K_BLOCK_RECEIPTS, K_RECEIPT, K_TX_BY_HASH, K_TX_BY_INDEX,
} vkind;

/* Where the anchor block comes from. */
typedef enum { B_PARAM_BLOCK, B_PARAM0_HASH, B_PARAM0_BLOCK, B_LOCATE } bsource;

/* One row per vt_verifier (the method table's verifier column names the row). */
static const struct verifier {
  const char *method;
  vkind kind;
  bsource block;
  int block_idx;          /* for B_PARAM_BLOCK */
} verifiers[VT_V_COUNT] = {
    [VT_V_BALANCE] = {"eth_getBalance", K_BALANCE, B_PARAM_BLOCK, 1},
    [VT_V_NONCE] = {"eth_getTransactionCount", K_NONCE, B_PARAM_BLOCK, 1},
    [VT_V_STORAGE] = {"eth_getStorageAt", K_STORAGE, B_PARAM_BLOCK, 2},
    [VT_V_PROOF] = {"eth_getProof", K_PROOF, B_PARAM_BLOCK, 2},
    [VT_V_CODE] = {"eth_getCode", K_CODE, B_PARAM_BLOCK, 1},
    [VT_V_BLOCK_BY_NUMBER] = {"eth_getBlockByNumber", K_BLOCK, B_PARAM0_BLOCK, 0},
    [VT_V_BLOCK_BY_HASH] = {"eth_getBlockByHash", K_BLOCK, B_PARAM0_HASH, 0},
    [VT_V_BLOCK_RECEIPTS] = {"eth_getBlockReceipts", K_BLOCK_RECEIPTS, B_PARAM0_BLOCK, 0},
    [VT_V_RECEIPT] = {"eth_getTransactionReceipt", K_RECEIPT, B_LOCATE, 0},
    [VT_V_TX_BY_HASH] = {"eth_getTransactionByHash", K_TX_BY_HASH, B_LOCATE, 0},
    [VT_V_TX_BY_BLOCK_HASH_INDEX] = {"eth_getTransactionByBlockHashAndIndex", K_TX_BY_INDEX, B_PARAM0_HASH, 0},
    [VT_V_TX_BY_BLOCK_NUMBER_INDEX] = {"eth_getTransactionByBlockNumberAndIndex", K_TX_BY_INDEX, B_PARAM0_BLOCK, 0},
};

typedef struct vreq {
  vt_prover *pv;
  const struct verifier *v;
  json_t *params;
  uint8_t addr[20];
  uint8_t slots[MAX_SLOTS][32];
  size_t nslots;
  bool by_hash;
  uint64_t number;
  uint8_t bhash[32];
  uint8_t txhash[32];
  uint64_t index;
  bool full;
  vt_anchored anch;
  vc_account acct;
  json_t *block;          /* the verified full block (receipts and transactions are bound to it) */
  json_t *pending;        /* OP stack: a block/tx answer holding deposits, whose nonce the
                             receipts prove next (verify_op.h) */
  vt_answer_cb cb;
  void *ud;
  uint64_t t0;
  const char *served_by;
} vreq;

/* The method row's verifier: VT_V_NONE when the method has none (or is not a row). */
static vt_verifier verifier_of(const char *method) {
  const vt_method *m = vt_method_find(method);
  return m && m->verifier < VT_V_COUNT ? (vt_verifier)m->verifier : VT_V_NONE;
}

/* The row of a verifier that proves one call (eth_getLogs is verify_logs.c's). */
static const struct verifier *find(vt_verifier v) {
  return v != VT_V_NONE && verifiers[v].method ? &verifiers[v] : NULL;
}

/* The methods run on verity's EVM (exec.c), by verifier. */
static const struct {
  vt_verifier v;
  vt_xkind kind;
} exec_rows[] = {{VT_V_CALL, VT_X_CALL}, {VT_V_ESTIMATE, VT_X_ESTIMATE}, {VT_V_ACCESS_LIST, VT_X_ACCESS_LIST}};

static int exec_row(vt_verifier v) {
  for (size_t i = 0; i < sizeof exec_rows / sizeof exec_rows[0]; i++)
    if (exec_rows[i].v == v) return (int)i;
  return -1;
}

bool vt_verify_provable(const vt_prover *pv, const char *method) {
  vt_verifier which = verifier_of(method);
  return pv->on && (which == VT_V_LOGS || which == VT_V_FEE_HISTORY || exec_row(which) >= 0 || find(which) != NULL ||
                    vt_fees_is(which));
}

bool vt_verify_applies(const vt_prover *pv, const char *method, const vt_plan *plan) {
  if (!vt_verify_provable(pv, method)) return false;
  if (vt_fees_is(verifier_of(method))) return vt_fees_applies(pv, verifier_of(method));
  /* a block by number or hash is anchored directly, also before any head is agreed
   * (at start-up, or while every upstream is down): the anchor asks k upstreams for
   * that number's hash (or the trusted node, or the light client) whatever the head.
   * A number past every head is anchored too: if the upstreams agree it does not
   * exist yet the answer is null (blocks) or -32002 (state), never an unproven value.
   * Tags left as tags (safe, finalized, latest without a head, the pending nonce) are
   * the gateway's to pin or refuse (vt_gateway_carry, prove/tag.h). */
  const struct verifier *v = find(verifier_of(method));
  if (v && (v->block == B_LOCATE || v->block == B_PARAM0_HASH)) return true; /* by transaction or block hash */
  return plan->tag == VT_TAG_NONE && (plan->kind == VT_PIN_HASH || plan->kind == VT_PIN_NUMBER);
}

/* --- ending ----------------------------------------------------------------------- */

static void vreq_free(vreq *r) {
  json_decref(r->params);
  json_decref(r->block);
  json_decref(r->pending);
  free(r);
}

static void answer(vreq *r, int outcome, const char *res, size_t n, vt_trust trust) {
  vt_answer a = {
      .outcome = outcome, .result = res, .len = n, .served_by = r->served_by,
      .trust = trust, .method = r->v->method, .t_start_ms = r->t0,
  };
  if (outcome == VT_CALL_OK && trust.tier == VT_TRUST_VERIFIED && r->anch.trust.tier == VT_TRUST_VERIFIED) {
    a.has_block = a.has_hash = true; /* the anchored header it was proven against */
    a.block = r->anch.hdr.number;
    memcpy(a.block_hash, r->anch.hdr.hash, 32);
  }
  r->cb(&a, r->ud);
  vreq_free(r);
}

static void unavailable(vreq *r, const char *reason, const char *upstream_data) {
  vt_buf d;
  vt_buf_init(&d, 64 * 1024);
  vt_buf_puts(&d, "{\"reason\":");
  vt_buf_json_str(&d, reason, strlen(reason));
  vt_buf_puts(&d, ",\"method\":");
  vt_buf_json_str(&d, r->v->method, strlen(r->v->method));
  if (upstream_data) {
    vt_buf_puts(&d, ",\"detail\":");
    vt_buf_puts(&d, upstream_data);
  }
  vt_buf_puts(&d, "}");
  if (!vt_buf_ok(&d)) {
    vt_buf_reset(&d);
    vt_buf_puts(&d, "{\"reason\":\"could not prove the answer\"}");
  }
  answer(r, VT_CALL_UNAVAILABLE, d.data, d.len, vt_trust_of(VT_TRUST_NONE));
  vt_buf_free(&d);
}

/* Pass a finished evidence call's outcome to the client. */
static void relay(vreq *r, vt_call *c, const char *unavailable_reason) {
  r->served_by = c->served_by;
  if (c->outcome == VT_CALL_OK) answer(r, VT_CALL_OK, c->result, c->result_len, r->anch.trust);
  else if (c->outcome == VT_CALL_RPC_ERROR) answer(r, VT_CALL_RPC_ERROR, c->result, c->result_len, vt_trust_of(VT_TRUST_SINGLE));
  else unavailable(r, unavailable_reason, c->result);
  vt_call_free(c);
}

/* --- helpers ---------------------------------------------------------------------- */

static void put_hex(vt_buf *b, const uint8_t *p, size_t n) {
  char tmp[2 * 32 + 3];
  if (n > 32) return;
  vt_buf_append(b, "\"", 1);
  vc_hex_encode(p, n, tmp);
  vt_buf_puts(b, tmp);
  vt_buf_append(b, "\"", 1);
}

/* The block reference for an evidence request: the anchored block's hash (exact). */
static void put_blockref(vt_buf *b, const vreq *r, bool object) {
  char h[70];
  vc_hex_encode(r->anch.hdr.hash, 32, h);
  if (object) vt_buf_printf(b, "{\"blockHash\":\"%s\"}", h);
  else vt_buf_printf(b, "\"%s\"", h);
}

static vt_call *start(vreq *r, const char *method, vt_buf *body, vt_call_check check, bool by_hash,
                      vt_call_done done) {
  vt_plan plan = {.kind = by_hash ? VT_PIN_HASH : VT_PIN_NUMBER, .number = r->anch.hdr.number};
  vt_call_opts o = {.check = check, .check_ud = r, .verified = true, .trust = &r->anch.trust};
  vt_call *c = NULL;
  if (vt_buf_ok(body))
    c = vt_call_start_opts(r->pv->pool, vt_method_find(method), method, body->data, body->len, &plan, &o, done, r);
  vt_buf_free(body);
  return c;
}

/* --- account family ------------------------------------------------------------------ */

static int check_account(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why,
                         size_t wl) {
  (void)c;
  (void)u;
  vreq *r = c->opts.check_ud;
  json_error_t je;
  json_t *j = json_loadb(res, n, 0, &je);
  vc_err err = {{0}};
  int rc = -1;
  uint8_t (*values)[32] = NULL;
  if (!j || !json_is_object(j)) { snprintf(why, wl, "eth_getProof result is not an object"); goto out; }
  if (vc_verify_account_proof(j, r->anch.hdr.state_root, r->addr, &r->acct, &err) != VC_OK) {
    snprintf(why, wl, "account proof: %s", err.msg);
    goto out;
  }
  if (r->nslots) {
    values = calloc(r->nslots, 32);
    if (!values) { snprintf(why, wl, "out of memory"); goto out; }
    if (vc_verify_storage_proofs(j, &r->acct, (const uint8_t(*)[32])r->slots, r->nslots, values, &err) != VC_OK) {
      snprintf(why, wl, "storage proof: %s", err.msg);
      goto out;
    }
  }
  char q[80];
  switch (r->v->kind) {
    case K_BALANCE: {
      size_t i = 0;
      while (i < 31 && !r->acct.balance[i]) i++;
      char hex[70];
      vc_hex_encode(r->acct.balance + i, 32 - i, hex);
      /* minimal quantity: strip a leading zero nibble */
      const char *digits = hex + 2;
      if (digits[0] == '0' && digits[1]) digits++;
      snprintf(q, sizeof q, "\"0x%s\"", digits);
      vt_buf_puts(out, q);
      break;
    }
    case K_NONCE:
      snprintf(q, sizeof q, "\"0x%llx\"", (unsigned long long)r->acct.nonce);
      vt_buf_puts(out, q);
      break;
    case K_STORAGE:
      put_hex(out, values[0], 32);
      break;
    case K_CODE:
      put_hex(out, r->acct.code_hash, 32);
      break;
    default: /* K_PROOF: the checked result itself */
      break;
  }
  rc = 0;
out:
  free(values);
  json_decref(j);
  return rc;
}

static int check_code(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why,
                      size_t wl) {
  (void)u;
  (void)out;
  vreq *r = c->opts.check_ud;
  if (n < 4 || res[0] != '"' || res[n - 1] != '"') { snprintf(why, wl, "eth_getCode result is not a hex string"); return -1; }
  size_t hl = n - 2, cap = hl / 2 + 1, len = 0;
  uint8_t *code = malloc(cap);
  vc_err err = {{0}};
  int rc = -1;
  if (!code) { snprintf(why, wl, "out of memory"); return -1; }
  if (vc_hex_decode(res + 1, hl, code, cap, &len) != VC_OK) snprintf(why, wl, "eth_getCode result is not hex data");
  else if (vc_verify_code(r->acct.code_hash, code, len, &err) != VC_OK) snprintf(why, wl, "code: %s", err.msg);
  else rc = 0;
  free(code);
  return rc;
}

static void on_code(vt_call *c, void *ud) { relay(ud, c, "no upstream could serve code matching the proven codeHash"); }

static void on_account(vt_call *c, void *ud) {
  vreq *r = ud;
  if (r->v->kind != K_CODE || c->outcome != VT_CALL_OK) {
    relay(r, c, "no upstream could prove the account against the anchored state root");
    return;
  }
  vt_call_free(c);
  static const uint8_t empty_code_hash[32] = {
      0xc5, 0xd2, 0x46, 0x01, 0x86, 0xf7, 0x23, 0x3c, 0x92, 0x7e, 0x7d, 0xb2, 0xdc, 0xc7, 0x03, 0xc0,
      0xe5, 0x00, 0xb6, 0x53, 0xca, 0x82, 0x27, 0x3b, 0x7b, 0xfa, 0xd8, 0x04, 0x5d, 0x85, 0xa4, 0x70};
  if (memcmp(r->acct.code_hash, empty_code_hash, 32) == 0) {
    answer(r, VT_CALL_OK, "\"0x\"", 4, r->anch.trust);
    return;
  }
  vt_buf b;
  vt_buf_init(&b, 4096);
  vt_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getCode\",\"params\":[");
  put_hex(&b, r->addr, 20);
  vt_buf_puts(&b, ",");
  put_blockref(&b, r, true);
  vt_buf_puts(&b, "]}");
  if (!start(r, "eth_getCode", &b, check_code, false, on_code)) unavailable(r, "out of memory", NULL);
}

static void ev_account(vreq *r) {
  vt_buf b;
  vt_buf_init(&b, 64 * 1024);
  vt_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getProof\",\"params\":[");
  put_hex(&b, r->addr, 20);
  vt_buf_puts(&b, ",[");
  for (size_t i = 0; i < r->nslots; i++) {
    if (i) vt_buf_puts(&b, ",");
    put_hex(&b, r->slots[i], 32);
  }
  vt_buf_puts(&b, "],");
  put_blockref(&b, r, true);
  vt_buf_puts(&b, "]}");
  if (!start(r, "eth_getProof", &b, check_account, r->by_hash, on_account)) unavailable(r, "out of memory", NULL);
}

/* --- blocks, transactions, receipts ------------------------------------------------ */

/* The transactions of a proven block as their hashes (a client that asked for hashes). */
static json_t *with_tx_hashes(const json_t *block) {
  json_t *hashes = json_array(), *copy = json_copy((json_t *)block);
  size_t i;
  json_t *t;
  if (!hashes || !copy) { json_decref(hashes); json_decref(copy); return NULL; }
  json_array_foreach(json_object_get(block, "transactions"), i, t) json_array_append(hashes, json_object_get(t, "hash"));
  json_object_set_new(copy, "transactions", hashes);
  return copy;
}

static int check_block(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why,
                       size_t wl) {
  (void)u;
  vreq *r = c->opts.check_ud;
  json_error_t je;
  json_t *j = json_loadb(res, n, 0, &je), *ans = NULL;
  vc_err err = {{0}};
  vc_header h;
  vc_block_check chk;
  int rc = -1;
  if (!j || !json_is_object(j)) { snprintf(why, wl, "no block, where the anchor has one"); goto out; }
  if (vc_verify_block_for(j, r->anch.hdr.hash, r->pv->kind, 0, &h, &chk, &err) != VC_OK) {
    snprintf(why, wl, "block: %s", err.msg);
    goto out;
  }
  if (!chk.txs_full && chk.n_txs) { snprintf(why, wl, "block without full transactions"); goto out; }
  if (r->pv->kind == VC_CHAIN_OP_STACK && vt_op_check_deposit_rules(j, &err) != VC_OK) {
    snprintf(why, wl, "block: %s", err.msg);
    goto out;
  }
  json_t *txs = json_object_get(j, "transactions");
  switch (r->v->kind) {
    case K_BLOCK:
      ans = r->full ? json_incref(j) : with_tx_hashes(j);
      break;
    case K_TX_BY_INDEX:
    case K_TX_BY_HASH: {
      json_t *found = NULL;
      if (r->v->kind == K_TX_BY_INDEX) {
        found = r->index < json_array_size(txs) ? json_array_get(txs, (size_t)r->index) : NULL;
      } else {
        size_t i;
        json_t *t;
        json_array_foreach(txs, i, t) {
          uint8_t th[32];
          if (vt_json_fixed(json_object_get(t, "hash"), th, 32) && !memcmp(th, r->txhash, 32)) { found = t; break; }
        }
        if (!found) { snprintf(why, wl, "the block does not hold the transaction the upstream placed in it"); goto out; }
      }
      ans = found ? json_incref(found) : json_null();
      break;
    }
    default: /* receipts: the block is the next step's evidence */
      json_decref(r->block);
      r->block = json_incref(j);
      rc = 0;
      goto out;
  }
  if (!ans) { snprintf(why, wl, "out of memory"); goto out; }
  if (r->pv->kind == VC_CHAIN_OP_STACK && vt_op_needs_receipts(ans)) {
    /* a deposit's nonce is proven by the block's receipts: they are the next step */
    json_decref(r->block);
    r->block = json_incref(j);
    json_decref(r->pending);
    r->pending = ans;
    ans = NULL;
  } else if (ans != j) { /* the block as received is the answer as it is */
    char *txt = json_dumps(ans, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    if (!txt) { snprintf(why, wl, "out of memory"); goto out; }
    vt_buf_puts(out, txt);
    free(txt);
  }
  rc = 0;
out:
  json_decref(ans);
  json_decref(j);
  return rc;
}

/* The answer built from the proven receipts j: a deposit-holding block or tx (OP stack,
 * r->pending) checked against them, one receipt, or the list; on an OP-stack chain the
 * L1 fee members no root commits to are removed first (core/op.h). */
static int receipts_answer(vreq *r, json_t *j, vt_buf *out, char *why, size_t wl) {
  vc_err err = {{0}};
  json_t *ans = j;
  if (r->pending) {
    if (vt_op_check_deposits(r->pending, j, &err) != VC_OK) { snprintf(why, wl, "%s", err.msg); return -1; }
    ans = r->pending;
  } else if (r->v->kind == K_RECEIPT) {
    size_t i;
    json_t *rc_;
    ans = NULL;
    json_array_foreach(j, i, rc_) {
      uint8_t th[32];
      if (vt_json_fixed(json_object_get(rc_, "transactionHash"), th, 32) && !memcmp(th, r->txhash, 32)) { ans = rc_; break; }
    }
    if (!ans) { snprintf(why, wl, "the block's receipts do not include the transaction"); return -1; }
  } else if (r->pv->kind != VC_CHAIN_OP_STACK) {
    return 0; /* eth_getBlockReceipts on Ethereum: the checked result as it is */
  }
  if (r->pv->kind == VC_CHAIN_OP_STACK && !r->pending) vt_op_strip_receipts(ans);
  char *txt = json_dumps(ans, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
  if (!txt) { snprintf(why, wl, "out of memory"); return -1; }
  vt_buf_puts(out, txt);
  free(txt);
  return 0;
}

static int check_receipts(vt_call *c, struct vt_upstream *u, const char *res, size_t n, vt_buf *out, char *why,
                          size_t wl) {
  (void)u;
  vreq *r = c->opts.check_ud;
  json_error_t je;
  json_t *j = json_loadb(res, n, 0, &je), *bound = NULL;
  vc_err err = {{0}};
  int rc = -1;
  if (!j || !json_is_array(j)) { snprintf(why, wl, "no receipts, where the anchored block has a receipts root"); goto out; }
  bound = r->pv->kind == VC_CHAIN_OP_STACK && r->block ? vt_op_receipts_binding(r->block) : json_incref(r->block);
  if (r->block && !bound) { snprintf(why, wl, "out of memory"); goto out; }
  if (vc_verify_block_receipts_for(j, &r->anch.hdr, bound, r->pv->kind, &err) != VC_OK) {
    snprintf(why, wl, "receipts: %s", err.msg);
    goto out;
  }
  size_t i;
  json_t *rc_;
  json_array_foreach(j, i, rc_) {
    uint8_t bh[32];
    if (!vt_json_fixed(json_object_get(rc_, "blockHash"), bh, 32) || memcmp(bh, r->anch.hdr.hash, 32) != 0) {
      snprintf(why, wl, "receipt %zu names another block", i);
      goto out;
    }
  }
  rc = receipts_answer(r, j, out, why, wl);
out:
  json_decref(bound);
  json_decref(j);
  return rc;
}

static void on_evidence(vt_call *c, void *ud) { relay(ud, c, "no upstream could prove the answer against the anchored header"); }

static void ev_receipts(vreq *r);

static void on_block_for_receipts(vt_call *c, void *ud) {
  vreq *r = ud;
  if (c->outcome != VT_CALL_OK || !r->block) {
    relay(r, c, "no upstream could serve the anchored block the receipts are proven against");
    return;
  }
  vt_call_free(c);
  ev_receipts(r);
}

/* A block or transaction answer: done, or (OP stack, deposits in it) on to the receipts. */
static void on_block_done(vt_call *c, void *ud) {
  vreq *r = ud;
  if (c->outcome == VT_CALL_OK && r->pending) {
    vt_call_free(c);
    ev_receipts(r);
    return;
  }
  relay(r, c, "no upstream could prove the answer against the anchored header");
}

static void ev_block(vreq *r) {
  vt_buf b;
  vt_buf_init(&b, 4096);
  vt_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBlockByHash\",\"params\":[");
  put_blockref(&b, r, false);
  vt_buf_puts(&b, ",true]}");
  bool receipts = r->v->kind == K_RECEIPT || r->v->kind == K_BLOCK_RECEIPTS;
  if (!start(r, "eth_getBlockByHash", &b, check_block, r->by_hash, receipts ? on_block_for_receipts : on_block_done))
    unavailable(r, "out of memory", NULL);
}

static void ev_receipts(vreq *r) {
  vt_buf b;
  vt_buf_init(&b, 4096);
  vt_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_getBlockReceipts\",\"params\":[");
  put_blockref(&b, r, false);
  vt_buf_puts(&b, "]}");
  if (!start(r, "eth_getBlockReceipts", &b, check_receipts, r->by_hash, on_evidence)) unavailable(r, "out of memory", NULL);
}

static void evidence(vreq *r) {
  switch (r->v->kind) {
    case K_BALANCE: case K_NONCE: case K_STORAGE: case K_PROOF: case K_CODE: ev_account(r); break;
    case K_BLOCK: case K_TX_BY_INDEX: case K_TX_BY_HASH:
    case K_BLOCK_RECEIPTS: case K_RECEIPT: ev_block(r); break;
  }
}

static void on_anchor(const vt_anchored *h, const char *why, const char *data, const vt_trust *agreed, void *ud) {
  vreq *r = ud;
  if (!h && why == vt_anchor_absent && !r->pv->pool->head_known) {
    /* before any head is agreed nothing says the block is in the future: upstreams
     * agreeing there is none is not an answer verity can stand behind */
    unavailable(r, "the upstreams say the block does not exist, and no head is agreed yet to tell", NULL);
    return;
  }
  if (!h && why == vt_anchor_absent) {
    switch (r->v->kind) {
      case K_BLOCK: case K_TX_BY_INDEX: case K_BLOCK_RECEIPTS: case K_RECEIPT: case K_TX_BY_HASH:
        /* the upstreams agree the block does not exist (yet, for verity's view): as a node would, null */
        answer(r, VT_CALL_OK, "null", 4, agreed ? *agreed : vt_trust_of(VT_TRUST_SINGLE));
        return;
      default:
        unavailable(r, "the block is past every usable upstream's head: its state cannot be proven yet", NULL);
        return;
    }
  }
  if (!h) { unavailable(r, why ? why : "the block could not be anchored", data); return; }
  if (r->v->block == B_LOCATE && memcmp(h->hdr.hash, r->bhash, 32) != 0) {
    unavailable(r, "the upstream placed the transaction in a block that is not the anchored block at that height", NULL);
    return;
  }
  r->anch = *h;
  evidence(r);
}

static void fetch_anchor(vreq *r) {
  if (r->by_hash) vt_anchor_by_hash(r->pv->anchor, r->bhash, on_anchor, r);
  else vt_anchor_by_number(r->pv->anchor, r->number, on_anchor, r);
}

/* Receipt / transaction by hash: find the block first (null and pending are answered
 * as they are: there is nothing in a block to prove). */
static void on_located(vt_call *c, void *ud) {
  vreq *r = ud;
  if (c->outcome != VT_CALL_OK) { relay(r, c, "no upstream could find the transaction"); return; }
  json_error_t je;
  json_t *j = json_loadb(c->result, c->result_len, 0, &je);
  json_t *bh = j ? json_object_get(j, "blockHash") : NULL, *bn = j ? json_object_get(j, "blockNumber") : NULL;
  if (!j || json_is_null(j) || !bh || json_is_null(bh)) {
    r->served_by = c->served_by;
    answer(r, VT_CALL_OK, c->result, c->result_len, c->trust); /* null (confirmed) or pending */
    json_decref(j);
    vt_call_free(c);
    return;
  }
  bool ok = vt_json_fixed(bh, r->bhash, 32) && vt_json_u64(bn, &r->number);
  json_decref(j);
  vt_call_free(c);
  if (!ok) { unavailable(r, "the upstream's answer names no valid block", NULL); return; }
  r->by_hash = false;
  fetch_anchor(r);
}

static void locate(vreq *r) {
  vt_buf b;
  vt_buf_init(&b, 4096);
  vt_buf_printf(&b, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":[", r->v->method);
  put_hex(&b, r->txhash, 32);
  vt_buf_puts(&b, "]}");
  vt_plan plan = {.kind = VT_PIN_NONE};
  vt_call *c = NULL;
  if (vt_buf_ok(&b))
    c = vt_call_start(r->pv->pool, vt_method_find(r->v->method), r->v->method, b.data, b.len, &plan, on_located, r);
  vt_buf_free(&b);
  if (!c) unavailable(r, "out of memory", NULL);
}

/* --- parameters ------------------------------------------------------------------- */

/* A block parameter after pinning: "0xN", or {"blockHash":…}/{"blockNumber":"0xN"}, or a hash string. */
static bool read_block(vreq *r, const json_t *b) {
  if (json_is_object(b)) {
    json_t *h = json_object_get(b, "blockHash");
    if (h) { r->by_hash = true; return vt_json_fixed(h, r->bhash, 32); }
    b = json_object_get(b, "blockNumber");
  }
  if (!json_is_string(b)) return false;
  const char *s = json_string_value(b);
  size_t n = json_string_length(b);
  if (n == 66 && vt_json_fixed(b, r->bhash, 32)) { r->by_hash = true; return true; }
  return vc_hex_quantity_u64(s, n, &r->number) == VC_OK;
}

static bool read_params(vreq *r) {
  json_t *p = r->params;
  switch (r->v->kind) {
    case K_BALANCE: case K_NONCE: case K_CODE: case K_STORAGE: case K_PROOF:
      if (!vt_json_fixed(json_array_get(p, 0), r->addr, 20)) return false;
      if (r->v->kind == K_STORAGE) {
        const json_t *k = json_array_get(p, 1);
        uint8_t be[32];
        size_t len = 0;
        if (!json_is_string(k) || vc_hex_quantity(json_string_value(k), json_string_length(k), be, &len) != VC_OK) {
          /* keys may also be spelled as 32-byte DATA with leading zeros */
          if (!vt_json_fixed(k, r->slots[0], 32)) return false;
        } else {
          memset(r->slots[0], 0, 32);
          memcpy(r->slots[0] + 32 - len, be, len);
        }
        r->nslots = 1;
      } else if (r->v->kind == K_PROOF) {
        const json_t *ks = json_array_get(p, 1);
        size_t i;
        json_t *k;
        if (!json_is_array(ks) || json_array_size(ks) > MAX_SLOTS) return false;
        json_array_foreach(ks, i, k) {
          const char *s = json_string_value(k);
          size_t n = json_string_length(k), len = 0;
          uint8_t be[32];
          if (!s || n < 3 || n > 66) return false;
          /* keys up to 32 bytes, left-padded */
          char pad[67] = "0x";
          size_t digits = n - 2;
          memset(pad + 2, '0', 64 - digits);
          memcpy(pad + 2 + 64 - digits, s + 2, digits);
          pad[66] = 0;
          if (vc_hex_decode_fixed(pad, 66, be, 32) != VC_OK) return false;
          (void)len;
          memcpy(r->slots[r->nslots++], be, 32);
        }
      }
      return read_block(r, json_array_get(p, (size_t)r->v->block_idx));
    case K_BLOCK:
      r->full = json_is_true(json_array_get(p, 1));
      return read_block(r, json_array_get(p, 0));
    case K_BLOCK_RECEIPTS:
      return read_block(r, json_array_get(p, 0));
    case K_TX_BY_INDEX: {
      const json_t *ix = json_array_get(p, 1);
      return read_block(r, json_array_get(p, 0)) && vt_json_u64(ix, &r->index);
    }
    case K_RECEIPT: case K_TX_BY_HASH:
      return vt_json_fixed(json_array_get(p, 0), r->txhash, 32);
  }
  return false;
}

int vt_verify_start(vt_prover *pv, const char *method, vt_span params, const vt_plan *plan, vt_answer_cb cb,
                    void *ud) {
  vt_verifier which = verifier_of(method);
  if (vt_fees_is(which)) return vt_fees_start(pv, which, cb, ud);
  if (which == VT_V_FEE_HISTORY) return vt_fee_history_start(pv, params, plan, cb, ud);
  int xr = exec_row(which);
  if (xr >= 0) return vt_exec_start(pv, exec_rows[xr].kind, vt_method_find(method)->name, params.p, params.n, plan, cb, ud);
  if (which == VT_V_LOGS) {
    int lr = vt_verify_logs(pv, params, cb, ud);
    if (lr != 0) return 0;
    /* not provable this way (reversed or future range): the upstreams' own answer,
     * with "nothing" confirmed by the quorum */
    return 1;
  }
  const struct verifier *v = find(which);
  if (!v) return -1;
  vreq *r = calloc(1, sizeof *r);
  if (!r) return -1;
  r->pv = pv;
  r->v = v;
  r->cb = cb;
  r->ud = ud;
  r->t0 = vt_pool_now_ms(pv->pool);
  json_error_t je;
  r->params = params.n ? json_loadb(params.p, params.n, 0, &je) : json_array();
  if (!r->params || !json_is_array(r->params) || !read_params(r)) {
    /* params passed validation; what the verifier cannot read it does not prove */
    static const char e[] = "{\"code\":-32602,\"message\":\"invalid params: could not be read for verification\"}";
    answer(r, VT_CALL_RPC_ERROR, e, sizeof e - 1, vt_trust_of(VT_TRUST_NONE));
    return 0;
  }
  if (v->block == B_LOCATE) locate(r);
  else fetch_anchor(r);
  return 0;
}

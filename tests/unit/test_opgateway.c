/* test_opgateway.c: a gateway on an OP-stack chain (chain.kind op-stack), verifying
 * against three mock upstreams that serve real Base mainnet block 4999983
 * (tests/fixtures/op/, see its SOURCES.md: 1 deposit, 7 signed txs): blocks,
 * transactions and receipts are proven against the quorum-agreed header; the same block
 * on an Ethereum-kind gateway is refused (-32002: a deposit on Ethereum); a forged block
 * or receipt from the upstream asked first is caught (the lie is counted as served and
 * charged) and the honest answer is served; the L1 fee members of receipts (no root
 * commits to them) and a pre-Canyon deposit nonce are removed from verified answers.
 * Loopback only. */
#include "testutil.h"

#include <stdbool.h>
#include <uv.h>

#define MOCK_REPLY_MAX (1 << 19)
#define MOCK_CHAIN_YAML ""
#include "mock_rpc.h"
#include "opfix.h"

#define B4 "base-mainnet-l2-4999983/"
#define HEAD "\"0x4c4b2f\"" /* 4999983 */

typedef enum { LIE_NONE, LIE_BLOCK_TX, LIE_RECEIPT_STATUS, LIE_DEPOSIT_NONCE } lie;

typedef struct {
  const json_t *block;     /* eth_getBlockByNumber(n, true) of the fixture */
  const json_t *receipts;  /* eth_getBlockReceipts, with the L1 fee members a node adds */
  lie lie;
  unsigned lies_served;
} opstate;

static void reply_json(mconn *c, const json_t *res) {
  char *txt = json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY);
  size_t n = strlen(txt) + 64;
  char *out = malloc(n);
  snprintf(out, n, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":%s}", txt);
  mreply(c, 200, out);
  free(out);
  free(txt);
}

/* The block as asked: full objects, or hashes; with this upstream's lie. */
static json_t *block_as_asked(opstate *s, bool full) {
  json_t *b = json_deep_copy(s->block);
  json_t *txs = json_object_get(b, "transactions");
  if (s->lie == LIE_BLOCK_TX) {
    json_object_set_new(json_array_get(txs, 3), "value", json_string("0xde0b6b3a7640000"));
    s->lies_served++;
  }
  if (s->lie == LIE_DEPOSIT_NONCE && full) {
    json_object_set_new(json_array_get(txs, 0), "gasPrice", json_string("0x1"));
    s->lies_served++;
  }
  if (!full) {
    json_t *hashes = json_array();
    size_t i;
    json_t *t;
    json_array_foreach(txs, i, t) json_array_append(hashes, json_object_get(t, "hash"));
    json_object_set_new(b, "transactions", hashes);
  }
  return b;
}

static bool op_extra(mock *m, mconn *c, const char *body) {
  opstate *s = m->ud;
  bool by_number = strstr(body, "\"eth_getBlockByNumber\"") != NULL;
  if (by_number || strstr(body, "\"eth_getBlockByHash\"")) {
    const char *want = json_string_value(json_object_get(s->block, by_number ? "number" : "hash"));
    if (!strstr(body, want)) { reply_json(c, json_null()); return true; }
    json_t *b = block_as_asked(s, strstr(body, "true") != NULL);
    reply_json(c, b);
    json_decref(b);
    return true;
  }
  bool rcpt = strstr(body, "\"eth_getTransactionReceipt\"") != NULL;
  if (rcpt || strstr(body, "\"eth_getTransactionByHash\"")) { /* where the tx is */
    const json_t *list = rcpt ? s->receipts : json_object_get(s->block, "transactions"), *found = json_null();
    size_t i;
    const json_t *x;
    json_array_foreach(list, i, x) {
      if (strstr(body, json_string_value(json_object_get(x, rcpt ? "transactionHash" : "hash")))) found = x;
    }
    reply_json(c, found);
    return true;
  }
  if (strstr(body, "\"eth_getBlockReceipts\"")) {
    json_t *r = json_deep_copy(s->receipts);
    if (s->lie == LIE_RECEIPT_STATUS) {
      json_object_set_new(json_array_get(r, 2), "status", json_string("0x0"));
      s->lies_served++;
    }
    reply_json(c, r);
    json_decref(r);
    return true;
  }
  return false;
}

typedef struct {
  world w;
  json_t *l2, *exp, *block, *receipts;
  opstate st[3];
  const char *hash;
} opworld;

/* Three upstreams serving the fixture; u0 (asked first) tells lie0; kind is chain.kind. */
static void op_up(opworld *o, const char *kind, lie lie0) {
  memset(o, 0, sizeof *o);
  o->l2 = opfix_load(B4 "l2.json");
  o->exp = opfix_load(B4 "expected.json");
  assert_non_null(o->l2);
  assert_non_null(o->exp);
  o->hash = json_string_value(json_object_get(json_object_get(o->exp, "safeHead"), "hash"));
  const json_t *blk = json_array_get(o->l2, 0);
  o->block = opfix_block_json(blk, o->hash);
  o->receipts = opfix_receipts_json(blk, o->block);
  size_t i;
  json_t *r;
  json_array_foreach(o->receipts, i, r) { /* what op-geth adds to every receipt */
    json_object_set_new(r, "l1Fee", json_string("0x1234"));
    json_object_set_new(r, "l1GasPrice", json_string("0x5"));
    json_object_set_new(r, "l1GasUsed", json_string("0x640"));
  }
  /* a Regolith deposit receipt shows depositNonce, which its encoding leaves out */
  json_object_set_new(json_array_get(o->receipts, 0), "depositNonce", json_string("0x42"));
  char more[128];
  snprintf(more, sizeof more, "verify: true\nchain: { id: 31337, name: devnet, kind: %s }\n", kind);
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {HEAD, HEAD, HEAD};
  const char *bal[3] = {"\"0x1\"", "\"0x1\"", "\"0x1\""};
  world_up_yaml(&o->w, modes, heads, bal, 2, 300, more, NULL);
  for (int k = 0; k < 3; k++) {
    o->st[k] = (opstate){.block = o->block, .receipts = o->receipts, .lie = k == 0 ? lie0 : LIE_NONE};
    o->w.up[k].extra = op_extra;
    o->w.up[k].ud = &o->st[k];
  }
  run_ms(&o->w, 400);
}

static void op_down(opworld *o) {
  world_down(&o->w);
  json_decref(o->l2);
  json_decref(o->exp);
  json_decref(o->block);
  json_decref(o->receipts);
}

/* The result member of the last reply (owned by the caller), or NULL. */
static json_t *result_of(world *w) {
  json_error_t je;
  json_t *j = json_loads(w->body, 0, &je);
  json_t *r = j ? json_incref(json_object_get(j, "result")) : NULL;
  json_decref(j);
  return r;
}

static void call_op(world *w, const char *method, const char *params) {
  char body[512];
  snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"%s\",\"params\":%s}", method, params);
  call_ms(w, body, 8000);
  assert_int_equal(w->code, 200);
}

static void test_block_verified_on_op_refused_on_ethereum(void **st) {
  (void)st;
  OPFIX_OR_SKIP(probe, B4 "l2.json");
  json_decref(probe);
  opworld o;
  op_up(&o, "op-stack", LIE_NONE);
  call_op(&o.w, "eth_getBlockByNumber", "[" HEAD ",true]");
  json_t *r = result_of(&o.w);
  if (!r) fail_msg("no result: %s", o.w.body);
  assert_string_equal(json_string_value(json_object_get(r, "hash")), o.hash);
  json_t *dep = json_array_get(json_object_get(r, "transactions"), 0);
  assert_string_equal(json_string_value(json_object_get(dep, "type")), "0x7e");
  assert_int_equal(json_array_size(json_object_get(r, "transactions")), 8);
  json_decref(r);
  call_op(&o.w, "eth_getBlockByNumber", "[" HEAD ",false]");
  r = result_of(&o.w);
  assert_non_null(r);
  assert_true(json_is_string(json_array_get(json_object_get(r, "transactions"), 0)));
  json_decref(r);
  /* /status names the chain kind */
  size_t sn = 0;
  char *status = vt_status_json(&o.w.gw, &sn);
  assert_non_null(status);
  assert_non_null(strstr(status, "\"chain_kind\":\"op-stack\""));
  free(status);
  op_down(&o);

  op_up(&o, "ethereum", LIE_NONE);
  call_op(&o.w, "eth_getBlockByNumber", "[" HEAD ",true]");
  assert_non_null(strstr(o.w.body, "\"code\":-32002"));
  assert_non_null(strstr(o.w.body, "deposit"));
  assert_null(strstr(o.w.body, "\"result\""));
  op_down(&o);
}

static void test_receipts_verified_and_stripped(void **st) {
  (void)st;
  OPFIX_OR_SKIP(probe, B4 "l2.json");
  json_decref(probe);
  opworld o;
  op_up(&o, "op-stack", LIE_NONE);
  call_op(&o.w, "eth_getBlockReceipts", "[" HEAD "]");
  json_t *r = result_of(&o.w);
  if (!json_is_array(r)) fail_msg("no receipts: %s", o.w.body);
  assert_int_equal(json_array_size(r), 8);
  size_t i;
  json_t *x;
  json_array_foreach(r, i, x) {
    assert_null(json_object_get(x, "l1Fee"));
    assert_null(json_object_get(x, "l1GasPrice"));
    assert_null(json_object_get(x, "l1GasUsed"));
    assert_non_null(json_object_get(x, "cumulativeGasUsed"));
  }
  assert_null(json_object_get(json_array_get(r, 0), "depositNonce"));
  /* one receipt by hash: located, proven in its block, stripped */
  char params[100];
  char th[67];
  snprintf(th, sizeof th, "%s", json_string_value(json_object_get(json_array_get(r, 4), "transactionHash")));
  snprintf(params, sizeof params, "[\"%s\"]", th);
  json_decref(r);
  call_op(&o.w, "eth_getTransactionReceipt", params);
  r = result_of(&o.w);
  if (!json_is_object(r)) fail_msg("no receipt: %s", o.w.body);
  assert_string_equal(json_string_value(json_object_get(r, "transactionHash")), th);
  assert_null(json_object_get(r, "l1Fee"));
  json_decref(r);
  op_down(&o);
}

static void test_deposit_tx_nonce_not_served_unproven(void **st) {
  (void)st;
  OPFIX_OR_SKIP(probe, B4 "l2.json");
  json_decref(probe);
  opworld o;
  op_up(&o, "op-stack", LIE_NONE);
  /* the deposit with a nonce the receipts of a Regolith block cannot prove */
  json_object_set_new(json_array_get(json_object_get(o.block, "transactions"), 0), "nonce", json_string("0x42"));
  call_op(&o.w, "eth_getTransactionByBlockNumberAndIndex", "[" HEAD ",\"0x0\"]");
  json_t *r = result_of(&o.w);
  if (!json_is_object(r)) fail_msg("no tx: %s", o.w.body);
  assert_string_equal(json_string_value(json_object_get(r, "type")), "0x7e");
  assert_non_null(json_object_get(r, "sourceHash"));
  assert_null(json_object_get(r, "nonce"));
  json_decref(r);
  /* a signed tx of the block is served as proven */
  call_op(&o.w, "eth_getTransactionByBlockNumberAndIndex", "[" HEAD ",\"0x3\"]");
  r = result_of(&o.w);
  assert_non_null(r);
  assert_string_equal(json_string_value(json_object_get(r, "hash")),
                      json_string_value(json_object_get(json_array_get(json_object_get(o.block, "transactions"), 3), "hash")));
  assert_non_null(json_object_get(r, "nonce"));
  json_decref(r);
  op_down(&o);
}

/* u0, asked first, lies; the lie is served and caught, the honest answer given. */
static void liar_case(lie l, const char *method, const char *params) {
  opworld o;
  op_up(&o, "op-stack", l);
  call_op(&o.w, method, params);
  assert_true(o.st[0].lies_served >= 1);
  assert_true(o.w.gw.pool.ups[0].lies >= 1);
  assert_non_null(strstr(o.w.body, "\"result\""));
  json_t *r = result_of(&o.w);
  if (json_is_array(r)) {
    assert_string_equal(json_string_value(json_object_get(json_array_get(r, 2), "status")),
                        json_string_value(json_object_get(json_array_get(o.receipts, 2), "status")));
  } else {
    json_t *txs = json_object_get(r, "transactions");
    assert_string_equal(json_string_value(json_object_get(json_array_get(txs, 3), "value")),
                        json_string_value(json_object_get(json_array_get(json_object_get(o.block, "transactions"), 3), "value")));
    assert_string_equal(json_string_value(json_object_get(json_array_get(txs, 0), "gasPrice")), "0x0");
  }
  json_decref(r);
  op_down(&o);
}

static void test_forged_block_and_receipt_caught(void **st) {
  (void)st;
  OPFIX_OR_SKIP(probe, B4 "l2.json");
  json_decref(probe);
  liar_case(LIE_BLOCK_TX, "eth_getBlockByNumber", "[" HEAD ",true]");
  liar_case(LIE_DEPOSIT_NONCE, "eth_getBlockByNumber", "[" HEAD ",true]");
  liar_case(LIE_RECEIPT_STATUS, "eth_getBlockReceipts", "[" HEAD "]");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_block_verified_on_op_refused_on_ethereum),
      cmocka_unit_test(test_receipts_verified_and_stripped),
      cmocka_unit_test(test_deposit_tx_nonce_not_served_unproven),
      cmocka_unit_test(test_forged_block_and_receipt_caught),
  };
  return cmocka_run_group_tests_name("opgateway", tests, NULL, NULL);
}

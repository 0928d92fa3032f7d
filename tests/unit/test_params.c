/* test_params.c: params validation messages and block pinning. */
#include "testutil.h"
#include "pool/call.h"
#include "plan/params.h"
#include "rpc/methods.h"

static vt_plan plan(const char *method, const char *params, uint64_t head, bool known) {
  vt_plan p;
  const vt_method *m = vt_method_find(method);
  assert_non_null(m);
  assert_int_equal(vt_plan_params(m, method, vt_span_of(params, strlen(params)), head, known, &p), 0);
  return p;
}

static void expect_params(vt_plan *p, const char *want) {
  assert_int_equal(p->err_code, 0);
  assert_non_null(p->params);
  assert_string_equal(p->params, want);
  vt_plan_free(p);
}

static void test_pin_latest(void **st) {
  (void)st;
  vt_plan p = plan("eth_getBalance", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"latest\"]", 0x1234, true);
  assert_int_equal(p.kind, VT_PIN_NUMBER);
  assert_int_equal(p.number, 0x1234);
  assert_true(p.pinned_latest);
  expect_params(&p, "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"0x1234\"]");
  /* omitted block parameter = latest, pinned */
  p = plan("eth_getBalance", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\"]", 16, true);
  expect_params(&p, "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"0x10\"]");
  /* pending is pinned for state reads, kept for the nonce */
  p = plan("eth_getBalance", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"pending\"]", 16, true);
  expect_params(&p, "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"0x10\"]");
  p = plan("eth_getTransactionCount", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"pending\"]", 16, true);
  assert_null(p.params);
  assert_int_equal(p.kind, VT_PIN_TAG);
  vt_plan_free(&p);
  /* earliest -> 0x0; a number is kept and recorded */
  p = plan("eth_getBlockByNumber", "[\"earliest\",false]", 16, true);
  expect_params(&p, "[\"0x0\",false]");
  p = plan("eth_getBlockByNumber", "[\"0x5\",true]", 16, true);
  assert_null(p.params);
  assert_int_equal(p.kind, VT_PIN_NUMBER);
  assert_int_equal(p.number, 5);
  vt_plan_free(&p);
  /* no head yet: latest kept, and named so the prove stage refuses it */
  p = plan("eth_getBalance", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"latest\"]", 0, false);
  assert_null(p.params);
  assert_int_equal(p.kind, VT_PIN_TAG);
  assert_int_equal(p.tag, VT_TAG_LATEST);
  vt_plan_free(&p);
  /* the tag kept is named: safe, finalized, the pending nonce; pending for a state read
   * with no head is latest */
  static const struct { const char *m, *params; uint8_t tag; } tagged[] = {
      {"eth_getBalance", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"safe\"]", VT_TAG_SAFE},
      {"eth_getBlockByNumber", "[\"finalized\",false]", VT_TAG_FINALIZED},
      {"eth_getTransactionCount", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"pending\"]", VT_TAG_PENDING},
      {"eth_getLogs", "[{\"fromBlock\":\"finalized\"}]", VT_TAG_FINALIZED},
  };
  for (size_t i = 0; i < sizeof tagged / sizeof tagged[0]; i++) {
    p = plan(tagged[i].m, tagged[i].params, 16, true);
    assert_int_equal(p.tag, tagged[i].tag);
    vt_plan_free(&p);
  }
  p = plan("eth_getBalance", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"pending\"]", 0, false);
  assert_int_equal(p.tag, VT_TAG_LATEST);
  vt_plan_free(&p);
  /* a number leaves no tag; a block by hash is pinned by hash */
  p = plan("eth_getBalance", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"0x5\"]", 0, false);
  assert_int_equal(p.kind, VT_PIN_NUMBER);
  assert_int_equal(p.tag, VT_TAG_NONE);
  vt_plan_free(&p);
  p = plan("eth_getBlockByHash", "[\"0x88e96d4537bea4d9c05d12549907b32561d3bf31f45aae734cdc119f13406cb6\",false]", 0, false);
  assert_int_equal(p.kind, VT_PIN_HASH);
  vt_plan_free(&p);
}

static void test_eip1898_and_logs(void **st) {
  (void)st;
  vt_plan p = plan("eth_getBalance",
                   "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",{\"blockHash\":\"0x88e96d4537bea4d9c05d12549907b32561d3bf31f45aae734cdc119f13406cb6\"}]",
                   100, true);
  assert_int_equal(p.err_code, 0);
  assert_int_equal(p.kind, VT_PIN_HASH);
  vt_plan_free(&p);
  p = plan("eth_call", "[{\"to\":\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\"},{\"blockNumber\":\"latest\"}]", 7, true);
  expect_params(&p, "[{\"to\":\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\"},{\"blockNumber\":\"0x7\"}]");
  p = plan("eth_getLogs", "[{\"fromBlock\":\"0x1\",\"toBlock\":\"latest\",\"address\":\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\"}]", 9, true);
  assert_int_equal(p.kind, VT_PIN_NUMBER);
  assert_int_equal(p.number, 9);
  assert_int_equal(p.err_code, 0);
  vt_plan_free(&p);
  p = plan("eth_getLogs", "[{}]", 9, true);
  assert_int_equal(p.err_code, 0);
  assert_non_null(strstr(p.params, "\"fromBlock\":\"0x9\""));
  vt_plan_free(&p);
}

static void test_rejections(void **st) {
  (void)st;
  static const struct { const char *m, *params, *needle; } bad[] = {
      {"eth_getBalance", "[\"0x12\",\"latest\"]", "param 1 must be an address"},
      {"eth_getBalance", "[]", "takes 1 to 2 params, got 0"},
      {"eth_getBalance", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"newest\"]", "param 2 must be a block"},
      {"eth_getBalance", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"0x01\"]", "param 2"},
      {"eth_getBalance", "{\"a\":1}", "as an array"},
      {"eth_getTransactionReceipt", "[\"0x1234\"]", "must be a hash"},
      {"eth_getBlockByNumber", "[\"latest\"]", "takes 2 params"},
      {"eth_getBlockByNumber", "[\"latest\",1]", "true or false"},
      {"eth_sendRawTransaction", "[\"0xabc\"]", "hex data"},
      {"eth_getLogs", "[{\"blockHash\":\"0x88e96d4537bea4d9c05d12549907b32561d3bf31f45aae734cdc119f13406cb6\",\"fromBlock\":\"0x1\"}]", "filter"},
      {"eth_getLogs", "[{\"topics\":[1]}]", "filter"},
      {"eth_getProof", "[\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\",\"0x1\",\"latest\"]", "storage keys"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    vt_plan p = plan(bad[i].m, bad[i].params, 10, true);
    if (p.err_code != -32602 || !strstr(p.err, bad[i].needle))
      fail_msg("case %zu (%s %s): got %d '%s'", i, bad[i].m, bad[i].params, p.err_code, p.err);
    vt_plan_free(&p);
  }
}

static void test_error_classification(void **st) {
  (void)st;
  assert_true(vt_rpc_error_retryable(-32000, "header not found"));
  assert_true(vt_rpc_error_retryable(-32000, "missing trie node abc"));
  assert_true(vt_rpc_error_retryable(-32603, "something"));
  assert_true(vt_rpc_error_retryable(-32005, "daily request count exceeded"));
  assert_false(vt_rpc_error_retryable(3, "execution reverted"));
  assert_false(vt_rpc_error_retryable(-32000, "execution reverted: not owner"));
  assert_false(vt_rpc_error_retryable(-32000, "insufficient funds for gas * price + value"));
  assert_false(vt_rpc_error_retryable(-32000, "nonce too low"));
}

static void test_empty_like(void **st) {
  (void)st;
  assert_true(vt_result_is_empty_like(VT_E_ZERO_QTY, "\"0x0\"", 5));
  assert_false(vt_result_is_empty_like(VT_E_ZERO_QTY, "\"0x1\"", 5));
  assert_false(vt_result_is_empty_like(VT_E_NULL, "\"0x0\"", 5));
  assert_true(vt_result_is_empty_like(VT_E_NULL, "null", 4));
  assert_true(vt_result_is_empty_like(VT_E_EMPTY_ARR, "[ ]", 3));
  assert_false(vt_result_is_empty_like(VT_E_EMPTY_ARR, "[1]", 3));
  const char *zw = "\"0x0000000000000000000000000000000000000000000000000000000000000000\"";
  assert_true(vt_result_is_empty_like(VT_E_ZERO_WORD, zw, strlen(zw)));
  assert_false(vt_result_is_empty_like(0, "null", 4));
}

/* The fast path against the full (jansson) check: for every shape it takes it must give
 * the same plan and the same bytes; every other shape it must leave alone. */
#define A "\"0xd8da6bf26964af9d7eed9e03e53415d37aa96045\""
#define H "\"0x88e96d4537bea4d9c05d12549907b32561d3bf31f45aae734cdc119f13406cb6\""
static const struct {
  const char *method, *params;
  uint64_t head;
  bool known;
  bool fast; /* the fast path takes it */
} fast_cases[] = {
    {"eth_getBalance", "[" A ",\"latest\"]", 0x1234, true, true},
    {"eth_getBalance", "[" A ",\"latest\"]", 0, false, true},
    {"eth_getBalance", "[" A ",\"pending\"]", 16, true, true},
    {"eth_getBalance", "[" A ",\"earliest\"]", 16, true, true},
    {"eth_getBalance", "[" A ",\"safe\"]", 16, true, true},
    {"eth_getBalance", "[" A ",\"finalized\"]", 16, true, true},
    {"eth_getBalance", "[" A ",\"0x1\"]", 16, true, true},
    {"eth_getBalance", "[" A ",\"0X1F\"]", 16, true, true},
    {"eth_getBalance", "[" A ",\"0xffffffffffffffffff\"]", 16, true, true},
    {"eth_getBalance", "[" A "]", 16, true, true},
    {"eth_getBalance", "[" A "]", 0, false, true},
    {"eth_getBalance", "[\"0xD8DA6BF26964AF9D7EED9E03E53415D37AA96045\",\"0x2\"]", 16, true, true},
    {"eth_getTransactionCount", "[" A ",\"pending\"]", 16, true, true},
    {"eth_getTransactionCount", "[" A ",\"latest\"]", 16, true, true},
    {"eth_getCode", "[" A ",\"0x3\"]", 16, true, true},
    {"eth_getStorageAt", "[" A ",\"0x0\",\"latest\"]", 9, true, true},
    {"eth_getBlockByNumber", "[\"0x5\",true]", 16, true, true},
    {"eth_getBlockByNumber", "[\"latest\",false]", 16, true, true},
    {"eth_getBlockByNumber", "[\"earliest\",false]", 16, true, true},
    {"eth_getBlockByHash", "[" H ",false]", 16, true, true},
    {"eth_getTransactionByHash", "[" H "]", 16, true, true},
    {"eth_getTransactionReceipt", "[" H "]", 16, true, true},
    {"eth_getBlockReceipts", "[\"0x7\"]", 16, true, true},
    {"eth_getBlockReceipts", "[\"latest\"]", 16, true, true},
    {"eth_gasPrice", "", 16, true, true},
    {"eth_gasPrice", "[]", 16, true, true},
    /* left to the full check: other shapes, and everything it must refuse */
    {"eth_getBalance", "[" A ", \"latest\"]", 16, true, false},
    {"eth_getBalance", " [" A ",\"latest\"]", 16, true, false},
    {"eth_getBalance", "[" A ",{\"blockHash\":" H "}]", 16, true, false},
    {"eth_getBalance", "[" A ",{\"blockNumber\":\"latest\"}]", 16, true, false},
    {"eth_getBalance", "[\"0x12\",\"latest\"]", 16, true, false},
    {"eth_getBalance", "[" A ",\"0x01\"]", 16, true, false},
    {"eth_getBalance", "[" A ",\"newest\"]", 16, true, false},
    {"eth_getBalance", "[" A ",\"lat\\u0065st\"]", 16, true, false},
    {"eth_getBalance", "[" A ",1]", 16, true, false},
    {"eth_getBalance", "[" A ",null]", 16, true, false},
    {"eth_getBalance", "[" A ",]", 16, true, false},
    {"eth_getBalance", "[" A ",\"latest\",\"x\"]", 16, true, false},
    {"eth_getBalance", "[" A "\"latest\"]", 16, true, false},
    {"eth_getBalance", "[]", 16, true, false},
    {"eth_getBalance", "{\"a\":1}", 16, true, false},
    {"eth_getBalance", "[" A ",\"latest\"", 16, true, false},
    {"eth_getBlockByNumber", "[\"0x5\",truex]", 16, true, false},
    {"eth_getBlockByNumber", "[\"0x5\",\"true\"]", 16, true, false},
    {"eth_call", "[{\"to\":" A "},\"latest\"]", 16, true, false},
    {"eth_getLogs", "[{}]", 16, true, false},
    {"eth_getProof", "[" A ",[],\"latest\"]", 16, true, false},
};
#undef A
#undef H

static void test_fast_path_matches_full(void **st) {
  (void)st;
  for (size_t i = 0; i < sizeof fast_cases / sizeof fast_cases[0]; i++) {
    const char *name = fast_cases[i].method, *params = fast_cases[i].params;
    const vt_method *m = vt_method_find(name);
    assert_non_null(m);
    vt_span sp = vt_span_of(params, strlen(params));
    vt_plan f, s;
    int frc = vt_plan_params_fast(m, sp, fast_cases[i].head, fast_cases[i].known, &f);
    assert_int_equal(vt_plan_params_full(m, name, sp, fast_cases[i].head, fast_cases[i].known, &s), 0);
    if (frc != (fast_cases[i].fast ? 1 : 0)) fail_msg("case %zu %s %s: fast path gave %d", i, name, params, frc);
    if (frc == 1) {
      if (s.err_code) fail_msg("case %zu: the full check refused what the fast path took: %s", i, s.err);
      assert_int_equal(f.kind, s.kind);
      assert_int_equal(f.number, s.number);
      assert_int_equal(f.pinned_latest, s.pinned_latest);
      assert_int_equal(f.err_code, 0);
      if (s.params) {
        assert_non_null(f.params);
        assert_int_equal(f.params_len, s.params_len);
        assert_memory_equal(f.params, s.params, s.params_len);
      } else {
        assert_null(f.params);
      }
    } else {
      assert_null(f.params); /* nothing half done */
      assert_int_equal(f.kind, VT_PIN_NONE);
      assert_false(f.pinned_latest);
    }
    /* vt_plan_params answers exactly as the full check */
    vt_plan v;
    assert_int_equal(vt_plan_params(m, name, sp, fast_cases[i].head, fast_cases[i].known, &v), 0);
    assert_int_equal(v.err_code, s.err_code);
    assert_string_equal(v.err, s.err);
    assert_int_equal(v.kind, s.kind);
    assert_int_equal(v.number, s.number);
    assert_int_equal(v.params_len, s.params_len);
    if (s.params) assert_memory_equal(v.params, s.params, s.params_len);
    vt_plan_free(&f);
    vt_plan_free(&s);
    vt_plan_free(&v);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pin_latest),        cmocka_unit_test(test_eip1898_and_logs),
      cmocka_unit_test(test_rejections),        cmocka_unit_test(test_error_classification),
      cmocka_unit_test(test_empty_like),        cmocka_unit_test(test_fast_path_matches_full),
  };
  return cmocka_run_group_tests_name("params", tests, NULL, NULL);
}

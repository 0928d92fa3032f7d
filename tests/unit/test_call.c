/* test_call.c: the call engine (pool/call.c) on its own, over the pool of a real
 * gateway in front of three mock upstreams (mock_rpc.h; verify off, loopback only):
 * "nothing" is confirmed before it is believed and a contradicted one is charged as a
 * lie, a deterministic error is the answer (asked once), every upstream down gives
 * -32002 data naming what each did, a write goes to every upstream; and the two pure
 * tables (retryable errors, empty-like results). */
#include "testutil.h"

#include <uv.h>

#include "config/config.h"
#include "gateway/gateway.h"
#include "net/fetch.h"
#include "pool/call.h"
#include "mock_rpc.h"

typedef struct {
  int done;
  int outcome;
  char result[2048];
  vt_trust trust;
  char by[16];
} call_res;

static void on_done(vt_call *c, void *ud) {
  call_res *r = ud;
  r->done = 1;
  r->outcome = (int)c->outcome;
  snprintf(r->result, sizeof r->result, "%.*s", (int)(c->result ? c->result_len : 0), c->result ? c->result : "");
  r->trust = c->trust;
  snprintf(r->by, sizeof r->by, "%s", c->served_by ? c->served_by : "");
  vt_call_free(c);
}

/* Carry one call over the world's pool and run the loop until it is done. */
static void carry(world *w, const char *method, const char *params, const vt_plan *plan, call_res *r) {
  char body[512];
  snprintf(body, sizeof body, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":%s}", method, params);
  memset(r, 0, sizeof *r);
  assert_non_null(vt_call_start(&w->gw.pool, vt_method_find(method), method, body, strlen(body), plan, on_done, r));
  uint64_t end = uv_now(&w->loop) + 5000;
  while (!r->done && uv_now(&w->loop) < end) {
    uv_run(&w->loop, UV_RUN_ONCE);
    uv_update_time(&w->loop);
  }
  assert_true(r->done);
}

#define ADDR "[\"0x00000000000000000000000000000000000000aa\",\"0x10\"]"

static void test_nothing_is_confirmed_and_a_contradicted_nothing_is_a_lie(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x0\"", "\"0x5\"", "\"0x5\""};
  world_up_yaml(&w, modes, heads, bal, 2, 300, NULL, NULL);
  run_ms(&w, 300);
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = 0x10};
  call_res r;
  carry(&w, "eth_getBalance", ADDR, &plan, &r);
  assert_int_equal(r.outcome, VT_CALL_OK);
  assert_string_equal(r.result, "\"0x5\"");
  assert_true(w.up[0].balance_requests >= 1); /* u0 weighs most: asked first */
  assert_true(w.gw.pool.ups[0].lies >= 1);
  assert_int_equal(w.gw.pool.ups[1].lies + w.gw.pool.ups[2].lies, 0);
  /* all three agree on 0x5 now, or the value was never "nothing": single or quorum */
  assert_true(r.trust.tier == VT_TRUST_SINGLE || r.trust.tier == VT_TRUST_QUORUM);
  world_down(&w);
}

static void test_agreed_nothing_reports_the_quorum(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x0\"", "\"0x0\"", "\"0x0\""};
  world_up_yaml(&w, modes, heads, bal, 2, 300, NULL, NULL);
  run_ms(&w, 300);
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = 0x10};
  call_res r;
  carry(&w, "eth_getBalance", ADDR, &plan, &r);
  assert_int_equal(r.outcome, VT_CALL_OK);
  assert_string_equal(r.result, "\"0x0\"");
  assert_int_equal(r.trust.tier, VT_TRUST_QUORUM);
  assert_true(r.trust.k >= 2 && r.trust.n == 3);
  assert_true(w.up[0].balance_requests + w.up[1].balance_requests + w.up[2].balance_requests >= 2);
  world_down(&w);
}

static unsigned reverted_calls;
static bool revert_eth_call(mock *m, mconn *c, const char *body) {
  (void)m;
  if (!strstr(body, "\"eth_call\"")) return false;
  reverted_calls++;
  mreply(c, 200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":3,\"message\":\"execution reverted\"}}");
  return true;
}

static void test_deterministic_error_is_the_answer(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up_yaml(&w, modes, heads, bal, 2, 300, NULL, NULL);
  for (int i = 0; i < 3; i++) w.up[i].extra = revert_eth_call;
  run_ms(&w, 300);
  reverted_calls = 0;
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = 0x10};
  call_res r;
  carry(&w, "eth_call", "[{\"to\":\"0x00000000000000000000000000000000000000aa\"},\"0x10\"]", &plan, &r);
  assert_int_equal(r.outcome, VT_CALL_RPC_ERROR);
  assert_non_null(strstr(r.result, "execution reverted"));
  assert_int_equal(r.trust.tier, VT_TRUST_SINGLE);
  assert_int_equal(reverted_calls, 1); /* not retried elsewhere */
  assert_int_equal(w.gw.pool.ups[0].lies, 0);
  world_down(&w);
}

static void test_all_down_names_each_upstream(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up_yaml(&w, modes, heads, bal, 2, 300, NULL, NULL);
  run_ms(&w, 300);
  for (int i = 0; i < 3; i++) w.up[i].mode = UP_500;
  vt_plan plan = {.kind = VT_PIN_NONE};
  call_res r;
  carry(&w, "eth_gasPrice", "[]", &plan, &r);
  assert_int_equal(r.outcome, VT_CALL_UNAVAILABLE);
  assert_int_equal(r.trust.tier, VT_TRUST_NONE);
  assert_non_null(strstr(r.result, "\"method\":\"eth_gasPrice\""));
  for (int i = 0; i < 3; i++) {
    char name[32];
    snprintf(name, sizeof name, "\"upstream\":\"u%d\"", i);
    if (!strstr(r.result, name)) fail_msg("%s missing from %s", name, r.result);
  }
  assert_non_null(strstr(r.result, "HTTP 500"));
  world_down(&w);
}

static unsigned raw_tx_by[3];
static bool count_raw_tx(mock *m, mconn *c, const char *body) {
  if (!strstr(body, "\"eth_sendRawTransaction\"")) return false;
  raw_tx_by[(int)(intptr_t)m->ud]++;
  mreply(c, 200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1111111111111111111111111111111111111111111111111111111111111111\"}");
  return true;
}

static void test_a_write_reaches_every_upstream(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up_yaml(&w, modes, heads, bal, 2, 300, NULL, NULL);
  for (int i = 0; i < 3; i++) {
    w.up[i].extra = count_raw_tx;
    w.up[i].ud = (void *)(intptr_t)i;
    raw_tx_by[i] = 0;
  }
  run_ms(&w, 300);
  vt_plan plan = {.kind = VT_PIN_NONE};
  call_res r;
  carry(&w, "eth_sendRawTransaction", "[\"0x02\"]", &plan, &r);
  assert_int_equal(r.outcome, VT_CALL_OK);
  assert_non_null(strstr(r.result, "0x1111"));
  run_ms(&w, 200); /* the other attempts of a write complete on their own */
  for (int i = 0; i < 3; i++) assert_int_equal(raw_tx_by[i], 1);
  world_down(&w);
}

static void test_tables(void **st) {
  (void)st;
  assert_true(vt_rpc_error_retryable(-32000, "header not found"));
  assert_true(vt_rpc_error_retryable(-32000, "Missing trie node 0xabc"));
  assert_true(vt_rpc_error_retryable(-32603, "anything"));
  assert_true(vt_rpc_error_retryable(429, "slow down"));
  assert_false(vt_rpc_error_retryable(3, "execution reverted"));
  assert_false(vt_rpc_error_retryable(-32602, "invalid argument 0: hex string has odd length"));
  assert_true(vt_result_is_empty_like(VT_E_ZERO_QTY, "\"0x0\"", 5));
  assert_false(vt_result_is_empty_like(VT_E_ZERO_QTY, "\"0x5\"", 5));
  assert_true(vt_result_is_empty_like(VT_E_NULL, "null", 4));
  assert_true(vt_result_is_empty_like(VT_E_EMPTY_ARR, "[]", 2));
  assert_false(vt_result_is_empty_like(VT_E_EMPTY_ARR, "[1]", 3));
  assert_true(vt_result_is_empty_like(VT_E_EMPTY_DATA, "\"0x\"", 4));
  assert_false(vt_result_is_empty_like(0, "null", 4));
}

int main(void) {
  (void)call_ms; /* mock_rpc.h's HTTP client: these tests call the engine directly */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_nothing_is_confirmed_and_a_contradicted_nothing_is_a_lie),
      cmocka_unit_test(test_agreed_nothing_reports_the_quorum),
      cmocka_unit_test(test_deterministic_error_is_the_answer),
      cmocka_unit_test(test_all_down_names_each_upstream),
      cmocka_unit_test(test_a_write_reaches_every_upstream),
      cmocka_unit_test(test_tables),
  };
  return cmocka_run_group_tests_name("call", tests, NULL, NULL);
}

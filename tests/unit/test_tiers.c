/* test_tiers.c: the answer stores behind one get and one put (store/tiers.c): memory
 * first, LMDB for finalized entries across a restart (a hit is copied into memory), no
 * memory tier at cache.memory 0, a store of another chain refused, degraded.stale
 * values kept per method and address, and unfinalized entries dropped on a reorg. No
 * Redis here (test_redis.c and the e2e suite cover it). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "store/tiers.h"

static const char KEY[] = "eth_getBalance\0[\"0x00000000000000000000000000000000000000aa\",\"0x10\"]";
#define KLEN (sizeof KEY - 1)

typedef struct {
  int calls;
  vt_tier from;
  char val[64];
  char trust[48];
} got;

static void on_get(void *ud, vt_tier from, const uint8_t *val, size_t vlen, const vt_cache_meta *m) {
  got *g = ud;
  g->calls++;
  g->from = from;
  snprintf(g->val, sizeof g->val, "%.*s", (int)vlen, val ? (const char *)val : "");
  snprintf(g->trust, sizeof g->trust, "%s", m ? m->trust : "");
}

static void closed(void *arg) { (void)arg; }

static vt_tiers *open_tiers(uv_loop_t *loop, size_t memory, const char *path, uint64_t chain, char *err, size_t n) {
  vt_tiers_opts o = {.memory = memory, .lmdb_path = path, .chain_id = chain};
  return vt_tiers_new(loop, &o, err, n);
}

static void close_tiers(uv_loop_t *loop, vt_tiers *t) {
  vt_tiers_close(t, closed, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  vt_tiers_free(t);
}

static vt_cache_meta meta(uint64_t block, bool fin) {
  vt_cache_meta m = {.block_number = block, .finalized = fin};
  snprintf(m.trust, sizeof m.trust, "verified:quorum:2/3");
  return m;
}

static void test_memory_then_lmdb_across_a_restart(void **st) {
  (void)st;
  char dir[] = "/tmp/verity-tiers-XXXXXX";
  assert_non_null(mkdtemp(dir));
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  char err[256];
  vt_tiers *t = open_tiers(&loop, 1 << 20, dir, 1, err, sizeof err);
  assert_non_null(t);
  vt_cache_meta fin = meta(0x10, true);
  vt_tiers_put(t, KEY, KLEN, "\"0x5\"", 5, &fin);
  const uint8_t *v;
  size_t vl;
  vt_cache_meta m;
  assert_true(vt_tiers_get_memory(t, KEY, KLEN, &v, &vl, &m));
  assert_memory_equal(v, "\"0x5\"", 5);
  vt_cache_meta recent = meta(0x11, false); /* not final: memory only */
  vt_tiers_put(t, "k2", 2, "\"0x6\"", 5, &recent);
  assert_int_equal(vt_tiers_finalized(t), 0x10); /* the unfinalized 0x11 does not count */
  vt_tiers_stats s;
  vt_tiers_stats_get(t, &s);
  assert_int_equal(s.stored, 2);
  assert_int_equal(s.lmdb_stored, 1);
  assert_true(s.lmdb);
  close_tiers(&loop, t); /* writes the finalized number if the tick has not yet */

  t = open_tiers(&loop, 1 << 20, dir, 1, err, sizeof err); /* a restart */
  assert_non_null(t);
  assert_int_equal(vt_tiers_finalized(t), 0x10); /* recorded in the store: numbers up to it are final */
  assert_false(vt_tiers_get_memory(t, KEY, KLEN, &v, &vl, &m));
  got g = {0};
  vt_tiers_get(t, KEY, KLEN, on_get, &g);
  assert_int_equal(g.calls, 1);
  assert_int_equal(g.from, VT_TIER_LMDB);
  assert_string_equal(g.val, "\"0x5\"");
  assert_string_equal(g.trust, "verified:quorum:2/3");
  assert_true(vt_tiers_get_memory(t, KEY, KLEN, &v, &vl, &m)); /* copied into memory */
  got miss = {0};
  vt_tiers_get(t, "k2", 2, on_get, &miss);
  assert_int_equal(miss.calls, 1);
  assert_int_equal(miss.from, VT_TIER_NONE);
  close_tiers(&loop, t);

  t = open_tiers(&loop, 1 << 20, dir, 5, err, sizeof err); /* another chain: refused */
  assert_null(t);
  if (!strstr(err, "cache.path:") || !strstr(err, "not of chain 5")) fail_msg("error: %s", err);
  assert_int_equal(uv_loop_close(&loop), 0);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

static void test_no_memory_tier_still_keeps_stale_values(void **st) {
  (void)st;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  char err[256];
  vt_tiers *t = open_tiers(&loop, 0, NULL, 1, err, sizeof err);
  assert_non_null(t);
  vt_cache_meta fin = meta(0x10, true);
  vt_tiers_put(t, KEY, KLEN, "\"0x5\"", 5, &fin);
  const uint8_t *v;
  size_t vl;
  vt_cache_meta m;
  assert_false(vt_tiers_get_memory(t, KEY, KLEN, &v, &vl, &m));
  vt_tiers_stats s;
  vt_tiers_stats_get(t, &s);
  assert_int_equal(s.stored, 0);
  assert_int_equal(s.budget, 0);
  /* the stale value is per method and address: another block, upper-case hex, finds it */
  vt_tiers_stale_put(t, KEY, KLEN, "\"0x5\"", 5, &fin);
  static const char other[] = "eth_getBalance\0[\"0x00000000000000000000000000000000000000AA\",\"0x20\"]";
  assert_true(vt_tiers_stale_get(t, other, sizeof other - 1, &v, &vl, &m));
  assert_memory_equal(v, "\"0x5\"", 5);
  assert_int_equal(m.block_number, 0x10);
  static const char code[] = "eth_getCode\0[\"0x00000000000000000000000000000000000000aa\",\"0x20\"]";
  assert_false(vt_tiers_stale_get(t, code, sizeof code - 1, &v, &vl, &m));
  static const char call[] = "eth_call\0[{\"to\":\"0x00000000000000000000000000000000000000aa\"},\"0x10\"]";
  vt_tiers_stale_put(t, call, sizeof call - 1, "\"0x\"", 4, &fin); /* not a stale method: ignored */
  assert_false(vt_tiers_stale_get(t, call, sizeof call - 1, &v, &vl, &m));
  close_tiers(&loop, t);
  assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_reorg_drops_unfinalized(void **st) {
  (void)st;
  uv_loop_t loop;
  assert_int_equal(uv_loop_init(&loop), 0);
  char err[256];
  vt_tiers *t = open_tiers(&loop, 1 << 20, NULL, 1, err, sizeof err);
  assert_non_null(t);
  vt_cache_meta recent = meta(0x20, false), fin = meta(0x10, true);
  vt_tiers_put(t, "recent", 6, "1", 1, &recent);
  vt_tiers_put(t, "final", 5, "2", 1, &fin);
  vt_tiers_reorg(t, 0x20); /* block 0x20 changed: entries above 0x1f go */
  const uint8_t *v;
  size_t vl;
  vt_cache_meta m;
  assert_false(vt_tiers_get_memory(t, "recent", 6, &v, &vl, &m));
  assert_true(vt_tiers_get_memory(t, "final", 5, &v, &vl, &m));
  close_tiers(&loop, t);
  assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_memory_then_lmdb_across_a_restart),
      cmocka_unit_test(test_no_memory_tier_still_keeps_stale_values),
      cmocka_unit_test(test_reorg_drops_unfinalized),
  };
  return cmocka_run_group_tests_name("tiers", tests, NULL, NULL);
}

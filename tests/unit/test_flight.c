/* test_flight.c: coalescing, the answer cache's rules (what is stored, what is not), the
 * LMDB tier across a restart, and degraded.stale, with a fake "upstream" start function
 * that answers when the test says so. No sockets. */
#include "testutil.h"

#include <stdlib.h>
#include <unistd.h>
#include <uv.h>

#include "config/config.h"
#include "plan/flight.h"
#include "pool/pool.h"

typedef struct {
  vt_answer_cb cb;
  void *ud;
} pending_start;

static pending_start starts[16];
static int nstarts;
static int nanswers;
static char last_result[256];
static char last_trust[64];
static char last_by[16];

static int fake_start(void *ctx, const vt_job *call, vt_answer_cb cb, void *ud) {
  (void)ctx;
  (void)call;
  assert_true(nstarts < 16);
  starts[nstarts].cb = cb;
  starts[nstarts].ud = ud;
  nstarts++;
  return 0;
}

static void on_answer(const vt_answer *a, void *ud) {
  (void)ud;
  nanswers++;
  snprintf(last_result, sizeof last_result, "%.*s", (int)a->len, a->result);
  vt_trust_format(&a->trust, last_trust, sizeof last_trust);
  snprintf(last_by, sizeof last_by, "%s", a->served_by ? a->served_by : "");
}

static void finish_start(int i, int outcome, const char *result, const char *trust) {
  vt_answer a = {.outcome = outcome, .result = result, .len = strlen(result), .served_by = "a",
                 .method = "eth_getBalance"};
  assert_true(vt_trust_parse(trust, &a.trust));
  starts[i].cb(&a, starts[i].ud);
}

static size_t world_budget = 1 << 20; /* the memory tier's budget for world_up */

typedef struct {
  uv_loop_t loop;
  vt_config cfg;
  vt_pool pool;
  vt_flights *f;
} world;

static void world_up(world *w, const char *cache_path, bool stale) {
  memset(w, 0, sizeof *w);
  assert_int_equal(uv_loop_init(&w->loop), 0);
  vt_config_defaults(&w->cfg);
  w->cfg.cache_path = cache_path ? strdup(cache_path) : NULL;
  w->cfg.degraded_stale = stale;
  w->cfg.head_poll_ms = 100;
  w->pool.loop = &w->loop;
  w->pool.cfg = &w->cfg;
  w->pool.head = 1000;
  w->pool.head_known = true;
  w->pool.nups = 1;
  w->pool.ups[0].head_known = true;
  w->pool.ups[0].head_ok_ms = uv_now(&w->loop);
  char err[256];
  w->f = vt_flights_new(&w->loop, &w->cfg, &w->pool, world_budget, err, sizeof err);
  assert_non_null(w->f);
  nstarts = nanswers = 0;
}

static void closed(void *arg) { (void)arg; }

static void world_down(world *w) {
  vt_flights_close(w->f, closed, NULL);
  uv_run(&w->loop, UV_RUN_DEFAULT);
  vt_flights_free(w->f);
  vt_config_free(&w->cfg);
  assert_int_equal(uv_loop_close(&w->loop), 0);
}

static int run(world *w, const char *params, uint64_t number, bool pinned_latest) {
  vt_plan plan = {.kind = VT_PIN_NUMBER, .number = number, .pinned_latest = pinned_latest};
  vt_job call = {.m = NULL, .method = "eth_getBalance", .params = vt_span_of(params, strlen(params)),
                         .plan = &plan};
  return vt_flight_run(w->f, &call, fake_start, NULL, on_answer, NULL);
}

static const char P1[] = "[\"0x00000000000000000000000000000000000000aa\",\"0x10\"]";

static void test_coalesce_and_cache(void **st) {
  (void)st;
  world w;
  world_up(&w, NULL, false);
  assert_int_equal(run(&w, P1, 0x10, false), 0);
  assert_int_equal(run(&w, P1, 0x10, false), 0);
  assert_int_equal(nstarts, 1); /* identical calls in flight: one upstream round */
  finish_start(0, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  assert_int_equal(nanswers, 2);
  assert_int_equal(run(&w, P1, 0x10, false), 0);
  assert_int_equal(nstarts, 1); /* a cache hit */
  assert_int_equal(nanswers, 3);
  assert_string_equal(last_result, "\"0x5\"");
  assert_string_equal(last_trust, "verified:quorum:2/3");
  assert_string_equal(last_by, "cache");
  world_down(&w);
}

static void test_what_is_not_cached(void **st) {
  (void)st;
  world w;
  world_up(&w, NULL, false);
  /* a single upstream's answer */
  run(&w, P1, 0x10, false);
  finish_start(0, VT_CALL_OK, "\"0x5\"", "single");
  run(&w, P1, 0x10, false);
  assert_int_equal(nstarts, 2);
  /* an error */
  finish_start(1, VT_CALL_UNAVAILABLE, "{\"reason\":\"x\"}", "none");
  run(&w, P1, 0x10, false);
  assert_int_equal(nstarts, 3);
  finish_start(2, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  /* a block past the head is not cached */
  const char *future = "[\"0x00000000000000000000000000000000000000aa\",\"0x7d0\"]";
  run(&w, future, 2000, false);
  finish_start(3, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  run(&w, future, 2000, false);
  assert_int_equal(nstarts, 5);
  finish_start(4, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  world_down(&w);
}

static void test_latest_with_a_stale_head_is_not_from_memory(void **st) {
  (void)st;
  world w;
  world_up(&w, NULL, false);
  run(&w, P1, 0x10, true);
  finish_start(0, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  run(&w, P1, 0x10, true);
  assert_int_equal(nstarts, 1); /* fresh head: from memory */
  /* no upstream has confirmed a head for longer than the stale window */
  w.pool.ups[0].head_ok_ms = uv_now(&w.loop) - 60000;
  run(&w, P1, 0x10, true);
  assert_int_equal(nstarts, 2);
  finish_start(1, VT_CALL_UNAVAILABLE, "{\"reason\":\"down\"}", "none");
  world_down(&w);
}

static void test_degraded_stale(void **st) {
  (void)st;
  world w;
  world_up(&w, NULL, true);
  run(&w, P1, 0x10, true);
  finish_start(0, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  /* the next head: everything down */
  const char *p2 = "[\"0x00000000000000000000000000000000000000aa\",\"0x11\"]";
  run(&w, p2, 0x11, true);
  finish_start(1, VT_CALL_UNAVAILABLE, "{\"reason\":\"down\"}", "none");
  assert_string_equal(last_result, "\"0x5\"");
  assert_true(strncmp(last_trust, "stale:", 6) == 0);
  assert_non_null(strstr(last_trust, "block=0x10"));
  /* another address never proven: the error stays an error */
  const char *p3 = "[\"0x00000000000000000000000000000000000000bb\",\"0x11\"]";
  run(&w, p3, 0x11, true);
  finish_start(2, VT_CALL_UNAVAILABLE, "{\"reason\":\"down\"}", "none");
  assert_string_equal(last_trust, "none");
  world_down(&w);
}

static void test_lmdb_survives_restart(void **st) {
  (void)st;
  char dir[] = "/tmp/verity-flight-XXXXXX";
  assert_non_null(mkdtemp(dir));
  world w;
  world_up(&w, dir, false);
  /* final (64 blocks below the head of 1000) */
  run(&w, P1, 0x10, false);
  finish_start(0, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  world_down(&w);
  world_up(&w, dir, false);
  run(&w, P1, 0x10, false);
  assert_int_equal(nstarts, 0);
  assert_string_equal(last_by, "lmdb");
  assert_string_equal(last_result, "\"0x5\"");
  /* an unfinalized one is not persisted */
  const char *recent = "[\"0x00000000000000000000000000000000000000aa\",\"0x3e7\"]";
  run(&w, recent, 999, false);
  finish_start(0, VT_CALL_OK, "\"0x6\"", "verified:quorum:2/3");
  world_down(&w);
  world_up(&w, dir, false);
  run(&w, recent, 999, false);
  assert_int_equal(nstarts, 1);
  finish_start(0, VT_CALL_OK, "\"0x6\"", "verified:quorum:2/3");
  world_down(&w);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

/* A store records its chain: another chain's verity refuses it with a clear error. */
static void test_store_of_another_chain_is_refused(void **st) {
  (void)st;
  char dir[] = "/tmp/verity-flight-XXXXXX";
  assert_non_null(mkdtemp(dir));
  world w;
  world_up(&w, dir, false); /* the mainnet defaults: chain 1 */
  world_down(&w);
  memset(&w, 0, sizeof w);
  assert_int_equal(uv_loop_init(&w.loop), 0);
  vt_config_defaults(&w.cfg);
  w.cfg.cache_path = strdup(dir);
  w.cfg.chain_id = 11155111;
  w.pool.loop = &w.loop;
  w.pool.cfg = &w.cfg;
  char err[512] = "";
  assert_null(vt_flights_new(&w.loop, &w.cfg, &w.pool, world_budget, err, sizeof err));
  if (!strstr(err, "chain 1, not of chain 11155111")) fail_msg("error: %s", err);
  vt_config_free(&w.cfg);
  assert_int_equal(uv_loop_close(&w.loop), 0);
  world_up(&w, dir, false); /* the right chain opens it again */
  world_down(&w);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

/* cache.memory: 0: nothing is answered from or kept in memory; LMDB still answers. */
static void test_no_memory_tier(void **st) {
  (void)st;
  char dir[] = "/tmp/verity-flight-XXXXXX";
  assert_non_null(mkdtemp(dir));
  world_budget = 0;
  world w;
  world_up(&w, NULL, false);
  run(&w, P1, 0x10, false);
  finish_start(0, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  run(&w, P1, 0x10, false);
  assert_int_equal(nstarts, 2); /* not from memory */
  finish_start(1, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  vt_flight_stats fs;
  vt_flight_stats_get(w.f, &fs);
  assert_int_equal(fs.hits, 0);
  assert_int_equal(fs.stored, 0);
  assert_int_equal(fs.entries, 0);
  assert_int_equal(fs.budget, 0);
  world_down(&w);
  world_up(&w, dir, false);
  run(&w, P1, 0x10, false);
  finish_start(0, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  for (int i = 0; i < 2; i++) {
    run(&w, P1, 0x10, false);
    assert_int_equal(nstarts, 1);
    assert_string_equal(last_by, "lmdb");
    assert_string_equal(last_result, "\"0x5\"");
    assert_string_equal(last_trust, "verified:quorum:2/3");
  }
  vt_flight_stats_get(w.f, &fs);
  assert_int_equal(fs.lmdb_hits, 2);
  assert_int_equal(fs.entries, 0);
  world_down(&w);
  world_budget = 1 << 20;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

/* verify on: a stored answer to a provable method that was not proven (written while
 * verify was off, or by a verify: false instance sharing Redis) is proven again, not
 * served; verify off, or an unprovable method, may still use it. */
static void test_unproven_store_entry_is_not_served_with_verify(void **st) {
  (void)st;
  char dir[] = "/tmp/verity-flight-XXXXXX";
  assert_non_null(mkdtemp(dir));
  world w;
  world_up(&w, dir, false);
  w.cfg.verify = false;
  run(&w, P1, 0x10, false);
  finish_start(0, VT_CALL_OK, "\"0x5\"", "quorum:2/3");
  world_down(&w);
  world_up(&w, dir, false);
  assert_true(w.cfg.verify); /* the default */
  run(&w, P1, 0x10, false);
  assert_int_equal(nstarts, 1); /* the store's quorum answer was refused: asked again */
  vt_flight_stats fs;
  vt_flight_stats_get(w.f, &fs);
  assert_int_equal(fs.refused_unproven, 1);
  finish_start(0, VT_CALL_OK, "\"0x5\"", "verified:quorum:2/3");
  assert_string_equal(last_trust, "verified:quorum:2/3");
  world_down(&w);
  /* the proven answer replaced it: served from the store after the next restart */
  world_up(&w, dir, false);
  run(&w, P1, 0x10, false);
  assert_int_equal(nstarts, 0);
  assert_string_equal(last_by, "lmdb");
  assert_string_equal(last_trust, "verified:quorum:2/3");
  world_down(&w);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_coalesce_and_cache),
      cmocka_unit_test(test_what_is_not_cached),
      cmocka_unit_test(test_latest_with_a_stale_head_is_not_from_memory),
      cmocka_unit_test(test_degraded_stale),
      cmocka_unit_test(test_lmdb_survives_restart),
      cmocka_unit_test(test_no_memory_tier),
      cmocka_unit_test(test_store_of_another_chain_is_refused),
      cmocka_unit_test(test_unproven_store_entry_is_not_served_with_verify),
  };
  return cmocka_run_group_tests_name("flight", tests, NULL, NULL);
}

/*
 * test_filters.c: the filter engine (src/filters/filters.c, filters_poll.c) over a fake
 * chain: the hooks that would carry sub-calls down the flow answer from a table here
 * (blocks by number with a fork id in the hash; one log per block at the emitter).
 * Checks that a log filter delivers each block's logs once, in order; that after a
 * reorg the logs it had delivered come back with "removed": true followed by the new
 * chain's logs; that a block filter gives every hash in order and the new chain's
 * hashes after a reorg; that a failed sub-call fails the poll and moves no cursor; and
 * unknown ids, uninstall and the cap per client.
 */
#include <jansson.h>
#include <uv.h>

#include "config/config.h"
#include "filters/filters.h"
#include "testutil.h"

#define TOP 64

static uint8_t fork_of[TOP];   /* the fork id of each block number (its hash's last byte) */
static bool fail_calls;

static void hash_hex(uint64_t n, char out[67]) {
  snprintf(out, 67, "0x%062llx%02x", (unsigned long long)n, n < TOP ? fork_of[n] : 0);
}

/* The fake carrier: eth_getBlockByNumber and eth_getLogs over the table. */
static int fake(void *ud, const vt_job *job, vt_answer_cb cb, void *cb_ud) {
  (void)ud;
  json_t *p = json_loadb(job->params.p, job->params.n, 0, NULL);
  char *res = NULL;
  if (!strcmp(job->method, "eth_getBlockByNumber")) {
    uint64_t n = strtoull(json_string_value(json_array_get(p, 0)) + 2, NULL, 16);
    char h[67], ph[67];
    hash_hex(n, h);
    hash_hex(n - 1, ph);
    json_t *o = json_pack("{s:s,s:s}", "hash", h, "parentHash", ph);
    char num[24];
    snprintf(num, sizeof num, "0x%llx", (unsigned long long)n);
    json_object_set_new(o, "number", json_string(num));
    res = json_dumps(o, JSON_COMPACT);
    json_decref(o);
  } else {
    json_t *f = json_array_get(p, 0);
    uint64_t from = strtoull(json_string_value(json_object_get(f, "fromBlock")) + 2, NULL, 16);
    uint64_t to = strtoull(json_string_value(json_object_get(f, "toBlock")) + 2, NULL, 16);
    json_t *arr = json_array();
    for (uint64_t n = from; n <= to; n++) {
      char h[67], num[24], data[24];
      hash_hex(n, h);
      snprintf(num, sizeof num, "0x%llx", (unsigned long long)n);
      snprintf(data, sizeof data, "0x%02x%02x", (unsigned)n, fork_of[n]);
      json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:s}", "blockNumber", num, "blockHash", h, "logIndex", "0x0",
                                           "data", data));
    }
    res = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
  }
  json_decref(p);
  assert_non_null(res);
  vt_answer a = {.outcome = fail_calls ? VT_CALL_UNAVAILABLE : VT_CALL_OK, .result = fail_calls ? "{}" : res,
                 .len = fail_calls ? 2 : strlen(res), .served_by = "up", .trust = {.tier = VT_TRUST_VERIFIED},
                 .method = job->method};
  cb(&a, cb_ud);
  free(res);
  return 0;
}

typedef struct {
  int outcome;
  char *result;
  bool done;
} got;

static void on_answer(const vt_answer *a, void *ud) {
  got *g = ud;
  g->outcome = a->outcome;
  g->result = strndup(a->result, a->len);
  g->done = true;
}

static vt_filters *fs;
static vt_pool pool;
static vt_config cfg;
static uv_loop_t loop;

/* One call; the fake answers synchronously, so the answer is in before this returns. */
static got call(const char *method, const char *params, const char *client) {
  vt_rpc_call rc = {.has_id = true, .params = vt_span_of(params, strlen(params))};
  snprintf(rc.method, sizeof rc.method, "%s", method);
  got g = {0};
  assert_int_equal(vt_filters_handle(fs, &rc, client, on_answer, &g), 0);
  assert_true(g.done);
  return g;
}

static char *new_filter(const char *method, const char *params) {
  got g = call(method, params, "c1");
  assert_int_equal(g.outcome, VT_CALL_OK);
  size_t n = strlen(g.result);
  memmove(g.result, g.result + 1, n - 2); /* strip the quotes */
  g.result[n - 2] = 0;
  return g.result;
}

static json_t *changes(const char *id) {
  char p[64];
  snprintf(p, sizeof p, "[\"%s\"]", id);
  got g = call("eth_getFilterChanges", p, "c1");
  assert_int_equal(g.outcome, VT_CALL_OK);
  json_t *a = json_loads(g.result, 0, NULL);
  assert_true(json_is_array(a));
  free(g.result);
  return a;
}

static int setup(void **state) {
  (void)state;
  memset(fork_of, 0, sizeof fork_of);
  fail_calls = false;
  vt_config_defaults(&cfg);
  cfg.filters_max_per_client = 3;
  uv_loop_init(&loop);
  memset(&pool, 0, sizeof pool);
  pool.loop = &loop;
  pool.head = 10;
  pool.head_known = true;
  char err[200];
  fs = vt_filters_new(&loop, &cfg, &pool, (vt_filters_hooks){.run = fake, .carry = fake, .ud = NULL}, err, sizeof err);
  assert_non_null(fs);
  return 0;
}

static void closed(void *arg) { *(bool *)arg = true; }

static int teardown(void **state) {
  (void)state;
  bool done = false;
  vt_filters_close(fs, closed, &done);
  uv_run(&loop, UV_RUN_DEFAULT);
  assert_true(done);
  vt_filters_free(fs);
  uv_loop_close(&loop);
  vt_config_free(&cfg);
  return 0;
}

static void test_logs_and_reorg(void **state) {
  (void)state;
  char *id = new_filter("eth_newFilter", "[{\"address\":\"0x00000000000000000000000000000000000000aa\"}]");
  json_t *a = changes(id);
  assert_int_equal(json_array_size(a), 0); /* nothing since it was installed at 10 */
  json_decref(a);
  pool.head = 14;
  a = changes(id);
  assert_int_equal(json_array_size(a), 4); /* blocks 11..14, once each */
  assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "blockNumber")), "0xb");
  json_decref(a);
  a = changes(id);
  assert_int_equal(json_array_size(a), 0); /* nothing twice */
  json_decref(a);
  /* blocks 13 and 14 are replaced; the head moves to 15 */
  fork_of[13] = fork_of[14] = fork_of[15] = 1;
  pool.head = 15;
  a = changes(id);
  assert_int_equal(json_array_size(a), 5); /* 14 and 13 removed, then 13, 14, 15 of the new chain */
  assert_true(json_is_true(json_object_get(json_array_get(a, 0), "removed")));
  assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "data")), "0x0e00");
  assert_true(json_is_true(json_object_get(json_array_get(a, 1), "removed")));
  assert_string_equal(json_string_value(json_object_get(json_array_get(a, 1), "data")), "0x0d00");
  for (size_t i = 2; i < 5; i++) assert_null(json_object_get(json_array_get(a, i), "removed"));
  assert_string_equal(json_string_value(json_object_get(json_array_get(a, 2), "data")), "0x0d01");
  assert_string_equal(json_string_value(json_object_get(json_array_get(a, 4), "data")), "0x0f01");
  json_decref(a);
  /* a poll whose sub-calls fail is -32002 and moves nothing */
  pool.head = 16;
  fail_calls = true;
  char p[64];
  snprintf(p, sizeof p, "[\"%s\"]", id);
  got g = call("eth_getFilterChanges", p, "c1");
  assert_int_equal(g.outcome, VT_CALL_UNAVAILABLE);
  free(g.result);
  fail_calls = false;
  a = changes(id);
  assert_int_equal(json_array_size(a), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "blockNumber")), "0x10");
  json_decref(a);
  g = call("eth_uninstallFilter", p, "c1");
  assert_string_equal(g.result, "true");
  free(g.result);
  g = call("eth_getFilterChanges", p, "c1");
  assert_int_equal(g.outcome, VT_CALL_RPC_ERROR);
  assert_non_null(strstr(g.result, "filter not found"));
  free(g.result);
  free(id);
}

static void test_blocks_and_reorg(void **state) {
  (void)state;
  char *id = new_filter("eth_newBlockFilter", "[]");
  pool.head = 13;
  json_t *a = changes(id);
  assert_int_equal(json_array_size(a), 3);
  char h[67];
  hash_hex(11, h);
  assert_string_equal(json_string_value(json_array_get(a, 0)), h);
  json_decref(a);
  fork_of[13] = 2;
  pool.head = 14;
  a = changes(id);
  assert_int_equal(json_array_size(a), 2); /* the new 13, then 14: none skipped */
  hash_hex(13, h);
  assert_string_equal(json_string_value(json_array_get(a, 0)), h);
  json_decref(a);
  /* the per-client cap: 3 */
  char *b = new_filter("eth_newBlockFilter", "[]");
  char *c = new_filter("eth_newBlockFilter", "[]");
  got g = call("eth_newBlockFilter", "[]", "c1");
  assert_int_equal(g.outcome, VT_CALL_RPC_ERROR);
  assert_non_null(strstr(g.result, "-32005"));
  free(g.result);
  g = call("eth_newBlockFilter", "[]", "c2");
  assert_int_equal(g.outcome, VT_CALL_OK);
  free(g.result);
  free(id);
  free(b);
  free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_logs_and_reorg, setup, teardown),
      cmocka_unit_test_setup_teardown(test_blocks_and_reorg, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

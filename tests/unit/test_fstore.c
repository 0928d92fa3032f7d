/*
 * test_fstore.c: the filter table (src/filters/fstore.c): idle filters expire after the
 * ttl and a poll keeps them alive; the per-client and total caps refuse with their own
 * status; the ring of delivered blocks unwinds a reorg, handing back the logs it had
 * delivered with "removed": true and moving the cursor back; the ring is bounded; the
 * JSON form (what travels through Redis) round-trips and refuses what is not a filter.
 */
#include <jansson.h>

#include "filters/fstore.h"
#include "testutil.h"

static vt_filter *mk(const char *id, const char *client) {
  vt_filter *f = vt_filter_new(VT_FK_LOGS);
  assert_non_null(f);
  snprintf(f->id, sizeof f->id, "%s", id);
  snprintf(f->client, sizeof f->client, "%s", client);
  return f;
}

static void hash_of(uint64_t n, uint8_t fork, uint8_t out[32]) {
  memset(out, 0, 32);
  memcpy(out, &n, sizeof n);
  out[31] = fork;
}

static void test_expiry(void **state) {
  (void)state;
  vt_fstore *s = vt_fstore_new(300000, 10, 100);
  assert_int_equal(vt_fstore_add(s, mk("0x1", "a"), 1000), VT_FSTORE_OK);
  assert_int_equal(vt_fstore_add(s, mk("0x2", "a"), 1000), VT_FSTORE_OK);
  assert_int_equal(vt_fstore_expire(s, 1000 + 299999), 0);
  vt_fstore_find(s, "0x2")->touched_ms = 200000; /* polled later: stays */
  assert_int_equal(vt_fstore_expire(s, 1000 + 300000), 1);
  assert_null(vt_fstore_find(s, "0x1"));
  assert_non_null(vt_fstore_find(s, "0x2"));
  assert_int_equal(vt_fstore_expire(s, 200000 + 300000), 1);
  assert_int_equal(vt_fstore_count(s), 0);
  vt_fstore_free(s);
}

static void test_caps(void **state) {
  (void)state;
  vt_fstore *s = vt_fstore_new(1000, 2, 3);
  assert_int_equal(vt_fstore_add(s, mk("0x1", "a"), 0), VT_FSTORE_OK);
  assert_int_equal(vt_fstore_add(s, mk("0x2", "a"), 0), VT_FSTORE_OK);
  vt_filter *f = mk("0x3", "a");
  assert_int_equal(vt_fstore_add(s, f, 0), VT_FSTORE_CLIENT_FULL);
  snprintf(f->client, sizeof f->client, "b");
  assert_int_equal(vt_fstore_add(s, f, 0), VT_FSTORE_OK);
  vt_filter *g = mk("0x4", "c");
  assert_int_equal(vt_fstore_add(s, g, 0), VT_FSTORE_FULL);
  vt_filter *dup = mk("0x1", "c");
  assert_int_equal(vt_fstore_add(s, dup, 0), VT_FSTORE_EXISTS);
  vt_filter_free(dup);
  assert_int_equal(vt_fstore_client_count(s, "a"), 2);
  assert_true(vt_fstore_remove(s, "0x1"));
  assert_false(vt_fstore_remove(s, "0x1"));
  assert_int_equal(vt_fstore_add(s, g, 0), VT_FSTORE_OK);
  /* put: a copy from Redis replaces in place; a new id is dropped when full */
  vt_filter *r = mk("0x2", "a");
  r->cursor = 77;
  assert_true(vt_fstore_put(s, r, 5));
  assert_int_equal(vt_fstore_find(s, "0x2")->cursor, 77);
  assert_false(vt_fstore_put(s, mk("0x9", "z"), 5));
  assert_int_equal(vt_fstore_count(s), 3);
  vt_fstore_free(s);
}

static void test_reorg(void **state) {
  (void)state;
  vt_filter *f = mk("0x1", "a");
  uint8_t h[32];
  for (uint64_t n = 10; n <= 12; n++) {
    char logs[128];
    snprintf(logs, sizeof logs, "[{\"blockNumber\":\"0x%llx\",\"logIndex\":\"0x0\"}]", (unsigned long long)n);
    hash_of(n, 0, h);
    assert_true(vt_filter_note_block(f, n, h, n == 11 ? NULL : logs));
  }
  hash_of(12, 0, h);
  assert_true(vt_filter_note_block(f, 12, h, NULL)); /* the range end merges, keeps its logs */
  assert_int_equal(f->nring, 3);
  hash_of(9, 0, h);
  assert_false(vt_filter_note_block(f, 9, h, NULL)); /* never backwards */
  f->cursor = 13;
  /* block 12 changed: its logs come back removed, the cursor goes back to 12 */
  char *rm = vt_filter_pop_removed(f);
  json_t *a = json_loads(rm, 0, NULL);
  assert_int_equal(json_array_size(a), 1);
  assert_true(json_is_true(json_object_get(json_array_get(a, 0), "removed")));
  assert_string_equal(json_string_value(json_object_get(json_array_get(a, 0), "blockNumber")), "0xc");
  json_decref(a);
  free(rm);
  assert_int_equal(f->cursor, 12);
  assert_int_equal(vt_filter_last(f)->number, 11);
  rm = vt_filter_pop_removed(f); /* a block without logs: nothing removed */
  assert_string_equal(rm, "[]");
  free(rm);
  assert_int_equal(f->cursor, 11);
  /* the new chain's block 11 goes back in */
  hash_of(11, 1, h);
  assert_true(vt_filter_note_block(f, 11, h, NULL));
  assert_int_equal(vt_filter_last(f)->hash[31], 1);
  vt_filter_free(f);
}

static void test_ring_bounded(void **state) {
  (void)state;
  vt_filter *f = mk("0x1", "a");
  uint8_t h[32];
  char *big = malloc(VT_FILTER_LOGS_MAX / 4 + 3);
  big[0] = '[';
  memset(big + 1, ' ', VT_FILTER_LOGS_MAX / 4);
  big[VT_FILTER_LOGS_MAX / 4 + 1] = ']';
  big[VT_FILTER_LOGS_MAX / 4 + 2] = 0;
  for (uint64_t n = 1; n <= 100; n++) {
    hash_of(n, 0, h);
    assert_true(vt_filter_note_block(f, n, h, n % 10 == 0 ? big : NULL));
    assert_true(f->nring <= VT_FILTER_RING);
    assert_true(f->logs_bytes <= VT_FILTER_LOGS_MAX);
  }
  /* four big entries pass the byte cap: the oldest blocks went to make room */
  assert_true(f->nring < VT_FILTER_RING && f->nring > 1);
  assert_int_equal(vt_filter_last(f)->number, 100);
  free(big);
  vt_filter_free(f);
  f = mk("0x2", "a"); /* without logs only the entry count bounds it */
  for (uint64_t n = 1; n <= 100; n++) {
    hash_of(n, 0, h);
    assert_true(vt_filter_note_block(f, n, h, NULL));
  }
  assert_int_equal(f->nring, VT_FILTER_RING);
  assert_int_equal(f->ring[0].number, 100 - VT_FILTER_RING + 1);
  vt_filter_free(f);
}

static void test_json(void **state) {
  (void)state;
  vt_filter *f = mk("0xabc", "127.0.0.1");
  f->crit = strdup("{\"address\":\"0x00000000000000000000000000000000000000aa\"}");
  f->has_to = true;
  f->to = 99;
  f->cursor = 42;
  uint8_t h[32];
  hash_of(41, 7, h);
  assert_true(vt_filter_note_block(f, 41, h, "[{\"x\":1}]"));
  size_t n;
  char *s = vt_filter_to_json(f, &n);
  assert_non_null(s);
  vt_filter *g = vt_filter_from_json(s, n);
  assert_non_null(g);
  assert_string_equal(g->id, "0xabc");
  assert_string_equal(g->client, "127.0.0.1");
  assert_string_equal(g->crit, f->crit);
  assert_false(g->has_from);
  assert_true(g->has_to);
  assert_int_equal(g->to, 99);
  assert_int_equal(g->cursor, 42);
  assert_int_equal(g->nring, 1);
  assert_memory_equal(g->ring[0].hash, h, 32);
  assert_string_equal(g->ring[0].logs, "[{\"x\":1}]");
  vt_filter *d = vt_filter_dup(g);
  assert_string_equal(d->ring[0].logs, g->ring[0].logs);
  assert_ptr_not_equal(d->ring[0].logs, g->ring[0].logs);
  free(s);
  vt_filter_free(d);
  vt_filter_free(g);
  vt_filter_free(f);
  static const char *const bad[] = {
      "{\"v\":1,\"gone\":true}", "[]", "{\"v\":2,\"id\":\"0x1\",\"k\":1,\"c\":\"\",\"cur\":1,\"ring\":[]}",
      "{\"v\":1,\"id\":\"0x1\",\"k\":9,\"c\":\"\",\"cur\":1,\"ring\":[]}",
      "{\"v\":1,\"id\":\"0x1\",\"k\":1,\"c\":\"\",\"cur\":-1,\"ring\":[]}",
      "{\"v\":1,\"id\":\"0x1\",\"k\":1,\"c\":\"\",\"cur\":1,\"from\":null,\"to\":null,\"ring\":[[1,\"0x12\",null]]}",
      "not json",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_null(vt_filter_from_json(bad[i], strlen(bad[i])));
  const char *ok = "{\"v\":1,\"id\":\"0x1\",\"k\":2,\"c\":\"\",\"up\":\"\",\"upid\":\"\",\"cur\":1,\"from\":null,\"to\":null,\"ring\":[]}";
  vt_filter *o = vt_filter_from_json(ok, strlen(ok));
  assert_non_null(o);
  assert_int_equal(o->kind, VT_FK_BLOCKS);
  vt_filter_free(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_expiry),     cmocka_unit_test(test_caps), cmocka_unit_test(test_reorg),
      cmocka_unit_test(test_ring_bounded), cmocka_unit_test(test_json),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

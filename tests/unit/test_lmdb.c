/*
 * test_lmdb.c: the LMDB store (src/store/lmdb.c) in a fresh temporary directory per test.
 *
 * Covers: argument caps (map size, key length, unfinalized entries, blob names), the
 * entry round trip and persistence across close/reopen, read-your-writes inside a
 * batch, acknowledgement (committed_seq) by count, by age through vt_lmdb_tick and by
 * flush, blob slots, delete, and a 1 MiB map filled far past its size (eviction keeps
 * puts succeeding; everything left decodes). The kill -9 test is test_lmdb_crash.c.
 */
#include "testutil.h"

#include <unistd.h>

#include "store/lmdb.h"

static char g_dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(g_dir, sizeof g_dir, "/tmp/vt_lmdb_XXXXXX");
  return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  char p[128];
  snprintf(p, sizeof p, "%s/data.mdb", g_dir);
  unlink(p);
  snprintf(p, sizeof p, "%s/lock.mdb", g_dir);
  unlink(p);
  return rmdir(g_dir);
}

static vt_lmdb *open_db(size_t map) {
  char err[256];
  vt_lmdb *db = NULL;
  int rc = vt_lmdb_open(g_dir, map, &db, err, sizeof err);
  if (rc != 0) fprintf(stderr, "open: %s\n", err);
  assert_int_equal(rc, 0);
  return db;
}

static vt_cache_meta fin_meta(uint64_t block) {
  vt_cache_meta m;
  memset(&m, 0, sizeof m);
  snprintf(m.trust, sizeof m.trust, "verified:lightclient:finalized");
  m.block_number = block;
  m.finalized = true;
  m.has_hash = true;
  memset(m.block_hash, 0xcd, 32);
  m.inserted_ms = 1234;
  return m;
}

static void test_open_caps(void **state) {
  (void)state;
  char err[256];
  vt_lmdb *db = (vt_lmdb *)1;
  assert_int_equal(vt_lmdb_open(g_dir, 1000, &db, err, sizeof err), -1);
  assert_null(db);
  assert_non_null(strstr(err, "map size"));
  assert_int_equal(vt_lmdb_open("", 1 << 20, &db, err, sizeof err), -1);
  assert_int_equal(vt_lmdb_open("/proc/self/status/x", 1 << 20, &db, err, sizeof err), -1);
  assert_non_null(strstr(err, "lmdb:"));
  db = open_db(1 << 20);
  assert_int_equal(vt_lmdb_set_batch(db, 0, 10), VT_LMDB_E_ARG);
  assert_int_equal(vt_lmdb_set_batch(db, 10, VT_LMDB_BATCH_MS_MAX + 1), VT_LMDB_E_ARG);
  vt_cache_meta m = fin_meta(1);
  static uint8_t key[VT_LMDB_KEY_MAX + 1];
  memset(key, 'k', sizeof key);
  assert_int_equal(vt_lmdb_put(db, key, sizeof key, "v", 1, &m, NULL), VT_LMDB_E_ARG);
  assert_non_null(strstr(vt_lmdb_errmsg(db), "finalized only"));
  assert_int_equal(vt_lmdb_put(db, key, VT_LMDB_KEY_MAX, "v", 1, &m, NULL), VT_LMDB_OK);
  m.finalized = false;
  assert_int_equal(vt_lmdb_put(db, "k", 1, "v", 1, &m, NULL), VT_LMDB_E_ARG);
  m = fin_meta(1);
  snprintf(m.trust, sizeof m.trust, "bad trust");
  assert_int_equal(vt_lmdb_put(db, "k", 1, "v", 1, &m, NULL), VT_LMDB_E_ARG);
  char name[VT_LMDB_BLOB_NAME_MAX + 2];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = 0;
  assert_int_equal(vt_lmdb_put_blob(db, name, "x", 1), VT_LMDB_E_ARG);
  assert_int_equal(vt_lmdb_put_blob(db, "", "x", 1), VT_LMDB_E_ARG);
  vt_lmdb_close(db);
}

static void test_roundtrip_persist(void **state) {
  (void)state;
  vt_lmdb *db = open_db(8 << 20);
  assert_int_equal(vt_lmdb_set_batch(db, 10, VT_LMDB_BATCH_MS_MAX), VT_LMDB_OK);
  vt_cache_meta m = fin_meta(19000000), got;
  uint64_t seq = 0;
  for (int i = 0; i < 5; i++) {
    char k[16], v[32];
    snprintf(k, sizeof k, "key%d", i);
    snprintf(v, sizeof v, "value-%d", i);
    assert_int_equal(vt_lmdb_put(db, k, strlen(k), v, strlen(v), &m, &seq), VT_LMDB_OK);
  }
  assert_int_equal(seq, 5);
  assert_int_equal(vt_lmdb_committed_seq(db), 0); /* batched, not acknowledged yet */
  assert_false(vt_lmdb_acked(db, 5));
  uint8_t *v = NULL;
  size_t n = 0;
  assert_int_equal(vt_lmdb_get(db, "key3", 4, &v, &n, &got), VT_LMDB_OK); /* read-your-writes */
  assert_int_equal(n, 7);
  assert_memory_equal(v, "value-3", 7);
  free(v);
  assert_string_equal(got.trust, "verified:lightclient:finalized");
  assert_int_equal(got.block_number, 19000000);
  assert_true(got.finalized && got.has_hash);
  assert_int_equal(got.inserted_ms, 1234);
  for (int i = 5; i < 10; i++) {
    char k[16];
    snprintf(k, sizeof k, "key%d", i);
    assert_int_equal(vt_lmdb_put(db, k, strlen(k), "x", 1, &m, &seq), VT_LMDB_OK);
  }
  assert_int_equal(vt_lmdb_committed_seq(db), 10); /* the 10th put committed the batch */
  assert_true(vt_lmdb_acked(db, 5) && vt_lmdb_acked(db, 10) && !vt_lmdb_acked(db, 11));
  assert_int_equal(vt_lmdb_put(db, "late", 4, "y", 1, &m, &seq), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_committed_seq(db), 10);
  assert_int_equal(vt_lmdb_delete(db, "key0", 4), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_committed_seq(db), 11); /* delete commits, with the batch */
  assert_int_equal(vt_lmdb_delete(db, "key0", 4), VT_LMDB_NOTFOUND);
  assert_int_equal(vt_lmdb_get(db, "nope", 4, &v, &n, &got), VT_LMDB_NOTFOUND);
  assert_int_equal(vt_lmdb_put(db, "unacked", 7, "z", 1, &m, &seq), VT_LMDB_OK);
  vt_lmdb_stats st;
  vt_lmdb_stats_get(db, &st);
  assert_int_equal(st.pending, 1);
  assert_int_equal(st.hits, 1);
  assert_int_equal(st.misses, 1);
  vt_lmdb_close(db); /* close commits the pending put */

  db = open_db(8 << 20);
  assert_int_equal(vt_lmdb_get(db, "key9", 4, &v, &n, NULL), VT_LMDB_OK);
  assert_memory_equal(v, "x", 1);
  free(v);
  assert_int_equal(vt_lmdb_get(db, "unacked", 7, &v, &n, NULL), VT_LMDB_OK);
  free(v);
  assert_int_equal(vt_lmdb_get(db, "key0", 4, &v, &n, NULL), VT_LMDB_NOTFOUND);
  vt_lmdb_close(db);
}

static void test_tick(void **state) {
  (void)state;
  vt_lmdb *db = open_db(4 << 20);
  assert_int_equal(vt_lmdb_set_batch(db, 1000, 30), VT_LMDB_OK);
  vt_cache_meta m = fin_meta(1);
  uint64_t seq;
  assert_int_equal(vt_lmdb_put(db, "a", 1, "1", 1, &m, &seq), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_tick(db), VT_LMDB_OK);
  assert_true(vt_lmdb_committed_seq(db) < seq);
  usleep(40 * 1000);
  assert_int_equal(vt_lmdb_tick(db), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_committed_seq(db), seq);
  /* an old batch also commits on the next put */
  assert_int_equal(vt_lmdb_put(db, "b", 1, "2", 1, &m, &seq), VT_LMDB_OK);
  usleep(40 * 1000);
  assert_int_equal(vt_lmdb_put(db, "c", 1, "3", 1, &m, &seq), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_committed_seq(db), seq);
  assert_int_equal(vt_lmdb_set_batch(db, 1, 0), VT_LMDB_OK); /* every put commits */
  assert_int_equal(vt_lmdb_put(db, "d", 1, "4", 1, &m, &seq), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_committed_seq(db), seq);
  vt_lmdb_close(db);
}

static void test_blobs(void **state) {
  (void)state;
  vt_lmdb *db = open_db(4 << 20);
  uint8_t *b = NULL;
  size_t n = 0;
  assert_int_equal(vt_lmdb_get_blob(db, "lightclient", &b, &n), VT_LMDB_NOTFOUND);
  uint8_t state1[3000];
  for (size_t i = 0; i < sizeof state1; i++) state1[i] = (uint8_t)(i * 7);
  assert_int_equal(vt_lmdb_put_blob(db, "lightclient", state1, sizeof state1), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_put_blob(db, "lightclient", state1, 100), VT_LMDB_OK); /* overwrite */
  assert_int_equal(vt_lmdb_put_blob(db, "empty", NULL, 0), VT_LMDB_OK);
  vt_lmdb_close(db);
  db = open_db(4 << 20);
  assert_int_equal(vt_lmdb_get_blob(db, "lightclient", &b, &n), VT_LMDB_OK);
  assert_int_equal(n, 100);
  assert_memory_equal(b, state1, 100);
  free(b);
  assert_int_equal(vt_lmdb_get_blob(db, "empty", &b, &n), VT_LMDB_OK);
  assert_int_equal(n, 0);
  free(b);
  /* a blob name is not an entry key */
  uint8_t *v;
  assert_int_equal(vt_lmdb_get(db, "lightclient", 11, &v, &n, NULL), VT_LMDB_NOTFOUND);
  vt_lmdb_close(db);
}

static void test_map_full(void **state) {
  (void)state;
  vt_lmdb *db = open_db(1 << 20);
  assert_int_equal(vt_lmdb_set_batch(db, 8, 1000), VT_LMDB_OK);
  vt_cache_meta m = fin_meta(7);
  uint8_t val[3000];
  memset(val, 0x42, sizeof val);
  for (int i = 0; i < 2000; i++) {
    char k[16];
    snprintf(k, sizeof k, "big%05d", i);
    vt_lmdb_status s = vt_lmdb_put(db, k, strlen(k), val, sizeof val, &m, NULL);
    if (s != VT_LMDB_OK) fprintf(stderr, "put %d: %s\n", i, vt_lmdb_errmsg(db));
    assert_int_equal(s, VT_LMDB_OK);
  }
  assert_int_equal(vt_lmdb_flush(db), VT_LMDB_OK);
  vt_lmdb_stats st;
  vt_lmdb_stats_get(db, &st);
  fprintf(stderr, "map full: evicted %llu, dropped %llu, used %zu of %zu\n",
          (unsigned long long)st.evicted, (unsigned long long)st.dropped, st.map_used, st.map_size);
  assert_true(st.evicted > 0);
  assert_true(st.dropped > 0);
  assert_false(vt_lmdb_acked(db, 1)); /* lost with a dropped batch, or conservatively so */
  uint64_t last;
  assert_int_equal(vt_lmdb_put(db, "after", 5, "x", 1, &m, &last), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_flush(db), VT_LMDB_OK);
  assert_true(vt_lmdb_acked(db, last));
  assert_true(st.map_used <= (1u << 20) + (256u << 10)); /* map + eviction headroom */
  unsigned found = 0;
  for (int i = 0; i < 2000; i++) {
    char k[16];
    uint8_t *v;
    size_t n;
    vt_cache_meta got;
    snprintf(k, sizeof k, "big%05d", i);
    if (vt_lmdb_get(db, k, strlen(k), &v, &n, &got) != VT_LMDB_OK) continue;
    found++;
    assert_int_equal(n, sizeof val);
    assert_memory_equal(v, val, n);
    assert_int_equal(got.block_number, 7);
    free(v);
  }
  assert_true(found > 0);
  vt_lmdb_close(db);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_open_caps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_roundtrip_persist, setup, teardown),
      cmocka_unit_test_setup_teardown(test_tick, setup, teardown),
      cmocka_unit_test_setup_teardown(test_blobs, setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

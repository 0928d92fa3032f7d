/*
 * test_lmdb.c: the LMDB store (src/store/lmdb.c) in a fresh temporary directory per test.
 *
 * Covers: argument caps (map size, key length, unfinalized entries, blob names), the
 * entry round trip and persistence across close/reopen, read-your-writes inside a
 * batch, acknowledgement (committed_seq) by count, by age through vt_lmdb_tick and by
 * flush, blob slots (round trip, overwrite, empty, oversized, a name is not a cache key,
 * a flipped byte in data.mdb reads as corrupt, never as data), a second open of the same
 * directory sharing one handle (LMDB allows one environment per process), delete, and a
 * 1 MiB map filled far past its size (eviction keeps puts succeeding; everything left
 * decodes). The kill -9 test is test_lmdb_crash.c.
 */
#include "testutil.h"

#include <sys/stat.h>
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

static void test_blob_caps(void **state) {
  (void)state;
  vt_lmdb *db = open_db(64 << 20);
  uint8_t *big = calloc(1, VT_LMDB_BLOB_MAX + 1), *b = NULL;
  size_t n = 0;
  assert_non_null(big);
  assert_int_equal(vt_lmdb_put_blob(db, "lightclient", big, VT_LMDB_BLOB_MAX + 1), VT_LMDB_E_ARG);
  assert_non_null(strstr(vt_lmdb_errmsg(db), "16 MiB"));
  assert_int_equal(vt_lmdb_put_blob(db, "lightclient", NULL, 5), VT_LMDB_E_ARG);
  assert_int_equal(vt_lmdb_get_blob(db, "lightclient", &b, &n), VT_LMDB_NOTFOUND);
  big[0] = 1;
  big[VT_LMDB_BLOB_MAX - 1] = 2;
  assert_int_equal(vt_lmdb_put_blob(db, "lightclient", big, VT_LMDB_BLOB_MAX), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_get_blob(db, "lightclient", &b, &n), VT_LMDB_OK);
  assert_int_equal(n, VT_LMDB_BLOB_MAX);
  assert_true(b[0] == 1 && b[VT_LMDB_BLOB_MAX - 1] == 2);
  free(b);
  /* an entry key that spells a blob name stays a separate record */
  vt_cache_meta m = fin_meta(9);
  assert_int_equal(vt_lmdb_put(db, "lightclient", 11, "entry", 5, &m, NULL), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_put_blob(db, "lightclient", "blob", 4), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_get_blob(db, "lightclient", &b, &n), VT_LMDB_OK);
  assert_int_equal(n, 4);
  assert_memory_equal(b, "blob", 4);
  free(b);
  assert_int_equal(vt_lmdb_get(db, "lightclient", 11, &b, &n, NULL), VT_LMDB_OK);
  assert_memory_equal(b, "entry", 5);
  free(b);
  free(big);
  vt_lmdb_close(db);
}

/* Flip a byte of every copy of the blob's bytes in data.mdb (LMDB does not checksum
 * pages): the read must say corrupt, not hand back the changed bytes. */
static void test_blob_corrupt(void **state) {
  (void)state;
  uint8_t pat[2000], *b = NULL;
  size_t n = 0, flen = 0;
  for (size_t i = 0; i < sizeof pat; i++) pat[i] = (uint8_t)(i * 13 + 5);
  vt_lmdb *db = open_db(4 << 20);
  assert_int_equal(vt_lmdb_put_blob(db, "lightclient", pat, sizeof pat), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_put_blob(db, "other", "fine", 4), VT_LMDB_OK);
  vt_lmdb_close(db);
  char p[128];
  snprintf(p, sizeof p, "%s/data.mdb", g_dir);
  char *file = read_file(p, &flen);
  assert_non_null(file);
  unsigned flipped = 0;
  for (char *at = file; (at = memmem(at, flen - (size_t)(at - file), pat, 64)) != NULL; at += 64) {
    at[100] ^= 0x20;
    flipped++;
  }
  assert_true(flipped >= 1);
  FILE *f = fopen(p, "r+b");
  assert_non_null(f);
  assert_int_equal(fwrite(file, 1, flen, f), flen);
  fclose(f);
  free(file);
  db = open_db(4 << 20);
  assert_int_equal(vt_lmdb_get_blob(db, "lightclient", &b, &n), VT_LMDB_E_CORRUPT);
  assert_null(b);
  assert_non_null(strstr(vt_lmdb_errmsg(db), "checksum"));
  assert_int_equal(vt_lmdb_get_blob(db, "other", &b, &n), VT_LMDB_OK); /* the rest is fine */
  assert_memory_equal(b, "fine", 4);
  free(b);
  /* a rewrite repairs the slot */
  assert_int_equal(vt_lmdb_put_blob(db, "lightclient", pat, sizeof pat), VT_LMDB_OK);
  assert_int_equal(vt_lmdb_get_blob(db, "lightclient", &b, &n), VT_LMDB_OK);
  assert_memory_equal(b, pat, sizeof pat);
  free(b);
  vt_lmdb_close(db);
}

/* Two opens of one directory in one process: one handle, the larger map, usable until
 * the last reference is closed; a path to the same directory is the same directory. */
static void test_shared_open(void **state) {
  (void)state;
  char err[256], alias[128];
  vt_lmdb *a = open_db(1 << 20), *b = NULL, *c = NULL;
  snprintf(alias, sizeof alias, "%s/./", g_dir);
  assert_int_equal(vt_lmdb_open(alias, 8 << 20, &b, err, sizeof err), 0);
  assert_ptr_equal(a, b);
  vt_lmdb_stats st;
  vt_lmdb_stats_get(a, &st);
  assert_int_equal(st.map_size, 8 << 20);
  vt_cache_meta m = fin_meta(3);
  assert_int_equal(vt_lmdb_put(a, "k", 1, "v", 1, &m, NULL), VT_LMDB_OK);
  vt_lmdb_close(a); /* b's reference keeps it open; the put is committed */
  uint8_t *v = NULL;
  size_t n = 0;
  assert_int_equal(vt_lmdb_get(b, "k", 1, &v, &n, NULL), VT_LMDB_OK);
  free(v);
  assert_int_equal(vt_lmdb_put_blob(b, "lightclient", "s", 1), VT_LMDB_OK);
  /* another directory is another handle */
  char other[64];
  snprintf(other, sizeof other, "%s/sub", g_dir);
  assert_int_equal(vt_lmdb_open(other, 1 << 20, &c, err, sizeof err), 0);
  assert_ptr_not_equal(b, c);
  vt_lmdb_close(c);
  vt_lmdb_close(b);
  char p[128];
  snprintf(p, sizeof p, "%s/data.mdb", other);
  unlink(p);
  snprintf(p, sizeof p, "%s/lock.mdb", other);
  unlink(p);
  assert_int_equal(rmdir(other), 0);
  /* closed for good: a new open sees the committed data */
  a = open_db(1 << 20);
  assert_int_equal(vt_lmdb_get_blob(a, "lightclient", &v, &n), VT_LMDB_OK);
  assert_int_equal(n, 1);
  free(v);
  vt_lmdb_close(a);
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
      cmocka_unit_test_setup_teardown(test_blob_caps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_blob_corrupt, setup, teardown),
      cmocka_unit_test_setup_teardown(test_shared_open, setup, teardown),
      cmocka_unit_test_setup_teardown(test_map_full, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

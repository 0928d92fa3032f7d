/*
 * test_cache.c: the in-memory cache (src/store/cache.c) and the shared entry codec.
 *
 * Covers put/get/replace/delete with the header round trip, every input cap, the byte
 * budget never being passed, reorg drops by height and by hash (finalized entries
 * untouched, index groups freed), lookups, replaces and deletes during incremental
 * table growth, a randomized check against a reference model, a hot
 * set surviving a long scan (SIEVE), the codec rejecting every truncation, and a stress
 * run: 1,000,000 distinct keys with ~100-byte values into a 64 MiB budget while RSS
 * (from /proc/self/statm) grows by less than the budget plus a small constant. Under
 * ASan the RSS bound is not checked (shadow memory and quarantine), the rest is.
 */
#include "testutil.h"

#include <unistd.h>

#include "store/cache.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#else
#define UNDER_ASAN 0
#endif

static vt_cache_meta meta_of(const char *trust, uint64_t block, bool fin, int hashbyte) {
  vt_cache_meta m;
  memset(&m, 0, sizeof m);
  snprintf(m.trust, sizeof m.trust, "%s", trust);
  m.block_number = block;
  m.finalized = fin;
  if (hashbyte >= 0) {
    m.has_hash = true;
    memset(m.block_hash, hashbyte, 32);
  }
  m.inserted_ms = 1700000000000ull;
  return m;
}

static vt_cache *mk(size_t budget) {
  char err[200];
  vt_cache *c = vt_cache_new(budget, err, sizeof err);
  assert_non_null(c);
  return c;
}

static bool has(vt_cache *c, const char *k) {
  const uint8_t *v;
  size_t n;
  return vt_cache_get(c, k, strlen(k), &v, &n, NULL);
}

static void test_basic(void **state) {
  (void)state;
  vt_cache *c = mk(1 << 20);
  vt_cache_meta m = meta_of("verified:quorum:2/3", 19000000, false, 0xab), got;
  assert_int_equal(vt_cache_put(c, "k1", 2, "hello", 5, &m), VT_CACHE_OK);
  const uint8_t *v;
  size_t n;
  assert_true(vt_cache_get(c, "k1", 2, &v, &n, &got));
  assert_int_equal(n, 5);
  assert_memory_equal(v, "hello", 5);
  assert_string_equal(got.trust, "verified:quorum:2/3");
  assert_int_equal(got.block_number, 19000000);
  assert_true(got.has_hash);
  assert_memory_equal(got.block_hash, m.block_hash, 32);
  assert_false(got.finalized);
  assert_int_equal(got.inserted_ms, 1700000000000ull);
  assert_false(vt_cache_get(c, "k2", 2, &v, &n, NULL));

  /* replace: new value and header, one entry */
  vt_cache_meta m2 = meta_of("verified:lightclient:finalized", 5, true, -1);
  m2.inserted_ms = 0; /* stamped now */
  assert_int_equal(vt_cache_put(c, "k1", 2, "", 0, &m2), VT_CACHE_OK);
  assert_true(vt_cache_get(c, "k1", 2, &v, &n, &got));
  assert_int_equal(n, 0);
  assert_true(got.finalized);
  assert_false(got.has_hash);
  assert_true(got.inserted_ms > 1700000000000ull);
  vt_cache_stats st;
  vt_cache_stats_get(c, &st);
  assert_int_equal(st.entries, 1);
  assert_int_equal(st.replaces, 1);
  assert_int_equal(st.hits, 2);
  assert_int_equal(st.misses, 1);
  assert_int_equal(st.blocks, 0); /* the unfinalized group went with the old entry */
  assert_true(vt_cache_delete(c, "k1", 2));
  assert_false(vt_cache_delete(c, "k1", 2));
  assert_false(has(c, "k1"));
  vt_cache_stats_get(c, &st);
  assert_int_equal(st.entries, 0);
  assert_int_equal(st.bytes, st.table_bytes);
  vt_cache_free(c);
}

static void test_caps(void **state) {
  (void)state;
  char err[200];
  assert_null(vt_cache_new(1000, err, sizeof err));
  assert_non_null(strstr(err, "outside"));
  assert_null(vt_cache_new(VT_CACHE_BUDGET_MAX + 1, err, sizeof err));
  vt_cache *c = mk(1 << 20);
  vt_cache_meta m = meta_of("single", 1, true, -1);
  static uint8_t big[(1 << 20) / 8 + 1], key[VT_CACHE_KEY_MAX + 1];
  memset(key, 'k', sizeof key);
  assert_int_equal(vt_cache_put(c, key, VT_CACHE_KEY_MAX, "v", 1, &m), VT_CACHE_OK);
  assert_int_equal(vt_cache_put(c, key, VT_CACHE_KEY_MAX + 1, "v", 1, &m), VT_CACHE_E_ARG);
  assert_int_equal(vt_cache_put(c, key, 0, "v", 1, &m), VT_CACHE_E_ARG);
  assert_int_equal(vt_cache_put(c, "k", 1, big, sizeof big - 1, &m), VT_CACHE_OK);
  assert_int_equal(vt_cache_put(c, "k", 1, big, sizeof big, &m), VT_CACHE_E_TOO_BIG);
  /* a refused replacement does not leave the superseded value to be served */
  assert_false(has(c, "k"));
  vt_cache_meta bad = meta_of("has space", 1, true, -1);
  assert_int_equal(vt_cache_put(c, "x", 1, "v", 1, &bad), VT_CACHE_E_ARG);
  bad = meta_of("", 1, true, -1);
  assert_int_equal(vt_cache_put(c, "x", 1, "v", 1, &bad), VT_CACHE_E_ARG);
  memset(bad.trust, 'a', sizeof bad.trust); /* no NUL inside the array */
  assert_int_equal(vt_cache_put(c, "x", 1, "v", 1, &bad), VT_CACHE_E_ARG);
  memset(bad.trust, 0, sizeof bad.trust);
  memset(bad.trust, 'a', VT_CACHE_TRUST_MAX);
  assert_int_equal(vt_cache_put(c, "x", 1, "v", 1, &bad), VT_CACHE_OK);
  assert_int_equal(vt_cache_put(c, "x", 1, "v", 1, NULL), VT_CACHE_E_ARG);
  assert_int_equal(vt_cache_put(c, "x", 1, NULL, 1, &m), VT_CACHE_E_ARG);
  vt_cache_stats st;
  vt_cache_stats_get(c, &st);
  assert_int_equal(st.rejected, 8);
  assert_string_equal(vt_cache_status_str(VT_CACHE_E_TOO_BIG), "value larger than budget/8");
  vt_cache_free(c);
}

static void test_budget_respected(void **state) {
  (void)state;
  size_t budget = 256 * 1024;
  vt_cache *c = mk(budget);
  vt_cache_meta m = meta_of("verified:lightclient", 0, true, -1);
  uint8_t val[4000];
  memset(val, 7, sizeof val);
  vt_cache_stats st;
  for (int i = 0; i < 20000; i++) {
    char k[32];
    int kl = snprintf(k, sizeof k, "key-%d", i);
    m.finalized = i % 3 == 0;
    m.block_number = (uint64_t)(i % 50);
    assert_int_equal(vt_cache_put(c, k, (size_t)kl, val, (size_t)(i * 37) % sizeof val, &m), VT_CACHE_OK);
    vt_cache_stats_get(c, &st);
    assert_true(st.bytes <= budget);
  }
  assert_true(st.evictions > 0);
  assert_true(st.entries > 50);
  assert_true(has(c, "key-19999"));
  vt_cache_free(c);
}

static void test_reorg(void **state) {
  (void)state;
  vt_cache *c = mk(1 << 20);
  char k[32];
  /* blocks 100..109 unfinalized (with hash byte = block), plus hashless entries and
   * finalized entries at the same heights */
  for (int b = 100; b < 110; b++) {
    for (int j = 0; j < 3; j++) {
      vt_cache_meta m = meta_of("quorum:2/3", (uint64_t)b, false, b);
      snprintf(k, sizeof k, "u-%d-%d", b, j);
      assert_int_equal(vt_cache_put(c, k, strlen(k), "v", 1, &m), VT_CACHE_OK);
      m = meta_of("quorum:2/3", (uint64_t)b, false, -1);
      snprintf(k, sizeof k, "n-%d-%d", b, j);
      assert_int_equal(vt_cache_put(c, k, strlen(k), "v", 1, &m), VT_CACHE_OK);
      m = meta_of("verified:lightclient:finalized", (uint64_t)b, true, b);
      snprintf(k, sizeof k, "f-%d-%d", b, j);
      assert_int_equal(vt_cache_put(c, k, strlen(k), "v", 1, &m), VT_CACHE_OK);
    }
  }
  vt_cache_stats st;
  vt_cache_stats_get(c, &st);
  assert_int_equal(st.entries, 90);
  assert_int_equal(st.blocks, 20);
  /* reorg at 107: blocks 108, 109 go */
  assert_int_equal(vt_cache_drop_unfinalized_above(c, 107), 12);
  assert_false(has(c, "u-108-0"));
  assert_false(has(c, "n-109-2"));
  assert_true(has(c, "f-109-2"));
  assert_true(has(c, "u-107-1"));
  uint8_t h[32];
  memset(h, 105, 32);
  assert_int_equal(vt_cache_drop_block_hash(c, h), 3);
  assert_false(has(c, "u-105-0"));
  assert_true(has(c, "n-105-0")); /* no hash: only the height drop reaches it */
  assert_true(has(c, "f-105-0"));
  assert_int_equal(vt_cache_drop_block_hash(c, h), 0);
  vt_cache_stats_get(c, &st);
  assert_int_equal(st.blocks, 15);
  assert_int_equal(st.reorg_drops, 15);
  assert_int_equal(vt_cache_drop_unfinalized_above(c, 0), 45);
  vt_cache_stats_get(c, &st);
  assert_int_equal(st.blocks, 0);
  assert_int_equal(st.entries, 30);
  vt_cache_free(c);
}

/* Random operations against a reference: a hit must return the last value put, and an
 * entry dropped by a reorg must never come back. */
#define MODEL_KEYS 3000
static void test_model(void **state) {
  (void)state;
  vt_cache *c = mk(128 * 1024);
  static struct {
    bool live;
    uint32_t ver;
    uint64_t block;
    bool fin;
  } ref[MODEL_KEYS];
  memset(ref, 0, sizeof ref);
  srand(42);
  for (int step = 0; step < 300000; step++) {
    int i = rand() % MODEL_KEYS, op = rand() % 100;
    char k[16], v[300];
    int kl = snprintf(k, sizeof k, "m%d", i);
    if (op < 45) {
      ref[i].ver++;
      ref[i].block = 1000 + (uint64_t)(rand() % 40);
      ref[i].fin = rand() % 2;
      ref[i].live = true;
      int vl = snprintf(v, sizeof v, "%d:%u:%0*d", i, ref[i].ver, rand() % 200, 0);
      vt_cache_meta m = meta_of("verified", ref[i].block, ref[i].fin, (int)(ref[i].block & 0xff));
      assert_int_equal(vt_cache_put(c, k, (size_t)kl, v, (size_t)vl, &m), VT_CACHE_OK);
    } else if (op < 93) {
      const uint8_t *got;
      size_t n;
      vt_cache_meta m;
      if (vt_cache_get(c, k, (size_t)kl, &got, &n, &m)) {
        assert_true(ref[i].live);
        char want[32];
        int wl = snprintf(want, sizeof want, "%d:%u:", i, ref[i].ver);
        assert_true(n >= (size_t)wl);
        assert_memory_equal(got, want, (size_t)wl);
        assert_int_equal(m.block_number, ref[i].block);
      }
    } else if (op < 97) {
      ref[i].live = false;
      vt_cache_delete(c, k, (size_t)kl);
    } else if (op < 99) {
      uint64_t above = 1000 + (uint64_t)(rand() % 40);
      vt_cache_drop_unfinalized_above(c, above);
      for (int j = 0; j < MODEL_KEYS; j++)
        if (!ref[j].fin && ref[j].block > above) ref[j].live = false;
    } else {
      uint8_t h[32];
      uint64_t b = 1000 + (uint64_t)(rand() % 40);
      memset(h, (int)(b & 0xff), 32);
      vt_cache_drop_block_hash(c, h);
      for (int j = 0; j < MODEL_KEYS; j++)
        if (!ref[j].fin && ref[j].block == b) ref[j].live = false;
    }
  }
  vt_cache_stats st;
  vt_cache_stats_get(c, &st);
  assert_true(st.bytes <= st.budget);
  assert_true(st.evictions > 0 && st.hits > 0 && st.reorg_drops > 0);
  vt_cache_free(c);
}

/* A hot set read between the inserts of a long scan of one-off keys stays cached. Each
 * hot key is read once per 1000 inserts and the cache holds ~17k entries: plain FIFO
 * would evict each hot key once per pass (hit rate ~94%); SIEVE keeps them (> 99%). */
static void test_hot_survives_scan(void **state) {
  (void)state;
  vt_cache *c = mk(4 << 20);
  vt_cache_meta m = meta_of("verified:lightclient:finalized", 1, true, -1);
  uint8_t val[100];
  memset(val, 1, sizeof val);
  enum { HOT = 1000, SCAN = 200000 };
  char k[32];
  for (int i = 0; i < HOT; i++) {
    int kl = snprintf(k, sizeof k, "hot-%d", i);
    assert_int_equal(vt_cache_put(c, k, (size_t)kl, val, sizeof val, &m), VT_CACHE_OK);
  }
  unsigned hot_hits = 0, hot_reads = 0;
  for (int s = 0; s < SCAN; s++) {
    int kl = snprintf(k, sizeof k, "scan-%d", s);
    assert_int_equal(vt_cache_put(c, k, (size_t)kl, val, sizeof val, &m), VT_CACHE_OK);
    kl = snprintf(k, sizeof k, "hot-%d", s % HOT);
    bool hit = vt_cache_get(c, k, (size_t)kl, NULL, NULL, NULL);
    if (!hit) assert_int_equal(vt_cache_put(c, k, (size_t)kl, val, sizeof val, &m), VT_CACHE_OK);
    if (s >= SCAN / 2) {
      hot_reads++;
      hot_hits += hit;
    }
  }
  vt_cache_stats st;
  vt_cache_stats_get(c, &st);
  double rate = (double)hot_hits / hot_reads;
  fprintf(stderr, "hot-set hit rate during the scan's second half: %.4f (entries %zu, evictions %llu)\n",
          rate, st.entries, (unsigned long long)st.evictions);
  assert_true(st.entries < SCAN / 2); /* the scan really did overflow the cache */
  assert_true(rate > 0.99);
  unsigned scan_left = 0;
  for (int s = 0; s < SCAN / 2; s++) {
    int kl = snprintf(k, sizeof k, "scan-%d", s);
    scan_left += vt_cache_get(c, k, (size_t)kl, NULL, NULL, NULL);
  }
  assert_int_equal(scan_left, 0);
  vt_cache_free(c);
}

static void test_codec(void **state) {
  (void)state;
  vt_cache_meta m = meta_of("verified:quorum:2/3", 0x0102030405060708ull, true, 0x5a), d;
  vt_buf b;
  vt_buf_init(&b, 4096);
  assert_true(vt_cache_entry_encode(&b, &m, "value!", 6));
  const uint8_t *v;
  size_t n;
  assert_true(vt_cache_entry_decode((const uint8_t *)b.data, b.len, &d, &v, &n));
  assert_int_equal(n, 6);
  assert_memory_equal(v, "value!", 6);
  assert_string_equal(d.trust, m.trust);
  assert_int_equal(d.block_number, m.block_number);
  assert_int_equal(d.inserted_ms, m.inserted_ms);
  assert_true(d.finalized && d.has_hash);
  assert_memory_equal(d.block_hash, m.block_hash, 32);
  for (size_t cut = 0; cut < b.len; cut++)
    assert_false(vt_cache_entry_decode((const uint8_t *)b.data, cut, &d, &v, &n));
  uint8_t *copy = malloc(b.len + 1);
  memcpy(copy, b.data, b.len);
  copy[b.len] = 0;
  assert_false(vt_cache_entry_decode(copy, b.len + 1, &d, &v, &n)); /* trailing byte */
  copy[0] = 2;
  assert_false(vt_cache_entry_decode(copy, b.len, &d, &v, &n)); /* version */
  copy[0] = 1;
  copy[1] |= 0x80;
  assert_false(vt_cache_entry_decode(copy, b.len, &d, &v, &n)); /* unknown flag */
  copy[1] &= 0x7f;
  copy[19] = ' ';
  assert_false(vt_cache_entry_decode(copy, b.len, &d, &v, &n)); /* trust character */
  free(copy);
  vt_buf_reset(&b);
  vt_cache_meta bad = meta_of("x y", 1, true, -1);
  assert_false(vt_cache_entry_encode(&b, &bad, "v", 1));
  vt_buf small;
  vt_buf_init(&small, 10);
  assert_false(vt_cache_entry_encode(&small, &m, "value!", 6)); /* the buffer cap holds */
  vt_buf_free(&small);
  vt_buf_free(&b);
}

/* Growth is incremental: every key stays reachable (get, replace, delete) while entries
 * sit in the old or the new bucket array. */
static void test_growth_lookups(void **state) {
  (void)state;
  vt_cache *c = mk(256u << 20);
  vt_cache_meta m = meta_of("verified", 1, true, -1);
  char k[32];
  enum { N = 100000 };
  for (unsigned i = 0; i < N; i++) {
    int kl = snprintf(k, sizeof k, "g%u", i);
    assert_int_equal(vt_cache_put(c, k, (size_t)kl, &i, sizeof i, &m), VT_CACHE_OK);
    unsigned probe = (i * 7919u) % (i + 1);
    kl = snprintf(k, sizeof k, "g%u", probe);
    const uint8_t *v;
    size_t n;
    assert_true(vt_cache_get(c, k, (size_t)kl, &v, &n, NULL));
    assert_int_equal(n, sizeof probe);
    assert_memory_equal(v, &probe, sizeof probe);
    if (i % 3 == 0) { /* replace an older key mid-migration */
      assert_int_equal(vt_cache_put(c, k, (size_t)kl, &probe, sizeof probe, &m), VT_CACHE_OK);
    }
  }
  for (unsigned i = 0; i < N; i += 2) {
    int kl = snprintf(k, sizeof k, "g%u", i);
    assert_true(vt_cache_delete(c, k, (size_t)kl));
  }
  vt_cache_stats st;
  vt_cache_stats_get(c, &st);
  assert_int_equal(st.entries, N / 2);
  assert_int_equal(st.evictions, 0);
  for (unsigned i = 0; i < N; i++) {
    int kl = snprintf(k, sizeof k, "g%u", i);
    assert_int_equal(vt_cache_get(c, k, (size_t)kl, NULL, NULL, NULL), i % 2 == 1);
  }
  vt_cache_free(c);
}

static long rss_bytes(void) {
  long pages_total, pages_res;
  FILE *f = fopen("/proc/self/statm", "r");
  assert_non_null(f);
  assert_int_equal(fscanf(f, "%ld %ld", &pages_total, &pages_res), 2);
  fclose(f);
  return pages_res * sysconf(_SC_PAGESIZE);
}

static void test_stress_rss(void **state) {
  (void)state;
  const size_t budget = 64u << 20, slack = 16u << 20;
  long before = rss_bytes();
  vt_cache *c = mk(budget);
  vt_cache_meta m = meta_of("verified:lightclient:finalized", 20000000, true, 0x11);
  uint8_t val[128];
  for (size_t i = 0; i < sizeof val; i++) val[i] = (uint8_t)i;
  char k[64];
  long peak = 0;
  for (unsigned i = 0; i < 1000000; i++) {
    int kl = snprintf(k, sizeof k, "eth_getBalance:0x%08x:%u", i * 2654435761u, i);
    m.finalized = i % 4 != 0;
    m.block_number = 20000000 + i / 1000;
    assert_int_equal(vt_cache_put(c, k, (size_t)kl, val, 90 + i % 21, &m), VT_CACHE_OK);
    if (i % 65536 == 0) {
      long r = rss_bytes();
      if (r > peak) peak = r;
    }
  }
  long after = rss_bytes();
  if (after > peak) peak = after;
  vt_cache_stats st;
  vt_cache_stats_get(c, &st);
  fprintf(stderr,
          "stress: 1e6 puts, entries %zu, bytes %zu/%zu, evictions %llu, table %zu, "
          "RSS growth peak %.1f MiB (budget %zu MiB)\n",
          st.entries, st.bytes, st.budget, (unsigned long long)st.evictions, st.table_bytes,
          (peak - before) / 1048576.0, budget >> 20);
  assert_true(st.bytes <= budget);
  assert_true(st.evictions > 0);
  assert_true(st.entries > 200000);
  if (UNDER_ASAN) fprintf(stderr, "skip: RSS bound not checked under ASan (shadow memory)\n");
  else assert_true((size_t)(peak - before) < budget + slack);
  vt_cache_free(c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),   cmocka_unit_test(test_caps),
      cmocka_unit_test(test_budget_respected), cmocka_unit_test(test_reorg),
      cmocka_unit_test(test_model),   cmocka_unit_test(test_hot_survives_scan),
      cmocka_unit_test(test_codec),   cmocka_unit_test(test_growth_lookups),
      cmocka_unit_test(test_stress_rss),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * micro_cache.c: micro benchmarks for the store layer: the in-memory cache (put, get
 * hit, get miss, put under eviction pressure, bytes of overhead per entry) and the LMDB
 * store (batched put, get) on realistic keys: eth_getBalance with an address and a
 * pinned block, ~70-byte keys and 100-byte values.
 *
 * Build by hand with the test flags and run:
 *   make build/release/libstore.a build/release/libutil.a
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o build/release/micro_cache bench/micro_cache.c \
 *      build/release/libstore.a build/release/libutil.a -llmdb
 *   build/release/micro_cache [entries]      (default 1000000)
 * Prints the median ns per operation of several timed passes.
 */
#include "store/cache.h"
#include "store/lmdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PASSES 5
#define KEY_CAP 88

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static size_t make_key(char *k, unsigned i, unsigned salt) {
  return (size_t)snprintf(k, KEY_CAP, "eth_getBalance:[\"0x%08x%032x\",\"0x%x\"]", i * 2654435761u,
                          i ^ salt, 19000000 + i / 64);
}

static vt_cache_meta meta_fin(void) {
  vt_cache_meta m;
  memset(&m, 0, sizeof m);
  snprintf(m.trust, sizeof m.trust, "verified:lightclient:finalized");
  m.block_number = 19000000;
  m.finalized = true;
  m.has_hash = true;
  memset(m.block_hash, 0x42, 32);
  m.inserted_ms = 1;
  return m;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

/* Keys pre-formatted so the timed loops measure the cache, not snprintf: put order is
 * index order, get order a random permutation (each get touches a cold entry). */
typedef struct {
  char k[KEY_CAP];
  size_t len;
} key_slot;

static key_slot *keys_in(const unsigned *idx, unsigned n, unsigned salt) {
  key_slot *ks = malloc((size_t)n * sizeof *ks);
  for (unsigned i = 0; ks && i < n; i++) ks[i].len = make_key(ks[i].k, idx ? idx[i] : i, salt);
  return ks;
}

/* One pass: put all, get all (random order), miss all; returns ns/op in out[0..2]. */
static void cache_pass(unsigned n, const key_slot *pk, const key_slot *gk, const key_slot *mk,
                       const uint8_t *val, size_t vlen, const vt_cache_meta *m, double out[3],
                       vt_cache_stats *st) {
  char err[256];
  vt_cache *c = vt_cache_new((size_t)2 << 30, err, sizeof err);
  if (!c) exit(1);
  double t0 = now_ns();
  for (unsigned i = 0; i < n; i++)
    if (vt_cache_put(c, pk[i].k, pk[i].len, val, vlen, m) != VT_CACHE_OK) exit(1);
  out[0] = (now_ns() - t0) / n;
  size_t sink = 0;
  t0 = now_ns();
  for (unsigned i = 0; i < n; i++) {
    const uint8_t *v;
    size_t vl;
    if (!vt_cache_get(c, gk[i].k, gk[i].len, &v, &vl, NULL)) exit(1);
    sink += v[0];
  }
  out[1] = (now_ns() - t0) / n;
  t0 = now_ns();
  for (unsigned i = 0; i < n; i++) sink += vt_cache_get(c, mk[i].k, mk[i].len, NULL, NULL, NULL);
  out[2] = (now_ns() - t0) / n;
  if (sink == 1) puts("");
  vt_cache_stats_get(c, st);
  vt_cache_free(c);
}

/* The slowest single put while the table doubles its way up to n entries (the loop
 * stall a put can cause; table growth is incremental, so this is scheduler noise and
 * malloc, not a rehash). */
static double worst_put_ms(unsigned n, const key_slot *pk, const uint8_t *val, size_t vlen,
                           const vt_cache_meta *m) {
  char err[256];
  vt_cache *c = vt_cache_new((size_t)2 << 30, err, sizeof err);
  if (!c) exit(1);
  double worst = 0;
  for (unsigned i = 0; i < n; i++) {
    double t0 = now_ns();
    if (vt_cache_put(c, pk[i].k, pk[i].len, val, vlen, m) != VT_CACHE_OK) exit(1);
    double t = now_ns() - t0;
    if (t > worst) worst = t;
  }
  vt_cache_free(c);
  return worst / 1e6;
}

int main(int argc, char **argv) {
  unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000000u;
  if (n < 1000 || n > 10000000) {
    fprintf(stderr, "entries must be 1000..10000000\n");
    return 2;
  }
  char err[256], k[KEY_CAP];
  uint8_t val[100];
  memset(val, 0xab, sizeof val);
  vt_cache_meta m = meta_fin();
  unsigned *order = malloc(n * sizeof *order);
  for (unsigned i = 0; i < n; i++) order[i] = i;
  srand(1);
  for (unsigned i = n - 1; i > 0; i--) {
    unsigned j = (unsigned)rand() % (i + 1), t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  key_slot *pk = keys_in(NULL, n, 0), *gk = keys_in(order, n, 0), *mk = keys_in(order, n, 0x5555);
  if (!pk || !gk || !mk) return 1;
  size_t payload = 0;
  for (unsigned i = 0; i < n; i++) payload += pk[i].len + sizeof val;
  const unsigned small = 10000; /* a working set that stays in the CPU caches */
  double big[3][PASSES], hot[3][PASSES], evict[PASSES], r[3];
  vt_cache_stats st, st_small;
  for (int p = 0; p < PASSES; p++) {
    cache_pass(n, pk, gk, mk, val, sizeof val, &m, r, &st);
    for (int j = 0; j < 3; j++) big[j][p] = r[j];
    double acc[3] = {0, 0, 0};
    for (int rep = 0; rep < 10; rep++) {
      cache_pass(small, pk, pk, mk, val, sizeof val, &m, r, &st_small);
      for (int j = 0; j < 3; j++) acc[j] += r[j] / 10;
    }
    for (int j = 0; j < 3; j++) hot[j][p] = acc[j];
    vt_cache *c = vt_cache_new(16u << 20, err, sizeof err); /* ~1/20 of 1M entries */
    double t0 = now_ns();
    for (unsigned i = 0; i < n; i++)
      if (vt_cache_put(c, pk[i].k, pk[i].len, val, sizeof val, &m) != VT_CACHE_OK) return 1;
    evict[p] = (now_ns() - t0) / n;
    vt_cache_free(c);
  }
  printf("cache: ~%zu-byte keys, %zu-byte values, median of %d passes, ns/op\n", payload / n - sizeof val,
         sizeof val, PASSES);
  printf("  %-34s %8s %8s\n", "", "10k hot", "1M cold");
  static const char *const rows[3] = {"put (no eviction)", "get hit (random order)", "get miss"};
  for (int j = 0; j < 3; j++)
    printf("  %-34s %8.1f %8.1f\n", rows[j], median(hot[j], PASSES), median(big[j], PASSES));
  printf("  %-34s %8s %8.1f\n", "put with eviction (16 MiB budget)", "", median(evict, PASSES));
  printf("  bytes charged per entry %.1f = key+value %.1f + overhead %.1f + table %.1f\n",
         (double)st.bytes / st.entries, (double)payload / n,
         (double)(st.bytes - st.table_bytes - payload) / st.entries,
         (double)st.table_bytes / st.entries);
  printf("  (overhead = 72-byte header + 32-byte block hash + trust string + malloc rounding)\n");
  double worst[3];
  for (int p = 0; p < 3; p++) worst[p] = worst_put_ms(n, pk, val, sizeof val, &m);
  printf("  slowest single put while growing to %u entries: %.2f ms (median of 3 runs)\n", n,
         median(worst, 3));
  free(pk);
  free(gk);
  free(mk);

  /* LMDB: batched puts (64 per commit, fsync on) and gets, 100k entries */
  unsigned ln = n < 100000 ? n : 100000;
  char dir[] = "/tmp/vt_micro_lmdb_XXXXXX";
  if (!mkdtemp(dir)) return 1;
  vt_lmdb *db = NULL;
  if (vt_lmdb_open(dir, (size_t)1 << 30, &db, err, sizeof err) != 0) return fprintf(stderr, "%s\n", err), 1;
  double t0 = now_ns();
  for (unsigned i = 0; i < ln; i++) {
    size_t kl = make_key(k, i, 0);
    if (vt_lmdb_put(db, k, kl, val, sizeof val, &m, NULL) != VT_LMDB_OK) return 1;
  }
  vt_lmdb_flush(db);
  double lput = (now_ns() - t0) / ln;
  t0 = now_ns();
  for (unsigned i = 0; i < ln; i++) {
    uint8_t *v;
    size_t vl;
    size_t kl = make_key(k, order[i] % ln, 0);
    if (vt_lmdb_get(db, k, kl, &v, &vl, NULL) != VT_LMDB_OK) return 1;
    free(v);
  }
  double lget = (now_ns() - t0) / ln;
  vt_lmdb_close(db);
  char path[64];
  snprintf(path, sizeof path, "%s/data.mdb", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/lock.mdb", dir);
  unlink(path);
  rmdir(dir);
  printf("lmdb, %u entries (ns/op)\n  put (batches of 64, fsync per commit) %9.1f\n  get %9.1f\n", ln,
         lput, lget);
  free(order);
  return 0;
}

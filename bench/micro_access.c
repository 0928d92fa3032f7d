/*
 * micro_access.c: what the client-key check costs per request, on its own: finding the
 * key in a request (vt_access_key_of: X-Verity-Key, Bearer, /k/<key>), looking it up in
 * a table of N keys, charging its token bucket and counting it (vt_access_admit), and
 * the per-call method rule (vt_access_method_ok). This is all the cache-hit path gains
 * when keys are on (bench/keys.sh measures the whole request).
 *
 *   make bench-build && build/release/bench/micro_access [keys]   (default 1000)
 * Prints the median ns per operation of several timed passes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "access/access.h"
#include "config/config.h"
#include "obs/metrics.h"

#define PASSES 7
#define ITERS 2000000
#define KEY_CAP 48

static double now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef enum { FORM_HEADER, FORM_BEARER, FORM_PATH, FORM_METHOD } form;

static double pass(vt_access *a, const char *key, form f) {
  char path[KEY_CAP + 8], bearer[KEY_CAP + 16];
  snprintf(path, sizeof path, "/k/%s", key);
  snprintf(bearer, sizeof bearer, "Bearer %s", key);
  volatile unsigned sink = 0;
  vt_access_verdict v;
  const char *k;
  size_t n;
  if (vt_access_admit(a, key, strlen(key), 1, &v) != VT_ACCESS_OK) return -1;
  const vt_client *c = v.client;
  double t0 = now_ns();
  for (unsigned i = 0; i < ITERS; i++) {
    switch (f) {
      case FORM_HEADER: (void)vt_access_key_of("/", key, NULL, &k, &n); break;
      case FORM_BEARER: (void)vt_access_key_of("/", NULL, bearer, &k, &n); break;
      case FORM_PATH: (void)vt_access_key_of(path, NULL, NULL, &k, &n); break;
      case FORM_METHOD: sink += vt_access_method_ok(c, "eth_getBalance"); continue;
    }
    sink += vt_access_admit(a, k, n, 1 + i / 1000, &v) == VT_ACCESS_OK;
  }
  (void)sink;
  return (now_ns() - t0) / ITERS;
}

int main(int argc, char **argv) {
  size_t nkeys = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000;
  if (nkeys < 1 || nkeys > VT_CONFIG_MAX_KEYS) nkeys = 1000;
  vt_config c;
  vt_config_defaults(&c);
  c.keys = calloc(nkeys, sizeof *c.keys);
  c.nkeys = nkeys;
  static char *deny[] = {"debug_*", "eth_sendRawTransaction"};
  for (size_t i = 0; i < nkeys; i++) {
    char k[KEY_CAP], nm[24];
    snprintf(k, sizeof k, "bench-key-%06zu-abcdefghijklmnop", i);
    snprintf(nm, sizeof nm, "k%zu", i);
    c.keys[i].key = strdup(k);
    c.keys[i].name = strdup(nm);
    c.keys[i].deny = deny;
    c.keys[i].ndeny = 2;
  }
  vt_metrics *reg = vt_metrics_new();
  char err[128];
  vt_access *a = vt_access_new(&c, reg, err, sizeof err);
  if (!a) { fprintf(stderr, "%s\n", err); return 1; }
  static const char *const names[] = {"X-Verity-Key + admit", "Bearer + admit", "/k/<key> + admit", "method rule (2 deny patterns)"};
  printf("%zu keys, median of %d passes of %d\n", nkeys, PASSES, ITERS);
  for (int f = FORM_HEADER; f <= FORM_METHOD; f++) {
    double t[PASSES];
    for (int p = 0; p < PASSES; p++) t[p] = pass(a, c.keys[nkeys / 2].key, (form)f);
    qsort(t, PASSES, sizeof t[0], cmp_double);
    printf("%-32s %7.1f ns\n", names[f], t[PASSES / 2]);
  }
  vt_access_free(a);
  vt_metrics_free(reg);
  for (size_t i = 0; i < nkeys; i++) c.keys[i].deny = NULL, c.keys[i].ndeny = 0;
  vt_config_free(&c);
  return 0;
}

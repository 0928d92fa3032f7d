/*
 * micro_bls.c: micro-benchmark of the in-tree BLS12-381 backend on the light
 * client's hot path: decompressing a 512-key sync committee, aggregating 512 points,
 * hashing a 32-byte signing root to G2, one two-pair pairing check, and the full
 * sync-committee check (bls_fast_aggregate_verify_points with pre-decompressed keys).
 *
 * Self-contained: key i is [i + 1]G1 and the aggregate signature of all 512 is
 * [sum (i + 1)] H(m), so no fixture and no secret key material is needed. Prints the
 * median over several runs of thread CPU time (the machine may be shared).
 * Build (from the repository root, after `make build`):
 *   cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
 *      -Wmissing-prototypes -Wvla bench/micro_bls.c build/release/libcore-bls.a \
 *      build/release/libcore.a -lnettle -o build/release/micro_bls
 *   build/release/micro_bls
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/bls/bls.h"
#include "core/bls/bls_curve.h"

#define KEYS 512
#define RUNS 21

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_double);
  return v[n / 2];
}

static const char DST[] = "BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_";

int main(void) {
  static uint8_t pks[KEYS][48];
  static bls_g1 pts[KEYS];
  uint8_t root[32], sig[96], bits[KEYS / 8];
  double t[RUNS];
  int rc = 1;
  vc_err err = {{0}};

  for (int i = 0; i < 32; i++) root[i] = (uint8_t)(i * 37 + 5);
  memset(bits, 0xff, sizeof bits);

  /* keys [1]G .. [512]G */
  bls_g1a g, a;
  bls_g1p acc;
  bls_g1_generator(&g);
  bls_g1p_set_inf(&acc);
  for (int i = 0; i < KEYS; i++) {
    bls_g1p_add_affine(&acc, &acc, &g);
    bls_g1p_to_affine(&a, &acc);
    bls_g1a_encode(pks[i], &a);
  }
  /* signature [sum]H(m), sum = 512 * 513 / 2 = 131328 */
  bls_g2p h;
  bls_g2a ha;
  if (bls_hash_to_g2(&h, root, 32, (const uint8_t *)DST, sizeof DST - 1, &err) != VC_OK) goto out;
  static const uint8_t sum_be[3] = {0x02, 0x01, 0x00};
  bls_g2p_mul(&h, &h, sum_be, sizeof sum_be);
  bls_g2p_to_affine(&ha, &h);
  bls_g2a_encode(sig, &ha);

  for (int r = 0; r < RUNS; r++) {
    double t0 = now_ms();
    for (int i = 0; i < KEYS; i++)
      if (bls_g1_decompress(&pts[i], pks[i], &err) != VC_OK) goto out;
    t[r] = now_ms() - t0;
  }
  printf("decompress+subgroup 512 G1 keys : %8.3f ms (%.1f us/key)\n", median(t, RUNS),
         median(t, RUNS) * 1e3 / KEYS);

  for (int r = 0; r < RUNS; r++) {
    double t0 = now_ms();
    bls_g1p s;
    bls_g1p_set_inf(&s);
    for (int i = 0; i < KEYS; i++) {
      bls_g1a p;
      memcpy(p.x.l, pts[i].x, sizeof p.x.l);
      memcpy(p.y.l, pts[i].y, sizeof p.y.l);
      p.inf = false;
      bls_g1p_add_affine(&s, &s, &p);
    }
    bls_g1p_to_affine(&a, &s);
    t[r] = now_ms() - t0;
  }
  printf("aggregate 512 G1 points         : %8.3f ms\n", median(t, RUNS));

  for (int r = 0; r < RUNS; r++) {
    double t0 = now_ms();
    if (bls_hash_to_g2(&h, root, 32, (const uint8_t *)DST, sizeof DST - 1, &err) != VC_OK) goto out;
    t[r] = now_ms() - t0;
  }
  printf("hash_to_G2 (32-byte message)    : %8.3f ms\n", median(t, RUNS));

  bls_g2a sa;
  if (bls_g2a_decode(&sa, sig, &err) != VC_OK) goto out;
  for (int r = 0; r < RUNS; r++) {
    double t0 = now_ms();
    if (bls_g2a_decode(&sa, sig, &err) != VC_OK) goto out;
    t[r] = now_ms() - t0;
  }
  printf("G2 decompress+subgroup          : %8.3f ms\n", median(t, RUNS));

  bls_g1a ps[2];
  bls_g2a qs[2];
  ps[0] = a;
  bls_g2p_to_affine(&qs[0], &h);
  bls_g1_generator(&ps[1]);
  bls_fp_neg(&ps[1].y, &ps[1].y);
  qs[1] = sa;
  for (int r = 0; r < RUNS; r++) {
    double t0 = now_ms();
    if (!bls_pairing_product_is_one(ps, qs, 2)) {
      fprintf(stderr, "pairing check failed\n");
      goto out;
    }
    t[r] = now_ms() - t0;
  }
  printf("pairing check (2 Miller + 1 FE) : %8.3f ms\n", median(t, RUNS));

  for (int r = 0; r < RUNS; r++) {
    double t0 = now_ms();
    if (bls_fast_aggregate_verify_points(pts, bits, KEYS, root, 32, sig, &err) != VC_OK) {
      fprintf(stderr, "sync verify failed: %s\n", err.msg);
      goto out;
    }
    t[r] = now_ms() - t0;
  }
  printf("sync-committee verify (512 keys): %8.3f ms  [target <= 5 ms]\n", median(t, RUNS));
  rc = 0;
out:
  if (rc) fprintf(stderr, "benchmark error: %s\n", err.msg);
  return rc;
}

/*
 * micro_bn254.c: micro-benchmark of the in-tree bn254 precompiles (src/core/evm/
 * pc_bn254.c): one ECADD, one ECMUL with a full 256-bit scalar, one ECPAIRING of two
 * pairs (e(P, Q) e(-P, Q) = 1) and of six pairs, and the pieces of a pairing (a G2
 * subgroup test, a one-pair Miller loop, the final exponentiation).
 *
 * Self-contained: the points are multiples of the EIP-197 generators. Prints the
 * median over several runs of thread CPU time per call (the machine may be shared),
 * and the implied cost per million gas at Istanbul prices.
 * Build and run: make build/release/bench/micro_bn254 && build/release/bench/micro_bn254
 * (`make bench` runs every bench/micro_*).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/evm/bn254.h"
#include "core/evm/precompile.h"

#define RUNS 15
#define PAIRS_MAX 6

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct {
  const char *name;
  evm_pc_run_fn run;
  evm_pc_gas_fn gas;
  const uint8_t *in;
  size_t len;
  int iters;
} pc_case;

/* Median microseconds per call of one precompile; negative when it fails. */
static double time_case(const pc_case *c) {
  double t[RUNS];
  for (int r = 0; r < RUNS; r++) {
    double t0 = now_us();
    for (int i = 0; i < c->iters; i++) {
      evm_pc_out out = {NULL, 0};
      if (c->run(c->in, c->len, EVM_OSAKA, &out) != EVM_PC_OK) return -1;
      free(out.data);
    }
    t[r] = (now_us() - t0) / c->iters;
  }
  qsort(t, RUNS, sizeof t[0], cmp_double);
  return t[RUNS / 2];
}

/* n pairs (n even): ([i + 2]G1, [3i + 5]G2) followed by (-[i + 2]G1, [3i + 5]G2), so
 * the product is 1 and every pair takes the full path. */
static void make_pairs(uint8_t *buf, int n) {
  bn_g1a g1, pa;
  bn_g2a g2, qa;
  bn_g1j p;
  bn_g2j q;
  uint8_t k[32] = {0};
  bn_g1_generator(&g1);
  bn_g2_generator(&g2);
  for (int i = 0; i < n; i += 2) {
    k[31] = (uint8_t)(i + 2);
    bn_g1j_from_affine(&p, &g1);
    bn_g1j_mul(&p, &p, k);
    bn_g1j_to_affine(&pa, &p);
    k[31] = (uint8_t)(3 * i + 5);
    bn_g2j_from_affine(&q, &g2);
    bn_g2j_mul(&q, &q, k);
    bn_g2j_to_affine(&qa, &q);
    bn_g1a_encode(buf + i * 192, &pa);
    bn_g2a_encode(buf + i * 192 + 64, &qa);
    bn_fp_neg(&pa.y, &pa.y);
    bn_g1a_encode(buf + (i + 1) * 192, &pa);
    bn_g2a_encode(buf + (i + 1) * 192 + 64, &qa);
  }
}

static void bench_pieces(const uint8_t *pairs) {
  double t[RUNS];
  bn_g1a pa;
  bn_g2a qa;
  bn_fp12 f, e;
  if (!bn_g1a_decode(&pa, pairs) || !bn_g2a_decode(&qa, pairs + 64)) return;
  bn_g2j qj;
  bn_g2j_from_affine(&qj, &qa);
  const char *names[3] = {"G2 subgroup test", "Miller loop (1 pair)", "final exponentiation"};
  for (int piece = 0; piece < 3; piece++) {
    for (int r = 0; r < RUNS; r++) {
      double t0 = now_us();
      for (int i = 0; i < 10; i++) {
        if (piece == 0 && !bn_g2j_in_subgroup(&qj)) return;
        if (piece == 1) bn_miller_loop(&f, &pa, &qa, 1);
        if (piece == 2) bn_final_exp(&e, &f);
      }
      t[r] = (now_us() - t0) / 10;
    }
    qsort(t, RUNS, sizeof t[0], cmp_double);
    printf("  %-28s %9.1f us\n", names[piece], t[RUNS / 2]);
  }
}

int main(void) {
  static uint8_t pairs[PAIRS_MAX * 192];
  uint8_t add_in[128], mul_in[96];
  make_pairs(pairs, PAIRS_MAX);
  memcpy(add_in, pairs, 64);
  memcpy(add_in + 64, pairs + 192 * 2, 64);
  memcpy(mul_in, pairs, 64);
  memset(mul_in + 64, 0xa5, 32);
  const pc_case cases[] = {
      {"ECADD", evm_pc_bn254_add, evm_pc_bn254_add_gas, add_in, sizeof add_in, 200},
      {"ECMUL (256-bit scalar)", evm_pc_bn254_mul, evm_pc_bn254_mul_gas, mul_in, sizeof mul_in, 50},
      {"ECPAIRING, 2 pairs", evm_pc_bn254_pairing, evm_pc_bn254_pairing_gas, pairs, 2 * 192, 5},
      {"ECPAIRING, 6 pairs", evm_pc_bn254_pairing, evm_pc_bn254_pairing_gas, pairs, 6 * 192, 3},
  };
  printf("bn254 precompiles, median thread CPU time per call (%d runs)\n", RUNS);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double us = time_case(&cases[i]);
    if (us < 0) {
      fprintf(stderr, "%s failed\n", cases[i].name);
      return 1;
    }
    uint64_t gas = cases[i].gas(cases[i].in, cases[i].len, EVM_OSAKA);
    printf("  %-28s %9.1f us  (%llu gas: %.1f ms per million gas)\n", cases[i].name, us,
           (unsigned long long)gas, us * 1e3 / (double)gas);
  }
  bench_pieces(pairs);
  return 0;
}

/*
 * micro_precompile.c: CPU time of the classic precompiles (pc_basic.c, pc_modexp.c,
 * pc_blake2f.c, pc_p256.c) per call, and the gas rate it implies (Mgas/s: the price of
 * the call under Osaka divided by its time). A precompile far below the rate of the
 * interpreter's own opcodes would be a denial-of-service lever, so this is the figure
 * to watch.
 *
 * Self-contained inputs: a signature made here with libsecp256k1, EIP-198's Fermat
 * example, EIP-2565's nagydani lengths filled with deterministic bytes, EIP-152's
 * vector 5, EIP-7951's first vector. Prints the median over several runs of thread
 * CPU time (the machine may be shared). Built and run by `make bench` (micro_*).
 */
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/evm/precompile.h"
#include "core/keccak.h"

#define RUNS 9
#define BENCH_IN_CAP 4096

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static size_t unhex(const char *h, uint8_t *out) {
  size_t n = strlen(h) / 2;
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    if (sscanf(h + 2 * i, "%2x", &v) != 1) return 0;
    out[i] = (uint8_t)v;
  }
  return n;
}

/* Median microseconds per call of run over iters calls; -1 when a run fails. */
static double time_calls(evm_pc_run_fn run, const uint8_t *in, size_t len, int iters) {
  double t[RUNS];
  for (int r = 0; r < RUNS; r++) {
    double t0 = now_us();
    for (int i = 0; i < iters; i++) {
      evm_pc_out o = {NULL, 0};
      if (run(in, len, EVM_OSAKA, &o) != EVM_PC_OK) return -1;
      free(o.data);
    }
    t[r] = (now_us() - t0) / iters;
  }
  qsort(t, RUNS, sizeof t[0], cmp_double);
  return t[RUNS / 2];
}

static void report(const char *name, evm_pc_gas_fn gas, evm_pc_run_fn run, const uint8_t *in,
                   size_t len, int iters) {
  uint64_t g = gas(in, len, EVM_OSAKA);
  double us = time_calls(run, in, len, iters);
  if (us < 0) {
    printf("%-32s  run failed\n", name);
    return;
  }
  printf("%-32s %10.2f us %9llu gas %9.1f Mgas/s\n", name, us, (unsigned long long)g,
         (double)g / us);
}

/* modexp input with b = m = n bytes of deterministic filler and the exponent given. */
static size_t modexp_input(uint8_t *in, size_t n, const uint8_t *exp, size_t elen) {
  memset(in, 0, 96);
  in[30] = (uint8_t)(n >> 8), in[31] = (uint8_t)n;
  in[63] = (uint8_t)elen;
  in[94] = (uint8_t)(n >> 8), in[95] = (uint8_t)n;
  for (size_t i = 0; i < n; i++) in[96 + i] = (uint8_t)(i * 131 + 17);
  memcpy(in + 96 + n, exp, elen);
  for (size_t i = 0; i < n; i++) in[96 + n + elen + i] = (uint8_t)(i * 97 + 3);
  in[96 + n + elen] |= 0x80; /* a full-width modulus */
  in[96 + n + elen + n - 1] |= 1; /* odd */
  return 96 + 2 * n + elen;
}

static void bench_modexp(uint8_t *in) {
  static const uint8_t pow10001[3] = {1, 0, 1};
  static const size_t sizes[] = {64, 128, 256, 512, 1024};
  char name[64];
  size_t n = unhex("0000000000000000000000000000000000000000000000000000000000000001"
                   "0000000000000000000000000000000000000000000000000000000000000020"
                   "0000000000000000000000000000000000000000000000000000000000000020"
                   "03fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e"
                   "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f",
                   in);
  report("modexp eip198 fermat (256-bit)", evm_pc_modexp_gas, evm_pc_modexp, in, n, 2000);
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    n = modexp_input(in, sizes[i], pow10001, sizeof pow10001);
    snprintf(name, sizeof name, "modexp nagydani-%zu-pow0x10001", i + 1);
    report(name, evm_pc_modexp_gas, evm_pc_modexp, in, n, i < 3 ? 500 : 20);
  }
}

static int bench_ecrecover(uint8_t *in) {
  secp256k1_context *ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  uint8_t key[32], sig[64];
  secp256k1_ecdsa_recoverable_signature rs;
  int recid;
  if (!ctx) return 1;
  vc_keccak256((const uint8_t *)"bench key", 9, key);
  vc_keccak256((const uint8_t *)"bench msg", 9, in);
  if (!secp256k1_ecdsa_sign_recoverable(ctx, &rs, in, key, NULL, NULL)) return 1;
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig, &recid, &rs);
  secp256k1_context_destroy(ctx);
  memset(in + 32, 0, 32);
  in[63] = (uint8_t)(27 + recid);
  memcpy(in + 64, sig, 64);
  report("ecrecover", evm_pc_ecrecover_gas, evm_pc_ecrecover, in, 128, 2000);
  return 0;
}

int main(void) {
  static uint8_t in[BENCH_IN_CAP];
  if (bench_ecrecover(in)) return 1;
  for (size_t i = 0; i < 1024; i++) in[i] = (uint8_t)i;
  report("sha256 1 KiB", evm_pc_sha256_gas, evm_pc_sha256, in, 1024, 20000);
  report("ripemd160 1 KiB", evm_pc_ripemd160_gas, evm_pc_ripemd160, in, 1024, 20000);
  report("identity 1 KiB", evm_pc_identity_gas, evm_pc_identity, in, 1024, 100000);
  bench_modexp(in);
  size_t n = unhex("0000000c48c9bdf267e6096a3ba7ca8485ae67bb2bf894fe72f36e3cf1361d5f3af54fa5d1"
                   "82e6ad7f520e511f6c3e2b8c68059b6bbd41fbabd9831f79217e1319cde05b616263", in);
  memset(in + n, 0, 213 - n);
  in[196] = 3, in[212] = 1;
  report("blake2f 12 rounds", evm_pc_blake2f_gas, evm_pc_blake2f, in, 213, 100000);
  in[0] = 0, in[1] = 0, in[2] = 0x27, in[3] = 0x10; /* 10000 rounds */
  report("blake2f 10000 rounds", evm_pc_blake2f_gas, evm_pc_blake2f, in, 213, 200);
  n = unhex("bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023"
            "2ba3a8be6b94d5ec80a6d9d1190a436effe50d85a1eee859b8cc6af9bd5c2e18"
            "4cd60b855d442f5b3c7b11eb6c4e0ae7525fe710fab9aa7c77a67f79e6fadd76"
            "2927b10512bae3eddcfe467828128bad2903269919f7086069c8c4df6c732838"
            "c7787964eaac00e5921fb1498a60f4606766b3d9685001558d1a974e7341513e",
            in);
  report("p256verify (valid)", evm_pc_p256verify_gas, evm_pc_p256verify, in, n, 1000);
  return 0;
}

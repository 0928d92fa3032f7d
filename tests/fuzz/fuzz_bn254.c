/*
 * fuzz_bn254.c: libFuzzer harness for the bn254 precompiles ECADD (0x06), ECMUL (0x07)
 * and ECPAIRING (0x08) of src/core/evm/pc_bn254.c.
 *
 * The first byte picks what happens to the rest:
 *   mode 0-2  raw: the rest goes to ECADD, ECMUL or ECPAIRING as it is (most inputs
 *             are refused; lengths and decoding get exercised);
 *   mode 3    made points: the rest is read as 32-byte scalars, turned into up to
 *             two valid pairs ([a_i]G1, [b_i]G2) followed by their twins (-[a_i]G1,
 *             [b_i]G2), and fed to all three precompiles, with one byte of the encoded
 *             input flipped when the second byte says so.
 * Nothing may crash or leak, and the results must be consistent: a successful ECADD or
 * ECMUL returns 64 bytes that decode as a curve point, ECADD is commutative, ECMUL
 * (GLV split) equals the plain windowed multiplication, P + (-P) = O, P + P = [2]P,
 * ECPAIRING returns 32 bytes holding 0 or 1, e(P, Q) e(-P, Q) = 1, and a refused input
 * leaves no output. The fork alternates between Byzantium and Osaka prices (results
 * must not depend on it). Seeds in tests/fuzz/corpus/bn254/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/evm/bn254.h"
#include "core/evm/precompile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MADE_PAIRS_MAX 2 /* each made pair costs a G2 multiplication and two Miller loops */
#define PAIR_BYTES 192

/* Runs one precompile and checks the shape of its result; returns its status. */
static evm_pc_status run_checked(evm_pc_run_fn run, const uint8_t *in, size_t len, evm_fork fork,
                                 size_t out_len, evm_pc_out *out) {
  evm_pc_status st = run(in, len, fork, out);
  if (st != EVM_PC_OK) {
    if (out->data || out->len) abort();
    return st;
  }
  if (out->len != out_len || !out->data) abort();
  if (out_len == 64) {
    bn_g1a a;
    if (!bn_g1a_decode(&a, out->data)) abort(); /* results are canonical curve points */
  } else {
    for (size_t i = 0; i + 1 < out_len; i++)
      if (out->data[i]) abort();
    if (out->data[out_len - 1] > 1) abort();
  }
  return st;
}

/* ECMUL's result (GLV split) against the plain 4-bit window over the whole scalar. */
static void check_mul_plain(const uint8_t *in, size_t len, const uint8_t got[64]) {
  uint8_t buf[96] = {0}, want[64];
  bn_g1a a;
  bn_g1j j;
  memcpy(buf, in, len < sizeof buf ? len : sizeof buf);
  if (!bn_g1a_decode(&a, buf)) abort(); /* ECMUL accepted it */
  bn_g1j_from_affine(&j, &a);
  bn_g1j_mul_plain(&j, &j, buf + 64);
  bn_g1j_to_affine(&a, &j);
  bn_g1a_encode(want, &a);
  if (memcmp(want, got, sizeof want) != 0) abort();
}

static void fuzz_raw(int which, const uint8_t *in, size_t len, evm_fork fork) {
  static const evm_pc_run_fn runs[3] = {evm_pc_bn254_add, evm_pc_bn254_mul, evm_pc_bn254_pairing};
  static const size_t outs[3] = {64, 64, 32};
  evm_pc_out out = {NULL, 0};
  evm_pc_status st = run_checked(runs[which], in, len, fork, outs[which], &out);
  if (which == 0 && st == EVM_PC_OK && len >= 128) { /* P + Q = Q + P */
    uint8_t sw[128];
    memcpy(sw, in + 64, 64);
    memcpy(sw + 64, in, 64);
    evm_pc_out o2 = {NULL, 0};
    if (run_checked(evm_pc_bn254_add, sw, sizeof sw, fork, 64, &o2) != EVM_PC_OK) abort();
    if (memcmp(o2.data, out.data, 64) != 0) abort();
    free(o2.data);
  }
  if (which == 1 && st == EVM_PC_OK) check_mul_plain(in, len, out.data);
  if (which == 2 && len % PAIR_BYTES != 0 && st != EVM_PC_ERROR) abort();
  free(out.data);
}

/* With P and -P (64 bytes each, valid): P + (-P) = O and P + P = [2]P. */
static void check_g1_paths(const uint8_t *p, const uint8_t *neg_p, evm_fork fork) {
  uint8_t in[128];
  evm_pc_out sum = {NULL, 0}, dbl = {NULL, 0}, mul = {NULL, 0};
  static const uint8_t zero[64];
  memcpy(in, p, 64);
  memcpy(in + 64, neg_p, 64);
  if (run_checked(evm_pc_bn254_add, in, 128, fork, 64, &sum) != EVM_PC_OK) abort();
  if (memcmp(sum.data, zero, 64) != 0) abort();
  memcpy(in + 64, p, 64);
  if (run_checked(evm_pc_bn254_add, in, 128, fork, 64, &dbl) != EVM_PC_OK) abort();
  memset(in + 64, 0, 32);
  in[95] = 2;
  if (run_checked(evm_pc_bn254_mul, in, 96, fork, 64, &mul) != EVM_PC_OK) abort();
  if (memcmp(dbl.data, mul.data, 64) != 0) abort();
  free(sum.data);
  free(dbl.data);
  free(mul.data);
}

/* Builds pairs ([k]G1, [k']G2) from the scalars in `in`, then (-P_i, Q_i) for each, so
 * the product is 1; an optional flipped byte may break it (then anything but a crash
 * goes). */
static void fuzz_made(const uint8_t *in, size_t len, evm_fork fork, int flip, size_t flip_at) {
  uint8_t buf[2 * MADE_PAIRS_MAX * PAIR_BYTES];
  size_t n = len / 64 < MADE_PAIRS_MAX ? len / 64 : MADE_PAIRS_MAX;
  if (n == 0) return;
  bn_g1a g1, pa;
  bn_g2a g2, qa;
  bn_g1_generator(&g1);
  bn_g2_generator(&g2);
  for (size_t i = 0; i < n; i++) {
    bn_g1j p;
    bn_g2j q;
    bn_g1j_from_affine(&p, &g1);
    bn_g2j_from_affine(&q, &g2);
    bn_g1j_mul(&p, &p, in + 64 * i);
    bn_g2j_mul(&q, &q, in + 64 * i + 32);
    bn_g1j_to_affine(&pa, &p);
    bn_g2j_to_affine(&qa, &q);
    uint8_t *pair = buf + i * PAIR_BYTES, *twin = buf + (n + i) * PAIR_BYTES;
    bn_g1a_encode(pair, &pa);
    bn_g2a_encode(pair + 64, &qa);
    if (!pa.inf) bn_fp_neg(&pa.y, &pa.y);
    bn_g1a_encode(twin, &pa);
    memcpy(twin + 64, pair + 64, 128);
  }
  size_t total = 2 * n * PAIR_BYTES;
  if (flip) buf[flip_at % total] ^= (uint8_t)(1u << (flip_at % 8));
  evm_pc_out out = {NULL, 0};
  evm_pc_status st = run_checked(evm_pc_bn254_pairing, buf, total, fork, 32, &out);
  if (!flip && (st != EVM_PC_OK || out.data[31] != 1)) abort();
  free(out.data);
  if (flip) return;
  check_g1_paths(buf, buf + n * PAIR_BYTES, fork);
  uint8_t m[96]; /* [b_0 as a G1 scalar] P_0, checked against the plain window */
  memcpy(m, buf, 64);
  memcpy(m + 64, in + 32, 32);
  fuzz_raw(1, m, sizeof m, fork);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2) return 0;
  evm_fork fork = (data[0] & 0x80) ? EVM_BYZANTIUM : EVM_OSAKA;
  int mode = (data[0] & 0x7f) % 4;
  if (mode < 3) {
    fuzz_raw(mode, data + 1, size - 1, fork);
  } else {
    fuzz_made(data + 2, size - 2, fork, data[1] & 1, (size_t)(data[1] >> 1) * 3);
  }
  return 0;
}

/*
 * fuzz_bls_precompile.c: libFuzzer harness for the EIP-2537 precompiles (0x0b..0x11)
 * and the KZG point evaluation (0x0a) of src/core/evm/pc_bls.c and pc_kzg.c.
 *
 * The first byte picks a mode. Modes 0..7 hand the rest of the input, as it is, to
 * precompile 0x0a + mode: nothing may crash or leak, a failure has no output, and a
 * success has the output size of that precompile. Random bytes rarely decode as points,
 * so mode 8 builds valid ones from the input's bytes (P = [a]G1, Q = [b]G1 and their
 * G2 twins through the MSM precompiles) and checks algebra that must hold:
 * MSM((P, 1), (Q, 1)) = ADD(P, Q) in both groups, e([a]G1, G2) e(-G1, [a]G2) = 1, and a
 * mapped point is in the subgroup (MSM by 1 returns it). Inputs are capped at
 * FUZZ_MAX_IN bytes to keep runs fast. Seeds in tests/fuzz/corpus/bls_precompile/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/evm/precompile.h"

#define FUZZ_MAX_IN 2048
#define MODES_RAW 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
  evm_pc_gas_fn gas;
  evm_pc_run_fn run;
  size_t out_len;
} pc_entry;

static const pc_entry pcs[MODES_RAW] = {
    {evm_pc_kzg_point_eval_gas, evm_pc_kzg_point_eval, 64},
    {evm_pc_bls_g1add_gas, evm_pc_bls_g1add, 128},
    {evm_pc_bls_g1msm_gas, evm_pc_bls_g1msm, 128},
    {evm_pc_bls_g2add_gas, evm_pc_bls_g2add, 256},
    {evm_pc_bls_g2msm_gas, evm_pc_bls_g2msm, 256},
    {evm_pc_bls_pairing_gas, evm_pc_bls_pairing, 32},
    {evm_pc_bls_map_fp_to_g1_gas, evm_pc_bls_map_fp_to_g1, 128},
    {evm_pc_bls_map_fp2_to_g2_gas, evm_pc_bls_map_fp2_to_g2, 256},
};

static const uint8_t g1_gen[128] = {
    [16] = 0x17, 0xf1, 0xd3, 0xa7, 0x31, 0x97, 0xd7, 0x94, 0x26, 0x95, 0x63, 0x8c, 0x4f, 0xa9, 0xac, 0x0f,
    0xc3, 0x68, 0x8c, 0x4f, 0x97, 0x74, 0xb9, 0x05, 0xa1, 0x4e, 0x3a, 0x3f, 0x17, 0x1b, 0xac, 0x58,
    0x6c, 0x55, 0xe8, 0x3f, 0xf9, 0x7a, 0x1a, 0xef, 0xfb, 0x3a, 0xf0, 0x0a, 0xdb, 0x22, 0xc6, 0xbb,
    [80] = 0x08, 0xb3, 0xf4, 0x81, 0xe3, 0xaa, 0xa0, 0xf1, 0xa0, 0x9e, 0x30, 0xed, 0x74, 0x1d, 0x8a, 0xe4,
    0xfc, 0xf5, 0xe0, 0x95, 0xd5, 0xd0, 0x0a, 0xf6, 0x00, 0xdb, 0x18, 0xcb, 0x2c, 0x04, 0xb3, 0xed,
    0xd0, 0x3c, 0xc7, 0x44, 0xa2, 0x88, 0x8a, 0xe4, 0x0c, 0xaa, 0x23, 0x29, 0x46, 0xc5, 0xe7, 0xe1};

static const uint8_t g2_gen[256] = {
    [16] = 0x02, 0x4a, 0xa2, 0xb2, 0xf0, 0x8f, 0x0a, 0x91, 0x26, 0x08, 0x05, 0x27, 0x2d, 0xc5, 0x10, 0x51,
    0xc6, 0xe4, 0x7a, 0xd4, 0xfa, 0x40, 0x3b, 0x02, 0xb4, 0x51, 0x0b, 0x64, 0x7a, 0xe3, 0xd1, 0x77,
    0x0b, 0xac, 0x03, 0x26, 0xa8, 0x05, 0xbb, 0xef, 0xd4, 0x80, 0x56, 0xc8, 0xc1, 0x21, 0xbd, 0xb8,
    [80] = 0x13, 0xe0, 0x2b, 0x60, 0x52, 0x71, 0x9f, 0x60, 0x7d, 0xac, 0xd3, 0xa0, 0x88, 0x27, 0x4f, 0x65,
    0x59, 0x6b, 0xd0, 0xd0, 0x99, 0x20, 0xb6, 0x1a, 0xb5, 0xda, 0x61, 0xbb, 0xdc, 0x7f, 0x50, 0x49,
    0x33, 0x4c, 0xf1, 0x12, 0x13, 0x94, 0x5d, 0x57, 0xe5, 0xac, 0x7d, 0x05, 0x5d, 0x04, 0x2b, 0x7e,
    [144] = 0x0c, 0xe5, 0xd5, 0x27, 0x72, 0x7d, 0x6e, 0x11, 0x8c, 0xc9, 0xcd, 0xc6, 0xda, 0x2e, 0x35, 0x1a,
    0xad, 0xfd, 0x9b, 0xaa, 0x8c, 0xbd, 0xd3, 0xa7, 0x6d, 0x42, 0x9a, 0x69, 0x51, 0x60, 0xd1, 0x2c,
    0x92, 0x3a, 0xc9, 0xcc, 0x3b, 0xac, 0xa2, 0x89, 0xe1, 0x93, 0x54, 0x86, 0x08, 0xb8, 0x28, 0x01,
    [208] = 0x06, 0x06, 0xc4, 0xa0, 0x2e, 0xa7, 0x34, 0xcc, 0x32, 0xac, 0xd2, 0xb0, 0x2b, 0xc2, 0x8b, 0x99,
    0xcb, 0x3e, 0x28, 0x7e, 0x85, 0xa7, 0x63, 0xaf, 0x26, 0x74, 0x92, 0xab, 0x57, 0x2e, 0x99, 0xab,
    0x3f, 0x37, 0x0d, 0x27, 0x5c, 0xec, 0x1d, 0xa1, 0xaa, 0xa9, 0x07, 0x5f, 0xf0, 0x5f, 0x79, 0xbe};

/* r - 1, big-endian: [r - 1]P = -P */
static const uint8_t r_minus_1[32] = {0x73, 0xed, 0xa7, 0x53, 0x29, 0x9d, 0x7d, 0x48, 0x33, 0x39, 0xd8,
                                      0x08, 0x09, 0xa1, 0xd8, 0x05, 0x53, 0xbd, 0xa4, 0x02, 0xff, 0xfe,
                                      0x5b, 0xfe, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00};

/* out (len bytes) = run(in); aborts unless the call succeeds with that output size. */
static void must(evm_pc_run_fn run, const uint8_t *in, size_t len, uint8_t *out, size_t out_len) {
  evm_pc_out o = {NULL, 0};
  if (run(in, len, EVM_PRAGUE, &o) != EVM_PC_OK || o.len != out_len) abort();
  memcpy(out, o.data, out_len);
  free(o.data);
}

/* [k]gen for a point of size psz, through the MSM precompile. */
static void mul(uint8_t *out, const uint8_t *gen, size_t psz, const uint8_t k[32]) {
  uint8_t pair[288];
  memcpy(pair, gen, psz);
  memcpy(pair + psz, k, 32);
  must(psz == 128 ? evm_pc_bls_g1msm : evm_pc_bls_g2msm, pair, psz + 32, out, psz);
}

static void check_group(const uint8_t *gen, size_t psz, const uint8_t a[32], const uint8_t b[32]) {
  uint8_t p[256], q[256], two[576], sum[256], msm[256];
  evm_pc_run_fn add = psz == 128 ? evm_pc_bls_g1add : evm_pc_bls_g2add;
  evm_pc_run_fn ms = psz == 128 ? evm_pc_bls_g1msm : evm_pc_bls_g2msm;
  mul(p, gen, psz, a);
  mul(q, gen, psz, b);
  memcpy(two, p, psz);
  memcpy(two + psz, q, psz);
  must(add, two, 2 * psz, sum, psz);
  memset(two, 0, sizeof two);
  memcpy(two, p, psz);
  two[psz + 31] = 1;
  memcpy(two + psz + 32, q, psz);
  two[2 * psz + 63] = 1;
  must(ms, two, 2 * (psz + 32), msm, psz);
  if (memcmp(sum, msm, psz) != 0) abort();
}

static void structured(const uint8_t *d, size_t n) {
  uint8_t a[32] = {0}, b[32] = {0}, pairing[768], one[32];
  memcpy(a, d, n < 32 ? n : 32);
  if (n > 32) memcpy(b, d + 32, n - 32 < 32 ? n - 32 : 32);
  check_group(g1_gen, 128, a, b);
  check_group(g2_gen, 256, a, b);
  /* e([a]G1, G2) e(-G1, [a]G2) = 1 */
  mul(pairing, g1_gen, 128, a);
  memcpy(pairing + 128, g2_gen, 256);
  mul(pairing + 384, g1_gen, 128, r_minus_1);
  mul(pairing + 512, g2_gen, 256, a);
  must(evm_pc_bls_pairing, pairing, sizeof pairing, one, 32);
  if (one[31] != 1) abort();
  /* map: the result is in the subgroup (MSM by 1 accepts it and returns it) */
  uint8_t fp[128] = {0}, mapped[288], back[256];
  memcpy(fp + 17, a, 31); /* 31 bytes: always below p */
  must(evm_pc_bls_map_fp_to_g1, fp, 64, mapped, 128);
  memset(mapped + 128, 0, 32);
  mapped[159] = 1;
  must(evm_pc_bls_g1msm, mapped, 160, back, 128);
  if (memcmp(back, mapped, 128) != 0) abort();
  memcpy(fp + 81, b, 31);
  must(evm_pc_bls_map_fp2_to_g2, fp, 128, mapped, 256);
  memset(mapped + 256, 0, 32);
  mapped[287] = 1;
  must(evm_pc_bls_g2msm, mapped, 288, back, 256);
  if (memcmp(back, mapped, 256) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > FUZZ_MAX_IN) return 0;
  unsigned mode = data[0] % (MODES_RAW + 1);
  const uint8_t *in = data + 1;
  size_t len = size - 1;
  if (mode == MODES_RAW) {
    structured(in, len);
    return 0;
  }
  const pc_entry *e = &pcs[mode];
  (void)e->gas(in, len, EVM_PRAGUE);
  evm_pc_out out = {NULL, 0};
  evm_pc_status st = e->run(in, len, EVM_PRAGUE, &out);
  if (st == EVM_PC_OK && out.len != e->out_len) abort();
  if (st != EVM_PC_OK && (out.data != NULL || out.len != 0)) abort();
  free(out.data);
  return 0;
}

/*
 * test_pc_bn254.c: the bn254 precompiles 0x06 ECADD, 0x07 ECMUL and 0x08 ECPAIRING
 * (src/core/evm/pc_bn254.c) through their table interface (precompile.h):
 *   - go-ethereum's precompile vectors (a selection, cited in bn254_vectors.h);
 *   - invalid inputs: coordinates >= p, points off the curves, a twist point outside
 *     G2, G2 in the wrong byte order, lengths that are not multiples of 192, and the
 *     point at infinity in every position;
 *   - gas per fork (EIP-196/197 before Istanbul, EIP-1108 from it), the pair cap, and
 *     the time of one call of each (printed; bounded loosely);
 *   - optionally a cross-check file written by tests/e2e/bn254_noble.test.mjs with
 *     @noble/curves (BN254_CROSSCHECK_FILE=path).
 * The arithmetic underneath is tested in test_bn254.c. No fixtures needed.
 */
#include "testutil.h"

#include <jansson.h>
#include <time.h>

#include "core/evm/bn254.h"
#include "core/evm/precompile.h"

#include "bn254_vectors.h"

static evm_pc_status run_op(pc_op op, const uint8_t *in, size_t len, evm_fork fork,
                            evm_pc_out *out) {
  static const evm_pc_run_fn runs[] = {evm_pc_bn254_add, evm_pc_bn254_mul, evm_pc_bn254_pairing};
  return runs[op](in, len, fork, out);
}

#define VEC_MAX_IN 1024

/* Runs one vector; returns 0 when the result matches, else prints why. */
static int check_vector(const pc_vector *v) {
  uint8_t in[VEC_MAX_IN], want[64];
  long n = test_unhex(v->input, in, sizeof in);
  assert_true(n >= 0);
  evm_pc_out out = {NULL, 0};
  evm_pc_status st = run_op(v->op, in, (size_t)n, EVM_OSAKA, &out);
  int bad = 0;
  if (!v->expected) {
    bad = st != EVM_PC_ERROR;
  } else {
    long m = test_unhex(v->expected, want, sizeof want);
    bad = st != EVM_PC_OK || m < 0 || out.len != (size_t)m || memcmp(out.data, want, out.len) != 0;
  }
  if (bad) fprintf(stderr, "vector %s: status %d, %zu output bytes\n", v->name, (int)st, out.len);
  free(out.data);
  return bad;
}

static void test_geth_vectors(void **state) {
  (void)state;
  size_t n = sizeof GETH_VECTORS / sizeof GETH_VECTORS[0], bad = 0;
  for (size_t i = 0; i < n; i++) bad += (size_t)check_vector(&GETH_VECTORS[i]);
  fprintf(stderr, "go-ethereum vectors: %zu of %zu agree\n", n - bad, n);
  assert_int_equal(bad, 0);
}

static evm_pc_status run_buf(pc_op op, const uint8_t *in, size_t len, uint8_t *res, size_t *res_len) {
  evm_pc_out out = {NULL, 0};
  evm_pc_status st = run_op(op, in, len, EVM_CANCUN, &out);
  *res_len = out.len;
  if (out.len) memcpy(res, out.data, out.len);
  if (st != EVM_PC_OK) assert_null(out.data);
  free(out.data);
  return st;
}

static void test_invalid_inputs(void **state) {
  (void)state;
  uint8_t in[2 * 192], res[64], p_be[32];
  size_t rl;
  limbs_to_be(p_be, &bn_fp_p);
  /* ECADD: G + O fine; x = p + 1, y = 2 (G, not canonical) refused; (1, 3) is off E */
  memset(in, 0, sizeof in);
  unhex_exact(G1_GEN, in, 64);
  assert_int_equal(run_buf(OP_ADD, in, 128, res, &rl), EVM_PC_OK);
  memcpy(in + 64, p_be, 32);
  in[64 + 31] += 1; /* p + 1 = 1 mod p, but not canonical */
  in[127] = 2;
  assert_int_equal(run_buf(OP_ADD, in, 128, res, &rl), EVM_PC_ERROR);
  in[63] = 3;
  memset(in + 64, 0, 64);
  assert_int_equal(run_buf(OP_ADD, in, 128, res, &rl), EVM_PC_ERROR);
  assert_int_equal(run_buf(OP_MUL, in, 96, res, &rl), EVM_PC_ERROR);
  /* ECMUL: k = 0 and the point at infinity give infinity */
  in[63] = 2;
  assert_int_equal(run_buf(OP_MUL, in, 96, res, &rl), EVM_PC_OK);
  assert_int_equal(rl, 64);
  static const uint8_t zero64[64];
  assert_memory_equal(res, zero64, 64);
  memset(in, 0, 64);
  in[95] = 7;
  assert_int_equal(run_buf(OP_MUL, in, 96, res, &rl), EVM_PC_OK);
  assert_memory_equal(res, zero64, 64);
  /* ECPAIRING: lengths that are not multiples of 192 */
  memset(in, 0, sizeof in);
  assert_int_equal(run_buf(OP_PAIR, in, 191, res, &rl), EVM_PC_ERROR);
  assert_int_equal(run_buf(OP_PAIR, in, 193, res, &rl), EVM_PC_ERROR);
  assert_int_equal(run_buf(OP_PAIR, in, 192, res, &rl), EVM_PC_OK); /* (O, O): 1 */
  assert_int_equal(res[31], 1);
  /* (G1, O) and (O, G2) contribute 1 but are still checked */
  unhex_exact(G1_GEN, in, 64);
  assert_int_equal(run_buf(OP_PAIR, in, 192, res, &rl), EVM_PC_OK);
  assert_int_equal(res[31], 1);
  memset(in, 0, 64);
  unhex_exact(G2_GEN, in + 64, 128);
  assert_int_equal(run_buf(OP_PAIR, in, 192, res, &rl), EVM_PC_OK);
  assert_int_equal(res[31], 1);
  in[63] = 1; /* (0, 1) is not on E even though G2 is fine */
  assert_int_equal(run_buf(OP_PAIR, in, 192, res, &rl), EVM_PC_ERROR);
  /* G2 encoded real part first (the wrong order) is off the twist */
  unhex_exact(G1_GEN, in, 64);
  uint8_t g2[128];
  unhex_exact(G2_GEN, g2, 128);
  memcpy(in + 64, g2 + 32, 32);
  memcpy(in + 96, g2, 32);
  assert_int_equal(run_buf(OP_PAIR, in, 192, res, &rl), EVM_PC_ERROR);
  /* a G2 coordinate of p, and a twist point outside G2, in the second pair */
  unhex_exact(G2_GEN, in + 64, 128);
  memcpy(in + 192, in, 192);
  memcpy(in + 192 + 64 + 96, p_be, 32);
  assert_int_equal(run_buf(OP_PAIR, in, 384, res, &rl), EVM_PC_ERROR);
  unhex_exact(G2_NOT_IN_SUBGROUP, in + 192 + 64, 128);
  assert_int_equal(run_buf(OP_PAIR, in, 384, res, &rl), EVM_PC_ERROR);
  /* e(G1, G2) e(G1, -G2) = 1 */
  unhex_exact(G2_GEN, in + 192 + 64, 128);
  bn_fp y;
  assert_true(bn_fp_from_be32(&y, in + 192 + 64 + 64));
  bn_fp_neg(&y, &y);
  bn_fp_to_be32(in + 192 + 64 + 64, &y);
  assert_true(bn_fp_from_be32(&y, in + 192 + 64 + 96));
  bn_fp_neg(&y, &y);
  bn_fp_to_be32(in + 192 + 64 + 96, &y);
  assert_int_equal(run_buf(OP_PAIR, in, 384, res, &rl), EVM_PC_OK);
  assert_int_equal(rl, 32);
  assert_int_equal(res[31], 1);
  /* the second pair alone: e(G1, -G2) != 1 */
  assert_int_equal(run_buf(OP_PAIR, in + 192, 192, res, &rl), EVM_PC_OK);
  assert_int_equal(res[31], 0);
}

typedef struct {
  pc_op op;
  evm_fork fork;
  size_t len;
  uint64_t gas;
} gas_row;

static void test_gas(void **state) {
  (void)state;
  static const evm_pc_gas_fn gas_fns[] = {evm_pc_bn254_add_gas, evm_pc_bn254_mul_gas,
                                          evm_pc_bn254_pairing_gas};
  static const gas_row rows[] = {
      {OP_ADD, EVM_BYZANTIUM, 128, 500},       {OP_ADD, EVM_PETERSBURG, 0, 500},
      {OP_ADD, EVM_ISTANBUL, 128, 150},        {OP_ADD, EVM_OSAKA, 1000, 150},
      {OP_MUL, EVM_BYZANTIUM, 96, 40000},      {OP_MUL, EVM_ISTANBUL, 96, 6000},
      {OP_MUL, EVM_CANCUN, 5, 6000},           {OP_PAIR, EVM_BYZANTIUM, 0, 100000},
      {OP_PAIR, EVM_CONSTANTINOPLE, 384, 260000}, {OP_PAIR, EVM_ISTANBUL, 0, 45000},
      {OP_PAIR, EVM_ISTANBUL, 192, 79000},     {OP_PAIR, EVM_PRAGUE, 384, 113000},
      {OP_PAIR, EVM_OSAKA, 1920, 385000},      {OP_PAIR, EVM_OSAKA, 191, 45000},
      {OP_PAIR, EVM_OSAKA, SIZE_MAX, EVM_PC_GAS_MAX},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    uint64_t g = gas_fns[rows[i].op](NULL, rows[i].len, rows[i].fork);
    if (g != rows[i].gas) fail_msg("gas row %zu: %llu, want %llu", i, (unsigned long long)g,
                                   (unsigned long long)rows[i].gas);
  }
}

/* The pair cap: BN_PAIRING_MAX_PAIRS pairs of (O, O) pass, one more is refused. */
static void test_pair_cap(void **state) {
  (void)state;
  size_t len = (size_t)(BN_PAIRING_MAX_PAIRS + 1) * 192;
  uint8_t *in = calloc(1, len), res[32];
  size_t rl;
  assert_non_null(in);
  assert_int_equal(run_buf(OP_PAIR, in, len - 192, res, &rl), EVM_PC_OK);
  assert_int_equal(res[31], 1);
  assert_int_equal(run_buf(OP_PAIR, in, len, res, &rl), EVM_PC_ERROR);
  free(in);
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

#define TIMING_ROUNDS 20
/* Ten times the 5 ms target (forty under the sanitizers): fails only if something broke,
 * not because the shared machine is busy. */
#if defined(__SANITIZE_ADDRESS__)
#define TIMING_LIMIT_US 200000.0
#else
#define TIMING_LIMIT_US 50000.0
#endif

static void test_timing(void **state) {
  (void)state;
  const pc_vector *v[3] = {&GETH_VECTORS[0], &GETH_VECTORS[8], NULL};
  for (size_t i = 0; i < sizeof GETH_VECTORS / sizeof GETH_VECTORS[0]; i++)
    if (!strcmp(GETH_VECTORS[i].name, "pairing jeff1")) v[2] = &GETH_VECTORS[i];
  assert_non_null(v[2]);
  static const char *names[3] = {"ECADD", "ECMUL", "ECPAIRING (2 pairs)"};
  for (int k = 0; k < 3; k++) {
    uint8_t in[VEC_MAX_IN];
    long n = test_unhex(v[k]->input, in, sizeof in);
    assert_true(n > 0);
    double t0 = now_us();
    for (int i = 0; i < TIMING_ROUNDS; i++) {
      evm_pc_out out = {NULL, 0};
      assert_int_equal(run_op(v[k]->op, in, (size_t)n, EVM_OSAKA, &out), EVM_PC_OK);
      free(out.data);
    }
    double per = (now_us() - t0) / TIMING_ROUNDS;
    fprintf(stderr, "timing: %s %.1f us per call\n", names[k], per);
    assert_true(per < TIMING_LIMIT_US);
  }
}

/* ---- @noble/curves cross-check (file written by tests/e2e/bn254_noble.test.mjs) ---- */
static void test_crosscheck_noble(void **state) {
  (void)state;
  static const struct {
    const char *name;
    pc_op op;
  } ops[] = {{"add", OP_ADD}, {"mul", OP_MUL}, {"pairing", OP_PAIR}};
  const char *path = getenv("BN254_CROSSCHECK_FILE");
  if (!path || !*path) {
    fprintf(stderr, "skip: BN254_CROSSCHECK_FILE not set (tests/e2e/bn254_noble.test.mjs writes it)\n");
    skip();
  }
  json_error_t jerr;
  json_t *root = json_load_file(path, 0, &jerr);
  if (!root) fail_msg("cannot parse %s: %s", path, jerr.text);
  json_t *cases = json_object_get(root, "cases");
  assert_true(json_is_array(cases));
  size_t i, agree = 0, counts[3] = {0, 0, 0};
  json_t *c;
  json_array_foreach(cases, i, c) {
    const char *op = json_string_value(json_object_get(c, "op"));
    const char *input = json_string_value(json_object_get(c, "input"));
    json_t *exp = json_object_get(c, "expected");
    assert_non_null(op);
    assert_non_null(input);
    size_t k = 0;
    while (k < 3 && strcmp(ops[k].name, op) != 0) k++;
    if (k == 3) fail_msg("case %zu: unknown op %s", i, op);
    pc_vector v = {op, ops[k].op, input, json_is_string(exp) ? json_string_value(exp) : NULL};
    if (check_vector(&v) != 0) fail_msg("case %zu (%s) disagrees with @noble/curves: %s", i, op, input);
    agree++;
    counts[k]++;
  }
  fprintf(stderr, "cross-check: %zu cases agree with @noble/curves (%zu add, %zu mul, %zu pairing)\n",
          agree, counts[0], counts[1], counts[2]);
  assert_true(counts[0] > 0 && counts[1] > 0 && counts[2] > 0);
  json_decref(root);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_geth_vectors), cmocka_unit_test(test_invalid_inputs),
      cmocka_unit_test(test_gas),          cmocka_unit_test(test_pair_cap),
      cmocka_unit_test(test_timing),       cmocka_unit_test(test_crosscheck_noble),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

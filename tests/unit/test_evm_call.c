/*
 * test_evm_call.c: calls and creates between frames, with gas the specs fix exactly:
 * EIP-150's 63/64 rule with the EIP-2929 cold surcharge and memory expansion counted
 * first, the 2300 stipend of a value call, STATICCALL refusing a write, CREATE2 address
 * collision (EIP-1014/7610), EIP-3541's 0xEF rejection, EIP-170's code size limit,
 * RETURNDATACOPY out of bounds; and BLOCKHASH as a need in a partial state.
 */
#include "testutil.h"

#include "core/evm/evm.h"

#define GAS 1000000ULL

static const uint8_t SENDER[20] = {0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51,
                                   0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51, 0x51};
static const uint8_t OUTER[20] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
                                  0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x01};
#define INNER_HEX "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02"
static const uint8_t INNER[20] = {0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb,
                                  0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0x02};

typedef struct {
  uint8_t b[512];
  size_t n;
} code_buf;

static code_buf hex(const char *h) {
  code_buf c = {.n = 0};
  for (size_t i = 0; h[i] && h[i + 1]; i += 2) {
    unsigned v;
    assert_int_equal(sscanf(h + i, "%2x", &v), 1);
    c.b[c.n++] = (uint8_t)v;
  }
  return c;
}

static void put(evm_state *s, const uint8_t addr[20], uint64_t balance, const char *code) {
  vc_u256 bal = {{balance, 0, 0, 0}};
  vc_err err;
  assert_int_equal(evm_state_put_account(s, addr, &bal, 1, NULL, &err), VC_OK);
  code_buf c = hex(code);
  assert_int_equal(evm_state_set_code(s, addr, c.b, c.n, &err), VC_OK);
}

/* Run OUTER (code) with INNER (inner) in a fresh complete state with gas; slot 0 of
 * OUTER. A failing sub-frame burns the 63/64 it was given, so tests that store after
 * one run with more gas than GAS. */
static uint64_t run_gas(const char *code, const char *inner, uint64_t gas, evm_result *r) {
  evm_state *s = evm_state_new(EVM_STATE_COMPLETE);
  vc_u256 rich = {{0, 1, 0, 0}};
  vc_err err;
  assert_int_equal(evm_state_put_account(s, SENDER, &rich, 0, NULL, &err), VC_OK);
  put(s, OUTER, 10, code);
  put(s, INNER, 0, inner);
  evm_block b;
  memset(&b, 0, sizeof b);
  b.fork = EVM_CANCUN;
  b.number = 10;
  b.gas_limit = 30000000;
  evm_tx t;
  memset(&t, 0, sizeof t);
  memcpy(t.from, SENDER, 20);
  memcpy(t.to, OUTER, 20);
  t.gas_limit = gas;
  assert_int_equal(evm_execute_tx(s, &b, &t, r), VC_OK);
  uint8_t key[32] = {0}, val[32];
  evm_state_get_slot(s, OUTER, key, val);
  uint64_t v = 0;
  for (int i = 24; i < 32; i++) v = v << 8 | val[i];
  evm_state_free(s);
  return v;
}

static uint64_t run_slot0(const char *code, const char *inner, evm_result *r) {
  return run_gas(code, inner, GAS, r);
}

/* INNER returns GAS; OUTER calls it with all its gas and stores the answer. */
#define RETURN_GAS "5a60005260206000f3"
#define CALL_INNER(value) "6020600060006000" value "73" INNER_HEX "5af1" "50600051600055" "00"

static void test_63_64_rule(void **state) {
  (void)state;
  evm_result r;
  /* 979000 at the start; 5 PUSH1 + PUSH20 + GAS = 20; CALL 100 + cold 2500 + memory 3:
   * 976377 left, 976377 - 976377/64 = 961122 given, GAS reads 961122 - 2 */
  assert_int_equal(run_slot0(CALL_INNER("6000"), RETURN_GAS, &r), 961120);
  assert_int_equal(r.status, EVM_SUCCESS);
  evm_result_free(&r);
  /* with value 1: + 9000 before the 63/64 split, + 2300 stipend after it */
  assert_int_equal(run_slot0(CALL_INNER("6001"), RETURN_GAS, &r), 967377 - 967377 / 64 + 2300 - 2);
  evm_result_free(&r);
}

static void test_static_write_refused(void **state) {
  (void)state;
  evm_result r;
  /* STATICCALL(gas, INNER, 0, 0, 0, 0) -> result + 1 into slot 0; INNER does SSTORE */
  const char *outer = "60006000600060007f" "000000000000000000000000" INNER_HEX "5afa"
                      "600101600055" "00";
  assert_int_equal(run_gas(outer, "6001600055", 3 * GAS, &r), 1); /* the call failed: 0 + 1 */
  evm_result_free(&r);
  assert_int_equal(run_gas(outer, "600154", 3 * GAS, &r), 2); /* a read is fine: 1 + 1 */
  evm_result_free(&r);
}

/* CREATE2 of init code I (at memory 0, n bytes) with salt 0; slot 0 = 1 if it worked. */
static void test_create_rules(void **state) {
  (void)state;
  evm_result r;
  /* init returns one byte 0xEF: PUSH1 0xef PUSH1 0 MSTORE8 PUSH1 1 PUSH1 0 RETURN */
  const char *ef = "60ef60005360016000f3"; /* 10 bytes */
  char outer[512];
  /* PUSH10 init, PUSH1 0, MSTORE (init at 22..32), CREATE2(0, 22, 10, salt 0),
   * ISZERO ISZERO into slot 0 */
  snprintf(outer, sizeof outer, "69%s600052" "6000600a60166000f5" "1515600055" "00", ef);
  assert_int_equal(run_gas(outer, "00", 3 * GAS, &r), 0);
  evm_result_free(&r);
  /* the same init returning 0xFE is deployed */
  snprintf(outer, sizeof outer, "69%s600052" "6000600a60166000f5" "1515600055" "00",
           "60fe60005360016000f3");
  assert_int_equal(run_gas(outer, "00", 3 * GAS, &r), 1);
  evm_result_free(&r);
  /* twice the same CREATE2: the second collides (slot 0 = first ok + second ok) */
  snprintf(outer, sizeof outer,
           "69%s600052" "6000600a60166000f5" "1515" "6000600a60166000f5" "1515" "01600055"
           "00", "60fe60005360016000f3");
  assert_int_equal(run_gas(outer, "00", 3 * GAS, &r), 1);
  evm_result_free(&r);
  /* deployed code of 24577 bytes (EIP-170): RETURN(0, 0x6001) fails, with gas enough for
   * the 200 per byte deposit of 24576 bytes */
  snprintf(outer, sizeof outer, "69%s600052" "6000600a60166000f5" "1515600055" "00",
           "6160016000f300000000"); /* PUSH2 0x6001 PUSH1 0 RETURN, padded to 10 */
  assert_int_equal(run_gas(outer, "00", 8 * GAS, &r), 0);
  evm_result_free(&r);
  snprintf(outer, sizeof outer, "69%s600052" "6000600a60166000f5" "1515600055" "00",
           "6160006000f300000000"); /* 24576 bytes: fine */
  assert_int_equal(run_gas(outer, "00", 8 * GAS, &r), 1);
  evm_result_free(&r);
}

static void test_returndatacopy_oob(void **state) {
  (void)state;
  evm_result r;
  /* no call yet: RETURNDATACOPY(0, 0, 1) is out of bounds, the frame halts */
  run_slot0("600160006000" "3e" "00", "00", &r);
  assert_int_equal(r.status, EVM_HALT);
  assert_int_equal(r.halt, EVM_HALT_RETURNDATA_OOB);
  assert_non_null(strstr(r.err.msg, "RETURNDATACOPY at pc 0x6"));
  evm_result_free(&r);
}

static void test_blockhash_need(void **state) {
  (void)state;
  evm_state *s = evm_state_new(EVM_STATE_PARTIAL);
  vc_u256 rich = {{0, 1, 0, 0}};
  vc_err err;
  assert_int_equal(evm_state_put_account(s, SENDER, &rich, 0, NULL, &err), VC_OK);
  put(s, OUTER, 0, "60054060005260206000f3"); /* BLOCKHASH(5), return it */
  evm_block b;
  memset(&b, 0, sizeof b);
  b.fork = EVM_OSAKA;
  b.number = 10;
  b.gas_limit = 30000000;
  evm_tx t;
  memset(&t, 0, sizeof t);
  memcpy(t.from, SENDER, 20);
  memcpy(t.to, OUTER, 20);
  evm_result r;
  assert_int_equal(evm_call(s, &b, &t, GAS, &r), VC_OK);
  assert_int_equal(r.status, EVM_MISSING);
  assert_int_equal(r.n_needs, 1);
  assert_int_equal(r.needs[0].kind, EVM_NEED_BLOCK_HASH);
  assert_int_equal(r.needs[0].number, 5);
  evm_result_free(&r);
  evm_block_hash h = {.number = 5};
  memset(h.hash, 0x55, 32);
  b.hashes = &h;
  b.n_hashes = 1;
  assert_int_equal(evm_call(s, &b, &t, GAS, &r), VC_OK);
  assert_int_equal(r.status, EVM_SUCCESS);
  assert_int_equal(r.output_len, 32);
  assert_memory_equal(r.output, h.hash, 32);
  evm_result_free(&r);
  evm_state_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_63_64_rule),         cmocka_unit_test(test_static_write_refused),
      cmocka_unit_test(test_create_rules),       cmocka_unit_test(test_returndatacopy_oob),
      cmocka_unit_test(test_blockhash_need),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

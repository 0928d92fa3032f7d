/*
 * test_evm.c: the EVM (src/core/evm) on small programs whose results the specs fix.
 *
 * 256-bit arithmetic against values computed with Python's big integers; CLZ with
 * EIP-7939's examples; memory expansion and SSTORE gas (EIP-2200/2929/3529 tables, with
 * the slot warmed by an access list so the numbers are the EIPs' own); CREATE and
 * CREATE2 addresses (EIP-1014's examples); stack, jump and depth limits; REVERT data;
 * transient storage; EIP-6780 SELFDESTRUCT; invalid transactions; eth_call leaving the
 * state alone; and the partial-state MISSING outcome naming what it needed. Every
 * program runs as a real transaction through evm_execute_tx.
 */
#include "testutil.h"

#include "core/evm/evm.h"
#include "core/evm/evm_int.h"

#define PROG_MAX 8192
#define BIG_GAS 10000000ULL

typedef struct {
  uint8_t b[PROG_MAX];
  size_t n;
} prog;

static const uint8_t SENDER[20] = {0xa9, 0x4f, 0x53, 0x74, 0xfc, 0xe5, 0xed, 0xbc, 0x8e, 0x2a,
                                   0x86, 0x97, 0xc1, 0x53, 0x31, 0x67, 0x7e, 0x6e, 0xbf, 0x0b};
static const uint8_t CONTRACT[20] = {0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc,
                                     0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0xcc, 0x01};
static const uint8_t OTHER[20] = {0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb,
                                  0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0xbb, 0x02};

static void emit(prog *p, const char *hex) {
  size_t n = strlen(hex);
  for (size_t i = 0; i + 1 < n; i += 2) {
    unsigned v;
    assert_int_equal(sscanf(hex + i, "%2x", &v), 1);
    assert_true(p->n < PROG_MAX);
    p->b[p->n++] = (uint8_t)v;
  }
}

static void push32(prog *p, const char *hex64) {
  emit(p, "7f");
  emit(p, hex64);
}

static void unhex(const char *hex, uint8_t *out, size_t n) {
  for (size_t i = 0; i < n; i++) {
    unsigned v;
    assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
    out[i] = (uint8_t)v;
  }
}

static evm_block block_of(evm_fork fork) {
  evm_block b;
  memset(&b, 0, sizeof b);
  b.fork = fork;
  b.number = 100;
  b.timestamp = 1000;
  b.gas_limit = 1ULL << 40;
  b.chain_id = 1;
  b.coinbase[0] = 0xc0;
  return b;
}

static evm_tx tx_to(const uint8_t to[20], uint64_t gas) {
  evm_tx t;
  memset(&t, 0, sizeof t);
  memcpy(t.from, SENDER, 20);
  memcpy(t.to, to, 20);
  t.gas_limit = gas;
  return t;
}

static evm_state *state_with(const uint8_t *code, size_t n) {
  evm_state *s = evm_state_new(EVM_STATE_COMPLETE);
  assert_non_null(s);
  vc_u256 rich = {{0, 1, 0, 0}}, zero = {{0, 0, 0, 0}};
  vc_err err;
  assert_int_equal(evm_state_put_account(s, SENDER, &rich, 0, NULL, &err), VC_OK);
  assert_int_equal(evm_state_put_account(s, CONTRACT, &zero, 1, NULL, &err), VC_OK);
  assert_int_equal(evm_state_set_code(s, CONTRACT, code, n, &err), VC_OK);
  return s;
}

/* Run p at CONTRACT under fork; fills r; returns the state (caller frees). */
static evm_state *run_prog(const prog *p, evm_fork fork, uint64_t gas, evm_result *r) {
  evm_state *s = state_with(p->b, p->n);
  evm_block b = block_of(fork);
  evm_tx t = tx_to(CONTRACT, gas);
  assert_int_equal(evm_execute_tx(s, &b, &t, r), VC_OK);
  return s;
}

/* append: MSTORE the top at 0, RETURN 32 bytes */
static void ret_top(prog *p) { emit(p, "60005260206000f3"); }

static void expect_word(const evm_result *r, const char *hex64) {
  uint8_t want[32];
  unhex(hex64, want, 32);
  assert_int_equal(r->status, EVM_SUCCESS);
  assert_int_equal(r->output_len, 32);
  assert_memory_equal(r->output, want, 32);
}

/* --- arithmetic --- */

typedef struct {
  uint8_t op;
  int nargs;
  const char *args[3]; /* args[0] is the top of the stack */
  const char *want;
} arith_case;

static const arith_case arith[] = {
#include "evm_arith_vectors.h"
};

static void test_arithmetic(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof arith / sizeof arith[0]; i++) {
    prog p = {.n = 0};
    for (int k = arith[i].nargs - 1; k >= 0; k--) push32(&p, arith[i].args[k]);
    p.b[p.n++] = arith[i].op;
    ret_top(&p);
    evm_result r;
    evm_state *s = run_prog(&p, EVM_CANCUN, BIG_GAS, &r);
    expect_word(&r, arith[i].want);
    evm_result_free(&r);
    evm_state_free(s);
  }
}

static void test_clz(void **state) {
  (void)state;
  static const struct {
    const char *x;
    unsigned want;
  } v[] = {
      {"0000000000000000000000000000000000000000000000000000000000000000", 256},
      {"0000000000000000000000000000000000000000000000000000000000000001", 255},
      {"8000000000000000000000000000000000000000000000000000000000000000", 0},
      {"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0},
      {"4000000000000000000000000000000000000000000000000000000000000000", 1},
      {"7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 1},
      {"00000000000000000000000000000000000000000000000000000000000006ff", 245},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    prog p = {.n = 0};
    push32(&p, v[i].x);
    emit(&p, "1e");
    ret_top(&p);
    evm_result r;
    evm_state *s = run_prog(&p, EVM_OSAKA, BIG_GAS, &r);
    char want[65];
    snprintf(want, sizeof want, "%064x", v[i].want);
    expect_word(&r, want);
    /* 5 gas: PUSH32 3 + CLZ 5 + PUSH1 3 + MSTORE 3 + 3 memory + PUSH1 3 + PUSH1 3 */
    assert_int_equal(r.gas_used, 21000 + 3 + 5 + 3 + 3 + 3 + 3 + 3 + 16 * 0);
    evm_result_free(&r);
    evm_state_free(s);
    /* before Osaka 0x1e is undefined */
    s = run_prog(&p, EVM_PRAGUE, BIG_GAS, &r);
    assert_int_equal(r.status, EVM_HALT);
    assert_int_equal(r.halt, EVM_HALT_INVALID_OPCODE);
    assert_int_equal(r.gas_used, BIG_GAS);
    evm_result_free(&r);
    evm_state_free(s);
  }
}

/* --- gas --- */

static void test_memory_expansion(void **state) {
  (void)state;
  static const struct {
    const char *off;
    uint64_t words;
  } v[] = {{"00", 1}, {"20", 2}, {"3e0", 32}, {"ffe0", 2048}};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    prog p = {.n = 0};
    char hex[80];
    snprintf(hex, sizeof hex, "61%04x5100", (unsigned)strtoul(v[i].off, NULL, 16));
    emit(&p, hex); /* PUSH2 off, MLOAD, STOP */
    evm_result r;
    evm_state *s = run_prog(&p, EVM_CANCUN, BIG_GAS, &r);
    uint64_t w = v[i].words, mem = 3 * w + w * w / 512;
    assert_int_equal(r.status, EVM_SUCCESS);
    assert_int_equal(r.gas_used, 21000 + 3 + 3 + mem);
    evm_result_free(&r);
    evm_state_free(s);
  }
}

/* EIP-3529's table (London prices, slot warm): code, original, used gas, refund. */
static void test_sstore_gas(void **state) {
  (void)state;
  static const struct {
    const char *code;
    uint8_t orig;
    uint64_t used;
    int64_t refund;
  } v[] = {
      {"60006000556000600055", 0, 212, 0},       {"60006000556001600055", 0, 20112, 0},
      {"60016000556000600055", 0, 20112, 19900}, {"60016000556002600055", 0, 20112, 0},
      {"60016000556001600055", 0, 20112, 0},     {"60006000556000600055", 1, 3012, 4800},
      {"60006000556001600055", 1, 3012, 2800},   {"60006000556002600055", 1, 3012, 0},
      {"60026000556000600055", 1, 3012, 4800},   {"60026000556003600055", 1, 3012, 0},
      {"60026000556001600055", 1, 3012, 2800},   {"60026000556002600055", 1, 3012, 0},
      {"60016000556000600055", 1, 3012, 4800},   {"60016000556002600055", 1, 3012, 0},
      {"60016000556001600055", 1, 212, 0},
      {"600160005560006000556001600055", 0, 40118, 19900},
      {"600060005560016000556000600055", 1, 5918, 7600},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    prog p = {.n = 0};
    emit(&p, v[i].code);
    evm_state *s = state_with(p.b, p.n);
    uint8_t key[32] = {0}, val[32] = {0};
    val[31] = v[i].orig;
    vc_err err;
    assert_int_equal(evm_state_put_slot(s, CONTRACT, key, val, &err), VC_OK);
    evm_block b = block_of(EVM_LONDON);
    evm_tx t = tx_to(CONTRACT, BIG_GAS);
    t.type = 1;
    const uint8_t keys[1][32] = {{0}};
    evm_access_entry al = {.keys = keys, .n_keys = 1};
    memcpy(al.addr, CONTRACT, 20);
    t.access_list = &al;
    t.n_access = 1;
    evm_result r;
    assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
    assert_int_equal(r.status, EVM_SUCCESS);
    uint64_t intrinsic = 21000 + 2400 + 1900;
    uint64_t before_refund = intrinsic + v[i].used;
    uint64_t cap = before_refund / 5;
    uint64_t refund = (uint64_t)v[i].refund < cap ? (uint64_t)v[i].refund : cap;
    assert_int_equal(r.gas_refund, refund);
    assert_int_equal(r.gas_used, before_refund - refund);
    evm_result_free(&r);
    evm_state_free(s);
  }
}

/* --- addresses --- */

static void test_create_addresses(void **state) {
  (void)state;
  static const struct {
    const char *sender, *salt, *init, *want;
  } v[] = {
      {"0000000000000000000000000000000000000000",
       "0000000000000000000000000000000000000000000000000000000000000000", "00",
       "4d1a2e2bb4f88f0250f26ffff098b0b30b26bf38"},
      {"deadbeef00000000000000000000000000000000",
       "0000000000000000000000000000000000000000000000000000000000000000", "00",
       "b928f69bb1d91cd65274e3c79d8986362984fda3"},
      {"deadbeef00000000000000000000000000000000",
       "000000000000000000000000feed000000000000000000000000000000000000", "00",
       "d04116cdd17bebe565eb2422f2497e06cc1c9833"},
      {"0000000000000000000000000000000000000000",
       "0000000000000000000000000000000000000000000000000000000000000000", "deadbeef",
       "70f2b2914a2a4b783faefb75f459a580616fcb5e"},
      {"0000000000000000000000000000000000000000",
       "0000000000000000000000000000000000000000000000000000000000000000", "",
       "e33c0c7f7df4809055c3eba6c09cfe4baf1bd9e0"},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    uint8_t sender[20], salt[32], init[8], want[20], got[20];
    size_t n = strlen(v[i].init) / 2;
    unhex(v[i].sender, sender, 20);
    unhex(v[i].salt, salt, 32);
    unhex(v[i].init, init, n);
    unhex(v[i].want, want, 20);
    evm_create2_address(sender, salt, init, n, got);
    assert_memory_equal(got, want, 20);
  }
  uint8_t s[20], want[20], got[20];
  unhex("6ac7ea33f8831ea9dcc53393aaa88b25a785dbf0", s, 20);
  evm_create_address(s, 0, got);
  unhex("cd234a471b72ba2f1ccf0a70fcaba648a5eecd8d", want, 20);
  assert_memory_equal(got, want, 20);
  evm_create_address(s, 1, got);
  unhex("343c43a37d37dff08ae8c4a11544c718abb4fcf8", want, 20);
  assert_memory_equal(got, want, 20);
}

/* --- limits --- */

static void test_stack_limits(void **state) {
  (void)state;
  prog p = {.n = 0};
  for (int i = 0; i < 1025; i++) emit(&p, "5f"); /* PUSH0 x 1025 */
  evm_result r;
  evm_state *s = run_prog(&p, EVM_CANCUN, BIG_GAS, &r);
  assert_int_equal(r.status, EVM_HALT);
  assert_int_equal(r.halt, EVM_HALT_STACK_OVERFLOW);
  assert_non_null(strstr(r.err.msg, "PUSH0 at pc 0x400"));
  evm_result_free(&r);
  evm_state_free(s);
  p.n = 1024; /* exactly 1024 words is fine */
  s = run_prog(&p, EVM_CANCUN, BIG_GAS, &r);
  assert_int_equal(r.status, EVM_SUCCESS);
  evm_result_free(&r);
  evm_state_free(s);
  prog u = {.n = 0};
  emit(&u, "600101"); /* PUSH1 1, ADD */
  s = run_prog(&u, EVM_CANCUN, BIG_GAS, &r);
  assert_int_equal(r.halt, EVM_HALT_STACK_UNDERFLOW);
  evm_result_free(&r);
  evm_state_free(s);
}

static void test_bad_jump_names_pc(void **state) {
  (void)state;
  prog p = {.n = 0};
  emit(&p, "6003565b00"); /* PUSH1 3, JUMP -> 3 is JUMPDEST */
  evm_result r;
  evm_state *s = run_prog(&p, EVM_CANCUN, BIG_GAS, &r);
  assert_int_equal(r.status, EVM_SUCCESS);
  evm_result_free(&r);
  evm_state_free(s);
  prog q = {.n = 0};
  emit(&q, "600456605b00"); /* PUSH1 4, JUMP: 4 is inside PUSH1's data */
  s = run_prog(&q, EVM_CANCUN, BIG_GAS, &r);
  assert_int_equal(r.status, EVM_HALT);
  assert_int_equal(r.halt, EVM_HALT_BAD_JUMP);
  assert_non_null(strstr(r.err.msg, "JUMP at pc 0x2 in 0xcccc..cc01"));
  assert_int_equal(r.gas_used, BIG_GAS);
  evm_result_free(&r);
  evm_state_free(s);
}

/* Each frame adds one to slot 0 and calls itself: 1025 frames (depth 0..1024). */
static void test_call_depth(void **state) {
  (void)state;
  prog p = {.n = 0};
  emit(&p, "600054600101600055"); /* SSTORE(0, SLOAD(0) + 1) */
  emit(&p, "6000600060006000600030" "5a" "f1" "00"); /* CALL(gas, self, 0, 0,0,0,0) */
  evm_result r;
  evm_state *s = run_prog(&p, EVM_CANCUN, 1ULL << 40, &r);
  assert_int_equal(r.status, EVM_SUCCESS);
  uint8_t key[32] = {0}, val[32];
  evm_state_get_slot(s, CONTRACT, key, val);
  assert_int_equal(val[30] * 256 + val[31], 1025);
  evm_result_free(&r);
  evm_state_free(s);
}

/* --- outcomes --- */

static void test_revert_data(void **state) {
  (void)state;
  prog p = {.n = 0};
  emit(&p, "600160005561abcd60005260206000fd"); /* SSTORE 1; MSTORE 0xabcd; REVERT 0 32 */
  evm_result r;
  evm_state *s = run_prog(&p, EVM_CANCUN, BIG_GAS, &r);
  assert_int_equal(r.status, EVM_REVERT);
  assert_int_equal(r.output_len, 32);
  assert_int_equal(r.output[30], 0xab);
  assert_int_equal(r.output[31], 0xcd);
  assert_true(r.gas_used < BIG_GAS); /* REVERT keeps the gas left */
  uint8_t key[32] = {0}, val[32];
  evm_state_get_slot(s, CONTRACT, key, val);
  assert_int_equal(val[31], 0); /* the store was rolled back */
  evm_account_view a;
  assert_true(evm_state_get_account(s, SENDER, &a));
  assert_int_equal(a.nonce, 1); /* the nonce stays */
  evm_result_free(&r);
  evm_state_free(s);
}

static void test_transient_storage(void **state) {
  (void)state;
  prog p = {.n = 0};
  emit(&p, "60005c" "600101" "80" "60005d"); /* TLOAD 0, +1, DUP, TSTORE 0 */
  emit(&p, "60005c"); /* TLOAD 0 again */
  ret_top(&p);
  evm_state *s = state_with(p.b, p.n);
  evm_block b = block_of(EVM_CANCUN);
  for (uint64_t n = 0; n < 2; n++) {
    evm_tx t = tx_to(CONTRACT, BIG_GAS);
    t.nonce = n;
    evm_result r;
    assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
    expect_word(&r, "0000000000000000000000000000000000000000000000000000000000000001");
    evm_result_free(&r); /* the next transaction starts from zero again */
  }
  evm_state_free(s);
}

/* EIP-6780: an old contract's SELFDESTRUCT only moves its balance. */
static void test_selfdestruct_6780(void **state) {
  (void)state;
  prog p = {.n = 0};
  emit(&p, "73bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb02ff");
  evm_state *s = state_with(p.b, p.n);
  vc_u256 bal = {{1234, 0, 0, 0}};
  vc_err err;
  assert_int_equal(evm_state_put_account(s, CONTRACT, &bal, 1, NULL, &err), VC_OK);
  assert_int_equal(evm_state_set_code(s, CONTRACT, p.b, p.n, &err), VC_OK);
  evm_block b = block_of(EVM_CANCUN);
  evm_tx t = tx_to(CONTRACT, BIG_GAS);
  evm_result r;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.status, EVM_SUCCESS);
  evm_account_view a;
  assert_true(evm_state_get_account(s, CONTRACT, &a));
  assert_int_equal(a.code_len, p.n);
  assert_true(vc_u256_is_zero(&a.balance));
  assert_true(evm_state_get_account(s, OTHER, &a));
  assert_int_equal(a.balance.w[0], 1234);
  /* 5000 + cold 2600 + new account 25000 + PUSH20 3 */
  assert_int_equal(r.gas_used, 21000 + 3 + 5000 + 2600 + 25000);
  evm_result_free(&r);
  evm_state_free(s);
}

static void test_invalid_tx(void **state) {
  (void)state;
  prog p = {.n = 0};
  emit(&p, "00");
  evm_state *s = state_with(p.b, p.n);
  evm_block b = block_of(EVM_CANCUN);
  evm_tx t = tx_to(CONTRACT, BIG_GAS);
  t.nonce = 5;
  evm_result r;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.status, EVM_INVALID_TX);
  assert_int_equal(r.tx_error, EVM_TXERR_NONCE_TOO_HIGH);
  assert_string_equal(evm_tx_error_name(r.tx_error),
                      "TransactionException.NONCE_MISMATCH_TOO_HIGH");
  evm_result_free(&r);
  t.nonce = 0;
  t.gas_limit = 20000;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.tx_error, EVM_TXERR_INTRINSIC_GAS);
  evm_result_free(&r);
  t.gas_limit = BIG_GAS;
  t.value.w[3] = 1; /* 2^192 wei: more than the sender has */
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.tx_error, EVM_TXERR_INSUFFICIENT_FUNDS);
  evm_result_free(&r);
  evm_account_view a;
  assert_true(evm_state_get_account(s, SENDER, &a));
  assert_int_equal(a.nonce, 0); /* nothing changed */
  b.fork = EVM_OSAKA;
  t.value.w[3] = 0;
  t.gas_limit = EVM_TX_GAS_CAP_OSAKA + 1;
  assert_int_equal(evm_execute_tx(s, &b, &t, &r), VC_OK);
  assert_int_equal(r.tx_error, EVM_TXERR_GAS_LIMIT_CAP);
  evm_result_free(&r);
  evm_state_free(s);
}

static void test_call_leaves_state(void **state) {
  (void)state;
  prog p = {.n = 0};
  emit(&p, "602a600055"); /* SSTORE(0, 42) */
  emit(&p, "60005460005260206000f3");
  evm_state *s = state_with(p.b, p.n);
  evm_block b = block_of(EVM_CANCUN);
  evm_tx t = tx_to(CONTRACT, 0);
  memset(t.from, 0x77, 20); /* any address, no balance, no nonce check */
  evm_result r;
  assert_int_equal(evm_call(s, &b, &t, 1000000, &r), VC_OK);
  expect_word(&r, "000000000000000000000000000000000000000000000000000000000000002a");
  /* the gas is reported as for a transaction: 21000 + 3 + 3 + 22100 (cold, new value) +
   * 3 + 100 (warm SLOAD) + 3 + 3 + 3 (memory) + 3 + 3 */
  assert_int_equal(r.gas_used, 21000 + 22224);
  evm_result_free(&r);
  uint8_t key[32] = {0}, val[32];
  evm_state_get_slot(s, CONTRACT, key, val);
  assert_int_equal(val[31], 0);
  evm_account_view a;
  assert_false(evm_state_get_account(s, t.from, &a));
  evm_state_free(s);
}

/* Partial state: the run names every slot and account it lacked, then succeeds once
 * they are put. */
static void test_missing_state(void **state) {
  (void)state;
  prog p = {.n = 0};
  emit(&p, "600554"); /* SLOAD 5 */
  emit(&p, "73bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb0231"); /* BALANCE(OTHER) */
  emit(&p, "0160005260206000f3");
  evm_state *s = evm_state_new(EVM_STATE_PARTIAL);
  assert_non_null(s);
  vc_u256 rich = {{0, 1, 0, 0}}, zero = {{0, 0, 0, 0}}, ten = {{10, 0, 0, 0}};
  vc_err err;
  assert_int_equal(evm_state_put_account(s, SENDER, &rich, 0, NULL, &err), VC_OK);
  assert_int_equal(evm_state_put_account(s, CONTRACT, &zero, 1, NULL, &err), VC_OK);
  assert_int_equal(evm_state_set_code(s, CONTRACT, p.b, p.n, &err), VC_OK);
  evm_block b = block_of(EVM_CANCUN); /* its coinbase is unknown: an eth_call pays no fee */
  evm_tx t = tx_to(CONTRACT, 100000);
  evm_result r;
  assert_int_equal(evm_call(s, &b, &t, 100000, &r), VC_OK);
  assert_int_equal(r.status, EVM_MISSING);
  assert_int_equal(r.n_needs, 2);
  assert_int_equal(r.needs[0].kind, EVM_NEED_SLOT);
  assert_memory_equal(r.needs[0].addr, CONTRACT, 20);
  assert_int_equal(r.needs[0].key[31], 5);
  assert_int_equal(r.needs[1].kind, EVM_NEED_ACCOUNT);
  assert_memory_equal(r.needs[1].addr, OTHER, 20);
  assert_null(r.output);
  evm_result_free(&r);
  uint8_t key[32] = {0}, val[32] = {0};
  key[31] = 5;
  val[31] = 7;
  assert_int_equal(evm_state_put_slot(s, CONTRACT, key, val, &err), VC_OK);
  assert_int_equal(evm_state_put_account(s, OTHER, &ten, 0, NULL, &err), VC_OK);
  assert_int_equal(evm_call(s, &b, &t, 100000, &r), VC_OK);
  expect_word(&r, "0000000000000000000000000000000000000000000000000000000000000011");
  evm_result_free(&r);
  evm_state_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_arithmetic),      cmocka_unit_test(test_clz),
      cmocka_unit_test(test_memory_expansion), cmocka_unit_test(test_sstore_gas),
      cmocka_unit_test(test_create_addresses), cmocka_unit_test(test_stack_limits),
      cmocka_unit_test(test_bad_jump_names_pc), cmocka_unit_test(test_call_depth),
      cmocka_unit_test(test_revert_data),     cmocka_unit_test(test_transient_storage),
      cmocka_unit_test(test_selfdestruct_6780), cmocka_unit_test(test_invalid_tx),
      cmocka_unit_test(test_call_leaves_state), cmocka_unit_test(test_missing_state),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

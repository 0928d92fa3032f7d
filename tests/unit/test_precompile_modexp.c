/*
 * test_precompile_modexp.c: the modexp precompile (0x05, pc_modexp.c) against its
 * specifications and independent computations.
 *
 * EIP-198's worked examples (outputs and the 13056 gas it states), the gas tables of
 * EIP-2565 and EIP-7883 (each input rebuilt from the table row's lengths and exponent:
 * only those set a price), lengths up to 2^256 (the price saturates, never wraps, and
 * stays exact where it fits 64 bits), EIP-7823's 1024-byte bounds from Osaka, operands
 * far wider than 256 bits checked against identities of the Mersenne primes 2^521 - 1
 * and 2^1279 - 1, random small operands in wide zero-led fields against
 * square-and-multiply computed here, and zero padding of short inputs.
 *
 * Calls evm_pc_modexp* directly, not the table (see test_precompile.c).
 */
#include "pcutil.h"

/* ---------------------------------------------------------------- modexp */

/* A modexp input: the three lengths as 32-byte words, then the operands (NULL = zeros)
 * of exactly b, e, m bytes; malloc'd, *len receives its size. */
static uint8_t *mx_input(size_t b, size_t e, size_t m, const uint8_t *base, const uint8_t *exp,
                         const uint8_t *mod, size_t *len) {
  *len = 96 + b + e + m;
  uint8_t *in = calloc(1, *len);
  assert_non_null(in);
  const size_t lens[3] = {b, e, m};
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 8; k++) in[32 * i + 31 - k] = (uint8_t)((uint64_t)lens[i] >> (8 * k));
  if (base) memcpy(in + 96, base, b);
  if (exp) memcpy(in + 96 + b, exp, e);
  if (mod) memcpy(in + 96 + b + e, mod, m);
  return in;
}

static const evm_fork gas_forks[3] = {EVM_BYZANTIUM, EVM_BERLIN, EVM_OSAKA};

/* EIP-198's worked examples, and their prices under each rule (EIP-198 states 13056). */
static void test_modexp_eip198(void **state) {
  (void)state;
  static const char *const ff_2e = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2e";
  static const char *const ff_2f = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f";
  static const char *const w1 = "0000000000000000000000000000000000000000000000000000000000000001";
  static const char *const w0 = "0000000000000000000000000000000000000000000000000000000000000000";
  static const char *const w2 = "0000000000000000000000000000000000000000000000000000000000000002";
  static const char *const w32 = "0000000000000000000000000000000000000000000000000000000000000020";
  char h[1024];
  uint8_t *in;
  size_t n;
  /* 1: 3^(p-1) mod p = 1 (Fermat, secp256k1's p) */
  snprintf(h, sizeof h, "%s%s%s03%s%s", w1, w32, w32, ff_2e, ff_2f);
  n = unhex_alloc(h, &in);
  for (int f = 0; f < 3; f++) expect_out(evm_pc_modexp, in, n, gas_forks[f], w1);
  assert_int_equal(evm_pc_modexp_gas(in, n, EVM_BYZANTIUM), 13056);
  assert_int_equal(evm_pc_modexp_gas(in, n, EVM_BERLIN), 1360);  /* 16 * 255 / 3 */
  assert_int_equal(evm_pc_modexp_gas(in, n, EVM_OSAKA), 4080);   /* 16 * 255 */
  free(in);
  /* 2: a base length of 0 is a base of 0 */
  snprintf(h, sizeof h, "%s%s%s%s%s", w0, w32, w32, ff_2e, ff_2f);
  expect_out_hex(evm_pc_modexp, h, EVM_CANCUN, w0);
  /* 3: a modulus 2^256 - 1 bytes long is priced out of reach, whatever the fork */
  snprintf(h, sizeof h, "%s%s%s%s%s", w0, w32,
           "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
           "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe",
           "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffd");
  n = unhex_alloc(h, &in);
  for (int f = 0; f < 3; f++) assert_true(evm_pc_modexp_gas(in, n, gas_forks[f]) == EVM_PC_GAS_MAX);
  expect_error(evm_pc_modexp, in, n, EVM_CANCUN);
  expect_error(evm_pc_modexp, in, n, EVM_OSAKA);
  free(in);
  /* 4 and 5: 3^65535 mod 2^255, the modulus whole, then cut to one byte and zero-padded;
   * its low 64 bits equal 3^65535 mod 2^64, computed here with wrapping arithmetic */
  uint64_t low = 1;
  for (int i = 0; i < 65535; i++) low *= 3;
  snprintf(h, sizeof h,
           "%s%s%s03ffff80000000000000000000000000000000000000000000000000000000000000""0007",
           w1, w2, w32);
  evm_pc_out a = {0}, b = {0};
  n = unhex_alloc(h, &in);
  assert_int_equal(evm_pc_modexp(in, n, EVM_CANCUN, &a), EVM_PC_OK);
  free(in);
  snprintf(h, sizeof h, "%s%s%s03ffff80", w1, w2, w32);
  n = unhex_alloc(h, &in);
  assert_int_equal(evm_pc_modexp(in, n, EVM_CANCUN, &b), EVM_PC_OK);
  free(in);
  assert_int_equal(a.len, 32);
  assert_int_equal(b.len, 32);
  assert_memory_equal(a.data, b.data, 32);
  assert_true(a.data[0] < 0x80); /* below 2^255 */
  uint64_t got = 0;
  for (int i = 24; i < 32; i++) got = (got << 8) | a.data[i];
  assert_true(got == low);
  free(a.data);
  free(b.data);
}

/* Lengths and exponents of the named vectors (go-ethereum's modexp test inputs), with
 * the prices the EIPs' tables give: EIP-2565 lists EIP-198's and its own, EIP-7883
 * EIP-2565's and its own. Only lengths and the exponent's leading bytes set a price. */
static const struct {
  const char *name;
  uint16_t b, e, m;
  const char *exp_head; /* leading bytes of the exponent, hex */
  uint64_t g198, g2565, g7883; /* 0: not in the tables */
} gas_rows[] = {
    {"nagydani-1-square", 64, 1, 64, "02", 204, 200, 500},
    {"nagydani-1-qube", 64, 1, 64, "03", 204, 200, 500},
    {"nagydani-1-pow0x10001", 64, 3, 64, "010001", 3276, 341, 2048},
    {"nagydani-2-square", 128, 1, 128, "02", 665, 200, 512},
    {"nagydani-2-qube", 128, 1, 128, "03", 665, 200, 512},
    {"nagydani-2-pow0x10001", 128, 3, 128, "010001", 10649, 1365, 8192},
    {"nagydani-3-square", 256, 1, 256, "02", 1894, 341, 2048},
    {"nagydani-3-qube", 256, 1, 256, "03", 1894, 341, 2048},
    {"nagydani-3-pow0x10001", 256, 3, 256, "010001", 30310, 5461, 32768},
    {"nagydani-4-square", 512, 1, 512, "02", 5580, 1365, 8192},
    {"nagydani-4-qube", 512, 1, 512, "03", 5580, 1365, 8192},
    {"nagydani-4-pow0x10001", 512, 3, 512, "010001", 89292, 21845, 131072},
    {"nagydani-5-square", 1024, 1, 1024, "02", 17868, 5461, 32768},
    {"nagydani-5-qube", 1024, 1, 1024, "03", 17868, 5461, 32768},
    {"nagydani-5-pow0x10001", 1024, 3, 1024, "010001", 285900, 87381, 524288},
    {"marius-1-even", 3, 193, 12, "ff", 0, 2057, 45296},
    {"guido-1-even", 16, 216, 16, "1f", 0, 2298, 51136},
    {"guido-2-even", 16, 216, 16, "3f", 0, 2300, 51152},
    {"guido-3-even", 487, 1, 715, "04", 0, 5400, 32400},
    {"guido-4-even", 1, 385, 8, "ff", 0, 1026, 94448},
    {"marcin-1-base-heavy", 192, 1, 192, "03", 0, 200, 1152},
    {"marcin-1-exp-heavy", 8, 81, 8, "ff", 0, 215, 16624},
    {"marcin-1-balanced", 40, 4, 40, "01ffffff", 0, 200, 1200},
    {"marcin-2-base-heavy", 408, 1, 408, "03", 0, 867, 5202},
    {"marcin-2-exp-heavy", 16, 80, 16, "ff", 0, 852, 16368},
    {"marcin-2-balanced", 56, 8, 56, "2bffffffffffffff", 0, 996, 5978},
    {"marcin-3-base-heavy", 32, 16, 32, "ffffffffffffffffffffffffffffffff", 0, 677, 2032},
    {"marcin-3-exp-heavy", 24, 32, 24,
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0, 765, 4080},
    {"marcin-3-balanced", 32, 32, 32,
     "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 0, 1360, 4080},
};

static void test_modexp_gas_tables(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof gas_rows / sizeof gas_rows[0]; i++) {
    uint8_t exp[1024] = {0};
    long hn = test_unhex(gas_rows[i].exp_head, exp, sizeof exp);
    assert_true(hn > 0 && hn <= gas_rows[i].e);
    size_t n;
    uint8_t *in = mx_input(gas_rows[i].b, gas_rows[i].e, gas_rows[i].m, NULL, exp, NULL, &n);
    uint64_t g198 = evm_pc_modexp_gas(in, n, EVM_BYZANTIUM);
    uint64_t g2565 = evm_pc_modexp_gas(in, n, EVM_BERLIN);
    uint64_t g7883 = evm_pc_modexp_gas(in, n, EVM_OSAKA);
    if (g2565 != gas_rows[i].g2565 || g7883 != gas_rows[i].g7883 ||
        (gas_rows[i].g198 && g198 != gas_rows[i].g198))
      fail_msg("%s: gas %llu/%llu/%llu, want %llu/%llu/%llu", gas_rows[i].name,
               (unsigned long long)g198, (unsigned long long)g2565, (unsigned long long)g7883,
               (unsigned long long)gas_rows[i].g198, (unsigned long long)gas_rows[i].g2565,
               (unsigned long long)gas_rows[i].g7883);
    /* Prague prices as Berlin; Cancun too */
    assert_true(evm_pc_modexp_gas(in, n, EVM_PRAGUE) == g2565);
    /* the same price with the operands cut off: only the lengths and exponent head count */
    size_t cut = 96 + gas_rows[i].b + (size_t)hn;
    assert_true(evm_pc_modexp_gas(in, cut, EVM_OSAKA) == g7883);
    free(in);
  }
}

/* A 32-byte length word with the value 2^bit (bit < 256), or all ones for bit < 0. */
static void len_word(uint8_t w[32], int bit) {
  memset(w, bit < 0 ? 0xff : 0, 32);
  if (bit >= 0) w[31 - bit / 8] = (uint8_t)(1u << (bit % 8));
}

static void test_modexp_huge_lengths(void **state) {
  (void)state;
  uint8_t in[96 + 4];
  /* every length 2^256 - 1 */
  memset(in, 0xff, sizeof in);
  for (int f = 0; f < 3; f++) assert_true(evm_pc_modexp_gas(in, sizeof in, gas_forks[f]) == EVM_PC_GAS_MAX);
  expect_error(evm_pc_modexp, in, sizeof in, EVM_BERLIN);
  expect_error(evm_pc_modexp, in, sizeof in, EVM_OSAKA);

  /* b = m = 0 with an exponent 2^256 - 1 bytes long: nothing to compute, a real price
   * of 0 (EIP-198) or the minimum (EIP-2565); over EIP-7823's bound from Osaka */
  memset(in, 0, sizeof in);
  len_word(in + 32, -1);
  assert_int_equal(evm_pc_modexp_gas(in, 96, EVM_BYZANTIUM), 0);
  assert_int_equal(evm_pc_modexp_gas(in, 96, EVM_BERLIN), 200);
  assert_true(evm_pc_modexp_gas(in, 96, EVM_OSAKA) == EVM_PC_GAS_MAX);
  expect_out(evm_pc_modexp, in, 96, EVM_BYZANTIUM, "");
  expect_out(evm_pc_modexp, in, 96, EVM_PRAGUE, "");
  expect_error(evm_pc_modexp, in, 96, EVM_OSAKA);

  /* b = m = 1, e = 2^64: EIP-198's price is (8 * (2^64 - 32)) / 20 exactly, which fits
   * 64 bits; EIP-2565's, (8 * (2^64 - 32)) / 3, does not. (go-ethereum saturates the
   * first too; the exact value is the spec's, and both are beyond any gas limit.) */
  memset(in, 0, sizeof in);
  in[31] = 1, in[95] = 1;
  len_word(in + 32, 64);
  assert_true(evm_pc_modexp_gas(in, 96, EVM_BYZANTIUM) == 7378697629483820633ULL);
  assert_true(evm_pc_modexp_gas(in, 96, EVM_BERLIN) == EVM_PC_GAS_MAX);
  assert_true(evm_pc_modexp_gas(in, 96, EVM_OSAKA) == EVM_PC_GAS_MAX);
  /* one length of 2^k for k from 33 to 255, in each place: never wraps to a small price */
  for (int place = 0; place < 3; place++) {
    for (int k = 33; k < 256; k++) {
      memset(in, 0, sizeof in);
      in[31] = in[63] = in[95] = 1;
      len_word(in + 32 * place, k);
      for (int f = 0; f < 3; f++) {
        uint64_t g = evm_pc_modexp_gas(in, 96, gas_forks[f]);
        if (g < ((uint64_t)1 << 31)) fail_msg("length 2^%d at %d, fork %d: gas %llu", k, place,
                                               (int)gas_forks[f], (unsigned long long)g);
      }
    }
  }
  /* an input shorter than the three lengths reads as zeros */
  assert_int_equal(evm_pc_modexp_gas(NULL, 0, EVM_BYZANTIUM), 0);
  assert_int_equal(evm_pc_modexp_gas(NULL, 0, EVM_BERLIN), 200);
  assert_int_equal(evm_pc_modexp_gas(NULL, 0, EVM_OSAKA), 500);
  expect_out(evm_pc_modexp, NULL, 0, EVM_OSAKA, "");
}

/* EIP-7823: from Osaka each length is at most 1024 bytes, else an error. */
static void test_modexp_bounds(void **state) {
  (void)state;
  for (int place = 0; place < 3; place++) {
    for (size_t l = 1023; l <= 1025; l++) {
      size_t len[3] = {1, 1, 1};
      len[place] = l;
      uint8_t one = 1;
      size_t n;
      uint8_t *in = mx_input(len[0], len[1], len[2], NULL, NULL, NULL, &n);
      in[n - 1] = one; /* modulus ends in 1 */
      evm_pc_out o = {0};
      evm_pc_status st = evm_pc_modexp(in, n, EVM_OSAKA, &o);
      if (l <= 1024) {
        assert_int_equal(st, EVM_PC_OK);
        assert_int_equal(o.len, len[2]);
      } else {
        assert_int_equal(st, EVM_PC_ERROR);
      }
      free(o.data);
      assert_int_equal(evm_pc_modexp(in, n, EVM_PRAGUE, &o), EVM_PC_OK); /* no bound before */
      assert_int_equal(o.len, len[2]);
      free(o.data);
      free(in);
    }
  }
  /* the bound applies even when the modulus is empty */
  size_t n;
  uint8_t *in = mx_input(1025, 0, 0, NULL, NULL, NULL, &n);
  expect_error(evm_pc_modexp, in, n, EVM_OSAKA);
  expect_out(evm_pc_modexp, in, n, EVM_PRAGUE, "");
  free(in);
}

/* 2^e mod m for small numbers, by square-and-multiply (m < 2^32). */
static uint64_t powmod_u64(uint64_t b, uint64_t e, uint64_t m) {
  uint64_t r = 1 % m;
  b %= m;
  while (e) {
    if (e & 1) r = r * b % m;
    b = b * b % m;
    e >>= 1;
  }
  return r;
}

/* Big-endian 2^k - 1 (a Mersenne number) right-aligned in an n-byte field. */
static void mersenne(uint8_t *out, size_t n, unsigned k) {
  memset(out, 0, n);
  for (unsigned bit = 0; bit < k; bit++) out[n - 1 - bit / 8] |= (uint8_t)(1u << (bit % 8));
}

/* Operands far wider than 256 bits, exact: identities of the Mersenne primes 2^521 - 1
 * and 2^1279 - 1 (a peer that truncated operands to 256 bits would fail all of these). */
static void test_modexp_wide(void **state) {
  (void)state;
  /* 2^(2^300) mod (2^521 - 1) = 2^(2^300 mod 521); 100-byte base and modulus fields,
   * 40-byte exponent */
  uint8_t base[100] = {0}, exp[40] = {0}, mod[100], want[100] = {0};
  base[99] = 2;
  exp[40 - 1 - 300 / 8] = (uint8_t)(1u << (300 % 8));
  mersenne(mod, sizeof mod, 521);
  unsigned r = (unsigned)powmod_u64(2, 300, 521);
  want[99 - r / 8] = (uint8_t)(1u << (r % 8));
  size_t n;
  uint8_t *in = mx_input(sizeof base, sizeof exp, sizeof mod, base, exp, mod, &n);
  for (int f = 0; f < 3; f++) {
    evm_pc_out o = {0};
    assert_int_equal(evm_pc_modexp(in, n, gas_forks[f], &o), EVM_PC_OK);
    assert_int_equal(o.len, sizeof want);
    assert_memory_equal(o.data, want, sizeof want);
    free(o.data);
  }
  free(in);

  /* Fermat on 2^1279 - 1 (160 bytes): 3^(p-1) = 1 and 3^p = 3 (mod p) */
  uint8_t p[160], pm1[160], three = 3, one_w[160] = {0}, three_w[160] = {0};
  mersenne(p, sizeof p, 1279);
  memcpy(pm1, p, sizeof p);
  pm1[159] = 0xfe;
  one_w[159] = 1;
  three_w[159] = 3;
  const uint8_t *exps[2] = {pm1, p};
  const uint8_t *wants[2] = {one_w, three_w};
  for (int i = 0; i < 2; i++) {
    in = mx_input(1, sizeof p, sizeof p, &three, exps[i], p, &n);
    evm_pc_out o = {0};
    assert_int_equal(evm_pc_modexp(in, n, EVM_OSAKA, &o), EVM_PC_OK);
    assert_int_equal(o.len, sizeof p);
    assert_memory_equal(o.data, wants[i], sizeof p);
    free(o.data);
    /* Osaka: 2 * 20^2 * (16 * 128 + 254) */
    assert_int_equal(evm_pc_modexp_gas(in, n, EVM_OSAKA), 2 * 400 * (16 * 128 + 254));
    free(in);
  }
}

/* Random small operands in wide, zero-led fields of random lengths: the output is
 * mod_len bytes, equal to square-and-multiply computed here; mod 0 gives zeros. */
static void test_modexp_small_random(void **state) {
  (void)state;
  uint64_t seed = 0x9e3779b97f4a7c15ULL;
  for (int it = 0; it < 300; it++) {
    uint32_t v[3];
    size_t len[3];
    for (int i = 0; i < 3; i++) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      v[i] = (uint32_t)(seed >> 32);
      if (((seed >> 8) & 15) == 0) v[i] = (uint32_t)((seed >> 12) & 3); /* 0..3 often */
      len[i] = 4 + (size_t)((seed >> 16) % 37);
    }
    uint8_t ops[3][40] = {{0}};
    for (int i = 0; i < 3; i++)
      for (int k = 0; k < 4; k++) ops[i][len[i] - 1 - k] = (uint8_t)(v[i] >> (8 * k));
    size_t n;
    uint8_t *in = mx_input(len[0], len[1], len[2], ops[0], ops[1], ops[2], &n);
    uint64_t want = v[2] ? powmod_u64(v[0], v[1], v[2]) : 0;
    evm_pc_out o = {0};
    assert_int_equal(evm_pc_modexp(in, n, gas_forks[it % 3], &o), EVM_PC_OK);
    assert_int_equal(o.len, len[2]);
    uint64_t got = 0;
    for (size_t k = 0; k < o.len; k++) {
      if (k + 8 < o.len) assert_int_equal(o.data[k], 0);
      else got = (got << 8) | o.data[k];
    }
    if (got != want)
      fail_msg("%u^%u mod %u: got %llu want %llu", v[0], v[1], v[2], (unsigned long long)got,
               (unsigned long long)want);
    free(o.data);
    free(in);
  }
}

/* A short input is zero-padded on the right: cutting trailing zero bytes never changes
 * the result; cutting into the modulus shifts it (m * 256^k). */
static void test_modexp_padding(void **state) {
  (void)state;
  uint8_t base[4] = {0, 0, 0, 7}, exp[2] = {0, 5}, mod[4] = {0, 0, 0x10, 0};
  size_t n;
  uint8_t *in = mx_input(4, 2, 4, base, exp, mod, &n);
  /* modulus 0x1000 = 4096: 7^5 mod 4096 = 16807 mod 4096 = 423 = 0x01a7 */
  expect_out(evm_pc_modexp, in, n, EVM_CANCUN, "000001a7");
  expect_out(evm_pc_modexp, in, n - 1, EVM_CANCUN, "000001a7"); /* last byte was 0 */
  /* cut the 0x10 too: the modulus pads to 0 -> zeros */
  expect_out(evm_pc_modexp, in, n - 2, EVM_CANCUN, "00000000");
  /* cut inside the exponent: exponent 0x0000 -> 7^0 mod 0 = zeros (mod all padding) */
  expect_out(evm_pc_modexp, in, 96 + 4 + 1, EVM_CANCUN, "00000000");
  free(in);
  /* modulus 1 -> 0; exponent 0 -> 1 */
  uint8_t m1[1] = {1}, e0[1] = {0}, m9[1] = {9};
  in = mx_input(4, 2, 1, base, exp, m1, &n);
  expect_out(evm_pc_modexp, in, n, EVM_CANCUN, "00");
  free(in);
  in = mx_input(4, 1, 1, base, e0, m9, &n);
  expect_out(evm_pc_modexp, in, n, EVM_CANCUN, "01");
  free(in);
  /* 0^0 mod 9 = 1, as every client */
  in = mx_input(0, 0, 1, NULL, NULL, m9, &n);
  expect_out(evm_pc_modexp, in, n, EVM_CANCUN, "01");
  free(in);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_modexp_eip198),       cmocka_unit_test(test_modexp_gas_tables),
      cmocka_unit_test(test_modexp_huge_lengths), cmocka_unit_test(test_modexp_bounds),
      cmocka_unit_test(test_modexp_wide),         cmocka_unit_test(test_modexp_small_random),
      cmocka_unit_test(test_modexp_padding),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * test_st_load.c: the state test loader (tests/evm/st_load.c) on real fixtures.
 *
 * Every GeneralStateTests file under a few folders is loaded; each post entry that
 * expects an exception (an invalid transaction leaves the state untouched) must carry
 * the root of its own `pre` allocation as computed by core/state_root, which checks the
 * loader's accounts, balances, code and storage against data nobody here wrote. Then
 * single fields of known files, the secretKey -> sender derivation, and must-fail files
 * (bad hex, a sender that does not match the key, an index out of range, a cap passed).
 */
#include "testutil.h"

#include <dirent.h>
#include <unistd.h>

#include "../evm/st_load.h"
#include "core/keccak.h"

static int pre_root(const st_test *t, uint8_t root[32]) {
  vc_sr_account *a = calloc(t->n_pre + 1, sizeof *a);
  assert_non_null(a);
  for (size_t i = 0; i < t->n_pre; i++) {
    memcpy(a[i].address, t->pre[i].address, 20);
    a[i].nonce = t->pre[i].nonce;
    a[i].balance = t->pre[i].balance;
    vc_keccak256(t->pre[i].code, t->pre[i].code_len, a[i].code_hash);
    a[i].storage = t->pre[i].storage;
    a[i].n_storage = t->pre[i].n_storage;
  }
  vc_err err;
  vc_status st = vc_state_root(a, t->n_pre, root, &err);
  free(a);
  return st == VC_OK ? 0 : -1;
}

static void folder(const char *rel, int *files, int *checked) {
  FIXTURE_OR_SKIP(dirpath, rel);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", dirpath);
  DIR *d = opendir(dir);
  assert_non_null(d);
  struct dirent *de;
  while ((de = readdir(d))) {
    size_t n = strlen(de->d_name);
    if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0) continue;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    st_file f;
    st_err err;
    if (st_file_load(path, &f, &err)) fail_msg("%s", err.msg);
    (*files)++;
    for (size_t i = 0; i < f.n_tests; i++) {
      const st_test *t = &f.tests[i];
      assert_true(t->n_post > 0);
      for (size_t k = 0; k < t->n_post; k++) {
        if (!t->post[k].expect_exception) continue;
        uint8_t r[32];
        assert_int_equal(pre_root(t, r), 0);
        if (memcmp(r, t->post[k].hash, 32) != 0)
          fail_msg("%s: %s: post %zu (%s): pre root differs", de->d_name, t->name, k,
                   t->post[k].fork);
        (*checked)++;
      }
    }
    st_file_free(&f);
  }
  closedir(d);
}

static void test_invalid_tx_keeps_pre_root(void **state) {
  (void)state;
  int files = 0, checked = 0;
  folder("ethereum-tests/GeneralStateTests/stTransactionTest", &files, &checked);
  folder("ethereum-tests/GeneralStateTests/stEIP1559", &files, &checked);
  folder("ethereum-tests/GeneralStateTests/stEIP3607", &files, &checked);
  folder("ethereum-tests/GeneralStateTests/Cancun/stEIP4844-blobtransactions", &files, &checked);
  printf("loaded %d files, %d invalid-transaction roots checked\n", files, checked);
  assert_true(files >= 50);
  assert_true(checked >= 100);
}

static void test_fields(void **state) {
  (void)state;
  FIXTURE_OR_SKIP(path, "ethereum-tests/GeneralStateTests/stLogTests/log1_nonEmptyMem.json");
  st_file f;
  st_err err;
  assert_int_equal(st_file_load(path, &f, &err), 0);
  assert_int_equal(f.n_tests, 1);
  const st_test *t = &f.tests[0];
  assert_string_equal(t->name, "log1_nonEmptyMem");
  assert_int_equal(t->env.gas_limit, 0x0f4240);
  assert_int_equal(t->env.timestamp, 0x03e8);
  assert_true(t->env.has_base_fee && t->env.base_fee.w[0] == 10);
  assert_true(t->env.has_random && t->env.random[31] == 0x00 && t->env.random[29] == 0x02);
  assert_int_equal(t->n_pre, 3);
  assert_int_equal(t->tx.n_data, 1);
  assert_int_equal(t->tx.data[0].len, 0);
  assert_int_equal(t->tx.gas_limit[0], 0x033450);
  assert_int_equal(t->tx.value[0].w[0], 0x0186a0);
  assert_false(t->tx.is_create);
  assert_true(t->tx.has_gas_price && t->tx.gas_price.w[0] == 10);
  uint8_t sender[20];
  assert_int_equal(test_unhex("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b", sender, 20), 20);
  assert_memory_equal(t->tx.sender, sender, 20);
  assert_int_equal(t->n_post, 1);
  assert_string_equal(t->post[0].fork, "Cancun");
  assert_null(t->post[0].expect_exception);
  assert_int_equal(t->post[0].txbytes_len, 0x65);
  st_file_free(&f);

  /* a value past 256 bits is kept as an overflow flag, not an error */
  FIXTURE_OR_SKIP(p2, "ethereum-tests/GeneralStateTests/stTransactionTest/ValueOverflowParis.json");
  assert_int_equal(st_file_load(p2, &f, &err), 0);
  assert_true(f.tests[0].tx.value_overflow[0]);
  st_file_free(&f);
}

static void must_fail(const char *json, const char *needle) {
  char path[] = "/tmp/test_st_load_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, json, strlen(json)), (ssize_t)strlen(json));
  close(fd);
  st_file f;
  st_err err;
  int rc = st_file_load(path, &f, &err);
  unlink(path);
  assert_int_equal(rc, -1);
  if (!strstr(err.msg, needle)) fail_msg("error \"%s\" does not mention \"%s\"", err.msg, needle);
  assert_null(f.blocks);
}

#define ENV "\"env\":{\"currentCoinbase\":\"0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba\"," \
            "\"currentNumber\":\"0x01\",\"currentTimestamp\":\"0x03e8\",\"currentGasLimit\":\"0x0f4240\"}"
#define TX(sender, idx)                                                                      \
  "\"transaction\":{\"data\":[\"0x\"],\"gasLimit\":[\"0x5208\"],\"value\":[\"0x00\"],"       \
  "\"nonce\":\"0x00\",\"gasPrice\":\"0x0a\",\"to\":\"\",\"secretKey\":"                      \
  "\"0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8\",\"sender\":\"" sender \
  "\"},\"post\":{\"Cancun\":[{\"hash\":\"0x00\",\"logs\":\"0x00\",\"indexes\":{\"data\":" idx \
  ",\"gas\":0,\"value\":0}}]}"
#define GOOD_SENDER "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b"

static void test_must_fail(void **state) {
  (void)state;
  must_fail("{\"t\":{" ENV ",\"pre\":{}," TX("0x0000000000000000000000000000000000000001", "0") "}}",
            "does not match");
  must_fail("{\"t\":{" ENV ",\"pre\":{}," TX(GOOD_SENDER, "1") "}}", "out of range");
  must_fail("{\"t\":{" ENV ",\"pre\":{\"0x01\":{\"balance\":\"0xzz\"}}," TX(GOOD_SENDER, "0") "}}",
            "bad hex digit");
  must_fail("{\"t\":{" ENV ",\"pre\":{\"0x01\":{\"code\":\"0x123\"}}," TX(GOOD_SENDER, "0") "}}",
            "odd number");
  must_fail("{\"t\":{" ENV ",\"pre\":{\"0x01\":{\"nonce\":\"0x10000000000000000\"}}," TX(GOOD_SENDER, "0") "}}",
            "64 bits");
  must_fail("{\"t\":{\"pre\":{}," TX(GOOD_SENDER, "0") "}}", "env");
  must_fail("[1,2]", "not a JSON object");
  /* the good variant of the same file loads */
  char path[] = "/tmp/test_st_load_XXXXXX";
  int fd = mkstemp(path);
  const char *ok = "{\"t\":{" ENV ",\"pre\":{}," TX(GOOD_SENDER, "0") "}}";
  assert_int_equal(write(fd, ok, strlen(ok)), (ssize_t)strlen(ok));
  close(fd);
  st_file f;
  st_err err;
  assert_int_equal(st_file_load(path, &f, &err), 0);
  unlink(path);
  assert_true(f.tests[0].tx.is_create);
  st_file_free(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_invalid_tx_keeps_pre_root),
      cmocka_unit_test(test_fields),
      cmocka_unit_test(test_must_fail),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

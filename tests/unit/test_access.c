/* test_access.c: client keys and limits (access/access.c) and their config (`keys:`):
 * the key table (right, wrong, missing, too short; many keys, all found), where a key
 * is read from (header, Bearer, /k/<key> path), the token bucket (burst, refill,
 * Retry-After), per-key method allow/deny, tags that never contain the key, metrics
 * that never contain the key, the config's checks (short key, duplicate key, ${ENV})
 * and its dump (keys redacted). No I/O, time is passed in. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "access/access.h"
#include "config/config.h"

#define KEY_A "alice-0123456789abcdef"
#define KEY_B "bob-fedcba9876543210xyz"

static const char YAML[] =
    "chain: { id: 31337, name: devnet }\n"
    "anchor: { mode: quorum, quorum: 1 }\n"
    "upstreams:\n  - { name: a, url: \"http://127.0.0.1:1\" }\n"
    "keys:\n"
    "  - { name: alice, key: " KEY_A ", rps: 2, burst: 3, deny: [eth_sendRawTransaction, debug_*] }\n"
    "  - { name: bob, key: \"${TEST_ACCESS_KEY_B}\", allow: [eth_blockNumber, eth_get*] }\n";

static void load(vt_config *c) {
  char err[256];
  setenv("TEST_ACCESS_KEY_B", KEY_B, 1);
  vt_config_defaults(c);
  if (vt_config_load_string(c, YAML, strlen(YAML), err, sizeof err) != 0) fail_msg("config: %s", err);
}

static void test_bucket(void **st) {
  (void)st;
  vt_bucket b = {0};
  /* burst 3 at 2/s: three at once, then one every 500 ms */
  for (int i = 0; i < 3; i++) assert_int_equal(vt_bucket_take(&b, 2, 3, 1000, 1), 0);
  uint64_t w = vt_bucket_take(&b, 2, 3, 1000, 1);
  assert_int_equal(w, 500);
  assert_true(vt_bucket_take(&b, 2, 3, 1250, 1) > 0);
  assert_int_equal(vt_bucket_take(&b, 2, 3, 1500, 1), 0);
  assert_true(vt_bucket_take(&b, 2, 3, 1500, 1) > 0);
  /* a long pause refills only up to the burst */
  for (int i = 0; i < 3; i++) assert_int_equal(vt_bucket_take(&b, 2, 3, 100000, 1), 0);
  assert_true(vt_bucket_take(&b, 2, 3, 100000, 1) > 0);
  /* unlimited */
  vt_bucket u = {0};
  for (int i = 0; i < 1000; i++) assert_int_equal(vt_bucket_take(&u, 0, 0, 5, 1), 0);
  /* n tokens at once: all or none; more than the burst never passes */
  vt_bucket m = {0};
  assert_int_equal(vt_bucket_take(&m, 10, 5, 0, 4), 0);
  assert_int_equal(vt_bucket_take(&m, 10, 5, 0, 2), 100); /* 1 left, 1 more in 100 ms */
  assert_int_equal(vt_bucket_take(&m, 10, 5, 100, 2), 0);
  assert_true(vt_bucket_take(&m, 10, 5, 1000, 6) > 0); /* full, and still refused */
  assert_int_equal(vt_bucket_take(&m, 10, 5, 1000, 5), 0);
  assert_int_equal(vt_bucket_take(&m, 10, 5, 1000, 6), 500); /* empty: until full */
  /* a clock that goes back never mints tokens */
  vt_bucket z = {0};
  assert_int_equal(vt_bucket_take(&z, 1, 1, 5000, 1), 0);
  assert_true(vt_bucket_take(&z, 1, 1, 10, 1) > 0);
}

static void test_key_of(void **st) {
  (void)st;
  const char *k;
  size_t n;
  const char *rest = vt_access_key_of("/k/" KEY_A, NULL, NULL, &k, &n);
  assert_string_equal(rest, "/");
  assert_int_equal(n, strlen(KEY_A));
  assert_memory_equal(k, KEY_A, n);
  rest = vt_access_key_of("/k/" KEY_A "/", NULL, NULL, &k, &n);
  assert_string_equal(rest, "/");
  assert_int_equal(n, strlen(KEY_A));
  rest = vt_access_key_of("/", NULL, "Bearer " KEY_B, &k, &n);
  assert_string_equal(rest, "/");
  assert_int_equal(n, strlen(KEY_B));
  assert_memory_equal(k, KEY_B, n);
  /* the header wins over Bearer and the path */
  vt_access_key_of("/k/" KEY_A, KEY_B, "Bearer zzz", &k, &n);
  assert_memory_equal(k, KEY_B, n);
  rest = vt_access_key_of("/status", NULL, "Basic abc", &k, &n);
  assert_string_equal(rest, "/status");
  assert_int_equal(n, 0);
  vt_access_key_of("/k/", NULL, NULL, &k, &n);
  assert_int_equal(n, 0);
}

static void test_admit(void **st) {
  (void)st;
  vt_config c;
  load(&c);
  vt_metrics *reg = vt_metrics_new();
  char err[128];
  vt_access *a = vt_access_new(&c, reg, err, sizeof err);
  assert_non_null(a);
  assert_true(vt_access_on(a));
  vt_access_verdict v;
  assert_int_equal(vt_access_admit(a, NULL, 0, 1000, &v), VT_ACCESS_MISSING);
  assert_int_equal(v.http_status, 401);
  assert_int_equal(vt_access_admit(a, "nope-nope-nope-nope", 19, 1000, &v), VT_ACCESS_WRONG);
  assert_int_equal(v.http_status, 401);
  assert_int_equal(vt_access_admit(a, KEY_A, strlen(KEY_A) - 1, 1000, &v), VT_ACCESS_WRONG); /* a prefix */
  assert_int_equal(vt_access_admit(a, "short", 5, 1000, &v), VT_ACCESS_WRONG);
  for (int i = 0; i < 3; i++) assert_int_equal(vt_access_admit(a, KEY_A, strlen(KEY_A), 1000, &v), VT_ACCESS_OK);
  assert_string_equal(vt_client_name(v.client), "alice");
  assert_int_equal(vt_access_admit(a, KEY_A, strlen(KEY_A), 1000, &v), VT_ACCESS_LIMITED);
  assert_int_equal(v.http_status, 429);
  assert_int_equal(v.retry_after_s, 1);
  assert_int_equal(vt_access_admit(a, KEY_A, strlen(KEY_A), 1600, &v), VT_ACCESS_OK);
  /* bob: no rps, unlimited; key from ${ENV} */
  for (int i = 0; i < 100; i++) assert_int_equal(vt_access_admit(a, KEY_B, strlen(KEY_B), 1000, &v), VT_ACCESS_OK);
  const vt_client *bob = v.client;
  assert_string_equal(vt_client_name(bob), "bob");
  /* methods */
  assert_int_equal(vt_access_admit(a, KEY_A, strlen(KEY_A), 5000, &v), VT_ACCESS_OK);
  const vt_client *alice = v.client;
  assert_true(vt_access_method_ok(alice, "eth_call"));
  assert_false(vt_access_method_ok(alice, "eth_sendRawTransaction"));
  assert_false(vt_access_method_ok(alice, "debug_traceCall"));
  assert_true(vt_access_method_ok(bob, "eth_getBalance"));
  assert_true(vt_access_method_ok(bob, "eth_blockNumber"));
  assert_false(vt_access_method_ok(bob, "eth_call"));
  assert_true(vt_access_method_ok(NULL, "anything"));
  /* batches: alice (burst 3) takes at most 3 calls at once; bob has no rate */
  assert_true(vt_access_batch_fits(alice, 3));
  assert_false(vt_access_batch_fits(alice, 4));
  assert_true(vt_access_batch_fits(bob, 10000));
  assert_int_equal(vt_access_take(a, alice, 4, 5000, &v), VT_ACCESS_LIMITED);
  assert_string_equal(v.why, VT_ACCESS_WHY_BATCH);
  /* tags: hex, not the key, different per key */
  assert_int_equal(strlen(vt_client_tag(alice)), VT_ACCESS_TAG_HEX);
  assert_null(strstr(KEY_A, vt_client_tag(alice)));
  assert_string_not_equal(vt_client_tag(alice), vt_client_tag(bob));
  vt_access_stats s;
  vt_access_stats_get(a, &s);
  assert_int_equal(s.missing, 1);
  assert_int_equal(s.wrong, 3);
  assert_int_equal(s.limited, 2);
  assert_int_equal(s.admitted, 3 + 1 + 100 + 1);
  /* the metrics name the key by name and tag only */
  char *text = NULL;
  size_t len = 0;
  assert_int_equal(vt_metrics_render(reg, &text, &len), 0);
  assert_null(strstr(text, KEY_A));
  assert_null(strstr(text, KEY_B));
  assert_non_null(strstr(text, vt_client_tag(alice)));
  assert_non_null(strstr(text, "outcome=\"limited\"} 2"));
  assert_non_null(strstr(text, "reason=\"wrong\"} 3"));
  free(text);
  vt_access_free(a);
  vt_metrics_free(reg);
  vt_config_free(&c);
}

/* Off: no keys in the config, everything admitted with no client. */
static void test_off(void **st) {
  (void)st;
  vt_config c;
  vt_config_defaults(&c);
  char err[128];
  vt_access *a = vt_access_new(&c, NULL, err, sizeof err);
  assert_non_null(a);
  assert_false(vt_access_on(a));
  vt_access_verdict v;
  assert_int_equal(vt_access_admit(a, NULL, 0, 1, &v), VT_ACCESS_OK);
  assert_null(v.client);
  vt_access_free(a);
  vt_config_free(&c);
}

/* Many keys: every one is found, none found for a near miss. */
static void test_many(void **st) {
  (void)st;
  enum { N = 300 };
  vt_config c;
  vt_config_defaults(&c);
  c.keys = calloc(N, sizeof *c.keys);
  c.nkeys = N;
  for (int i = 0; i < N; i++) {
    char k[40], nm[16];
    snprintf(k, sizeof k, "key-%04d-abcdefghijkl", i);
    snprintf(nm, sizeof nm, "c%d", i);
    c.keys[i].key = strdup(k);
    c.keys[i].name = strdup(nm);
  }
  char err[128];
  vt_access *a = vt_access_new(&c, NULL, err, sizeof err);
  assert_non_null(a);
  vt_access_verdict v;
  for (int i = 0; i < N; i++) {
    char k[40], nm[16];
    snprintf(k, sizeof k, "key-%04d-abcdefghijkl", i);
    snprintf(nm, sizeof nm, "c%d", i);
    assert_int_equal(vt_access_admit(a, k, strlen(k), 1, &v), VT_ACCESS_OK);
    assert_string_equal(vt_client_name(v.client), nm);
    k[strlen(k) - 1] = 'X';
    assert_int_equal(vt_access_admit(a, k, strlen(k), 1, &v), VT_ACCESS_WRONG);
  }
  vt_access_free(a);
  vt_config_free(&c);
}

static void expect_config_error(const char *keys_yaml, const char *needle) {
  char y[1024], err[512];
  snprintf(y, sizeof y,
           "chain: { id: 31337, name: devnet }\nanchor: { mode: quorum, quorum: 1 }\n"
           "upstreams:\n  - { name: a, url: \"http://127.0.0.1:1\" }\nkeys:\n%s",
           keys_yaml);
  vt_config c;
  vt_config_defaults(&c);
  if (vt_config_load_string(&c, y, strlen(y), err, sizeof err) == 0) fail_msg("accepted: %s", keys_yaml);
  if (!strstr(err, needle)) fail_msg("error \"%s\" lacks \"%s\"", err, needle);
  vt_config_free(&c);
}

static void test_config_checks(void **st) {
  (void)st;
  expect_config_error("  - { name: x, key: tooshort }\n", "must be 16 to 256");
  expect_config_error("  - { name: x, key: \"has space in it, long enough\" }\n", "must be 16 to 256");
  expect_config_error("  - { name: x }\n", "missing key \"key\"");
  expect_config_error("  - { name: x, key: " KEY_A " }\n  - { name: y, key: " KEY_A " }\n", "keys must be unique");
  expect_config_error("  - { name: x, key: " KEY_A ", deny: [\"eth call\"] }\n", "a method name");
  expect_config_error("  - { name: x, key: \"${TEST_ACCESS_UNSET_VAR}\" }\n", "TEST_ACCESS_UNSET_VAR");
  /* the short-key message never shows the key */
  char y[512], err[512];
  snprintf(y, sizeof y, "chain: { id: 31337, name: devnet }\nanchor: { mode: quorum, quorum: 1 }\n"
                        "upstreams:\n  - { name: a, url: \"http://127.0.0.1:1\" }\nkeys:\n  - { name: x, key: s3cr3tvalue }\n");
  vt_config c;
  vt_config_defaults(&c);
  assert_int_not_equal(vt_config_load_string(&c, y, strlen(y), err, sizeof err), 0);
  assert_null(strstr(err, "s3cr3tvalue"));
  vt_config_free(&c);
}

static void test_config_dump(void **st) {
  (void)st;
  vt_config c;
  load(&c);
  static char buf[64 * 1024];
  assert_true(vt_config_dump(&c, buf, sizeof buf) > 0);
  assert_null(strstr(buf, KEY_A));
  assert_null(strstr(buf, KEY_B));
  assert_non_null(strstr(buf, "name: \"alice\""));
  assert_non_null(strstr(buf, "deny: [\"eth_sendRawTransaction\", \"debug_*\"]"));
  assert_int_equal(c.keys[0].burst, 3);
  assert_true(c.keys[0].rps == 2.0);
  vt_config_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bucket),        cmocka_unit_test(test_key_of),        cmocka_unit_test(test_admit),
      cmocka_unit_test(test_off),           cmocka_unit_test(test_many),          cmocka_unit_test(test_config_checks),
      cmocka_unit_test(test_config_dump),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

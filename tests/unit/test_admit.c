/*
 * test_admit.c: admission to the front door (src/net/admit.c): per-address caps, the
 * reserved slots kept for health and metrics (one per address), giving slots back,
 * "full", and an address table that empties as connections close (ASan checks that
 * nothing leaks across thousands of addresses).
 */
#include "net/admit.h"
#include "testutil.h"

static const uint8_t A[4] = {127, 0, 0, 2}, B[4] = {127, 0, 0, 3}, C[4] = {127, 0, 0, 4};
static const uint8_t V6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

static void test_per_client_and_reserved(void **state) {
  (void)state;
  vt_admit_limits l = {.max_connections = 8, .max_per_client = 3, .reserved = 2, .seed = 42};
  vt_admit *a = vt_admit_new(&l);
  assert_non_null(a);
  for (int i = 0; i < 3; i++) assert_int_equal(vt_admit_decide(a, A, 4), VT_ADMIT_REGULAR);
  /* A's share is used up: one reserved slot, then nothing */
  assert_int_equal(vt_admit_decide(a, A, 4), VT_ADMIT_RESERVED);
  assert_int_equal(vt_admit_decide(a, A, 4), VT_ADMIT_REFUSED);
  assert_int_equal(vt_admit_count(a, A, 4), 4);
  /* B and the IPv6 peer fill the other 3 regular slots */
  for (int i = 0; i < 2; i++) assert_int_equal(vt_admit_decide(a, B, 4), VT_ADMIT_REGULAR);
  assert_false(vt_admit_full(a));
  assert_int_equal(vt_admit_decide(a, V6, 16), VT_ADMIT_REGULAR);
  assert_true(vt_admit_full(a));
  /* full: C gets the last reserved slot, a second from C nothing */
  assert_int_equal(vt_admit_decide(a, C, 4), VT_ADMIT_RESERVED);
  assert_int_equal(vt_admit_decide(a, C, 4), VT_ADMIT_REFUSED);
  assert_int_equal(vt_admit_decide(a, B, 4), VT_ADMIT_REFUSED);
  /* a regular slot comes back: C may take it (its reserved one does not count) */
  vt_admit_release(a, B, 4, VT_ADMIT_REGULAR);
  assert_false(vt_admit_full(a));
  assert_int_equal(vt_admit_decide(a, C, 4), VT_ADMIT_REGULAR);
  assert_int_equal(vt_admit_count(a, C, 4), 2);
  /* releasing what was never taken changes nothing */
  vt_admit_release(a, B, 4, VT_ADMIT_RESERVED);
  vt_admit_release(a, B, 4, VT_ADMIT_REFUSED);
  assert_int_equal(vt_admit_count(a, B, 4), 1);
  assert_int_equal(vt_admit_decide(NULL, A, 4), VT_ADMIT_REFUSED);
  assert_int_equal(vt_admit_decide(a, A, 0), VT_ADMIT_REFUSED);
  assert_int_equal(vt_admit_decide(a, V6, 17), VT_ADMIT_REFUSED);
  vt_admit_free(a);
}

static void test_bad_limits(void **state) {
  (void)state;
  static const vt_admit_limits bad[] = {
      {.max_connections = 0, .max_per_client = 1}, {.max_connections = 4, .max_per_client = 0},
      {.max_connections = 4, .max_per_client = 1, .reserved = 4},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) assert_null(vt_admit_new(&bad[i]));
  assert_null(vt_admit_new(NULL));
}

/* Many addresses in and out: counts stay exact and the table empties. */
static void test_many_addresses(void **state) {
  (void)state;
  vt_admit_limits l = {.max_connections = 5000, .max_per_client = 2, .reserved = 16, .seed = 7};
  vt_admit *a = vt_admit_new(&l);
  uint8_t ip[4] = {10, 0, 0, 0};
  unsigned reserved = 0;
  for (unsigned i = 0; i < 2000; i++) {
    ip[2] = (uint8_t)(i >> 8), ip[3] = (uint8_t)i;
    assert_int_equal(vt_admit_decide(a, ip, 4), VT_ADMIT_REGULAR);
    assert_int_equal(vt_admit_decide(a, ip, 4), VT_ADMIT_REGULAR);
    /* over its share: a reserved slot while any is left (the first 16 addresses) */
    assert_int_equal(vt_admit_decide(a, ip, 4), i < 16 ? VT_ADMIT_RESERVED : VT_ADMIT_REFUSED);
    reserved += i < 16;
  }
  assert_int_equal(reserved, 16);
  for (unsigned i = 0; i < 2000; i++) {
    ip[2] = (uint8_t)(i >> 8), ip[3] = (uint8_t)i;
    if (i < 16) vt_admit_release(a, ip, 4, VT_ADMIT_RESERVED);
    vt_admit_release(a, ip, 4, VT_ADMIT_REGULAR);
    assert_int_equal(vt_admit_count(a, ip, 4), 1);
    vt_admit_release(a, ip, 4, VT_ADMIT_REGULAR);
    assert_int_equal(vt_admit_count(a, ip, 4), 0);
  }
  ip[3] = 0;
  assert_int_equal(vt_admit_decide(a, ip, 4), VT_ADMIT_REGULAR); /* slots all came back */
  assert_false(vt_admit_full(a));
  vt_admit_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_per_client_and_reserved),
      cmocka_unit_test(test_bad_limits),
      cmocka_unit_test(test_many_addresses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}

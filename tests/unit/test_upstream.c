/* test_upstream.c: breaker, rate-limit, budget and scoring rules, with made-up clocks. */
#include "testutil.h"
#include "pool/upstream.h"

static vt_upstream mk(unsigned failures, unsigned open_ms) {
  vt_upstream u;
  vt_upstream_policy p = {.breaker_failures = failures, .breaker_open_ms = open_ms, .weight = 1};
  vt_upstream_init(&u, "a", 0, &p);
  return u;
}

static void test_breaker_cycle(void **st) {
  (void)st;
  vt_upstream u = mk(3, 1000);
  char why[160];
  for (int i = 0; i < 2; i++) vt_upstream_on_failure(&u, 100, VT_FAIL_CONNECT, -1, "refused");
  assert_int_equal(u.breaker, VT_BREAKER_CLOSED);
  assert_true(vt_upstream_available(&u, 100, why, sizeof why));
  vt_upstream_on_failure(&u, 100, VT_FAIL_CONNECT, -1, "refused");
  assert_int_equal(u.breaker, VT_BREAKER_OPEN);
  assert_false(vt_upstream_available(&u, 500, why, sizeof why));
  assert_non_null(strstr(why, "circuit open"));
  assert_non_null(strstr(why, "refused"));
  /* after the open period: one probe allowed, a second is not */
  assert_true(vt_upstream_available(&u, 1100, why, sizeof why));
  vt_upstream_on_send(&u, 1100);
  assert_int_equal(u.breaker, VT_BREAKER_HALF_OPEN);
  assert_false(vt_upstream_available(&u, 1100, why, sizeof why));
  /* the probe fails: open again, for twice as long */
  vt_upstream_on_done(&u);
  vt_upstream_on_failure(&u, 1200, VT_FAIL_TIMEOUT, -1, "hung");
  assert_int_equal(u.breaker, VT_BREAKER_OPEN);
  assert_false(vt_upstream_available(&u, 3100, why, sizeof why));
  assert_true(vt_upstream_available(&u, 3300, why, sizeof why));
  vt_upstream_on_send(&u, 3300);
  vt_upstream_on_done(&u);
  vt_upstream_on_success(&u, 3310, 10);
  assert_int_equal(u.breaker, VT_BREAKER_CLOSED);
  assert_int_equal(u.consecutive_failures, 0);
  assert_string_equal(vt_upstream_state(&u, 3310), "no-head");
}

static void test_ratelimit(void **st) {
  (void)st;
  vt_upstream u = mk(1, 1000);
  char why[160];
  vt_upstream_on_failure(&u, 0, VT_FAIL_RATELIMIT, 2.0, "429");
  assert_int_equal(u.breaker, VT_BREAKER_CLOSED); /* a 429 does not trip the breaker */
  assert_false(vt_upstream_available(&u, 1999, why, sizeof why));
  assert_non_null(strstr(why, "rate-limited"));
  assert_true(vt_upstream_available(&u, 2000, why, sizeof why));
  /* no Retry-After: exponential default backoff */
  vt_upstream_on_failure(&u, 10000, VT_FAIL_RATELIMIT, -1, "429");
  uint64_t first = u.ratelimited_until_ms - 10000;
  vt_upstream_on_failure(&u, 20000, VT_FAIL_RATELIMIT, -1, "429");
  uint64_t second = u.ratelimited_until_ms - 20000;
  assert_true(second == 2 * first);
  /* a huge Retry-After is clamped */
  vt_upstream_on_failure(&u, 0, VT_FAIL_RATELIMIT, 1e9, "429");
  assert_true(u.ratelimited_until_ms <= 60000);
}

static void test_budget_and_inflight(void **st) {
  (void)st;
  vt_upstream u;
  vt_upstream_policy p = {.max_rps = 2, .max_inflight = 3, .weight = 1};
  vt_upstream_init(&u, "b", 1, &p);
  char why[160];
  assert_true(vt_upstream_available(&u, 0, why, sizeof why));
  vt_upstream_on_send(&u, 0);
  assert_true(vt_upstream_available(&u, 0, why, sizeof why));
  vt_upstream_on_send(&u, 0);
  assert_false(vt_upstream_available(&u, 0, why, sizeof why));
  assert_non_null(strstr(why, "budget"));
  assert_true(vt_upstream_available(&u, 600, why, sizeof why)); /* refilled one token */
  vt_upstream_on_send(&u, 600);
  assert_false(vt_upstream_available(&u, 5000, why, sizeof why)); /* 3 in flight */
  assert_non_null(strstr(why, "in-flight"));
  vt_upstream_on_done(&u);
  assert_true(vt_upstream_available(&u, 5000, why, sizeof why));
}

static void test_score_prefers_fast_and_healthy(void **st) {
  (void)st;
  vt_upstream fast = mk(5, 1000), slow = mk(5, 1000), flaky = mk(5, 1000);
  for (int i = 0; i < 10; i++) {
    vt_upstream_on_success(&fast, 0, 5);
    vt_upstream_on_success(&slow, 0, 80);
    vt_upstream_on_success(&flaky, 0, 5);
  }
  for (int i = 0; i < 3; i++) vt_upstream_on_failure(&flaky, 0, VT_FAIL_HTTP, -1, "503");
  assert_true(vt_upstream_score(&fast) < vt_upstream_score(&slow));
  assert_true(vt_upstream_score(&fast) < vt_upstream_score(&flaky));
  assert_true(vt_upstream_latency_quantile(&slow, 0.9) == 80);
  vt_upstream fresh = mk(5, 5);
  assert_true(vt_upstream_latency_quantile(&fresh, 0.9) < 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_breaker_cycle),
      cmocka_unit_test(test_ratelimit),
      cmocka_unit_test(test_budget_and_inflight),
      cmocka_unit_test(test_score_prefers_fast_and_healthy),
  };
  return cmocka_run_group_tests_name("upstream", tests, NULL, NULL);
}

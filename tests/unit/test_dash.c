/* test_dash.c: the dashboard's memory (gateway/dash.c): answers by trust tier, the ring
 * of recent -32002s (newest first, the oldest dropped after VT_DASH_RECENT, reasons cut
 * to VT_DASH_REASON_MAX and escaped as JSON), and the embedded page (one self-contained
 * HTML document that polls /status and /metrics and loads nothing from elsewhere). */
#include "testutil.h"

#include <jansson.h>
#include <string.h>

#include "gateway/dash.h"

static json_t *render(const vt_dash *d, uint64_t now) {
  vt_buf b;
  vt_buf_init(&b, 1 << 20);
  vt_buf_puts(&b, "{");
  vt_dash_status_json(d, &b, now);
  vt_buf_puts(&b, "}");
  assert_true(vt_buf_ok(&b));
  json_error_t e;
  json_t *j = json_loadb(b.data, b.len, 0, &e);
  if (!j) fail_msg("not JSON: %s: %.*s", e.text, (int)b.len, b.data);
  vt_buf_free(&b);
  return j;
}

static void test_counts_and_ring(void **st) {
  (void)st;
  vt_dash *d = vt_dash_new();
  assert_non_null(d);
  vt_dash_note_trust(d, VT_TRUST_VERIFIED);
  vt_dash_note_trust(d, VT_TRUST_VERIFIED);
  vt_dash_note_trust(d, VT_TRUST_QUORUM);
  vt_dash_note_trust(d, (vt_trust_tier)99); /* ignored */
  json_t *j = render(d, 1000);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "answers_by_trust"), "verified")), 2);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "answers_by_trust"), "quorum")), 1);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "answers_by_trust"), "none")), 0);
  assert_int_equal(json_array_size(json_object_get(j, "recent_unavailable")), 0);
  json_decref(j);
  for (int i = 0; i < VT_DASH_RECENT + 5; i++) {
    char m[32], why[64];
    snprintf(m, sizeof m, "eth_m%d", i);
    int n = snprintf(why, sizeof why, "{\"why\":\"no quorum %d\"}", i);
    vt_dash_note_unavailable(d, 1000 + (uint64_t)i * 1000, m, why, (size_t)n);
  }
  j = render(d, 100000);
  json_t *r = json_object_get(j, "recent_unavailable");
  assert_int_equal(json_array_size(r), VT_DASH_RECENT);
  assert_int_equal(json_integer_value(json_object_get(j, "unavailable_total")), VT_DASH_RECENT + 5);
  char want[32];
  snprintf(want, sizeof want, "eth_m%d", VT_DASH_RECENT + 4);
  assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "method")), want); /* newest first */
  assert_string_equal(json_string_value(json_object_get(json_array_get(r, VT_DASH_RECENT - 1), "method")), "eth_m5");
  assert_non_null(strstr(json_string_value(json_object_get(json_array_get(r, 0), "reason")), "no quorum"));
  json_decref(j);
  /* a long reason with quotes and control bytes: cut and still valid JSON */
  char big[4 * VT_DASH_REASON_MAX];
  memset(big, '"', sizeof big);
  big[7] = '\n';
  vt_dash_note_unavailable(d, 200000, "eth_call", big, sizeof big);
  vt_dash_note_unavailable(d, 200000, NULL, NULL, 0);
  j = render(d, 200000);
  r = json_object_get(j, "recent_unavailable");
  assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(r, 1), "reason"))), VT_DASH_REASON_MAX - 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "method")), "");
  json_decref(j);
  vt_dash_free(d);
}

static void test_page(void **st) {
  (void)st;
  size_t n;
  const char *p = vt_dash_page(&n);
  assert_true(n > 1000);
  char *s = strndup(p, n);
  assert_non_null(strstr(s, "<!doctype html>"));
  assert_non_null(strstr(s, "fetch(\"/status\""));
  assert_non_null(strstr(s, "fetch(\"/metrics\""));
  assert_null(strstr(s, "src=\"http"));
  assert_null(strstr(s, "href=\"http"));
  assert_null(strstr(s, "@import"));
  free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_counts_and_ring), cmocka_unit_test(test_page)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_base.c: vc_base error formatting and status names. */
#include "testutil.h"
#include "core/vc_base.h"

static void test_fail_formats(void **state) {
  (void)state;
  vc_err err;
  assert_int_equal(vc_fail(&err, VC_ERR_MISMATCH, "node %d: %s", 3, "bad hash"), VC_ERR_MISMATCH);
  assert_string_equal(err.msg, "node 3: bad hash");
  assert_int_equal(vc_fail(NULL, VC_ERR_INPUT, "x"), VC_ERR_INPUT);
}

static void test_status_names(void **state) {
  (void)state;
  assert_string_equal(vc_status_name(VC_OK), "ok");
  assert_string_equal(vc_status_name(VC_ERR_LIMIT), "limit exceeded");
  assert_string_equal(vc_status_name((vc_status)999), "unknown");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fail_formats),
      cmocka_unit_test(test_status_names),
  };
  return cmocka_run_group_tests_name("base", tests, NULL, NULL);
}

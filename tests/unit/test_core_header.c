/* test_core_header.c: the public header compiles on its own and the library links:
 * keccak of "" through the umbrella header equals the well-known constant. */
#include "testutil.h"
#include "core/verity_core.h"

static void test_umbrella(void **st) {
  (void)st;
  uint8_t h[32];
  char hex[70];
  vc_keccak256((const uint8_t *)"", 0, h);
  vc_hex_encode(h, 32, hex);
  assert_string_equal(hex, "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_umbrella)};
  return cmocka_run_group_tests_name("core_header", tests, NULL, NULL);
}
